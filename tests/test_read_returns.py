"""Attendance returns (contract §5), how their codes count (§7) and what happens to rows with errors (§11).

A return from factories.write_return has its labels in A1:B2 (Provider ID in B1, Week commencing in B2),
the header on row 4 and pupils from row 5; the sessions run from D (Mon AM) to M (Fri PM).
"""
from __future__ import annotations

import datetime as dt
import os

import pytest

from pipeline import schema
from pipeline.core import compute_facts
from tests.factories import full_week, placement, provider, write_grid, write_return, write_school
from tests.school_factories import core_modified, return_grid, set_core_modified, write_return_with_meta

WEEK = dt.date(2026, 11, 23)      # a full school week of the Autumn 2026 term in SCHOOL_TOML
RET = "returns/prv1.xlsx"


def school(folder, *placements):
    """P001 at PRV1 and P002 at PRV2, both full days from WEEK, unless placements are given."""
    return write_school(folder, list(placements) or [placement("P001", start=WEEK),
                                                     placement("P002", provider_id="PRV2", start=WEEK)],
                        providers=[provider("PRV1"), provider("PRV2")])


def send(folder, rows, name="prv1.xlsx", provider_id="PRV1", week=WEEK, **kw):
    return write_return(folder / "returns" / name, provider_id, week, rows, **kw)


def run(folder, week=WEEK):
    return compute_facts(folder, week=week)


def where(result) -> list[tuple]:
    return [(f["file"], f["sheet"], f["cell"], f["rule"]) for f in result.summary["findings"]]


def counted(result, pid) -> tuple:
    """The week's (possible, attended, authorised, unauthorised, not reported) for a placement."""
    week = next(p["week"] for p in result.summary["pupils"] if p["placement_id"] == pid)
    return tuple(week[k] for k in ("possible", "attended", "authorised", "unauthorised", "not_reported"))


NOT_REPORTED = (0, 0, 0, 0, 10)


def test_a_complete_return_is_counted_and_a_provider_without_one_is_not_reported(tmp_path):
    school(tmp_path)
    send(tmp_path, [("P001", full_week("B"))])

    result = run(tmp_path)

    assert where(result) == []
    assert counted(result, "P001") == (10, 10, 0, 0, 0)
    assert counted(result, "P002") == NOT_REPORTED
    assert result.summary["missing_returns"] == [{"provider_id": "PRV2", "week_commencing": "2026-11-23"}]


def test_codes_are_read_ignoring_case_and_spaces_and_slashes_are_interchangeable(tmp_path):
    school(tmp_path)
    send(tmp_path, [("P001", [" b ", "i", "/", "\\", "l", " n", "c1", "y1 ", "\\", "/"])])

    result = run(tmp_path)

    assert where(result) == []
    assert counted(result, "P001") == (9, 6, 2, 1, 0)       # Y1 is not possible; \ in the morning is attended


MON_AM = [
    # the Monday-morning cell (D5), the finding on it, its severity, how P001's week counts
    ("A", "unknown-code", "error", (10, 9, 0, 1, 0)),
    ("present", "unknown-code", "error", (10, 9, 0, 1, 0)),
    (7, "unknown-code", "error", (10, 9, 0, 1, 0)),
    (None, "blank-session", "error", (10, 9, 0, 1, 0)),
    ("   ", "blank-session", "error", (10, 9, 0, 1, 0)),
    ("-", "blank-session", "error", (10, 9, 0, 1, 0)),
    ("H", "legacy-code", "warning", (10, 9, 1, 0, 0)),
    ("f", "legacy-code", "warning", (10, 9, 1, 0, 0)),
    (" J ", "legacy-code", "warning", (10, 10, 0, 0, 0)),
    ("y", "legacy-code", "warning", (9, 9, 0, 0, 0)),
]


@pytest.mark.parametrize("value, rule, severity, figures", MON_AM,
                         ids=["unknown", "word", "number", "blank", "spaces", "dash", "legacy-H", "legacy-f",
                              "legacy-J", "legacy-y"])
def test_a_problem_code_on_an_expected_session(tmp_path, value, rule, severity, figures):
    school(tmp_path)
    send(tmp_path, [("P001", [value] + ["B"] * 9)])

    result = run(tmp_path)

    assert where(result) == [(RET, "Attendance", "D5", rule)]
    assert result.summary["findings"][0]["severity"] == severity
    assert counted(result, "P001") == figures


@pytest.mark.parametrize("value, rule, says", [
    ("A", "unknown-code", ["'A'", "P001", "Mon AM (23/11/2026)", "Replace it", "counts as N"]),
    (None, "blank-session", ["P001", "Mon AM (23/11/2026)", "Ask the provider", "counts as N"]),
    ("H", "legacy-code", ["'H'", "P001", "authorised absence", "Ask the provider"]),
])
def test_code_findings_say_what_is_wrong_where_and_what_to_do(tmp_path, value, rule, says):
    school(tmp_path)
    send(tmp_path, [("P001", [value] + ["B"] * 9)])

    message = run(tmp_path).summary["findings"][0]["message"]

    for text in says:
        assert text in message


def test_a_mark_on_a_session_not_expected_is_a_warning_and_ignored(tmp_path):
    school(tmp_path, placement("P003", start=WEEK, days=None, Mon="AM"))
    send(tmp_path, [("P003", ["/", "\\", None, "-", "-", "-", "-", "-", "-", "-"])])

    result = run(tmp_path)

    assert where(result) == [(RET, "Attendance", "E5", "unexpected-mark")]
    finding = result.summary["findings"][0]
    assert finding["severity"] == "warning" and "P003" in finding["message"] and "Leave '-'" in finding["message"]
    assert counted(result, "P003") == (1, 1, 0, 0, 0)


def test_a_mark_on_a_closure_day_is_not_expected(tmp_path):
    week = dt.date(2026, 11, 9)        # Friday 13/11/2026 is a closure in SCHOOL_TOML
    school(tmp_path, placement("P001", start=week))
    send(tmp_path, [("P001", full_week("B"))], week=week)

    result = run(tmp_path, week)

    assert where(result) == [(RET, "Attendance", "L5", "unexpected-mark"), (RET, "Attendance", "M5", "unexpected-mark")]
    assert counted(result, "P001") == (8, 8, 0, 0, 0)


@pytest.mark.parametrize("with_prv2_return, p002", [(False, NOT_REPORTED), (True, (10, 0, 0, 10, 0))])
def test_a_return_row_for_a_placement_not_at_that_provider_is_counted_nowhere(tmp_path, with_prv2_return, p002):
    school(tmp_path)
    send(tmp_path, [("P001", full_week("B")), ("P002", full_week("B")), ("P404", full_week("B"))])
    if with_prv2_return:
        send(tmp_path, [("P002", full_week("N"))], name="prv2.xlsx", provider_id="PRV2")

    result = run(tmp_path)

    assert where(result) == [(RET, "Attendance", "A6", "wrong-placement"), (RET, "Attendance", "A7", "wrong-placement")]
    wrong_provider, unknown = result.summary["findings"]
    assert "P002" in wrong_provider["message"] and "not placed at PRV1" in wrong_provider["message"]
    assert "P404" in unknown["message"] and "check the ID with the provider" in unknown["message"]
    assert counted(result, "P001") == (10, 10, 0, 0, 0)
    assert counted(result, "P002") == p002
    assert "P404" not in [p["placement_id"] for p in result.summary["pupils"]]


def test_a_placement_expected_but_absent_from_the_return_is_an_error_on_the_file(tmp_path):
    school(tmp_path, placement("P001", start=WEEK), placement("P003", start=WEEK))
    send(tmp_path, [("P001", full_week("B"))])

    result = run(tmp_path)

    assert where(result) == [(RET, None, None, "pupil-missing-from-return")]
    finding = result.summary["findings"][0]
    assert finding["severity"] == "error" and finding["value"] == "P003"
    assert "P003" in finding["message"] and "Ask the provider" in finding["message"]
    assert counted(result, "P001") == (10, 10, 0, 0, 0)
    assert counted(result, "P003") == NOT_REPORTED
    assert result.summary["missing_returns"] == []


def test_a_return_row_without_a_placement_id_or_repeated_is_left_out(tmp_path):
    school(tmp_path)
    send(tmp_path, [("P001", full_week("B")), (None, full_week("N")), ("p001", full_week("N"))])

    result = run(tmp_path)

    assert where(result) == [(RET, "Attendance", "A6", "required-blank"), (RET, "Attendance", "A7", "duplicate-id")]
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


# --- which return counts for a provider-week ---------------------------------------------------


@pytest.mark.parametrize("later, earlier", [("a.xlsx", "b.xlsx"), ("b.xlsx", "a.xlsx")])
def test_of_two_returns_for_one_provider_week_the_one_saved_later_wins(tmp_path, later, earlier):
    school(tmp_path)
    late = send(tmp_path, [("P001", full_week("B"))], name=later, created=dt.datetime(2026, 11, 27, 16, 0))
    early = send(tmp_path, [("P001", ["A"] * 10)], name=earlier, created=dt.datetime(2026, 11, 27, 9, 0))
    os.utime(late, (1_000_000, 1_000_000))           # the file times say the opposite:
    os.utime(early, (2_000_000, 2_000_000))          # the workbook's own modified time comes first
    assert core_modified(late) == "2026-11-27T16:00:00Z"

    result = run(tmp_path)

    assert where(result) == [(f"returns/{earlier}", None, None, "duplicate-return")]
    finding = result.summary["findings"][0]
    assert finding["severity"] == "warning"
    assert f"returns/{later}" in finding["message"] and "Delete the one that is wrong" in finding["message"]
    assert counted(result, "P001") == (10, 10, 0, 0, 0)    # and no unknown-code finding from the loser


def test_the_return_left_out_is_left_out_whole_with_only_the_warning(tmp_path):
    school(tmp_path)
    send(tmp_path, [("P001", full_week("B"))], name="a.xlsx", created=dt.datetime(2026, 11, 27, 16, 0))
    send(tmp_path, [("P001", [None] * 10), ("P404", full_week("B")), ("P001", full_week("N"))], name="b.xlsx",
         week=dt.date(2026, 11, 25), created=dt.datetime(2026, 11, 27, 9, 0),
         incidents=[{"Date": WEEK, "Placement ID": "P404", "Category": "Injury"}])

    result = run(tmp_path)

    assert where(result) == [("returns/b.xlsx", None, None, "duplicate-return")]
    assert result.error_count == 0
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


def test_when_the_workbook_times_are_equal_the_later_file_time_wins(tmp_path):
    school(tmp_path)
    late = send(tmp_path, [("P001", full_week("B"))], name="a.xlsx")
    early = send(tmp_path, [("P001", full_week("N"))], name="b.xlsx")
    os.utime(late, (2_000_000, 2_000_000))
    os.utime(early, (1_000_000, 1_000_000))

    result = run(tmp_path)

    assert where(result) == [("returns/b.xlsx", None, None, "duplicate-return")]
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


def test_the_saved_time_is_compared_in_utc(tmp_path):
    school(tmp_path)
    early = send(tmp_path, [("P001", full_week("N"))], name="a.xlsx")
    late = send(tmp_path, [("P001", full_week("B"))], name="b.xlsx")
    set_core_modified(early, "2026-11-27T10:30:00+01:00")    # 09:30 UTC, saved by a client that writes its offset
    set_core_modified(late, "2026-11-27T09:45:00Z")
    os.utime(late, (1_000_000, 1_000_000))
    os.utime(early, (2_000_000, 2_000_000))

    result = run(tmp_path)

    assert where(result) == [("returns/a.xlsx", None, None, "duplicate-return")]
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


# --- the labels above the table and the _meta sheet ----------------------------------------------


@pytest.mark.parametrize("typed", [dt.date(2026, 11, 25), "27/11/2026", dt.date(2026, 11, 29)],
                         ids=["wednesday", "friday-as-text", "sunday"])
def test_a_week_commencing_that_is_not_a_monday_is_taken_as_its_monday(tmp_path, typed):
    school(tmp_path)
    send(tmp_path, [("P001", full_week("B"))], week=typed)

    result = run(tmp_path)

    assert where(result) == [(RET, "Attendance", "B2", "week-not-monday")]
    finding = result.summary["findings"][0]
    assert finding["severity"] == "warning"
    assert "Monday 23/11/2026" in finding["message"] and "Put the Monday's date" in finding["message"]
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


@pytest.mark.parametrize("typed", ["23/11/2026", "2026-11-23", 46349], ids=["uk-text", "iso-text", "general-number"])
def test_a_monday_typed_as_text_or_a_number_is_read(tmp_path, typed):
    school(tmp_path)
    send(tmp_path, [("P001", full_week("B"))], week=typed)

    result = run(tmp_path)

    assert where(result) == []
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


def test_labels_and_header_are_found_below_a_title_and_ignoring_case(tmp_path):
    school(tmp_path)
    grid = return_grid("prv1", WEEK, [("P001", full_week("B"))])
    grid[0][0], grid[1][0] = "provider id:", "WEEK  COMMENCING"
    grid[3] = [h.upper() for h in grid[3]]
    write_grid(tmp_path / RET, {"attendance": [["Weekly attendance return"], [], *grid]})

    result = run(tmp_path)

    assert where(result) == []
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


@pytest.mark.parametrize("meta, accepted", [
    ({"provider_id": "PRV1", "week_commencing": WEEK}, True),
    ({"provider_id": "prv1", "week_commencing": "25/11/2026"}, True),      # the same provider and week
    ({"provider_id": "PRV2", "week_commencing": WEEK}, False),
    ({"provider_id": "PRV1", "week_commencing": dt.date(2026, 11, 16)}, False),
], ids=["same", "same-spelt-differently", "other-provider", "other-week"])
def test_a_meta_sheet_that_disagrees_with_the_labels_leaves_the_whole_file_out(tmp_path, meta, accepted):
    school(tmp_path)
    write_return_with_meta(tmp_path / RET, "PRV1", WEEK, [("P001", full_week("B"))], meta)

    result = run(tmp_path)

    if accepted:
        assert where(result) == []
        assert counted(result, "P001") == (10, 10, 0, 0, 0)
    else:
        assert where(result) == [(RET, None, None, "meta-mismatch")]
        message = result.summary["findings"][0]["message"]
        assert meta["provider_id"] in message and "Ask the provider" in message and "left out" in message
        assert counted(result, "P001") == NOT_REPORTED
        assert {"provider_id": "PRV1", "week_commencing": "2026-11-23"} in result.summary["missing_returns"]


REJECTED = [
    # the Attendance sheet's grid, the rule of the one finding on the file, what the message must say
    (return_grid(None, WEEK, [("P001", full_week("B"))]), "no-provider-id", "put the Provider ID in B1"),
    (return_grid("PRV7", WEEK, [("P001", full_week("B"))]), "unknown-provider", "Provider ID PRV7"),
    (return_grid("PRV1", None, [("P001", full_week("B"))]), "no-week", "put the Monday's date in B2"),
    (return_grid("PRV1", "next Monday", [("P001", full_week("B"))]), "no-week", "(the text in B2) is not a date"),   # text with a space is never quoted (§13)
    (return_grid("PRV1", WEEK, [("P001", full_week("B"))])[:2], "header-not-found", "with its headers unchanged"),
]


@pytest.mark.parametrize("grid, rule, says", REJECTED,
                         ids=["no-provider", "unknown-provider", "no-week", "week-not-a-date", "no-header"])
def test_a_return_that_cannot_be_placed_is_left_out_whole(tmp_path, grid, rule, says):
    school(tmp_path)
    write_grid(tmp_path / RET, {"Attendance": grid})

    result = run(tmp_path)

    assert where(result) == [(RET, None, None, rule)]  # a finding about the whole file
    assert result.summary["findings"][0]["severity"] == "error"
    assert says in result.summary["findings"][0]["message"]
    assert counted(result, "P001") == NOT_REPORTED


def test_a_workbook_without_an_attendance_sheet_is_left_out(tmp_path):
    school(tmp_path)
    write_grid(tmp_path / RET, {"Sheet1": return_grid("PRV1", WEEK, [("P001", full_week("B"))])})

    result = run(tmp_path)

    assert where(result) == [(RET, None, None, "no-attendance-sheet")]
    assert counted(result, "P001") == NOT_REPORTED


def test_a_missing_session_column_is_an_error_and_its_expected_sessions_count_as_n(tmp_path):
    school(tmp_path, placement("P001", start=WEEK), placement("P003", start=WEEK, days="AM"))
    grid = return_grid("PRV1", WEEK, [("P001", full_week("B")), ("P003", ["B", "-"] * 5)])
    for row in grid[3:]:
        del row[12]                     # the provider deleted the Fri PM column
    write_grid(tmp_path / RET, {"Attendance": grid})

    result = run(tmp_path)

    assert where(result) == [(RET, "Attendance", None, "missing-column")]
    finding = result.summary["findings"][0]
    assert finding["value"] is None            # the header has a space: never a value (contract §13)
    assert "Fri PM" in finding["message"] and "Put the column back" in finding["message"]
    assert counted(result, "P001") == (10, 9, 0, 1, 0)
    assert counted(result, "P003") == (5, 5, 0, 0, 0)


def test_the_session_columns_are_the_contract_headers(tmp_path):
    """Guards the column letters the tests above rely on."""
    assert [c.header for c in schema.ATTENDANCE.columns][3:13] == list(schema.SESSIONS)
