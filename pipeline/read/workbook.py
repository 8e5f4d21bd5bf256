"""Open a workbook file safely: sniff what it really is, then read sheets as grids.

Nothing here raises on a bad file: `open_workbook` returns either a Book or the
plain-English reason it cannot be read.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import python_calamine

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


class Book:
    """A readable xlsx workbook."""

    def __init__(self, path: Path, calamine_book, data: bytes = b"", encrypted: bool = False):
        self.path = Path(path)
        self._book = calamine_book
        self._data = data            # the (decrypted) xlsx bytes
        self.encrypted = encrypted   # opened with a password: its contents are never cached
        self.sheet_names: list[str] = list(calamine_book.sheet_names)

    def find_sheet(self, name: str) -> str | None:
        """The actual sheet name matching `name`, ignoring case and outer spaces."""
        return find_sheet(self.sheet_names, name)

    def grid(self, sheet: str) -> list[list]:
        """The sheet's cells from A1: grid[i][j] is Excel row i+1, column j+1. Empty cells are ''."""
        return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

    def modified(self) -> dt.datetime | None:
        """When the workbook says it was last saved (docProps/core.xml), if it says."""
        try:
            with zipfile.ZipFile(io.BytesIO(self._data) if self._data else self.path) as z:
                xml = z.read("docProps/core.xml").decode("utf-8", "replace")
        except Exception:  # missing, or damaged (BadZipFile, zlib.error, ...): the time is simply unknown
            return None
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


class StoredBook:
    """What was read from a workbook earlier (pipeline.read.cache): its sheet names, the grids of some
    sheets and its saved time, with Book's interface. A sheet whose grid could not be read is stored as
    None and raises here, as it did from the workbook."""

    def __init__(self, path: Path, sheet_names: list[str], grids: dict, modified: dt.datetime | None):
        self.path = Path(path)
        self.sheet_names = list(sheet_names)
        self._grids = grids
        self._modified = modified
        self.encrypted = False

    def find_sheet(self, name: str) -> str | None:
        return find_sheet(self.sheet_names, name)

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


MAX_CELLS = 20_000_000          # calamine allocates rows x columns of the furthest cell before anything is read
MAX_STRINGS = 5_000_000         # ... and the shared strings by their declared count; a failed allocation aborts
MAX_XML_BYTES = 400_000_000     # a sheet this large when unzipped is not a school workbook
_CELL_REF = re.compile(rb'<(?:c|dimension)\b[^>]*?\s(?:r|ref)="(?:[A-Z]{1,3}\d+:)?([A-Z]{1,3})(\d+)"')
_STRING_COUNT = re.compile(rb'(?:uniqueCount|count)="(\d+)"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def too_large(data: bytes) -> str | None:
    """Why the workbook would need gigabytes to read (a cell far out, a huge declared count), or None.

    Checked before calamine sees the file: calamine allocates the whole grid up to the furthest cell, and the
    shared strings by their declared count, and a failed allocation aborts the whole process."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                name = info.filename.lower()
                if name.startswith("xl/sharedstrings") and name.endswith(".xml"):
                    with z.open(info) as f:
                        head = f.read(2048)
                    if any(int(n) > MAX_STRINGS for n in _STRING_COUNT.findall(head.split(b"<si", 1)[0])):
                        return "declares millions of text values"
                elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    if info.file_size > MAX_XML_BYTES:
                        return "has a sheet of hundreds of megabytes"
                    rows = cols = 0
                    for col, row in _CELL_REF.findall(z.read(info)):
                        rows, cols = max(rows, int(row)), max(cols, _column_number(col))
                    if rows * cols > MAX_CELLS:
                        return f"has a cell as far out as row {rows:,}, column {cols:,}"
    except Exception:  # a damaged zip: calamine will say it cannot be read
        return None
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
        problem = too_large(data)
        if problem:
            return Unreadable("too-large", f"This workbook {problem}, far more than any school workbook needs, so it is "
                              "not read. Open it in Excel, delete everything after the real data (Ctrl+End shows the "
                              "last cell in use), save it, and run again.")
        return Book(path, python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)), data, encrypted)
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        if "password" in type(exc).__name__.lower():
            return Unreadable("password-protected", "The workbook is protected with a password, so it cannot be read. Save it again without a password and run again.")
        return Unreadable("not-a-workbook", "This file cannot be read as an Excel workbook (it may be damaged or another kind of file). Open it in Excel, save it as an Excel Workbook (.xlsx), and run again.")
