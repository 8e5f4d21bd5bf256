"""What the governor pack holds: sections of tables and charts, no personal data.

Every value is a number, a short text, or None. The figures modules give the true numbers
and record which are counts (Table.keys, Section.facts); pack.build_pack hands renderers a
pack in which disclosure.py has replaced small counts by '<N' and others by 'hidden'. Renderers (xlsx with native charts, html with inline SVG)
draw any pack from this shape alone.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


PERCENT, MONEY, NUMBER = "percent", "money", "number"     # how a figure reads (and is formatted)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list]                       # one list per row, aligned with columns
    note: str = ""                         # one plain sentence under the table, if needed
    rag_column: str | None = None          # a column whose values are 'Red', 'Amber' or 'Green'
    keys: dict = field(default_factory=dict)    # (row, column) -> key of a count cell (disclosure.py)
    groups: dict = field(default_factory=dict)  # row -> key of the pupil group its figures are about
    units: dict = field(default_factory=dict)   # header -> PERCENT or MONEY; a column not named holds numbers
    row_units: dict = field(default_factory=dict)  # row -> PERCENT or MONEY: the unit of a Measure/Value row's value
    group_columns: tuple = ()              # the columns a suppressed pupil group hides in its row; () = all

    def column_kind(self, c: int) -> str:
        """How column c's values read: PERCENT, MONEY or NUMBER, as the figures declared it."""
        return self.units.get(self.columns[c], NUMBER)

    def cell_kind(self, r: int, c: int) -> str:
        """How one cell reads: its column's kind; in a plain-number column after the first, the unit its row
        declares (e.g. 'Budget used (%)' in a Measure/Value table)."""
        kind = self.column_kind(c)
        return self.row_units.get(r, kind) if kind == NUMBER and c > 0 else kind


@dataclass
class Chart:
    title: str
    kind: str                              # 'bar' (categories side by side) or 'line' (a trend)
    categories: list[str]                  # x axis labels
    series: list[tuple[str, list]]         # (name, one value per category; None = no value)
    y_title: str = ""
    target: float | None = None            # drawn as a horizontal line, e.g. the attendance target
    percent: bool = False                  # values are percentages (axis 0-100)
    money: bool = False                    # values are pounds
    groups: list = field(default_factory=list)  # per category: key of its pupil group (disclosure.py), or None


@dataclass
class Section:
    id: str                                # short slug, e.g. 'attendance'
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    facts: object = None                   # a disclosure.Ledger: the counts and pupil groups to protect


@dataclass
class GovernorPack:
    school: str
    term: str
    start: dt.date                         # the term's first day
    end: dt.date                           # the earlier of the term's last day and as-of
    as_of: dt.date
    target_percent: float
    summary: str                           # a short plain-English paragraph from the figures
    sections: list[Section] = field(default_factory=list)
    suppress_below: int = 0
    # the same renderers draw other documents of this shape (the trust report): their heading, the facts under
    # it and their title; left empty, the governor pack's own
    heading: str = ""
    header: list | None = None             # (label, text) pairs under the heading
    title: str = ""
    span: str = "term"                     # 'Nothing to show for this term.'
