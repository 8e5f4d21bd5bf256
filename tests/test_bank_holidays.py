"""England's bank holidays kept in pipeline/bank_holidays_table.py are the `holidays` library's (contract §2),
and a run asks the library nothing for the years they cover."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import holidays
import pytest

from pipeline.bank_holidays import FIRST, LAST, england
from tools.bank_holidays import TABLE, table_text

ROOT = Path(__file__).resolve().parents[1]


def library(years) -> frozenset:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=list(years)).keys())


def test_every_year_kept_is_the_librarys():
    """Fails when the installed library gives a year otherwise (a new one-off bank holiday): run
    `python -m tools.bank_holidays` to write the table again."""
    wrong = [y for y in range(FIRST, LAST + 1) if england([y]) != library([y])]
    assert wrong == [], f"the table differs from holidays {holidays.__version__} in {wrong}: run python -m tools.bank_holidays"


def test_the_table_is_as_the_tool_writes_it():
    assert TABLE.read_text(encoding="utf-8") == table_text()


@pytest.mark.parametrize("years", [[2026, 2027], [2021, 2022, 2023], [FIRST], [LAST], [2027, 2026, 2026]])
def test_years_asked_together(years):
    assert england(years) == library(years)


def test_known_dates():
    """The coronation's (8 May 2023) and the late Queen's funeral's (19 September 2022) one-off holidays, and
    Christmas 2027 on a Saturday (substitute days on Monday 27 and Tuesday 28)."""
    days = england([2022, 2023, 2027])
    assert {dt.date(2023, 5, 8), dt.date(2022, 9, 19), dt.date(2027, 12, 27), dt.date(2027, 12, 28)} <= days
    assert dt.date(2023, 5, 9) not in days


@pytest.mark.parametrize("years", [[FIRST - 1], [LAST + 1], [1995, 2026], [2060, 2061], [2100]])
def test_years_outside_the_table_are_asked_of_the_library(years):
    assert england(years) == library(years)


def test_a_run_of_these_years_does_not_import_the_library():
    """The point of the table: the library's import (all its countries) is not paid by a run."""
    code = ("import sys, datetime as dt\n"
            "from pipeline.settings import Term\n"
            "from pipeline.calendar import SchoolCalendar\n"
            "c = SchoolCalendar((Term('Summer 1', dt.date(2027, 4, 12), dt.date(2027, 5, 28), None),))\n"
            "print(dt.date(2027, 5, 3) in c.days, dt.date(2027, 5, 4) in c.days, 'holidays' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "False"]   # the early May bank holiday kept out
