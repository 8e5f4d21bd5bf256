"""Attendance rules: missing returns (§15.2, §15.4) and pupils below target (§15.5)."""
from __future__ import annotations

import datetime as dt

from . import AT_END, WINDOW, RuleContext, action, rule
from .obligations import ALERT, DEADLINE, Obligation, Span
from ..calendar import monday_of
from ..labels import provider_name
from ..sessions import expected_sessions, is_active


def returns_owed(ctx: RuleContext, span: Span):
    """One obligation per provider and week with expected sessions. The weekly list: the provider-weeks of the
    year up to the reporting week with no accepted return, due the calendar Monday after the week. Over a
    term: each provider-week of the term, due the week's last school day in the term (the return cannot be
    complete before), done on time when a return was accepted (returns carry no received date: late is not
    known). Both leave out the weeks before [rules] monitoring_from (a week counts when its Friday is on or
    after it: Settings.monitored), so a school that starts using the tool mid-year is not owed the returns
    of the weeks before; those weeks' sessions still count as not reported."""
    settings = ctx.settings
    if span.listing:
        for miss in ctx.missing_returns:
            week = miss.week_commencing
            if settings.monitored(week):
                yield Obligation(miss.provider_id, week + dt.timedelta(days=7), None, about=week)
        return
    cal = ctx.calendar
    expected = expected_sessions(ctx.registers.placements, cal, span.first, span.last)
    received = {(r.provider_id, r.week) for r in ctx.returns}
    weeks = sorted({(prv, monday_of(day)) for _, prv, day, _ in expected})
    for provider_id, monday in (w for w in weeks if settings.monitored(w[1])):
        due = cal.school_days(max(monday, span.first), min(monday + dt.timedelta(days=4), span.last))[-1]
        yield Obligation(provider_id, due, due if (provider_id, monday) in received else None, about=monday)


@rule("missing-return", "15.2, 15.4", "Attendance lead", "provider",
      "A provider had pupils expected in a week and no return for that week was accepted.",
      kind=DEADLINE, what="Weekly attendance returns received", settings=(WINDOW, "rules.monitoring_from"),
      obligations=returns_owed, pack_note="late not counted")
def missing_return(ctx: RuleContext, ob: Obligation, status: str):
    provider, week = ob.subject, ob.about
    name = provider_name(ctx.registers.providers, provider)
    return action("missing-return", status, ob.due,
                  f"No attendance return from {name} ({provider}) for the week commencing {week:%d/%m/%Y}. "
                  "Ask the provider for it and save it in the returns folder; until then its sessions count as not reported.",
                  provider_id=provider)


@rule("below-target", "15.5", "Attendance lead", "placement",
      "A pupil in provision is below the school's attendance target for the year to date.",
      kind=ALERT, what="Pupils below the attendance target", settings=("school.target_percent",),
      pack_alerts=AT_END, pack_note="pupils in provision below target at {end}", counts_school_days=True)
def below_target(ctx: RuleContext):
    target = ctx.settings.target_percent
    for pupil in ctx.pupils:
        placement = ctx.registers.placement(pupil.placement_id)
        if not pupil.below_target or placement is None or not is_active(placement, ctx.as_of):
            continue
        ytd = pupil.year_to_date
        yield action("below-target", "alert", None,
                     f"Attendance this year is {ytd.percent}% ({ytd.attended} of {ytd.possible} sessions), "
                     f"below the school's target of {target:g}%. Start the interventions in the school's Attendance Policy "
                     "and contact the parents.",
                     placement_id=pupil.placement_id, provider_id=pupil.provider_id)
