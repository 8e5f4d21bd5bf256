"""What the readers give the rest of the run: one frozen record per row of a register or return.

Each record has one field per column of its sheet in pipeline/schema.py (the field is the column's key,
'Start date' -> start_date), typed by the column's kind and None where the cell is blank or could not be
read; tests/test_records.py holds the fields to the schema, so a column added there must be added here.
Each record also says where it came from (`source`), so that a finding can name the cell a person sees.
Records are frozen: what the registers say is read once and never changed by a rule or a renderer.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from .schema import YES


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _state(self) -> list:
    """A frozen record's field values, in order: the state dataclasses' own pickling gives (and takes back in
    _set_state), without looking up the class's fields again for every record (the kept registers of a
    2,000-placement school are 28,000 records: 0.11 s to unpickle, most of it that lookup)."""
    return [getattr(self, name) for name in _field_names(type(self))]


def _set_state(self, state: list) -> None:
    setter = object.__setattr__
    for name, value in zip(_field_names(type(self)), state):
        setter(self, name, value)


class RowCells(Mapping):
    """The cells of one row of a sheet, column key -> 'K7', from the sheet's column letters shared by all its
    rows (column key -> 'K') and the row number: a 100,000-row register holds one small object per row
    instead of a dict of 37 cell names. Compares equal to a dict of the same cells."""
    __slots__ = ("letters", "row")

    def __init__(self, letters: Mapping[str, str], row: int):
        self.letters = letters
        self.row = row

    def __reduce__(self):
        return RowCells, (self.letters, self.row)     # pickled as a call: no state set a slot at a time

    def __getitem__(self, key: str) -> str:
        return self.letters[key] + str(self.row)

    def get(self, key: str, default=None):
        letter = self.letters.get(key)
        return default if letter is None else letter + str(self.row)

    def __contains__(self, key) -> bool:
        return key in self.letters

    def __iter__(self):
        return iter(self.letters)

    def __len__(self) -> int:
        return len(self.letters)

    def __repr__(self) -> str:
        return repr(dict(self))


class MarkLayout:
    """The session columns of a sheet of returns, shared by every row read from it: the sessions
    ((weekday 0-4, 'AM'|'PM')) in the order of the week, and the column letters of each ('D')."""
    __slots__ = ("keys", "letters", "index")

    def __init__(self, keys: tuple, letters: tuple):
        self.keys = tuple(keys)
        self.letters = tuple(letters)
        self.index = {k: i for i, k in enumerate(self.keys)}

    def cells(self, row: int) -> list[str]:
        """The cell of each session in sheet row `row`, in the layout's order ('D7', 'E7', ...)."""
        number = str(row)
        return [letters + number for letters in self.letters]

    def __eq__(self, other) -> bool:
        return isinstance(other, MarkLayout) and (self.keys, self.letters) == (other.keys, other.letters)

    def __hash__(self) -> int:
        return hash((self.keys, self.letters))

    def __reduce__(self):
        return mark_layout, (self.keys, self.letters)


_LAYOUTS: dict = {}


def mark_layout(keys, letters) -> MarkLayout:
    """The one MarkLayout of these sessions and column letters (every return of a run shares a few)."""
    key = (tuple(keys), tuple(letters))
    found = _LAYOUTS.get(key)
    if found is None:
        found = _LAYOUTS[key] = MarkLayout(*key)
    return found


class RowMarks(Mapping):
    """A return row's marks, (weekday, 'AM'|'PM') -> (the cell's value as found, its cell 'D7'): the values
    in the order of the layout's sessions, and the cells worked out from the shared column letters and the
    row number when asked for (a school of 100,000 placements reads a few hundred thousand rows: one tuple
    each instead of a dict of tuples and cell names). Compares equal to a dict of the same marks."""
    __slots__ = ("layout", "raws", "row")

    def __init__(self, layout: MarkLayout, raws: tuple, row: int):
        self.layout = layout
        self.raws = raws
        self.row = row

    def __getitem__(self, key):
        i = self.layout.index[key]
        return self.raws[i], self.layout.letters[i] + str(self.row)

    def get(self, key, default=None):
        i = self.layout.index.get(key)
        return default if i is None else (self.raws[i], self.layout.letters[i] + str(self.row))

    def __contains__(self, key) -> bool:
        return key in self.layout.index

    def __iter__(self):
        return iter(self.layout.keys)

    def __len__(self) -> int:
        return len(self.layout.keys)

    def cells(self) -> list[str]:
        """The cell of each session, in the layout's order."""
        return self.layout.cells(self.row)

    def values(self) -> list[tuple]:
        return list(zip(self.raws, self.cells()))

    def items(self) -> list[tuple]:
        return list(zip(self.layout.keys, zip(self.raws, self.cells())))

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self):
        return RowMarks, (self.layout, self.raws, self.row)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a record was read: the file (relative to the school folder), the sheet as named in the file,
    the Excel row and the cell of each column found on the sheet (column key -> 'K7')."""
    file: str
    sheet: str
    row: int
    cells: Mapping[str, str] = field(default_factory=dict)

    def __reduce__(self):
        return Source, (self.file, self.sheet, self.row, self.cells)   # a call: one for each row of every register

    def cell(self, key: str) -> str:
        """The cell of column `key` in this row ('K7'); the row number alone when the sheet has no such column."""
        return self.cells.get(key) or str(self.row)

    def has_cell(self, key: str) -> bool:
        """Whether the sheet has the column `key`, so that a finding can point at its cell in this row."""
        return bool(self.cells.get(key))


def source_of(file: str, sheet: str, row) -> Source:
    """The Source of a row read by pipeline.read.table.read_table (its cells shared with the row, never copied:
    read_table gives each row a RowCells)."""
    cells = row.cells
    return Source(file, sheet, row.number, cells if isinstance(cells, RowCells) else dict(cells))


@dataclass(frozen=True, kw_only=True, slots=True)
class Placement:
    """A row of the Placements sheet of placements.xlsx that the run monitors (contract §3)."""
    __getstate__, __setstate__ = _state, _set_state
    placement_id: str
    upn: str | None
    forename: str | None
    surname: str | None
    date_of_birth: dt.date | None
    year_group: str | None
    provider_id: str                          # as providers.xlsx spells it
    reason: str | None
    arranged_by: str | None
    start_date: dt.date | None
    planned_end_date: dt.date | None
    actual_end_date: dt.date | None
    mon: str | None
    tue: str | None
    wed: str | None
    thu: str | None
    fri: str | None
    start_time: dt.time | None
    hours_per_day: float | None
    provider_contact: str | None
    send: str | None
    ehc_plan: str | None
    looked_after: str | None
    objectives: str | None
    intervention_plan_agreed: dt.date | None
    parents_agreed: dt.date | None
    parents_refused: dt.date | None
    parent_letter_sent: dt.date | None
    dual_registered_from: dt.date | None
    attainment_data_sent: dt.date | None
    send_details_sent: dt.date | None
    final_report_received: dt.date | None
    pupil_views_recorded: dt.date | None
    reintegration_plan_agreed: dt.date | None
    destination: str | None
    cost_per_day: float | None
    destination_type: str | None
    pattern: Mapping[int, tuple[str, ...]]    # weekday 0-4 -> the sessions expected that day, ('AM', 'PM')
    source: Source

    @property
    def name(self) -> str:
        """'Forename Surname', or whichever of the two is filled in."""
        return " ".join(x for x in (self.forename, self.surname) if x)

    @property
    def is_send(self) -> bool:
        """Whether the pupil has special educational needs or an EHC plan."""
        return self.send == YES or self.ehc_plan == YES


@dataclass(frozen=True, kw_only=True, slots=True)
class Provider:
    """A row of providers.xlsx (contract §4)."""
    __getstate__, __setstate__ = _state, _set_state
    provider_id: str
    name: str | None
    address: str | None
    contact_name: str | None
    contact_email: str | None
    phone: str | None
    registered: str | None
    approved: dt.date | None
    safeguarding_policy_checked: dt.date | None
    health_and_safety_policy_checked: dt.date | None
    staff_checks_confirmed: dt.date | None
    child_protection_policy_acknowledged: dt.date | None
    status: str | None
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class ReviewEvent:
    """A row of the Reviews sheet: a review, a visit or a provider's report on a placement."""
    __getstate__, __setstate__ = _state, _set_state
    placement_id: str                         # as the Placements sheet spells it
    date: dt.date
    type: str
    outcome: str | None
    notes: str | None
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class Exclusion:
    """A row of the Exclusions sheet: a suspension or a permanent exclusion of a pupil."""
    __getstate__, __setstate__ = _state, _set_state
    upn: str
    type: str
    first_day: dt.date
    school_days: int | None
    work_set: str | None
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class Incident:
    """A row of the Incidents sheet of an accepted return (contract §5)."""
    __getstate__, __setstate__ = _state, _set_state
    date: dt.date
    placement_id: str                         # as the Placements sheet spells it
    category: str
    reported_to_dsl: dt.date | None
    summary: str | None
    provider_id: str                          # the provider whose return it is in
    source: Source


@dataclass(frozen=True, kw_only=True, slots=True)
class ReturnRow:
    """A pupil's row of the Attendance sheet of an accepted return: the register code in each session."""
    __getstate__, __setstate__ = _state, _set_state
    placement_id: str                         # as the Placements sheet spells it
    marks: Mapping[tuple[int, str], tuple]    # (weekday 0-4, 'AM'|'PM') -> (the cell's value as found, its cell): a RowMarks as read
    source: Source
    notes: str | None = None                  # the provider's Notes on the pupil: free text, for the school's own reports only


class StoredRows(Mapping):
    """The rows of a return read back from the cache (pipeline.read.checked), by Placement ID, as a dict of
    ReturnRow would give them: each row kept as stored, (placement ID, row number, its values in the order of
    `layout`'s sessions, notes), and its ReturnRow made when first asked for (then the same one each time). The
    sessions table reads every row's values straight from here (sessions._Marks, `by_id`), so a warm run no longer
    makes and drops four objects a row (at L, 29,000 rows: 0.05 s). Compares equal to a dict of the same rows."""
    __slots__ = ("file", "sheet", "layout", "id_cells", "entries", "_index", "_made")

    def __init__(self, file: str, sheet: str, layout: MarkLayout, id_cells: Mapping[str, str], entries: list):
        self.file, self.sheet, self.layout, self.id_cells, self.entries = file, sheet, layout, id_cells, entries
        self._index = {entry[0]: i for i, entry in enumerate(entries)}     # a Placement ID twice: the last, as a dict
        self._made: dict[str, ReturnRow] = {}

    def __getitem__(self, placement_id: str) -> ReturnRow:
        made = self._made.get(placement_id)
        if made is None:
            _, number, raws, notes = self.entries[self._index[placement_id]]
            made = self._made[placement_id] = ReturnRow(
                placement_id=placement_id, marks=RowMarks(self.layout, tuple(raws), number),
                source=Source(self.file, self.sheet, number, RowCells(self.id_cells, number)), notes=notes)
        return made

    def __contains__(self, placement_id) -> bool:
        return placement_id in self._index

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def by_id(self) -> list[tuple[str, int, list]]:
        """(placement ID, row number, values) of each row, in Placement ID order."""
        entries, index = self.entries, self._index
        return [(pid, entries[index[pid]][1], entries[index[pid]][2]) for pid in sorted(index)]

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self):
        return StoredRows, (self.file, self.sheet, self.layout, self.id_cells, self.entries)
