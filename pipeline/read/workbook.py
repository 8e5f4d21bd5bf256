"""Open a workbook file safely: sniff what it really is, then read sheets as grids.

Nothing here raises on a bad file: `open_workbook` returns either a Book or the
plain-English reason it cannot be read. Before calamine sees a file, pipeline.read.guard decides from
its real structure whether reading it is safe (a workbook that would need gigabytes is one 'too-large'
finding); a workbook the guard cannot vouch for is read in a child process (pipeline.read.isolate).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import python_calamine

from .guard import CORE_PART, scan

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass(frozen=True)
class Unreadable:
    rule: str
    message: str


def sniff(path: Path) -> str:
    """'xlsx', 'encrypted', 'xls' or 'other', from the file's bytes, not its name."""
    with open(path, "rb") as f:
        head = f.read(8)
        if head.startswith(ZIP_MAGIC):
            return "xlsx"
        if head == OLE_MAGIC:
            return sniff_bytes(head + f.read())
    return "other"  # including OLE files that are not workbooks (a Word .doc, Thumbs.db)


def sniff_bytes(data: bytes) -> str:
    """What `sniff` says, for a file's bytes already read."""
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data[:8] == OLE_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in data:
            return "encrypted"
        if "Workbook".encode("utf-16-le") in data:
            return "xls"  # a real Excel 97-2003 file has a Workbook stream
    return "other"


class _Sheets:
    """What Book and StoredBook share: finding a sheet by name and its formula cells."""
    sheet_names: list
    _formulas: dict

    def formula_cells(self, sheet: str) -> frozenset:
        """The cells of `sheet` holding a formula, as (row, col) from 0, matching the grid."""
        return self._formulas.get(sheet, frozenset())

    def find_sheet(self, name: str) -> str | None:
        """The actual sheet name matching `name`, ignoring case and outer spaces."""
        return find_sheet(self.sheet_names, name)


class Book(_Sheets):
    """A readable xlsx workbook."""

    def __init__(self, path: Path, calamine_book, data: bytes = b"", encrypted: bool = False,
                 formulas: dict | None = None, core: bytes | None = None):
        self.path = Path(path)
        self._book = calamine_book
        self._data = data            # the (decrypted) xlsx bytes
        self.encrypted = encrypted   # opened with a password: its contents are never cached
        self.sheet_names: list[str] = list(calamine_book.sheet_names)
        self._formulas = formulas or {}
        self._core = core            # docProps/core.xml as the guard unzipped it (guard.Scan.core), if it could
        self._modified = _UNKNOWN

    def grid(self, sheet: str) -> list[list]:
        """The sheet's cells from A1: grid[i][j] is Excel row i+1, column j+1. Empty cells are ''."""
        try:
            return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception:  # calamine's own errors: the caller turns them into a finding
            raise
        except BaseException as exc:  # a panic in the Rust reader (a date cell of -1e308) is a BaseException
            if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
                raise
            raise ValueError(f"the sheet {sheet!r} could not be read") from None

    def modified(self) -> dt.datetime | None:
        """When the workbook says it was last saved (docProps/core.xml), if it says."""
        if self._modified is _UNKNOWN:
            self._modified = (saved_time(self._data or self.path) if self._core is None
                              else saved_in(self._core.decode("utf-8", "replace")))
        return self._modified


_UNKNOWN = object()


def saved_time(source) -> dt.datetime | None:
    """The saved time in docProps/core.xml of an xlsx (its bytes or its path), if it says."""
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as z:
            xml = z.read(CORE_PART).decode("utf-8", "replace")
    except Exception:  # missing, or damaged (BadZipFile, zlib.error, ...): the time is simply unknown
        return None
    return saved_in(xml)


def saved_in(xml: str) -> dt.datetime | None:
    """The saved time that the text of docProps/core.xml gives, if it gives one."""
    m = re.search(r"<dcterms:modified[^>]*>([^<]+)</dcterms:modified>", xml)
    if not m:
        return None
    try:
        saved = dt.datetime.fromisoformat(m.group(1).strip().replace("Z", "+00:00"))
        if saved.tzinfo is not None:  # compare in UTC: '10:30+01:00' was saved before '09:45Z'
            saved = saved.astimezone(dt.timezone.utc)
    except (ValueError, OverflowError):
        return None
    return saved.replace(tzinfo=None)


def find_sheet(sheet_names, name: str) -> str | None:
    """The actual sheet name matching `name`, ignoring case and outer spaces."""
    want = name.strip().casefold()
    for s in sheet_names:
        if s.strip().casefold() == want:
            return s
    return None


class StoredBook(_Sheets):
    """What was read from a workbook earlier (pipeline.read.cache) or in a child process
    (pipeline.read.isolate): its sheet names, the grids of some sheets, its saved time and its formula
    cells, with Book's interface. A sheet whose grid could not be read is stored as None and raises here,
    as it did from the workbook."""

    def __init__(self, path: Path, sheet_names: list[str], grids: dict, modified: dt.datetime | None,
                 formulas: dict | None = None, encrypted: bool = False):
        self.path = Path(path)
        self.sheet_names = list(sheet_names)
        self._grids = grids
        self._modified = modified
        self._formulas = formulas or {}
        self.encrypted = encrypted

    def grid(self, sheet: str) -> list[list]:
        if sheet not in self._grids:
            raise LookupError(f"the sheet {sheet!r} was not kept in the cache")  # a bug, not a bad file
        grid = self._grids[sheet]
        if grid is None:
            raise ValueError(f"the sheet {sheet!r} could not be read")
        return grid

    def modified(self) -> dt.datetime | None:
        return self._modified


def decrypt(path: Path, passwords) -> bytes | None:
    """The decrypted xlsx bytes, with the first of `passwords` that opens the file; None if none does."""
    import msoffcrypto

    for password in passwords:
        try:
            with open(path, "rb") as f:
                office = msoffcrypto.OfficeFile(f)
                office.load_key(password=password)
                out = io.BytesIO()
                office.decrypt(out)
            return out.getvalue()
        except Exception:  # a wrong password or a damaged file: try the next one
            continue
    return None


def open_workbook(path: Path, passwords=(), data: bytes | None = None) -> Book | Unreadable:
    """Open an xlsx by its bytes; an encrypted one is opened with the first of `passwords` that fits.
    `data`, when given, is the file's bytes already read (the file is then not read again)."""
    path = Path(path)
    try:
        kind = sniff(path) if data is None else sniff_bytes(data)
    except OSError as exc:
        return Unreadable("unreadable-file", f"The file cannot be opened ({exc.strerror or exc}). Close it in Excel or check its permissions, then run again.")
    encrypted = kind == "encrypted"
    if encrypted:
        data = decrypt(path, passwords) if passwords else None
        if data is None:
            known = " None of the providers' passwords in the secrets file opens it." if passwords else ""
            return Unreadable("password-protected", "The workbook is protected with a password, so it cannot be read."
                              f"{known} Save it again without a password (File > Info > Protect Workbook) and run again.")
        kind = "xlsx" if data.startswith(ZIP_MAGIC) else "other"
    if kind == "xls":
        return Unreadable("xls-file", "This is an old Excel 97-2003 (.xls) file. Open it in Excel, save it as an Excel Workbook (.xlsx), and run again.")
    if kind != "xlsx":
        return Unreadable("not-a-workbook", "This file is not an Excel workbook (.xlsx). Save it from Excel as an Excel Workbook (.xlsx).")
    try:
        # From the bytes, not from_path: calamine picks the format from the extension, and a return
        # may have any file name (an xlsx renamed .xls, no extension, .xlsx.download).
        data = data if data is not None else path.read_bytes()
    except OSError as exc:
        return Unreadable("unreadable-file", f"The file cannot be opened ({exc.strerror or exc}). Close it in Excel or check its permissions, then run again.")
    found = scan(data)
    if found.problem:
        return Unreadable("too-large", too_large_message(found.problem))
    if found.suspect:
        return _isolated(path, data, found.formulas, encrypted)
    try:
        return Book(path, python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)), data, encrypted,
                    found.formulas, found.core)
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        return _unreadable("password" if "password" in type(exc).__name__.lower() else "unreadable")
    except BaseException as exc:  # a panic in the Rust reader
        if isinstance(exc, (KeyboardInterrupt, SystemExit, GeneratorExit)):
            raise
        return _unreadable("unreadable")


def too_large_message(problem: str) -> str:
    """The message of a 'too-large' finding; `problem` completes 'This workbook ...'."""
    if "cell as far out" in problem:
        fix = ("Open it in Excel, delete everything after the real data (Ctrl+End shows the last cell in use), save "
               "it, and run again.")
    else:
        fix = ("Open it in Excel and save it again as an Excel Workbook (.xlsx), or ask whoever sent it for a new "
               "copy, then run again.")
    return f"This workbook {problem}, far more than any school workbook needs, so it is not read. {fix}"


def _unreadable(why: str) -> Unreadable:
    if why == "password":
        return Unreadable("password-protected", "The workbook is protected with a password, so it cannot be read. Save it again without a password and run again.")
    if why == "died":
        return Unreadable("too-large", too_large_message("made the reader stop (it asks for more memory or time than "
                                                         "any school workbook needs: its contents are damaged)"))
    return Unreadable("not-a-workbook", "This file cannot be read as an Excel workbook (it may be damaged or another kind of file). Open it in Excel, save it as an Excel Workbook (.xlsx), and run again.")


def _isolated(path: Path, data: bytes, formulas: dict, encrypted: bool) -> StoredBook | Unreadable:
    """A workbook whose XML the guard cannot vouch for, read in a child process."""
    from .isolate import read_isolated

    got = read_isolated(data)
    if isinstance(got, str):
        return _unreadable(got)
    names, grids = got
    return StoredBook(path, names, grids, saved_time(data), {s: f for s, f in formulas.items() if s in grids}, encrypted)
