"""Compulsory school age (contract §13): X (not required to attend) is only for a pupil below it.

It starts on the first 31 December, 31 March or 31 August on or after the fifth birthday; the dates
below are worked out by hand, not by the code under test."""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline.codes import birthday, compulsory_from, compulsory_until, is_compulsory

D = dt.date

# (date of birth, fifth birthday, the day compulsory school age starts)
STARTS = [
    (D(2021, 9, 1), D(2026, 9, 1), D(2026, 12, 31)),     # fifth birthday 1 September: the next 31 December
    (D(2021, 8, 31), D(2026, 8, 31), D(2026, 8, 31)),    # ON 31 August: that day
    (D(2021, 12, 31), D(2026, 12, 31), D(2026, 12, 31)), # ON 31 December: that day
    (D(2022, 1, 1), D(2027, 1, 1), D(2027, 3, 31)),      # 1 January: the next 31 March
    (D(2022, 3, 31), D(2027, 3, 31), D(2027, 3, 31)),    # ON 31 March: that day
    (D(2022, 4, 1), D(2027, 4, 1), D(2027, 8, 31)),      # 1 April: the next 31 August
    (D(2020, 2, 29), D(2025, 3, 1), D(2025, 3, 31)),     # born 29 February: fifth birthday 1 March 2025
    (D(2021, 2, 28), D(2026, 2, 28), D(2026, 3, 31)),
    (D(2021, 1, 1), D(2026, 1, 1), D(2026, 3, 31)),
]


@pytest.mark.parametrize("dob, fifth, start", STARTS, ids=[f"fifth-birthday-{f:%d-%b}" for _, f, _ in STARTS])
def test_compulsory_school_age_starts_on_the_prescribed_day(dob, fifth, start):
    assert birthday(dob, 5) == fifth
    assert compulsory_from(dob) == start
    assert is_compulsory(dob, start) is True
    assert is_compulsory(dob, start - dt.timedelta(days=1)) is False
    assert is_compulsory(dob, fifth - dt.timedelta(days=1)) is False      # still four
    assert is_compulsory(dob, start + dt.timedelta(days=1)) is True


def test_a_leap_day_birthday_is_29_february_in_a_leap_year():
    assert birthday(D(2020, 2, 29), 4) == D(2024, 2, 29)
    assert birthday(D(2020, 2, 29), 5) == D(2025, 3, 1)
    assert is_compulsory(D(2020, 2, 29), D(2025, 3, 30)) is False


def test_the_reception_year_of_the_test_school():
    """Born 1 September 2021 (the eldest of the 2026-27 reception year): X is right all autumn term,
    wrong from 31 December; born 31 August 2021 (the youngest of year 1): X is wrong all year."""
    assert is_compulsory(D(2021, 9, 1), D(2026, 11, 23)) is False
    assert is_compulsory(D(2021, 9, 1), D(2027, 1, 5)) is True
    assert is_compulsory(D(2021, 8, 31), D(2026, 9, 3)) is True


# (date of birth, the last day of compulsory school age: the last Friday in June of the summer they leave)
ENDS = [
    (D(2021, 8, 31), D(2037, 6, 26)),    # sixteen on 31 August 2037: leaves June 2037
    (D(2021, 9, 1), D(2038, 6, 25)),     # sixteen on 1 September 2037: leaves June 2038
    (D(2010, 6, 27), D(2026, 6, 26)),    # sixteen the day after the leaving date: leaves that day
    (D(2010, 6, 26), D(2026, 6, 26)),    # sixteen ON the leaving date
]


@pytest.mark.parametrize("dob, last", ENDS)
def test_compulsory_school_age_ends_on_the_school_leaving_date(dob, last):
    assert last.weekday() == 4 and last.month == 6 and (last + dt.timedelta(days=7)).month == 7
    assert compulsory_until(dob) == last
    assert is_compulsory(dob, last) is True
    assert is_compulsory(dob, last + dt.timedelta(days=1)) is False


def test_datetimes_are_read_as_their_day():
    assert is_compulsory(dt.datetime(2021, 8, 31, 0, 0), dt.datetime(2026, 8, 31, 9, 0)) is True
    assert is_compulsory(dt.datetime(2021, 8, 31), dt.datetime(2026, 8, 30, 23, 59)) is False
