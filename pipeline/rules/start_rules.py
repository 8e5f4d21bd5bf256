"""Duties due when a placement starts (§6.3, §7.9, §8.4, §8.9, §12.2, §14.1).

Each is one obligation per placement (parents not refused) the duty applies to, done on the date entered
in its placements.xlsx column. The weekly list covers placements active on as-of or starting within the
due window; the governor pack counts every placement whose due date falls in its term."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from . import WINDOW, RuleContext, action, rule, starting_or_active
from .obligations import DEADLINE, Milestone, Obligation, Span, always
from ..records import Placement
from ..schema import SCHOOL


def on_start(p: Placement) -> dt.date:
    return p.start_date


def two_days_before_start(p: Placement) -> dt.date:
    return p.start_date - dt.timedelta(days=2)


def school_arranged(p: Placement) -> bool:
    return p.arranged_by == SCHOOL


def has_send(p: Placement) -> bool:
    return p.is_send


@dataclass(frozen=True)
class StartDuty:
    column: str                                       # the register date that records it done
    due_of: Callable[[Placement], dt.date] = on_start      # its due date, from the placement
    applies: Callable[[Placement], bool] = always          # whether the placement has this duty at all

    def obligations(self, ctx: RuleContext, span: Span):
        placements = starting_or_active(ctx) if span.listing else ctx.live_placements
        for p in placements:
            if self.applies(p):
                done = getattr(p, self.column)
                yield Obligation(p.placement_id, self.due_of(p), done if ctx.done(done) else None, about=p)

    def milestone(self, header: str, **more) -> Milestone:
        """Its column of the Placements table."""
        return Milestone(header, self.column, applies=self.applies, **more)


LETTER = StartDuty("parent_letter_sent", two_days_before_start, school_arranged)
AGREED = StartDuty("parents_agreed")
PLAN = StartDuty("intervention_plan_agreed")
DUAL = StartDuty("dual_registered_from")
ATTAINMENT = StartDuty("attainment_data_sent")
SEND = StartDuty("send_details_sent", applies=has_send)


def notice(ctx: RuleContext, rule_id: str, ob: Obligation, status: str, message: str):
    p = ob.about
    return action(rule_id, status, ob.due,
                  message.format(start=p.start_date, pid=p.placement_id, provider=ctx.provider_label(p.provider_id)),
                  placement_id=p.placement_id, provider_id=p.provider_id)


@rule("parent-letter", "12.2", "Headteacher", "placement",
      "Arranged by is School and Parent letter sent is blank; due two calendar days before the Start date.",
      kind=DEADLINE, what="Parents' letter sent at least two days before the start", settings=(WINDOW,),
      obligations=LETTER.obligations, milestones=(LETTER.milestone("Parent letter sent"),))
def parent_letter(ctx: RuleContext, ob: Obligation, status: str):
    return notice(ctx, "parent-letter", ob, status,
                  "Send the parents the letter about placement {pid} at {provider}, starting {start:%d/%m/%Y}, "
                  "no later than two days before it starts; then enter the date in Parent letter sent.")


@rule("parents-agreement", "8.4, 8.8", "AP lead", "placement",
      "Neither Parents agreed nor Parents refused is filled in; due the Start date.",
      kind=DEADLINE, what="Parents agreed the placement by its start", settings=(WINDOW,),
      obligations=AGREED.obligations, milestones=(AGREED.milestone("Parents agreed", refusal=True),))
def parents_agreement(ctx: RuleContext, ob: Obligation, status: str):
    return notice(ctx, "parents-agreement", ob, status,
                  "Agree placement {pid} at {provider} with the parents before it starts on {start:%d/%m/%Y}, "
                  "then enter the date in Parents agreed (or in Parents refused if they refuse).")


@rule("intervention-plan", "6.3", "AP lead", "placement",
      "Intervention plan agreed is blank; due the Start date.",
      kind=DEADLINE, what="Intervention plan agreed by the start", settings=(WINDOW,),
      obligations=PLAN.obligations, milestones=(PLAN.milestone("Intervention plan agreed"),))
def intervention_plan(ctx: RuleContext, ob: Obligation, status: str):
    return notice(ctx, "intervention-plan", ob, status,
                  "Agree the personalised intervention plan for placement {pid} (objectives, timescales, baseline) "
                  "before it starts on {start:%d/%m/%Y}, then enter the date in Intervention plan agreed.")


@rule("dual-registration", "8.9", "Attendance lead", "placement",
      "Dual registered from is blank; due the Start date.",
      kind=DEADLINE, what="Pupil dual registered from the start", settings=(WINDOW,),
      obligations=DUAL.obligations, milestones=(DUAL.milestone("Dual registered from"),))
def dual_registration(ctx: RuleContext, ob: Obligation, status: str):
    return notice(ctx, "dual-registration", ob, status,
                  "Dual register the pupil of placement {pid} from its first day ({start:%d/%m/%Y}) in the school's "
                  "register, then enter the date in Dual registered from.")


@rule("attainment-data", "14.1", "Assessment lead", "placement",
      "Attainment data sent is blank; due the Start date.",
      kind=DEADLINE, what="Attainment data sent to the provider by the start", settings=(WINDOW,),
      obligations=ATTAINMENT.obligations, milestones=(ATTAINMENT.milestone("Attainment data sent"),))
def attainment_data(ctx: RuleContext, ob: Obligation, status: str):
    return notice(ctx, "attainment-data", ob, status,
                  "Send {provider} the pupil's attainment data for placement {pid}, starting {start:%d/%m/%Y}, "
                  "then enter the date in Attainment data sent.")


@rule("send-details", "7.9", "SENCO", "placement",
      "SEND or EHC plan is Y and SEND details sent is blank; due the Start date.",
      kind=DEADLINE, what="SEND details sent to the provider by the start", settings=(WINDOW,),
      obligations=SEND.obligations,
      milestones=(SEND.milestone("SEND details sent", shown_if_not_applicable=False),))
def send_details(ctx: RuleContext, ob: Obligation, status: str):
    return notice(ctx, "send-details", ob, status,
                  "Give {provider} the details of the pupil's special educational needs for placement {pid}, "
                  "starting {start:%d/%m/%Y}, then enter the date in SEND details sent.")
