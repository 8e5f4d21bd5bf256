"""Each pupil's weekly attendance over the last six school weeks (contract §15), from the sessions table.

The weeks are the school calendar's (a week with no school day, such as half term, is skipped); a week in
which nothing was possible for a pupil is None. The reporting week counts up to the run's figures date, as
its `week` figures do, so the last point of a pupil's trend is their `week.percent`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .attendance import counts_by_placement, figures
from .calendar import SchoolCalendar
from .columns import Columns
from .labels import percent_text

WEEKS = 6
FALLING_RUN = 3          # decreases in a row, the last into the reporting week, that mark a pupil as falling


@dataclass(frozen=True)
class Trend:
    """The Mondays of the trend's school weeks (oldest first) and each placement's weekly percent in them."""
    weeks: tuple[dt.date, ...] = ()
    percents: dict[str, tuple[float | None, ...]] = field(default_factory=dict)
    reporting_week: dt.date | None = None

    def of(self, placement_id: str) -> tuple[float | None, ...]:
        return self.percents.get(placement_id, (None,) * len(self.weeks))

    def falling(self, placement_id: str) -> bool:
        """True when the pupil's weekly attendance fell FALLING_RUN weeks running, ending with the reporting week
        (every one of the FALLING_RUN + 1 weeks had something possible)."""
        if not self.weeks or self.weeks[-1] != self.reporting_week or len(self.weeks) <= FALLING_RUN:
            return False
        last = self.of(placement_id)[-(FALLING_RUN + 1):]
        return None not in last and all(a > b for a, b in zip(last, last[1:]))


def six_weeks(calendar: SchoolCalendar, monday: dt.date, count_to: dt.date) -> list[dt.date]:
    """The Mondays of the last WEEKS school weeks up to and including the week of `monday`."""
    last_day = max(monday, min(count_to, monday + dt.timedelta(days=4)))
    days = calendar.days
    first = days[0] if days else monday
    return calendar.school_weeks(min(first, monday), last_day)[-WEEKS:]


def pupil_trends(sessions: Columns, calendar: SchoolCalendar, monday: dt.date, count_to: dt.date,
                 placement_ids) -> Trend:
    """The trend of each placement in `placement_ids` over the six school weeks up to the reporting week."""
    weeks = six_weeks(calendar, monday, count_to)
    by_week = [counts_by_placement(sessions, w, min(w + dt.timedelta(days=4), count_to)) for w in weeks]
    percent_of: dict[tuple, float | None] = {}      # most pupils' weeks have one of a few sets of counts

    def percent(counts: dict) -> float | None:
        key = tuple(counts.items())
        if key not in percent_of:
            percent_of[key] = figures(counts).percent
        return percent_of[key]
    percents = {pid: tuple(percent(counts.get(pid, {})) for counts in by_week) for pid in placement_ids}
    return Trend(tuple(weeks), percents, monday)


def trend_text(values) -> str:
    """'Last six weeks: 100.0%, 90.0%, n/a, ...': a trend in words (a chart's text alternative)."""
    words = ", ".join(percent_text(v) for v in values)
    if not values:
        return "No school weeks to show"
    return f"Last {_count(len(values))} weeks: {words}" if len(values) > 1 else f"Last week: {words}"


def _count(n: int) -> str:
    return {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}.get(n, str(n))
