"""Compliance by rule over the term (policy §7.2, §17): for each rule of the catalogue (contract §10),
how many of the term's obligations were done on time, late, or not at all, as red/amber/green.

The term runs from its first day (`tc.start`) to `tc.end`, the earlier of its last day and as-of. An
obligation is counted when its due date falls in [start, end]; one whose due date falls later in the
term is 'not yet due' (whether or not it has already been done). A date in the registers counts as done
only if it is on or before `end`. Due dates come from the rule modules themselves (START_DUTIES,
review_periods, qualifying_placements, next_visit_due, provider_problems, exclusion_runs, provided_for,
REINTEGRATION_ITEMS), never re-derived here.

Deadline rules:
- Start rules (parent-letter, parents-agreement, intervention-plan, dual-registration, attainment-data,
  send-details): one obligation per placement (parents not refused) the rule applies to (parent-letter:
  Arranged by School; send-details: SEND or EHC plan Y) whose due date (Start date − 2 calendar days for
  parent-letter, the Start date for the others) falls in the term. On time: its register date is on or
  before the due date; late: after the due date but on or before end; not done: blank or after end.
  parents-agreement is done by Parents agreed (a refused placement has no obligations at all).
- agreement-review (cadence from the settings: termly or half-termly) and provider-report (termly): one
  obligation per period whose last school day falls in the term, and per placement that qualifies for it
  (active on that last school day and started at least 20 school days before it). On time: an event of
  the type dated inside the period (on or before end); late: none inside, but one dated after the period
  and on or before end (possible only with half-term cadence, e.g. a review in the break); not done
  otherwise.
- lead-visit: each placement's visits are walked from its Start date (or its latest visit on or before
  the Start date): the next visit is due the visit interval's school day after the previous visit (or the
  start). The next visit on or before that due date is on time, a later one (on or before end) is late and
  the walk goes on from it; with no further visit by end the obligation is not done and the walk goes on
  from the missed due date, so a placement left unvisited owes one visit per interval. No visit falls
  due after the placement's Actual end date.
- provider-checks: one obligation per provider with a placement active at any time in the term. On time:
  at end it has none of the rule's problems (five dated checks recorded and current, Registered Y, Status
  Active); not done otherwise. Late is not counted: the register keeps only the latest date of each check,
  so whether an earlier check lapsed during the term cannot be known.
- sixth-day: one obligation per exclusion run (suspensions over five consecutive school days, or a
  permanent exclusion) whose sixth school day falls in the term. On time: a placement for the UPN starts on
  or before the sixth day and is active that day; late: otherwise, one starts after the sixth day and on or
  before end; not done otherwise.
- missing-return: one obligation per provider and week with expected sessions in the term; it falls due
  on that week's last school day in the term (the return cannot be complete before). On time: a return for
  that provider and week was accepted; not done otherwise. Late is not counted (returns carry no received
  date).
- reintegration: one obligation per placement whose Actual end date falls in the term. On time: Final
  report received, Pupil views recorded and Reintegration plan agreed all dated on or before the Actual end
  date, and Destination set; late: all three on or before end, Destination set, some after the Actual end
  date; not done otherwise.

Alert rules (no deadline; counted in 'Alerts in term', RAG 'n/a' except work-set):
- work-set: Exclusions rows whose First day falls in the term: Work set Y is on time, anything else is not
  done (and is an alert); RAG as for a deadline rule.
- incident: incidents dated in the term in the accepted returns.
- below-target, past-planned-end, formal-reviews: the rule's alerts at end (a snapshot, not a term count).

RAG: Red if any not done; Amber if any late and none not done; Green otherwise, including when nothing
fell due (the Notes then read 'nothing due this term'). A rule of the catalogue the pack does not measure
gets a row with blank counts and RAG 'n/a', and is left out of the returned dict.

The returned dict maps rule id -> {"on_time", "late", "not_done", "not_yet_due", "alerts"} (ints,
unsuppressed); the table holds the true counts too, and pack.build_pack protects them (disclosure.py).
"""
from __future__ import annotations

import datetime as dt

from ..calendar import monday_of
from ..rules import CATALOGUE, RuleContext
from ..rules.exclusion_rules import exclusion_runs, provided_for
from ..rules.placement_rules import REINTEGRATION_ITEMS
from ..rules.provider_rules import provider_problems
from ..rules.review_rules import events, next_visit_due, qualifying_placements, review_periods
from ..rules.start_rules import START_DUTIES
from ..sessions import expected_sessions
from .context import TermContext
from .disclosure import Ledger
from .model import Section, Table

ON_TIME, LATE, NOT_DONE, NOT_YET_DUE, ALERTS = "on_time", "late", "not_done", "not_yet_due", "alerts"
KEYS = (ON_TIME, LATE, NOT_DONE, NOT_YET_DUE, ALERTS)
SNAPSHOT_ALERTS = ("below-target", "past-planned-end", "formal-reviews")

COLUMNS = ["Rule", "Policy §", "Owner", "What it checks", "On time", "Late", "Not done", "Not yet due",
           "Alerts in term", "RAG", "Notes"]

WHAT = {
    "parent-letter": "Parents' letter sent at least two days before the start",
    "parents-agreement": "Parents agreed the placement by its start",
    "intervention-plan": "Intervention plan agreed by the start",
    "dual-registration": "Pupil dual registered from the start",
    "attainment-data": "Attainment data sent to the provider by the start",
    "send-details": "SEND details sent to the provider by the start",
    "agreement-review": "Placement agreement reviewed each term",
    "provider-report": "Provider's termly report received",
    "lead-visit": "AP lead visits within the visit interval",
    "formal-reviews": "Three unsatisfactory formal reviews in a row",
    "provider-checks": "Provider registered, active and its checks current",
    "sixth-day": "Full-time provision from the sixth day of exclusion",
    "work-set": "Work set for the first days of an exclusion",
    "incident": "Incidents reported by providers",
    "reintegration": "Reintegration completed when a placement ends",
    "past-planned-end": "Placements running past their planned end",
    "missing-return": "Weekly attendance returns received",
    "below-target": "Pupils below the attendance target",
    "register-mismatch": "School register and provider returns agree",
}

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


def _classify(done: dt.date | None, due: dt.date, end: dt.date) -> str:
    """On time, late or not done, for a duty recorded by one date."""
    if done is None or done > end:
        return NOT_DONE
    return ON_TIME if done <= due else LATE


class _Term:
    """The term's bounds and the tallies of each rule."""

    def __init__(self, tc: TermContext):
        self.tc = tc
        self.ctx: RuleContext = tc.rules
        self.start, self.end, self.last = tc.start, tc.end, tc.term.end
        self.counts: dict[str, dict[str, int]] = {}

    def tally(self, rule_id: str, due: dt.date, outcome) -> None:
        """Count an obligation due on `due`; `outcome` (a result, or a function giving one) is used only
        when it is due in [start, end]."""
        c = self.counts.setdefault(rule_id, _counts())
        if self.start <= due <= self.end:
            c[outcome() if callable(outcome) else outcome] += 1
        elif self.end < due <= self.last:
            c[NOT_YET_DUE] += 1

    def measure(self) -> dict[str, dict[str, int]]:
        for rule_id in START_DUTIES:
            self.start_duty(rule_id)
        self.periodic("agreement-review", "Agreement review", self.ctx.settings.get("rules", "review_cadence"))
        self.periodic("provider-report", "Provider termly report", "term")
        self.lead_visits()
        self.provider_checks()
        self.sixth_day()
        self.missing_returns()
        self.reintegration()
        self.work_set()
        self.incidents()
        for rule_id in SNAPSHOT_ALERTS:
            self.counts[rule_id] = _counts()
            self.counts[rule_id][ALERTS] = sum(1 for _ in CATALOGUE[rule_id].check(self.ctx))
        return self.counts

    # --- deadline rules ---------------------------------------------------------------------------

    def start_duty(self, rule_id: str) -> None:
        duty = START_DUTIES[rule_id]
        self.counts[rule_id] = _counts()
        for p in self.ctx.live_placements:
            if duty.applies(p):
                due = duty.due_of(p)
                self.tally(rule_id, due, lambda: _classify(p.get(duty.column), due, self.end))

    def periodic(self, rule_id: str, event_type: str, cadence: str) -> None:
        self.counts[rule_id] = _counts()
        for period in review_periods(self.ctx, cadence):
            if not self.start <= period.last_day <= self.last:
                continue
            for p in qualifying_placements(self.ctx, period):
                dates = [e["date"] for e in events(self.ctx, p["placement_id"], event_type)]  # on or before end

                def outcome(dates=dates, period=period):
                    if any(period.covers(d) for d in dates):
                        return ON_TIME
                    return LATE if any(d > period.end for d in dates) else NOT_DONE
                self.tally(rule_id, period.last_day, outcome)

    def lead_visits(self) -> None:
        self.counts["lead-visit"] = _counts()
        for p in self.ctx.live_placements:
            visits = [e["date"] for e in events(self.ctx, p["placement_id"], "AP lead visit")]  # on or before end
            before = [v for v in visits if v <= p["start_date"]]
            since = before[-1] if before else p["start_date"]
            ended = p.get("actual_end_date")
            while True:
                due = next_visit_due(self.ctx, since)
                if due is None or due > self.last or (ended is not None and due > ended):
                    break  # past the term, or the placement ended before the visit fell due
                nxt = next((v for v in visits if v > since), None)
                if due > self.end:
                    self.tally("lead-visit", due, NOT_YET_DUE)
                    break
                self.tally("lead-visit", due, NOT_DONE if nxt is None else ON_TIME if nxt <= due else LATE)
                since = due if nxt is None else nxt

    def provider_checks(self) -> None:
        self.counts["provider-checks"] = c = _counts()
        used: dict[str, dt.date] = {}
        later: set[str] = set()
        for p in self.ctx.live_placements:
            ended = p.get("actual_end_date")
            if p["start_date"] <= self.end and (ended is None or ended >= self.start):
                used[p["provider_id"]] = min(used.get(p["provider_id"], p["start_date"]), p["start_date"])
            elif self.end < p["start_date"] <= self.last:
                later.add(p["provider_id"])
        for provider_id, first_start in used.items():
            provider = self.ctx.registers.providers.get(provider_id, {})
            c[NOT_DONE if provider_problems(self.ctx, provider, first_start) else ON_TIME] += 1
        c[NOT_YET_DUE] += len(later - set(used))

    def sixth_day(self) -> None:
        self.counts["sixth-day"] = _counts()
        for run in exclusion_runs(self.ctx):
            sixth = run.sixth_day
            if sixth is None:
                continue

            def outcome(run=run, sixth=sixth):
                if provided_for(self.ctx, run.upn, sixth):
                    return ON_TIME
                late = any((p.get("upn") or "").upper() == run.upn and sixth < p["start_date"] <= self.end
                           for p in self.ctx.live_placements)
                return LATE if late else NOT_DONE
            self.tally("sixth-day", sixth, outcome)

    def missing_returns(self) -> None:
        self.counts["missing-return"] = _counts()
        cal = self.ctx.calendar
        expected = expected_sessions(self.ctx.registers.placements, cal, self.start, self.last)
        received = {(r.provider_id, r.week) for r in self.tc.returns}
        for provider_id, monday in sorted({(prv, monday_of(day)) for _, prv, day, _ in expected}):
            due = cal.school_days(max(monday, self.start), min(monday + dt.timedelta(days=4), self.last))[-1]
            self.tally("missing-return", due, ON_TIME if (provider_id, monday) in received else NOT_DONE)

    def reintegration(self) -> None:
        self.counts["reintegration"] = _counts()
        for p in self.ctx.live_placements:
            ended = p.get("actual_end_date")
            if ended is None:
                continue

            def outcome(p=p, ended=ended):
                dates = [p.get(key) for key, _ in REINTEGRATION_ITEMS]
                if any(d is None or d > self.end for d in dates) or not (p.get("destination") or "").strip():
                    return NOT_DONE
                return ON_TIME if all(d <= ended for d in dates) else LATE
            self.tally("reintegration", ended, outcome)

    # --- alert rules ------------------------------------------------------------------------------

    def work_set(self) -> None:
        self.counts["work-set"] = c = _counts()
        for row in self.ctx.registers.exclusions:
            if self.start <= row["first_day"] <= self.end:
                c[ON_TIME if row.get("work_set") == "Y" else NOT_DONE] += 1
        c[ALERTS] = c[NOT_DONE]

    def incidents(self) -> None:
        self.counts["incident"] = c = _counts()
        c[ALERTS] = sum(1 for ret in self.tc.returns for inc in ret.incidents
                        if inc.get("date") and self.start <= inc["date"] <= self.end)


def rag(counts: dict[str, int]) -> str:
    """Red if anything is not done; Amber if anything is late and nothing not done; Green otherwise."""
    if counts[NOT_DONE]:
        return "Red"
    return "Amber" if counts[LATE] else "Green"


ALERT_NOTES = {
    "incident": "incidents dated in the term",
    "below-target": "pupils in provision below target at {end}",
    "past-planned-end": "placements past their planned end at {end}",
    "formal-reviews": "placements with three unsatisfactory reviews at {end}",
}
RULE_NOTES = {
    "provider-checks": "late not counted",
    "missing-return": "late not counted",
}


def compliance_section(tc: TermContext) -> tuple[Section, dict]:
    """The table with true numbers; Section.facts records every count cell, and for each deadline rule that
    on time + late + not done add up to the obligations due, a total a reader may know from other tables (the
    placements started, ended, the providers used), so it is treated as known (disclosure.py)."""
    counts = _Term(tc).measure()
    facts = Ledger()
    rows, cells = [], {}
    col = {name: COLUMNS.index(name) for name in COLUMNS}
    for r, rule in enumerate(CATALOGUE.values()):
        head = [rule.id, rule.section, rule.owner, WHAT.get(rule.id, rule.summary)]
        c = counts.get(rule.id)
        if c is None:
            rows.append(head + [None] * 5 + ["n/a", "not measured in the pack"])
        elif rule.id in ALERT_NOTES:
            rows.append(head + [None] * 4 + [c[ALERTS], "n/a", ALERT_NOTES[rule.id].format(end=f"{tc.end:%d/%m/%Y}")])
            cells[(r, col["Alerts in term"])] = f"compliance.{rule.id}.{ALERTS}"
        else:
            due = c[ON_TIME] + c[LATE] + c[NOT_DONE]
            notes = [RULE_NOTES[rule.id]] if rule.id in RULE_NOTES else []
            if not due:
                notes.insert(0, "nothing due this term")
            alerts = c[ALERTS] if rule.id == "work-set" else None
            not_yet = None if rule.id == "work-set" else c[NOT_YET_DUE]
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
