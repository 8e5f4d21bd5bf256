"""What each rule declares about itself (pipeline.rules, @rule), and what is derived from it: the weekly
actions, the governor pack's compliance counts and the Placements table's milestone cells. In memory: a
RuleContext over a few placement rows, no workbook.

Factory calendar (tests/factories.py): Autumn 2026 Thu 03/09 - Fri 18/12, half term 26/10 - 30/10, INSET
Fri 13/11. As-of Fri 04/12/2026: the due window's 10th school day after it is 7-11/12 (5), 14-18/12 (10),
so it ends Fri 18/12, the term's last day.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import pytest

from pipeline.calendar import SchoolCalendar
from pipeline.columns import Columns
from pipeline.governors.compliance import measure, rag
from pipeline.milestones import placement_milestones
from pipeline.read.registers import Registers
from pipeline.records import Placement
from pipeline.rules import CATALOGUE, KNOWN_SETTINGS, RuleContext, run_rules
from pipeline.rules.obligations import ALERT, DEADLINE, LATE, NOT_DONE, ON_TIME, Obligation, Span, outcome
from pipeline.sessions import COLUMNS
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML
from tests.record_factories import placement_record, provider_record

D = dt.date
AS_OF = D(2026, 12, 4)
AUTUMN = Span(D(2026, 9, 3), D(2026, 12, 18))
ROOT = Path(__file__).resolve().parent.parent


def row(pid: str, start: dt.date, plan: dt.date | None) -> Placement:
    """A placement as the registers hold it: every start duty done on 01/09 except the plan."""
    done = D(2026, 9, 1)
    return placement_record(placement_id=pid, provider_id="PRV1", forename="Test", surname=pid,
                            start_date=start, arranged_by="School", send="N", ehc_plan="N",
                            parent_letter_sent=done, parents_agreed=done, dual_registered_from=done,
                            attainment_data_sent=done, intervention_plan_agreed=plan)


def context(placements: list[Placement], as_of: dt.date = AS_OF) -> RuleContext:
    settings = parse_settings(tomllib.loads(SCHOOL_TOML))
    registers = Registers(providers={"PRV1": provider_record(provider_id="PRV1", name="Riverside")}, placements=placements)
    return RuleContext(settings, SchoolCalendar.from_settings(settings), as_of - dt.timedelta(days=4), as_of,
                       registers, Columns(COLUMNS))


# --- one deadline rule, derived three ways ---------------------------------------------------------

@pytest.fixture(scope="module")
def plans():
    """intervention-plan, due on the Start date:
      P1 starts Mon 07/09, plan agreed Tue 01/09 (before the start)  -> on time
      P2 starts Mon 07/09, plan agreed Tue 08/09 (a day after)      -> late
      P3 starts Mon 07/09, no plan                                   -> not done: overdue since 07/09
      P4 starts Mon 14/12, after as-of, no plan                      -> not yet due: due 14/12, in the window"""
    return context([row("P1", D(2026, 9, 7), D(2026, 9, 1)), row("P2", D(2026, 9, 7), D(2026, 9, 8)),
                    row("P3", D(2026, 9, 7), None), row("P4", D(2026, 12, 14), None)])


def test_compliance_counts_on_time_late_not_done_not_yet_due(plans):
    counts = measure(CATALOGUE["intervention-plan"], plans, AUTUMN)
    assert counts == {"on_time": 1, "late": 1, "not_done": 1, "not_yet_due": 1, "alerts": 0}
    assert rag(counts) == "Red"


def test_weekly_actions_are_the_open_obligations(plans):
    actions = [(a.placement_id, a.due, a.status) for a in run_rules(plans) if a.rule == "intervention-plan"]
    assert actions == [("P3", D(2026, 9, 7), "overdue"), ("P4", D(2026, 12, 14), "due")]


def test_milestone_cells(plans):
    rows = placement_milestones(plans, run_rules(plans))
    cells = {r["placement_id"]: next(m for m in r["milestones"] if m["milestone"] == "Intervention plan agreed")
             for r in rows}
    assert [(cells[p]["text"], cells[p]["state"]) for p in ("P1", "P2", "P3", "P4")] == [
        ("done 01/09/2026", "done"), ("done 08/09/2026", "done"),
        ("OVERDUE (due 07/09/2026)", "overdue"), ("due 14/12/2026", "due")]


def test_a_date_after_as_of_is_not_done():
    """P2's plan is dated Tue 08/09: seen from Mon 07/09 it is not done yet, so the duty is due that day."""
    ctx = context([row("P2", D(2026, 9, 7), D(2026, 9, 8))], as_of=D(2026, 9, 7))
    assert measure(CATALOGUE["intervention-plan"], ctx, AUTUMN)["not_done"] == 1
    assert [(a.due, a.status) for a in run_rules(ctx) if a.rule == "intervention-plan"] == [(D(2026, 9, 7), "due")]


# --- obligations --------------------------------------------------------------------------------

DUE = D(2026, 10, 23)


@pytest.mark.parametrize("ob, result, closed", [
    (Obligation("P1", DUE, D(2026, 10, 23)), ON_TIME, True),                    # done on the due date
    (Obligation("P1", DUE, D(2026, 10, 26)), LATE, True),                       # done after it: closed, late
    (Obligation("P1", DUE, None), NOT_DONE, False),
    # a review held on Sat 24/10, inside its period that ends Sun 25/10: on time
    (Obligation("P1", DUE, D(2026, 10, 24), on_time_by=D(2026, 10, 25)), ON_TIME, True),
    # held in the break after its period: late, and the period's review is still missing
    (Obligation("P1", DUE, D(2026, 10, 28), on_time_by=D(2026, 10, 25), late_closes=False), LATE, False),
])
def test_outcome_and_closed(ob, result, closed):
    assert (outcome(ob), ob.closed) == (result, closed)


# --- the declarations themselves ------------------------------------------------------------------

@pytest.mark.parametrize("rule", CATALOGUE.values(), ids=lambda r: r.id)
def test_every_rule_declares_its_kind_key_settings_and_what_it_checks(rule):
    assert rule.kind in (DEADLINE, ALERT)
    assert rule.key in ("placement", "provider", "upn")
    assert set(rule.settings) <= KNOWN_SETTINGS
    assert rule.what and len(rule.what) <= 60
    if rule.kind == DEADLINE:
        assert rule.obligations is not None and "rules.due_window_school_days" in rule.settings
    assert all(m.rule == rule.id for m in rule.milestones)


def test_kinds_and_what_the_pack_measures():
    kinds = {r.id: r.kind for r in CATALOGUE.values()}
    assert sorted(i for i, k in kinds.items() if k == ALERT) == [
        "below-target", "formal-reviews", "incident", "past-planned-end", "provider-registration", "register-mismatch",
        "work-set"]
    unmeasured = [r.id for r in CATALOGUE.values() if r.obligations is None and r.pack_alerts is None]
    assert unmeasured == ["register-mismatch"]


def test_no_rule_id_is_written_outside_the_rule_catalogue():
    """What a rule means lives in its declaration: outside pipeline/rules/ no module of the runtime package
    names a rule (the pack, the Placements table and the letters find a rule by what it declares)."""
    ids = "|".join(re.escape(i) for i in CATALOGUE)
    naming = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "pipeline").rglob("*.py")
                    if "rules" not in path.relative_to(ROOT).parts
                    and re.findall(rf"[\"']({ids})[\"']", path.read_text(encoding="utf-8")))
    assert naming == []
