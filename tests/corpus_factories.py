"""Factories for tests/test_corpus.py: every kind of broken input a school's folder can hold, each built
from code (no checked-in binaries) on top of tests/factories.py and tests/school_factories.py.

- `write_book`: an xlsx with the things staff do to a workbook: merged cells, hidden rows and sheets,
  autofilters, formulas with a cached value (`Formula`), error cells.
- `write_book_openpyxl`: the same grid saved by openpyxl, whose formulas have no cached value at all.
- `write_xls`: a genuine Excel 97-2003 .xls (BIFF8 in an OLE compound file) that Excel readers open.
- `append_rows`: adds thousands of rows to a sheet of an existing xlsx in well under a second.
- `truncate`, `corrupt_member`: damaged zips.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from pipeline.output import XLSX_OPTIONS


@dataclass(frozen=True)
class Formula:
    """A formula cell. With `cached`, the value Excel saved with it; without, none is saved."""
    formula: str
    cached: object = None


@dataclass(frozen=True)
class Error:
    """An Excel error cell such as #REF! or #N/A (a formula whose saved result is that error)."""
    code: str = "#REF!"


ERROR_FORMULAS = {"#REF!": "=#REF!", "#N/A": "=NA()", "#DIV/0!": "=1/0", "#VALUE!": '="a"+1'}


def write_book(path: Path, sheets: dict[str, list[list]], *, merges: dict | None = None,
               hidden_rows: dict | None = None, hidden_sheets: tuple = (), autofilter: dict | None = None,
               created: dt.datetime | None = None) -> Path:
    """{sheet: rows} to an xlsx like factories.write_grid (dates as Excel dates, None = empty), plus:
    merges {sheet: [("D5:E5", value)]}, hidden_rows {sheet: [Excel row numbers]}, hidden_sheets (names),
    autofilter {sheet: ("A1:AJ3", column index, "x == PRV1")} with the rows it hides in hidden_rows."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    wb.set_properties({"created": created or dt.datetime(2026, 1, 1)})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    merge_fmt = wb.add_format({"align": "center"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                _write_cell(ws, r, c, value, date_fmt)
        for cells, value in (merges or {}).get(name, []):
            if isinstance(value, (dt.date, dt.datetime)):
                ws.merge_range(cells, "", date_fmt)
                first = cells.split(":")[0]
                ws.write_datetime(first, _datetime(value), date_fmt)
            else:
                ws.merge_range(cells, value, merge_fmt)
        for number in (hidden_rows or {}).get(name, []):
            ws.set_row(number - 1, None, None, {"hidden": True})
        if autofilter and name in autofilter:
            cells, column, expression = autofilter[name]
            ws.autofilter(cells)
            ws.filter_column(column, expression)
        if name in hidden_sheets:
            ws.hide()
    visible = [n for n in sheets if n not in hidden_sheets]
    if visible:
        wb.get_worksheet_by_name(visible[0]).activate()
    wb.close()
    return path


def _datetime(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)


def _write_cell(ws, r, c, value, date_fmt) -> None:
    if value is None:
        return
    if isinstance(value, Formula):
        cached = value.cached
        if isinstance(cached, (dt.date, dt.datetime)):   # Excel saves a date's result as its serial number
            cached = (_datetime(cached) - dt.datetime(1899, 12, 30)).days
            ws.write_formula(r, c, value.formula, date_fmt, cached)
        else:
            ws.write_formula(r, c, value.formula, None, cached if cached is not None else 0)
    elif isinstance(value, Error):
        ws.write_formula(r, c, ERROR_FORMULAS[value.code], None, value.code)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(r, c, _datetime(value), date_fmt)
    elif isinstance(value, str):
        ws.write_string(r, c, value)
    else:
        ws.write(r, c, value)


def write_book_openpyxl(path: Path, sheets: dict[str, list[list]]) -> Path:
    """The grid saved by openpyxl, as a school's own script or another tool might save it: a Formula
    cell keeps its formula and NO cached value (openpyxl never calculates), so a reader that takes
    cached values finds nothing there."""
    import openpyxl

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = ws.cell(r, c)
                if isinstance(value, Formula):
                    cell.value = value.formula
                else:
                    cell.value = value
                    if isinstance(value, (dt.date, dt.datetime)):
                        cell.number_format = "dd/mm/yyyy"
    wb.save(path)
    return path


def write_empty_workbook(path: Path, sheet: str | None = "Sheet1") -> Path:
    """A workbook with one empty sheet (as Excel's File > New saves it), or with no sheet at all
    (its workbook part lists none: what some converters leave behind)."""
    path = write_book(path, {sheet or "Sheet1": []})
    if sheet is None:
        rewrite_member(path, "xl/workbook.xml", lambda xml: re.sub(r"<sheets>.*</sheets>", "<sheets/>", xml))
    return path


def rewrite_member(path: Path, member: str, change) -> Path:
    """Rewrite one XML part of an xlsx in place: change(text) -> text."""
    path = Path(path)
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == member:
                data = change(data.decode("utf-8")).encode("utf-8")
            z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    path.write_bytes(out.getvalue())
    return path


# --- damaged zips ---------------------------------------------------------------------------


def truncate(path: Path, keep: float = 0.6) -> Path:
    """Cut the file short, as an interrupted download or e-mail attachment does."""
    path = Path(path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    return path


def corrupt_member(path: Path, member: str) -> Path:
    """Overwrite the middle of one member's compressed bytes, leaving the zip's directory intact: the
    file opens and lists its sheets, but that part cannot be inflated (or fails its CRC check)."""
    path = Path(path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo(member)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    for i in range(start + 2, start + info.compress_size - 2):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


# --- many rows, fast ----------------------------------------------------------------------------


def append_rows(path: Path, sheet_index: int, first_row: int, rows, *, formula: str | None = None) -> Path:
    """Add rows (lists of str/number/None) to sheet number `sheet_index` (1-based, in writing order) of an
    xlsx written by xlsxwriter, from Excel row `first_row` on. Strings are inline strings. With `formula`
    ("R{row}*0"), each number is stored as that formula's cached result, as when a formula is filled down.

    Written straight into the sheet's XML: xlsxwriter takes seconds for 100,000 rows, this a fraction."""
    path = Path(path)
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    parts = []
    for k, row in enumerate(rows):
        number = first_row + k
        cells = []
        for c, value in enumerate(row):
            if value is None:
                continue
            ref = xl_rowcol_to_cell(number - 1, c)
            if isinstance(value, str):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>')
            elif formula:
                cells.append(f'<c r="{ref}"><f>{escape(formula.format(row=number))}</f><v>{value}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')

    def add(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", "", xml)          # the used range no longer fits
        xml = xml.replace("<sheetData/>", "<sheetData></sheetData>")
        return xml.replace("</sheetData>", "".join(parts) + "</sheetData>", 1)

    return rewrite_member(path, member, add)


# --- a genuine .xls ---------------------------------------------------------------------------------


def write_xls(path: Path, sheet: str, rows: list[list]) -> Path:
    """A real Excel 97-2003 workbook: BIFF8 records (text and numbers, one sheet) in an OLE compound file
    with a 'Workbook' stream, as Excel's 'Save as Excel 97-2003 Workbook' makes. Excel readers open it
    (tests check it with calamine and olefile); the pipeline must refuse it by its bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_compound_file(_biff8(sheet, rows)))
    return path


def _record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _biff8(sheet: str, rows: list[list]) -> bytes:
    name = sheet.encode("latin-1")
    xf = struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5, 0x20, 0, 0, 0, 0, 0, 0x20C0)   # the default cell style
    globals_ = (_bof(0x0005) + _record(0x0042, struct.pack("<H", 1200)) + _record(0x00E0, xf) * 16
                + _record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)))
    width = max((len(r) for r in rows), default=0)
    body = _bof(0x0010) + _record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                encoded = value.encode("latin-1")
                body += _record(0x0204, struct.pack("<HHHHB", r, c, 16, len(encoded), 0) + encoded)
            else:
                body += _record(0x0203, struct.pack("<HHHd", r, c, 16, float(value)))
    body += _record(0x000A)
    boundsheet_len = 4 + 8 + len(name)            # record header, offset and flags, name
    # A stream under 4096 bytes would live in the mini stream; a WRITEACCESS-style filler record
    # (the user name Excel pads to 112 bytes) is enough to keep this one a normal stream.
    short = 4096 - (len(globals_) + boundsheet_len + 4 + len(body))
    while short > 0:
        filler = min(short, 8000)
        globals_ += _record(0x005C, bytes(max(0, filler - 4)))
        short -= max(4, filler)
    sheet_offset = len(globals_) + boundsheet_len + 4          # after the BOUNDSHEET and the EOF record
    globals_ += _record(0x0085, struct.pack("<IBBBB", sheet_offset, 0, 0, len(name), 0) + name) + _record(0x000A)
    return globals_ + body


def _compound_file(stream: bytes) -> bytes:
    """An OLE2 compound file (512-byte sectors) holding one stream called 'Workbook'."""
    sector = 512
    end, free, fat_sect = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    stream_sectors = -(-len(stream) // sector)
    fat = [fat_sect, end] + [3 + i for i in range(stream_sectors - 1)] + [end]
    fat += [free] * (sector // 4 - len(fat))
    assert len(fat) == sector // 4, "one FAT sector is enough for a small workbook"
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16), 0x003E, 0x0003,
                         0xFFFE, 9, 6, bytes(6), 0, 1, 1, 0, 0x1000, end, 0, end, 0)
    header += struct.pack("<109I", 0, *([free] * 108))

    def entry(name: str, kind: int, start: int, size: int, child: int = free) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1 if kind else 0, free, free,
                           child, bytes(16), 0, 0, 0, start, size)

    directory = (entry("Root Entry", 5, end, 0, child=1) + entry("Workbook", 2, 2, len(stream))
                 + entry("", 0, 0, 0) + entry("", 0, 0, 0))
    body = stream + bytes(stream_sectors * sector - len(stream))
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + body
