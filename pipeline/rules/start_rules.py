"""Duties due when a placement starts (§6.3, §7.9, §8.4, §8.9, §12.2, §14.1).

Each covers placements active on as-of or starting within the due window."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from . import RuleContext, action, rule, starting_or_active


@dataclass(frozen=True)
class StartDuty:
    column: str                                       # the register date that records it done
    due_of: Callable[[dict], dt.date]                 # its due date, from the placement
    applies: Callable[[dict], bool] = lambda p: True  # whether the placement has this duty at all


def _on_start(p: dict) -> dt.date:
    return p["start_date"]


# rule id -> the duty (contract §10); the rules below and the governor pack's compliance both read it
START_DUTIES: dict[str, StartDuty] = {
    "parent-letter": StartDuty("parent_letter_sent", lambda p: p["start_date"] - dt.timedelta(days=2),
                               lambda p: p.get("arranged_by") == "School"),
    "parents-agreement": StartDuty("parents_agreed", _on_start),
    "intervention-plan": StartDuty("intervention_plan_agreed", _on_start),
    "dual-registration": StartDuty("dual_registered_from", _on_start),
    "attainment-data": StartDuty("attainment_data_sent", _on_start),
    "send-details": StartDuty("send_details_sent", _on_start, lambda p: p.get("send") == "Y" or p.get("ehc_plan") == "Y"),
}


def _start_duty(ctx: RuleContext, rule_id: str, message: str):
    duty = START_DUTIES[rule_id]
    for p in starting_or_active(ctx):
        if not duty.applies(p) or ctx.done(p.get(duty.column)):
            continue
        due = duty.due_of(p)
        status = ctx.status(due)
        if status:
            yield action(rule_id, status, due, message.format(start=p["start_date"], pid=p["placement_id"], provider=ctx.provider_label(p["provider_id"])),
                         placement_id=p["placement_id"], provider_id=p["provider_id"])


@rule("parent-letter", "12.2", "Headteacher", "placement",
      "Arranged by is School and Parent letter sent is blank; due two calendar days before the Start date.")
def parent_letter(ctx: RuleContext):
    return _start_duty(ctx, "parent-letter",
                       "Send the parents the letter about placement {pid} at {provider}, starting {start:%d/%m/%Y}, "
                       "no later than two days before it starts; then enter the date in Parent letter sent.")


@rule("parents-agreement", "8.4, 8.8", "AP lead", "placement",
      "Neither Parents agreed nor Parents refused is filled in; due the Start date.")
def parents_agreement(ctx: RuleContext):
    return _start_duty(ctx, "parents-agreement",
                       "Agree placement {pid} at {provider} with the parents before it starts on {start:%d/%m/%Y}, "
                       "then enter the date in Parents agreed (or in Parents refused if they refuse).")


@rule("intervention-plan", "6.3", "AP lead", "placement",
      "Intervention plan agreed is blank; due the Start date.")
def intervention_plan(ctx: RuleContext):
    return _start_duty(ctx, "intervention-plan",
                       "Agree the personalised intervention plan for placement {pid} (objectives, timescales, baseline) "
                       "before it starts on {start:%d/%m/%Y}, then enter the date in Intervention plan agreed.")


@rule("dual-registration", "8.9", "Attendance lead", "placement",
      "Dual registered from is blank; due the Start date.")
def dual_registration(ctx: RuleContext):
    return _start_duty(ctx, "dual-registration",
                       "Dual register the pupil of placement {pid} from its first day ({start:%d/%m/%Y}) in the school's "
                       "register, then enter the date in Dual registered from.")


@rule("attainment-data", "14.1", "Assessment lead", "placement",
      "Attainment data sent is blank; due the Start date.")
def attainment_data(ctx: RuleContext):
    return _start_duty(ctx, "attainment-data",
                       "Send {provider} the pupil's attainment data for placement {pid}, starting {start:%d/%m/%Y}, "
                       "then enter the date in Attainment data sent.")


@rule("send-details", "7.9", "SENCO", "placement",
      "SEND or EHC plan is Y and SEND details sent is blank; due the Start date.")
def send_details(ctx: RuleContext):
    return _start_duty(ctx, "send-details",
                       "Give {provider} the details of the pupil's special educational needs for placement {pid}, "
                       "starting {start:%d/%m/%Y}, then enter the date in SEND details sent.")
