"""Provider suitability (§5.3, §7.6): registered, approved, and its safeguarding checks current."""
from __future__ import annotations

import calendar as _cal
import datetime as dt

from . import WINDOW, RuleContext, action, rule, starting_or_active
from .obligations import DEADLINE, Obligation, Span
from ..records import Provider
from ..schema import ACTIVE, PROVIDER_CHECKS, PROVIDERS, YES


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def check_expiry(checked: dt.date, months: int) -> dt.date:
    """The last day a check is current: it is older than the period the day after."""
    return add_months(checked, months)


def provider_problems(ctx: RuleContext, provider: Provider, first_start: dt.date) -> list[tuple[str, dt.date]]:
    """(what is wrong, when it was due) for each failing item of one provider."""
    months = int(ctx.settings.get("rules", "provider_check_months"))
    problems = []
    for header in PROVIDER_CHECKS:
        checked = getattr(provider, PROVIDERS.column(header).key)
        if not ctx.done(checked):
            problems.append((f"{header} is not recorded", first_start))
        elif check_expiry(checked, months) < ctx.as_of:
            expiry = check_expiry(checked, months)
            problems.append((f"{header} on {checked:%d/%m/%Y} expired on {expiry:%d/%m/%Y} ({months} months)", expiry))
    if provider.registered != YES:
        problems.append(("Registered is not Y", first_start))
    if (provider.status or "") != ACTIVE:
        problems.append((f"Status is {provider.status or 'blank'}, not Active", first_start))
    return problems


def providers_owed(ctx: RuleContext, span: Span):
    """One obligation per provider in use. Weekly: the providers of placements active on as-of or starting
    within the window, each open while it has a problem, due the earliest of the problems' dates. Over a term:
    the providers of placements active at any time from its start to as-of (due when first used in the term),
    on time when at as-of none of its checks has a problem, not done otherwise (late is not known: the register
    keeps only the latest date of each check); a provider first used later in the term is not yet due."""
    if span.listing:
        starts = _first_starts(starting_or_active(ctx))
        for provider_id, first_start in sorted(starts.items()):
            problems = provider_problems(ctx, ctx.registers.providers[provider_id], first_start)
            if problems:
                yield Obligation(provider_id, min(when for _, when in problems), None, about=problems)
        return
    used = _first_starts(p for p in ctx.live_placements if p.start_date <= ctx.as_of
                         and (p.actual_end_date is None or p.actual_end_date >= span.first))
    later = _first_starts(p for p in ctx.live_placements if ctx.as_of < p.start_date <= span.last)
    for provider_id, first_start in used.items():
        due = max(first_start, span.first)
        problems = provider_problems(ctx, ctx.registers.providers[provider_id], first_start)
        yield Obligation(provider_id, due, None if problems else due)
    for provider_id, first_start in later.items():
        if provider_id not in used:
            yield Obligation(provider_id, first_start, None)


def _first_starts(placements) -> dict[str, dt.date]:
    """provider id -> the earliest Start date among these placements."""
    starts: dict[str, dt.date] = {}
    for p in placements:
        starts[p.provider_id] = min(starts.get(p.provider_id, p.start_date), p.start_date)
    return starts


@rule("provider-checks", "5.3, 7.6", "DSL", "provider",
      "A provider with a placement active on as-of or starting within the window has a dated check that is blank "
      "or older than the check period, is not Registered Y, or is not Active; due the earliest expiry, or the "
      "earliest start of its placements for a blank check, Registered or Status.",
      kind=DEADLINE, what="Provider registered, active and its checks current",
      settings=(WINDOW, "rules.provider_check_months"), obligations=providers_owed, pack_note="late not counted")
def provider_checks(ctx: RuleContext, ob: Obligation, status: str):
    items = "; ".join(what for what, _ in ob.about)
    return action("provider-checks", status, ob.due,
                  f"{ctx.provider_label(ob.subject)} is not cleared for pupils: {items}. Complete the checks "
                  "and update providers.xlsx, or stop using the provider.",
                  provider_id=ob.subject)
