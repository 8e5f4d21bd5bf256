"""The reader guard's fast path: the exact scan's verdict (pipeline.read.guard) at C speed, for workbooks
written the way Excel, LibreOffice, xlsxwriter and openpyxl write them; None for anything else, which the
exact scan then decides. It never passes what the exact scan refuses: every way out is "no verdict".

Each part is unzipped in pieces of about PIECE bytes (counting what really comes out, never its declared size),
each cut just before a `<`, so that no tag is split between two pieces: in a well-formed part a `<` can start
only markup, never sit inside a tag (a tag longer than MAX_TAG gives no verdict). If calamine parses the part,
expat reads the pieces in turn with no handlers (well-formed to its end, at C speed), and on each piece's bytes:

- `<!` (a DOCTYPE, a comment, CDATA) or a NUL byte (UTF-16 or UTF-32): no verdict. The patterns below read
  the bytes as ASCII, which is right for every other encoding expat accepts (it takes only those in which
  each ASCII character is its own byte; tests/test_reader_guard_fast.py checks this of every Python codec).
  A character reference (`r="&#88;FD1"`) is not the plain form of a reference or a count: no verdict;
- a formula (`<f>`, any prefix): no verdict (the exact scan records where it is);
- a cell with a namespace prefix (`<x:c`): no verdict; every other cell's start tag must begin
  `<c r="XFD1048576"`, the reference first, in double quotes, upper case: the furthest row and the furthest
  column of those references, over the whole part, bound the sheet's grid from above (empty cells count too),
  and their product must stay under MAX_CELLS;
- every attribute whose name ends in `ount` (`count`, `uniqueCount`), of any element, must be under MAX_STRINGS.

A part of a 100,000-row register (110 MB of sheet) is read so in pieces, never held whole.

A part's verdict follows from its compressed bytes, its compression and whether calamine parses it, so the
verdicts of small parts are remembered for the process (_SEEN): the styles, theme, relationships and properties
of every return a school sends are the same bytes, and only what differs is unzipped again (a return's guard:
0.33 -> 0.21 ms). docProps/core.xml's bytes, unzipped here anyway, go with the verdict (Scan.core) when zipfile
would read the very same, so the saved time is read without opening the zip a second time (0.1 ms a return).
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from operator import itemgetter
from xml.parsers import expat

from .guard import (CORE_PART, MAX_CELLS, MAX_MEMBER_BYTES, MAX_STRINGS, MAX_TOTAL_BYTES, Scan, _column, _count, parsed,
                    raw_member)

PIECE = 4_000_000         # bytes of a part looked at together (a register's sheet may unzip to 100 MB and more)
MAX_TAG = 16_000_000       # bytes with no `<` after the first this long: no verdict (no real tag is so long)
SEEN_PART = 32_768         # compressed bytes of a part whose verdict is remembered (_SEEN)
SEEN_PARTS = 512           # verdicts remembered at most (then forgotten together): a few MB at the worst
_REFUSED = 0x1 | 0x20 | 0x40   # zipfile asks for a password, or refuses patched data and strong encryption

# (parsed by calamine, docProps/core.xml, compression, compressed bytes) -> (unzipped size, core.xml's bytes or
# None) of each small part vouched for in this process
_SEEN: dict[tuple, tuple[int, bytes | None]] = {}

_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[\s/>]')
_OTHER_CELL = re.compile(rb'<c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}"[\s/>])[\s/>]')
_FORMULA = re.compile(rb"<f[\s/>]")
_PREFIXED_FORMULA = re.compile(rb":f[\s/>]")
_COUNTS = re.compile(rb"""ount\s*=\s*(?:"([^"]*)"|'([^']*)')""")    # count, uniqueCount (and any *ount)


class _NoVerdict(Exception):
    """The exact scan is to decide."""


def fast_scan(data: bytes) -> Scan | None:
    """The guard's verdict on an xlsx's bytes when it can be given at C speed (a Scan with no problem,
    nothing suspect and no formulas, and docProps/core.xml's bytes when zipfile would read the same), else None."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # noqa: BLE001 - the exact scan says what calamine will make of it
        return None
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES or any(i.file_size > MAX_MEMBER_BYTES for i in infos):
        return None       # the exact scan names the part too large
    total, core = 0, None
    try:
        for info in infos:
            size, body = _part(data, info, min(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES - total))
            total += size
            if body is not None:
                core = (info, body)     # the last of that name, as zipfile's getinfo finds it
    except _NoVerdict:
        return None
    return Scan(core=core[1] if core is not None and _as_zipfile_reads(data, *core) else None)


def _part(data: bytes, info: zipfile.ZipInfo, limit: int) -> tuple[int, bytes | None]:
    """(unzipped size, the bytes when it is docProps/core.xml) of one part the fast path vouches for; raises
    _NoVerdict. A part's verdict follows from its compressed bytes, its compression and whether calamine
    parses it: a part met before (the styles, the theme, the relationships of every return the school sent)
    is not unzipped again (_SEEN)."""
    core, parse = info.filename == CORE_PART, parsed(info.filename)
    try:
        raw = raw_member(data, info)
    except (zipfile.BadZipFile, ValueError):
        raise _NoVerdict from None
    key = (parse, core, info.compress_type, bytes(raw)) if len(raw) <= SEEN_PART else None
    seen = _SEEN.get(key) if key is not None else None
    if seen is not None:
        if seen[0] > limit:
            raise _NoVerdict
        return seen
    plain = _Plain() if parse else None
    size, kept = 0, [] if core else None
    for piece in _pieces(raw, info, limit):
        size += len(piece)
        if plain is not None:
            plain.feed(piece)
        if kept is not None:
            kept.append(piece)
    if plain is not None:
        plain.close()
    found = (size, b"".join(kept) if kept is not None else None)
    if key is not None:
        if len(_SEEN) >= SEEN_PARTS:
            _SEEN.clear()
        _SEEN[key] = found
    return found


def _as_zipfile_reads(data: bytes, info: zipfile.ZipInfo, body: bytes) -> bool:
    """Whether zipfile's read of `info` gives `body` (the part as unzipped here to the end of its stream):
    zipfile gives the stream cut to the declared size and refuses a part whose checksum, flags or local
    header's name are not what its central directory says."""
    if len(body) != info.file_size or zlib.crc32(body) != info.CRC or info.flag_bits & _REFUSED:
        return False
    head = data[info.header_offset:info.header_offset + 30]
    start = info.header_offset + 30
    name = data[start:start + int.from_bytes(head[26:28], "little")]
    try:
        return name.decode("utf-8" if int.from_bytes(head[6:8], "little") & 0x800 else "cp437") == info.orig_filename
    except UnicodeDecodeError:
        return False


def _pieces(raw, info: zipfile.ZipInfo, limit: int):
    """A part's bytes (`raw`, as compressed) in pieces of about PIECE, each cut just before a `<`. Raises
    _NoVerdict when it is damaged, compressed another way, unzips to more than `limit` or has a tag longer than
    MAX_TAG."""
    try:
        if info.compress_type == zipfile.ZIP_STORED:
            blocks = (bytes(raw[i:i + PIECE]) for i in range(0, len(raw), PIECE))
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            blocks = _inflated(raw)
        else:
            raise _NoVerdict
        size, carry = 0, b""
        for block in blocks:
            size += len(block)
            if size > limit:
                raise _NoVerdict
            text = carry + block if carry else block
            cut = text.rfind(b"<")
            if cut <= 0:
                if len(text) > MAX_TAG:
                    raise _NoVerdict
                carry = text
                continue
            yield text[:cut]
            carry = text[cut:]
        if carry:
            yield carry
    except (zipfile.BadZipFile, zlib.error, ValueError):
        raise _NoVerdict from None


def _inflated(raw):
    """The deflated bytes `raw` unzipped, PIECE at most at a time; ValueError if they end before the stream does."""
    inflate, rest = zlib.decompressobj(-15), raw
    while not inflate.eof:
        block = inflate.decompress(rest, PIECE)
        rest = inflate.unconsumed_tail
        if not block and not rest:
            raise ValueError("the part ends early")
        yield block


class _Plain:
    """Whether the exact scan would find nothing in a part read piece by piece (feed, then close): no problem,
    nothing suspect, no formula. Each raises _NoVerdict at the first thing it cannot vouch for."""

    def __init__(self):
        self.parser = expat.ParserCreate()
        self.fed = False
        self.rows = self.columns = 0

    def feed(self, piece: bytes) -> None:
        if not piece:
            return
        self.fed = True
        if b"<!" in piece or b"\x00" in piece:
            raise _NoVerdict
        try:
            self.parser.Parse(piece, False)
        except Exception:  # noqa: BLE001 - ExpatError, or an encoding expat does not know
            raise _NoVerdict from None
        if _FORMULA.search(piece) is not None or (b":f" in piece and _PREFIXED_FORMULA.search(piece) is not None):
            raise _NoVerdict
        if not _counts_small(piece):
            raise _NoVerdict
        self._grid(piece)

    def close(self) -> None:
        if not self.fed:
            return        # an empty part: nothing for calamine to read
        try:
            self.parser.Parse(b"", True)
        except Exception:  # noqa: BLE001 - not well-formed at its end
            raise _NoVerdict from None

    def _grid(self, piece: bytes) -> None:
        """The furthest row and column of the cells so far, their product under MAX_CELLS."""
        if b":c" in piece and _PREFIXED_CELL.search(piece) is not None:
            raise _NoVerdict
        if b"<c" not in piece:
            return
        if _OTHER_CELL.search(piece) is not None:
            raise _NoVerdict
        refs = _PLAIN_CELL.findall(piece)
        if not refs:
            return
        self.rows = max(self.rows, max(map(int, set(map(itemgetter(1), refs)))))
        self.columns = max(self.columns, max(map(_column, (c.decode("ascii") for c in set(map(itemgetter(0), refs))))))
        if self.rows * self.columns > MAX_CELLS:
            raise _NoVerdict


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
