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
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from operator import itemgetter
from xml.parsers import expat

from .guard import MAX_CELLS, MAX_MEMBER_BYTES, MAX_STRINGS, MAX_TOTAL_BYTES, Scan, _column, _count, parsed, raw_member

PIECE = 4_000_000         # bytes of a part looked at together (a register's sheet may unzip to 100 MB and more)
MAX_TAG = 16_000_000       # bytes with no `<` after the first this long: no verdict (no real tag is so long)

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
    nothing suspect and no formulas), else None."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # noqa: BLE001 - the exact scan says what calamine will make of it
        return None
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES or any(i.file_size > MAX_MEMBER_BYTES for i in infos):
        return None       # the exact scan names the part too large
    total = 0
    try:
        for info in infos:
            plain = _Plain() if parsed(info.filename) else None
            for piece in _pieces(data, info, min(MAX_MEMBER_BYTES, MAX_TOTAL_BYTES - total)):
                total += len(piece)
                if plain is not None:
                    plain.feed(piece)
            if plain is not None:
                plain.close()
    except _NoVerdict:
        return None
    return Scan()


def _pieces(data: bytes, info: zipfile.ZipInfo, limit: int):
    """A part's bytes in pieces of about PIECE, each cut just before a `<`. Raises _NoVerdict when it is damaged,
    compressed another way, unzips to more than `limit` or has a tag longer than MAX_TAG."""
    try:
        raw = raw_member(data, info)
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
