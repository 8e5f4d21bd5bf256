"""A school folder held in memory, for tests about what the rules decide: no xlsx is written or opened.

A MemorySchool holds school.toml's text and each workbook as {sheet name: rows}, the rows the factories
of tests/factories.py build. `summary_in_memory` turns each sheet into the grid python-calamine gives for
it and reads the grids with the run's own readers (pipeline.read.registers.registers_from,
pipeline.read.returns.return_from_book and accept_returns), then works out the week with the run's own core (pipeline.core.work_out).
Writing and reading xlsx files is most of a rule test's time; this takes milliseconds.
tests/test_memory_school.py holds it to the real run: the same school written to files gives the same grids
and the same summary.json. One difference is by design: a workbook here has no file time, so of two returns
for one week saved at the same time (the `created` the factories give) the one whose path sorts last wins.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.calendar import SchoolCalendar
from pipeline.core import choose_week, work_out
from pipeline.errors import RunError
from pipeline.findings import Findings
from pipeline.read.register_export import RegisterMarks
from pipeline.read.registers import registers_from
from pipeline.read.returns import accept_returns, return_from_book
from pipeline.read.workbook import StoredBook
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML, provider, register_sheets, return_sheets

# Where the workbooks are said to be: a folder that never exists, so no file's time is ever read.
MEMORY = Path("<memory school>")
SAVED = dt.datetime(2026, 1, 1)     # the saved time tests.factories.write_grid gives a workbook by default


@dataclass
class MemorySchool:
    toml: str = SCHOOL_TOML
    workbooks: dict = field(default_factory=dict)   # path in the folder -> ({sheet name: rows}, saved time)

    def put(self, rel: str, sheets: dict[str, list[list]], saved: dt.datetime | None = None) -> MemorySchool:
        """Add (or replace) the workbook at `rel`, e.g. 'returns/PRV1_2026-11-23.xlsx'."""
        self.workbooks[rel] = (sheets, saved or SAVED)
        return self

    def add_return(self, provider_id, week: dt.date, rows: list[tuple], incidents: list[dict] | None = None,
                   created: dt.datetime | None = None, name: str | None = None) -> MemorySchool:
        """The return tests.factories.write_return writes, as returns/NAME (PRV1_2026-11-23.xlsx by default)."""
        return self.put(f"returns/{name or f'{provider_id}_{week}.xlsx'}",
                        return_sheets(provider_id, week, rows, incidents), created)

    def book(self, rel: str) -> StoredBook:
        """The workbook at `rel` as the run would have it once opened: its sheets' grids as calamine reads them."""
        sheets, saved = self.workbooks[rel]
        return StoredBook(MEMORY / rel, list(sheets), {name: calamine_grid(rows) for name, rows in sheets.items()},
                          saved)

    def returns(self) -> list[str]:
        """The returns' paths, in the order pipeline.read.returns.return_files gives them."""
        return sorted(rel for rel in self.workbooks if rel.startswith("returns/"))


def calamine_grid(rows: list[list]) -> list[list]:
    """The grid python-calamine gives for a sheet tests.factories.write_grid writes from `rows`: from A1 to
    the last cell written (None writes none; '' writes an empty text), every row as wide, '' for an empty cell, a number as a float, a date (or a
    date and time at midnight) as a date."""
    used = [(r, c) for r, row in enumerate(rows) for c, value in enumerate(row) if value is not None]
    if not used:
        return []
    height, width = max(r for r, _ in used) + 1, max(c for _, c in used) + 1
    return [[_as_read(row[c]) if c < len(row) else "" for c in range(width)]
            for row in list(rows[:height]) + [[]] * (height - len(rows))]


def _as_read(value):
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    raise TypeError(f"no cell for {value!r}")


# --- schools, as tests.factories and tests.figure_factories build them on disk ---------------------

def memory_school(placements: list[dict], providers: list[dict] | None = None, reviews: list[dict] | None = None,
                  exclusions: list[dict] | None = None, toml: str = SCHOOL_TOML) -> MemorySchool:
    """tests.factories.write_school, in memory."""
    school = MemorySchool(toml)
    for name, sheets in register_sheets(placements, providers, reviews, exclusions).items():
        school.put(name, sheets)
    return school


def school(placements: list[dict], returns=(), providers: list[dict] | None = None,
           toml: str = SCHOOL_TOML) -> MemorySchool:
    """tests.figure_factories.school, in memory: registers and one return per (provider, monday, rows)."""
    providers = providers or [provider(p) for p in sorted({row["Provider ID"] for row in placements})]
    found = memory_school(placements, providers, toml=toml)
    for provider_id, monday, rows in returns:
        found.add_return(provider_id, monday, rows)
    return found


# --- the week, worked out by the run's own core (pipeline.core.work_out) ---------------------------

def summary_in_memory(school: MemorySchool, week: dt.date, as_of: dt.date | None = None) -> dict:
    """The summary.json compute_facts gives for this school written to a folder (the school has no register
    export and no letter template of its own, as the factory folders have none)."""
    settings = parse_settings(tomllib.loads(school.toml))
    calendar = SchoolCalendar.from_settings(settings)
    monday = choose_week(calendar, week, dt.date.today())
    friday = monday + dt.timedelta(days=4)
    as_of = as_of or friday
    if as_of < monday:
        raise RunError(f"--as-of {as_of:%d/%m/%Y} is before the reporting week begins ({monday:%d/%m/%Y}).")
    findings = Findings()
    registers = registers_from(school.book, findings)
    read = []
    for rel in school.returns():
        own = Findings()
        read.append((return_from_book(school.book(rel), MEMORY / rel, rel, registers, own), rel, own))
    returns = accept_returns(read, findings, calendar)
    return work_out(settings, calendar, monday, as_of, registers, returns, RegisterMarks(), findings).summary
