"""Fuzz test of the workbook readers (contract §1, §5, §11): randomly damaged .xlsx bytes and random
cell values must never stop a run.

Each iteration takes a valid workbook (a return made by the factories, the pipeline's own pre-filled
return with its hidden _meta sheet, or placements.xlsx / providers.xlsx) and damages it one way:
bit flips, overwritten or deleted bytes, truncation, another file's header; zip entries removed, renamed,
duplicated, or their XML corrupted (cut, spliced, junk tags, wrong cell types, strange numbers), or
their compressed bytes corrupted; or a new workbook written with xlsxwriter whose cells hold random
values of random types (very long strings, control characters, huge numbers, NaN/inf, dates far out
of range, formulas, booleans, links), in the labels, the headers, the rows and the sheet names.

What must hold:
  - returns: `read_returns` raises nothing; a return that cannot be read is exactly one finding,
    an error about the whole file (sheet and cell empty) naming it; an accepted return names its file,
    a known provider and a Monday, and carries no whole-file error;
  - registers: `read_registers` raises nothing but RunError (exit 2), with a one-line message;
  - every finding has a severity, a rule and a message, and can be written to summary.json;
  - a sample of the damaged folders goes through the whole `compute_facts`: nothing but RunError.

The loop runs in child processes (a damaged workbook can make the Rust reader abort the process,
which no `except` can catch) with a 3 GB address-space limit; a child that dies is restarted after
the iteration it died on, and that iteration is judged from its input.

Iterations: 800 by default (about 10-30 s); FUZZ_ITERATIONS=N runs N (spread over the same kinds in
the same proportions) for a longer run; FUZZ_SEED changes the seed (default 2026). Each iteration's
damage comes from random.Random(f"{seed}-{kind}-{i}"), so any one can be replayed alone:
    python -m tests.test_fuzz KIND I [SEED]
The counts are printed at the end of the test (run pytest with -s to see them) and written to
$FUZZ_REPORT when that is set.

Any child that dies is a failure: the reader guard (pipeline.read.guard) and the child-process reader
(pipeline.read.isolate) turn what once aborted the process (KB3, a gigantic declared sheet or string
table) into one finding on the file. Bugs it found (KB1: a damaged docProps/core.xml raised out of
read_returns; KB2: a rejected return kept other findings; KB3) are fixed and kept below as plain
regression tests.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SEED = int(os.environ.get("FUZZ_SEED", "2026"))
DEFAULT_ITERATIONS = 800
WEEK = dt.date(2026, 11, 23)
MEMORY_LIMIT = 3 * 1024 ** 3          # address space of a fuzz child
CHILD_TIMEOUT = 240                   # seconds without progress before a child is taken as hung

# kind -> share of the iterations
KINDS = {
    "return-bytes": 0.22,      # bit flips, overwritten/deleted bytes, truncation, other headers
    "return-zip": 0.28,        # zip entries removed/renamed/duplicated, XML corrupted, compressed data corrupted
    "return-cells": 0.25,      # random cell values and sheet names, written with xlsxwriter
    "register-bytes": 0.08,
    "register-zip": 0.07,
    "register-cells": 0.10,
}
COMPUTE_EVERY = 4              # every 4th cell-value iteration also runs the whole compute_facts


def plan(total: int) -> dict[str, int]:
    counts = {k: max(1, int(total * share)) for k, share in KINDS.items()}
    counts["return-zip"] += total - sum(counts.values())
    return counts


# =================================================================================================
# Seeds: valid workbooks and the school folder they are read against
# =================================================================================================

def build_seeds(folder: Path) -> dict:
    """A school folder (registers, no returns) and the bytes of valid workbooks to damage."""
    from pipeline.render.provider_return import ReturnPupil, write_provider_return
    from tests.factories import placement, provider, write_return, write_school
    from tests.school_factories import write_return_with_meta

    school = folder / "school"
    places = [placement("P001", "PRV1", Mon="AM", Parent_letter_sent=None), placement("P002", "PRV1"),
              placement("P003", "PRV2", start=dt.date(2026, 11, 2))]
    write_school(school, places, [provider("PRV1"), provider("PRV2")],
                 reviews=[{"Placement ID": "P001", "Date": dt.date(2026, 10, 1), "Type": "AP lead visit",
                           "Outcome": "Satisfactory"}],
                 exclusions=[{"UPN": "B801200005001", "Type": "Suspension", "First day": dt.date(2026, 9, 14),
                              "School days": 3, "Work set": "Y"}])
    seeds = folder / "seeds"
    week = ["B", "B", "N", "B", "I", "I", "-", "-", "L", "B"]
    write_return(seeds / "factory.xlsx", "PRV1", WEEK, [("P001", week), ("P002", ["B"] * 10)],
                 incidents=[{"Date": WEEK, "Placement ID": "P002", "Category": "Injury",
                             "Reported to DSL": WEEK, "Summary": "Fell in the yard"}])
    write_return_with_meta(seeds / "meta.xlsx", "PRV2", WEEK, [("P003", ["B"] * 10)],
                           {"provider_id": "PRV2", "week_commencing": WEEK})
    pupils = [ReturnPupil("P001", "B801200005001", "Test Pupil", {(d, "AM") for d in range(5)}),
              ReturnPupil("P002", "B801200005001", "Test Pupil", {(d, s) for d in range(5) for s in ("AM", "PM")})]
    write_provider_return(seeds / "prefilled.xlsx", "PRV1", "Provider PRV1", WEEK, pupils, "Test Infant School",
                          WEEK + dt.timedelta(days=7), WEEK)
    return {
        "school": school,
        "returns": {p.stem: p.read_bytes() for p in sorted(seeds.glob("*.xlsx"))},
        "registers": {n: (school / n).read_bytes() for n in ("placements.xlsx", "providers.xlsx")},
    }


# =================================================================================================
# Damage
# =================================================================================================

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
HEADERS = [
    b"", b"PK\x03\x04", b"PK\x05\x06" + bytes(18), OLE_MAGIC + bytes(500),
    OLE_MAGIC + bytes(500) + "EncryptionInfo".encode("utf-16-le"),
    OLE_MAGIC + bytes(500) + "Workbook".encode("utf-16-le"),
    b"\xef\xbb\xbfProvider ID,PRV1\r\nWeek commencing,23/11/2026\r\n", b"<html><body>return</body></html>",
    b"%PDF-1.4\n", b"\x00" * 4096,
]


def damage_bytes(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    op = rng.choice(["flip", "flip", "flip", "overwrite", "delete", "duplicate", "truncate", "header", "prefix"])
    b = bytearray(data)
    if op == "flip":
        for _ in range(rng.choice([1, 1, 2, 3, 8, 32, 200])):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif op == "overwrite":
        i = rng.randrange(len(b))
        n = rng.randrange(1, 256)
        b[i:i + n] = bytes(rng.randrange(256) for _ in range(n))
    elif op == "delete":
        i = rng.randrange(len(b))
        del b[i:i + rng.randrange(1, 2048)]
    elif op == "duplicate":
        i = rng.randrange(len(b))
        span = b[i:i + rng.randrange(1, 2048)]
        j = rng.randrange(len(b))
        b[j:j] = span
    elif op == "truncate":
        del b[rng.randrange(len(b)):]
    elif op == "header":
        b = bytearray(rng.choice(HEADERS) + (bytes(b[rng.randrange(len(b)):]) if rng.random() < 0.5 else b""))
    else:  # junk in front of a valid zip: the local headers no longer start at 0
        b[0:0] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    return op, bytes(b)


def zip_parts(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(info, z.read(info.filename)) for info in z.infolist()]


def zip_build(parts) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # "Duplicate name": on purpose
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info, body in parts:
                z.writestr(info if isinstance(info, zipfile.ZipInfo) else zipfile.ZipInfo(info), body)
    return out.getvalue()


XML_JUNK = [
    b"<", b">", b"&", b"&amp", b"&#0;", b"&#xD800;", b'"', b"'", b"</c>", b"</row>", b"</sheetData>", b"<sheetData>",
    b'<c r="A1" t="s"><v>999999</v></c>', b'<c r="B2" t="s"><v>-1</v></c>', b'<c r="C3"><v>1e309</v></c>',
    b'<c r="D4" t="b"><v>7</v></c>', b'<c r="E5" t="e"><v>#N/A</v></c>', b'<c r="F6" t="d"><v>99999-99-99</v></c>',
    b'<c r="G7" t="inlineStr"><is><t>\x01</t></is></c>', b'<c r="A2" t="str"><v>PRV9</v></c>', b'<c r="AA30"/>',
    b'<row r="0">', b'<row r="5"><c r="A5"><v>1</v></c></row>', b"<?xml version='1.0'?>", b"\xef\xbb\xbf",
    b"\xff\xfe\x00", b"\xc3\x28", b"\x00", b"<!-- -->", b"<![CDATA[x]]>",
    b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>', b"&b;",
    b'<sheet name="Attendance" sheetId="9" r:id="rId9"/>', b'<sheet name="" sheetId="1" r:id="rId1"/>',
    b'<si><t>Provider ID</t></si>', b'<si><t></t></si>', b"<si>", b'<xf numFmtId="14"/>', b'<numFmt numFmtId="200" formatCode="dd/mm/yyyy"/>',
]


def damage_xml(rng: random.Random, body: bytes) -> tuple[str, bytes]:
    op = rng.choice(["delete", "duplicate", "junk", "junk", "truncate", "number", "number", "type", "value", "quote"])
    b = body
    if not b:
        return "junk", rng.choice(XML_JUNK)
    i = rng.randrange(len(b))
    if op == "delete":
        b = b[:i] + b[i + rng.randrange(1, 400):]
    elif op == "duplicate":
        j = rng.randrange(len(b))
        b = b[:j] + b[i:i + rng.randrange(1, 400)] + b[j:]
    elif op == "junk":
        b = b[:i] + rng.choice(XML_JUNK) + b[i:]
    elif op == "truncate":
        b = b[:i]
    elif op == "number":        # change one run of digits: an index, a row, a count, a value, a style
        runs = list(re.finditer(rb"\d+", b))
        if runs:
            m = rng.choice(runs)
            new = rng.choice([b"0", b"1", b"2", b"9", b"15", b"99", b"1000", b"65536", b"1048576",
                              b"1048577", b"16385", b"4294967296", b"99999999999999999999", b"-1", b"1.5", b"1e3", b""])
            b = b[:m.start()] + new + b[m.end():]
    elif op == "type":          # a cell's type attribute
        runs = list(re.finditer(rb'\bt="[a-zA-Z]*"', b))
        new = rng.choice([b't="s"', b't="n"', b't="b"', b't="e"', b't="str"', b't="inlineStr"', b't="d"', b't="x"', b""])
        if runs:
            m = rng.choice(runs)
            b = b[:m.start()] + new + b[m.end():]
        else:
            b = b.replace(b"<c ", b"<c " + new + b" ", 1)
    elif op == "value":         # the content of one <v> or <t>
        runs = list(re.finditer(rb"<(v|t)( [^>]*)?>([^<]*)</(v|t)>", b))
        if runs:
            m = rng.choice(runs)
            new = rng.choice([b"", b"NaN", b"inf", b"-0", b"1e308", b"1e-400", b"abc", b"\xe2\x80\x8b", b"#REF!",
                              b"2958466", b"-1", b"0.9999999999", b"x" * 40000, b"&lt;script&gt;", b"PRV2", b"P00\x01"])
            b = b[:m.start(3)] + new + b[m.end(3):]
    else:
        b = b.replace(b'"', b"'", rng.randrange(1, 5))
    return op, b


def damage_zip(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    parts = zip_parts(data)
    names = [info.filename for info, _ in parts]
    weights = [6 if n.startswith("xl/worksheets/") else 3 if n in ("xl/sharedStrings.xml", "xl/workbook.xml")
               else 2 if n.endswith(".rels") or n == "[Content_Types].xml" else 1 for n in names]
    k = rng.choices(range(len(parts)), weights)[0]
    info, body = parts[k]
    op = rng.choice(["remove", "xml", "xml", "xml", "xml", "xml", "rename", "duplicate", "empty", "raw"])
    if op == "remove":
        del parts[k]
    elif op == "xml":
        sub, body = damage_xml(rng, body)
        parts[k] = (info, body)
        op = f"xml-{sub}"
    elif op == "rename":
        parts[k] = (zipfile.ZipInfo(rng.choice([info.filename.upper(), info.filename + ".bak", "xl/worksheets/sheet9.xml",
                                                "xl/" + info.filename.rsplit("/", 1)[-1], "/" + info.filename])), body)
    elif op == "duplicate":
        sub, other = damage_xml(rng, body)
        parts.insert(k + 1, (zipfile.ZipInfo(info.filename), other))
    elif op == "empty":
        parts[k] = (info, b"")
    else:                       # valid zip directory, damaged deflate stream (the CRC no longer matches)
        out = zip_build(parts)
        with zipfile.ZipFile(io.BytesIO(out)) as z:
            zi = z.getinfo(info.filename)
        head = out[zi.header_offset:zi.header_offset + 30]
        start = zi.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
        b = bytearray(out)
        for _ in range(rng.choice([1, 4, 16])):
            if zi.compress_size:
                j = start + rng.randrange(zi.compress_size)
                b[j] ^= 1 << rng.randrange(8)
        return f"raw:{info.filename}", bytes(b)
    return f"{op}:{info.filename}", zip_build(parts)


# --- random cell values --------------------------------------------------------------------------

STRINGS = [
    "", " ", "\t", "\n", "x" * 32767, "é" * 5000, "Provider ID", "Week commencing", "Placement ID", "Mon AM",
    "PRV1", "prv1", " PRV2 ", "PRV9", "ＰＲＶ１", "\u00a0PRV1\u00a0", "P001", "p001 ", "P003", "P00\u200b1",
    "2026-11-23", "23/11/2026", "25/11/2026", "31/02/2026", "11/23/2026", "0001-01-01", "9999-12-31",
    "Monday 23rd November 2026", "Tue 23 Nov 2026", "23-Nov-26", "2026-11-23T10:00:00+01:00",
    "1" * 5000, "9" * 400, "1e309", "-0", "NaN", "inf", "=1+1", "@SUM(A1)", "+44", "_x0000_", "_x0041_",
    "\x00\x01\x02\x1f\x7f", "a\x0bb\x0cc", "😀" * 10, "שלום", "e\u0301", "\u202eRTL", "\\", "/", "-", "B", "b", " n ",
    "Y7", "Y8", "H", "J", "#", "Full day", "AM", "PM", "full day", "Yes", "Y", "N", "Injury", "Safeguarding concern",
    "School", "Local authority", "Other", "B801200005001", "A80120000500Z", "13", "N1", "£1,200.50", "09:00", "25:61",
    "12:00 pm", "0.5",
]
NUMBERS = [0, -1, 1, 0.5, 0.99999999, 0.9999999999, 1e308, -1e308, 5e-324, 2 ** 53 + 1, 46349, 46350, 18263, 73052,
           1e7, 2958466, float("nan"), float("inf"), float("-inf"), 3, 3.5, 1e20]
DATES = [dt.datetime(1900, 1, 1), dt.datetime(1900, 2, 28), dt.datetime(1900, 3, 1), dt.datetime(1970, 1, 1),
         dt.datetime(2026, 11, 23), dt.datetime(2026, 11, 25, 13, 30), dt.datetime(2026, 9, 7), dt.datetime(2027, 7, 21),
         dt.datetime(9999, 12, 31, 23, 59, 59), dt.datetime(2099, 12, 31), dt.datetime(1950, 1, 1)]
FORMULAS = [("=1/0", "#DIV/0!"), ("=NOW()", 46349.5), ("=A1", "PRV1"), ('=HYPERLINK("https://example.org","PRV1")', "PRV1"),
            ("=SUM(", 0), ("=" + "A" * 300, 0), ('="B"', "B"), ("=TRUE", True), ("=NA()", "#N/A"), ("=B2+1", 46350),
            ("=REPT(\"x\",40000)", "x" * 100)]


def random_value(rng: random.Random):
    kind = rng.choice(["str", "str", "str", "num", "date", "datenum", "time", "formula", "bool", "blank", "url", "long"])
    if kind == "str":
        return ("str", rng.choice(STRINGS))
    if kind == "long":
        alphabet = "".join(chr(c) for c in list(range(1, 32)) + list(range(32, 127)) + [0xe9, 0x2028, 0xfeff, 0x1f600])
        return ("str", "".join(rng.choice(alphabet) for _ in range(rng.choice([1, 10, 300, 5000]))))
    if kind == "num":
        return ("num", rng.choice(NUMBERS), None)
    if kind == "date":
        return ("date", rng.choice(DATES), "dd/mm/yyyy")
    if kind == "datenum":       # a number far out of any date range, formatted as a date
        return ("num", rng.choice([-1, -1e6, 2958466, 1e10, 1e308, 0.5, 60]), "dd/mm/yyyy")
    if kind == "time":
        return ("num", rng.choice([0.25, 0.99999999, 1.5, -0.25, 1e6]), "hh:mm")
    if kind == "formula":
        return ("formula",) + rng.choice(FORMULAS)
    if kind == "bool":
        return ("bool", rng.random() < 0.5)
    if kind == "url":
        return ("url", rng.choice(["https://example.org/" + "a" * 100, "mailto:prv1@example.org", "external:c:\\x.xlsx"]))
    return ("blank",)


def plain(value):
    """A factory grid value as a cell spec."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return ("date", value, "dd/mm/yyyy")
    if isinstance(value, dt.date):
        return ("date", dt.datetime(value.year, value.month, value.day), "dd/mm/yyyy")
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("num", value, None)
    return ("str", str(value))


def write_cells(path: Path, sheets: dict) -> None:
    """sheets: {name: {(row, col): spec}} written with xlsxwriter (NaN/inf become error cells)."""
    import xlsxwriter

    from pipeline.output import XLSX_OPTIONS

    wb = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    formats = {}

    def fmt(code):
        if code is None:
            return None
        if code not in formats:
            formats[code] = wb.add_format({"num_format": code})
        return formats[code]

    used = set()
    for name, cells in sheets.items():
        safe = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet"
        while safe.casefold() in used:
            safe = (safe[:28] + "_" + str(len(used)))[:31]
        used.add(safe.casefold())
        ws = wb.add_worksheet(safe)
        for (r, c), spec in sorted(cells.items()):
            if spec is None:
                continue
            kind = spec[0]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if kind == "str":
                    ws.write_string(r, c, spec[1])
                elif kind == "num":
                    ws.write_number(r, c, spec[1], fmt(spec[2]))
                elif kind == "date":
                    ws.write_datetime(r, c, spec[1], fmt(spec[2]))
                elif kind == "formula":
                    ws.write_formula(r, c, spec[1], None, spec[2])
                elif kind == "bool":
                    ws.write_boolean(r, c, spec[1])
                elif kind == "url":
                    ws.write_url(r, c, spec[1])
                else:
                    ws.write_blank(r, c, None, fmt("@"))
    wb.close()


def return_sheets() -> dict:
    from pipeline import schema
    from tests.factories import rows_of

    grid = [["Provider ID", "PRV1"], ["Week commencing", WEEK], [], [c.header for c in schema.ATTENDANCE.columns]]
    grid.append(["P001", "B801200005001", "Test Pupil", "B", "B", "N", "-", "I", "-", "B", "-", "L", "-", "note"])
    grid.append(["P002", "B801200005001", "Test Pupil"] + ["B"] * 10 + [None])
    incidents = rows_of(schema.INCIDENTS, [{"Date": WEEK, "Placement ID": "P002", "Category": "Injury",
                                            "Reported to DSL": WEEK, "Summary": "Fell"}])
    meta = [["template_version", "1"], ["provider_id", "PRV1"], ["week_commencing", WEEK]]
    as_cells = lambda g: {(r, c): plain(v) for r, row in enumerate(g) for c, v in enumerate(row) if v is not None}
    return {"Attendance": as_cells(grid), "Incidents": as_cells(incidents), "_meta": as_cells(meta)}


def register_sheets(name: str) -> dict:
    from pipeline import schema
    from tests.factories import placement, provider, rows_of

    if name == "providers.xlsx":
        sheets = {"Providers": rows_of(schema.PROVIDERS, [provider("PRV1"), provider("PRV2")])}
    else:
        sheets = {
            "Placements": rows_of(schema.PLACEMENTS, [placement("P001", "PRV1", Mon="AM", Start_time="09:00", Hours_per_day=5,
                                                                 Cost_per_day=120, SEND="Y", Year_group="7",
                                                                 Parent_letter_sent=None, Attainment_data_sent=None),
                                                       placement("P002", "PRV1"), placement("P003", "PRV2", start=dt.date(2026, 11, 2))]),
            "Reviews": rows_of(schema.REVIEWS, [{"Placement ID": "P001", "Date": dt.date(2026, 10, 1), "Type": "AP lead visit",
                                                 "Outcome": "Satisfactory"}]),
            "Exclusions": rows_of(schema.EXCLUSIONS, [{"UPN": "B801200005001", "Type": "Suspension",
                                                       "First day": dt.date(2026, 9, 14), "School days": 3, "Work set": "Y"}]),
        }
    return {s: {(r, c): plain(v) for r, row in enumerate(g) for c, v in enumerate(row) if v is not None}
            for s, g in sheets.items()}


def damage_cells(rng: random.Random, sheets: dict) -> str:
    """Put random values into random cells: labels, headers, rows, anywhere near; rename or add sheets."""
    ops = []
    names = list(sheets)
    for _ in range(rng.choice([1, 1, 2, 3, 5, 12])):
        name = rng.choice(names)
        cells = sheets[name]
        where = rng.random()
        if where < 0.5 and cells:
            pos = rng.choice(sorted(cells))           # an existing cell: a label, a header, a value
        elif where < 0.9:
            pos = (rng.randrange(0, 8), rng.randrange(0, 16))
        else:
            pos = (rng.randrange(0, 200), rng.randrange(0, 40))
        cells[pos] = random_value(rng)
        ops.append(f"{name}!{pos}")
    if rng.random() < 0.15:
        old = rng.choice(names)
        new = rng.choice(["attendance", " Attendance ", "ATTENDANCE", "Attendance (2)", "_META", "Sheet1", "Placements ",
                          "Providers", "Reviews", "", "Incidents", "x" * 40])
        sheets[new] = sheets.pop(old)
        ops.append(f"rename {old!r}->{new!r}")
    if rng.random() < 0.1:
        sheets.pop(rng.choice(list(sheets)))
        ops.append("drop sheet")
    return "; ".join(ops)


# =================================================================================================
# Checks
# =================================================================================================

SEVERITIES = {"error", "warning", "info"}


def check_finding(f) -> None:
    assert f.severity in SEVERITIES, f
    assert isinstance(f.rule, str) and f.rule, f
    assert isinstance(f.message, str) and f.message.strip(), f
    assert f.value is None or isinstance(f.value, str), f
    assert f.sheet is None or isinstance(f.sheet, str), f
    assert f.cell is None or isinstance(f.cell, str), f
    json.dumps(f.to_dict(), ensure_ascii=False)


def judge_returns(folder: Path, rel: str, accepted: list, findings: list) -> str:
    """'accepted', 'rejected', or a known bug; AssertionError for a broken invariant."""
    for f in findings:
        check_finding(f)
        assert f.file == rel, f"a finding names another file: {f}"
    if accepted:
        assert len(accepted) == 1, accepted
        ret = accepted[0]
        assert ret.file == rel
        assert ret.provider_id in ("PRV1", "PRV2"), ret.provider_id
        assert isinstance(ret.week, dt.date) and ret.week.weekday() == 0, ret.week
        whole = [f for f in findings if f.severity == "error" and f.sheet is None and f.cell is None]
        assert not whole, f"an accepted return has a whole-file error: {whole}"
        return "accepted"
    assert len(findings) == 1, (f"a return that cannot be read gives {len(findings)} findings: "
                                + "; ".join(f"{f.rule}/{f.severity}/{f.sheet}/{f.cell}" for f in findings))
    f = findings[0]
    header_formula = f.rule == "formula-in-cell" and f.cell in ("B1", "B2")   # the Provider ID or week is a formula
    assert header_formula or (f.sheet is None and f.cell is None), f"not a finding about the whole file: {f}"
    assert f.severity == "error" or f.rule == "week-outside-terms", f    # a holiday week's return: one warning
    return "rejected"


def judge_registers(folder: Path, findings: list):
    from pipeline.errors import RunError
    from pipeline.read.registers import read_registers

    try:
        regs = read_registers(folder, findings)
    except RunError as exc:
        msg = str(exc)
        assert msg.strip() and "\n" not in msg, f"RunError must be one line: {msg!r}"
        return "run-error", None
    for f in findings:
        check_finding(f)
        assert f.file in ("placements.xlsx", "providers.xlsx"), f
    for p in regs.placements:
        assert isinstance(p.placement_id, str) and p.placement_id, p
        assert p.provider_id in regs.providers, p
        assert isinstance(p.start_date, dt.date), p
        assert p.pattern, p
    return "read", regs


def run_compute(folder: Path) -> str:
    from pipeline.errors import RunError
    from pipeline.core import compute_facts

    try:
        result = compute_facts(folder, WEEK)
    except RunError as exc:
        assert "\n" not in str(exc)
        return "compute:run-error"
    json.dumps(result.summary, ensure_ascii=False)
    for f in result.summary["findings"]:
        assert f["severity"] in SEVERITIES
    return "compute:ok"


def _calendar_argument(folder: Path) -> dict:
    """read_returns(..., calendar=) as the weekly run calls it, where read_returns takes one."""
    import inspect

    from pipeline.calendar import SchoolCalendar
    from pipeline.read.returns import read_returns
    from pipeline.settings import load_settings

    if "calendar" not in inspect.signature(read_returns).parameters:
        return {}
    return {"calendar": SchoolCalendar.from_settings(load_settings(folder / "school.toml"))}


# =================================================================================================
# One iteration
# =================================================================================================

def iteration(work: Path, seeds: dict, kind: str, i: int, seed: int = SEED) -> tuple[str, bytes, str]:
    """Damage one workbook and read it. Returns (what was done, the damaged bytes, outcome)."""
    from pipeline.findings import Findings
    from pipeline.read.registers import read_registers
    from pipeline.read.returns import read_returns

    rng = random.Random(f"{seed}-{kind}-{i}")
    if kind.startswith("return-"):
        if kind == "return-cells":
            sheets = return_sheets()
            what = damage_cells(rng, sheets)
            tmp = work / "cells.xlsx"
            write_cells(tmp, sheets)
            data = tmp.read_bytes()
        else:
            name = rng.choice(sorted(seeds["returns"]))
            op, data = (damage_bytes if kind == "return-bytes" else damage_zip)(rng, seeds["returns"][name])
            what = f"{name}: {op}"
        folder = work / "ret"
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(seeds["school"], folder)
        rel = rng.choice(["returns/r.xlsx", "returns/PRV1/week 47.xlsx", "returns/r.xls", "returns/no_extension",
                          "returns/r.xlsx.download"])
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
        regs = read_registers(folder, Findings())
        findings = Findings()
        before = (folder / rel).read_bytes()
        accepted = read_returns(folder, regs, findings, **_calendar_argument(folder))
        assert (folder / rel).read_bytes() == before, "the reader changed the file"
        outcome = judge_returns(folder, rel, accepted, findings)
        if kind == "return-cells" and i % COMPUTE_EVERY == 0:
            outcome += "|" + run_compute(folder)
        return what, data, outcome
    # registers
    name = rng.choice(["placements.xlsx", "placements.xlsx", "providers.xlsx"])
    if kind == "register-cells":
        sheets = register_sheets(name)
        what = f"{name}: " + damage_cells(rng, sheets)
        tmp = work / "cells.xlsx"
        write_cells(tmp, sheets)
        data = tmp.read_bytes()
    else:
        op, data = (damage_bytes if kind == "register-bytes" else damage_zip)(rng, seeds["registers"][name])
        what = f"{name}: {op}"
    folder = work / "reg"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(seeds["school"], folder)
    (folder / name).write_bytes(data)
    outcome, _ = judge_registers(folder, Findings())
    if kind == "register-cells" and i % COMPUTE_EVERY == 0:
        outcome += "|" + run_compute(folder)
    return what, data, outcome


# =================================================================================================
# The child process: runs iterations, one JSON line each, flushed before and after
# =================================================================================================

def child_main(work: str, jobs_file: str, out_file: str) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    work_dir = Path(work)
    seeds = json.loads(Path(work_dir / "seeds.json").read_text())
    seeds = {"school": Path(seeds["school"]),
             "returns": {k: Path(v).read_bytes() for k, v in seeds["returns"].items()},
             "registers": {k: Path(v).read_bytes() for k, v in seeds["registers"].items()}}
    jobs = json.loads(Path(jobs_file).read_text())
    scratch = work_dir / f"scratch-{os.getpid()}"
    scratch.mkdir(exist_ok=True)
    with open(out_file, "a", encoding="utf-8") as out:
        for kind, i in jobs:
            out.write(json.dumps({"start": [kind, i]}) + "\n")
            out.flush()
            try:
                what, data, outcome = iteration(scratch, seeds, kind, i)
                record = {"done": [kind, i], "what": what, "outcome": outcome}
            except AssertionError as exc:
                record = {"done": [kind, i], "fail": f"{type(exc).__name__}: {exc}"[:2000]}
            except Exception as exc:   # noqa: BLE001
                record = {"done": [kind, i], "fail": "".join(traceback.format_exception(exc))[-3000:]}
            out.write(json.dumps(record) + "\n")
            out.flush()


# =================================================================================================
# The parent: runs children until every iteration has an outcome
# =================================================================================================

def run_fuzz(work: Path, counts: dict[str, int]) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    seeds = build_seeds(work)
    names = {"school": str(seeds["school"]), "returns": {}, "registers": {}}
    for group in ("returns", "registers"):
        for k, data in seeds[group].items():
            p = work / f"seed-{group}-{k}"
            p.write_bytes(data)
            names[group][k] = str(p)
    (work / "seeds.json").write_text(json.dumps(names))
    pending = [(kind, i) for kind, n in counts.items() for i in range(n)]
    outcomes: dict[str, int] = {}
    failures = []
    started = time.monotonic()
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    while pending:
        jobs_file, out_file = work / "jobs.json", work / "out.jsonl"
        jobs_file.write_text(json.dumps(pending))
        out_file.write_text("")
        proc = subprocess.Popen([sys.executable, "-c", "import sys; from tests.test_fuzz import child_main; child_main(*sys.argv[1:])",
                                 str(work), str(jobs_file), str(out_file)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _, err = proc.communicate(timeout=CHILD_TIMEOUT + 2 * len(pending))
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        done, in_flight = set(), None
        for line in out_file.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if "start" in rec:
                in_flight = tuple(rec["start"])
                continue
            key = tuple(rec["done"])
            done.add(key)
            in_flight = None
            if "fail" in rec:
                failures.append((key, rec["fail"]))
            else:
                for part in rec["outcome"].split("|"):
                    outcomes[part] = outcomes.get(part, 0) + 1
        pending = [job for job in pending if job not in done]
        if not pending:
            break
        if in_flight is None:
            raise AssertionError(f"the fuzz child stopped (exit {proc.returncode}) outside an iteration: "
                                 f"{err.decode(errors='replace')[-2000:]}")
        # the child died inside an iteration: judge that iteration from its input
        kind, i = in_flight
        data = replay_bytes(work, kind, i)
        tail = err.decode(errors="replace")
        kept = work / f"crash-{kind}-{i}.bin"
        kept.write_bytes(data)
        failures.append((in_flight, f"the reader killed the process (exit {proc.returncode}); input kept in {kept}; "
                                    f"stderr: {tail[-1500:]}"))
        pending = [job for job in pending if job != in_flight]
    return {"counts": counts, "iterations": sum(counts.values()), "outcomes": outcomes, "failures": failures,
            "seconds": round(time.monotonic() - started, 1), "seed": SEED}


def replay_bytes(work: Path, kind: str, i: int) -> bytes:
    """The damaged bytes of one iteration, made again from the seeds in `work` without reading them."""
    rng = random.Random(f"{SEED}-{kind}-{i}")
    seeds = {group: {p.name[len(f"seed-{group}-"):]: p.read_bytes() for p in work.glob(f"seed-{group}-*")}
             for group in ("returns", "registers")}
    if kind == "return-cells":
        sheets = return_sheets()
    elif kind == "register-cells":
        sheets = register_sheets(rng.choice(["placements.xlsx", "placements.xlsx", "providers.xlsx"]))
    elif kind.startswith("return-"):
        name = rng.choice(sorted(seeds["returns"]))
        return (damage_bytes if kind == "return-bytes" else damage_zip)(rng, seeds["returns"][name])[1]
    else:
        name = rng.choice(["placements.xlsx", "placements.xlsx", "providers.xlsx"])
        return (damage_bytes if kind == "register-bytes" else damage_zip)(rng, seeds["registers"][name])[1]
    damage_cells(rng, sheets)
    replay = work / "replay"
    replay.mkdir(exist_ok=True)
    write_cells(replay / "replay.xlsx", sheets)
    return (replay / "replay.xlsx").read_bytes()


def _summary_line(report: dict) -> str:
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report["outcomes"].items()))
    return (f"fuzz: {report['iterations']} iterations (seed {report['seed']}) in {report['seconds']} s: {outcomes}; "
            f"failures {len(report['failures'])}")


def test_fuzz_the_workbook_readers(tmp_path):
    total = int(os.environ.get("FUZZ_ITERATIONS") or DEFAULT_ITERATIONS)
    report = run_fuzz(tmp_path / "fuzz", plan(total))
    line = _summary_line(report)
    print("\n" + line)
    if os.environ.get("FUZZ_REPORT"):
        Path(os.environ["FUZZ_REPORT"]).write_text(json.dumps(report, indent=2, default=str))
    assert report["iterations"] == total
    shown = "\n\n".join(f"{kind} {i}: {msg}" for (kind, i), msg in report["failures"][:8])
    assert not report["failures"], f"{len(report['failures'])} fuzz failures (replay: python -m tests.test_fuzz KIND I):\n{shown}"
    # the damage must really reach both outcomes, or the test proves nothing
    assert report["outcomes"].get("rejected", 0) > total // 10, line
    assert report["outcomes"].get("accepted", 0) > total // 20, line
    assert report["outcomes"].get("run-error", 0) > 0 and report["outcomes"].get("read", 0) > 0, line
    assert report["outcomes"].get("compute:ok", 0) > 0, line


# =================================================================================================
# The same idea one level down, with hypothesis: any value a cell can hold, any grid
# =================================================================================================

PARSER_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# what python-calamine hands over for a cell: str, float, int, bool, datetime, date, time, timedelta ('' when empty)
CELL = st.one_of(
    st.just(""), st.text(max_size=40), st.sampled_from(STRINGS), st.booleans(),
    st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)), st.dates(min_value=dt.date(1900, 1, 1)), st.times(),
    st.timedeltas(min_value=dt.timedelta(days=-10 ** 6), max_value=dt.timedelta(days=10 ** 6)),
    st.from_regex(r"\A *\d{1,6} *[/.-] *\d{1,6} *[/.-] *\d{1,6}( \d{1,3}[:.]\d{1,3}( ?[ap]m)?)? *\Z"),
    st.from_regex(r"\A\d{1,4}[:.]\d{1,4} ?([aApP][mM])?\Z"),
)


def _columns_by_kind():
    from pipeline import schema

    kinds = {}
    for sheet in (schema.PLACEMENTS, schema.PROVIDERS, schema.REVIEWS, schema.EXCLUSIONS, schema.ATTENDANCE, schema.INCIDENTS):
        for column in sheet.columns:
            kinds.setdefault(column.kind, column)
    return list(kinds.values())


@PARSER_SETTINGS
@given(value=CELL)
@example(value="1" * 5000)            # int() refuses more than 4300 digits (a School days cell)
@example(value=0.99999999)            # rounds to 24:00 (a Start time cell in General format)
@example(value="01/01/0001")          # a date no duty can be counted back from
@example(value=float("nan"))
@example(value="\x00\x1f_x0000_")
def test_every_cell_parser_gives_a_value_or_a_problem(value):
    from pipeline.read.cells import is_blank, parse_cell, text

    assert isinstance(text(value), str)
    assert is_blank(value) in (True, False)
    for column in _columns_by_kind():
        parsed, problem = parse_cell(column, value)
        assert problem is None or (isinstance(problem, str) and problem and parsed is None), (column.kind, parsed, problem)
        if column.kind == "date" and parsed is not None:
            assert isinstance(parsed, dt.date) and parsed.year >= 1900, parsed
        if column.kind == "time" and parsed is not None:
            assert isinstance(parsed, dt.time), parsed


@PARSER_SETTINGS
@given(data=st.data(), sheet_index=st.integers(0, 5), header_at=st.integers(0, 6), ragged=st.booleans())
def test_read_table_never_raises_on_any_grid(data, sheet_index, header_at, ragged):
    from pipeline import schema
    from pipeline.findings import Findings
    from pipeline.read.table import read_table

    sheet = (schema.PLACEMENTS, schema.PROVIDERS, schema.REVIEWS, schema.EXCLUSIONS, schema.ATTENDANCE, schema.INCIDENTS)[sheet_index]
    width = len(sheet.columns) + 2
    rows = data.draw(st.lists(st.lists(CELL, min_size=0 if ragged else width, max_size=width), max_size=8))
    headers = [c.header for c in sheet.columns]
    headers = data.draw(st.permutations(headers)) + data.draw(st.lists(st.sampled_from(headers + ["", "Notes", " UPN "]), max_size=3))
    if data.draw(st.booleans()):
        rows.insert(min(header_at, len(rows)), headers)
    findings = Findings()
    table = read_table(rows, sheet, "x.xlsx", sheet.name, findings)
    for f in findings:
        check_finding(f)
        assert f.file == "x.xlsx"
    if table is not None:
        for row in table.rows:
            assert row.number > table.header_row + 1
            for ref in row.cells.values():
                assert re.fullmatch(r"[A-Z]{1,3}[1-9]\d*", ref), ref


# =================================================================================================
# What the fuzz found, one small test each: KB1 and KB2 (fixed in 4509bce), KB3 (fixed: the reader guard)
# =================================================================================================

def _school(tmp_path: Path) -> tuple[Path, object]:
    from pipeline.findings import Findings
    from pipeline.read.registers import read_registers
    from tests.factories import placement, provider, write_school

    folder = write_school(tmp_path / "school", [placement("P001", "PRV1")], [provider("PRV1")])
    return folder, read_registers(folder, Findings())


def _read(folder: Path, regs) -> tuple[list, list]:
    from pipeline.findings import Findings
    from pipeline.read.returns import read_returns

    findings = Findings()
    return read_returns(folder, regs, findings), findings


def _rewrite_entry(path: Path, name: str, change) -> None:
    parts = zip_parts(path.read_bytes())
    path.write_bytes(zip_build([(info, change(body) if info.filename == name else body) for info, body in parts]))


def test_a_return_with_two_reasons_to_reject_it_is_one_finding(tmp_path):
    # KB2: an unknown Provider ID and an unreadable week gave two whole-file errors
    from tests.factories import full_week, write_return

    folder, regs = _school(tmp_path)
    write_return(folder / "returns" / "bad.xlsx", "NOPE", "next week", [("P001", full_week("B"))])
    accepted, findings = _read(folder, regs)
    assert accepted == []
    assert [(f.file, f.severity, f.sheet) for f in findings] == [("returns/bad.xlsx", "error", None)]


def test_a_rejected_return_carries_no_other_finding(tmp_path):
    # KB2: the week-not-monday warning of a return left out for a _meta mismatch was kept
    from tests.factories import full_week
    from tests.school_factories import write_return_with_meta

    folder, regs = _school(tmp_path)
    write_return_with_meta(folder / "returns" / "moved.xlsx", "PRV1", dt.date(2026, 11, 25), [("P001", full_week("B"))],
                           {"provider_id": "PRV1", "week_commencing": dt.date(2026, 11, 16)})
    accepted, findings = _read(folder, regs)
    assert accepted == []
    assert [(f.rule, f.sheet) for f in findings] == [("meta-mismatch", None)]


def test_a_damaged_core_properties_part_does_not_stop_the_run(tmp_path):
    # KB1: a damaged deflate stream in docProps/core.xml (which calamine never reads, so the workbook
    # opens) raised zlib.error out of Book.modified and read_returns
    from tests.factories import full_week, write_return

    folder, regs = _school(tmp_path)
    path = write_return(folder / "returns" / "r.xlsx", "PRV1", WEEK, [("P001", full_week("B"))])
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        zi = z.getinfo("docProps/core.xml")
    head = data[zi.header_offset:zi.header_offset + 30]
    start = zi.header_offset + 30 + int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
    b = bytearray(data)
    for j in range(start + 2, start + zi.compress_size - 2):
        b[j] ^= 0x55
    path.write_bytes(bytes(b))
    accepted, findings = _read(folder, regs)
    assert [r.provider_id for r in accepted] == ["PRV1"]      # its saved time is simply unknown


def test_a_saved_time_at_the_edge_of_the_calendar_does_not_stop_the_run(tmp_path):
    # KB1: 0001-01-01T00:00:00+01:00 raised OverflowError in astimezone(utc)
    from tests.factories import full_week, write_return

    folder, regs = _school(tmp_path)
    path = write_return(folder / "returns" / "r.xlsx", "PRV1", WEEK, [("P001", full_week("B"))])
    _rewrite_entry(path, "docProps/core.xml",
                   lambda b: re.sub(rb"(<dcterms:modified[^>]*>)[^<]+", rb"\g<1>0001-01-01T00:00:00+01:00", b))
    accepted, findings = _read(folder, regs)
    assert [r.provider_id for r in accepted] == ["PRV1"]


BOMB_CHILD = """
import resource, sys, json
resource.setrlimit(resource.RLIMIT_AS, (3 * 1024 ** 3, 3 * 1024 ** 3))
from pathlib import Path
from pipeline.errors import RunError
from pipeline.findings import Findings
from pipeline.read.registers import read_registers
from pipeline.read.returns import read_returns
folder = Path(sys.argv[1])
findings = Findings()
try:
    regs = read_registers(folder, findings)
    accepted = read_returns(folder, regs, findings)
    print(json.dumps({"accepted": len(accepted), "findings": [[f.file, f.rule, f.sheet] for f in findings]}))
except RunError as exc:
    print(json.dumps({"run_error": str(exc)}))
"""


def _far_cell(path: Path) -> None:
    import xlsxwriter
    from pipeline import schema

    from tests.factories import full_week

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Attendance")
    grid = [["Provider ID", "PRV1"], ["Week commencing", "23/11/2026"], [], [c.header for c in schema.ATTENDANCE.columns],
            ["P001", "B801200005001", "Test Pupil", *full_week("B"), ""]]
    for r, row in enumerate(grid):
        for c, v in enumerate(row):
            ws.write_string(r, c, v)
    ws.write_string(1048575, 16383, "x")          # one stray value in XFD1048576, as Ctrl+End and a key press leave it
    wb.close()


def _huge_string_count(path: Path) -> None:
    from tests.factories import full_week, write_return

    write_return(path, "PRV1", WEEK, [("P001", full_week("B"))])
    _rewrite_entry(path, "xl/sharedStrings.xml",
                   lambda b: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', b))


# KB3, fixed: python-calamine allocates the whole grid before anything can be checked; read/workbook.too_large
# now refuses such a file first, so it is one finding, not an aborted process.
@pytest.mark.parametrize("make", [_far_cell, _huge_string_count], ids=["stray-value-in-XFD1048576", "shared-string-count-4e9"])
def test_a_return_that_would_need_gigabytes_is_a_finding_not_a_crash(tmp_path, make):
    folder, _ = _school(tmp_path)
    make(folder / "returns" / "huge.xlsx")
    proc = subprocess.run([sys.executable, "-c", BOMB_CHILD, str(folder)], cwd=ROOT, capture_output=True, timeout=120,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, f"the run died (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[:300]}"
    out = json.loads(proc.stdout)
    assert out["accepted"] == 0 and [f[0] for f in out["findings"]] == ["returns/huge.xlsx"]


if __name__ == "__main__":       # replay one iteration: python -m tests.test_fuzz KIND I [SEED]
    kind, i = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 3:
        SEED = int(sys.argv[3])
    with tempfile.TemporaryDirectory() as d:
        seeds = build_seeds(Path(d))
        scratch = Path(d) / "scratch"
        scratch.mkdir()
        print(iteration(scratch, seeds, kind, i, SEED)[::2])
