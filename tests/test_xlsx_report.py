"""The attendance lead's weekly workbook, read back as a user (or Excel) would see it."""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import zipfile

import openpyxl
import pytest

from pipeline.milestones import MILESTONE_HEADERS
from pipeline.findings import Finding
from pipeline.model import Action, Facts, Figures, MissingReturn, PupilFigures
from pipeline.render.xlsx_report import (ACTION_HEADERS, ATTENDANCE_HEADERS, PLACEMENT_HEADERS, PROVIDER_HEADERS,
                                         write_xlsx_report)
from pipeline.schema import PROVIDER_CHECKS
from pipeline.settings import parse_settings

FORMULA_VALUE = "=1+2"
EVIL_NAME = "<script>alert(1)</script>"
SHEETS = ["Summary", "Attendance", "Actions", "Placements", "Providers", "Missing returns", "Reconciliation", "Findings"]


def _figures(possible, attended, authorised, unauthorised, not_reported, percent):
    return {"possible": possible, "attended": attended, "authorised": authorised,
            "unauthorised": unauthorised, "not_reported": not_reported, "percent": percent}


def milestones(**cells) -> list[dict]:
    """A placement's milestone cells in report order; cells={header: (text, state)}, the rest blank."""
    return [{"milestone": h, "text": cells.get(h, ("", ""))[0], "state": cells.get(h, ("", ""))[1]}
            for h in MILESTONE_HEADERS]


def check(header, date, expiry, state) -> dict:
    rag = {"missing": "red", "expired": "red", "expires soon": "amber", "current": "green"}[state]
    return {"check": header, "date": date, "expiry": expiry, "state": state, "rag": rag}


def make_placements() -> list[dict]:
    """P001 with a done, a due and an overdue milestone; P002 named with markup; P003 refused."""
    def row(pid, pupil, provider_id, provider, cells, **over):
        return {"placement_id": pid, "pupil": pupil, "upn": "A123456789012", "provider_id": provider_id,
                "provider": provider, "start_date": dt.date(2026, 9, 7), "planned_end_date": dt.date(2026, 12, 18),
                "actual_end_date": None, "parents_refused": None, "milestones": milestones(**cells), **over}
    return [
        row("P001", "Ann Able", "PRV1", "Bright Futures", {
            "Parent letter sent": ("done 28/08/2026", "done"), "SEND details sent": ("n/a", "n/a"),
            "Dual registered from": ("due 02/12/2026", "due"),
            "Latest AP lead visit": ("OVERDUE (due 20/10/2026)", "overdue")}),
        row("P002", EVIL_NAME, "PRV2", "=cmd|' /C calc'!A0", {"Destination": (FORMULA_VALUE, "done")},
            actual_end_date=dt.date(2026, 11, 20)),
        row("P003", "", "PRV2", "=cmd|' /C calc'!A0",
            {"Parents agreed": ("parents refused 10/09/2026", "refused")}, parents_refused=dt.date(2026, 9, 10)),
    ]


def make_providers() -> list[dict]:
    """PRV1 amber (a check expires soon), PRV2 red (expired, missing, not registered)."""
    current = dt.date(2026, 6, 1), dt.date(2027, 6, 1), "current"
    prv1 = [check(h, *current) for h in PROVIDER_CHECKS]
    prv1[3] = check(PROVIDER_CHECKS[3], dt.date(2025, 12, 10), dt.date(2026, 12, 10), "expires soon")
    prv2 = [check(h, *current) for h in PROVIDER_CHECKS]
    prv2[0] = check(PROVIDER_CHECKS[0], dt.date(2025, 11, 1), dt.date(2026, 11, 1), "expired")
    prv2[1] = check(PROVIDER_CHECKS[1], None, None, "missing")
    return [
        {"provider_id": "PRV1", "name": "Bright Futures", "registered": "Y", "registered_ok": True,
         "status": "Active", "status_ok": True, "placements": 1, "checks": prv1, "overall": "amber",
         "overall_text": "Amber: Staff checks confirmed expires 10/12/2026"},
        {"provider_id": "PRV2", "name": "=cmd|' /C calc'!A0", "registered": "N", "registered_ok": False,
         "status": "Active", "status_ok": True, "placements": 2, "checks": prv2, "overall": "red",
         "overall_text": "Red: Approved expired 01/11/2026; Safeguarding policy checked missing; Registered is N"},
    ]


def facts_from(settings, summary: dict, **fields) -> Facts:
    """Typed Facts from a summary.json-shaped dict: the tests write their weeks as summary.json reads."""
    def day(text):
        return dt.date.fromisoformat(text) if text else None

    pupils = tuple(PupilFigures(p["placement_id"], p["provider_id"], Figures(**p["week"]), Figures(**p["year_to_date"]),
                                p["below_target"], p["persistent_absence"]) for p in summary["pupils"])
    actions = tuple(Action(rule=a["rule"], section=a["section"], owner=a["owner"], status=a["status"], due=day(a["due"]),
                           message=a["message"], placement_id=a["placement_id"], provider_id=a["provider_id"],
                           upn=a["upn"]) for a in summary["actions"])
    missing = tuple(MissingReturn(m["provider_id"], day(m["week_commencing"])) for m in summary["missing_returns"])
    findings = tuple(Finding(**f) for f in summary["findings"])
    week, as_of = day(summary["week_commencing"]), day(summary["as_of"])
    return Facts(settings, week, as_of, min(as_of, week + dt.timedelta(days=4)), dt.date(2026, 9, 3), findings,
                 actions, pupils, missing, **fields)


def make_result(placements=None, providers=None, **overrides) -> Facts:
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
    return facts_from(settings, summary,
                      pupil_names={"P001": "Ann Able", "P002": EVIL_NAME},   # P003 has no name
                      provider_names={"PRV1": "Bright Futures", "PRV2": "=cmd|' /C calc'!A0"},
                      placements=make_placements() if placements is None else placements,
                      providers=make_providers() if providers is None else providers)


@pytest.fixture
def workbook(tmp_path):
    path = tmp_path / "weekly_report.xlsx"
    write_xlsx_report(make_result(), path)
    return openpyxl.load_workbook(path)


def _headers(ws):
    return [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]


def _rows(ws) -> list[dict]:
    """The sheet's table rows as {header: value}."""
    headers = _headers(ws)
    return [dict(zip(headers, (c.value for c in row))) for row in ws.iter_rows(min_row=2) if row[0].value is not None]


def _cell(ws, key: str, header: str):
    """The cell in the row whose first column is `key`, under `header`."""
    col = _headers(ws).index(header) + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == key)
    return ws.cell(row, col)


def test_sheets_in_order(workbook):
    assert workbook.sheetnames == SHEETS


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
        "Attendance": ATTENDANCE_HEADERS + ["Provider notes"],
        "Actions": ["Owner", "Status", "Due", "Days overdue", "Pupil or provider", "What to do", "Policy §", "Rule",
                    "Placement ID", "Provider ID", "UPN", "Who"],
        "Placements": ["Placement ID", "Pupil", "Provider ID", "Provider", "Start date", "Planned end date",
                       "Actual end date", "Parent letter sent", "Parents agreed", "Intervention plan agreed",
                       "Dual registered from", "Attainment data sent", "SEND details sent", "Latest agreement review",
                       "Latest provider termly report", "Latest AP lead visit", "Final report received",
                       "Pupil views recorded", "Reintegration plan agreed", "Destination"],
        "Providers": PROVIDER_HEADERS,
        "Missing returns": ["Provider ID", "Provider", "Week commencing", "Contact name", "Contact email", "Phone"],
        "Reconciliation": ["Risk", "Placement ID", "Pupil", "Provider", "Date", "Session", "School code",
                           "Provider code", "What to do"],
        "Findings": ["Severity", "File", "Sheet", "Cell", "Rule", "Value", "Message"],
    }
    for name, headers in expected.items():
        ws = workbook[name]
        assert _headers(ws) == headers, name
        assert len(ws.tables) == 1, name
        table = next(iter(ws.tables.values()))
        assert [c.name for c in table.tableColumns] == headers
        assert ws.freeze_panes == ("C2" if name in ("Placements", "Providers") else "A2"), name
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


RICH_LOOKALIKE = '<r><t>Ann</t></r><c r="Z1"><f>HYPERLINK("http://x.test","click")</f></c><r><t>Able</t></r>'


def test_text_that_looks_like_xlsxwriters_rich_text_stays_text(tmp_path):
    """Written row by row, xlsxwriter puts any text from <r> to </r> into the sheet as XML: a pupil's name or a
    finding's message so written would add a formula cell of its own. It is written as the text it is, in a row
    the rows' writer takes (Placements, Attendance) and in one left to xlsxwriter (a whole-file finding)."""
    findings = [{"file": "placements.xlsx", "sheet": None, "cell": None, "severity": "warning", "rule": "old-file",
                 "value": None, "message": RICH_LOOKALIKE}]
    result = make_result(findings=findings)
    result = dataclasses.replace(result, pupil_names={**result.pupil_names, "P001": RICH_LOOKALIKE})
    path = tmp_path / "weekly_report.xlsx"
    write_xlsx_report(result, path)
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert not any("<f>" in xml or '<c r="Z1"' in xml for xml in sheets)
    wb = openpyxl.load_workbook(path)
    shown = [c.value for ws in wb for row in ws.iter_rows() for c in row if c.value == RICH_LOOKALIKE]
    assert len(shown) >= 3          # the name on Attendance and Placements, the message on Findings


def test_dates_are_real_dates(workbook):
    actions = workbook["Actions"]
    due = _cell(actions, "Headteacher", "Due")              # the overdue parents' letter comes first
    assert due.value == dt.datetime(2026, 11, 20) and due.number_format == "dd/mm/yyyy"
    alert = next(r for r in _rows(actions) if r["Status"] == "Alert")
    assert alert["Due"] is None                             # an alert has no due date
    start = _cell(workbook["Placements"], "P001", "Start date")
    assert start.value == dt.datetime(2026, 9, 7) and start.number_format == "dd/mm/yyyy"
    expires = _cell(workbook["Providers"], "PRV1", "Approved expires")
    assert expires.value == dt.datetime(2027, 6, 1) and expires.number_format == "dd/mm/yyyy"
    week = workbook["Missing returns"].cell(2, 3)
    assert week.value == dt.datetime(2026, 11, 23) and week.number_format == "dd/mm/yyyy"


def test_attendance_highlights_below_target_and_persistent_absence(workbook):
    rules = [(str(cf.sqref), rule) for cf in workbook["Attendance"].conditional_formatting for rule in cf.rules]
    assert {r.type for _, r in rules} == {"expression"}
    formulas = sorted(r.formula[0] for _, r in rules)
    assert formulas == ['$Q2="Y"', '$R2="Y"']
    assert all(ref == "A2:S4" for ref, _ in rules)        # through the Provider notes column
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
    assert wb.sheetnames == SHEETS
    assert _headers(wb["Missing returns"]) == ["Provider ID", "Provider", "Week commencing", "Contact name",
                                               "Contact email", "Phone"]
    assert "No missing returns this week." in [c.value for row in wb["Missing returns"].iter_rows() for c in row]
    summary = wb["Summary"]
    assert any(c.value == "Nothing needs doing this week: all returns are in and no actions are open."
               for row in summary.iter_rows() for c in row)


def test_inputs_are_not_changed(tmp_path):
    result = make_result()
    before = copy.deepcopy(result.summary)
    write_xlsx_report(result, tmp_path / "r.xlsx")
    assert result.summary == before


# --- actions grouped by owner ------------------------------------------------------------------

def _action(rule, owner, status, due, **key):
    return {"rule": rule, "section": "1.1", "placement_id": key.get("placement_id"),
            "provider_id": key.get("provider_id"), "upn": key.get("upn"), "due": due, "status": status,
            "owner": owner, "message": f"{rule} message."}


def test_actions_grouped_by_owner_then_status_then_due(tmp_path):
    actions = [   # in summary.json's order (status, due, rule): the sheet regroups them
        _action("missing-return", "Attendance lead", "overdue", "2026-11-09", provider_id="PRV2"),
        _action("parent-letter", "Headteacher", "overdue", "2026-11-20", placement_id="P003", provider_id="PRV2"),
        _action("provider-checks", "DSL", "overdue", "2026-11-25", provider_id="PRV1"),
        _action("lead-visit", "AP lead", "due", "2026-11-30", placement_id="P001", provider_id="PRV1"),
        _action("send-details", "SENCO", "due", "2026-12-01", placement_id="P002", provider_id="PRV2"),
        _action("sixth-day", "Local authority", "due", "2026-12-01", upn="A123456789012"),
        _action("intervention-plan", "AP lead", "due", "2026-12-04", placement_id="P002", provider_id="PRV2"),
        _action("sixth-day", "Governing board", "due", "2026-12-04", upn="B123456789012"),
        _action("attainment-data", "Assessment lead", "due", "2026-12-07", placement_id="P001", provider_id="PRV1"),
        _action("work-set", "Headteacher", "alert", None, upn="A123456789012"),
        _action("incident", "AP lead", "alert", None, placement_id="P001", provider_id="PRV1"),
        _action("below-target", "Attendance lead", "alert", None, placement_id="P001", provider_id="PRV1"),
    ]
    result = make_result(actions=actions)
    before = result.actions
    path = tmp_path / "r.xlsx"
    write_xlsx_report(result, path)
    rows = _rows(openpyxl.load_workbook(path)["Actions"])
    assert [(r["Owner"], r["Status"], r["Rule"]) for r in rows] == [
        ("Headteacher", "Overdue", "parent-letter"), ("Headteacher", "Alert", "work-set"),
        ("AP lead", "Due", "lead-visit"), ("AP lead", "Due", "intervention-plan"), ("AP lead", "Alert", "incident"),
        ("DSL", "Overdue", "provider-checks"),
        ("SENCO", "Due", "send-details"),
        ("Attendance lead", "Overdue", "missing-return"), ("Attendance lead", "Alert", "below-target"),
        ("Assessment lead", "Due", "attainment-data"),
        ("Governing board", "Due", "sixth-day"),
        ("Local authority", "Due", "sixth-day"),
    ]
    assert result.actions == before                          # summary.json's order is left alone


def test_days_overdue_and_pupil_or_provider(workbook):
    rows = {r["Rule"]: r for r in _rows(workbook["Actions"])}
    assert rows["parent-letter"]["Days overdue"] == 7         # due Friday 20/11, as of Friday 27/11
    assert rows["dual-registration"]["Days overdue"] is None  # due, not overdue
    assert rows["work-set"]["Days overdue"] is None
    assert rows["dual-registration"]["Pupil or provider"] == "Ann Able"          # the pupil's name
    assert rows["parent-letter"]["Pupil or provider"] == "P003"                  # no name known: the placement
    assert rows["work-set"]["Pupil or provider"] == "A123456789012"              # an exclusion: the UPN
    assert rows["dual-registration"]["What to do"] == "Dual register the pupil."


def test_provider_action_names_the_provider(tmp_path):
    path = tmp_path / "r.xlsx"
    write_xlsx_report(make_result(actions=[_action("missing-return", "Attendance lead", "overdue", "2026-11-16",
                                                   provider_id="PRV2")]), path)
    cell = _cell(openpyxl.load_workbook(path)["Actions"], "Attendance lead", "Pupil or provider")
    assert cell.value == "=cmd|' /C calc'!A0" and cell.data_type == "s"   # the provider's name, as text
    assert _cell(openpyxl.load_workbook(path)["Actions"], "Attendance lead", "Days overdue").value == 11


def test_action_status_cells_are_coloured_with_words(workbook):
    ws = workbook["Actions"]
    fills = {r["Status"]: _cell(ws, r["Owner"], "Status").fill.fgColor.rgb for r in _rows(ws) if r["Status"] != "Alert"}
    assert fills["Overdue"].endswith("FFC7CE")


# --- placements and their milestones -----------------------------------------------------------

def test_placement_milestone_cells_show_words_and_colour(workbook):
    ws = workbook["Placements"]
    assert len(ws.tables) == 1 and ws.freeze_panes == "C2"
    letter = _cell(ws, "P001", "Parent letter sent")
    assert letter.value == "done 28/08/2026" and letter.fill.fgColor.rgb.endswith("C6EFCE")       # green
    visit = _cell(ws, "P001", "Latest AP lead visit")
    assert visit.value == "OVERDUE (due 20/10/2026)" and visit.fill.fgColor.rgb.endswith("FFC7CE")  # red
    dual = _cell(ws, "P001", "Dual registered from")
    assert dual.value == "due 02/12/2026" and dual.fill.fgColor.rgb.endswith("FFEB9C")             # amber
    assert _cell(ws, "P001", "SEND details sent").value == "n/a"
    assert _cell(ws, "P001", "Final report received").value is None                                # blank
    assert _cell(ws, "P001", "Pupil").value == "Ann Able"
    assert _cell(ws, "P003", "Parents agreed").value == "parents refused 10/09/2026"
    assert _cell(ws, "P002", "Actual end date").value == dt.datetime(2026, 11, 20)


def test_placement_text_stays_text(workbook):
    ws = workbook["Placements"]
    for header, value in (("Destination", FORMULA_VALUE), ("Pupil", EVIL_NAME), ("Provider", "=cmd|' /C calc'!A0")):
        cell = _cell(ws, "P002", header)
        assert cell.value == value and cell.data_type == "s", header


# --- providers and their checks ----------------------------------------------------------------

def test_provider_checks_show_status_words_dates_and_colour(workbook):
    ws = workbook["Providers"]
    assert len(ws.tables) == 1
    soon = _cell(ws, "PRV1", "Staff checks confirmed status")
    assert soon.value == "expires soon" and soon.fill.fgColor.rgb.endswith("FFEB9C")
    assert _cell(ws, "PRV1", "Staff checks confirmed expires").value == dt.datetime(2026, 12, 10)
    current = _cell(ws, "PRV1", "Approved status")
    assert current.value == "current" and current.fill.fgColor.rgb.endswith("C6EFCE")
    expired = _cell(ws, "PRV2", "Approved status")
    assert expired.value == "expired" and expired.fill.fgColor.rgb.endswith("FFC7CE")
    missing = _cell(ws, "PRV2", "Safeguarding policy checked status")
    assert missing.value == "missing" and _cell(ws, "PRV2", "Safeguarding policy checked date").value is None
    registered = _cell(ws, "PRV2", "Registered")
    assert registered.value == "N" and registered.fill.fgColor.rgb.endswith("FFC7CE")
    assert _cell(ws, "PRV1", "Overall").value.startswith("Amber: ")
    overall = _cell(ws, "PRV2", "Overall")
    assert overall.value.startswith("Red: ") and "Registered is N" in overall.value
    assert overall.fill.fgColor.rgb.endswith("FFC7CE")
    assert _cell(ws, "PRV2", "Pupils now or starting soon").value == 2


def test_empty_registers_say_so(tmp_path):
    path = tmp_path / "r.xlsx"
    write_xlsx_report(make_result(placements=[], providers=[]), path)
    wb = openpyxl.load_workbook(path)
    assert _headers(wb["Placements"]) == PLACEMENT_HEADERS
    assert "No placements in the register." in [c.value for row in wb["Placements"].iter_rows() for c in row]
    assert "No providers in the register." in [c.value for row in wb["Providers"].iter_rows() for c in row]


def test_header_lists_match_the_module():
    assert ACTION_HEADERS[:5] == ["Owner", "Status", "Due", "Days overdue", "Pupil or provider"]
    assert PLACEMENT_HEADERS[7:] == list(MILESTONE_HEADERS)
    assert PROVIDER_HEADERS[5:8] == ["Approved date", "Approved expires", "Approved status"]


def test_every_sheet_of_the_demos_report_is_set_up_to_print(demo_outputs):
    """Read back as Excel reads the file: landscape A4, fitted one page wide (fitToWidth absent means 1 in
    OOXML), the table sheets any number of pages tall with their header row repeated on each page, frozen under
    the header, and one Excel table each whose filter buttons are on."""
    book = openpyxl.load_workbook(demo_outputs.weekly_xlsx)
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9"), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1) == 1, ws.title
        if ws.title == "Summary":
            assert setup.fitToHeight in (None, 1)            # the demo's Summary fits one page whole
            assert ws.print_title_rows is None and not ws.tables
            continue
        assert setup.fitToHeight == 0, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.freeze_panes == ("C2" if ws.title in ("Placements", "Providers") else "A2"), ws.title
        (table,) = ws.tables.values()
        assert table.autoFilter is not None and table.autoFilter.ref == table.ref, ws.title
        assert table.ref.startswith("A1:") and table.headerRowCount in (None, 1), ws.title


def test_wrapped_cells_get_rows_tall_enough_for_their_text(demo_outputs):
    """xlsxwriter does not size rows: the first instruction's row and each long 'What to do' row are given
    the height of their wrapped lines, so no text is cut off on screen or on paper."""
    book = openpyxl.load_workbook(demo_outputs.weekly_xlsx)
    summary = book["Summary"]
    row = next(c.row for c in summary["A"] if c.value == "What to do first")
    cell = summary.cell(row, 2)
    assert cell.alignment.wrap_text and summary.row_dimensions[row].height >= 2 * 15
    actions = book["Actions"]
    column = [c.value for c in actions[1]].index("What to do") + 1
    width = actions.column_dimensions[openpyxl.utils.get_column_letter(column)].width
    for r in range(2, actions.max_row + 1):
        text = actions.cell(r, column).value
        if text and len(text) > width * 1.3:
            assert actions.cell(r, column).alignment.wrap_text, r
            assert (actions.row_dimensions[r].height or 15) >= 30, (r, text)


def test_a_large_table_is_written_row_by_row_and_reads_back_whole(tmp_path):
    """Neither the cells (constant_memory: a row at a time) nor xlsxwriter's per-cell record of table cells
    (millions of entries at 100,000 pupils) are kept; the table still covers every row, with its header, its row
    heights and every value."""
    from pipeline.render import xlsx_report

    result, path = make_result(), tmp_path / "big.xlsx"
    rows = [[f"P{i:05d}", f"Pupil {i}", i, "word " * (40 if i % 7 == 0 else 1)] for i in range(3000)]
    headers = ["Placement ID", "Pupil", "N", "What to do"]
    wb = xlsx_report.open_workbook(path)
    ws = xlsx_report._table_sheet(wb, xlsx_report._formats(wb), result, "Big", headers, rows)
    assert len(ws.table_cells) == 0 and len(ws.table) <= 1      # only the row being written is held
    wb.close()
    back = openpyxl.load_workbook(path)["Big"]
    table = next(iter(back.tables.values()))
    assert table.ref == "A1:D3001" and [c.name for c in table.tableColumns] == headers
    assert _headers(back) == headers
    assert [[c.value for c in r] for r in back.iter_rows(min_row=2)] == rows
    assert back.row_dimensions[9].height > 15 and back.row_dimensions[3].height is None    # rows[7], rows[1]
