"""Reading placements.xlsx and providers.xlsx (contract §3, §4) and what happens to rows with errors (§11).

Placements written by factories.write_school have the header on row 1 and the first placement on row 2,
with the columns in contract order: A Placement ID, B UPN, G Provider ID, H Reason, I Arranged by,
J Start date, K Planned end date, L Actual end date, M-Q Mon-Fri, U SEND, F Year group, E Date of birth,
Z Parents agreed, AA Parents refused, AB Parent letter sent.
"""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline import schema
from pipeline.findings import Findings
from pipeline.read.registers import read_registers
from pipeline.core import compute_facts
from pipeline.upn import make_upn
from tests.factories import placement, provider, rows_of, write_grid, write_school
from tests.school_factories import write_with_merges

WEEK = dt.date(2026, 11, 23)      # a full school week of the Autumn 2026 term in SCHOOL_TOML
START = WEEK                      # placements start that Monday, so the year's figures are the week's
FILE, SHEET = "placements.xlsx", "Placements"


def run(folder):
    return compute_facts(folder, week=WEEK)


def where(result) -> list[tuple]:
    return [(f["file"], f["sheet"], f["cell"], f["rule"]) for f in result.summary["findings"]]


def pupil_ids(result) -> list[str]:
    return [p["placement_id"] for p in result.summary["pupils"]]


def week_figures(result, pid) -> dict:
    return next(p["week"] for p in result.summary["pupils"] if p["placement_id"] == pid)


def registers(folder):
    findings = Findings()
    return read_registers(folder, findings), findings


# --- finding the table ----------------------------------------------------------------------


def test_header_is_found_below_merged_title_rows_and_blank_rows_are_skipped(tmp_path):
    write_school(tmp_path, [placement()])
    header, p1, p2 = rows_of(schema.PLACEMENTS, [placement("P001", start=START),
                                                  placement("P002", start=START, UPN="A801200005001")])
    rows = [[], [], [], [],          # rows 1-3: merged title block below; row 4 blank
            header,                  # row 5
            p1,                      # row 6
            ["  ", None, " "],       # row 7: spaces only, a blank row
            [],                      # row 8
            p2]                      # row 9: its bad UPN must be reported as B9
    write_with_merges(tmp_path / FILE, SHEET, rows, [("A1:J1", "Alternative provision register 2026-27"),
                                                     ("A2:J3", "Kept by the AP lead. Do not share.")])

    result = run(tmp_path)

    assert where(result) == [(FILE, SHEET, "B9", "bad-upn")]
    assert pupil_ids(result) == ["P001", "P002"]
    regs, _ = registers(tmp_path)
    assert [(p.placement_id, p.source.row) for p in regs.placements] == [("P001", 6), ("P002", 9)]


@pytest.mark.parametrize("spell", [str.lower, str.upper, lambda h: f"  {h.replace(' ', '   ')} "],
                         ids=["lower", "upper", "extra-spaces"])
def test_headers_match_ignoring_case_and_spaces(tmp_path, spell):
    write_school(tmp_path, [placement()])
    grid = rows_of(schema.PLACEMENTS, [placement("P001", start=START, SEND="Y")])
    grid[0] = [spell(h) for h in grid[0]]
    write_grid(tmp_path / FILE, {spell("Placements"): grid})

    regs, findings = registers(tmp_path)

    assert findings == []
    assert [(p.placement_id, p.start_date, p.send) for p in regs.placements] == [("P001", START, "Y")]


# --- reading cells --------------------------------------------------------------------------


@pytest.mark.parametrize("typed", [
    dt.date(2026, 11, 23),               # an Excel date
    dt.datetime(2026, 11, 23, 9, 30),    # an Excel date with a time part
    "23/11/2026",                        # UK text
    " 23/11/2026 ",
    "23.11.2026",
    "2026-11-23",
    46349,                               # typed into a General cell: Excel's serial number for 23/11/2026
], ids=["excel-date", "excel-datetime", "uk-text", "uk-text-spaces", "uk-dots", "iso-text", "general-number"])
def test_start_date_is_read_however_it_was_typed(tmp_path, typed):
    write_school(tmp_path, [placement("P001", start=typed, **{"Parent letter sent": typed})])

    regs, findings = registers(tmp_path)

    assert findings == []
    assert regs.placements[0].start_date == dt.date(2026, 11, 23)
    assert regs.placements[0].parent_letter_sent == dt.date(2026, 11, 23)
    assert week_figures(run(tmp_path), "P001")["not_reported"] == 10


@pytest.mark.parametrize("header, cell, typed", [
    ("Parent letter sent", "AB2", "last week"),
    ("Date of birth", "E2", "31/02/2015"),
    ("Parents agreed", "Z2", "2026-13-01"),
])
def test_an_unreadable_optional_date_is_an_error_and_the_row_is_kept_with_the_cell_blank(tmp_path, header, cell, typed):
    write_school(tmp_path, [placement("P001", start=START, **{header: typed})])

    result = run(tmp_path)

    # a blank Parent letter sent also makes a letter due; its own findings belong to test_letters.py
    assert [w for w in where(result) if not w[3].startswith("letter-")] == [(FILE, SHEET, cell, "bad-date")]
    finding = result.summary["findings"][0]
    quoted = " " not in typed            # text with a space may be a name: never quoted (contract §13)
    assert (finding["severity"], finding["value"]) == ("error", typed if quoted else None)
    assert (typed in finding["message"]) == quoted
    assert cell in finding["message"] and "Correct" in finding["message"]
    assert pupil_ids(result) == ["P001"]
    regs, _ = registers(tmp_path)
    assert getattr(regs.placements[0], schema.PLACEMENTS.column(header).key) is None


@pytest.mark.parametrize("refused, expected_where, expected_pupils", [
    (dt.date(2026, 11, 1), [], []),                                  # refused: the placement never runs
    ("refused", [(FILE, SHEET, "AA2", "bad-date")], ["P001"]),       # unreadable: treated as blank, so it runs
])
def test_an_unreadable_parents_refused_is_treated_as_blank(tmp_path, refused, expected_where, expected_pupils):
    write_school(tmp_path, [placement("P001", start=START, **{"Parents refused": refused})])

    result = run(tmp_path)

    assert where(result) == expected_where
    assert pupil_ids(result) == expected_pupils


def test_yes_no_and_list_values_are_trimmed_and_case_folded(tmp_path):
    write_school(tmp_path, [
        placement("P001", start=START, Mon="full DAY", Tue=" am", Wed="Pm ", Thu="  FULL   day ", Fri=None,
                  Reason="  directed OFF-SITE to improve behaviour ",
                  **{"Arranged by": "local AUTHORITY", "SEND": "  y ", "EHC plan": "no", "Looked after": "N ",
                     "Year group": " r "}),
        placement("P002", start=START, **{"Year group": 7, "SEND": "Yes"}),
    ])

    regs, findings = registers(tmp_path)

    assert findings == []
    p1, p2 = regs.placements
    assert (p1.reason, p1.arranged_by) == ("Directed off-site to improve behaviour", "Local authority")
    assert (p1.send, p1.ehc_plan, p1.looked_after, p1.year_group) == ("Y", "N", "N", "R")
    assert p1.pattern == {0: ("AM", "PM"), 1: ("AM",), 2: ("PM",), 3: ("AM", "PM")}
    assert (p2.year_group, p2.send) == ("7", "Y")
    assert week_figures(run(tmp_path), "P001")["not_reported"] == 6     # 2 + 1 + 1 + 2 sessions, none on Friday


@pytest.mark.parametrize("header, cell, typed, rule, not_reported", [
    ("SEND", "U2", "maybe", "bad-yn", 10),
    ("Year group", "F2", "Year 7", "bad-choice", 10),
    ("Tue", "N2", "Mornings", "bad-choice", 8),       # Tuesday treated as blank: no session expected that day
])
def test_an_unreadable_yes_no_or_list_value_is_an_error_and_the_cell_is_blank(tmp_path, header, cell, typed, rule,
                                                                              not_reported):
    write_school(tmp_path, [placement("P001", start=START, **{header: typed})])

    result = run(tmp_path)

    assert where(result) == [(FILE, SHEET, cell, rule)]
    message = result.summary["findings"][0]["message"]
    assert (typed in message) == (" " not in typed) and cell in message
    assert pupil_ids(result) == ["P001"]
    assert week_figures(result, "P001")["not_reported"] == not_reported
    regs, _ = registers(tmp_path)
    assert getattr(regs.placements[0], schema.PLACEMENTS.column(header).key) is None


# --- rows that are kept, rows that are left out ---------------------------------------------


def test_a_provider_not_in_the_provider_register_leaves_the_placement_out(tmp_path):
    write_school(tmp_path, [placement("P001", start=START), placement("P002", provider_id="PRV9", start=START)])

    result = run(tmp_path)

    assert where(result) == [(FILE, SHEET, "G3", "unknown-provider")]
    message = result.summary["findings"][0]["message"]
    assert "PRV9" in message and "P002" in message and "Add the provider" in message
    assert pupil_ids(result) == ["P001"]


def test_a_provider_id_matches_ignoring_case_and_takes_the_registers_spelling(tmp_path):
    write_school(tmp_path, [placement("P001", provider_id=" prv1 ", start=START)])

    result = run(tmp_path)

    assert where(result) == []
    assert [(p["placement_id"], p["provider_id"]) for p in result.summary["pupils"]] == [("P001", "PRV1")]


@pytest.mark.parametrize("upn, says", [
    ("A801200005001", "check letter should be B"),
    ("B80120000500", "13 characters"),
    ("1801200005001", "a letter, then 11 digits"),
])
def test_a_bad_upn_is_an_error_but_the_pupil_stays_monitored(tmp_path, upn, says):
    write_school(tmp_path, [placement("P001", start=START, UPN=upn)])

    result = run(tmp_path)

    assert where(result) == [(FILE, SHEET, "B2", "bad-upn")]
    finding = result.summary["findings"][0]
    assert finding["severity"] == "error" and finding["value"] == (upn if len(upn) <= 12 else None)
    assert ("UPN in cell B2" in finding["message"]) == (len(upn) > 12)
    assert (upn in finding["message"]) == (len(upn) <= 12)
    assert says in finding["message"] and "P001" in finding["message"] and "Check it" in finding["message"]
    assert pupil_ids(result) == ["P001"]


@pytest.mark.parametrize("upn", ["b801200005001", "B801 2000 05001", make_upn("80120000500A")],
                         ids=["lower-case", "spaces", "temporary"])
def test_valid_upns_are_accepted(tmp_path, upn):
    write_school(tmp_path, [placement("P001", start=START, UPN=upn)])

    assert where(run(tmp_path)) == []


def test_a_repeated_placement_id_keeps_the_first_row_and_leaves_out_later_copies(tmp_path):
    write_school(tmp_path, [
        placement("P001", start=START),                          # row 2: kept, full days
        placement(" p001", start=START, days="AM"),              # row 3: the same ID, other case and spaces
        placement("P001", provider_id="PRV9", start=START),      # row 4
    ])

    result = run(tmp_path)

    assert where(result) == [(FILE, SHEET, "A3", "duplicate-id"), (FILE, SHEET, "A4", "duplicate-id")]
    assert "row 3" in result.summary["findings"][0]["message"]
    assert "Give this placement its own ID" in result.summary["findings"][0]["message"]
    assert pupil_ids(result) == ["P001"]
    assert week_figures(result, "P001")["not_reported"] == 10     # the first row's pattern, not the AM-only copy


LEFT_OUT = [
    # what is wrong in row 2, where, which rule, what the message must say
    ({"Placement ID": None}, "A2", "required-blank", ["Placement ID is blank in row 2", "Fill it in"]),
    ({"Provider ID": None}, "G2", "required-blank", ["Provider ID is blank", "left out"]),
    ({"Reason": "Behaviour"}, "H2", "bad-choice", ["'Behaviour'", "Correct cell H2"]),
    ({"Reason": None}, "H2", "required-blank", ["Reason is blank", "left out"]),
    ({"Arranged by": "Academy trust"}, "I2", "bad-choice", ["Arranged by in cell I2", "School, Local authority"]),
    ({"Start date": None}, "J2", "required-blank", ["Start date is blank", "left out"]),
    ({"Start date": "next term"}, "J2", "bad-date", ["Start date in cell J2", "Correct cell J2"]),
    ({"Actual end date": dt.date(2026, 11, 20)}, "L2", "end-before-start", ["20/11/2026", "P001", "Correct", "left out"]),
    ({"Planned end date": "20/11/2026"}, "K2", "end-before-start", ["20/11/2026", "P001", "Correct", "left out"]),
    ({d: None for d in schema.WEEKDAYS}, "M2", "no-days", ["P001", "Set Full day, AM or PM", "left out"]),
]


@pytest.mark.parametrize("wrong, cell, rule, says", LEFT_OUT,
                         ids=["blank-id", "blank-provider", "reason-not-allowed", "blank-reason",
                              "arranged-by-not-allowed", "start-missing", "start-not-a-date", "actual-end-before-start",
                              "planned-end-before-start", "no-day-set"])
def test_a_row_with_an_error_that_leaves_it_out(tmp_path, wrong, cell, rule, says):
    write_school(tmp_path, [placement("P001", start=START, **wrong), placement("P002", start=START)])

    result = run(tmp_path)

    assert [w for w in where(result) if w[2] == cell] == [(FILE, SHEET, cell, rule)]
    finding = next(f for f in result.summary["findings"] if f["cell"] == cell)
    assert finding["severity"] == "error"
    for text in says:
        assert text in finding["message"]
    assert pupil_ids(result) == ["P002"]
    regs, _ = registers(tmp_path)
    assert [p.placement_id for p in regs.placements] == ["P002"]


def test_an_end_date_on_the_start_date_is_allowed(tmp_path):
    write_school(tmp_path, [placement("P001", start=START, **{"Actual end date": START, "Planned end date": START})])

    result = run(tmp_path)

    assert where(result) == []
    assert week_figures(result, "P001")["not_reported"] == 2      # Monday only


# --- providers.xlsx and the optional sheets -----------------------------------------------------


def test_a_repeated_or_blank_provider_id_in_providers_xlsx(tmp_path):
    write_school(tmp_path, [placement("P001", start=START), placement("P002", provider_id="PRV2", start=START)],
                 providers=[provider("PRV1"), provider("prv1", Name="Other"), provider("PRVX", **{"Provider ID": None}), provider("PRV2")])

    result = run(tmp_path)

    assert where(result) == [("providers.xlsx", "Providers", "A3", "duplicate-id"),
                             ("providers.xlsx", "Providers", "A4", "required-blank")]
    assert pupil_ids(result) == ["P001", "P002"]
    regs, _ = registers(tmp_path)
    assert {pid: p.name for pid, p in regs.providers.items()} == {"PRV1": "Provider PRV1", "PRV2": "Provider PRV2"}


def test_a_review_for_an_unknown_placement_or_with_an_unreadable_date_is_not_counted(tmp_path):
    write_school(tmp_path, [placement("P001", start=START)], reviews=[
        {"Placement ID": "p001", "Date": dt.date(2026, 11, 24), "Type": "ap lead VISIT"},
        {"Placement ID": "P404", "Date": dt.date(2026, 11, 24), "Type": "AP lead visit"},
        {"Placement ID": "P001", "Date": "tomorrow", "Type": "AP lead visit"},
    ])

    regs, findings = registers(tmp_path)

    assert sorted((f.sheet, f.cell, f.rule) for f in findings) == [("Reviews", "A3", "unknown-placement"),
                                                                 ("Reviews", "B4", "bad-date")]
    assert [(r.placement_id, r.type, r.source.row) for r in regs.reviews] == [("P001", "AP lead visit", 2)]
