"""Reviewing a running placement: agreement reviews (§8.4), provider reports (§14.3),
AP lead visits (§14.4) and formal progress reviews (§14.6, §14.7)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from . import AT_END, WINDOW, RuleContext, action, rule
from .obligations import ALERT, DEADLINE, Milestone, Obligation, Span
from ..records import Placement, ReviewEvent
from ..schema import AGREEMENT_REVIEW, AP_LEAD_VISIT, FORMAL_REVIEW, NOT_SATISFACTORY, PROVIDER_REPORT
from ..sessions import is_active

QUALIFYING_SCHOOL_DAYS = 20   # a placement must have started this many school days before a period ends


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.date
    end: dt.date
    last_day: dt.date          # the period's last school day

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


def review_periods(ctx: RuleContext, cadence: str) -> list[Period]:
    """The academic year's terms, or half-terms (each term split at its break)."""
    periods = []
    for term in ctx.calendar.terms_of_year(ctx.as_of):
        parts = [(term.name, term.start, term.end)]
        if cadence == "half-term" and term.half_term:
            parts = [(f"{term.name}, first half", term.start, term.half_term[0] - dt.timedelta(days=1)),
                     (f"{term.name}, second half", term.half_term[1] + dt.timedelta(days=1), term.end)]
        for name, start, end in parts:
            days = ctx.calendar.school_days(start, end)
            if days:
                periods.append(Period(name, start, end, days[-1]))
    return periods


def events(ctx: RuleContext, placement_id: str, type_: str) -> list[ReviewEvent]:
    """The placement's events of one type dated on or before as-of, oldest first (then row order)."""
    return ctx.review_index.get((placement_id, type_), [])


def qualifying_placements(ctx: RuleContext, period: Period) -> list[Placement]:
    """Live placements active on the period's last school day that started at least
    QUALIFYING_SCHOOL_DAYS school days before it: those that owe a review or report for the period."""
    cutoff = ctx.calendar.subtract_school_days(period.last_day, QUALIFYING_SCHOOL_DAYS)
    if cutoff is None:
        return []
    return [p for p in ctx.live_placements if is_active(p, period.last_day) and p.start_date <= cutoff]


def periodic(event_type: str, cadence_of) -> Callable:
    """The obligations of a review owed each period: one per period whose last school day falls in the span
    and per placement qualifying for it, due that last school day. On time: an event of the type dated
    inside the period (a weekend ending it included); late: none inside but one after it (possible only with
    half-term cadence, a review in the break), which still leaves the period's review missing."""
    def obligations(ctx: RuleContext, span: Span):
        for period in review_periods(ctx, cadence_of(ctx)):
            if not span.first <= period.last_day <= span.last:
                continue
            for p in qualifying_placements(ctx, period):
                done = next((e.date for e in events(ctx, p.placement_id, event_type)
                             if e.date >= period.start), None)
                yield Obligation(p.placement_id, period.last_day, done, on_time_by=period.end, late_closes=False,
                                 about=(p, period))
    return obligations


def review_cadence(ctx: RuleContext) -> str:
    return ctx.settings.get("rules", "review_cadence")


def termly(ctx: RuleContext) -> str:
    return "term"


def _missing(ctx: RuleContext, rule_id: str, event_type: str, what: str, ob: Obligation, status: str):
    p, period = ob.about
    return action(rule_id, status, ob.due,
                  f"No {event_type} for placement {p.placement_id} at {ctx.provider_label(p.provider_id)} "
                  f"in {period.name}. {what} by {period.last_day:%d/%m/%Y} and record it on the Reviews sheet "
                  f"as '{event_type}'.",
                  placement_id=p.placement_id, provider_id=p.provider_id)


AGREEMENT, REPORT, VISIT = AGREEMENT_REVIEW, PROVIDER_REPORT, AP_LEAD_VISIT


@rule("agreement-review", "8.4", "AP lead", "placement",
      "For each term (or half-term, with review_cadence = \"half-term\") ending within the window: the placement "
      "is active on its last school day, started at least 20 school days before it, and has no Agreement review "
      "dated inside it; due that last school day.",
      kind=DEADLINE, what="Placement agreement reviewed each term", settings=(WINDOW, "rules.review_cadence"),
      obligations=periodic(AGREEMENT, review_cadence),
      milestones=(Milestone("Latest agreement review", event=AGREEMENT),))
def agreement_review(ctx: RuleContext, ob: Obligation, status: str):
    return _missing(ctx, "agreement-review", AGREEMENT,
                    "Review the placement agreement with the parents and the provider", ob, status)


@rule("provider-report", "14.3", "AP lead", "placement",
      "The same as agreement-review, always termly, for a Provider termly report.",
      kind=DEADLINE, what="Provider's termly report received", settings=(WINDOW,),
      obligations=periodic(REPORT, termly),
      milestones=(Milestone("Latest provider termly report", event=REPORT),))
def provider_report(ctx: RuleContext, ob: Obligation, status: str):
    return _missing(ctx, "provider-report", REPORT,
                    "Ask the provider for its termly report on progress, behaviour and welfare", ob, status)


def visit_interval(ctx: RuleContext) -> int:
    """The AP lead visit interval in school days (the visit_interval_school_days setting, §14.4)."""
    return int(ctx.settings.get("rules", "visit_interval_school_days"))


def next_visit_due(ctx: RuleContext, since: dt.date) -> dt.date | None:
    """The next visit's due date: the interval's school day after `since` (a visit, or the Start date),
    not counting that day; None past the last term."""
    return ctx.calendar.add_school_days(since, visit_interval(ctx))


def visits_owed(ctx: RuleContext, span: Span):
    """The weekly list: for each placement active on as-of, the next visit, due the interval after its latest
    visit (or its Start date). Over a term: each placement's visits walked from its Start date (or its latest
    visit on or before it): the next visit is due the interval after the previous one; the next visit on or
    before that is on time, a later one late, and the walk goes on from it; with no further visit the walk
    goes on from the missed due date, so a placement left unvisited owes one visit per interval. No visit
    falls due after the placement's Actual end date, and the walk stops at the first due date after as-of."""
    for p in ctx.live_placements:
        dated = [e.date for e in events(ctx, p.placement_id, VISIT)]
        if span.listing:
            if is_active(p, ctx.as_of):
                since = dated[-1] if dated else p.start_date
                due = next_visit_due(ctx, since)
                if due:
                    yield Obligation(p.placement_id, due, None, about=(p, since, bool(dated)))
            continue
        before = [v for v in dated if v <= p.start_date]
        since = before[-1] if before else p.start_date
        ended = p.actual_end_date
        while True:
            due = next_visit_due(ctx, since)
            if due is None or due > span.last or (ended is not None and due > ended):
                break
            nxt = next((v for v in dated if v > since), None)
            yield Obligation(p.placement_id, due, nxt, about=(p, since, True))
            if due > ctx.as_of:
                break
            since = due if nxt is None else nxt


@rule("lead-visit", "14.4", "AP lead", "placement",
      "A placement active on as-of; due the 30th school day (the visit interval) after its latest AP lead visit, "
      "or after its Start date if it has had none.",
      kind=DEADLINE, what="AP lead visits within the visit interval",
      settings=(WINDOW, "rules.visit_interval_school_days"), obligations=visits_owed,
      milestones=(Milestone("Latest AP lead visit", event=VISIT),))
def lead_visit(ctx: RuleContext, ob: Obligation, status: str):
    p, since, visited = ob.about
    last = f"the last visit was on {since:%d/%m/%Y}" if visited else f"there has been no visit since it started on {since:%d/%m/%Y}"
    return action("lead-visit", status, ob.due,
                  f"Visit placement {p.placement_id} at {ctx.provider_label(p.provider_id)}: {last}. "
                  f"Visits are due every {visit_interval(ctx)} school days; record the visit on the Reviews sheet "
                  "as 'AP lead visit'.",
                  placement_id=p.placement_id, provider_id=p.provider_id)


@rule("formal-reviews", "14.7", "Headteacher", "placement",
      "The three latest Formal progress reviews with an outcome are all Not satisfactory: an alert that the "
      "placement may be ended.",
      kind=ALERT, what="Three unsatisfactory formal reviews in a row", pack_alerts=AT_END,
      pack_note="placements with three unsatisfactory reviews at {end}")
def formal_reviews(ctx: RuleContext):
    for p in ctx.live_placements:
        if p.actual_end_date and p.actual_end_date < ctx.as_of:
            continue  # already ended: nothing left to decide
        rated = [e for e in events(ctx, p.placement_id, FORMAL_REVIEW) if e.outcome]
        latest = rated[-3:]
        if len(latest) == 3 and all(e.outcome == NOT_SATISFACTORY for e in latest):
            dates = ", ".join(f"{e.date:%d/%m/%Y}" for e in latest)
            yield action("formal-reviews", "alert", None,
                         f"Placement {p.placement_id} at {ctx.provider_label(p.provider_id)} has had three formal "
                         f"progress reviews in a row that were not satisfactory ({dates}). Decide with the AP lead "
                         "whether to end the placement (policy §14.7).",
                         placement_id=p.placement_id, provider_id=p.provider_id)
