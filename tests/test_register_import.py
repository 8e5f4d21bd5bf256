"""register_import.csv: the reporting week's provider marks as codes for the school's own register."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from pipeline.register_import import COLUMNS, guard, register_csv, split_rows
from pipeline.core import compute_facts
from pipeline.run import run_week
from pipeline.upn import make_upn
from tests.factories import full_week, placement, provider, write_return, write_school

WEEK = dt.date(2026, 11, 23)
DAYS = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
UPN_A, UPN_B, UPN_C = make_upn("801200005002"), make_upn("801200005003"), make_upn("801200005004")


def run(tmp_path: Path, placements, providers, returns):
    data = write_school(tmp_path / "data", placements, providers)
    for i, (prv, week, rows) in enumerate(returns):
        write_return(data / "returns" / f"r{i}.xlsx", prv, week, rows)
    out = tmp_path / "out"
    outcome = run_week(data, out, week=WEEK)
    path = out / WEEK.isoformat() / "register_import.csv"
    return outcome, path


def held(path: Path) -> list[dict]:
    """register_import_held.csv, beside the import."""
    return read(path.with_name("register_import_held.csv"))


def read(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def codes_of(rows, placement_id):
    return [(r["Date"], r["Session"], r["Code"]) for r in rows if r["Placement ID"] == placement_id]


def test_attended_sessions_are_b_for_school_and_k_for_local_authority(tmp_path):
    placements = [placement("P001", "PRV1", UPN=UPN_A),
                  placement("P002", "PRV2", UPN=UPN_B, Arranged_by="Local authority")]
    _, path = run(tmp_path, placements, [provider("PRV1"), provider("PRV2")],
                  [("PRV1", WEEK, [("P001", full_week("/"))]), ("PRV2", WEEK, [("P002", full_week("B"))])])
    rows = read(path)
    assert {r["Code"] for r in rows if r["Placement ID"] == "P001"} == {"B"}
    assert {r["Code"] for r in rows if r["Placement ID"] == "P002"} == {"K"}   # the provider wrote B: LA-arranged is K
    assert len(rows) == 20


def test_absence_and_not_possible_codes_are_the_providers(tmp_path):
    marks = ["I", "M", "N", "G", "L", "Y1", "#", "c2", "/", "zz"]      # L is attended; zz is unknown -> N, held back
    _, path = run(tmp_path, [placement("P001", UPN=UPN_A)], [provider("PRV1")], [("PRV1", WEEK, [("P001", marks)])])
    assert codes_of(read(path), "P001") == [
        ("2026-11-23", "AM", "I"), ("2026-11-23", "PM", "M"), ("2026-11-24", "AM", "N"), ("2026-11-24", "PM", "G"),
        ("2026-11-25", "AM", "B"), ("2026-11-25", "PM", "Y1"), ("2026-11-26", "AM", "#"), ("2026-11-26", "PM", "C2"),
        ("2026-11-27", "AM", "B")]
    assert held(path) == [{"UPN": UPN_A, "Date": "2026-11-27", "Session": "PM", "Code": "N", "Placement ID": "P001",
                           "Reason": "Unknown code 'zz': counted as N"}]


def test_not_reported_sessions_are_left_out(tmp_path):
    placements = [placement("P001", "PRV1", UPN=UPN_A), placement("P002", "PRV2", UPN=UPN_B),
                  placement("P003", "PRV1", UPN=UPN_C)]
    # PRV2 sent no return; PRV1's return leaves P003 out
    _, path = run(tmp_path, placements, [provider("PRV1"), provider("PRV2")],
                  [("PRV1", WEEK, [("P001", full_week("/"))])])
    rows = read(path)
    assert {r["Placement ID"] for r in rows} == {"P001"}
    kept = held(path)
    assert [(r["Placement ID"], r["Code"], r["Reason"]) for r in kept] == (
        [("P002", "", "No return from the provider for this week")] * 10
        + [("P003", "", "The pupil is not in the provider's return for this week")] * 10)
    assert {(r["UPN"], r["Placement ID"]) for r in kept} == {(UPN_B, "P002"), (UPN_C, "P003")}


def test_only_the_reporting_week_and_only_expected_sessions(tmp_path):
    p = placement("P001", UPN=UPN_A, Mon="AM", Tue=None, Wed="PM", Thu=None, Fri=None)
    before = WEEK - dt.timedelta(days=7)
    marks = ["/", "-", "-", "-", "-", "/", "-", "-", "-", "-"]
    _, path = run(tmp_path, [p], [provider("PRV1")], [("PRV1", before, [("P001", marks)]), ("PRV1", WEEK, [("P001", marks)])])
    assert codes_of(read(path), "P001") == [("2026-11-23", "AM", "B"), ("2026-11-25", "PM", "B")]


def test_columns_order_and_line_ends(tmp_path):
    placements = [placement("P002", "PRV1", UPN=UPN_B), placement("P001", "PRV1", UPN=UPN_A, Mon="AM")]
    _, path = run(tmp_path, placements, [provider("PRV1")],
                  [("PRV1", WEEK, [("P002", full_week("/")), ("P001", ["/", "-"] + ["/"] * 8)])])
    raw = path.read_bytes()
    assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8").split("\n")
    assert lines[0] == "UPN,Date,Session,Code,Placement ID" and COLUMNS[:4] == ["UPN", "Date", "Session", "Code"]
    rows = read(path)
    keys = [(r["UPN"], r["Date"], r["Session"]) for r in rows]
    assert keys == sorted(keys)
    assert sorted({upn for upn, _, _ in keys}) == sorted([UPN_A, UPN_B])
    assert keys[0] == (UPN_A if UPN_A < UPN_B else UPN_B, DAYS[0], "AM")
    assert all(r["Date"] in DAYS and r["Session"] in ("AM", "PM") for r in rows)
    assert len(rows) == 19                     # P001 Mon AM only on Monday: 9 sessions; P002 10


def test_the_file_is_written_with_just_the_header_when_nothing_is_reported(tmp_path):
    outcome, path = run(tmp_path, [placement("P001", UPN=UPN_A)], [provider("PRV1")], [])
    assert path.read_text(encoding="utf-8") == "UPN,Date,Session,Code,Placement ID\n"
    assert path in outcome.files and path.with_name("register_import_held.csv") in outcome.files
    assert [(r["Date"], r["Session"]) for r in held(path)] == [(d, s) for d in DAYS for s in ("AM", "PM")]


def test_the_held_file_is_written_with_just_the_header_when_nothing_is_held(tmp_path):
    _, path = run(tmp_path, [placement("P001", UPN=UPN_A)], [provider("PRV1")], [("PRV1", WEEK, [("P001", full_week("/"))])])
    assert path.with_name("register_import_held.csv").read_bytes() == b"UPN,Date,Session,Code,Placement ID,Reason\n"
    assert len(read(path)) == 10


@pytest.mark.parametrize("value", ["=1+2", "+44", "-3", "@SUM(A1)", "\tx"])
def test_formula_guard(value):
    assert guard(value) == "'" + value
    assert guard("B801200005001") == "B801200005001" and guard("/") == "/" and guard("") == ""


def test_a_formula_in_a_cell_is_not_run_by_a_spreadsheet(tmp_path):
    # a bad UPN keeps the placement (with an error finding), so it reaches the file as typed
    _, path = run(tmp_path, [placement("=1+2", UPN="=HYPERLINK(\"x\")")], [provider("PRV1")],
                  [("PRV1", WEEK, [("=1+2", full_week("/"))])])
    rows = read(path)
    assert rows and all(r["UPN"] == "'=HYPERLINK(\"X\")" and r["Placement ID"] == "'=1+2" for r in rows)


def test_register_rows_takes_the_result_too(tmp_path):
    data = write_school(tmp_path / "data", [placement("P001", UPN=UPN_A)], [provider("PRV1")])
    write_return(data / "returns" / "r.xlsx", "PRV1", WEEK, [("P001", full_week("/"))])
    result = compute_facts(data, WEEK)
    assert split_rows(result.rules)[0] == result.register_import and len(result.register_import) == 10
    assert register_csv(result.register_import).count("\n") == 11


def test_a_row_is_a_tuple_of_the_columns_and_equal_dates_are_one_string(tmp_path):
    # a 100,000-placement school has a million rows: a tuple each (not a dict), one string per date
    data = write_school(tmp_path / "data", [placement("P001", UPN=UPN_A), placement("P002", UPN=UPN_B)],
                        [provider("PRV1")])
    write_return(data / "returns" / "r.xlsx", "PRV1", WEEK, [("P001", full_week("/")), ("P002", full_week("/"))])
    rows = compute_facts(data, WEEK).register_import
    assert len(rows) == 20 and all(type(r) is tuple and len(r) == len(COLUMNS) for r in rows)
    assert (UPN_A, WEEK.isoformat(), "AM", "B", "P001") in rows and rows[0][0] == min(UPN_A, UPN_B)
    mondays = [r[1] for r in rows if r[1] == WEEK.isoformat()]
    assert len(mondays) == 4 and all(d is mondays[0] for d in mondays)
