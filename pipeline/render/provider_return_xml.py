"""The pre-filled return written as its zip's parts directly: the same file, byte for byte, as xlsxwriter writes
(provider_return.build_workbook), in about a tenth of its time.

xlsxwriter spends a return's 7-10 ms on its cells (checks, records, XML calls), validations, styles and shared
strings: no part of it large, all of it Python. The return's parts fall in three:
- the same in every return: taken as they are from a reference return xlsxwriter writes once a process for each
  ORDER (below) and day of writing: [Content_Types].xml, the relations, app.xml, the theme, the Incidents
  sheet's comments and their drawing, styles.xml, and the Instructions sheet (its strings are written first, so
  their numbers are the same in every return);
- the reference's XML with a few holes (Template): workbook.xml (the print area's last row), core.xml (the
  title), the Incidents sheet (its headers' string numbers, the Placement ID list's last row), the Attendance
  sheet around its cells (its size, the validation's and the conditional format's cells, the page header);
- the provider's own: the cells of the Attendance, Lists and _meta sheets, and the shared strings.

xlsxwriter numbers a format at its first use while it writes the sheets out (Attendance first, row by row), and
styles.xml holds only the formats used. So the first pupil decides whether an expected or a locked session's
format comes first, and a return with no session expected (or none locked) has one format fewer: the ORDER of
those formats' first use picks the reference, whose styles.xml and format numbers are the return's. Strings are
numbered as they are written, in build_workbook's order (SharedStrings).

Anything unusual is left to xlsxwriter (DirectWriter.parts gives None): text with characters xlsxwriter escapes
its own way or takes for rich text, text over 255 characters, a provider ID with '&' (a page header code), no
pupils or more than the Incidents dropdown's rows, placement IDs the same as another dropdown's list.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

from xlsxwriter.utility import (_datetime_to_excel_datetime, _preserve_whitespace, _utf16_len, xl_col_to_name,
                                xl_rowcol_to_cell)

from .. import codes, schema
from ..provider_week import ReturnPupil
from ..templates import list_name
from .provider_return_layout import (CODES_LIST, FIRST_SESSION_COL, HEADER_ROW, INCIDENT_ROWS, SESSION_KEYS, day_label,
                                     hints, ids_list, instructions, meta_rows, page_header, title)
from .xlsx_rows import escaped, looks_rich
from .xlsx_zip import Deflated, deflate

EXPECTED, NOT_EXPECTED, NOTES = "expected", "not_expected", "notes"    # build_workbook's formats, by name
ATTENDANCE, INCIDENTS, LISTS, META = (f"xl/worksheets/sheet{n}.xml" for n in (1, 2, 4, 5))  # in add_worksheet order
WORKBOOK, CORE, STRINGS = "xl/workbook.xml", "docProps/core.xml", "xl/sharedStrings.xml"
_UNUSUAL = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x")    # text xlsxwriter escapes its own way
_LONGEST = 255                                                   # Excel's limit for a page header
_OTHER_LISTS = {CODES_LIST.choices} | {c.choices for c in schema.INCIDENTS.columns if c.choices}
_REFERENCE_DAY = dt.date(2026, 1, 5)


class SharedStrings:
    """xlsxwriter's shared strings: each text numbered when first written, every write counted."""

    def __init__(self):
        self.numbers: dict[str, int] = {}
        self.count = 0

    def __call__(self, text: str) -> int:
        self.count += 1
        number = self.numbers.get(text)
        if number is None:
            number = self.numbers[text] = len(self.numbers)
        return number

    def items(self) -> str:
        """The <si> elements of sharedStrings.xml."""
        return "".join(f'<si><t{_SPACE if _preserve_whitespace(text) else ""}>{escaped(text)}</t></si>'
                       for text in self.numbers)


_SPACE = ' xml:space="preserve"'


class Template:
    """A part's XML in pieces around its holes: each pattern's groups, found in turn, are the holes."""

    def __init__(self, xml: str, *patterns: str):
        self.pieces, at = [], 0
        for pattern in patterns:
            found = re.compile(pattern, re.S).search(xml, at)
            if found is None:
                raise ValueError(f"no {pattern!r} in the reference's XML")
            for group in range(1, found.re.groups + 1):
                self.pieces.append(xml[at:found.start(group)])
                at = found.end(group)
        self.pieces.append(xml[at:])

    def fill(self, *values) -> bytes:
        if len(values) != len(self.pieces) - 1:
            raise ValueError(f"{len(self.pieces) - 1} holes, {len(values)} values")
        out = [self.pieces[0]]
        for value, piece in zip(values, self.pieces[1:]):
            out += (str(value), piece)
        return "".join(out).encode("utf-8")


@dataclass(frozen=True)
class Reference:
    """What a return written by xlsxwriter gives every return of the same ORDER and day of writing."""
    parts: dict[str, Deflated]        # every part, in the zip's order
    styles: dict[str, str]            # build_workbook's formats used, by name: ' s="n"'
    instruction_strings: int          # strings on the Instructions sheet, each once
    attendance: Template
    incidents: Template
    lists: Template
    meta: Template
    workbook: Template
    core: Template
    strings: Template


class DirectWriter:
    """Writes returns' parts directly, from references `build` (provider_return.build_workbook) writes."""

    def __init__(self, build):
        self.build = build
        self.references: dict[tuple, Reference] = {}

    def parts(self, provider_id: str, provider_name: str, monday: dt.date, pupils: list[ReturnPupil], school: str,
              return_by: dt.date, created: dt.date) -> list[tuple[str, Deflated]] | None:
        """The return's zip parts (name, deflated data) in order (xlsx_zip.write_zip writes them), or None when it
        is one for xlsxwriter."""
        ids = ids_list(pupils)
        texts = (provider_id, provider_name, school, *(t for p in pupils for t in (p.placement_id, p.upn, p.name)))
        if (not pupils or len(pupils) > INCIDENT_ROWS or "&" in provider_id or ids.choices in _OTHER_LISTS
                or _utf16_len(page_header(provider_id, monday)) > _LONGEST or any(map(_unusual, texts))):
            return None
        ref = self.reference(_order(pupils), created)
        sst = SharedStrings()
        _instruction_strings(sst, instructions(provider_name, monday, return_by, school))
        if len(sst.numbers) != ref.instruction_strings:     # a line the same as another: numbered otherwise
            return None
        meta = [(r, 0, 1, _text(f"A{r + 1}", "", sst(key)) + _text(f"B{r + 1}", "", sst(value)))
                for r, (key, value) in enumerate(meta_rows(provider_id, monday))]
        lists = [[sst(list_name(c)), *map(sst, c.choices)] for c in (CODES_LIST, ids)]
        attendance, last, expected = _attendance(sst, ref.styles, provider_id, provider_name, monday, return_by,
                                                 pupils)
        headers = []
        for column in schema.INCIDENTS.columns:      # templates.write_sheet's order
            headers.append(sst(column.header))
            if column.choices and column.choices not in (CODES_LIST.choices, ids.choices):
                lists.append([sst(list_name(column)), *map(sst, column.choices)])
        made = {
            ATTENDANCE: ref.attendance.fill(*_sheet_data(attendance), _sessions_range(last),
                                            *([" ".join(expected)] if expected else []),
                                            escaped(page_header(provider_id, monday))),
            INCIDENTS: ref.incidents.fill(*headers, len(pupils) + 1),
            LISTS: ref.lists.fill(*_sheet_data(_list_rows(lists))),
            META: ref.meta.fill(*_sheet_data(meta)),
            WORKBOOK: ref.workbook.fill(last + 1),
            CORE: ref.core.fill(escaped(title(provider_id, monday))),
            STRINGS: ref.strings.fill(sst.count, len(sst.numbers), sst.items()),
        }
        return [(name, deflate(made[name]) if name in made else part) for name, part in ref.parts.items()]

    def reference(self, order: tuple[str, ...], created: dt.date) -> Reference:
        key = (order, created)
        if key not in self.references:
            self.references[key] = self._reference(order, created)
        return self.references[key]

    def _reference(self, order: tuple[str, ...], created: dt.date) -> Reference:
        pupils = _reference_pupils(order)
        if _order(pupils) != order:
            raise AssertionError(f"the reference pupils give {_order(pupils)}, not {order}")
        buffer, name, school = io.BytesIO(), "Reference provider", "Reference school"
        look = self.build(buffer, "REF", name, _REFERENCE_DAY, pupils, school, _REFERENCE_DAY, created)
        with zipfile.ZipFile(buffer) as z:
            parts = {info.filename: z.read(info) for info in z.infolist()}
        xml = {name: parts[name].decode("utf-8") for name in (ATTENDANCE, INCIDENTS, LISTS, META, WORKBOOK, CORE,
                                                                STRINGS)}
        sst = SharedStrings()
        _instruction_strings(sst, instructions(name, _REFERENCE_DAY, _REFERENCE_DAY, school))
        size, rows = r'<dimension ref="([^"]*)"', r"<sheetData>(.*)</sheetData>"
        cell = r'<c r="[A-Z]+1"[^>]*t="s"><v>(\d+)</v>'
        validation = [r'<dataValidation [^>]*sqref="([^"]*)"'] if EXPECTED in order else []
        return Reference(
            parts={name: deflate(data) for name, data in parts.items()},
            styles={name: f' s="{fmt.xf_index}"' for name, fmt in look.items() if fmt.xf_index is not None},
            instruction_strings=len(sst.numbers),
            attendance=Template(xml[ATTENDANCE], size, rows, r'<conditionalFormatting sqref="([^"]*)"', *validation,
                                r"<oddHeader>(.*?)</oddHeader>"),
            incidents=Template(xml[INCIDENTS], *[cell] * len(schema.INCIDENTS.columns),    # the IDs' list is
                               r"<formula1>Lists!\$B\$2:\$B\$(\d+)</formula1>"),              # the second
            lists=Template(xml[LISTS], size, rows),
            meta=Template(xml[META], size, rows),
            workbook=Template(xml[WORKBOOK], r'name="_xlnm\.Print_Area"[^>]*>[^<]*\$(\d+)<'),
            core=Template(xml[CORE], r"<dc:title>(.*?)</dc:title>"),
            strings=Template(xml[STRINGS], r'count="(\d+)" uniqueCount="(\d+)">(.*)</sst>'),
        )


def _attendance(sst: SharedStrings, style: dict, provider_id: str, provider_name: str, monday: dt.date,
                return_by: dt.date, pupils: list[ReturnPupil]) -> tuple[list, int, list[str]]:
    """The Attendance sheet's rows for _sheet_data, its last row, the expected sessions' cells; its strings
    numbered in provider_return._attendance_sheet's order."""
    label, value, hint, day, header = (style[name] for name in ("label", "value", "hint", "day", "header"))
    top = [sst(schema.PROVIDER_LABEL), sst(provider_id), sst(provider_name), sst(schema.WEEK_LABEL)]
    notes = [sst(text) for text in hints(return_by)]
    serial = _datetime_to_excel_datetime(dt.datetime(monday.year, monday.month, monday.day), False, False)
    rows = [
        (0, 0, FIRST_SESSION_COL, _text("A1", label, top[0]) + _text("B1", value, top[1])
         + _text("C1", hint, top[2]) + _text("D1", hint, notes[0])),
        (1, 0, FIRST_SESSION_COL, _text("A2", label, top[3]) + f'<c r="B2"{style["date"]}><v>{serial:.16G}</v></c>'
         + _text("D2", hint, notes[1])),
    ]
    days = []
    for i in range(5):
        first, second = (xl_rowcol_to_cell(HEADER_ROW - 1, FIRST_SESSION_COL + 2 * i + k) for k in (0, 1))
        days.append(_text(first, day, sst(day_label(monday + dt.timedelta(days=i)))) + f'<c r="{second}"{day}/>')
    rows.append((HEADER_ROW - 1, FIRST_SESSION_COL, FIRST_SESSION_COL + 9, "".join(days)))
    columns = [xl_col_to_name(c) for c in range(len(schema.ATTENDANCE.columns))]
    headers = [_text(f"{letters}{HEADER_ROW + 1}", header, sst(c.header))
               for letters, c in zip(columns, schema.ATTENDANCE.columns)]
    rows.append((HEADER_ROW, 0, len(columns) - 1, "".join(headers)))
    fixed, open_, locked, notes_style = (style.get(n) for n in ("fixed", EXPECTED, NOT_EXPECTED, NOTES))
    expected = []
    for r, pupil in enumerate(pupils, start=HEADER_ROW + 1):
        n = str(r + 1)
        cells = [_text("A" + n, fixed, sst(pupil.placement_id)), _text("B" + n, fixed, sst(pupil.upn)),
                 _text("C" + n, fixed, sst(pupil.name))]
        for key, letters in zip(SESSION_KEYS, columns[FIRST_SESSION_COL:]):
            if key in pupil.expected:
                expected.append(letters + n)
                cells.append(f'<c r="{letters}{n}"{open_}/>')
            else:
                cells.append(_text(letters + n, locked, sst(codes.NOT_EXPECTED)))
        cells.append(f'<c r="{columns[FIRST_SESSION_COL + 10]}{n}"{notes_style}/>')
        rows.append((r, 0, len(columns) - 1, "".join(cells)))
    return rows, HEADER_ROW + len(pupils), expected


def _sessions_range(last: int) -> str:
    """The pupils' sessions, from the first pupil's Monday morning to row `last`'s Friday afternoon."""
    return (f"{xl_rowcol_to_cell(HEADER_ROW + 1, FIRST_SESSION_COL)}:"
            f"{xl_rowcol_to_cell(last, FIRST_SESSION_COL + len(SESSION_KEYS) - 1)}")


def _list_rows(lists: list[list[int]]) -> list:
    """The Lists sheet's rows for _sheet_data: one column per list, its heading then its values."""
    rows = []
    for r in range(max(map(len, lists))):
        cols = [c for c, numbers in enumerate(lists) if r < len(numbers)]
        rows.append((r, cols[0], cols[-1], "".join(_text(xl_rowcol_to_cell(r, c), "", lists[c][r]) for c in cols)))
    return rows


def _sheet_data(rows: list) -> tuple[str, str]:
    """A sheet's dimension and <sheetData> XML from its rows (row, first column, last column, cells' XML), in
    order, each with the spans xlsxwriter gives its block of 16 rows."""
    spans = {}
    for r, first, last, _ in rows:
        low, high = spans.get(r // 16, (first, last))
        spans[r // 16] = (min(low, first), max(high, last))
    spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in spans.items()}
    data = "".join(f'<row r="{r + 1}" spans="{spans[r // 16]}">{cells}</row>' for r, _, _, cells in rows)
    start = xl_rowcol_to_cell(rows[0][0], min(row[1] for row in rows))
    end = xl_rowcol_to_cell(rows[-1][0], max(row[2] for row in rows))
    return (start if start == end else f"{start}:{end}"), data


def _text(ref: str, style: str, number: int) -> str:
    return f'<c r="{ref}"{style} t="s"><v>{number}</v></c>'


def _unusual(text: str) -> bool:
    return _UNUSUAL.search(text) is not None or _utf16_len(text) > _LONGEST or looks_rich(text)


def _instruction_strings(sst: SharedStrings, lines: list[tuple[str, tuple]]) -> None:
    """Number the Instructions sheet's texts as templates.write_instructions writes them."""
    for _, cells in lines:
        for text in cells:
            if text:
                sst(text)


def _order(pupils: list[ReturnPupil]) -> tuple[str, ...]:
    """The order in which the Attendance sheet first uses the expected, not expected and notes formats."""
    order = []
    for i, pupil in enumerate(pupils):
        for key in SESSION_KEYS:
            kind = EXPECTED if key in pupil.expected else NOT_EXPECTED
            if kind not in order:
                order.append(kind)
        if i == 0:
            order.append(NOTES)
        if len(order) == 3:
            break
    return tuple(order)


def _reference_pupils(order: tuple[str, ...]) -> list[ReturnPupil]:
    """Pupils whose return uses those formats first in `order`."""
    every = set(SESSION_KEYS)

    def pupil(n: int, expected: set) -> ReturnPupil:
        return ReturnPupil(f"R{n}", f"U{n}", f"Name {n}", expected)
    if order[1] != NOTES:          # the first pupil uses both, Monday morning's first
        return [pupil(1, {SESSION_KEYS[0]} if order[0] == EXPECTED else every - {SESSION_KEYS[0]})]
    pupils = [pupil(1, every if order[0] == EXPECTED else set())]
    if len(order) == 3:
        pupils.append(pupil(2, every if order[2] == EXPECTED else set()))
    return pupils
