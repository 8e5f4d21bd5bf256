"""Suspensions and exclusions (§10.1-10.5): full-time provision from the sixth school day; work set before it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import WINDOW, RuleContext, action, rule
from .obligations import ALERT, DEADLINE, Obligation, Span
from ..calendar import academic_year_start
from ..sessions import is_active
from ..records import Exclusion
from ..schema import PERMANENT_EXCLUSION, SUSPENSION, YES
from ..upn import upn_problem

SIXTH = 6


@dataclass(frozen=True)
class ExclusionRun:
    upn: str
    kind: str                    # 'Suspension' or 'Permanent exclusion'
    days: tuple[dt.date, ...]    # the run's school days (for a permanent exclusion: its first six)

    @property
    def sixth_day(self) -> dt.date | None:
        return self.days[SIXTH - 1] if len(self.days) >= SIXTH else None


def suspension_days(ctx: RuleContext, row: Exclusion) -> list[dt.date]:
    """Day 1 is the first school day on or after First day; it covers School days school days."""
    first = ctx.calendar.first_school_day_from(row.first_day)
    if first is None:
        return []
    days = [first]
    while len(days) < int(row.school_days or 0):
        nxt = ctx.calendar.next_school_day(days[-1])
        if nxt is None:
            break
        days.append(nxt)
    return days


def exclusion_runs(ctx: RuleContext) -> list[ExclusionRun]:
    """Each pupil's runs of consecutive suspension school days (merged, added up across holidays),
    and each permanent exclusion with its own count from its own day 1."""
    by_upn: dict[str, set] = {}
    runs = []
    for row in ctx.registers.exclusions:
        upn = (row.upn or "").upper()
        if row.type == PERMANENT_EXCLUSION:
            first = ctx.calendar.first_school_day_from(row.first_day)
            if first is not None:
                days = [first] + [d for d in (ctx.calendar.add_school_days(first, n) for n in range(1, SIXTH)) if d]
                runs.append(ExclusionRun(upn, PERMANENT_EXCLUSION, tuple(days)))
        elif row.type == SUSPENSION:
            by_upn.setdefault(upn, set()).update(suspension_days(ctx, row))
    for upn, days in sorted(by_upn.items()):
        current: list[dt.date] = []
        for day in sorted(days):
            if current and ctx.calendar.next_school_day(current[-1]) != day:
                runs.append(ExclusionRun(upn, SUSPENSION, tuple(current)))
                current = []
            current.append(day)
        if current:
            runs.append(ExclusionRun(upn, SUSPENSION, tuple(current)))
    return runs


def _who(upn: str) -> tuple[str, str | None]:
    """How an action names the pupil of an Exclusions row, and the UPN it carries: a UPN that is not valid
    may be anything typed there (a name), so it is never repeated (contract §13); its finding points at the cell."""
    if upn and upn_problem(upn) is None:
        return f"the pupil with UPN {upn}", upn
    return "the pupil whose UPN in the Exclusions sheet is not valid (see the bad-upn finding)", None


def provided_for(ctx: RuleContext, upn: str, sixth: dt.date) -> bool:
    """A placement for this pupil starts on or before the sixth school day and is active that day."""
    return any(p.start_date <= sixth and is_active(p, sixth) for p in ctx.live_by_upn.get(upn, ()))


def runs_owed(ctx: RuleContext, span: Span):
    """One obligation per exclusion run of the academic year with a sixth school day, due that day. Done on
    time when a placement for the UPN starts on or before it and is active that day (a placement already in
    the register counts, whenever it starts); late when one starts after it (on or before as-of), which
    still leaves the sixth day without provision in the weekly list."""
    year = academic_year_start(ctx.as_of)
    for run in exclusion_runs(ctx):
        sixth = run.sixth_day
        if sixth is None or academic_year_start(sixth) != year:
            continue
        if provided_for(ctx, run.upn, sixth):
            done = sixth
        else:
            done = min((p.start_date for p in ctx.live_by_upn.get(run.upn, ())
                        if sixth < p.start_date <= ctx.as_of), default=None)
        yield Obligation(run.upn, sixth, done, late_closes=False, about=run)


@rule("sixth-day", "10.1–10.3", "Governing board", "upn",
      "A pupil's run of consecutive suspension school days totals more than five (owner: Governing board), or a "
      "permanent exclusion (owner: Local authority), and no placement for that UPN starts on or before the 6th "
      "school day of the run and is active that day; due that 6th school day.",
      kind=DEADLINE, what="Full-time provision from the sixth day of exclusion", settings=(WINDOW,),
      obligations=runs_owed)
def sixth_day(ctx: RuleContext, ob: Obligation, status: str):
    run, sixth = ob.about, ob.due
    if run.kind == PERMANENT_EXCLUSION:
        owner, what = "Local authority", (f"permanently excluded from {run.days[0]:%d/%m/%Y}: the local authority "
                                          "must arrange full-time education")
    else:
        owner, what = None, (f"suspended for {len(run.days)} consecutive school days from {run.days[0]:%d/%m/%Y}: "
                             "the governing board must arrange full-time education")
    who, upn = _who(run.upn)
    return action("sixth-day", status, sixth,
                  f"{who[0].upper()}{who[1:]} is {what} from the sixth school day, {sixth:%d/%m/%Y}. "
                  "Arrange it and add the placement to placements.xlsx, starting no later than that day.",
                  owner=owner, upn=upn)


def work_owed(ctx: RuleContext, span: Span):
    """For the governor pack: each Exclusions row whose First day falls in the span up to as-of; done (on
    time) when Work set is Y."""
    for row in ctx.registers.exclusions:
        if span.first <= row.first_day <= ctx.as_of:
            yield Obligation((row.upn or "").upper(), row.first_day,
                             row.first_day if row.work_set == YES else None)


@rule("work-set", "10.5", "Headteacher", "upn",
      "An exclusion row of the academic year whose Work set is not Y: an alert to set and mark work.",
      kind=ALERT, what="Work set for the first days of an exclusion", obligations=work_owed)
def work_set(ctx: RuleContext):
    year = academic_year_start(ctx.as_of)
    for row in ctx.registers.exclusions:
        if academic_year_start(row.first_day) != year or row.work_set == YES:
            continue
        who, upn = _who((row.upn or "").upper())
        yield action("work-set", "alert", None,
                     f"Work set is not Y for the {row.type.lower()} of {who} "
                     f"from {row.first_day:%d/%m/%Y} (placements.xlsx, Exclusions row {row.source.row}). Make sure "
                     "work is set and marked for the first five school days, then enter Y.",
                     upn=upn)
