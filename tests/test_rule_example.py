"""The example rule plan-before-start: its weekly actions, its compliance row, its milestone and its docs row
all come from its @rule. Same in-memory placements as tests/test_rule_declarations.py (due 02/09 for the
placements starting 07/09, 09/12 for P4)."""
from __future__ import annotations

import datetime as dt

from pipeline import docs
from pipeline.governors.compliance import compliance_section
from pipeline.governors.context import load_term
from pipeline.milestones import placement_milestones
from pipeline.rules import CATALOGUE, run_rules
from tests.factories import placement, write_school
from tests.test_rule_declarations import AS_OF, context, row

D = dt.date


def test_example_rule_is_listed_counted_shown_and_documented(tmp_path):
    ctx = context([row("P1", D(2026, 9, 7), D(2026, 9, 1)), row("P2", D(2026, 9, 7), D(2026, 9, 3)),
                   row("P4", D(2026, 12, 14), None)])
    # weekly: P1 agreed 01/09 (on time), P2 on 03/09 (late, closed), P4 due Wed 09/12 and not done
    assert [(a.placement_id, a.due, a.status) for a in run_rules(ctx) if a.rule == "plan-before-start"] == [
        ("P4", D(2026, 12, 9), "due")]
    cells = {r["placement_id"]: next(m for m in r["milestones"] if m["milestone"] == "Plan agreed early")
             for r in placement_milestones(ctx, run_rules(ctx))}
    assert [cells[p]["text"] for p in ("P1", "P2", "P4")] == ["done 01/09/2026", "done 03/09/2026", "due 09/12/2026"]
    # the governor pack's row, from a school folder: both start Mon 14/09, due Wed 09/09;
    # P001 plan 01/09 on time, P002 plan 10/09 late
    start = D(2026, 9, 14)
    folder = write_school(tmp_path / "school", [placement("P001", start=start, Intervention_plan_agreed=D(2026, 9, 1)),
                                                placement("P002", start=start, Intervention_plan_agreed=D(2026, 9, 10))])
    section, counts = compliance_section(load_term(folder, "Autumn 2026", as_of=AS_OF))
    [table] = section.tables
    pack_row = dict(zip(table.columns, next(r for r in table.rows if r[0] == "plan-before-start")))
    assert [pack_row[c] for c in ("What it checks", "On time", "Late", "Not done", "Not yet due", "RAG")] == [
        "Intervention plan agreed five days before the start", 1, 1, 0, 0, "Amber"]
    assert "| `plan-before-start` | 6.3 | AP lead | placement | overdue or due |" in docs.rules_markdown()
    assert CATALOGUE["plan-before-start"].kind == "deadline"
