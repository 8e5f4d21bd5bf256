"""The reader guard's fast path: the exact scan's verdict (pipeline.read.guard) at C speed, for workbooks
written the way Excel, LibreOffice, xlsxwriter and openpyxl write them; None for anything else, which the
exact scan then decides. It never passes what the exact scan refuses: every way out is "no verdict".

Each part is unzipped whole (at most FAST_PART_BYTES, counting what really comes out) and, if calamine
parses it, read by expat with no handlers (well-formed to its end, at C speed). Then on its bytes:

- `<!` (a DOCTYPE, a comment, CDATA) or a NUL byte (UTF-16 or UTF-32): no verdict. The patterns below read
  the bytes as ASCII, which is right for every other encoding expat accepts (it takes only those in which
  each ASCII character is its own byte; tests/test_reader_guard_fast.py checks this of every Python codec).
  A character reference (`r="&#88;FD1"`) is not the plain form of a reference or a count: no verdict;
- a formula (`<f>`, any prefix): no verdict (the exact scan records where it is);
- a cell with a namespace prefix (`<x:c`): no verdict; every other cell's start tag must begin
  `<c r="XFD1048576"`, the reference first, in double quotes, upper case: the furthest row and the furthest
  column of those references bound the sheet's grid from above (empty cells count too), and their product
  must stay under MAX_CELLS;
- every attribute whose name ends in `ount` (`count`, `uniqueCount`), of any element, must be under MAX_STRINGS.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from operator import itemgetter
from xml.parsers import expat

from .guard import MAX_CELLS, MAX_STRINGS, MAX_TOTAL_BYTES, Scan, _column, _count, parsed, raw_member

FAST_PART_BYTES = 16_000_000      # a larger part is streamed by the exact scan

_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[\s/>]')
_OTHER_CELL = re.compile(rb'<c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}"[\s/>])[\s/>]')
_FORMULA = re.compile(rb"<f[\s/>]")
_PREFIXED_FORMULA = re.compile(rb":f[\s/>]")
_COUNTS = re.compile(rb"""ount\s*=\s*(?:"([^"]*)"|'([^']*)')""")    # count, uniqueCount (and any *ount)


def fast_scan(data: bytes) -> Scan | None:
    """The guard's verdict on an xlsx's bytes when it can be given at C speed (a Scan with no problem,
    nothing suspect and no formulas), else None."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # noqa: BLE001 - the exact scan says what calamine will make of it
        return None
    total = 0
    for info in infos:
        if info.file_size > FAST_PART_BYTES:
            return None
        body = _unzipped(data, info)
        if body is None:
            return None
        total += len(body)
        if total > MAX_TOTAL_BYTES:
            return None
        if body and parsed(info.filename) and not _plain(body):
            return None
    return Scan()


def _unzipped(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A part's bytes, or None if it is damaged, compressed another way, or unzips to more than FAST_PART_BYTES
    (its declared size is not trusted)."""
    try:
        raw = raw_member(data, info)
        if info.compress_type == zipfile.ZIP_STORED:
            return bytes(raw) if len(raw) <= FAST_PART_BYTES else None
        if info.compress_type != zipfile.ZIP_DEFLATED:
            return None
        inflate = zlib.decompressobj(-15)
        body = inflate.decompress(raw, FAST_PART_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, ValueError):
        return None
    return body if inflate.eof and len(body) <= FAST_PART_BYTES else None


def _plain(body: bytes) -> bool:
    """Whether the exact scan would find nothing in this part: no problem, nothing suspect, no formula."""
    if b"<!" in body or b"\x00" in body:
        return False
    try:
        expat.ParserCreate().Parse(body, True)
    except Exception:  # noqa: BLE001 - ExpatError, or an encoding expat does not know
        return False
    if _FORMULA.search(body) is not None or (b":f" in body and _PREFIXED_FORMULA.search(body) is not None):
        return False
    return _counts_small(body) and _grid_small(body)


def _counts_small(body: bytes) -> bool:
    for double, single in _COUNTS.findall(body):
        value = double or single
        if b"&" in value:
            return False
        try:
            if _count(value.decode("utf-8")) > MAX_STRINGS:
                return False
        except UnicodeDecodeError:
            return False
    return True


def _grid_small(body: bytes) -> bool:
    if b":c" in body and _PREFIXED_CELL.search(body) is not None:
        return False
    if b"<c" not in body:
        return True
    if _OTHER_CELL.search(body) is not None:
        return False
    refs = _PLAIN_CELL.findall(body)
    if not refs:
        return True
    rows = max(map(int, set(map(itemgetter(1), refs))))
    columns = max(map(_column, (c.decode("ascii") for c in set(map(itemgetter(0), refs)))))
    return rows * columns <= MAX_CELLS
