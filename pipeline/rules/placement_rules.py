"""Running and ending a placement: incidents (§13.4, §14.5), reintegration (§16.2–16.5), planned end (§3.4)."""
from __future__ import annotations

import datetime as dt

from . import AT_END, WINDOW, RuleContext, action, rule
from .obligations import ALERT, DEADLINE, Milestone, Obligation, Span
from ..records import Placement
from ..schema import SAFEGUARDING_CONCERN
from ..sessions import is_active

REINTEGRATION_ITEMS = (("final_report_received", "Final report received"), ("pupil_views_recorded", "Pupil views recorded"),
                       ("reintegration_plan_agreed", "Reintegration plan agreed"))


@rule("incident", "14.5, 13.4", "AP lead", "placement",
      "An incident dated in the reporting week in any accepted return: an alert (to the DSL for a safeguarding concern).",
      kind=ALERT, what="Incidents reported by providers", pack_note="incidents dated in the term",
      pack_alerts=lambda ctx, span: sum(1 for ret in ctx.returns for inc in ret.incidents
                                        if inc.date and span.first <= inc.date <= ctx.as_of))
def incident(ctx: RuleContext):
    sunday = ctx.week + dt.timedelta(days=6)
    for ret in ctx.returns:
        for inc in ret.incidents:
            if not (ctx.week <= inc.date <= sunday):
                continue
            category = inc.category or "Other"
            safeguarding = category == SAFEGUARDING_CONCERN
            reported = inc.reported_to_dsl
            told = f"reported to the DSL on {reported:%d/%m/%Y}" if reported else "not recorded as reported to the DSL"
            todo = ("Check that the DSL has it and act under the Child Protection and Safeguarding Policy."
                    if safeguarding else "Decide with the SLT and Headteacher what to do (policy §7.5).")
            yield action("incident", "alert", None,
                         f"{category} incident on {inc.date:%d/%m/%Y} for placement {inc.placement_id}, "
                         f"reported by {ctx.provider_label(inc.provider_id)} ({told}; {ret.file}, Incidents row "
                         f"{inc.source.row}). {todo}",
                         owner="DSL" if safeguarding else None,
                         placement_id=inc.placement_id, provider_id=inc.provider_id)


def missing_items(ctx: RuleContext, p: Placement) -> list[str]:
    """The headers of the reintegration items not recorded (on or before as-of) for an ended placement."""
    missing = [header for key, header in REINTEGRATION_ITEMS if not ctx.done(getattr(p, key))]
    if not (p.destination or "").strip():
        missing.append("Destination")
    return missing


def endings_owed(ctx: RuleContext, span: Span):
    """One obligation per placement with an Actual end date (the weekly list: on or before as-of), due that
    date; done when the last of Final report received, Pupil views recorded and Reintegration plan agreed
    was, once all three are recorded and Destination is set."""
    for p in ctx.live_placements:
        end = p.actual_end_date
        if end is None or (span.listing and end > ctx.as_of):
            continue
        done = None if missing_items(ctx, p) else max(getattr(p, key) for key, _ in REINTEGRATION_ITEMS)
        yield Obligation(p.placement_id, end, done, about=p)


@rule("reintegration", "16.2–16.5", "Governing board", "placement",
      "Actual end date on or before as-of and any of Final report received, Pupil views recorded, Reintegration "
      "plan agreed or Destination blank; due the Actual end date.",
      kind=DEADLINE, what="Reintegration completed when a placement ends", settings=(WINDOW,),
      obligations=endings_owed,
      milestones=tuple(Milestone(header, key) for key, header in REINTEGRATION_ITEMS)
      + (Milestone("Destination", "destination", text=True),))
def reintegration(ctx: RuleContext, ob: Obligation, status: str):
    p, missing = ob.about, missing_items(ctx, ob.about)
    return action("reintegration", status, ob.due,
                  f"Placement {p.placement_id} at {ctx.provider_label(p.provider_id)} ended on {ob.due:%d/%m/%Y} "
                  f"but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not recorded. Obtain the final "
                  "report, hear the pupil's views, agree the reintegration plan and record the destination.",
                  placement_id=p.placement_id, provider_id=p.provider_id)


@rule("past-planned-end", "3.4", "AP lead", "placement",
      "Active on as-of, Planned end date before as-of and no Actual end date: an alert to end or extend the placement.",
      kind=ALERT, what="Placements running past their planned end", pack_alerts=AT_END,
      pack_note="placements past their planned end at {end}")
def past_planned_end(ctx: RuleContext):
    for p in ctx.live_placements:
        planned = p.planned_end_date
        if not is_active(p, ctx.as_of) or planned is None or planned >= ctx.as_of or p.actual_end_date:
            continue
        yield action("past-planned-end", "alert", None,
                     f"Placement {p.placement_id} at {ctx.provider_label(p.provider_id)} was planned to end on "
                     f"{planned:%d/%m/%Y} and has no Actual end date. Decide whether it continues: enter the Actual end "
                     "date, or a new Planned end date.",
                     placement_id=p.placement_id, provider_id=p.provider_id)
