"""The school calendar: which days are school days (contract §2).

School days are the weekdays inside a term, outside its half-term break, that
are neither a closure nor an England bank holiday.
"""
from __future__ import annotations

import bisect
import datetime as dt
from functools import cached_property

from .bank_holidays import england
from .settings import Settings, Term

ONE_DAY = dt.timedelta(days=1)


def monday_of(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def academic_year_start(d: dt.date) -> dt.date:
    """1 August of the academic year containing d (date.min before the first 1 August a date can hold:
    a mistyped date such as 01/01/0001 must not stop the run)."""
    if d.month >= 8:
        return dt.date(d.year, 8, 1)
    return dt.date(d.year - 1, 8, 1) if d.year > dt.MINYEAR else dt.date.min


def academic_year_end(d: dt.date) -> dt.date:
    """31 July ending the academic year containing d (date.max after the last 31 July a date can hold)."""
    if d.month < 8:
        return dt.date(d.year, 7, 31)
    return dt.date(d.year + 1, 7, 31) if d.year < dt.MAXYEAR else dt.date.max


class SchoolCalendar:
    def __init__(self, terms: tuple[Term, ...], closures=frozenset()):
        self.terms = tuple(sorted(terms, key=lambda t: t.start))
        self.closures = frozenset(closures)

    @classmethod
    def from_settings(cls, settings: Settings) -> "SchoolCalendar":
        return cls(settings.terms, settings.closures)

    @cached_property
    def bank_holidays(self) -> frozenset[dt.date]:
        if not self.terms:
            return frozenset()
        years = range(self.terms[0].start.year, self.terms[-1].end.year + 1)
        return england(years)

    @cached_property
    def days(self) -> tuple[dt.date, ...]:
        """Every school day of every term, in order."""
        out = []
        for term in self.terms:
            d = term.start
            while d <= term.end:
                if self._is_school_day_in(term, d):
                    out.append(d)
                d += ONE_DAY
        return tuple(out)

    @cached_property
    def _day_set(self) -> frozenset[dt.date]:
        return frozenset(self.days)

    def _is_school_day_in(self, term: Term, d: dt.date) -> bool:
        if d.weekday() >= 5 or d in self.closures or d in self.bank_holidays:
            return False
        if term.half_term and term.half_term[0] <= d <= term.half_term[1]:
            return False
        return True

    def is_school_day(self, d: dt.date) -> bool:
        return d in self._day_set

    def school_days(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """School days from start to end, both included."""
        lo = bisect.bisect_left(self.days, start)
        hi = bisect.bisect_right(self.days, end)
        return list(self.days[lo:hi])

    def add_school_days(self, d: dt.date, n: int) -> dt.date | None:
        """The n-th school day after d (d itself not counted); None past the last term."""
        i = bisect.bisect_right(self.days, d) + n - 1
        return self.days[i] if 0 <= i < len(self.days) else None

    def subtract_school_days(self, d: dt.date, n: int) -> dt.date | None:
        """The n-th school day before d (d itself not counted); None before the first term."""
        i = bisect.bisect_left(self.days, d) - n
        return self.days[i] if 0 <= i < len(self.days) else None

    def first_school_day_from(self, d: dt.date) -> dt.date | None:
        """d if it is a school day, else the next school day."""
        i = bisect.bisect_left(self.days, d)
        return self.days[i] if i < len(self.days) else None

    def next_school_day(self, d: dt.date) -> dt.date | None:
        return self.add_school_days(d, 1)

    def term_of(self, d: dt.date) -> Term | None:
        for term in self.terms:
            if term.start <= d <= term.end:
                return term
        return None

    def term_named(self, name: str) -> Term | None:
        for term in self.terms:
            if term.name.casefold() == name.strip().casefold():
                return term
        return None

    def year_start(self, d: dt.date) -> dt.date:
        """Start of the first term of the academic year containing d (1 August if it has none)."""
        ay, ay_end = academic_year_start(d), academic_year_end(d)
        starts = [t.start for t in self.terms if ay <= t.start <= ay_end]
        return min(starts) if starts else ay

    def terms_of_year(self, d: dt.date) -> list[Term]:
        ay, ay_end = academic_year_start(d), academic_year_end(d)
        return [t for t in self.terms if ay <= t.start <= ay_end]

    def week_has_school_day(self, monday: dt.date) -> bool:
        """Whether the Monday-to-Friday week of `monday` has a school day (asked of every return a run reads)."""
        i = bisect.bisect_left(self.days, monday)
        return i < len(self.days) and self.days[i] <= monday + dt.timedelta(days=4)

    def last_complete_week(self, today: dt.date) -> dt.date | None:
        """Monday of the latest week that has a school day and whose Friday is before today."""
        monday = monday_of(today)
        if monday + dt.timedelta(days=4) >= today:
            monday -= dt.timedelta(days=7)
        i = bisect.bisect_right(self.days, monday + dt.timedelta(days=4)) - 1
        return monday_of(self.days[i]) if i >= 0 else None

    def next_school_week(self, monday: dt.date) -> dt.date | None:
        """Monday of the first week after this one that has a school day (holidays skipped)."""
        d = self.first_school_day_from(monday + dt.timedelta(days=7))
        return monday_of(d) if d else None

    def school_weeks(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """Mondays of the weeks with a school day between start and end."""
        return sorted({monday_of(d) for d in self.school_days(start, end)})
