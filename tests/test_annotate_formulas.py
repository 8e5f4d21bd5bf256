"""Annotated copies hold no live formula from an input (contract §12): a provider's =HYPERLINK to a share, a
DDE formula or any other formula, in any sheet, is text in the copy; defined names that are formulas and
hyperlinks to places outside the workbook are left out of the copy; a plain range name is kept."""
from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from pathlib import Path

import openpyxl

from pipeline import schema
from pipeline.run import run_week
from tests.corpus_factories import Formula, rewrite_member, write_book, write_book_openpyxl
from tests.factories import full_week, placement, provider, rows_of, write_school
from tests.school_factories import folder_state, return_grid

WEEK = dt.date(2026, 11, 23)
RETURN = "returns/prv1.xlsx"
HYPERLINK = '=HYPERLINK("\\\\evil\\share","click")'          # =HYPERLINK("\\evil\share","click")
DDE = "=cmd|' /C calc'!A0"
SUM = "=SUM(1,2)"
NAMES = ("<definedNames><definedName name=\"Codes\">Extra!$A$1:$A$3</definedName>"
         "<definedName name=\"Evil\">cmd|' /C calc'!A0</definedName></definedNames>")


def school(tmp_path: Path) -> Path:
    """placements.xlsx saved by openpyxl (formulas with no cached value): P001's Forename a formula (a
    finding) and its Objectives a HYPERLINK (no finding, a text column); a cell linking to a share.
    The PRV1 return: P001's Mon AM a HYPERLINK formula (a finding), its Notes a DDE formula, a second
    sheet of formulas, a defined name that is a DDE formula and one that is a plain range."""
    data = write_school(tmp_path / "data", [placement("P001")], [provider("PRV1")])
    grid = rows_of(schema.PLACEMENTS, [placement("P001", Forename=Formula('="Te"&"st"'), Objectives=Formula(HYPERLINK))])
    write_book_openpyxl(data / "placements.xlsx", {"Placements": grid})
    wb = openpyxl.load_workbook(data / "placements.xlsx")
    wb["Placements"]["A5"] = "see the share"
    wb["Placements"]["A5"].hyperlink = "file://evil/share/plan.docx"
    wb.save(data / "placements.xlsx")
    marks = [Formula(HYPERLINK, "click")] + full_week("B")[1:]
    attendance = return_grid("PRV1", WEEK, [("P001", marks)])
    attendance[4][-1] = Formula(DDE, 0)                                         # Notes, N5
    write_book(data / RETURN, {"Attendance": attendance,
                               "Extra": [["B", Formula(SUM, 3)], ["N", Formula(DDE, 0)], ["/"]]})
    rewrite_member(data / RETURN, "xl/workbook.xml", lambda xml: xml.replace("</sheets>", "</sheets>" + NAMES))
    return data


def cells(path: Path) -> dict[tuple[str, str], tuple]:
    """(sheet, cell) -> (value, data_type) of every cell of the copy that holds something."""
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): (c.value, c.data_type)
            for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None}


def formula_elements(path: Path) -> dict[str, int]:
    """sheet part -> number of <f> elements in it."""
    with zipfile.ZipFile(path) as z:
        return {n: len(re.findall(rb"<f[\s>/]", z.read(n))) for n in z.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")}


def test_every_formula_of_every_sheet_is_text_in_the_copy(tmp_path):
    data = school(tmp_path)
    before = folder_state(data)
    outcome = run_week(data, tmp_path / "out", week=WEEK)
    folder = tmp_path / "out" / WEEK.isoformat()
    findings = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["findings"]
    assert outcome.exit_code == 1
    assert [(f["file"], f["sheet"], f["cell"], f["rule"]) for f in findings if f["rule"] == "formula-in-cell"] == [
        ("placements.xlsx", "Placements", "C2", "formula-in-cell"), (RETURN, "Attendance", "D5", "formula-in-cell")]
    assert folder_state(data) == before

    copy = folder / "annotated" / RETURN
    got = cells(copy)
    assert got[("Attendance", "D5")] == (HYPERLINK, "s")
    assert got[("Attendance", "N5")] == (DDE, "s")
    assert got[("Extra", "B1")] == (SUM, "s") and got[("Extra", "B2")] == (DDE, "s")
    assert got[("Attendance", "E5")] == ("B", "s")                        # other cells as they were
    assert [k for k, (_, kind) in got.items() if kind == "f"] == []
    assert set(formula_elements(copy).values()) == {0} and len(formula_elements(copy)) == 3   # Findings, Attendance, Extra
    wb = openpyxl.load_workbook(copy)
    assert list(wb.defined_names) == ["Codes"]                            # the plain range is kept, the DDE name is not
    assert wb["Attendance"]["D5"].quotePrefix is True                     # Excel keeps it text even when edited
    with zipfile.ZipFile(copy) as z:
        workbook_xml = z.read("xl/workbook.xml").decode()
    assert "cmd|" not in workbook_xml and "Extra!$A$1:$A$3" in workbook_xml

    register = folder / "annotated" / "placements.xlsx"
    got = cells(register)
    objectives = next(k for k, v in got.items() if v[0] == HYPERLINK)
    assert objectives[0] == "Placements" and got[objectives] == (HYPERLINK, "s")
    assert got[("Placements", "C2")] == ('="Te"&"st"', "s")
    assert [k for k, (_, kind) in got.items() if kind == "f"] == []
    assert set(formula_elements(register).values()) == {0}
    assert openpyxl.load_workbook(register)["Placements"]["A5"].hyperlink is None   # the link to a share is dropped
    with zipfile.ZipFile(register) as z:
        assert not [n for n in z.namelist() if n.endswith(".rels") and b"evil" in z.read(n)]
        assert not [n for n in z.namelist() if n.startswith("xl/externalLinks/")]


def test_the_original_keeps_its_formulas(tmp_path):
    """The guard on the test itself: the inputs really hold the formulas, names and link the copy drops."""
    data = school(tmp_path)
    assert formula_elements(data / RETURN) == {"xl/worksheets/sheet1.xml": 2, "xl/worksheets/sheet2.xml": 2}
    wb = openpyxl.load_workbook(data / RETURN)
    assert sorted(wb.defined_names) == ["Codes", "Evil"]
    assert openpyxl.load_workbook(data / "placements.xlsx")["Placements"]["A5"].hyperlink.target == \
        "file://evil/share/plan.docx"
