"""Attendance rules: missing returns (§15.2, §15.4) and pupils below target (§15.5)."""
from __future__ import annotations

import datetime as dt

from . import RuleContext, action, rule
from ..labels import provider_name
from ..sessions import is_active


@rule("missing-return", "15.2, 15.4", "Attendance lead", "provider",
      "A provider had pupils expected in a week and no return for that week was accepted.")
def missing_return(ctx: RuleContext):
    for miss in ctx.missing_returns:
        week = miss.week_commencing
        due = week + dt.timedelta(days=7)
        status = ctx.status(due)
        if status is None:
            continue
        provider = miss.provider_id
        name = provider_name(ctx.registers.providers, provider)
        yield action("missing-return", status, due,
                     f"No attendance return from {name} ({provider}) for the week commencing {week:%d/%m/%Y}. "
                     "Ask the provider for it and save it in the returns folder; until then its sessions count as not reported.",
                     provider_id=provider)


@rule("below-target", "15.5", "Attendance lead", "placement",
      "A pupil in provision is below the school's attendance target for the year to date.")
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
