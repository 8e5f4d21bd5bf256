"""Annotated copies of the staff's own workbooks (contract §9, `annotated/`).

For each input workbook with findings, `OUT/<Monday>/annotated/<same relative path>` is a copy in
which every bad cell is filled (red for an error, amber for a warning) and carries its messages as
a comment, with a first sheet "Findings" that lists every finding of the file and links to its cell.

The original is only ever read (its bytes, once). The copy is saved by openpyxl, which drops some
Excel 2010+ extensions (x14 data validations, some conditional formats), so it is for reading,
never a new master; its first sheet says so. Only plain xlsx files are annotated: an encrypted,
.xls or damaged file already has a whole-file finding and gets no copy.

Nothing in a copy can run (contract §12): every formula of the input, in every sheet, is kept as its text in a
text cell (a provider's =HYPERLINK("\\\\server\\share","click") or a DDE formula =cmd|' /C calc'!A0 is shown,
never worked out), and links to other workbooks, defined names that are more than a plain range, pivot
tables (their cached data may come from a connection), macros and links to places outside the workbook
are left out of the copy. The copy's path is made only of safe file-name parts, inside annotated/.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import tempfile
import warnings
import zipfile
from collections import defaultdict
from pathlib import Path, PurePosixPath

from .errors import RunError
from .findings import ERROR, WARNING, Finding
from .identifiers import safe_file_part
from .output import output_path, pinned_datetime, remove_stale_tree, write_bytes
from .read.workbook import sniff
from .heap import writer

FOLDER = "annotated"
AUTHOR = "AP monitor"
FINDINGS_SHEET = "Findings"
FILLS = {ERROR: "FFFFC7CE", WARNING: "FFFFEB9C"}   # Excel's own "Bad" red and "Neutral" amber
FONTS = {ERROR: "FF9C0006", WARNING: "FF9C5700"}
SEVERITY_WORDS = {ERROR: "Error", WARNING: "Warning"}
SEVERITY_RANK = {ERROR: 0, WARNING: 1}
HEADERS = ("Severity", "Sheet", "Cell", "Rule", "Value found", "Message")
WIDTHS = (10, 16, 10, 24, 18, 110)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
MAX_COPIES = 40   # a copy costs an openpyxl load and save (~50 ms); a school has a handful, a trust may have 1,000s
REGISTERS = ("placements.xlsx", "providers.xlsx")
_CELL = re.compile(r"^([A-Z]{1,3})(\d+)$")
_ROW = re.compile(r"^(\d+)$")
# A defined name kept in a copy: a plain reference to cells of a sheet ('Lists'!$A$1:$A$40), as a drop-down
# list uses; anything else (a formula, a link to another workbook, a DDE call) is left out.
_PLAIN_REFERENCE = re.compile(r"^(?:'(?:[^']|'')+'|[A-Za-z_][\w.]*)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?$")


def annotation_order(by_file: dict[str, list[Finding]]) -> list[str]:
    """Files in the order they are worth annotating: the registers, then by number of errors, then path."""
    def key(rel: str):
        errors = sum(1 for f in by_file[rel] if f.severity == ERROR)
        return (rel not in REGISTERS, -errors, rel)
    return sorted(by_file, key=key)


@writer
def write_annotated(data_dir: Path, findings, folder: Path, week: dt.date | None = None,
                    limit: int = MAX_COPIES, skipped: list | None = None,
                    elsewhere: dict[str, Path] | None = None, kept=None) -> list[Path]:
    """Write an annotated copy of each input xlsx that has findings under `folder`/annotated/.

    `findings` are the run's Finding objects, `folder` is the week's output
    folder OUT/<Monday>; `week` pins the copies' saved time (default: the folder's name as a date).
    Copies left by an earlier run of the same week that are not written again are removed.
    At most `limit` copies are written (registers first, then the files with most errors); the files
    left out are appended to `skipped`. `elsewhere` maps a file the findings name to where it was read from
    when that is outside the school folder (a trust's shared providers.xlsx). `kept` (the run's
    pipeline.read.cache.ReturnsCache, or None) holds the copies an earlier run made: one whose workbook and
    findings are unchanged is used again (pipeline.annotate_kept), the same bytes as made now. Returns the paths
    written, sorted. Raises RunError if the folder cannot be written."""
    data_dir, target = Path(data_dir), Path(folder) / FOLDER
    stamp = pinned_datetime(week or _date_of(Path(folder).name))
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_file[f.file].append(f)
    written, taken = [], set()
    try:
        for rel in annotation_order(by_file):
            if len(written) >= limit:
                if skipped is not None and _source(data_dir, rel, elsewhere):
                    skipped.append(rel)
                continue
            source = _source(data_dir, rel, elsewhere)
            data = _copy(source, rel, by_file[rel], stamp, kept) if source else None
            if data is None:
                continue
            path = output_path(target, *_unique(copy_name(rel), taken).split("/"))
            write_bytes(path, data)
            written.append(path)
        written.sort()
        remove_stale_tree(target, written)     # what an earlier run of the same week wrote and this one does not
    except OSError as exc:
        raise RunError(f"Cannot write the annotated copies to {target} ({exc.strerror or exc}): close any annotated "
                       "copy open in Excel or choose another folder with --out.") from None
    return written


def copy_name(rel: str) -> str:
    """The copy's path under annotated/ ('/' between parts): the same relative path, each part made a safe
    file name (identifiers.safe_file_part: a ':' or '\\' that Linux allows in a name becomes '_'); '.xlsx'
    is added to any other ending (a return saved as 'prv1.xls' that is really an xlsx), so Excel opens
    the copy without complaint."""
    parts = [safe_file_part(part) for part in PurePosixPath(rel).parts]
    name = "/".join(parts)
    return name if name.lower().endswith(".xlsx") else name + ".xlsx"


def _unique(name: str, taken: set) -> str:
    """`name`, or 'name (2).xlsx', ... when a copy already written has the same path ignoring case (two
    inputs 'PRV1.xlsx' and 'prv1.xlsx' are one file on Windows): no two inputs ever share a copy."""
    stem, n, candidate = name[:-len(".xlsx")], 1, name
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}).xlsx"
    taken.add(candidate.casefold())
    return candidate


def _date_of(name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return dt.date(2000, 1, 1)


def _source(data_dir: Path, rel: str, elsewhere: dict[str, Path] | None = None) -> Path | None:
    """The input file a finding names, if it is a plain xlsx inside the school folder (or read from elsewhere)."""
    pure = PurePosixPath(rel)
    if not rel or pure.is_absolute() or ".." in pure.parts or pure.name.startswith("~$"):
        return None
    path = (elsewhere or {}).get(rel) or data_dir.joinpath(*pure.parts)
    try:
        return path if path.is_file() and sniff(path) == "xlsx" else None
    except OSError:
        return None


def _copy(source: Path, rel: str, findings: list[Finding], stamp: dt.datetime, kept=None) -> bytes | None:
    """The annotated copy of `source` as xlsx bytes, kept from an earlier run or made now; None when openpyxl
    cannot load or save the workbook (not kept: it is tried again next run, in case it was a passing failure)."""
    try:
        original = source.read_bytes()           # read once; the original is never opened for writing
    except OSError:
        return None
    if kept is None:
        return _annotated_bytes(original, rel, findings, stamp)
    from .annotate_kept import copy_key, restamped, week_text

    key = copy_key(original, rel, findings)
    stored = kept.get_copy(key)
    if stored is not None:
        data = restamped(stored[1], stored[0], stamp)
        if data is not None:
            return data
    data = _annotated_bytes(original, rel, findings, stamp)
    if data is not None:
        kept.put_copy(key, week_text(stamp), data)
    return data


def _annotated_bytes(original: bytes, rel: str, findings: list[Finding], stamp: dt.datetime) -> bytes | None:
    """The annotated copy of the workbook `original` as xlsx bytes, or None when openpyxl cannot load or save it."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)   # "Data Validation extension is not supported ..."
            wb = openpyxl.load_workbook(io.BytesIO(original), rich_text=False, keep_links=False, keep_vba=False)
            defuse(wb)
            _mark_cells(wb, findings)
            _findings_sheet(wb, rel, findings)
            wb.properties.created = wb.properties.modified = stamp
            wb.properties.lastModifiedBy = AUTHOR
            return _save(wb)
    except Exception:  # openpyxl raises many kinds of error on a workbook it cannot handle: no copy, no crash
        return None


# --- nothing in the copy can run -------------------------------------------------------------------------

def defuse(wb) -> None:
    """Make the loaded workbook inert (contract §12): each formula cell of every sheet becomes a text cell
    holding the formula's text (with Excel's quote prefix, so editing the cell keeps it text); links to
    other workbooks, defined names other than plain ranges, table column formulas, pivot tables and
    hyperlinks to anywhere outside the workbook are dropped."""
    from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula

    wb._external_links = []
    _keep_plain_names(wb.defined_names)
    for ws in wb.worksheets:
        _keep_plain_names(ws.defined_names)
        ws._pivots = []
        for table in ws.tables.values():
            for column in table.tableColumns or ():
                column.calculatedColumnFormula = None
                column.totalsRowFormula = None
        for cell in list(ws._cells.values()):   # the cells that exist: never the whole used range, cell by cell
            if cell.hyperlink is not None and (cell.hyperlink.target or cell.hyperlink.id):
                cell.hyperlink = None
            if cell.data_type != "f":
                continue
            value = cell.value
            if isinstance(value, ArrayFormula):
                shown = value.text or ""
            elif isinstance(value, DataTableFormula):
                shown = "=TABLE(" + ",".join(x for x in (value.r1, value.r2) if x) + ")"
            else:
                shown = str(value or "")
            cell.value = shown
            cell.data_type = "s"
            cell.quotePrefix = True


def _keep_plain_names(names) -> None:
    for name in list(names):
        defn = names[name]
        if not _PLAIN_REFERENCE.match((defn.value or "").strip()):
            del names[name]


# --- the bad cells --------------------------------------------------------------------------------------

def _sheet(wb, name: str | None):
    if not name:
        return None
    if name in wb.sheetnames:
        return wb[name]
    want = name.strip().casefold()
    return next((ws for ws in wb.worksheets if ws.title.strip().casefold() == want), None)


def target_cell(cell: str | None) -> str | None:
    """The cell a finding marks: 'E7' itself, column A for a row ('7' -> 'A7'), None for a whole sheet or file."""
    cell = (cell or "").strip().upper()
    if _CELL.match(cell):
        return cell
    if _ROW.match(cell) and int(cell) > 0:
        return f"A{int(cell)}"
    return None


def _mark_cells(wb, findings: list[Finding]) -> None:
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    marks: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        ws, ref = _sheet(wb, f.sheet), target_cell(f.cell)
        if ws is not None and ref is not None:
            marks[(ws.title, ref)].append(f)
    for (title, ref), found in marks.items():
        ws = wb[title]
        try:
            cell = ws[ref]
        except (ValueError, IndexError):          # beyond Excel's last row or column: listed, not marked
            continue
        if isinstance(cell, MergedCell):          # mark the merged range's top-left cell, the one Excel shows
            cell = next((ws.cell(r.min_row, r.min_col) for r in ws.merged_cells.ranges if ref in r), None)
            if cell is None:
                continue
        worst = min((f.severity for f in found), key=lambda s: SEVERITY_RANK.get(s, 9))
        if worst in FILLS:
            cell.fill = PatternFill("solid", fgColor=FILLS[worst])
        text = "\n\n".join(f"{SEVERITY_WORDS.get(f.severity, f.severity.capitalize())} ({f.rule}): "
                           f"{f.message}" for f in found)
        if cell.comment is not None and cell.comment.text and cell.comment.author != AUTHOR:
            text += f"\n\n(The cell's own comment, by {cell.comment.author or 'someone'}:)\n{cell.comment.text}"
        lines = sum(1 + len(part) // 60 for part in text.split("\n"))
        cell.comment = Comment(text, AUTHOR, height=min(600, 20 + 15 * lines), width=360)


# --- the first sheet ----------------------------------------------------------------------------------

def note_lines(rel: str) -> list[str]:
    """The note at the top of the Findings sheet. It does not name the week, so that a copy made for one week is
    the copy of the next while the workbook and its findings stay the same (pipeline.annotate_kept)."""
    return [
        f"ANNOTATED COPY FOR READING ONLY: {rel}",
        "Made by the weekly run (its week is the date in this copy's folder path). The original file in the school "
        "folder has not been changed: make your corrections there, then run the weekly report again.",
        "Do not use this copy as the new master. It was saved by a program (openpyxl) that drops some Excel 2010 "
        "and later features, such as extension data validations (some drop-down lists) and some conditional "
        "formatting, so the copy may not behave like the original.",
        "Red cells have errors and amber cells have warnings: point at a marked cell to read its comment. Click a "
        "cell below to go to it. docs/troubleshooting.md explains each rule and how to fix it.",
    ]


def location(sheet: str, ref: str) -> str:
    """An internal hyperlink location: 'Sheet name'!E7 (quotes doubled inside the name)."""
    return "'" + sheet.replace("'", "''") + "'!" + ref


def _findings_sheet_name(wb) -> str:
    taken = {s.casefold() for s in wb.sheetnames}
    for name in (FINDINGS_SHEET, f"{FINDINGS_SHEET} ({AUTHOR})"):
        if name.casefold() not in taken:
            return name
    n = 2
    while f"{FINDINGS_SHEET} {n}".casefold() in taken:
        n += 1
    return f"{FINDINGS_SHEET} {n}"


def _findings_sheet(wb, rel: str, findings: list[Finding]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    for ws in wb.worksheets:                    # only the new sheet selected: never several grouped tabs
        ws.sheet_view.tabSelected = False
    ws = wb.create_sheet(_findings_sheet_name(wb), 0)
    wb.active = 0
    ws.sheet_view.tabSelected = True
    ws.sheet_properties.tabColor = FILLS[ERROR][2:]
    notes = note_lines(rel)
    for i, line in enumerate(notes, start=1):
        _put(ws, i, 1, line).font = Font(bold=True, size=14 if i == 1 else 11, color="FF9C0006" if i == 1 else None)
    header_row = len(notes) + 2
    for j, (header, width) in enumerate(zip(HEADERS, WIDTHS), start=1):
        _put(ws, header_row, j, header).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(j)].width = width
    # each style made once, not once a cell (openpyxl builds and hashes a style object each time)
    aligned = [Alignment(vertical="top", wrap_text=False)] * (len(HEADERS) - 1) + [Alignment(vertical="top",
                                                                                             wrap_text=True)]
    fills = {severity: PatternFill("solid", fgColor=fill) for severity, fill in FILLS.items()}
    fonts = {severity: Font(color=font) for severity, font in FONTS.items()}
    link_font = Font(color="FF0563C1", underline="single")
    for i, f in enumerate(findings, start=header_row + 1):
        sheet_ws, ref, shown = _sheet(wb, f.sheet), target_cell(f.cell), _shown_cell(f)
        severity = f.severity
        row = (SEVERITY_WORDS.get(severity, severity.capitalize()), f.sheet or "(whole file)",
               shown, f.rule, f.value or "", f.message)
        for j, (value, alignment) in enumerate(zip(row, aligned), start=1):
            _put(ws, i, j, value).alignment = alignment
        if severity in FILLS:
            ws.cell(i, 1).fill = fills[severity]
            ws.cell(i, 1).font = fonts[severity]
        if sheet_ws is not None:
            link = ws.cell(i, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=location(sheet_ws.title, ref or "A1"),
                                       tooltip=f"Go to {sheet_ws.title} {ref or 'A1'}")
            link.font = link_font
    ws.freeze_panes = f"A{header_row + 1}"
    last = header_row + max(len(findings), 1)
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(HEADERS))}{last}"


def _shown_cell(f: dict) -> str:
    """The Cell column: 'E7', 'row 7', '(whole sheet)' or '' for a whole file."""
    cell = (f.cell or "").strip()
    if _ROW.match(cell):
        return f"row {int(cell)}"
    return cell or ("(whole sheet)" if f.sheet else "")


def _put(ws, row: int, col: int, value):
    """Write a value as text (never a formula, whatever a provider typed) and return the cell."""
    cell = ws.cell(row, col)
    cell.value = value
    if isinstance(value, str) and value:
        cell.data_type = "s"
    return cell


# --- saving -------------------------------------------------------------------------------------------

def _save(wb) -> bytes:
    """The workbook's bytes, the same on every run: openpyxl's save stamps the time twice (core.xml's
    modified, and each zip entry's time), so write without the first and with every entry's time fixed.

    One pass, in memory: each worksheet goes straight into the zip (openpyxl's own save writes each to a
    temporary file first, then copies it in), and each entry is written with the fixed time (not written
    with the clock's, then unpacked and packed again). The bytes are those of that longer way: a worksheet's
    entry keeps the file attributes the temporary file would have given it."""
    out = io.BytesIO()
    try:
        with _PinnedZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            _in_memory_writer()(wb, archive).save()
    except (AttributeError, TypeError, ImportError):    # another openpyxl's insides: its own save, the longer way
        return _save_twice(wb)
    return out.getvalue()


def _save_twice(wb) -> bytes:
    """openpyxl's own save, then every entry packed again with the fixed time: the same bytes, slower."""
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


class _PinnedZip(zipfile.ZipFile):
    """A zip whose entries all carry ZIP_TIME instead of the time they were written."""

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            name = zinfo_or_arcname
            zinfo_or_arcname = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            zinfo_or_arcname.compress_type = self.compression
            zinfo_or_arcname._compresslevel = self.compresslevel
            zinfo_or_arcname.external_attr = (0o40775 << 16 | 0x10) if name.endswith("/") else 0o600 << 16
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        zinfo = zipfile.ZipInfo.from_file(filename, arcname)
        zinfo.date_time = ZIP_TIME
        zinfo.compress_type = self.compression if compress_type is None else compress_type
        zinfo._compresslevel = self.compresslevel if compresslevel is None else compresslevel
        with open(filename, "rb") as src:
            self.writestr(zinfo, src.read())


@functools.cache
def _in_memory_writer():
    """openpyxl's ExcelWriter, writing each worksheet's XML in memory (openpyxl imported only when a copy is made)."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.writer.excel import ExcelWriter

    class InMemoryWriter(ExcelWriter):
        def write_worksheet(self, ws):      # openpyxl 3.1's, with the sheet's XML kept in memory
            if self.workbook.write_only:    # never here (a loaded workbook): openpyxl's own way
                return super().write_worksheet(ws)
            ws._drawing = SpreadsheetDrawing()
            ws._drawing.charts = ws._charts
            ws._drawing.images = ws._images
            writer = WorksheetWriter(ws, out=io.BytesIO())
            writer.write()
            ws._rels = writer._rels
            zinfo = zipfile.ZipInfo(ws.path[1:], date_time=ZIP_TIME)
            zinfo.compress_type = self._archive.compression
            zinfo._compresslevel = self._archive.compresslevel
            zinfo.external_attr = _temporary_file_attributes()
            self._archive.writestr(zinfo, writer.read())
            self.manifest.append(ws)

    return InMemoryWriter


@functools.cache
def _temporary_file_attributes() -> int:
    """The zip attributes of a temporary file as openpyxl makes one (ZipInfo.from_file): found once a process."""
    with tempfile.NamedTemporaryFile(mode="w+", prefix="openpyxl.") as probe:
        return (os.stat(probe.name).st_mode & 0xFFFF) << 16
