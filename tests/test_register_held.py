"""register_import.csv can be keyed in blindly; everything else is in register_import_held.csv (contract §13).

The contract's "Done when": a school with a 4-year-old nursery pupil marked X, a 6-year-old marked X,
a typo code, a blank code, a pupil with no Date of birth marked X and a provider that sent no return.
Each expected session of the week is in exactly one of the two files.

A return from factories.write_return has pupils from row 5 and the sessions from D (Mon AM) to M (Fri PM).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

from pipeline.register_import import HELD_COLUMNS
from pipeline.run import console_summary, run_week
from pipeline.upn import make_upn
from tests.factories import SCHOOL_TOML, full_week, placement, provider, write_return, write_school

WEEK = dt.date(2026, 11, 23)
DAYS = ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"]
SESSIONS = [(d, s) for d in DAYS for s in ("AM", "PM")]       # Mon AM .. Fri PM, as in a return's columns
RET = "returns/prv1.xlsx"
UPN = {f"P00{i}": make_upn(f"80120000700{i}") for i in range(1, 7)}
NURSERY_DOB = dt.date(2022, 6, 1)     # 4 in November 2026: compulsory school age from 31/08/2027
SIX_DOB = dt.date(2020, 5, 10)        # 6 in November 2026: of compulsory school age since 31/08/2025


def with_one(code, at, rest="/") -> list:
    """A week of `rest` with `code` in session `at` (0 = Mon AM)."""
    marks = full_week(rest)
    marks[at] = code
    return marks


def school(tmp_path: Path):
    placements = [
        placement("P001", start=WEEK, UPN=UPN["P001"], Date_of_birth=NURSERY_DOB, Year_group="N2"),
        placement("P002", start=WEEK, UPN=UPN["P002"], Date_of_birth=SIX_DOB, Year_group="1"),
        placement("P003", start=WEEK, UPN=UPN["P003"], Date_of_birth=SIX_DOB),
        placement("P004", start=WEEK, UPN=UPN["P004"], Date_of_birth=SIX_DOB),
        placement("P005", start=WEEK, UPN=UPN["P005"]),                         # no Date of birth
        placement("P006", "PRV2", start=WEEK, UPN=UPN["P006"], Date_of_birth=SIX_DOB,
                  Mon="AM", Tue=None, Wed=None, Thu=None, Fri=None),             # PRV2 sends no return
    ]
    data = write_school(tmp_path / "data", placements, [provider("PRV1"), provider("PRV2")])
    write_return(data / RET, "PRV1", WEEK, [
        ("P001", full_week("X")),            # row 5: the nursery pupil, X all week: right
        ("P002", with_one("X", 0)),          # row 6: the 6-year-old, X on Mon AM (D6): an error, counts as N
        ("P003", with_one("AB", 2)),         # row 7: a typo on Tue AM (F7)
        ("P004", with_one(None, 5)),         # row 8: a blank Wed PM (I8)
        ("P005", with_one("X", 6)),          # row 9: X on Thu AM (J9), no Date of birth: a warning
    ])
    return data


def run(tmp_path: Path, data: Path):
    out = tmp_path / "out"
    outcome = run_week(data, out, week=WEEK)
    return outcome, out / WEEK.isoformat()


def read(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def row(pid, session, code, reason=None) -> dict:
    date, name = SESSIONS[session]
    out = {"UPN": UPN[pid], "Date": date, "Session": name, "Code": code, "Placement ID": pid}
    return out if reason is None else {**out, "Reason": reason}


def ordered(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["UPN"], r["Date"], r["Session"], r["Placement ID"]))


def test_the_findings_the_figures_and_the_two_files(tmp_path):
    data = school(tmp_path)
    outcome, folder = run(tmp_path, data)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))

    found = [(f["file"], f["sheet"], f["cell"], f["rule"], f["severity"], f["value"]) for f in summary["findings"]]
    assert found == [
        (RET, "Attendance", "D6", "x-at-compulsory-age", "error", "X"),
        (RET, "Attendance", "F7", "unknown-code", "error", "AB"),
        (RET, "Attendance", "I8", "blank-session", "error", None),
        (RET, "Attendance", "J9", "x-age-unknown", "warning", "X"),
    ]
    assert outcome.exit_code == 1

    week = {p["placement_id"]: p["week"] for p in summary["pupils"]}
    assert week == {
        "P001": {"possible": 0, "attended": 0, "authorised": 0, "unauthorised": 0, "not_reported": 0, "percent": None},
        "P002": {"possible": 10, "attended": 9, "authorised": 0, "unauthorised": 1, "not_reported": 0, "percent": 90.0},
        "P003": {"possible": 10, "attended": 9, "authorised": 0, "unauthorised": 1, "not_reported": 0, "percent": 90.0},
        "P004": {"possible": 10, "attended": 9, "authorised": 0, "unauthorised": 1, "not_reported": 0, "percent": 90.0},
        "P005": {"possible": 9, "attended": 9, "authorised": 0, "unauthorised": 0, "not_reported": 0, "percent": 100.0},
        "P006": {"possible": 0, "attended": 0, "authorised": 0, "unauthorised": 0, "not_reported": 1, "percent": None},
    }
    assert {p["placement_id"]: p["year_to_date"] for p in summary["pupils"]} == week    # all started this week

    imported = ([row("P001", s, "X") for s in range(10)]
                + [row("P002", s, "B") for s in range(1, 10)]
                + [row("P003", s, "B") for s in range(10) if s != 2]
                + [row("P004", s, "B") for s in range(10) if s != 5]
                + [row("P005", s, "X" if s == 6 else "B") for s in range(10)])
    assert read(folder / "register_import.csv") == ordered(imported)
    held = [row("P002", 0, "N", "X (not required to attend) but the pupil is of compulsory school age: counted as N"),
            row("P003", 2, "N", "Unknown code 'AB': counted as N"),
            row("P004", 5, "N", "No code given: counted as N (reason not yet given)"),
            row("P006", 0, "", "No return from the provider for this week")]
    assert read(folder / "register_import_held.csv") == ordered(held)
    assert (folder / "register_import_held.csv").read_text(encoding="utf-8").split("\n")[0] == (
        "UPN,Date,Session,Code,Placement ID,Reason")
    # the rows the core hands the writer: tuples of the file's columns, in the file's order
    assert outcome.result.register_held == [tuple(r.values()) for r in ordered(held)]
    assert outcome.result.register_import == [tuple(r.values()) for r in ordered(imported)]
    assert all(type(r) is tuple and len(r) == len(HELD_COLUMNS) for r in outcome.result.register_held)

    lines = console_summary(outcome).split("\n")
    assert ("  Register import: 47 marks in register_import.csv; 4 held back in register_import_held.csv "
            "(see its Reason column)") in lines
    assert folder / "register_import_held.csv" in outcome.files


def test_the_messages_say_what_is_wrong_and_what_to_do(tmp_path):
    outcome, folder = run(tmp_path, school(tmp_path))
    messages = {f["rule"]: f["message"] for f in outcome.result.summary["findings"]}
    assert messages["x-at-compulsory-age"] == (
        "'X' (not required to attend) for placement P002 on Mon AM (23/11/2026), but the pupil is of compulsory "
        "school age (from 31/08/2025, by the Date of birth in placements.xlsx), so X cannot be used. Ask the "
        "provider for the right code (for example an absence code) and enter it, or correct the Date of birth; "
        "until then it counts as N.")
    assert messages["x-age-unknown"] == (
        "'X' (not required to attend) for placement P005 on Thu AM (26/11/2026) is accepted, but the pupil's age "
        "cannot be checked: the Placements sheet has no Date of birth for them. X is only for a pupil below "
        "compulsory school age; enter the Date of birth in placements.xlsx.")


def test_a_clean_week_holds_nothing_back(tmp_path):
    data = write_school(tmp_path / "data", [placement("P001", start=WEEK, UPN=UPN["P001"], Date_of_birth=SIX_DOB)])
    write_return(data / RET, "PRV1", WEEK, [("P001", with_one("I", 3))])
    outcome, folder = run(tmp_path, data)
    assert outcome.exit_code == 0
    assert read(folder / "register_import.csv") == [row("P001", s, "I" if s == 3 else "B") for s in range(10)]
    assert (folder / "register_import_held.csv").read_bytes() == b"UPN,Date,Session,Code,Placement ID,Reason\n"
    assert "  Register import: 10 marks in register_import.csv; none held back" in console_summary(outcome).split("\n")


def test_the_rerun_writes_the_same_bytes(tmp_path):
    data = school(tmp_path)
    _, folder = run(tmp_path, data)
    first = {n: (folder / n).read_bytes() for n in ("register_import.csv", "register_import_held.csv")}
    _, folder = run(tmp_path, data)
    assert {n: (folder / n).read_bytes() for n in first} == first


def test_x_becomes_an_error_on_the_day_compulsory_school_age_starts(tmp_path):
    """Born 31 March 2022: five, and of compulsory school age, on Wednesday 31 March 2027. X is right on
    the Tuesday and an error from the Wednesday (a spring term running into April here; Monday 29 March
    is Easter Monday, a bank holiday)."""
    week = dt.date(2027, 3, 29)
    toml = SCHOOL_TOML.replace("end = 2027-03-25", "end = 2027-04-02").replace("start = 2027-04-12", "start = 2027-04-19")
    data = write_school(tmp_path / "data", [placement("P001", start=week, UPN=UPN["P001"], Date_of_birth=dt.date(2022, 3, 31))],
                        toml=toml)
    write_return(data / RET, "PRV1", week, [("P001", ["-", "-"] + ["x"] * 8)])
    outcome = run_week(data, tmp_path / "out", week=week)
    folder = tmp_path / "out" / week.isoformat()
    found = [(f["cell"], f["rule"], f["severity"]) for f in outcome.result.summary["findings"]]
    assert found == [(c, "x-at-compulsory-age", "error") for c in ("H5", "I5", "J5", "K5", "L5", "M5")]
    days = ["2027-03-29", "2027-03-30", "2027-03-31", "2027-04-01", "2027-04-02"]
    assert [(r["Date"], r["Session"], r["Code"]) for r in read(folder / "register_import.csv")] == [
        (d, s, "X") for d in days[1:2] for s in ("AM", "PM")]
    assert [(r["Date"], r["Session"], r["Code"]) for r in read(folder / "register_import_held.csv")] == [
        (d, s, "N") for d in days[2:] for s in ("AM", "PM")]
    p = outcome.result.summary["pupils"][0]["week"]
    assert (p["possible"], p["unauthorised"], p["percent"]) == (6, 6, 0.0)


def test_a_placement_with_no_upn_is_held_back_whatever_its_mark(tmp_path):
    data = write_school(tmp_path / "data", [placement("P001", start=WEEK, UPN=None, Date_of_birth=SIX_DOB)])
    write_return(data / RET, "PRV1", WEEK, [("P001", with_one("AB", 0))])
    outcome, folder = run(tmp_path, data)
    assert read(folder / "register_import.csv") == []
    no_upn = "No UPN in placements.xlsx, so the register cannot be matched"
    assert [(r["UPN"], r["Code"], r["Reason"]) for r in read(folder / "register_import_held.csv")] == (
        [("", "N", "Unknown code 'AB': counted as N; " + no_upn)] + [("", "B", no_upn)] * 9)
