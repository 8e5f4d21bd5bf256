"""Annotated copies (contract §9, `annotated/`): each input xlsx with findings is copied with its bad
cells filled and commented and a first sheet listing the findings; the original is never touched."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import warnings
from pathlib import Path

import openpyxl
import pytest
from xlsxwriter.utility import xl_col_to_name

from pipeline import annotate, schema
from pipeline.annotate import FILLS, write_annotated
from pipeline.findings import Finding
from pipeline.run import run_week
from tests.factories import full_week, placement, provider, write_grid, write_return, write_school
from tests.school_factories import encrypt_workbook, folder_state, write_ole

WEEK = dt.date(2026, 11, 23)
RED, AMBER = FILLS["error"], FILLS["warning"]
PRV1_RETURN = "returns/PRV1/prv1 w-c 23-11-2026.xlsx"      # in a sub-folder: the copy mirrors the path


def placement_cell(header: str, row: int) -> str:
    """The cell of `header` in the factory's placements.xlsx (schema order, header on row 1)."""
    return f"{xl_col_to_name([c.header for c in schema.PLACEMENTS.columns].index(header))}{row}"


def bad_school(tmp_path: Path) -> Path:
    """placements.xlsx: P002 a bad UPN (B3), P003 an unknown provider (G4). The PRV1 return: P001's Tue AM
    blank (F5), Tue PM an unknown code (G5), Wed AM a legacy code (H5, a warning); a row for PRV2's pupil
    P004 (A6); P002 missing (a whole-file finding). PRV2's return is clean. Three returns that cannot be
    read: encrypted, an old .xls and a damaged xlsx."""
    data = write_school(tmp_path / "data", [
        placement("P001"), placement("P002", UPN="B801200005002"), placement("P003", provider_id="PRV9"),
        placement("P004", provider_id="PRV2")], [provider("PRV1"), provider("PRV2")])
    marks = full_week("B")
    marks[2], marks[3], marks[4] = None, "ZZ", "H"
    write_return(data / PRV1_RETURN, "PRV1", WEEK, [("P001", marks), ("P004", full_week("B"))])
    write_return(data / "returns" / "prv2.xlsx", "PRV2", WEEK, [("P004", full_week("B"))])
    encrypt_workbook(write_return(tmp_path / "plain.xlsx", "PRV2", WEEK, [("P004", full_week("B"))]),
                     data / "returns" / "locked.xlsx")
    write_ole(data / "returns" / "old.xls", "Workbook")
    (data / "returns" / "broken.xlsx").write_bytes(b"PK\x03\x04" + bytes(200))   # looks like a zip, is not
    return data


def run(data: Path, out: Path):
    outcome = run_week(data, out, week=WEEK)
    folder = out / WEEK.isoformat()
    return outcome, folder, json.loads((folder / "summary.json").read_text(encoding="utf-8"))["findings"]


def copies(folder: Path) -> dict[str, str]:
    """relative path under annotated/ -> sha256 of the copy."""
    root = folder / "annotated"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()} if root.is_dir() else {}


def listed(ws) -> list[tuple]:
    """The Findings sheet's table: (severity, sheet, cell, rule, value, message, hyperlink location)."""
    rows = list(ws.iter_rows())
    header = next(i for i, r in enumerate(rows) if r[0].value == "Severity")
    return [tuple(c.value for c in r[:6]) + (r[2].hyperlink.location if r[2].hyperlink else None,)
            for r in rows[header + 1:]]


@pytest.fixture
def school_run(tmp_path):
    data = bad_school(tmp_path)
    before = folder_state(data)
    outcome, folder, findings = run(data, tmp_path / "out")
    return data, before, outcome, folder, findings


def test_each_workbook_with_findings_gets_a_copy_at_the_same_path(school_run):
    data, before, outcome, folder, findings = school_run
    files = {f["file"] for f in findings}
    assert {"placements.xlsx", PRV1_RETURN, "returns/locked.xlsx", "returns/old.xls", "returns/broken.xlsx"} <= files
    assert "providers.xlsx" not in files and "returns/prv2.xlsx" not in files
    assert set(copies(folder)) == {"placements.xlsx", PRV1_RETURN}     # no copy of a clean or unreadable file
    assert folder / "annotated" / PRV1_RETURN in outcome.files


def test_the_originals_are_untouched(school_run):
    data, before, outcome, folder, findings = school_run
    assert folder_state(data) == before                       # same bytes, same modification times, no new files


@pytest.mark.parametrize("rel, sheet, cell, rule, fill", [
    ("placements.xlsx", "Placements", placement_cell("UPN", 3), "bad-upn", RED),
    ("placements.xlsx", "Placements", placement_cell("Provider ID", 4), "unknown-provider", RED),
    (PRV1_RETURN, "Attendance", "F5", "blank-session", RED),
    (PRV1_RETURN, "Attendance", "G5", "unknown-code", RED),
    (PRV1_RETURN, "Attendance", "H5", "legacy-code", AMBER),
    (PRV1_RETURN, "Attendance", "A6", "wrong-placement", RED),
])
def test_a_bad_cell_is_filled_and_carries_its_message(school_run, rel, sheet, cell, rule, fill):
    data, before, outcome, folder, findings = school_run
    finding = next(f for f in findings if f["file"] == rel and f["rule"] == rule)
    assert (finding["sheet"], finding["cell"]) == (sheet, cell)
    ws = openpyxl.load_workbook(folder / "annotated" / rel)[sheet]
    assert ws[cell].fill.fill_type == "solid" and ws[cell].fill.fgColor.rgb == fill
    assert ws[cell].comment.author == "AP monitor"
    assert f"({rule}): {finding['message']}" in ws[cell].comment.text
    assert ws[cell].value == openpyxl.load_workbook(data / rel)[sheet][cell].value      # the value itself unchanged


def test_red_is_red_and_amber_is_amber():
    def rgb(argb):
        return tuple(int(argb[i:i + 2], 16) for i in (2, 4, 6))
    r, g, b = rgb(RED)
    assert r > g > 150 and r > b                             # a light red
    r, g, b = rgb(AMBER)
    assert r > g > b and g > 200                             # a light amber


@pytest.mark.parametrize("rel", ["placements.xlsx", PRV1_RETURN])
def test_the_first_sheet_lists_every_finding_of_the_file_with_links(school_run, rel):
    data, before, outcome, folder, findings = school_run
    wb = openpyxl.load_workbook(folder / "annotated" / rel)
    assert wb.sheetnames[0] == "Findings" and wb.active.title == "Findings"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Findings"]
    assert wb.sheetnames[1:] == openpyxl.load_workbook(data / rel).sheetnames
    ws = wb["Findings"]
    rows = listed(ws)
    mine = [f for f in findings if f["file"] == rel]
    assert [(r[3], r[5]) for r in rows] == [(f["rule"], f["message"]) for f in mine]
    for row, f in zip(rows, mine):
        assert row[0] == f["severity"].capitalize()
        if f["cell"] is None:                                 # a whole-file finding: listed, nothing to link to
            assert row[1] == "(whole file)" and row[6] is None
            continue
        assert row[1] == f["sheet"] and row[2] == f["cell"]
        assert row[6] == f"'{f['sheet']}'!{f['cell']}"      # an internal link: location, no external target
        target_sheet, target_cell = row[6].split("!")
        target = wb[target_sheet.strip("'")][target_cell]
        assert target.comment is not None and f["message"] in target.comment.text
    links = [c.hyperlink for r in ws.iter_rows() for c in r if c.hyperlink]
    assert links and all(h.target is None and h.location for h in links)


def test_the_return_lists_its_whole_file_finding(school_run):
    data, before, outcome, folder, findings = school_run
    rows = listed(openpyxl.load_workbook(folder / "annotated" / PRV1_RETURN)["Findings"])
    missing = [r for r in rows if r[3] == "pupil-missing-from-return"]
    assert missing and missing[0][1] == "(whole file)" and missing[0][6] is None
    assert "P002" in missing[0][5]


def test_the_note_says_it_is_a_copy_for_reading_and_why(school_run):
    data, before, outcome, folder, findings = school_run
    ws = openpyxl.load_workbook(folder / "annotated" / "placements.xlsx")["Findings"]
    notes = [ws.cell(r, 1) for r in range(1, 5)]
    text = " ".join(c.value for c in notes)
    assert all(c.font.bold for c in notes)
    assert "COPY" in notes[0].value and "placements.xlsx" in notes[0].value
    for phrase in ("has not been changed", "Do not use this copy as the new master", "Excel 2010",
                   "data validations", "conditional formatting", "make your corrections there"):
        assert phrase in text, phrase


def test_a_rerun_writes_the_same_copies_and_removes_stale_ones(school_run, tmp_path):
    data, before, outcome, folder, findings = school_run
    first = copies(folder)
    stale = folder / "annotated" / "returns" / "old return.xlsx"
    stale.write_bytes(b"left by an earlier run")
    run(data, tmp_path / "out")
    assert copies(folder) == first                            # the same files, byte for byte
    assert folder_state(data) == before


def test_no_findings_no_copies_and_earlier_copies_are_removed(school_run):
    data, before, outcome, folder, findings = school_run
    assert write_annotated(data, [], folder) == []
    assert not (folder / "annotated").exists()


def test_a_clean_school_gets_no_annotated_folder(tmp_path):
    data = write_school(tmp_path / "data", [placement("P001")])
    write_return(data / "returns" / "prv1.xlsx", "PRV1", WEEK, [("P001", full_week("B"))])
    outcome, folder, findings = run(data, tmp_path / "out")
    assert findings == [] and not (folder / "annotated").exists()


# --- write_annotated on its own: cells that are rows, sheets and files, and awkward workbooks --------

def finding(file, sheet, cell, rule, severity="error", value=None, message=None):
    return Finding(file, sheet, cell, rule, severity, value, message or f"{rule} at {cell}")


def test_row_sheet_and_file_findings_and_several_on_one_cell(tmp_path):
    data = tmp_path / "data"
    write_grid(data / "book.xlsx", {"My Sheet's": [["a", "b"], ["c", "d"], ["e", "f"]], "Findings": [["own"]]})
    found = [finding("book.xlsx", "My Sheet's", "3", "incomplete-incident"),
             finding("book.xlsx", "My Sheet's", "B2", "unknown-code", value="=1+1"),
             finding("book.xlsx", "My Sheet's", "B2", "legacy-code", severity="warning"),
             finding("book.xlsx", "My Sheet's", None, "missing-column"),
             finding("book.xlsx", None, None, "duplicate-return", severity="warning")]
    [path] = write_annotated(data, found, tmp_path / "out" / WEEK.isoformat())
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Findings (AP monitor)", "My Sheet's", "Findings"]   # the school's own sheet kept
    ws = wb["My Sheet's"]
    assert ws["A3"].fill.fgColor.rgb == RED and "incomplete-incident" in ws["A3"].comment.text
    assert ws["B2"].fill.fgColor.rgb == RED                                          # the worse of the two
    assert "unknown-code at B2" in ws["B2"].comment.text and "legacy-code at B2" in ws["B2"].comment.text
    filled = {c.coordinate for r in ws.iter_rows() for c in r if c.fill.fill_type == "solid"}
    assert filled == {"A3", "B2"}                                                    # nothing for sheet or file
    rows = listed(wb["Findings (AP monitor)"])
    assert [(r[2], r[6]) for r in rows] == [
        ("row 3", "'My Sheet''s'!A3"), ("B2", "'My Sheet''s'!B2"), ("B2", "'My Sheet''s'!B2"),
        ("(whole sheet)", "'My Sheet''s'!A1"), (None, None)]
    value_cell = next(r for r in wb["Findings (AP monitor)"].iter_rows() if r[4].value == "=1+1")[4]
    assert value_cell.data_type == "s"                                               # text, never a formula


def test_a_workbook_with_excel_2010_validations_is_copied_without_warnings(tmp_path):
    """openpyxl warns that it drops x14 extension validations; the copy is made and the warning is not shown."""
    import io
    import re
    import zipfile

    data = tmp_path / "data"
    plain = write_grid(tmp_path / "plain.xlsx", {"Attendance": [["Placement ID"], ["P001"]]})
    ext = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main"><x14:dataValidations count="0" '
           b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"/></ext></extLst>')
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb"</worksheet>$", ext + b"</worksheet>", body.strip())
            dst.writestr(info, body)
    (data / "returns").mkdir(parents=True)
    (data / "returns" / "r.xlsx").write_bytes(out.getvalue())
    with pytest.warns(UserWarning, match="extension is not supported"):       # what openpyxl says on its own
        openpyxl.load_workbook(data / "returns" / "r.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = write_annotated(data, [finding("returns/r.xlsx", "Attendance", "A2", "wrong-placement")],
                                tmp_path / "out" / WEEK.isoformat())
    assert [p.name for p in paths] == ["r.xlsx"]


def test_files_that_cannot_be_annotated_are_skipped(tmp_path):
    data = tmp_path / "data"
    (data / "register").mkdir(parents=True)
    (data / "register" / "mis.csv").write_text("UPN,Date,Session,Code\n", encoding="utf-8")
    (data / "returns").mkdir()
    (data / "returns" / "broken.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    write_ole(data / "returns" / "old.xls", "Workbook")
    found = [finding("register/mis.csv", None, "2", "register-bad-row"),
             finding("returns/broken.xlsx", None, None, "not-a-workbook"),
             finding("returns/old.xls", None, None, "xls-file"),
             finding("returns/gone.xlsx", "Attendance", "A1", "unknown-code"),         # no longer there
             finding("../outside.xlsx", "Attendance", "A1", "unknown-code"),
             finding("school.toml", None, None, "letter-missing-fact")]
    assert write_annotated(data, found, tmp_path / "out" / WEEK.isoformat()) == []


def test_a_return_named_other_than_xlsx_gets_an_xlsx_copy(tmp_path):
    data = tmp_path / "data"
    write_return(data / "returns" / "prv1.xls", "PRV1", WEEK, [("P001", full_week("B"))])   # really an xlsx
    [path] = write_annotated(data, [finding("returns/prv1.xls", "Attendance", "D5", "unknown-code")],
                             tmp_path / "out" / WEEK.isoformat())
    assert path == tmp_path / "out" / WEEK.isoformat() / "annotated" / "returns" / "prv1.xls.xlsx"
    assert annotate.copy_name("placements.xlsx") == "placements.xlsx"


def test_the_copy_is_pinned_to_the_week(tmp_path):
    data = tmp_path / "data"
    write_grid(data / "placements.xlsx", {"Placements": [["Placement ID"], ["P001"]]})
    [path] = write_annotated(data, [finding("placements.xlsx", "Placements", "A2", "duplicate-id")],
                             tmp_path / "out" / WEEK.isoformat())
    props = openpyxl.load_workbook(path).properties
    assert props.modified == props.created == dt.datetime(2026, 11, 23)


def test_at_most_the_limit_of_copies_registers_first_then_most_errors(tmp_path):
    # placements.xlsx (1 error) and two returns (2 errors and 1 error): with a limit of 2, the register
    # and the return with most errors get copies; the other return is listed as skipped.
    from tests.factories import write_grid
    data = tmp_path / "data"
    write_grid(data / "placements.xlsx", {"Placements": [["Placement ID"], ["P001"]]})
    write_grid(data / "returns" / "a.xlsx", {"Attendance": [["Placement ID"], ["P001"]]})
    write_grid(data / "returns" / "b.xlsx", {"Attendance": [["Placement ID"], ["P001"]]})
    found = [finding("placements.xlsx", "Placements", "A2", "duplicate-id"),
             finding("returns/a.xlsx", "Attendance", "A2", "wrong-placement"),
             finding("returns/b.xlsx", "Attendance", "A2", "wrong-placement"),
             finding("returns/b.xlsx", "Attendance", "A1", "required-blank")]
    skipped = []
    paths = write_annotated(data, found, tmp_path / "out" / WEEK.isoformat(), limit=2, skipped=skipped)
    assert [p.relative_to(tmp_path / "out" / WEEK.isoformat() / "annotated").as_posix() for p in paths] == [
        "placements.xlsx", "returns/b.xlsx"]
    assert skipped == ["returns/a.xlsx"]


def test_a_copy_is_saved_in_one_pass_in_memory_with_the_bytes_of_the_long_way(school_run, monkeypatch):
    """Each sheet's XML goes straight into the zip with the fixed time: no temporary file per sheet, and the
    same bytes as openpyxl's own save packed again."""
    import openpyxl.worksheet._writer as sheet_writer

    _, _, _, folder, _ = school_run
    made_copies = sorted((folder / "annotated").rglob("*.xlsx"))
    assert len(made_copies) >= 2
    for copy in made_copies:
        wb = openpyxl.load_workbook(copy)
        expected = annotate._save_twice(wb)
        made = []
        real = sheet_writer.create_temporary_file
        monkeypatch.setattr(sheet_writer, "create_temporary_file", lambda *a, **k: made.append(1) or real(*a, **k))
        assert annotate._save(openpyxl.load_workbook(copy)) == expected
        assert made == []
        monkeypatch.undo()


def test_another_openpyxl_whose_insides_differ_is_saved_the_long_way_with_the_same_bytes(school_run, monkeypatch):
    _, _, _, folder, _ = school_run
    copy = sorted((folder / "annotated").rglob("*.xlsx"))[0]
    expected = annotate._save(openpyxl.load_workbook(copy))

    def changed_insides():
        raise AttributeError("'WorksheetWriter' object has no attribute '_rels'")

    monkeypatch.setattr(annotate, "_in_memory_writer", changed_insides)
    assert annotate._save(openpyxl.load_workbook(copy)) == expected
