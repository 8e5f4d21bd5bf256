"""The command line (contract §8) and the weekly outputs (§9), driven as a user would drive them."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.settings import load_settings
from tests.factories import full_week, placement, provider, write_return
from tests.figure_factories import (D, NOV_16, NOV_23, NOV_28, figures, file_hashes, fill_registers, pupil, school,
                                    toml_with, week_marks)

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ("summary.json", "weekly_report.xlsx", "weekly_report.html")

TOP_KEYS = {"school", "week_commencing", "as_of", "target_percent", "pupils", "actions", "missing_returns", "findings"}
PUPIL_KEYS = {"placement_id", "provider_id", "week", "year_to_date", "below_target", "persistent_absence"}
FIGURE_KEYS = {"possible", "attended", "authorised", "unauthorised", "not_reported", "percent"}
ACTION_KEYS = {"rule", "section", "placement_id", "provider_id", "upn", "due", "status", "owner", "message"}
MISSING_KEYS = {"provider_id", "week_commencing"}
FINDING_KEYS = {"file", "sheet", "cell", "severity", "rule", "value", "message"}


def run(capsys, *args, today=NOV_28) -> tuple[int, str, str]:
    code = main([str(a) for a in args], today=today)
    out = capsys.readouterr()
    return code, out.out, out.err


def clean_school(folder: Path) -> Path:
    """Two pupils at PRV1 from Mon 23/11, both fully present in that week's return: no findings."""
    return school(folder, [placement("P001", start=NOV_23), placement("P002", start=NOV_23)],
                  returns=[("PRV1", NOV_23, [("P001", full_week("B")), ("P002", full_week("B"))])])


def read_summary(out: Path, monday: str = "2026-11-23") -> dict:
    return json.loads((out / monday / "summary.json").read_text(encoding="utf-8"))


# --- exit 0 and 1 ----------------------------------------------------------------------------------

def test_clean_inputs_exit_0_and_write_the_three_reports(tmp_path, capsys):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    code, stdout, stderr = run(capsys, "--data", data, "--out", out)
    assert (code, stderr) == (0, "")
    assert sorted(p.name for p in (out / "2026-11-23").iterdir() if not p.name.startswith(".")) == sorted(
        REPORTS + ("outbox", "register_import.csv", "register_import_held.csv", "returns_to_send"))
    assert read_summary(out)["findings"] == []


def test_run_weekly_py_as_a_separate_process(tmp_path):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    proc = subprocess.run([sys.executable, "run_weekly.py", "--data", str(data), "--week", "2026-11-25", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(out / "2026-11-23" / "summary.json") in proc.stdout
    assert read_summary(out)["week_commencing"] == "2026-11-23"


@pytest.mark.parametrize("problem", ["unknown code this week", "blank session in an earlier week", "bad UPN"])
def test_error_findings_exit_1_after_writing_the_reports(tmp_path, capsys, problem):
    # The reporting week is 23/11; P001 runs from 16/11 and both weeks are returned.
    this_week, last_week, upn = full_week("B"), full_week("B"), {}
    if problem == "unknown code this week":
        this_week = ["A"] + ["B"] * 9
    elif problem == "blank session in an earlier week":
        last_week = [None] + ["B"] * 9
    else:
        upn = {"UPN": "B80120000500"}     # 12 characters
    data = school(tmp_path / "school", [placement("P001", start=NOV_16, **upn)], returns=[
        ("PRV1", NOV_16, [("P001", last_week)]), ("PRV1", NOV_23, [("P001", this_week)])])
    out = tmp_path / "out"
    code, stdout, stderr = run(capsys, "--data", data, "--out", out)
    assert code == 1
    assert all((out / "2026-11-23" / name).is_file() for name in REPORTS)
    errors = [f for f in read_summary(out)["findings"] if f["severity"] == "error"]
    assert len(errors) == 1
    assert "Findings in the workbooks: 1 error," in stdout


def test_a_warning_alone_still_exits_0(tmp_path, capsys):
    data = school(tmp_path / "school", [placement("P001", start=NOV_23)],
                  returns=[("PRV1", NOV_23, [("P001", ["H"] + ["B"] * 9)])])
    code, stdout, _ = run(capsys, "--data", data, "--out", tmp_path / "out")
    assert code == 0
    assert "0 errors, 1 warning" in stdout


# --- exit 2: the run cannot be done ------------------------------------------------------------------

def _bad_toml(old: str, new: str):
    def change(data: Path):
        text = (data / "school.toml").read_text(encoding="utf-8")
        assert old in text
        (data / "school.toml").write_text(text.replace(old, new, 1), encoding="utf-8")
    return change


CANNOT_RUN = {
    # name: (change to the clean school folder, extra arguments, text the one line must contain)
    "missing --data folder": (None, ["--data", "{tmp}/no-such-folder"], "no-such-folder"),
    "no --data at all": (None, [], "--data"),
    "missing school.toml": (lambda d: (d / "school.toml").unlink(), [], "school.toml"),
    "missing placements.xlsx": (lambda d: (d / "placements.xlsx").unlink(), [], "placements.xlsx"),
    "missing providers.xlsx": (lambda d: (d / "providers.xlsx").unlink(), [], "providers.xlsx"),
    "placements.xlsx not a workbook": (lambda d: (d / "placements.xlsx").write_text("P001,Test\n"), [], "placements.xlsx"),
    "school.toml syntax error": (_bad_toml("target_percent = 96.0", "target_percent = 96.0.0"), [], "target_percent"),
    "term ends before it starts": (_bad_toml("end = 2026-12-18", "end = 2026-08-18"), [], "Autumn 2026"),
    "overlapping terms": (_bad_toml("start = 2027-01-05", "start = 2026-12-01"), [], "Spring 2027"),
    "half term outside its term": (_bad_toml("half_term = [2026-10-26, 2026-10-30]", "half_term = [2026-12-21, 2026-12-22]"),
                                   [], "half_term"),
    "target above 100": (_bad_toml("target_percent = 96.0", "target_percent = 196.0"), [], "target_percent"),
    "--as-of before the Monday": (None, ["--week", "2026-11-25", "--as-of", "2026-11-22"], "--as-of"),
    "bad --week date": (None, ["--week", "2026-13-01"], "2026-13-01"),
    "bad --as-of date": (None, ["--as-of", "last friday"], "last friday"),
    "--out is a regular file": (None, ["--out", "{tmp}/a_file"], "--out"),
    "unknown option": (None, ["--send-all"], "--send-all"),
}


@pytest.mark.parametrize("case", list(CANNOT_RUN))
def test_cannot_run_is_exit_2_with_one_plain_line(tmp_path, capsys, case):
    change, extra, expected = CANNOT_RUN[case]
    data = clean_school(tmp_path / "school")
    (tmp_path / "a_file").write_text("not a folder\n")
    if change:
        change(data)
    extra = [a.replace("{tmp}", str(tmp_path)) for a in extra]
    args = ([] if case == "no --data at all" or "--data" in extra else ["--data", data])
    args += extra if "--out" in extra else extra + ["--out", tmp_path / "out"]
    before = file_hashes(data)
    code, stdout, stderr = run(capsys, *args)
    assert code == 2
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and expected in stderr
    assert stdout == ""
    assert not (tmp_path / "out").exists()
    assert (tmp_path / "a_file").read_text() == "not a folder\n"
    assert file_hashes(data) == before


@pytest.mark.parametrize("blocked", REPORTS)
def test_a_report_that_cannot_be_written_is_exit_2(tmp_path, capsys, blocked):
    # The week folder exists but a folder sits where a report must go: writing fails with an OSError
    # that is not a PermissionError, and must still be one plain line, not a traceback.
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    (out / "2026-11-23" / blocked).mkdir(parents=True)
    code, stdout, stderr = run(capsys, "--data", data, "--out", out)
    assert code == 2
    assert stderr.count("\n") == 1 and "Traceback" not in stderr and "--out" in stderr
    assert (out / "2026-11-23" / blocked).is_dir()


# --- which week ------------------------------------------------------------------------------------

@pytest.mark.parametrize("today, monday", [
    (NOV_28, "2026-11-23"),              # Saturday: the week just ended
    (D(2026, 11, 27), "2026-11-16"),     # Friday: this week is not complete yet
    (D(2026, 11, 30), "2026-11-23"),     # Monday
    (D(2026, 11, 14), "2026-11-09"),     # the Saturday after the INSET Friday: Mon-Thu were school days
    (D(2026, 10, 31), "2026-10-19"),     # Saturday of half term: the half-term week has no school day
    (D(2026, 11, 2), "2026-10-19"),      # the Monday after half term
])
def test_week_defaults_to_the_last_complete_school_week(tmp_path, capsys, today, monday):
    data = school(tmp_path / "school", [placement("P001", start=D(2026, 9, 7))])
    out = tmp_path / "out"
    code, _, _ = run(capsys, "--data", data, "--out", out, today=today)
    assert code == 0
    assert [p.name for p in out.iterdir() if p.name != ".cache"] == [monday]     # and the cache (its registers)
    summary = read_summary(out, monday)
    assert summary["week_commencing"] == monday
    assert summary["as_of"] == (D.fromisoformat(monday) + dt.timedelta(days=4)).isoformat()   # its Friday


def test_week_is_any_date_of_the_week_and_as_of_is_kept(tmp_path, capsys):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    code, stdout, _ = run(capsys, "--data", data, "--out", out, "--week", "2026-11-26", "--as-of", "2026-11-25")
    assert code == 0
    summary = read_summary(out)
    assert (summary["week_commencing"], summary["as_of"]) == ("2026-11-23", "2026-11-25")
    assert pupil(summary, "P001")["week"] == figures(6, 6, 0, 0, 0, 100.0)     # Mon-Wed, 3 days x 2
    assert "figures to 25/11/2026" in stdout


# --- the console summary ---------------------------------------------------------------------------

def test_console_summary_lists_pupils_targets_actions_findings_and_reports(tmp_path, capsys):
    # P001 all B (100 %); P002 'A' on Mon AM counts N: 9 / 10 = 90 % < 96 -> below target, and
    # 10 % absence -> persistent absence; one error (the unknown code); one alert (below-target).
    # PRV2's P003 from 16/11 has no return at all: 16/11 overdue, 23/11 due.
    data = school(tmp_path / "school", [placement("P001", start=NOV_23), placement("P002", start=NOV_23),
                                        placement("P003", "PRV2", start=NOV_16)],
                  returns=[("PRV1", NOV_23, [("P001", full_week("B")), ("P002", ["A"] + ["B"] * 9)])])
    out = tmp_path / "out"
    code, stdout, stderr = run(capsys, "--data", data, "--out", out)
    assert (code, stderr) == (1, "")
    lines = stdout.splitlines()
    assert lines[0] == "Test Infant School: week commencing Monday 23 November 2026, figures to 27/11/2026"
    assert "Pupils in provision: 3; below the 96% target: 1; persistent absence: 1" in stdout
    assert "Actions: 1 overdue, 1 due soon, 1 to decide" in stdout
    assert "Missing returns: 2" in stdout
    assert "Findings in the workbooks: 1 error, 0 warnings" in stdout
    for name in REPORTS:
        assert f"    {out / '2026-11-23' / name}" in lines


# --- the outputs ---------------------------------------------------------------------------------

def busy_school(folder: Path) -> Path:
    """Named pupils, a missing return, an alert, an error and a warning: something in every part of summary.json."""
    return school(folder, [
        placement("P001", start=NOV_16, Forename="Zebedee", Surname="Quartermaine"),
        placement("P002", start=NOV_23),
        placement("P003", "PRV2", start=NOV_23, Forename="Ångström", Surname="O'Neill-Brown"),
    ], returns=[("PRV1", NOV_23, [("P001", ["A", "H"] + ["B"] * 8), ("P002", week_marks("B"))])])


def test_rerun_writes_byte_identical_reports(tmp_path, capsys):
    data, out = busy_school(tmp_path / "school"), tmp_path / "out"
    assert run(capsys, "--data", data, "--out", out)[0] == 1
    first = {name: (out / "2026-11-23" / name).read_bytes() for name in REPORTS}
    time.sleep(1.1)           # so anything stamped with the time of the run would differ
    assert run(capsys, "--data", data, "--out", out)[0] == 1
    second = {name: (out / "2026-11-23" / name).read_bytes() for name in REPORTS}
    for name in REPORTS:
        assert first[name] == second[name], f"{name} differs between runs"


def test_summary_json_has_exactly_the_contract_keys(tmp_path, capsys):
    data, out = busy_school(tmp_path / "school"), tmp_path / "out"
    run(capsys, "--data", data, "--out", out)
    text = (out / "2026-11-23" / "summary.json").read_text(encoding="utf-8")
    summary = json.loads(text)
    assert text == json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    assert set(summary) == TOP_KEYS
    assert summary["pupils"] and summary["actions"] and summary["missing_returns"] and summary["findings"]
    for p in summary["pupils"]:
        assert set(p) == PUPIL_KEYS
        assert set(p["week"]) == set(p["year_to_date"]) == FIGURE_KEYS
    assert all(set(a) == ACTION_KEYS for a in summary["actions"])
    assert all(set(m) == MISSING_KEYS for m in summary["missing_returns"])
    assert all(set(f) == FINDING_KEYS for f in summary["findings"])
    assert {f["severity"] for f in summary["findings"]} == {"error", "warning"}
    assert (summary["school"], summary["target_percent"]) == ("Test Infant School", 96.0)


def test_summary_json_has_no_pupil_names(tmp_path, capsys):
    data, out = busy_school(tmp_path / "school"), tmp_path / "out"
    run(capsys, "--data", data, "--out", out)
    text = (out / "2026-11-23" / "summary.json").read_text(encoding="utf-8")
    # the custom names, the factory's default surname, and the return's Pupil column
    for name in ("Zebedee", "Quartermaine", "Ångström", "O'Neill-Brown", "Pupil P002", "Test Pupil"):
        assert name not in text
    # the names do reach the attendance lead's own report
    assert "Quartermaine" in (out / "2026-11-23" / "weekly_report.html").read_text(encoding="utf-8")


def test_the_run_changes_nothing_in_the_school_folder(tmp_path, capsys):
    data = busy_school(tmp_path / "school")
    write_return(data / "returns" / "older" / "prv1 16-11.xlsx", "PRV1", NOV_16, [("P001", full_week("B"))])
    (data / "returns" / "~$PRV1_2026-11-23.xlsx").write_bytes(b"lock")
    before = file_hashes(data)
    assert run(capsys, "--data", data, "--out", tmp_path / "out")[0] == 1
    assert file_hashes(data) == before


# --- --init ----------------------------------------------------------------------------------------

INIT_ENTRIES = ("school.toml", "placements.xlsx", "providers.xlsx", "returns", "register", "run-weekly.cmd") + (
    ("run-weekly.sh",) if os.name != "nt" else ())


@pytest.mark.parametrize("folder_exists", [False, True])
def test_init_creates_a_new_school_folder(tmp_path, capsys, folder_exists):
    folder = tmp_path / "new school"
    if folder_exists:
        folder.mkdir()
    code, stdout, stderr = run(capsys, "--init", folder)
    assert (code, stderr) == (0, "")
    assert sorted(p.name for p in folder.iterdir()) == sorted(INIT_ENTRIES)
    assert (folder / "returns").is_dir() and not any((folder / "returns").iterdir())
    assert [p.name for p in (folder / "register").iterdir()] == ["README.txt"]
    assert all((folder / name).is_file() for name in INIT_ENTRIES[:3] + INIT_ENTRIES[5:])
    assert load_settings(folder / "school.toml").terms                 # a usable school.toml
    for name in INIT_ENTRIES:
        assert str(folder / name) in stdout


@pytest.mark.parametrize("existing", INIT_ENTRIES)
def test_init_never_overwrites(tmp_path, capsys, existing):
    folder = tmp_path / "school"
    folder.mkdir()
    if existing in ("returns", "register"):
        (folder / existing).mkdir()
        (folder / existing / "keep.xlsx").write_bytes(b"keep me")
    else:
        (folder / existing).write_bytes(b"keep me")
    before = file_hashes(folder)
    code, stdout, stderr = run(capsys, "--init", folder)
    assert code == 2
    assert stderr.count("\n") == 1 and existing in stderr and "Traceback" not in stderr
    assert file_hashes(folder) == before                              # untouched, and nothing added


def test_init_folder_runs_as_made(tmp_path, capsys):
    folder, out = tmp_path / "school", tmp_path / "out"
    assert run(capsys, "--init", folder)[0] == 0
    code, stdout, stderr = run(capsys, "--data", folder, "--out", out)
    assert (code, stderr) == (0, "")
    summary = read_summary(out)
    assert summary["pupils"] == [] and summary["findings"] == []


def test_init_folder_filled_by_the_factories_runs(tmp_path, capsys):
    # Keep --init's own school.toml (the placeholder name, the example Autumn 2026 with no closures) and
    # returns/; fill the two registers and drop one return in.
    folder, out = tmp_path / "school", tmp_path / "out"
    assert run(capsys, "--init", folder)[0] == 0
    fill_registers(folder, [placement("P001", start=D(2026, 11, 9))], [provider("PRV1")])
    write_return(folder / "returns" / "prv1.xlsx", "PRV1", D(2026, 11, 9), [("P001", full_week("B"))])
    code, stdout, stderr = run(capsys, "--data", folder, "--week", "2026-11-09", "--out", out)
    assert (code, stderr) == (0, "")
    summary = read_summary(out, "2026-11-09")
    assert summary["school"] == "YOUR SCHOOL NAME"
    assert pupil(summary, "P001")["week"] == figures(10, 10, 0, 0, 0, 100.0)
    assert summary["findings"] == []


def test_a_school_toml_with_only_the_contract_keys_runs(tmp_path, capsys):
    # contract §2: the keys of its example are enough to run; the target may be changed
    data = school(tmp_path / "school", [placement("P001", start=NOV_23)], toml=toml_with(target=90.0),
                  returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])
    code, stdout, _ = run(capsys, "--data", data, "--out", tmp_path / "out")
    assert code == 0 and "below the 90% target: 0" in stdout
