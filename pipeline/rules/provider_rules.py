"""Provider suitability (§5.3, §7.6): registered, approved, its safeguarding checks current, and registered as an
independent school when it educates enough pupils full time."""
from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass

from . import AT_END, WINDOW, RuleContext, action, rule, starting_or_active
from .obligations import ALERT, DEADLINE, Obligation, Span
from ..records import Placement, Provider
from ..schema import ACTIVE, FULL_DAY, PROVIDER_CHECKS, PROVIDERS, WEEKDAYS, YES
from ..sessions import is_active


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


# --- provider-registration (§5.3, §7.6): the test for registering as an independent school -----------------

REGISTRATION_PUPILS = 5     # full-time pupils that make an unregistered provider an independent school
REGISTRATION_PRIORITY = 1   # ... or this many full-time pupils with an EHC plan or looked after


@dataclass(frozen=True)
class FullTime:
    """Whom a provider educates full time (a `Full day` pattern Monday to Friday) among placements active on a
    day: all of them, and those with an EHC plan or looked after. Counts add up across a trust's schools."""
    pupils: int = 0
    priority: int = 0       # with an EHC plan or looked after

    def __add__(self, other: "FullTime") -> "FullTime":
        return FullTime(self.pupils + other.pupils, self.priority + other.priority)

    @property
    def must_register(self) -> bool:
        """Whether these pupils meet the test for registering as an independent school."""
        return self.pupils >= REGISTRATION_PUPILS or self.priority >= REGISTRATION_PRIORITY


def is_full_time(p: Placement) -> bool:
    """A pattern of `Full day` Monday to Friday, whatever the week's school days."""
    return all(getattr(p, day.lower()) == FULL_DAY for day in WEEKDAYS)


def full_time_by_provider(placements, day: dt.date) -> dict[str, FullTime]:
    """provider id -> FullTime among the placements active on `day` (parents who refused: never active)."""
    found: dict[str, FullTime] = {}
    for p in placements:
        if is_active(p, day) and is_full_time(p):
            priority = int(p.ehc_plan == YES or p.looked_after == YES)
            found[p.provider_id] = found.get(p.provider_id, FullTime()) + FullTime(1, priority)
    return found


def unregistered(provider: Provider | None) -> bool:
    return provider is None or provider.registered != YES


def registration_wording(label: str, ft: FullTime, where: str) -> str:
    """The alert's sentence: what was found and what to do (no pupil is named)."""
    priority = f", {ft.priority} of them with an EHC plan or looked after" if ft.priority else ""
    return (f"{label} is not recorded as Registered (Y) but educates full time {ft.pupils} "
            f"pupil{'s' if ft.pupils != 1 else ''} {where}{priority}: a provider that educates full time "
            f"{REGISTRATION_PUPILS} or more pupils, or one with an EHC plan or looked after, must be registered as an "
            "independent school. Ask the provider for its registration and record it in providers.xlsx; if it is "
            "not registered, tell the local authority and stop placing pupils there full time.")


@rule("provider-registration", "5.3, 7.6", "DSL", "provider",
      "The provider's Registered is not Y and, among placements active on as-of, it educates full time (a pattern "
      "of Full day Monday to Friday) 5 or more pupils, or 1 or more with an EHC plan or looked after: an alert. "
      "In trust mode the pupils are counted across the trust's schools.",
      kind=ALERT, what="Unregistered providers educating pupils full time", pack_alerts=AT_END,
      pack_note="providers at {end}")
def provider_registration(ctx: RuleContext):
    for provider_id, ft in sorted(full_time_by_provider(ctx.registers.placements, ctx.as_of).items()):
        if ft.must_register and unregistered(ctx.registers.providers.get(provider_id)):
            yield action("provider-registration", "alert", None,
                         registration_wording(ctx.provider_label(provider_id), ft, "from this school"),
                         provider_id=provider_id)
