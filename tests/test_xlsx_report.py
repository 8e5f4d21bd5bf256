"""The attendance lead's weekly workbook, read back as a user (or Excel) would see it."""
from __future__ import annotations

import copy
import datetime as dt

import openpyxl
import pytest

from pipeline.model import WeeklyResult
from pipeline.render.xlsx_report import ATTENDANCE_HEADERS, write_xlsx_report
from pipeline.settings import parse_settings

FORMULA_VALUE = "=1+2"
EVIL_NAME = "<script>alert(1)</script>"


def _figures(possible, attended, authorised, unauthorised, not_reported, percent):
    return {"possible": possible, "attended": attended, "authorised": authorised,
            "unauthorised": unauthorised, "not_reported": not_reported, "percent": percent}


def make_result(**overrides) -> WeeklyResult:
    """A small week: P001 below target, P002 persistently absent, P003 with nothing possible."""
    settings = parse_settings({"school": {"name": "Test School", "target_percent": 96.0},
                               "terms": [{"name": "Autumn 2026", "start": dt.date(2026, 9, 3),
                                          "end": dt.date(2026, 12, 18)}]})
    summary = {
        "school": "Test School", "week_commencing": "2026-11-23", "as_of": "2026-11-27", "target_percent": 96.0,
        "pupils": [
            {"placement_id": "P001", "provider_id": "PRV1", "week": _figures(6, 5, 1, 0, 0, 83.3),
             "year_to_date": _figures(40, 37, 2, 1, 2, 92.5), "below_target": True, "persistent_absence": False},
            {"placement_id": "P002", "provider_id": "PRV2", "week": _figures(4, 2, 0, 2, 0, 50.0),
             "year_to_date": _figures(60, 50, 4, 6, 0, 83.3), "below_target": True, "persistent_absence": True},
            {"placement_id": "P003", "provider_id": "PRV2", "week": _figures(0, 0, 0, 0, 4, None),
             "year_to_date": _figures(0, 0, 0, 0, 4, None), "below_target": False, "persistent_absence": False},
        ],
        "actions": [
            {"rule": "parent-letter", "section": "12.2", "placement_id": "P003", "provider_id": "PRV2", "upn": None,
             "due": "2026-11-20", "status": "overdue", "owner": "Headteacher", "message": "Send the parents' letter."},
            {"rule": "dual-registration", "section": "8.9", "placement_id": "P001", "provider_id": "PRV1",
             "upn": None, "due": "2026-12-02", "status": "due", "owner": "Attendance lead",
             "message": "Dual register the pupil."},
            {"rule": "work-set", "section": "10.5", "placement_id": None, "provider_id": None,
             "upn": "A123456789012", "due": None, "status": "alert", "owner": "Headteacher",
             "message": "Make sure work is set."},
        ],
        "missing_returns": [{"provider_id": "PRV2", "week_commencing": "2026-11-23"}],
        "findings": [
            {"file": "returns/prv2.xlsx", "sheet": "Attendance", "cell": "E7", "severity": "error",
             "rule": "unknown-code", "value": FORMULA_VALUE, "message": "'=1+2' is not a register code."},
            {"file": "placements.xlsx", "sheet": None, "cell": None, "severity": "warning",
             "rule": "old-file", "value": None, "message": "A whole-file warning."},
        ],
    }
    summary.update(overrides)
    return WeeklyResult(settings=settings, week=dt.date(2026, 11, 23), as_of=dt.date(2026, 11, 27),
                        summary=summary,
                        pupil_names={"P001": "Ann Able", "P002": EVIL_NAME},   # P003 has no name
                        provider_names={"PRV1": "Bright Futures", "PRV2": "=cmd|' /C calc'!A0"})


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "weekly_report.xlsx"
    write_xlsx_report(make_result(), path)
    return openpyxl.load_workbook(path)


def _headers(ws):
    return [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]


def test_sheets_in_order(workbook):
    assert workbook.sheetnames == ["Summary", "Attendance", "Actions", "Missing returns", "Findings"]


def test_summary_sheet_states_the_week_and_counts(workbook):
    ws = workbook["Summary"]
    values = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    assert values["School"].value == "Test School"
    assert values["Week commencing"].value == dt.datetime(2026, 11, 23)
    assert values["Week commencing"].number_format == "dddd d mmmm yyyy"
    assert values["Figures up to"].value == dt.datetime(2026, 11, 27)
    assert values["Attendance target"].value == 96.0
    assert values["Pupils in alternative provision"].value == 3
    assert values["Below the attendance target (year to date)"].value == 2
    assert values["Persistent absence (year to date)"].value == 1
    assert values["Actions overdue"].value == 1
    assert values["Missing attendance returns"].value == 1
    assert values["Errors in the workbooks"].value == 1
    assert values["Warnings about the workbooks"].value == 1
    assert "1 overdue action" in values["What to do first"].value


def test_tables_and_headers(workbook):
    expected = {
        "Attendance": ATTENDANCE_HEADERS,
        "Actions": ["Status", "Due", "Rule", "Policy §", "Owner", "Placement ID", "Provider ID", "UPN", "What to do"],
        "Missing returns": ["Provider ID", "Provider", "Week commencing"],
        "Findings": ["Severity", "File", "Sheet", "Cell", "Rule", "Value", "Message"],
    }
    for name, headers in expected.items():
        ws = workbook[name]
        assert _headers(ws) == headers, name
        assert len(ws.tables) == 1, name
        table = next(iter(ws.tables.values()))
        assert [c.name for c in table.tableColumns] == headers
        assert ws.freeze_panes == "A2", name
        assert ws.page_setup.orientation == "landscape", name
        assert int(ws.page_setup.paperSize) == 9, name
        assert ws.print_title_rows == "$1:$1", name


def test_attendance_figures_in_the_right_cells(workbook):
    ws = workbook["Attendance"]
    col = {h: i + 1 for i, h in enumerate(ATTENDANCE_HEADERS)}
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    p1, p2, p3 = rows["P001"], rows["P002"], rows["P003"]
    assert ws.cell(p1, col["Pupil"]).value == "Ann Able"
    assert ws.cell(p1, col["Provider"]).value == "Bright Futures"
    assert [ws.cell(p1, col[f"Week {k}"]).value for k in ("possible", "attended", "authorised", "unauthorised")] \
        == [6, 5, 1, 0]
    assert ws.cell(p1, col["Week %"]).value == 83.3
    assert ws.cell(p1, col["Week %"]).number_format == '0.0"%"'
    assert ws.cell(p1, col["Year to date not reported"]).value == 2
    assert ws.cell(p1, col["Year to date %"]).value == 92.5
    assert (ws.cell(p1, col["Below target"]).value, ws.cell(p1, col["Persistent absence"]).value) == ("Y", "N")
    assert ws.cell(p2, col["Persistent absence"]).value == "Y"
    assert ws.cell(p2, col["Pupil"]).value == EVIL_NAME
    assert ws.cell(p3, col["Pupil"]).value is None          # no name known: blank, not "None"
    assert ws.cell(p3, col["Week %"]).value is None         # nothing possible: blank, not 0
    assert ws.cell(p3, col["Year to date %"]).value is None
    assert ws.cell(p3, col["Week not reported"]).value == 4


def test_formula_like_text_stays_text(workbook):
    findings = workbook["Findings"]
    cell = findings.cell(2, _headers(findings).index("Value") + 1)
    assert cell.value == FORMULA_VALUE and cell.data_type == "s"
    provider = workbook["Attendance"].cell(3, ATTENDANCE_HEADERS.index("Provider") + 1)
    assert provider.value == "=cmd|' /C calc'!A0" and provider.data_type == "s"


def test_dates_are_real_dates(workbook):
    actions = workbook["Actions"]
    due = actions.cell(2, 2)
    assert due.value == dt.datetime(2026, 11, 20) and due.number_format == "dd/mm/yyyy"
    assert actions.cell(4, 2).value is None                 # an alert has no due date
    week = workbook["Missing returns"].cell(2, 3)
    assert week.value == dt.datetime(2026, 11, 23) and week.number_format == "dd/mm/yyyy"


def test_attendance_highlights_below_target_and_persistent_absence(workbook):
    rules = [(str(cf.sqref), rule) for cf in workbook["Attendance"].conditional_formatting for rule in cf.rules]
    assert {r.type for _, r in rules} == {"expression"}
    formulas = sorted(r.formula[0] for _, r in rules)
    assert formulas == ['$Q2="Y"', '$R2="Y"']
    assert all(ref == "A2:R4" for ref, _ in rules)
    fills = {r.formula[0]: r.dxf.fill.bgColor.rgb for _, r in rules}
    assert fills['$R2="Y"'].endswith("FFC7CE")             # red for persistent absence
    assert fills['$Q2="Y"'].endswith("FFEB9C")             # amber for below target


def test_rerun_is_byte_identical(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_xlsx_report(make_result(), a)
    write_xlsx_report(make_result(), b)
    assert a.read_bytes() == b.read_bytes()
    assert openpyxl.load_workbook(a).properties.created == dt.datetime(2026, 11, 27)   # not the clock
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_empty_week_still_writes_every_sheet(tmp_path):
    path = tmp_path / "empty.xlsx"
    write_xlsx_report(make_result(pupils=[], actions=[], missing_returns=[], findings=[]), path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Summary", "Attendance", "Actions", "Missing returns", "Findings"]
    assert _headers(wb["Missing returns"]) == ["Provider ID", "Provider", "Week commencing"]
    assert "No missing returns this week." in [c.value for row in wb["Missing returns"].iter_rows() for c in row]
    summary = wb["Summary"]
    assert any(c.value == "Nothing needs doing this week: all returns are in and no actions are open."
               for row in summary.iter_rows() for c in row)


def test_inputs_are_not_changed(tmp_path):
    result = make_result()
    before = copy.deepcopy(result.summary)
    write_xlsx_report(result, tmp_path / "r.xlsx")
    assert result.summary == before
