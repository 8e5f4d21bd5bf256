"""Reviewing a running placement: agreement reviews (§8.4), provider reports (§14.3),
AP lead visits (§14.4) and formal progress reviews (§14.6, §14.7)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import RuleContext, action, rule
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


def events(ctx: RuleContext, placement_id: str, type_: str) -> list[dict]:
    """The placement's events of one type dated on or before as-of, oldest first (then row order)."""
    return ctx.review_index.get((placement_id, type_), [])


def qualifying_placements(ctx: RuleContext, period: Period) -> list[dict]:
    """Live placements active on the period's last school day that started at least
    QUALIFYING_SCHOOL_DAYS school days before it: those that owe a review or report for the period."""
    cutoff = ctx.calendar.subtract_school_days(period.last_day, QUALIFYING_SCHOOL_DAYS)
    if cutoff is None:
        return []
    return [p for p in ctx.live_placements if is_active(p, period.last_day) and p["start_date"] <= cutoff]


def _periodic(ctx: RuleContext, rule_id: str, event_type: str, cadence: str, what: str):
    for period in review_periods(ctx, cadence):
        if period.last_day > ctx.window_end:
            continue
        status = ctx.status(period.last_day)
        if status is None:
            continue
        for p in qualifying_placements(ctx, period):
            if any(period.covers(e["date"]) for e in events(ctx, p["placement_id"], event_type)):
                continue
            yield action(rule_id, status, period.last_day,
                         f"No {event_type} for placement {p['placement_id']} at {ctx.provider_label(p['provider_id'])} "
                         f"in {period.name}. {what} by {period.last_day:%d/%m/%Y} and record it on the Reviews sheet "
                         f"as '{event_type}'.",
                         placement_id=p["placement_id"], provider_id=p["provider_id"])


@rule("agreement-review", "8.4", "AP lead", "placement",
      "For each term (or half-term, with review_cadence = \"half-term\") ending within the window: the placement "
      "is active on its last school day, started at least 20 school days before it, and has no Agreement review "
      "dated inside it; due that last school day.")
def agreement_review(ctx: RuleContext):
    return _periodic(ctx, "agreement-review", "Agreement review", ctx.settings.get("rules", "review_cadence"),
                     "Review the placement agreement with the parents and the provider")


@rule("provider-report", "14.3", "AP lead", "placement",
      "The same as agreement-review, always termly, for a Provider termly report.")
def provider_report(ctx: RuleContext):
    return _periodic(ctx, "provider-report", "Provider termly report", "term",
                     "Ask the provider for its termly report on progress, behaviour and welfare")


def visit_interval(ctx: RuleContext) -> int:
    """The AP lead visit interval in school days (the visit_interval_school_days setting, §14.4)."""
    return int(ctx.settings.get("rules", "visit_interval_school_days"))


def next_visit_due(ctx: RuleContext, since: dt.date) -> dt.date | None:
    """The next visit's due date: the interval's school day after `since` (a visit, or the Start date),
    not counting that day; None past the last term."""
    return ctx.calendar.add_school_days(since, visit_interval(ctx))


@rule("lead-visit", "14.4", "AP lead", "placement",
      "A placement active on as-of; due the 30th school day (the visit interval) after its latest AP lead visit, "
      "or after its Start date if it has had none.")
def lead_visit(ctx: RuleContext):
    interval = visit_interval(ctx)
    for p in ctx.live_placements:
        if not is_active(p, ctx.as_of):
            continue
        visits = events(ctx, p["placement_id"], "AP lead visit")
        since = visits[-1]["date"] if visits else p["start_date"]
        due = next_visit_due(ctx, since)
        status = ctx.status(due) if due else None
        if status is None:
            continue
        last = f"the last visit was on {since:%d/%m/%Y}" if visits else f"there has been no visit since it started on {since:%d/%m/%Y}"
        yield action("lead-visit", status, due,
                     f"Visit placement {p['placement_id']} at {ctx.provider_label(p['provider_id'])}: {last}. "
                     f"Visits are due every {interval} school days; record the visit on the Reviews sheet as 'AP lead visit'.",
                     placement_id=p["placement_id"], provider_id=p["provider_id"])


@rule("formal-reviews", "14.7", "Headteacher", "placement",
      "The three latest Formal progress reviews with an outcome are all Not satisfactory: an alert that the "
      "placement may be ended.")
def formal_reviews(ctx: RuleContext):
    for p in ctx.live_placements:
        if p.get("actual_end_date") and p["actual_end_date"] < ctx.as_of:
            continue  # already ended: nothing left to decide
        rated = [e for e in events(ctx, p["placement_id"], "Formal progress review") if e.get("outcome")]
        latest = rated[-3:]
        if len(latest) == 3 and all(e["outcome"] == "Not satisfactory" for e in latest):
            dates = ", ".join(f"{e['date']:%d/%m/%Y}" for e in latest)
            yield action("formal-reviews", "alert", None,
                         f"Placement {p['placement_id']} at {ctx.provider_label(p['provider_id'])} has had three formal "
                         f"progress reviews in a row that were not satisfactory ({dates}). Decide with the AP lead "
                         "whether to end the placement (policy §14.7).",
                         placement_id=p["placement_id"], provider_id=p["provider_id"])
