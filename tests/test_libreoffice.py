"""Every workbook the tool writes or ships, opened by a real spreadsheet application: LibreOffice headless.

Each one (the weekly report, the governor pack, a pre-filled return, the input templates) converts to PDF and to
one CSV per sheet. The profile is told to recalculate every xlsx on load, so the figures read back from the CSV
are the ones a client shows after its own recalculation (a canary checks that it does recalculate). A pre-filled
return saved again by LibreOffice keeps its protection, unlocked cells and dropdown. LibreOffice's PDFs are kept
in test-artifacts/office/ (git ignores it)."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
import xlsxwriter

from pipeline import schema
from pipeline.governors.render_xlsx import sheet_names
from pipeline.templates import header_row
from tests.conftest import ROOT

pytestmark = pytest.mark.office

ARTIFACTS = ROOT / "test-artifacts" / "office"
TEMPLATES = ROOT / "input_templates"
TIMEOUT = 120                                   # seconds per conversion; a first start takes a few
# LibreOffice >= 7.2: the 12th token -1 writes every sheet, each to <name>-<sheet>.csv. Comma, double quotes,
# UTF-8 (76), raw values rather than as shown (token 9 false), so 96.3% reads 96.3.
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
# In the fresh profile: recalculate formulas on loading any xlsx (0 = always) instead of trusting cached values.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""
WORKBOOKS = ("weekly_report", "governor_pack", "return", *(p.stem for p in sorted(TEMPLATES.glob("*.xlsx"))))


class Office:
    """soffice with its own profile (-env:UserInstallation), so parallel sessions never share one."""

    def __init__(self, profile: Path):
        self.exe = shutil.which("soffice")
        self.profile = profile
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")

    def run(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run([self.exe, f"-env:UserInstallation={self.profile.as_uri()}", "--headless",
                               "--norestore", *map(str, args)], capture_output=True, text=True, timeout=TIMEOUT)

    def convert(self, sources, to: str, outdir: Path) -> subprocess.CompletedProcess:
        outdir.mkdir(parents=True, exist_ok=True)
        sources = [sources] if isinstance(sources, Path) else list(sources)
        return self.run("--convert-to", to, "--outdir", outdir, *sources)


@pytest.fixture(scope="session")
def office():
    profile = Path(tempfile.gettempdir()) / f"lo-{uuid.uuid4().hex}"
    client = Office(profile)
    version = client.run("--version")
    found = re.search(r"LibreOffice (\d+)\.(\d+)", version.stdout)
    assert version.returncode == 0 and found, version.stdout + version.stderr
    assert tuple(map(int, found.groups())) >= (7, 2), f"per-sheet CSV needs LibreOffice 7.2: {version.stdout}"
    yield client
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def workbooks(demo_outputs) -> dict[str, Path]:
    return {"weekly_report": demo_outputs.weekly_xlsx, "governor_pack": demo_outputs.pack_xlsx,
            "return": demo_outputs.returns[0], **{p.stem: p for p in sorted(TEMPLATES.glob("*.xlsx"))}}


@pytest.fixture(scope="session")
def converted(office, workbooks, tmp_path_factory) -> dict[str, SimpleNamespace]:
    """All the workbooks converted in two runs (one to PDF, one to CSV; a start of soffice costs seconds):
    name -> the two runs, the PDF and {sheet: csv path}."""
    out = tmp_path_factory.mktemp("lo-converted")
    sources = list(workbooks.values())
    assert len({p.stem for p in sources}) == len(sources)          # one output name per workbook
    pdf_run, csv_run = office.convert(sources, "pdf", out / "pdf"), office.convert(sources, CSV_FILTER, out / "csv")
    done = {}
    for name, src in workbooks.items():
        book = openpyxl.load_workbook(src, read_only=True)
        sheets = book.sheetnames
        book.close()
        done[name] = SimpleNamespace(pdf_run=pdf_run, csv_run=csv_run, pdf=out / "pdf" / f"{src.stem}.pdf",
                                     csv={s: out / "csv" / f"{src.stem}-{s}.csv" for s in sheets})
    return done


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("name", WORKBOOKS)
def test_converts_to_pdf_and_to_csv_per_sheet(converted, name):
    c = converted[name]
    for run in (c.pdf_run, c.csv_run):
        assert run.returncode == 0, run.stdout + run.stderr
    assert c.pdf.is_file() and c.pdf.stat().st_size > 1000
    data = c.pdf.read_bytes()
    assert data.startswith(b"%PDF-") and re.search(rb"/Type\s*/Page\b", data)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(c.pdf, ARTIFACTS / f"{name}.pdf")
    assert [s for s, path in c.csv.items() if not path.is_file()] == [], c.csv_run.stdout
    assert all(read_csv(path) for path in c.csv.values())


def test_weekly_attendance_csv_holds_the_year_to_date_figures(converted, demo_outputs):
    header, *lines = read_csv(converted["weekly_report"].csv["Attendance"])
    rows = {line[0]: dict(zip(header, line)) for line in lines}
    p001 = rows["P001"]
    assert (p001["Year to date possible"], p001["Year to date attended"]) == ("108", "104")
    assert p001["Year to date %"] == "96.3"
    # and every pupil's figures are the report's own (summary.json)
    summary = json.loads((demo_outputs.week / "summary.json").read_text(encoding="utf-8"))
    assert sorted(rows) == sorted(p["placement_id"] for p in summary["pupils"])
    names = {"possible": "possible", "attended": "attended", "authorised": "authorised",
             "unauthorised": "unauthorised", "not_reported": "not reported", "percent": "%"}
    for pupil in summary["pupils"]:
        for period, label in (("week", "Week"), ("year_to_date", "Year to date")):
            for key, column in names.items():
                value, cell = pupil[period][key], rows[pupil["placement_id"]][f"{label} {column}"]
                assert (cell == "") if value is None else (float(cell) == pytest.approx(value)), (pupil, key, cell)


def same(value, cell: str) -> bool:
    if value is None:
        return cell == ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return bool(re.fullmatch(r"-?\d+(\.\d+)?", cell)) and float(cell) == pytest.approx(value)
    return cell == str(value)


def test_governor_pack_csv_holds_the_figures_of_the_packs_model(converted, demo_outputs):
    pack, c = demo_outputs.pack, converted["governor_pack"]
    assert "attendance" in [s.id for s in pack.sections]
    checked = 0
    for section, sheet in zip(pack.sections, sheet_names([s.title for s in pack.sections])):
        rows = read_csv(c.csv[sheet])
        for table in section.tables:
            width = len(table.columns)
            lines = [row[:width] + [""] * (width - len(row)) for row in rows]
            start = next((i for i in range(len(lines) - 1)
                          if lines[i][0] == table.title and lines[i + 1] == list(table.columns)), None)
            assert start is not None, (sheet, table.title)
            block = lines[start + 2:start + 2 + len(table.rows)]
            assert len(block) == len(table.rows), (sheet, table.title)
            for row, line in zip(table.rows, block):
                assert all(same(v, cell) for v, cell in zip(row, line)), (sheet, table.title, row, line)
                checked += 1
    attendance = next(s for s in pack.sections if s.id == "attendance")
    assert checked and attendance.tables[0].rows[-1][0] == "Total"


def test_input_templates_csv_keep_their_headers(converted):
    for book in schema.WORKBOOKS:
        c = converted[Path(book.filename).stem]
        for sheet in book.sheets:
            rows = read_csv(c.csv[sheet.name])
            assert rows[header_row(sheet)][:len(sheet.columns)] == [col.header for col in sheet.columns], sheet.name


def test_the_profile_recalculates_on_load(office, tmp_path):
    """The canary: a formula saved with a stale cached value reads back recalculated, so the checks above see
    what a client shows after recalculating, not only what the file caches."""
    src = tmp_path / "stale.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("S").write_formula("A1", "=1+1", None, 999)
    wb.close()
    run = office.convert(src, "csv", tmp_path / "out")
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "out" / "stale.csv").read_text(encoding="utf-8").strip() == "2"


def covered(cell: str, validation) -> bool:
    return any(cell in rng for rng in validation.sqref.ranges)


def test_pre_filled_return_keeps_its_dropdown_and_protection_after_a_round_trip(office, demo_outputs, tmp_path):
    source = max(demo_outputs.returns, key=lambda p: sum(  # the return with the most '-' (not expected) cells
        c.value == "-" for row in openpyxl.load_workbook(p)["Attendance"].iter_rows(min_row=5) for c in row))
    before = openpyxl.load_workbook(source)["Attendance"]
    sessions = [c for row in before.iter_rows(min_row=5, min_col=4, max_col=13) for c in row]
    expected = [c.coordinate for c in sessions if not c.protection.locked]
    dashes = [c.coordinate for c in sessions if c.value == "-"]
    assert expected and dashes and before.protection.sheet

    run = office.convert(source, "xlsx", tmp_path / "saved")     # open, save as xlsx, in another folder
    assert run.returncode == 0, run.stdout + run.stderr
    book = openpyxl.load_workbook(tmp_path / "saved" / source.name)
    ws = book["Attendance"]
    assert ws.protection.sheet
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and all("Lists!" in dv.formula1 and not dv.showDropDown for dv in lists)
    for cell in expected:
        assert not ws[cell].protection.locked, cell
        assert any(covered(cell, dv) for dv in lists), f"{cell} lost its dropdown"
    for cell in dashes:
        assert ws[cell].value == "-" and ws[cell].protection.locked, cell
    codes = [r[0] for r in book["Lists"].iter_rows(min_row=2, max_col=1, values_only=True) if r[0]]
    assert "B" in codes and book["Lists"].sheet_state == "hidden"


# --- The weekly workbook printed (issue 16): LibreOffice's PDF of it, read back with pypdf. Each sheet's pages carry
# the page header '<sheet>, week commencing dd/mm/yyyy', which tells the sheets' pages apart.

def squash(text: str) -> str:
    return " ".join(text.split())


def first_instruction(xlsx: Path) -> str:
    ws = openpyxl.load_workbook(xlsx)["Summary"]
    return next(r[1] for r in ws.iter_rows(values_only=True) if r[0] == "What to do first")


def pages_by_sheet(pdf: Path, sheets: list[str]) -> dict[str, list[str]]:
    """sheet -> the whitespace-squashed text of each of its PDF pages, in order."""
    from pypdf import PdfReader

    out = {s: [] for s in sheets}
    for page in PdfReader(pdf).pages:
        text = squash(page.extract_text())
        owner = [s for s in sheets if f"{s}, week commencing" in text]
        assert len(owner) == 1, text[:200]
        out[owner[0]].append(text)
    return out


def body_sizes(pdf: Path) -> list[float]:
    """Each page's most common printed text size in points (font size times the text matrix's scale)."""
    from collections import Counter

    from pypdf import PdfReader, mult

    sizes = []
    for page in PdfReader(pdf).pages:
        seen = Counter()

        def visit(text, cm, tm, font, size, seen=seen):
            if text.strip():
                m = mult(tm, cm)
                seen[round(size * (m[0] ** 2 + m[1] ** 2) ** 0.5, 1)] += len(text.strip())
        page.extract_text(visitor_text=visit)
        sizes.append(seen.most_common(1)[0][0])
    return sizes


def test_the_weekly_reports_first_instruction_prints_whole_on_page_1(converted, demo_outputs):
    from pypdf import PdfReader

    page1 = squash(PdfReader(converted["weekly_report"].pdf).pages[0].extract_text())
    instruction = first_instruction(demo_outputs.weekly_xlsx)
    assert instruction.startswith("First check the 1 session where the school's register has a pupil at provision")
    assert squash(instruction) in page1
    assert "Summary, week commencing 23/11/2026" in page1 and "This week in numbers" in page1


def test_every_sheet_of_the_weekly_report_prints_one_page_wide_and_readable(converted, demo_outputs):
    """One page wide: every page of a sheet shows both its first and its last column's heading (the heading row
    repeats on each page). A sheet cut into two pages across would have a page without the first heading, the
    left-hand columns, and one without the last. Readable: the body text prints at 6 pt or more (it was about
    4 pt on the Attendance sheet before); this needs Calibri's metrics, that is Carlito (fonts-crosextra-carlito),
    as LibreOffice's fallback font is much wider."""
    book = openpyxl.load_workbook(demo_outputs.weekly_xlsx)
    pages = pages_by_sheet(converted["weekly_report"].pdf, book.sheetnames)
    assert len(pages["Summary"]) == 1
    for sheet in book.sheetnames[1:]:
        ws = book[sheet]
        first, last = squash(ws.cell(1, 1).value), squash(ws.cell(1, ws.max_column).value)
        assert pages[sheet], sheet
        for n, text in enumerate(pages[sheet], start=1):
            assert first in text and last in text, (sheet, n, first, last)
    assert len(pages["Attendance"]) == 1 and len(pages["Actions"]) == 3     # the demo's 18 actions run on down
    assert shutil.which("fc-match") and "Carlito" in subprocess.run(
        ["fc-match", "Calibri"], capture_output=True, text=True).stdout, "install fonts-crosextra-carlito"
    small = [(n, size) for n, size in enumerate(body_sizes(converted["weekly_report"].pdf), start=1) if size < 6]
    assert small == []


@pytest.fixture(scope="module")
def second_week_pdf(office, tmp_path_factory):
    """The demo's week 2026-11-23 after 2026-11-16 in the same OUT (the Summary lists 12 changes), as a PDF."""
    from tests.test_changes import FIRST, SECOND, demo_copy, week

    data, out = demo_copy(tmp_path_factory.mktemp("data")), tmp_path_factory.mktemp("out")
    assert [week(data, out, FIRST), week(data, out, SECOND)] == [0, 1]
    xlsx = out / SECOND / "weekly_report.xlsx"
    run = office.convert(xlsx, "pdf", out / "pdf")
    assert run.returncode == 0, run.stdout + run.stderr
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "pdf" / "weekly_report.pdf", ARTIFACTS / "weekly_report_second_week.pdf")
    return SimpleNamespace(xlsx=xlsx, pdf=out / "pdf" / "weekly_report.pdf")


def test_a_long_list_of_changes_does_not_push_the_first_instruction_off_page_1(second_week_pdf):
    book = openpyxl.load_workbook(second_week_pdf.xlsx)
    pages = pages_by_sheet(second_week_pdf.pdf, book.sheetnames)
    assert squash(first_instruction(second_week_pdf.xlsx)) in pages["Summary"][0]
    assert "Changes since last week" in pages["Summary"][0]
    assert "Since the report for the week commencing Monday 16 November 2026: 10 new actions" in pages["Summary"][0]
    # the changes one by one follow the counts, running on to page 2 rather than shrinking the text
    assert len(pages["Summary"]) == 2 and "Back on target" in pages["Summary"][1]
    assert min(body_sizes(second_week_pdf.pdf)[:2]) >= 9
