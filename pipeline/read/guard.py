"""Decide, before calamine sees a workbook, whether reading it is safe, from its real structure.

python-calamine allocates the whole grid of a sheet up to its furthest cell, and the shared strings by
their declared `uniqueCount`, before anything is read; a failed allocation aborts the whole process (no
`except` can catch it). So every part of the zip is unzipped here in chunks, counting the bytes that
really come out (a zip's declared sizes can lie), and every XML part is streamed through expat:

- cells are placed as calamine places them: by their `r` attribute (any quoting, any spacing, any
  namespace prefix), or, without one, one column after the previous cell of the row, in the row of the
  `<row r>` (or the row after the previous one); a cell counts once it has any content (`<v>`, `<is>`,
  `<f>`), and the furthest row x column of each sheet must stay under MAX_CELLS;
- a declared string count (`count`, `uniqueCount` of any `<sst>`) must stay under MAX_STRINGS;
- each part must unzip to at most MAX_MEMBER_BYTES and the whole workbook to MAX_TOTAL_BYTES;
- any DOCTYPE is refused (Excel never writes one; entity expansion turns kilobytes into gigabytes).

Tried against python-calamine 0.9.1: `<dimension ref>`, `<mergeCell ref>`, `<col max>`, style counts and
`<row spans>` allocate nothing up front, so they are not limited here. calamine's XML reader is more
lenient than expat (control characters, mismatched end tags, junk after the root are read on): a part
expat cannot parse to its end cannot be vouched for, and `Scan.suspect` says so; the caller then reads
that workbook in a child process (pipeline.read.isolate), where an abort is a finding on the file.

While streaming, the cells holding a formula (`<f>`) are recorded per sheet, 0-based (row, column) as in
the grid, so that a formula where a name, a date or a code belongs can be a finding (contract §12).

Parts calamine never opens (the theme, docProps, [Content_Types].xml, pictures; tried against python-calamine
0.9.1: junk or a DOCTYPE there changes nothing it reads) are unzipped and counted, not parsed.

Streaming every element through Python handlers costs about 1 ms a return, five times calamine's own read, so
`scan` first tries pipeline.read.guard_fast, which gives the same verdict at C speed for the workbooks Excel,
LibreOffice and the usual libraries write, and says when it cannot; only then is a workbook streamed here.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.parsers import expat

MAX_CELLS = 10_000_000           # furthest row x column of one sheet: about 450 MB to read
MAX_STRINGS = 5_000_000          # a declared shared-string count (calamine reserves it up front)
MAX_MEMBER_BYTES = 300_000_000   # one part of the zip, unzipped
MAX_TOTAL_BYTES = 600_000_000    # all parts together, unzipped
CHUNK = 1 << 16

# Parts calamine never parses as XML (Excel's VML is not well-formed XML): only their bytes are counted.
_NOT_PARSED = (".vml", ".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf", ".tif", ".tiff", ".bmp")
_NEVER_OPENED = ("xl/theme/", "docProps/")
_CONTENT_TYPES = "[Content_Types].xml"
CORE_PART = "docProps/core.xml"    # the saved time (pipeline.read.workbook.saved_time)


def parsed(name: str) -> bool:
    """Whether calamine parses the zip part `name` as XML (else the guard only counts its bytes)."""
    return not (name.lower().endswith(_NOT_PARSED) or name.startswith(_NEVER_OPENED) or name == _CONTENT_TYPES)


@dataclass
class Scan:
    problem: str | None = None       # why the workbook is too large to read ("has a cell as far out as ...")
    suspect: str | None = None       # why the guard cannot vouch for it (a part that is not well-formed XML)
    formulas: dict = field(default_factory=dict)   # sheet name -> frozenset of (row, col), 0-based
    # docProps/core.xml's bytes as zipfile reads them, when the fast path unzipped them and can tell (else None:
    # workbook.saved_time opens the zip again); not part of the verdict
    core: bytes | None = field(default=None, compare=False, repr=False)


class _TooLarge(Exception):
    pass


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _attr(attrs: dict, local: str):
    if local in attrs:              # the usual case: no prefix on the attribute
        return attrs[local]
    for k, v in attrs.items():
        if k == local or _local(k) == local:
            return v
    return None


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _letters(column: int) -> str:
    """Excel's letters for a 1-based column number: 1 -> A, 16384 -> XFD."""
    out = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        out = chr(65 + rest) + out
    return out


_REF = re.compile(r"([A-Za-z]+)([0-9]+)")
_COLUMNS: dict = {}                 # letters -> column number, filled as met (a few dozen in any workbook)


def _split_ref(ref: str):
    """(row, col), 1-based, of a cell reference like 'XFD1048576' or 'd3'; None if it is not one."""
    m = _REF.fullmatch(ref)
    if m is None:
        return None
    letters = m.group(1)
    col = _COLUMNS.get(letters)
    if col is None:
        col = _column(letters)
        if len(_COLUMNS) < 100_000:
            _COLUMNS[letters] = col
    return int(m.group(2)), col


def _count(value) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() and value.isascii() else 0


class _Part:
    """The expat handlers for one part: cell positions, formulas, string counts, sheets and relationships."""

    def __init__(self):
        self.sheet_data = 0
        self.row = 0                 # 1-based row of the current <row>
        self.col = 0                 # 1-based column of the previous cell in the row
        self.cell = None             # (row, col) of the open <c>, 1-based
        self.cell_depth = 0
        self.content = False
        self.max_row = self.max_col = 0
        self.formulas: set = set()
        self.strings = 0
        self.sheets: list = []       # (name, relationship id) of <sheet> elements
        self.rels: dict = {}         # relationship id -> (type, target)

    def start(self, name, attrs):
        local = _local(name)
        if self.cell is not None:
            self.cell_depth += 1
            if not self.content:
                self.content = True
                r, c = self.cell
                self.max_row, self.max_col = max(self.max_row, r), max(self.max_col, c)
                if self.max_row * self.max_col > MAX_CELLS:
                    far = f"{_letters(self.max_col)}{self.max_row}"
                    raise _TooLarge(f"has a cell as far out as {far} (row {self.max_row:,}, column "
                                    f"{_letters(self.max_col)}): reading it would mean holding "
                                    f"{self.max_row * self.max_col:,} cells")
            if local == "f":
                self.formulas.add((self.cell[0] - 1, self.cell[1] - 1))
            return
        if local == "sheetData":
            self.sheet_data += 1
        elif self.sheet_data and local == "row":
            r = _attr(attrs, "r")
            self.row = _count(r) if r is not None and _count(r) else self.row + 1
            self.col = 0
        elif self.sheet_data and local == "c":
            ref = _attr(attrs, "r")
            where = _split_ref(ref.strip()) if ref is not None else (self.row, self.col + 1)
            if where is None:
                where = (self.row, self.col + 1)
            self.col = where[1]
            self.cell, self.cell_depth, self.content = where, 0, False
        elif local == "sst":
            self.strings = max(self.strings, _count(_attr(attrs, "count")), _count(_attr(attrs, "uniqueCount")))
            if self.strings > MAX_STRINGS:
                raise _TooLarge(f"declares {self.strings:,} text values")
        elif local == "sheet":
            sheet, rid = _attr(attrs, "name"), _attr(attrs, "id")
            if sheet is not None:
                self.sheets.append((sheet, rid))
        elif local == "Relationship":
            self.rels[_attr(attrs, "Id")] = (_attr(attrs, "Type") or "", _attr(attrs, "Target") or "")

    def end(self, name):
        if self.cell is not None:
            if self.cell_depth == 0:
                self.cell = None
            else:
                self.cell_depth -= 1
            return
        if _local(name) == "sheetData" and self.sheet_data:
            self.sheet_data -= 1


def _doctype(*_):
    raise _TooLarge("contains a DOCTYPE, which can expand a few kilobytes into gigabytes (Excel never writes one)")


def raw_member(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """The compressed bytes of one part, found from its local header. Raises zipfile.BadZipFile."""
    head = data[info.header_offset:info.header_offset + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("no local header")
    start = info.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
    return memoryview(data)[start:start + info.compress_size]


def _chunks(data: bytes, info: zipfile.ZipInfo):
    """The unzipped bytes of one part, in chunks, however large they really are (its declared size is
    not trusted). Raises zipfile.BadZipFile or zlib.error on damage."""
    raw = raw_member(data, info)
    if info.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(raw), CHUNK):
            yield bytes(raw[i:i + CHUNK])
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(info) as f:   # bounded by the declared size
            while block := f.read(CHUNK):
                yield block
        return
    inflate = zlib.decompressobj(-15)
    for i in range(0, len(raw), CHUNK):
        block = inflate.decompress(raw[i:i + CHUNK], CHUNK)
        yield block
        while inflate.unconsumed_tail:
            yield inflate.decompress(inflate.unconsumed_tail, CHUNK)
        if inflate.eof:
            return
    yield inflate.flush()


def scan(data: bytes) -> Scan:
    """What the guard decides about an xlsx's bytes. Never raises: a damaged zip is left to calamine,
    which says it cannot be read (what was unzipped before the damage has been checked)."""
    from .guard_fast import fast_scan

    found = fast_scan(data)
    return found if found is not None else exact_scan(data)


def exact_scan(data: bytes) -> Scan:
    """scan, streaming every part calamine parses through expat: for any workbook at all."""
    out = Scan()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except Exception:  # noqa: BLE001 - not a zip calamine can open either
        return out
    parts: dict = {}
    total = sum(info.file_size for info in infos)
    try:
        if total > MAX_TOTAL_BYTES:
            raise _TooLarge(f"unzips to {total / 1e6:,.0f} MB")
        total = 0
        for info in infos:
            if info.file_size > MAX_MEMBER_BYTES:
                raise _TooLarge(f"has a part that unzips to {info.file_size / 1e6:,.0f} MB")
            total = _scan_part(data, info, parts, out, total)
    except _TooLarge as exc:
        out.problem = str(exc)
        return out
    out.formulas = _formulas_by_sheet(parts)
    return out


def _scan_part(data: bytes, info: zipfile.ZipInfo, parts: dict, out: Scan, total: int) -> int:
    name = info.filename
    parse = parsed(name)
    part = _Part()
    parser = None
    if parse:
        parser = expat.ParserCreate()
        parser.StartElementHandler, parser.EndElementHandler = part.start, part.end
        parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = _doctype
    size, broken = 0, None
    try:
        for block in _chunks(data, info):
            size += len(block)
            total += len(block)
            if size > MAX_MEMBER_BYTES:
                raise _TooLarge(f"has a part ({name}) that unzips to more than {MAX_MEMBER_BYTES / 1e6:,.0f} MB")
            if total > MAX_TOTAL_BYTES:
                raise _TooLarge(f"unzips to more than {MAX_TOTAL_BYTES / 1e6:,.0f} MB")
            if parser is not None and broken is None and block:
                broken = _parse(parser, block, False)
        if parser is not None and broken is None:
            broken = _parse(parser, b"", True)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        broken = None       # damaged: calamine cannot read this part either
    if broken is not None and size and out.suspect is None:
        out.suspect = f"{name}: {broken}"
    parts.setdefault(name, part)
    return total


def _parse(parser, block: bytes, final: bool) -> str | None:
    """Feed expat one block; why the part cannot be vouched for, or None. _TooLarge passes through."""
    try:
        parser.Parse(block, final)
    except _TooLarge:
        raise
    except Exception as exc:  # noqa: BLE001 - ExpatError, or LookupError for an encoding expat does not know
        return f"{type(exc).__name__}: {exc}"
    return None


def _formulas_by_sheet(parts: dict) -> dict:
    """Sheet name -> its formula cells, following the workbook's relationships to each sheet's part."""
    root = parts.get("_rels/.rels")
    book = "xl/workbook.xml"
    if root is not None:
        for kind, target in root.rels.values():
            if kind.endswith("/officeDocument"):
                book = target.lstrip("/")
    folder = posixpath.dirname(book)
    rels = parts.get(posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels"))
    workbook = parts.get(book)
    if rels is None or workbook is None:
        return {}
    out = {}
    for sheet, rid in workbook.sheets:
        _, target = rels.rels.get(rid, ("", ""))
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        part = parts.get(path)
        if part is not None and part.formulas:
            out[sheet] = frozenset(part.formulas)
    return out
