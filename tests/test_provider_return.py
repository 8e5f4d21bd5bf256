"""The pre-filled weekly return each provider is sent (contract §5, §9), opened as the provider opens it.

One small school, run for four reporting weeks, so the next school week is in turn an ordinary week,
the week after half term, a week with an INSET day and the first week of the next term:

    PRV1  P001 full week          P002 Monday morning only
          P003 starts Wed 25/11   P004 ends Wed 25/11 (Actual end date)
          P005 parents refused    (never on a return)
    PRV2  P006 Tue full day and Thu PM
    PRV3  P007 full week, ended Fri 13/11 (the INSET day): a return only while it runs

Session index s (0 = Mon AM .. 9 = Fri PM) is in column D+s; pupils from row 5.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries

from pipeline import codes, schema
from pipeline.render.provider_return import ReturnPupil, write_provider_return
from pipeline.run import run_week
from pipeline.schema import META_SHEET, TEMPLATE_VERSION
from pipeline.upn import make_upn
from tests.factories import placement, provider, write_school

D = dt.date
ALL = frozenset(range(10))
MON_AM = frozenset({0})
FROM_WED = frozenset(range(4, 10))
TO_WED = frozenset(range(0, 6))
TUE_TO_FRI = frozenset(range(2, 10))
MON_TO_THU = frozenset(range(0, 8))
P006_PATTERN = frozenset({2, 3, 7})            # Tue AM, Tue PM, Thu PM

HEADERS = ["Placement ID", "UPN", "Pupil", "Mon AM", "Mon PM", "Tue AM", "Tue PM", "Wed AM", "Wed PM",
           "Thu AM", "Thu PM", "Fri AM", "Fri PM", "Notes"]
FIRST_ROW = 5          # Excel row of the first pupil
SESSION_COL = 4        # column D


def upn(n: int) -> str:
    return make_upn(f"80120000{n:04d}")


def pupil(pid: str, n: int, provider_id="PRV1", **over) -> dict:
    return placement(pid, provider_id, UPN=upn(n), Forename=f"Forename{n}", Surname=f"Surname{n}", **over)


def name(n: int) -> str:
    return f"Forename{n} Surname{n}"


PLACEMENTS = [
    pupil("P001", 1),
    pupil("P002", 2, days=None, Mon="AM"),
    pupil("P003", 3, start=D(2026, 11, 25)),
    pupil("P004", 4, Actual_end_date=D(2026, 11, 25)),
    pupil("P005", 5, Parents_refused=D(2026, 9, 1), Parents_agreed=None),
    pupil("P006", 6, "PRV2", days=None, Tue="Full day", Thu="PM"),
    pupil("P007", 7, "PRV3", Actual_end_date=D(2026, 11, 13)),
]
PROVIDERS = [provider("PRV1"), provider("PRV2"), provider("PRV3")]

# reporting week -> (Monday of the next school week, {provider: [(placement, pupil number, sessions expected)]})
WEEKS = {
    # an ordinary week: every day a school day
    D(2026, 11, 16): (D(2026, 11, 23), {
        "PRV1": [("P001", 1, ALL), ("P002", 2, MON_AM), ("P003", 3, FROM_WED), ("P004", 4, TO_WED)],
        "PRV2": [("P006", 6, P006_PATTERN)],
    }),
    # the next school week skips half term (26-30 October)
    D(2026, 10, 19): (D(2026, 11, 2), {
        "PRV1": [("P001", 1, ALL), ("P002", 2, MON_AM), ("P004", 4, ALL)],
        "PRV2": [("P006", 6, P006_PATTERN)],
        "PRV3": [("P007", 7, ALL)],
    }),
    # Friday 13 November is an INSET day
    D(2026, 11, 2): (D(2026, 11, 9), {
        "PRV1": [("P001", 1, MON_TO_THU), ("P002", 2, MON_AM), ("P004", 4, MON_TO_THU)],
        "PRV2": [("P006", 6, P006_PATTERN)],
        "PRV3": [("P007", 7, MON_TO_THU)],
    }),
    # the last week of Autumn: the next school week is Spring's first, which starts on Tuesday 5 January
    D(2026, 12, 14): (D(2027, 1, 4), {
        "PRV1": [("P001", 1, TUE_TO_FRI), ("P003", 3, TUE_TO_FRI)],      # P002's Monday is not a school day
        "PRV2": [("P006", 6, P006_PATTERN)],
    }),
}
CASES = [(week, provider_id) for week, (_, providers) in WEEKS.items() for provider_id in providers]
CASE_IDS = [f"{week}-{provider_id}" for week, provider_id in CASES]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """reporting week -> the week's output folder."""
    root = tmp_path_factory.mktemp("provider_return")
    data = write_school(root / "school", PLACEMENTS, PROVIDERS)
    return {week: run_week(data, root / "out", week=week).folder for week in WEEKS}


def workbook_path(runs, week, provider_id) -> Path:
    monday = WEEKS[week][0]
    return runs[week] / "returns_to_send" / f"{provider_id}_{monday.isoformat()}.xlsx"


@pytest.fixture
def book(runs, request):
    week, provider_id = request.param
    return openpyxl.load_workbook(workbook_path(runs, week, provider_id)), week, provider_id


def expected_rows(week, provider_id):
    return WEEKS[week][1][provider_id]


def session_cell(ws, row: int, s: int):
    return ws.cell(row, SESSION_COL + s)


def cells_of(sqref) -> set[str]:
    """Every cell named by an openpyxl sqref (MultiCellRange or text), as 'D5'."""
    out = set()
    for part in str(sqref).split():
        min_col, min_row, max_col, max_row = range_boundaries(part)
        out |= {f"{get_column_letter(c)}{r}" for r in range(min_row, max_row + 1) for c in range(min_col, max_col + 1)}
    return out


def range_values(wb, ref: str) -> list:
    """The values of a one-column range such as Lists!$A$2:$A$35, top to bottom."""
    m = re.fullmatch(r"=?'?([^'!]+)'?!\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)", ref)
    assert m, f"not a sheet range: {ref}"
    sheet, c1, r1, c2, r2 = m.groups()
    assert c1 == c2, f"{ref} is not one column"
    ws = wb[sheet]
    return [ws[f"{c1}{r}"].value for r in range(int(r1), int(r2) + 1)]


# --- the files --------------------------------------------------------------------------------------

@pytest.mark.parametrize("week", list(WEEKS), ids=str)
def test_one_workbook_and_one_email_per_provider_with_pupils_next_week(runs, week):
    monday, providers = WEEKS[week]
    names = {f"{p}_{monday.isoformat()}" for p in providers}

    assert {p.name for p in (runs[week] / "returns_to_send").iterdir()} == {n + ".xlsx" for n in names}
    assert {p.name for p in (runs[week] / "outbox").iterdir()} == {n + ".eml" for n in names}


def test_no_return_for_a_provider_whose_pupils_are_not_expected_next_week(runs):
    # PRV3's only pupil left on the INSET day; PRV1's refused pupil never makes a return on its own
    for week in (D(2026, 11, 16), D(2026, 12, 14)):
        assert not list(runs[week].rglob("PRV3_*"))
    assert (runs[D(2026, 11, 2)] / "returns_to_send" / "PRV3_2026-11-09.xlsx").is_file()


# --- the Attendance sheet ---------------------------------------------------------------------------

@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_labels_say_the_provider_and_the_monday_of_the_next_school_week(book):
    wb, week, provider_id = book
    ws = wb["Attendance"]
    assert wb.active.title == "Attendance"
    assert (ws["A1"].value, ws["B1"].value) == ("Provider ID", provider_id)
    assert ws["A2"].value == "Week commencing"
    assert ws["B2"].value == dt.datetime.combine(WEEKS[week][0], dt.time())
    assert ws["B2"].is_date


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_header_row_is_the_contracts(book):
    wb, _, _ = book
    ws = wb["Attendance"]
    assert [c.value for c in ws[4]] == HEADERS
    assert HEADERS == [c.header for c in schema.ATTENDANCE.columns]


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_rows_are_the_providers_pupils_expected_that_week_in_placement_order(book):
    wb, week, provider_id = book
    ws = wb["Attendance"]
    rows = [tuple(c.value for c in ws[r][:3]) for r in range(FIRST_ROW, ws.max_row + 1)]
    assert rows == [(pid, upn(n), name(n)) for pid, n, _ in expected_rows(week, provider_id)]


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_sessions_not_expected_are_locked_dashes_and_expected_ones_empty_and_open(book):
    wb, week, provider_id = book
    ws = wb["Attendance"]
    for r, (pid, _, expected) in enumerate(expected_rows(week, provider_id), start=FIRST_ROW):
        for s in range(10):
            cell = session_cell(ws, r, s)
            if s in expected:
                assert (cell.value, cell.protection.locked) == (None, False), f"{pid} {HEADERS[3 + s]} {cell.coordinate}"
            else:
                assert (cell.value, cell.protection.locked) == ("-", True), f"{pid} {HEADERS[3 + s]} {cell.coordinate}"
        assert all(c.protection.locked for c in ws[r][:3]), f"{pid}: its Placement ID, UPN and name must be locked"
        assert ws.cell(r, 14).protection.locked is False, "Notes stays open for the provider"
    assert ws["B1"].protection.locked and ws["B2"].protection.locked


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_expected_sessions_have_a_dropdown_of_exactly_the_valid_codes(book):
    wb, week, provider_id = book
    ws = wb["Attendance"]
    expected_cells = {session_cell(ws, r, s).coordinate
                      for r, (_, _, sessions) in enumerate(expected_rows(week, provider_id), start=FIRST_ROW)
                      for s in sessions}
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1
    dv = validations[0]
    assert dv.type == "list"
    assert cells_of(dv.sqref) == expected_cells
    assert range_values(wb, dv.formula1) == codes.valid_codes()
    assert dv.formula1.lstrip("=").split("!")[0].strip("'") == "Lists"
    assert dv.showInputMessage and dv.promptTitle and dv.prompt
    assert dv.showErrorMessage and dv.errorTitle and dv.error
    assert dv.errorStyle in (None, "stop")       # absent means "stop" in the file format


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_an_invalid_entry_anywhere_in_the_session_block_turns_red(book):
    wb, week, provider_id = book
    ws = wb["Attendance"]
    last = FIRST_ROW + len(expected_rows(week, provider_id)) - 1
    dv_range = ws.data_validations.dataValidation[0].formula1.lstrip("=")
    formats = list(ws.conditional_formatting)
    assert len(formats) == 1
    cf = formats[0]
    assert cells_of(cf.sqref) == cells_of(f"D{FIRST_ROW}:M{last}")
    assert len(cf.rules) == 1
    rule = cf.rules[0]
    assert rule.type == "expression"
    formula = rule.formula[0]
    # relative to the block's top-left cell, so that each cell tests itself
    assert re.search(rf"SUMPRODUCT\(--\(TRIM\(D{FIRST_ROW}\)={re.escape(dv_range)}\)\)=0", formula), formula
    assert rule.dxf.fill.bgColor.rgb.endswith("FFC7CE")


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_the_sheet_is_protected_without_a_password(book, runs):
    wb, week, provider_id = book
    ws = wb["Attendance"]
    assert ws.protection.sheet is True
    assert not ws.protection.password
    with zipfile.ZipFile(workbook_path(runs, week, provider_id)) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    tag = re.search(r"<sheetProtection[^>]*>", xml).group(0)
    assert "password" not in tag.lower() and "hashValue" not in tag


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_it_prints_on_one_landscape_a4_page(book):
    wb, week, provider_id = book
    ws = wb["Attendance"]
    last = FIRST_ROW + len(expected_rows(week, provider_id)) - 1
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # an absent fitToWidth / fitToHeight means 1 in the file format; 0 would mean "as many as needed"
    assert int(ws.page_setup.fitToWidth if ws.page_setup.fitToWidth is not None else 1) == 1
    assert int(ws.page_setup.fitToHeight if ws.page_setup.fitToHeight is not None else 1) == 1
    assert ws.print_area == f"'Attendance'!$A$1:$N${last}"


# --- the other sheets -------------------------------------------------------------------------------

@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_sheets_and_the_hidden_marker(book):
    wb, week, provider_id = book
    assert wb.sheetnames == ["Attendance", "Incidents", "Instructions", "Lists", META_SHEET]
    assert {ws.title: ws.sheet_state for ws in wb.worksheets} == {
        "Attendance": "visible", "Incidents": "visible", "Instructions": "visible",
        "Lists": "hidden", META_SHEET: "hidden"}
    meta = {row[0]: row[1] for row in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta == {"provider_id": provider_id, "week_commencing": WEEKS[week][0].isoformat(),
                    "template_version": TEMPLATE_VERSION}
    assert TEMPLATE_VERSION


@pytest.mark.parametrize("book", CASES, ids=CASE_IDS, indirect=True)
def test_incidents_sheet_has_the_contract_headers_and_only_this_providers_pupils_to_choose(book):
    wb, week, provider_id = book
    ws = wb["Incidents"]
    assert [c.value for c in ws[1]] == ["Date", "Placement ID", "Category", "Reported to DSL", "Summary"]
    by_column = {next(iter(cells_of(dv.sqref))).rstrip("0123456789"): dv for dv in ws.data_validations.dataValidation}
    ids = by_column["B"]
    assert ids.type == "list"
    assert range_values(wb, ids.formula1) == [pid for pid, _, _ in expected_rows(week, provider_id)]
    assert range_values(wb, by_column["C"].formula1) == list(schema.INCIDENT_CATEGORIES)


@pytest.mark.parametrize("book", CASES[:1], ids=CASE_IDS[:1], indirect=True)
def test_instructions_give_every_code_and_its_meaning_in_plain_english(book):
    wb, _, _ = book
    rows = [tuple(str(v) for v in row if v is not None) for row in wb["Instructions"].iter_rows(values_only=True)]
    by_code = {row[0]: row for row in rows if row}
    for code in codes.valid_codes():
        meaning = codes.MEANINGS.get(code, "")
        assert len(meaning) > 3 and meaning != code, f"no plain-English meaning for {code}"
        assert code in by_code, f"code {code} is not on the Instructions sheet"
        assert meaning in by_code[code], f"the meaning of {code} is not beside it"
        assert codes.CATEGORY_LABELS[codes.CODES[code]] in by_code[code]
    assert "-" in by_code and "not expected" in " ".join(by_code["-"])


# --- the same bytes every time, and the same bytes in the e-mail ------------------------------------

def test_writing_twice_gives_identical_bytes(tmp_path):
    pupils = [ReturnPupil("P001", upn(1), name(1), {(0, "AM"), (2, "PM")}), ReturnPupil("P002", upn(2), name(2), {(4, "AM")})]
    args = ("PRV1", "Provider PRV1", D(2026, 11, 23), pupils, "Test Infant School", D(2026, 11, 30), D(2026, 11, 20))
    write_provider_return(tmp_path / "a.xlsx", *args)
    first = (tmp_path / "a.xlsx").read_bytes()
    write_provider_return(tmp_path / "a.xlsx", *args)
    write_provider_return(tmp_path / "b.xlsx", *args)
    assert (tmp_path / "a.xlsx").read_bytes() == first == (tmp_path / "b.xlsx").read_bytes()


def test_a_rerun_writes_byte_identical_returns(runs, tmp_path):
    week = D(2026, 11, 16)
    school = runs[week].parent.parent / "school"
    again = run_week(school, tmp_path / "out", week=week).folder
    first = sorted((runs[week] / "returns_to_send").iterdir())
    assert first
    for path in first:
        assert (again / "returns_to_send" / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("week, provider_id", CASES, ids=CASE_IDS)
def test_the_email_carries_the_very_same_workbook(runs, week, provider_id):
    monday = WEEKS[week][0]
    eml = runs[week] / "outbox" / f"{provider_id}_{monday.isoformat()}.eml"
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    workbook = workbook_path(runs, week, provider_id)
    assert attachments[0].get_filename() == workbook.name
    assert attachments[0].get_payload(decode=True) == workbook.read_bytes()
