"""What a rule declares it tracks: dated obligations, and the milestones it shows in the Placements table.

A deadline rule (contract §10) is one duty owed many times: a parents' letter per placement, a review per
placement and term. It declares how to enumerate its obligations over a span of days, each with its due
date and the date it was done; from those alone

- the weekly run lists each obligation still open at as-of as `overdue` or `due` (`open_actions`);
- the governor pack counts, over a term, those done on time, late, not done and not yet due (`outcome`);
- the weekly Placements table shows, per milestone, a date done or the open action (pipeline.milestones).

Nothing outside the rule modules says what a rule means.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from ..records import Placement

DEADLINE, ALERT = "deadline", "alert"
KINDS = (DEADLINE, ALERT)
ON_TIME, LATE, NOT_DONE, NOT_YET_DUE = "on_time", "late", "not_done", "not_yet_due"


@dataclass(frozen=True)
class Span:
    """The days whose obligations are asked for: those due from `first` to `last`.

    `listing` is the weekly run's question: which obligations are open at as-of and due by the end of the
    window? A rule then enumerates only the subjects in hand at as-of (a placement running or about to
    start, a return missing this year). Otherwise (the governor pack's term) it enumerates every obligation
    due in the span, so that those due after the pack's end date count as not yet due."""
    first: dt.date
    last: dt.date
    listing: bool = False


@dataclass(frozen=True)
class Obligation:
    """One duty owed once.

    `done` is the day it was done, already cut at the context's as-of by the rule (a date in the registers
    counts as done only if it is on or before as-of), or None. It was on time if done by `on_time_by` (the
    due date unless the rule allows longer: a review held at the weekend that ends its period). A late one
    is closed unless `late_closes` is False (a review held after its period leaves that period's review
    missing in the weekly list). `about` is what the rule's message needs (the placement row, the period)."""
    subject: str                      # the rule's key: a placement id, provider id or UPN
    due: dt.date
    done: dt.date | None
    on_time_by: dt.date | None = None
    late_closes: bool = True
    about: Any = None

    @property
    def on_time(self) -> bool:
        return self.done is not None and self.done <= (self.on_time_by or self.due)

    @property
    def closed(self) -> bool:
        """Done, so the weekly run no longer lists it."""
        return self.on_time or (self.done is not None and self.late_closes)


def outcome(ob: Obligation) -> str:
    """On time, late or not done, for an obligation already due."""
    if ob.done is None:
        return NOT_DONE
    return ON_TIME if ob.on_time else LATE


def open_actions(ctx, obligations: Callable, notice: Callable):
    """The weekly list of one deadline rule: each obligation not closed at as-of whose due date is before
    as-of (overdue) or within the window (due), as the Action its rule's `notice` writes."""
    for ob in obligations(ctx, Span(dt.date.min, ctx.window_end, listing=True)):
        status = None if ob.closed else ctx.status(ob.due)
        if status:
            yield notice(ctx, ob, status)


def always(placement: Placement) -> bool:
    return True


@dataclass(frozen=True)
class Milestone:
    """A column of the weekly Placements table: the date a rule's duty was done, or its open action.

    `column` is the placements.xlsx field holding the date (or, with `text`, words shown as typed:
    Destination); `event` instead names the Reviews Type whose latest date is shown (a recurring duty).
    Where `applies` is false the cell reads n/a, unless a date was entered anyway and
    `shown_if_not_applicable` (a letter sent for a placement the local authority arranged).
    `refusal`: the cell shows the parents' refusal instead (Parents agreed). `rule` is filled in by @rule."""
    header: str
    column: str | None = None
    event: str | None = None
    applies: Callable[[Placement], bool] = always
    text: bool = False
    refusal: bool = False
    shown_if_not_applicable: bool = True
    rule: str = ""
