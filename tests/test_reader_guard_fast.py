"""The reader guard's fast path (pipeline.read.guard_fast) gives the exact scan's verdict or none at all.

Whatever the fast path vouches for, the exact scan (which streams every element through expat) must vouch
for too, with no formula cells; everything unusual is handed to the exact scan. Checked on workbooks as
our own writer, openpyxl and the synthetic generator write them, on each way out of the fast path, and on
a few thousand seeded mutations of a real return.
"""
from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest

from pipeline.read import guard_fast
from pipeline.read.guard import Scan, exact_scan, scan
from pipeline.read.workbook import Book, open_workbook
from tests.corpus_factories import rewrite_member, write_book_openpyxl
from tests.factories import full_week, write_return
from tests.test_fuzz import XML_JUNK, damage_xml, zip_build, zip_parts

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
FAR = 'r="XFD1048576"'


@pytest.fixture(autouse=True, params=["in 4 MB pieces", "in 64-byte pieces"])
def piece(request, monkeypatch):
    """Every test twice: with parts read whole (a return's parts are smaller than a piece) and in pieces of
    64 bytes, so that every pattern meets a piece's edge somewhere (a register's sheet is read in 4 MB pieces)."""
    if request.param == "in 64-byte pieces":
        monkeypatch.setattr(guard_fast, "PIECE", 64)
    monkeypatch.setattr(guard_fast, "_SEEN", {})     # no verdict remembered from another test's limits


def _return(tmp_path: Path, name: str = "r.xlsx") -> Path:
    return write_return(tmp_path / name, "PRV1", "16/11/2026", [("P001", full_week("B")), ("P002", full_week("/"))])


def _changed(tmp_path: Path, member: str, change) -> bytes:
    return rewrite_member(_return(tmp_path, "changed.xlsx"), member, change).read_bytes()


def _encoded(encoding: str, change=lambda x: x):
    """A change writing the part in another encoding, its declaration saying so."""
    def rewrite(body: bytes) -> bytes:
        xml = change(body.decode("utf-8")).replace('encoding="UTF-8"', f'encoding="{encoding}"')
        return xml.encode(encoding)
    return rewrite


def _far_cell(xml: str) -> str:
    return xml.replace("</sheetData>", f'<row r="1048576"><c {FAR} t="s"><v>0</v></c></row></sheetData>')


def test_a_return_as_our_writer_and_openpyxl_write_it_is_vouched_for_by_the_fast_path(tmp_path):
    ours = _return(tmp_path).read_bytes()
    theirs = write_book_openpyxl(tmp_path / "o.xlsx", {"Attendance": [["Provider ID", "PRV1"], ["x", 1.5]]}).read_bytes()
    for data in (ours, theirs):
        assert guard_fast.fast_scan(data) == Scan()
        assert exact_scan(data) == Scan()


def test_a_far_cell_written_plainly_is_refused_by_both_paths_with_the_same_message(tmp_path):
    data = _changed(tmp_path, SHEET, _far_cell)
    assert guard_fast.fast_scan(data) is None
    assert scan(data) == exact_scan(data)
    assert "XFD1048576" in scan(data).problem


# Each way out of the fast path: (id, member, change of its text). Each makes the part one the fast path's
# byte patterns cannot read as the exact scan does; the exact scan then decides (here: all too large, or a formula).
WAYS_OUT = [
    ("doctype", SHEET, lambda x: x.replace("?>", '?><!DOCTYPE worksheet [<!ENTITY a "a">]>', 1)),
    ("comment-hiding-nothing", SHEET, lambda x: _far_cell(x).replace("<sheetData>", "<sheetData><!-- -->")),
    ("character-reference-in-a-reference", SHEET, lambda x: _far_cell(x).replace(FAR, 'r="&#88;FD1048576"')),
    ("latin-1-declared", SHEET, lambda x: _far_cell(x).replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')),
    ("namespace-prefixed-cell", SHEET, lambda x: x.replace(
        "</sheetData>", '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="1048576">'
        '<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row></sheetData>')),
    ("lower-case-reference", SHEET, lambda x: _far_cell(x).replace(FAR, 'r="xfd1048576"')),
    ("single-quoted-reference", SHEET, lambda x: _far_cell(x).replace(FAR, "r='XFD1048576'")),
    ("reference-not-first", SHEET, lambda x: _far_cell(x).replace(f'<c {FAR} t="s">', f'<c t="s" {FAR}>')),
    ("spaces-in-the-reference", SHEET, lambda x: _far_cell(x).replace(FAR, 'r=" XFD1048576 "')),
    ("cells-without-references", SHEET, lambda x: x.replace(
        "</sheetData>", '<row r="1048576">' + '<c t="s"><v>0</v></c>' * 12 + "</row></sheetData>")),
    ("string-count-with-a-no-break-space", STRINGS, lambda x: x.replace('count="', 'count="\u00a09000000', 1)),
    ("string-count-as-digits", STRINGS, lambda x: x.replace('uniqueCount="', 'uniqueCount="900000000', 1)),
]


# The same, changing the part's bytes: another encoding, in which the far cell's bytes are not the plain form.
WAYS_OUT_IN_BYTES = [
    ("utf-16", SHEET, _encoded("UTF-16", _far_cell)),
    ("utf-32", SHEET, _encoded("UTF-32", _far_cell)),
]


def _bytes_changed(tmp_path: Path, member: str, change) -> bytes:
    parts = zip_parts(_return(tmp_path).read_bytes())
    return zip_build([(info, change(body) if info.filename == member else body) for info, body in parts])


@pytest.mark.parametrize("member,change,in_bytes", [(*w[1:], False) for w in WAYS_OUT] + [(*w[1:], True) for w in WAYS_OUT_IN_BYTES],
                         ids=[w[0] for w in WAYS_OUT + WAYS_OUT_IN_BYTES])
def test_each_way_out_of_the_fast_path_leaves_the_verdict_to_the_exact_scan(tmp_path, member, change, in_bytes):
    data = _bytes_changed(tmp_path, member, change) if in_bytes else _changed(tmp_path, member, change)
    assert guard_fast.fast_scan(data) is None
    found = scan(data)
    assert found == exact_scan(data)
    assert found.problem is not None or found.suspect is not None


def test_every_encoding_expat_accepts_reads_each_ascii_byte_as_itself():
    """What lets the fast path read a part's bytes as ASCII: apart from UTF-16 and UTF-32 (NUL bytes, refused
    by the fast path), no codec expat takes in a declaration decodes a byte to an ASCII character other
    than itself, or an ASCII byte to anything else."""
    import codecs
    import encodings
    import pkgutil
    import warnings
    from xml.parsers import expat

    accepted = []
    for name in sorted({m.name for m in pkgutil.iter_modules(encodings.__path__)}):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)    # an old codec module's own source
                codecs.lookup(name)
                expat.ParserCreate().Parse(f'<?xml version="1.0" encoding="{name}"?><a/>'.encode("ascii"), True)
        except Exception:  # noqa: BLE001 - not a codec, or one expat refuses
            continue
        accepted.append(name)
        for b in range(256):
            try:
                ch = bytes([b]).decode(name)
            except (UnicodeDecodeError, ValueError):
                continue
            assert not (len(ch) == 1 and ord(ch) < 128 and ord(ch) != b), (name, b, ch)
    assert "latin_1" in accepted and "cp1252" in accepted        # the check looked at real codecs


def test_a_formula_is_left_to_the_exact_scan_which_records_its_cell(tmp_path):
    data = _changed(tmp_path, SHEET, lambda x: x.replace('<c r="A2" t="s">', '<c r="A2" t="str"><f>"PRV"&amp;1</f>', 1))
    assert guard_fast.fast_scan(data) is None
    assert scan(data).formulas == {"Attendance": frozenset({(1, 0)})}


def test_a_longer_tag_than_the_fast_path_takes_is_left_to_the_exact_scan(tmp_path, monkeypatch):
    data = _changed(tmp_path, SHEET, lambda x: x.replace("<sheetData>", f'<sheetData x="{"a" * 300}">', 1))
    monkeypatch.setattr(guard_fast, "PIECE", 16)
    assert guard_fast.fast_scan(data) == Scan() == exact_scan(data)      # a long tag, read across many pieces
    monkeypatch.setattr(guard_fast, "MAX_TAG", 100)
    monkeypatch.setattr(guard_fast, "_SEEN", {})                         # verdicts are kept under the limits they met
    assert guard_fast.fast_scan(data) is None                           # longer than the fast path takes
    assert scan(data) == Scan()


def test_parts_that_unzip_to_more_than_the_workbook_may_are_left_to_the_exact_scan(tmp_path, monkeypatch):
    from pipeline.read import guard

    data = _return(tmp_path).read_bytes()
    for module in (guard, guard_fast):
        monkeypatch.setattr(module, "MAX_TOTAL_BYTES", 10_000)
    assert guard_fast.fast_scan(data) is None
    assert "unzips to" in scan(data).problem


def test_a_damaged_or_stored_part(tmp_path):
    data = _return(tmp_path).read_bytes()
    parts = zip_parts(data)
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as z:
        for info, body in parts:
            z.writestr(info.filename, body)
    assert guard_fast.fast_scan(stored.getvalue()) == Scan()            # not compressed: read as it is
    cut = data[:len(data) // 2]
    assert guard_fast.fast_scan(cut) is None
    assert scan(cut) == exact_scan(cut)


@pytest.mark.parametrize("member", ["xl/theme/theme1.xml", "docProps/app.xml", "[Content_Types].xml"])
@pytest.mark.parametrize("content", [b"\x00\x01<<<junk>>>&&", b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "b">]><a>&b;</a>'])
def test_parts_calamine_never_opens_are_counted_not_parsed_and_the_return_reads_the_same(tmp_path, member, content):
    clean = _return(tmp_path)
    data = zip_build([(info, content if info.filename == member else body) for info, body in zip_parts(clean.read_bytes())])
    assert guard_fast.fast_scan(data) == Scan() and exact_scan(data) == Scan()
    path = tmp_path / "odd.xlsx"
    path.write_bytes(data)
    odd, plain = open_workbook(path), open_workbook(clean)
    assert isinstance(odd, Book)                     # read by calamine in this process, not in a child
    assert odd.grid("Attendance") == plain.grid("Attendance")


FAR_JUNK = [b'<c r="XFD1048576"><v>1</v></c>', b'<c r="XFD1048576"/>', b'<c r="A1048576" t="s"><v>0</v></c>',
            b'<c r="XFD1"><v>1</v></c>', b"<c><v>1</v></c>", b'<c r="A1"><f>1</f></c>', b'<x:c r="B2"><v>1</v></x:c>',
            b'<row r="1048576">', b"</row>", b' count="900000000"', b'<sst uniqueCount="9000000">']


def test_seeded_mutations_of_a_return_never_get_a_fast_verdict_the_exact_scan_would_not_give(tmp_path):
    rng = random.Random(20261207)
    base = zip_parts(_return(tmp_path).read_bytes())
    junk = XML_JUNK + FAR_JUNK * 3
    fast = refused = 0
    for _ in range(1500):
        parts = list(base)
        for _ in range(rng.randint(1, 3)):
            i = rng.choice([k for k, (info, _) in enumerate(parts) if info.filename.endswith(".xml")])
            info, body = parts[i]
            if rng.random() < 0.5:
                at = rng.randrange(len(body) + 1)
                body = body[:at] + rng.choice(junk) + body[at:]
            else:
                body = damage_xml(rng, body)[1]
            parts[i] = (info, body)
        data = zip_build(parts)
        got, exact = guard_fast.fast_scan(data), exact_scan(data)
        if got is None:
            refused += 1
        else:
            fast += 1
            assert got == exact == Scan(), f"the fast path vouched for what the exact scan finds: {exact}"
    assert fast > 200 and refused > 200        # both paths were really taken


def _core_at(data: bytes) -> int:
    """Where docProps/core.xml's local header starts."""
    return zipfile.ZipFile(io.BytesIO(data)).getinfo("docProps/core.xml").header_offset


def _central_core(data: bytes) -> int:
    """Where docProps/core.xml's central directory entry starts."""
    return data.rindex(b"PK\x01\x02", 0, data.rindex(b"docProps/core.xml"))


def _patched(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new):]


def _core_variants(data: bytes) -> dict[str, bytes]:
    """The return with its docProps/core.xml as zipfile reads it and in every way zipfile refuses or reads
    otherwise than to the end of its stream."""
    parts = zip_parts(data)
    core = next(body for info, body in parts if info.filename == "docProps/core.xml")
    later = core.replace(b"Z</dcterms:modified>", b"+05:00</dcterms:modified>")
    central, local = _central_core(data), _core_at(data)
    crc = int.from_bytes(data[central + 16:central + 20], "little")
    size = int.from_bytes(data[central + 24:central + 28], "little")
    flags = int.from_bytes(data[central + 8:central + 10], "little")
    return {
        "as written": data,
        "stored": _stored_core(parts),
        "twice, the last another time": zip_build(parts + [("docProps/core.xml", later)]),
        "a wrong checksum": _patched(data, central + 16, ((crc + 1) % 2 ** 32).to_bytes(4, "little")),
        "declared a byte shorter": _patched(data, central + 24, (size - 1).to_bytes(4, "little")),
        "declared a byte longer": _patched(data, central + 24, (size + 1).to_bytes(4, "little")),
        "flagged as encrypted": _patched(data, central + 8, (flags | 1).to_bytes(2, "little")),
        "another name in its local header": _patched(data, local + 30, b"docProps/corx.xml"),
        "missing": zip_build([(i, b) for i, b in parts if i.filename != "docProps/core.xml"]),
    }


def _stored_core(parts) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in parts:
            z.writestr(info.filename, body,
                       compress_type=zipfile.ZIP_STORED if info.filename == "docProps/core.xml" else None)
    return out.getvalue()


def test_the_saved_time_comes_from_the_guards_unzipping_exactly_when_zipfile_would_read_the_same(tmp_path):
    """The saved time (which of two returns for a week wins) is read from docProps/core.xml as the guard's fast
    path unzipped it, with no second opening of the zip, only where zipfile would read those very bytes; a
    checksum, a size, a flag or a local header that zipfile refuses or reads otherwise sends it to zipfile."""
    from pipeline.read.workbook import saved_time

    variants = _core_variants(_return(tmp_path).read_bytes())
    used = {}
    for what, data in variants.items():
        found = scan(data)
        used[what] = found.core is not None
        book = open_workbook(tmp_path / "r.xlsx", (), data)
        assert isinstance(book, Book), what
        assert book.modified() == saved_time(data), what
    assert used == {"as written": True, "stored": True, "twice, the last another time": True,
                    "a wrong checksum": False, "declared a byte shorter": False, "declared a byte longer": False,
                    "flagged as encrypted": False, "another name in its local header": False, "missing": False}
    assert saved_time(variants["as written"]) is not None
    assert saved_time(variants["twice, the last another time"]) != saved_time(variants["as written"])
    assert saved_time(variants["a wrong checksum"]) is None        # zipfile refuses it: the time is unknown


def test_a_part_met_before_is_not_unzipped_again_and_keeps_its_verdict_only_under_the_same_treatment(tmp_path,
                                                                                                   monkeypatch):
    """The styles, theme and relationships of every return are the same bytes: their verdict is remembered by
    their compressed bytes, compression and whether calamine parses them, and the second return unzips only
    what differs. The same bytes as a part calamine parses are judged again: a DOCTYPE is let through where
    calamine never looks (docProps/) and refused where it does."""
    first, second = _return(tmp_path, "a.xlsx").read_bytes(), _return(tmp_path, "b.xlsx").read_bytes()
    unzipped = []
    real = guard_fast._inflated
    monkeypatch.setattr(guard_fast, "_inflated", lambda raw: unzipped.append(bytes(raw)) or real(raw))
    assert guard_fast.fast_scan(first) == Scan()
    everything = len(unzipped)
    assert everything == len(zipfile.ZipFile(io.BytesIO(first)).infolist())
    unzipped.clear()
    found = guard_fast.fast_scan(second)
    assert found == Scan() and found.core is not None
    assert len(unzipped) < everything / 2, "the second return's parts were all unzipped again"
    assert guard_fast.fast_scan(first) == Scan()

    dtd = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>'
    parts = [(i, b) for i, b in zip_parts(first)]
    unseen = zip_build(parts + [("docProps/custom.xml", dtd)])
    parsed = zip_build(parts + [("xl/custom.xml", dtd)])
    assert guard_fast.fast_scan(unseen) == Scan()
    assert guard_fast.fast_scan(parsed) is None
    assert exact_scan(parsed).problem is not None
