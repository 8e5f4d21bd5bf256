"""Read one sheet's table by its schema: find the header row by content, then parse each row.

Problems become findings; nothing raises on bad data.
"""
from __future__ import annotations

import functools

from collections.abc import Mapping
from dataclasses import dataclass, field

from xlsxwriter.utility import xl_col_to_name

from .. import schema
from ..findings import Findings
from ..records import RowCells
from .cells import is_blank, parser_for, text

HEADER_SEARCH_ROWS = 30

# A formula where the contract expects a name, a date, a code or an identifier is a finding on its cell
# (contract §12): its value is whatever the formula last worked out, or nothing, and not what was typed.
FORMULA_REFUSED_KINDS = frozenset({schema.ID, schema.UPN, schema.DATE, schema.CODE, schema.CHOICE})
NAME_KEYS = frozenset({"forename", "surname", "name", "pupil"})     # TEXT columns that hold a name


def formula_refused(column: schema.Column) -> bool:
    """Whether a formula in this column is a finding (a name, date, code or ID belongs there)."""
    return column.kind in FORMULA_REFUSED_KINDS or column.key in NAME_KEYS


def formula_message(header: str, ref: str, effect: str) -> str:
    return (f"{header} in cell {ref} is a formula, not a typed value: what it shows can be out of date or missing, "
            f"and it is not what anyone checked. Type the value itself, not a formula; {effect}.")


def norm_header(value) -> str:
    """A header's text as compared: trimmed, single-spaced, case-folded."""
    try:
        return _norm_header(value)
    except TypeError:  # an unhashable value: not worth remembering
        return " ".join(text(value).split()).casefold() if not is_blank(value) else ""


@functools.lru_cache(maxsize=8192, typed=True)   # the same few header texts in thousands of returns (typed: TRUE is not 1)
def _norm_header(value) -> str:
    return " ".join(text(value).split()).casefold() if not is_blank(value) else ""


@functools.lru_cache(maxsize=64)
def _sheet_headers(sheet: schema.Sheet) -> tuple[dict, frozenset]:
    wanted = {norm_header(c.header): c.key for c in sheet.columns}
    required = {norm_header(h) for h in sheet.required_headers} or {norm_header(sheet.columns[0].header)}
    return wanted, frozenset(required)


def cell_name(row: int, col: int) -> str:
    """'E7' for zero-based grid indices."""
    return f"{column_letters(col)}{row + 1}"


@functools.lru_cache(maxsize=16384)     # every column a sheet can have
def column_letters(col: int) -> str:
    """'E' for the zero-based column 4."""
    return xl_col_to_name(col)


@dataclass
class Row:
    number: int                                   # Excel row number, as a person sees it
    values: dict = field(default_factory=dict)    # column key -> parsed value (None = blank or unreadable)
    raw: dict = field(default_factory=dict)       # column key -> value as found
    cells: Mapping = field(default_factory=dict)  # column key -> 'E7' (a RowCells from read_table)
    bad: set = field(default_factory=set)         # column keys that could not be read
    formulas: set = field(default_factory=set)    # column keys whose cell is a refused formula (also in bad)

    def __getitem__(self, key):
        return self.values.get(key)

    def cell(self, key: str) -> str:
        return self.cells.get(key) or str(self.number)


@dataclass
class Table:
    header_row: int                  # zero-based index of the header row in the grid
    columns: dict                    # column key -> zero-based column index
    rows: list


def _header_cells(row: list) -> dict:
    """Normalised header -> the column of its FIRST appearance in the row (not to be changed: a row of texts
    gives the same dict each time, as the same header row is met in every return)."""
    if all(v.__class__ is str for v in row):
        return _text_header_cells(tuple(row))
    return _header_cells_of(row)


@functools.lru_cache(maxsize=1024)
def _text_header_cells(row: tuple) -> dict:
    return _header_cells_of(row)


def _header_cells_of(row) -> dict:
    seen = {}
    for j, v in enumerate(row):
        h = norm_header(v)
        if h and h not in seen:
            seen[h] = j
    return seen


def find_header(grid: list[list], sheet: schema.Sheet) -> tuple[int, dict] | None:
    """The header row (zero-based) and a map column key -> column index, or None.

    A header that appears twice maps to its first column (read_table warns about the second)."""
    wanted, required = _sheet_headers(sheet)
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        seen = _header_cells(row)
        if required <= seen.keys():
            return i, {wanted[h]: j for h, j in seen.items() if h in wanted}
    return None


def missing_headers(grid: list[list], sheet: schema.Sheet) -> tuple[int, list[str]] | None:
    """When find_header fails: the row (zero-based) that looks most like the header row and the
    required headers it lacks; None if no row of the first rows has two of the sheet's headers."""
    wanted = {norm_header(c.header) for c in sheet.columns}
    best = None
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        hits = len(wanted & _header_cells(row).keys())
        if hits >= 2 and (best is None or hits > best[1]):
            best = (i, hits)
    if best is None:
        return None
    seen = _header_cells(grid[best[0]])
    return best[0], [h for h in sheet.required_headers if norm_header(h) not in seen]


def read_table(grid: list[list], sheet: schema.Sheet, file: str, sheet_name: str, findings: Findings,
               formulas: frozenset = frozenset(), lazy: bool = False) -> Table | None:
    """Parse every non-blank row under the header. None (with a finding) if there is no header row.
    `formulas`: the sheet's formula cells, (row, col) from 0 (Book.formula_cells); a formula in a column
    that takes a name, a date, a code or an ID is a 'formula-in-cell' error, and the cell is taken as blank.
    `lazy`: the Table's rows are an iterator that reads each row (and adds its findings) only when it is
    reached, so that a caller making one record per row never holds every Row of a 100,000-row sheet."""
    found = find_header(grid, sheet)
    if found is None:
        missing = ", ".join(sheet.required_headers)
        findings.error(file, sheet_name, None, "header-not-found", None,
                       f"The {sheet_name} sheet has no header row with the columns {missing} in its first "
                       f"{HEADER_SEARCH_ROWS} rows. Put the headers back exactly as in the template.")
        return None
    header_row, columns = found
    _duplicate_headers(grid[header_row], header_row, sheet, columns, file, sheet_name, findings)
    rows = _rows(grid, header_row, sheet, columns, file, sheet_name, findings, formulas)
    return Table(header_row, columns, rows if lazy else list(rows))


def _rows(grid, header_row, sheet, columns, file, sheet_name, findings, formulas):
    # Worked out once per sheet, not once per cell: a sheet may have 100,000 rows of leftovers.
    layout = [(column, column.key, columns.get(column.key)) for column in sheet.columns]
    letters = {j: column_letters(j) for j in columns.values()}
    key_letters = {key: letters[j] for _, key, j in layout if j is not None}   # shared by every row's RowCells
    read = [(column, key, j, letters[j], _parser(column)) for column, key, j in layout if j is not None]
    blank_values = dict.fromkeys(key for _, key, _ in layout)     # every key, in the sheet's order
    used = list(columns.values())
    refused = {j for column, _, j in layout if j is not None and formula_refused(column)}
    formulas = frozenset((r, c) for r, c in formulas if c in refused) if formulas else frozenset()
    for i in range(header_row + 1, len(grid)):
        line = grid[i]
        if all(is_blank(line[j]) for j in used if j < len(line)) and not any((i, j) in formulas for j in used):
            continue
        yield _read_row(i, line, read, blank_values, key_letters, file, sheet_name, findings, formulas)


REMEMBERED = frozenset({schema.YN, schema.CHOICE})    # kinds whose cells take one of a few texts
REMEMBER_LIMIT = 1000      # distinct texts remembered per column (a typo each row would otherwise grow it)


def _parser(column: schema.Column):
    """The column's parser (cells.parser_for); for a column of a few values (Y/N, a choice), with each distinct
    text's answer remembered: a register repeats them on every row."""
    parse = parser_for(column)
    if column.kind not in REMEMBERED:
        return parse
    known: dict = {}

    def remembered(value):
        if value.__class__ is not str:
            return parse(value)
        found = known.get(value)
        if found is None:
            found = parse(value)
            if len(known) < REMEMBER_LIMIT:
                known[value] = found
        return found
    return remembered


def _duplicate_headers(header: list, header_row: int, sheet: schema.Sheet, columns: dict, file: str,
                       sheet_name: str, findings: Findings) -> None:
    """A warning on each later copy of one of the sheet's headers: only the first column is read."""
    by_header = {norm_header(c.header): c for c in sheet.columns}
    for j, v in enumerate(header):
        column = by_header.get(norm_header(v))
        if column is None or columns.get(column.key) == j:
            continue
        first, ref = cell_name(header_row, columns[column.key]), cell_name(header_row, j)
        findings.warning(file, sheet_name, ref, "duplicate-header", text(v),
                         f"The header '{column.header}' is in {first} and again in {ref}. Only the first column "
                         f"({first}) is read and column {column_letters(j)} is ignored. Delete the extra "
                         "column, or rename it if it holds something else.")


def _read_row(i, line, read, blank_values, key_letters, file, sheet_name, findings, formulas=frozenset()) -> Row:
    """The Row of grid line i: `read` is (column, key, grid column, its letters, its _parser) for each of the
    sheet's columns found, and `blank_values` every column key -> None."""
    number = str(i + 1)
    values, raw, bad = blank_values.copy(), {}, set()
    row = Row(i + 1, values, raw, RowCells(key_letters, i + 1), bad, set())
    width = len(line)
    for column, key, j, letter, parse in read:
        value = line[j] if j < width else ""
        raw[key] = value
        if formulas and (i, j) in formulas:
            ref = letter + number
            bad.add(key)
            row.formulas.add(key)
            effect = "until then this row is left out" if column.required else "until then it is treated as blank"
            findings.error(file, sheet_name, ref, "formula-in-cell", text(value) or None,
                           formula_message(column.header, ref, effect))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):        # is_blank, without a call a cell
            if column.required:
                bad.add(key)
            continue
        parsed, problem = parse(value)
        values[key] = parsed
        if problem:
            ref = letter + number
            bad.add(key)
            effect = "until then this row is left out" if column.required else "until then it is treated as blank"
            findings.error(file, sheet_name, ref, f"bad-{column.kind}", text(value),
                           f"{column.header} '{text(value)}' {problem}. Correct cell {ref}; {effect}.")
    return row


def required_blank(row: Row, key: str, header: str, file: str, sheet_name: str, findings: Findings, effect: str) -> bool:
    """Add a finding if a required cell is blank; True when it was blank. A cell holding a refused formula
    is blank too, with no second finding (read_table gave 'formula-in-cell' on it)."""
    if key in row.formulas:
        return True
    if row.raw.get(key) is None or is_blank(row.raw.get(key)):
        findings.error(file, sheet_name, row.cells.get(key) or str(row.number), "required-blank", None,
                       f"{header} is blank in row {row.number}. Fill it in; {effect}")
        return True
    return False
