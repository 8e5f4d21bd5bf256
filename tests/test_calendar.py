"""The school calendar (contract §2): which days are school days, and counting them.

All dates below are for the 2026-27 calendar built by `make_calendar()`:
  Autumn 2026  Thu 2026-09-03 .. Fri 2026-12-18, half term 2026-10-26..10-30
  Spring 2027  Tue 2027-01-05 .. Fri 2027-03-26, half term 2027-02-15..02-19
  Summer 2027  Mon 2027-04-12 .. Wed 2027-07-21, half term 2027-05-31..06-04
  INSET day    Fri 2026-11-13
England bank holidays that fall inside these terms: Good Friday 2027-03-26
(the last day of the Spring term), early May 2027-05-03, spring bank holiday
2027-05-31 (already in the summer half term).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import tomllib

import pytest

from pipeline.calendar import SchoolCalendar, academic_year_start, monday_of
from pipeline.settings import Term, parse_settings
from tests.factories import SCHOOL_TOML

D = dt.date.fromisoformat

# The factory school's terms (pipeline.templates.TERMS_2026_27), except that Spring runs on to Good Friday
# (the templates end it the Thursday before), so that a term's last day is a bank holiday here.
AUTUMN, _SPRING, SUMMER = parse_settings(tomllib.loads(SCHOOL_TOML)).terms
SPRING = dataclasses.replace(_SPRING, end=D("2027-03-26"))
INSET = D("2026-11-13")


def make_calendar(terms=(AUTUMN, SPRING, SUMMER), closures=(INSET,)) -> SchoolCalendar:
    return SchoolCalendar(tuple(terms), frozenset(closures))


@pytest.fixture(scope="module")
def cal() -> SchoolCalendar:
    return make_calendar()


def dates(*isos: str) -> list[dt.date]:
    return [D(s) for s in isos]


# --- which days are school days -------------------------------------------------

@pytest.mark.parametrize("day, why", [
    ("2026-10-26", "first day of the autumn half term"),
    ("2026-10-28", "middle of the autumn half term"),
    ("2026-10-30", "last day of the autumn half term"),
    ("2027-02-15", "spring half term"),
    ("2027-02-19", "spring half term, last day"),
    ("2027-06-02", "summer half term"),
    ("2026-11-13", "INSET day"),
    ("2026-11-14", "Saturday"),
    ("2026-11-15", "Sunday"),
    ("2026-09-05", "Saturday of the first week"),
    ("2026-12-19", "first day of the Christmas holiday (Saturday)"),
    ("2026-12-21", "Monday of the Christmas holiday"),
    ("2026-12-24", "Christmas Eve"),
    ("2026-12-25", "Christmas Day"),
    ("2026-12-28", "Boxing Day (substitute)"),
    ("2026-12-31", "New Year's Eve"),
    ("2027-01-01", "New Year's Day"),
    ("2027-01-04", "Monday before the spring term starts"),
    ("2027-03-26", "Good Friday, the last day of the spring term"),
    ("2027-03-29", "Easter Monday (Easter holiday)"),
    ("2027-04-09", "Easter holiday, Friday"),
    ("2027-05-03", "early May bank holiday inside the summer term"),
    ("2027-05-31", "spring bank holiday (half term)"),
    ("2026-09-02", "day before the autumn term"),
    ("2027-07-22", "day after the summer term"),
    ("2026-08-31", "summer holiday bank holiday"),
])
def test_not_a_school_day(cal, day, why):
    assert not cal.is_school_day(D(day)), why


@pytest.mark.parametrize("day, why", [
    ("2026-09-03", "first day of the autumn term (Thursday)"),
    ("2026-12-18", "last day of the autumn term"),
    ("2027-01-05", "first day of the spring term"),
    ("2027-04-12", "first day of the summer term"),
    ("2027-07-21", "last day of the summer term"),
    ("2026-10-23", "Friday before half term"),
    ("2026-11-02", "Monday after half term"),
    ("2026-11-12", "day before the INSET day"),
    ("2026-11-16", "Monday after the INSET day"),
    ("2027-05-04", "day after the early May bank holiday"),
    ("2027-03-25", "Thursday before Good Friday"),
    ("2027-06-07", "Monday after the summer half term"),
])
def test_a_school_day(cal, day, why):
    assert cal.is_school_day(D(day)), why


def test_closures_only_remove_their_own_day():
    without = make_calendar(closures=())
    assert without.is_school_day(INSET)
    assert not make_calendar().is_school_day(INSET)
    assert len(without.days) == len(make_calendar().days) + 1


def test_calendar_from_settings_matches_the_terms_and_closures():
    raw = {
        "school": {"name": "Hilltop Infant School"},
        "calendar": {"closures": [INSET]},
        "terms": [{"name": t.name, "start": t.start, "end": t.end, "half_term": list(t.half_term)}
                  for t in (AUTUMN, SPRING, SUMMER)],
    }
    from_settings = SchoolCalendar.from_settings(parse_settings(raw))
    assert from_settings.days == make_calendar().days


def test_terms_given_out_of_order_are_sorted():
    assert make_calendar(terms=(SUMMER, AUTUMN, SPRING)).days == make_calendar().days


# --- counting ------------------------------------------------------------------

def test_school_days_in_autumn_2026_counted_by_hand(cal):
    # Autumn 2026, Thu 3 Sep .. Fri 18 Dec:
    #   Thu 3, Fri 4 Sep                                   2
    #   weeks of 7, 14, 21, 28 Sep, 5, 12, 19 Oct  7 x 5 = 35
    #   half term 26-30 Oct                                0
    #   weeks of 2, 9, 16, 23, 30 Nov, 7, 14 Dec   7 x 5 = 35
    #   less the INSET day Fri 13 Nov                     -1
    #   no England bank holiday falls in the term          0
    #                                                     --
    #                                                     71
    assert len(cal.school_days(AUTUMN.start, AUTUMN.end)) == 71


def test_school_days_in_spring_and_summer_2027_counted_by_hand(cal):
    # Spring: Tue 5 - Fri 8 Jan (4) + 5 weeks (25) + half term + 5 weeks (25) - Good Friday 26 Mar = 53
    assert len(cal.school_days(SPRING.start, SPRING.end)) == 53
    # Summer: 7 weeks from 12 Apr (35) - May Day 3 May + half term + 6 weeks from 7 Jun (30) + Mon-Wed 19-21 Jul (3) = 67
    assert len(cal.school_days(SUMMER.start, SUMMER.end)) == 67
    assert len(cal.days) == 71 + 53 + 67


@pytest.mark.parametrize("start, end, expected", [
    # the two weeks either side of the autumn half term: 5 + 0 + 5
    ("2026-10-19", "2026-11-06", 10),
    # the INSET week
    ("2026-11-09", "2026-11-15", 4),
    # last week of autumn and first week of spring, across Christmas: 5 + 4
    ("2026-12-14", "2027-01-08", 9),
    # the week of the early May bank holiday
    ("2027-05-03", "2027-05-07", 4),
    # both ends included
    ("2026-11-02", "2026-11-02", 1),
    # holiday only
    ("2026-12-19", "2027-01-04", 0),
    # end before start
    ("2026-11-20", "2026-11-16", 0),
])
def test_school_days_between_two_dates(cal, start, end, expected):
    days = cal.school_days(D(start), D(end))
    assert len(days) == expected
    assert days == sorted(days)
    assert all(cal.is_school_day(d) for d in days)


def test_school_days_lists_the_days_across_half_term(cal):
    assert cal.school_days(D("2026-10-22"), D("2026-11-03")) == dates(
        "2026-10-22", "2026-10-23", "2026-11-02", "2026-11-03")


@pytest.mark.parametrize("start, n, expected", [
    ("2026-10-23", 1, "2026-11-02"),   # Fri before half term -> Mon after it
    ("2026-10-22", 2, "2026-11-02"),
    ("2026-11-10", 5, "2026-11-18"),   # Wed 11, Thu 12, (INSET Fri 13), Mon 16, Tue 17, Wed 18
    ("2026-11-12", 1, "2026-11-16"),   # skips the INSET day and the weekend
    ("2026-12-18", 1, "2027-01-05"),   # last day of autumn -> first day of spring
    ("2026-12-17", 3, "2027-01-06"),   # Fri 18 Dec, Tue 5 Jan, Wed 6 Jan
    ("2027-04-30", 1, "2027-05-04"),   # skips the early May bank holiday
    ("2027-04-29", 3, "2027-05-05"),   # Fri 30 Apr, Tue 4, Wed 5 May
    ("2027-03-25", 1, "2027-04-12"),   # skips Good Friday and the Easter holiday
    ("2026-11-02", 10, "2026-11-17"),  # two weeks, less the INSET day, plus one
    ("2026-11-14", 1, "2026-11-16"),   # from a Saturday: the date itself does not matter
    ("2026-12-25", 1, "2027-01-05"),   # from Christmas Day
    ("2026-10-28", 1, "2026-11-02"),   # from inside the half term
    ("2026-08-01", 1, "2026-09-03"),   # before the first term
])
def test_add_school_days(cal, start, n, expected):
    assert cal.add_school_days(D(start), n) == D(expected)


def test_add_school_days_past_the_last_term_is_none(cal):
    assert cal.add_school_days(D("2027-07-21"), 1) is None
    assert cal.add_school_days(D("2027-07-19"), 5) is None


def test_next_school_day(cal):
    assert cal.next_school_day(D("2026-10-23")) == D("2026-11-02")
    assert cal.next_school_day(D("2027-05-03")) == D("2027-05-04")


@pytest.mark.parametrize("start, n, expected", [
    ("2026-11-02", 1, "2026-10-23"),   # Mon after half term -> Fri before it
    ("2026-11-16", 1, "2026-11-12"),   # skips the weekend and the INSET day
    ("2026-11-18", 5, "2026-11-10"),   # inverse of the add example above
    ("2027-01-05", 1, "2026-12-18"),   # back across Christmas
    ("2027-05-04", 1, "2027-04-30"),   # back across the bank holiday
    ("2027-04-12", 1, "2027-03-25"),   # back across Easter and Good Friday
    ("2026-11-14", 1, "2026-11-12"),   # from a Saturday after the INSET day
    ("2026-12-25", 1, "2026-12-18"),   # from Christmas Day
])
def test_subtract_school_days(cal, start, n, expected):
    assert cal.subtract_school_days(D(start), n) == D(expected)


def test_subtract_school_days_before_the_first_term_is_none(cal):
    assert cal.subtract_school_days(D("2026-09-03"), 1) is None
    assert cal.subtract_school_days(D("2026-09-04"), 2) is None


@pytest.mark.parametrize("n", [1, 2, 5, 10, 20, 30])
def test_add_then_subtract_returns_to_every_school_day(cal, n):
    for d in cal.days:
        later = cal.add_school_days(d, n)
        if later is not None:
            assert cal.subtract_school_days(later, n) == d
            assert len(cal.school_days(d, later)) == n + 1


@pytest.mark.parametrize("start, expected", [
    ("2026-11-12", "2026-11-12"),   # a school day is itself
    ("2026-09-03", "2026-09-03"),
    ("2026-11-13", "2026-11-16"),   # INSET day
    ("2026-11-14", "2026-11-16"),   # Saturday
    ("2026-10-26", "2026-11-02"),   # half term
    ("2026-12-19", "2027-01-05"),   # Christmas holiday
    ("2027-05-03", "2027-05-04"),   # bank holiday
    ("2027-03-26", "2027-04-12"),   # Good Friday, last day of spring term
    ("2026-08-01", "2026-09-03"),   # before the first term
])
def test_first_school_day_from(cal, start, expected):
    assert cal.first_school_day_from(D(start)) == D(expected)


def test_first_school_day_from_after_the_last_term_is_none(cal):
    assert cal.first_school_day_from(D("2027-07-22")) is None


# --- weeks ---------------------------------------------------------------------

@pytest.mark.parametrize("day, expected", [
    ("2026-11-23", "2026-11-23"),   # Monday
    ("2026-11-25", "2026-11-23"),   # Wednesday
    ("2026-11-27", "2026-11-23"),   # Friday
    ("2026-11-28", "2026-11-23"),   # Saturday
    ("2026-11-29", "2026-11-23"),   # Sunday
    ("2026-10-01", "2026-09-28"),   # across a month
    ("2027-01-01", "2026-12-28"),   # across a year
    ("2026-09-03", "2026-08-31"),   # first day of term is a Thursday
])
def test_monday_of(day, expected):
    assert monday_of(D(day)) == D(expected)
    assert monday_of(D(day)).weekday() == 0


@pytest.mark.parametrize("today, expected", [
    ("2026-11-28", "2026-11-23"),   # Saturday: this week's Friday is yesterday
    ("2026-11-29", "2026-11-23"),   # Sunday
    ("2026-11-30", "2026-11-23"),   # Monday: last week
    ("2026-11-27", "2026-11-16"),   # Friday: this week's Friday is not before today
    ("2026-11-25", "2026-11-16"),   # Wednesday
    ("2026-10-26", "2026-10-19"),   # Monday of half term: week before half term
    ("2026-10-28", "2026-10-19"),   # Wednesday of half term
    ("2026-10-31", "2026-10-19"),   # Saturday of half term: half-term week has no school day
    ("2026-11-02", "2026-10-19"),   # Monday after half term
    ("2026-11-04", "2026-10-19"),   # Wednesday after half term
    ("2026-12-19", "2026-12-14"),   # first day of the Christmas holiday
    ("2026-12-25", "2026-12-14"),   # Christmas Day
    ("2027-01-01", "2026-12-14"),   # New Year's Day
    ("2027-01-04", "2026-12-14"),   # Monday before spring term
    ("2027-01-09", "2027-01-04"),   # first spring week: its Monday is a holiday, Tue-Fri are school days
    ("2027-05-08", "2027-05-03"),   # bank holiday week still has school days
    ("2026-11-14", "2026-11-09"),   # INSET week still has school days
    ("2026-09-05", "2026-08-31"),   # the two-day first week of the year
])
def test_last_complete_week(cal, today, expected):
    assert cal.last_complete_week(D(today)) == D(expected)


@pytest.mark.parametrize("today", ["2026-08-15", "2026-09-03", "2026-09-04"])
def test_last_complete_week_before_any_complete_week_is_none(cal, today):
    assert cal.last_complete_week(D(today)) is None


@pytest.mark.parametrize("monday, expected", [
    ("2026-11-16", "2026-11-23"),   # an ordinary week
    ("2026-11-09", "2026-11-16"),   # the INSET week
    ("2026-10-19", "2026-11-02"),   # skips the half term
    ("2026-12-14", "2027-01-04"),   # skips Christmas; spring starts Tue 5 Jan
    ("2027-02-08", "2027-02-22"),   # skips the spring half term
    ("2027-03-22", "2027-04-12"),   # skips Easter
    ("2027-05-24", "2027-06-07"),   # skips the summer half term
    ("2027-04-26", "2027-05-03"),   # the bank holiday week is still a school week
    ("2026-08-31", "2026-09-07"),
])
def test_next_school_week(cal, monday, expected):
    assert cal.next_school_week(D(monday)) == D(expected)


def test_next_school_week_after_the_last_term_is_none(cal):
    assert cal.next_school_week(D("2027-07-19")) is None


@pytest.mark.parametrize("start, end, expected", [
    ("2026-10-12", "2026-11-08", ["2026-10-12", "2026-10-19", "2026-11-02"]),
    ("2026-12-01", "2027-01-12", ["2026-11-30", "2026-12-07", "2026-12-14", "2027-01-04", "2027-01-11"]),
    ("2026-12-19", "2027-01-04", []),
    ("2026-09-01", "2026-09-13", ["2026-08-31", "2026-09-07"]),
    ("2027-05-01", "2027-05-09", ["2027-05-03"]),
])
def test_school_weeks(cal, start, end, expected):
    assert cal.school_weeks(D(start), D(end)) == dates(*expected)


def test_school_weeks_in_autumn_term(cal):
    weeks = cal.school_weeks(AUTUMN.start, AUTUMN.end)
    # week of 31 Aug, then 7 weeks to half term, then 7 weeks to Christmas
    assert len(weeks) == 15
    assert D("2026-10-26") not in weeks
    assert all(cal.week_has_school_day(w) for w in weeks)


def test_week_has_school_day(cal):
    assert cal.week_has_school_day(D("2026-11-09"))
    assert not cal.week_has_school_day(D("2026-10-26"))
    assert not cal.week_has_school_day(D("2026-12-21"))
    assert cal.week_has_school_day(D("2026-08-31"))          # the first term starts on its Thursday
    assert cal.week_has_school_day(D("2027-07-19"))          # and the last ends on a Wednesday
    assert not cal.week_has_school_day(D("2027-07-26"))      # after the last school day
    assert not cal.week_has_school_day(D("2026-08-24"))      # before the first


def test_a_week_whose_only_school_day_is_its_friday_has_one():
    term = dataclasses.replace(AUTUMN, start=D("2026-09-04"))       # a term that starts on a Friday
    friday_only = make_calendar((term, SPRING, SUMMER))
    assert friday_only.week_has_school_day(D("2026-08-31"))


def test_week_has_school_day_is_whether_its_monday_to_friday_holds_one(cal):
    monday = D("2026-08-03")
    while monday < D("2027-08-30"):
        assert cal.week_has_school_day(monday) == bool(cal.school_days(monday, monday + dt.timedelta(days=4))), monday
        monday += dt.timedelta(days=7)


# --- academic year and terms ---------------------------------------------------

@pytest.mark.parametrize("day", [
    "2026-08-01", "2026-09-03", "2026-10-28", "2026-12-25", "2027-01-05",
    "2027-03-29", "2027-06-01", "2027-07-21", "2027-07-31",
])
def test_year_start_is_first_day_of_autumn_term(cal, day):
    assert cal.year_start(D(day)) == D("2026-09-03")


@pytest.mark.parametrize("day, expected", [
    ("2026-07-31", "2025-08-01"),   # previous academic year, no terms: 1 August
    ("2027-08-01", "2027-08-01"),   # next academic year, no terms: 1 August
])
def test_year_start_without_terms_is_1_august(cal, day, expected):
    assert cal.year_start(D(day)) == D(expected)


@pytest.mark.parametrize("day, expected", [
    ("2026-07-31", "2025-08-01"), ("2026-08-01", "2026-08-01"),
    ("2027-01-15", "2026-08-01"), ("2027-07-31", "2026-08-01"),
])
def test_academic_year_start(day, expected):
    assert academic_year_start(D(day)) == D(expected)


def test_terms_of_year(cal):
    assert cal.terms_of_year(D("2027-06-01")) == [AUTUMN, SPRING, SUMMER]
    assert cal.terms_of_year(D("2027-09-01")) == []


@pytest.mark.parametrize("day, expected", [
    ("2026-09-03", AUTUMN), ("2026-12-18", AUTUMN),
    ("2026-10-28", AUTUMN),         # half term belongs to its term
    ("2026-11-13", AUTUMN),         # INSET day too
    ("2027-03-26", SPRING),         # Good Friday, the term's last day
    ("2027-05-03", SUMMER),
    ("2027-07-21", SUMMER),
    ("2026-12-25", None), ("2027-04-01", None), ("2026-09-02", None), ("2027-07-22", None),
])
def test_term_of(cal, day, expected):
    assert cal.term_of(D(day)) == expected


@pytest.mark.parametrize("name, expected", [
    ("Autumn 2026", AUTUMN),
    ("autumn 2026", AUTUMN),
    ("SPRING 2027", SPRING),
    ("  summer 2027 ", SUMMER),
    ("Summer 2026", None),
    ("Autumn", None),
    ("", None),
])
def test_term_named(cal, name, expected):
    assert cal.term_named(name) == expected


@pytest.mark.parametrize("term, holiday", [
    # schools set their own term dates: a bank holiday inside any term is never a school day
    (Term("Easter school 2027", D("2027-03-29"), D("2027-04-02")), "2027-03-29"),   # Easter Monday (not in Scotland)
    (Term("Summer school 2026", D("2026-08-24"), D("2026-09-04")), "2026-08-31"),   # England's late summer holiday
    (Term("Christmas club 2026", D("2026-12-21"), D("2027-01-08")), "2026-12-28"),  # Boxing Day substitute
])
def test_england_bank_holidays_inside_any_term_are_not_school_days(term, holiday):
    cal = make_calendar(terms=(term,), closures=())
    assert not cal.is_school_day(D(holiday))
    assert cal.is_school_day(D(holiday) + dt.timedelta(days=1))
