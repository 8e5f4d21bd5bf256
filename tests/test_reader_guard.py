"""The reader guard (pipeline.read.guard) against every way a sheet's XML can ask for gigabytes (contract §12).

python-calamine reserves a sheet's whole grid up to its furthest cell, and the shared strings by their
declared count, before reading anything; a failed allocation aborts the process. Each variant below was
a way past the old regex guard (issue 12). Each is written into a real return; the run reads it in a
child process, so that a guard that misses one shows up as a dead child here, not as a dead pytest.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline.read.guard import MAX_MEMBER_BYTES, scan
from tests.corpus_factories import rewrite_member
from tests.factories import full_week, placement, provider, write_return, write_school

ROOT = Path(__file__).resolve().parent.parent
SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
GOOD_WEEK, BAD_WEEK = "16/11/2026", "23/11/2026"

CHILD = """
import json, sys
from pathlib import Path
from pipeline.findings import Findings
from pipeline.read.registers import read_registers
from pipeline.read.returns import read_returns
folder = Path(sys.argv[1])
findings = Findings()
regs = read_registers(folder, findings)
accepted = read_returns(folder, regs, findings)
print(json.dumps({"accepted": len(accepted), "findings": [[f.file, f.rule, f.severity] for f in findings]}))
"""


def _cells_before_end(extra: str):
    return lambda xml: xml.replace("</sheetData>", extra + "</sheetData>")


def _attr_quoting(old: str, new: str):
    return lambda xml: xml.replace(old, new)


# (id, member, change): each makes calamine want a grid of billions of cells or billions of strings.
VARIANTS = [
    ("far-cell-double-quotes", SHEET, _cells_before_end('<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>')),
    ("far-cell-single-quotes", SHEET, _cells_before_end("<row r='1048576'><c r='XFD1048576' t='s'><v>0</v></c></row>")),
    ("spaces-around-equals", SHEET, _cells_before_end('<row r = "1048576"><c  r =  \'XFD1048576\'  t = "s" ><v>0</v></c></row>')),
    ("tab-and-newline-in-tag", SHEET, _cells_before_end('<row\tr="1048576"\n><c\nr="XFD1048576"\tt="s"><v>0</v></c></row>')),
    ("namespace-prefix", SHEET, lambda xml: xml.replace(
        "</sheetData>", '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="1048576">'
        '<x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row></sheetData>')),
    ("inline-string-far-cell", SHEET, _cells_before_end(
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')),
    ("formula-only-far-cell", SHEET, _cells_before_end('<row r="1048576"><c r="XFD1048576"><f>1+1</f></c></row>')),
    ("cells-without-r-in-a-far-row", SHEET, _cells_before_end(
        '<row r="1048576">' + '<c t="s"><v>0</v></c>' * 12 + "</row>")),
    ("far-row-far-column-apart", SHEET, _cells_before_end(
        '<row r="1048576"><c r="A1048576" t="s"><v>0</v></c></row>'
        '<row r="1"><c r="XFD1" t="s"><v>0</v></c></row>')),
    ("shared-strings-count-900000000", STRINGS, lambda xml: re.sub(r'count="\d+"', "count='900000000'", xml, count=1)),
    ("shared-strings-uniqueCount-spaced", STRINGS, lambda xml: re.sub(r'uniqueCount="\d+"', "uniqueCount = '4000000000'", xml)),
    ("doctype-entity-expansion", SHEET, lambda xml: xml.replace(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>', 1)),
]


def _school(tmp_path: Path) -> Path:
    folder = write_school(tmp_path / "school", [placement("P001", "PRV1")], [provider("PRV1")])
    write_return(folder / "returns" / "good.xlsx", "PRV1", GOOD_WEEK, [("P001", full_week("B"))])
    return folder


def _bad_return(folder: Path, member: str, change) -> Path:
    path = write_return(folder / "returns" / "bad.xlsx", "PRV1", BAD_WEEK, [("P001", full_week("B"))])
    return rewrite_member(path, member, change)


def _read_in_child(folder: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(folder)], cwd=ROOT, capture_output=True, timeout=180,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, f"the reader died (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-400:]}"
    return json.loads(proc.stdout)


@pytest.mark.parametrize("member,change", [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_each_way_of_writing_a_huge_sheet_is_one_too_large_finding_and_the_run_goes_on(tmp_path, member, change):
    folder = _school(tmp_path)
    bad = _bad_return(folder, member, change)
    assert bad.stat().st_size < 20_000          # a few kilobytes on disk
    found = scan(bad.read_bytes())
    assert found.problem is not None, "the guard let it through"
    out = _read_in_child(folder)
    assert out == {"accepted": 1, "findings": [["returns/bad.xlsx", "too-large", "error"]]}


def test_a_normal_return_passes_the_guard_with_its_formula_cells_recorded(tmp_path):
    folder = _school(tmp_path)
    path = _bad_return(folder, SHEET, lambda xml: xml.replace('<c r="M5" t="s"><v>21</v></c>',
                                                              '<c r="M5"><f>1+1</f><v>2</v></c>'))
    found = scan(path.read_bytes())
    assert (found.problem, found.suspect) == (None, None)
    assert found.formulas == {"Attendance": frozenset({(4, 12)})}


def test_the_far_cell_message_tells_the_provider_how_to_fix_it(tmp_path):
    from pipeline.read.workbook import open_workbook

    folder = _school(tmp_path)
    bad = _bad_return(folder, SHEET, VARIANTS[1][2])
    got = open_workbook(bad)
    assert got.rule == "too-large"
    assert "XFD1048576" in got.message and "Ctrl+End" in got.message


def _zip_bomb(path: Path, size: int) -> None:
    """A workbook whose sheet unzips to `size` bytes of spaces (written in chunks: no `size` bytes in memory)."""
    write_return(path, "PRV1", BAD_WEEK, [("P001", full_week("B"))])
    with zipfile.ZipFile(path) as z:
        members = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename != SHEET:
                z.writestr(info, data)
                continue
            head, tail = data.split(b"<sheetData>")
            with z.open(SHEET, "w", force_zip64=True) as out:
                out.write(head + b"<sheetData>")
                chunk = b" " * (1 << 20)
                for _ in range(size // len(chunk) + 1):
                    out.write(chunk)
                out.write(b"<sheetData>" + tail)


def test_a_zip_bomb_is_one_too_large_finding(tmp_path):
    folder = _school(tmp_path)
    bomb = folder / "returns" / "bad.xlsx"
    _zip_bomb(bomb, MAX_MEMBER_BYTES + 1)
    assert bomb.stat().st_size < 2_000_000                  # under 2 MB on disk, over 300 MB unzipped
    assert "unzips to" in scan(bomb.read_bytes()).problem
    out = _read_in_child(folder)
    assert out == {"accepted": 1, "findings": [["returns/bad.xlsx", "too-large", "error"]]}


def test_the_weekly_run_with_a_huge_return_exits_1_with_the_finding_in_the_report(tmp_path):
    folder = _school(tmp_path)
    _bad_return(folder, SHEET, VARIANTS[2][2])
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "run_weekly.py", "--data", str(folder), "--out", str(out),
                           "--week", "2026-11-23"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (1, "")
    summary = json.loads((out / "2026-11-23" / "summary.json").read_text(encoding="utf-8"))
    assert [(f["file"], f["rule"]) for f in summary["findings"] if f["severity"] == "error"] == \
        [("returns/bad.xlsx", "too-large")]
    assert dt.date.fromisoformat(summary["week_commencing"]) == dt.date(2026, 11, 23)
