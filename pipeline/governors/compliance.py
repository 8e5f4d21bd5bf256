"""Compliance by rule over the term (policy §7.2, §17): for each rule of the catalogue (contract §10),
how many of the term's obligations were done on time, late, or not at all, as red/amber/green.

Nothing here knows what a rule means: each rule declares it (pipeline.rules, @rule). The term runs from
its first day (`tc.start`) to `tc.end`, the earlier of its last day and as-of, and the rule context is
taken at `tc.end`, so a date in the registers counts as done only if it is on or before it.

- A rule that declares obligations (every deadline rule, and work-set): its obligations over the term
  (Span(term start, term's last day)) are counted by due date: due in [start, end] as on time, late or not
  done (obligations.outcome), due later in the term as not yet due. An alert rule counted this way
  (work-set) shows each not done as an alert too, and no 'not yet due'.
- An alert rule that declares `pack_alerts`: the count it gives ('Alerts in term', RAG 'n/a').
- Any other rule (register-mismatch, or one added without either): a row with blank counts and RAG
  'n/a', left out of the returned dict.
The rule's `pack_note` is added to its Notes; `what` heads its row.

RAG: Red if any not done; Amber if any late and none not done; Green otherwise, including when nothing
fell due (the Notes then read 'nothing due this term').

The returned dict maps rule id -> {"on_time", "late", "not_done", "not_yet_due", "alerts"} (ints,
unsuppressed); the table holds the true counts too, and pack.build_pack protects them (disclosure.py).
"""
from __future__ import annotations

from ..rules import CATALOGUE, Rule, RuleContext
from ..rules.obligations import ALERT, LATE, NOT_DONE, NOT_YET_DUE, ON_TIME, Span, outcome
from .context import TermContext
from .disclosure import Ledger
from .model import Section, Table

ALERTS = "alerts"
KEYS = (ON_TIME, LATE, NOT_DONE, NOT_YET_DUE, ALERTS)

COLUMNS = ["Rule", "Policy §", "Owner", "What it checks", "On time", "Late", "Not done", "Not yet due",
           "Alerts in term", "RAG", "Notes"]

NOTE = ("Counts the obligations whose due date fell in the term up to the pack's end date; a date counts as "
        "done only if it is on or before that date. On time: done by the due date; late: done after it; "
        "not done: not done by the end date; not yet due: due later this term. Start duties: one per placement, "
        "due as in the weekly actions (the parents' letter two days before the start, the rest by the start). "
        "Agreement reviews and provider reports: one per qualifying placement and term (or half-term), on time "
        "if dated inside it. Visits: walked visit by visit from the start, each due the visit interval after the "
        "last one. Provider checks: one per provider used in the term, on time if all its checks are current "
        "at the end date (late is not counted: only the latest check dates are kept). Sixth day: one per "
        "exclusion run whose sixth school day fell in the term, late if the provision started later. Returns: "
        "one per provider and week with pupils expected, on time if received (late is not counted). "
        "Reintegration: one per placement ended in the term, late if completed after the end date. Alerts have "
        "no deadline: incidents are those dated in the term; pupils below target, placements past their "
        "planned end and formal-review alerts are as at the end date; work not set is counted as not done. "
        "Red: something not done; amber: something late; green otherwise.")


def _counts() -> dict[str, int]:
    return {k: 0 for k in KEYS}


def measure(rule: Rule, ctx: RuleContext, span: Span) -> dict[str, int] | None:
    """The rule's counts over the term (span), with ctx at the pack's end date; None if the pack does not
    measure it."""
    c = _counts()
    if rule.obligations is not None:
        for ob in rule.obligations(ctx, span):
            if span.first <= ob.due <= ctx.as_of:
                c[outcome(ob)] += 1
            elif ctx.as_of < ob.due <= span.last:
                c[NOT_YET_DUE] += 1
        if rule.kind == ALERT:
            c[ALERTS] = c[NOT_DONE]
        return c
    if rule.pack_alerts is not None:
        c[ALERTS] = rule.alerts_in(ctx, span)
        return c
    return None


def rag(counts: dict[str, int]) -> str:
    """Red if anything is not done; Amber if anything is late and nothing not done; Green otherwise."""
    if counts[NOT_DONE]:
        return "Red"
    return "Amber" if counts[LATE] else "Green"


def compliance_section(tc: TermContext) -> tuple[Section, dict]:
    """The table with true numbers; Section.facts records every count cell, and for each deadline rule that
    on time + late + not done add up to the obligations due, a total a reader may know from other tables (the
    placements started, ended, the providers used), so it is treated as known (disclosure.py)."""
    span = Span(tc.start, tc.term.end)
    counts = {rule.id: c for rule in CATALOGUE.values() if (c := measure(rule, tc.rules, span)) is not None}
    facts = Ledger()
    rows, cells = [], {}
    col = {name: COLUMNS.index(name) for name in COLUMNS}
    for r, rule in enumerate(CATALOGUE.values()):
        head = [rule.id, rule.section, rule.owner, rule.what or rule.summary]
        c = counts.get(rule.id)
        note = rule.pack_note.format(end=f"{tc.end:%d/%m/%Y}") if rule.pack_note else None
        if c is None:
            rows.append(head + [None] * 5 + ["n/a", "not measured in the pack"])
        elif rule.obligations is None:
            rows.append(head + [None] * 4 + [c[ALERTS], "n/a", note])
            cells[(r, col["Alerts in term"])] = f"compliance.{rule.id}.{ALERTS}"
        else:
            due = c[ON_TIME] + c[LATE] + c[NOT_DONE]
            notes = [note] if note else []
            if not due:
                notes.insert(0, "nothing due this term")
            alert = rule.kind == ALERT
            alerts = c[ALERTS] if alert else None
            not_yet = None if alert else c[NOT_YET_DUE]
            rows.append(head + [c[ON_TIME], c[LATE], c[NOT_DONE], not_yet, alerts, rag(c), "; ".join(notes) or None])
            for key, name in ((ON_TIME, "On time"), (LATE, "Late"), (NOT_DONE, "Not done"),
                              (NOT_YET_DUE, "Not yet due"), (ALERTS, "Alerts in term")):
                if rows[-1][col[name]] is not None:
                    cells[(r, col[name])] = f"compliance.{rule.id}.{key}"
            record_due(facts, rule.id, c)
    table = Table(f"Compliance by rule, {tc.term.name}", COLUMNS, rows, note=NOTE, rag_column="RAG")
    facts.table_counts(table, cells)
    section = Section("compliance", "Compliance with the policy, rule by rule",
                      intro=(f"How the school met each duty of the policy from {tc.start:%d/%m/%Y} to "
                             f"{tc.end:%d/%m/%Y}: done on time, late, or not done."),
                      tables=[table], facts=facts)
    return section, {rule_id: dict(c) for rule_id, c in counts.items()}


def record_due(facts: Ledger, rule_id: str, c: dict) -> None:
    """on time + late + not done = due, with `due` known to a reader (never hidden)."""
    keys = [f"compliance.{rule_id}.{k}" for k in (ON_TIME, LATE, NOT_DONE)]
    for key, k in zip(keys, (ON_TIME, LATE, NOT_DONE)):
        facts.count(key, int(c.get(k, 0)))
    facts.count(f"compliance.{rule_id}.due", sum(int(c.get(k, 0)) for k in (ON_TIME, LATE, NOT_DONE)))
    facts.line(keys, f"compliance.{rule_id}.due", known=True)
