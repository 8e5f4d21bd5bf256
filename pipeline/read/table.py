"""Read one sheet's table by its schema: find the header row by content, then parse each row.

Problems become findings; nothing raises on bad data.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from xlsxwriter.utility import xl_rowcol_to_cell

from .. import schema
from ..findings import Findings
from .cells import is_blank, parse_cell, text

HEADER_SEARCH_ROWS = 30


def norm_header(value) -> str:
    return " ".join(text(value).split()).casefold() if not is_blank(value) else ""


def cell_name(row: int, col: int) -> str:
    """'E7' for zero-based grid indices."""
    return xl_rowcol_to_cell(row, col)


@dataclass
class Row:
    number: int                                   # Excel row number, as a person sees it
    values: dict = field(default_factory=dict)    # column key -> parsed value (None = blank or unreadable)
    raw: dict = field(default_factory=dict)       # column key -> value as found
    cells: dict = field(default_factory=dict)     # column key -> 'E7'
    bad: set = field(default_factory=set)         # column keys that could not be read

    def __getitem__(self, key):
        return self.values.get(key)

    def cell(self, key: str) -> str:
        return self.cells.get(key) or str(self.number)


@dataclass
class Table:
    header_row: int                  # zero-based index of the header row in the grid
    columns: dict                    # column key -> zero-based column index
    rows: list


def find_header(grid: list[list], sheet: schema.Sheet) -> tuple[int, dict] | None:
    """The header row (zero-based) and a map column key -> column index, or None."""
    wanted = {norm_header(c.header): c.key for c in sheet.columns}
    required = {norm_header(h) for h in sheet.required_headers} or {norm_header(sheet.columns[0].header)}
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        seen = {norm_header(v): j for j, v in enumerate(row) if norm_header(v)}
        if required <= seen.keys():
            return i, {wanted[h]: j for h, j in seen.items() if h in wanted}
    return None


def read_table(grid: list[list], sheet: schema.Sheet, file: str, sheet_name: str, findings: Findings) -> Table | None:
    """Parse every non-blank row under the header. None (with a finding) if there is no header row."""
    found = find_header(grid, sheet)
    if found is None:
        missing = ", ".join(sheet.required_headers)
        findings.error(file, sheet_name, None, "header-not-found", None,
                       f"The {sheet_name} sheet has no header row with the columns {missing} in its first "
                       f"{HEADER_SEARCH_ROWS} rows. Put the headers back exactly as in the template.")
        return None
    header_row, columns = found
    rows = []
    for i in range(header_row + 1, len(grid)):
        line = grid[i]
        if all(is_blank(line[j]) for j in columns.values() if j < len(line)):
            continue
        rows.append(_read_row(i, line, sheet, columns, file, sheet_name, findings))
    return Table(header_row, columns, rows)


def _read_row(i, line, sheet, columns, file, sheet_name, findings) -> Row:
    row = Row(number=i + 1)
    for column in sheet.columns:
        j = columns.get(column.key)
        if j is None:
            row.values[column.key] = None
            continue
        value = line[j] if j < len(line) else ""
        ref = cell_name(i, j)
        row.cells[column.key] = ref
        row.raw[column.key] = value
        if is_blank(value):
            row.values[column.key] = None
            if column.required:
                row.bad.add(column.key)
            continue
        parsed, problem = parse_cell(column, value)
        row.values[column.key] = parsed
        if problem:
            row.bad.add(column.key)
            effect = "until then this row is left out" if column.required else "until then it is treated as blank"
            findings.error(file, sheet_name, ref, f"bad-{column.kind}", text(value),
                           f"{column.header} '{text(value)}' {problem}. Correct cell {ref}; {effect}.")
    return row


def required_blank(row: Row, key: str, header: str, file: str, sheet_name: str, findings: Findings, effect: str) -> bool:
    """Add a finding if a required cell is blank; True when it was blank."""
    if row.raw.get(key) is None or is_blank(row.raw.get(key)):
        findings.error(file, sheet_name, row.cells.get(key) or str(row.number), "required-blank", None,
                       f"{header} is blank in row {row.number}. Fill it in; {effect}")
        return True
    return False
