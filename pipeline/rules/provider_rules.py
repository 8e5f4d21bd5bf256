"""Provider suitability (§5.3, §7.6): registered, approved, and its safeguarding checks current."""
from __future__ import annotations

import calendar as _cal
import datetime as dt

from . import RuleContext, action, rule, starting_or_active
from ..schema import PROVIDER_CHECKS


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, _cal.monthrange(year, month)[1]))


def check_expiry(checked: dt.date, months: int) -> dt.date:
    """The last day a check is current: it is older than the period the day after."""
    return add_months(checked, months)


def provider_problems(ctx: RuleContext, provider: dict, first_start: dt.date) -> list[tuple[str, dt.date]]:
    """(what is wrong, when it was due) for each failing item of one provider."""
    months = int(ctx.settings.get("rules", "provider_check_months"))
    problems = []
    for header in PROVIDER_CHECKS:
        key = header.lower().replace(" ", "_")
        checked = provider.get(key)
        if not ctx.done(checked):
            problems.append((f"{header} is not recorded", first_start))
        elif check_expiry(checked, months) < ctx.as_of:
            expiry = check_expiry(checked, months)
            problems.append((f"{header} on {checked:%d/%m/%Y} expired on {expiry:%d/%m/%Y} ({months} months)", expiry))
    if provider.get("registered") != "Y":
        problems.append(("Registered is not Y", first_start))
    if (provider.get("status") or "") != "Active":
        problems.append((f"Status is {provider.get('status') or 'blank'}, not Active", first_start))
    return problems


@rule("provider-checks", "5.3, 7.6", "DSL", "provider",
      "A provider with a placement active on as-of or starting within the window has a dated check that is blank "
      "or older than the check period, is not Registered Y, or is not Active; due the earliest expiry, or the "
      "earliest start of its placements for a blank check, Registered or Status.")
def provider_checks(ctx: RuleContext):
    starts: dict[str, dt.date] = {}
    for p in starting_or_active(ctx):
        starts[p["provider_id"]] = min(starts.get(p["provider_id"], p["start_date"]), p["start_date"])
    for provider_id, first_start in sorted(starts.items()):
        provider = ctx.registers.providers.get(provider_id, {})
        problems = provider_problems(ctx, provider, first_start)
        if not problems:
            continue
        due = min(when for _, when in problems)
        status = ctx.status(due)
        if status is None:
            continue
        items = "; ".join(what for what, _ in problems)
        yield action("provider-checks", status, due,
                     f"{ctx.provider_label(provider_id)} is not cleared for pupils: {items}. Complete the checks "
                     "and update providers.xlsx, or stop using the provider.",
                     provider_id=provider_id)
