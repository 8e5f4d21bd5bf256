"""Exit codes the contract fixes (§8): 4 for a crash (one line, the details in a crash log), 2 for an --out that
is the school folder or inside it, a date in no plausible year, and an output that cannot be written."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import xlsxwriter
import xlsxwriter.exceptions

import pipeline.run
from pipeline.cli import EXIT_CRASH, _date, main
from pipeline.crash import MESSAGE, write_crash_log
from pipeline.output import atomic_path, check_out_dir
from pipeline.errors import RunError
from tests.factories import full_week, placement
from tests.figure_factories import NOV_23, NOV_28, file_hashes, school

CRASH_START, CRASH_END = MESSAGE.split("{path}")


def clean_school(folder: Path) -> Path:
    return school(folder, [placement("P001", start=NOV_23)], returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args], today=NOV_28)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(stderr: str) -> str:
    assert stderr.endswith("\n") and stderr.count("\n") == 1 and "Traceback" not in stderr, stderr
    return stderr[:-1]


def crash_log_named(line: str) -> Path:
    assert line.startswith(CRASH_START) and line.endswith(CRASH_END), line
    return Path(line[len(CRASH_START):-len(CRASH_END)])


def broken_run_week(*args, **kwargs):
    return 1 / 0                   # a bug no input can cause: the one monkeypatch these tests allow


# --- exit 4: the tool failed ------------------------------------------------------------------------

def test_a_crash_is_exit_4_with_one_line_and_the_traceback_in_a_log_in_out(tmp_path, capsys, monkeypatch):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    before = file_hashes(data)
    monkeypatch.setattr(pipeline.run, "run_week", broken_run_week)
    code, stdout, stderr = run(capsys, "--data", data, "--out", out, "--week", "2026-11-23")
    assert (code, stdout) == (EXIT_CRASH, "")
    assert EXIT_CRASH == 4
    log = crash_log_named(one_line(stderr))
    assert log.parent == out and log.name.startswith("crash-") and log.suffix == ".log"
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last):" in text
    assert "ZeroDivisionError: division by zero" in text and "in broken_run_week" in text
    assert f"--data {data} --out {out} --week 2026-11-23" in text
    assert sorted(p.name for p in out.iterdir()) == [log.name]     # the log, and no lock left behind
    assert file_hashes(data) == before


def test_two_crashes_in_the_same_second_keep_both_logs(tmp_path):
    out = tmp_path / "out"
    first = write_crash_log(ZeroDivisionError("one"), out, tmp_path / "school")
    second = write_crash_log(ZeroDivisionError("two"), out, tmp_path / "school")
    assert first != second and first.parent == second.parent == out
    assert "ZeroDivisionError: one" in first.read_text() and "ZeroDivisionError: two" in second.read_text()


@pytest.mark.parametrize("where", ["out is a file", "out inside the school folder", "out under a file"])
def test_the_crash_log_goes_to_the_temp_folder_when_out_cannot_take_it(tmp_path, where):
    data = clean_school(tmp_path / "school")
    (tmp_path / "a_file").write_text("not a folder\n")
    out = {"out is a file": tmp_path / "a_file", "out inside the school folder": data / "reports",
           "out under a file": tmp_path / "a_file" / "out"}[where]
    before = file_hashes(data)
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError as exc:
        log = write_crash_log(exc, out, data)
    try:
        assert log.parent == Path(tempfile.gettempdir())
        assert "ZeroDivisionError: division by zero" in log.read_text(encoding="utf-8")
        assert "Traceback (most recent call last):" in log.read_text(encoding="utf-8")
    finally:
        log.unlink()
    assert file_hashes(data) == before and (tmp_path / "a_file").read_text() == "not a folder\n"


def test_a_crash_in_a_subprocess_prints_no_traceback(tmp_path):
    # The real entry point: run_weekly.py with a school folder that makes no trouble, and a bug put in by a
    # tiny wrapper script (the same monkeypatch, in the child), so what reaches the console is what a user sees.
    import subprocess
    import sys

    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    script = tmp_path / "crashing_run.py"
    script.write_text("import sys, pipeline.run\n"
                      "pipeline.run.run_week = lambda *a, **k: 1 / 0\n"
                      "from pipeline.cli import main\n"
                      "sys.exit(main())\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, str(script), "--data", str(data), "--out", str(out), "--week", "2026-11-23"],
                          cwd=root, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert (proc.returncode, proc.stdout) == (4, "")
    log = crash_log_named(one_line(proc.stderr))
    assert log.parent == out and "ZeroDivisionError" in log.read_text(encoding="utf-8")


# --- exit 2: --out and --data -----------------------------------------------------------------------

@pytest.mark.parametrize("case", ["same folder", "inside", "deep inside", "same folder by another path",
                                  "a link into the school folder"])
@pytest.mark.parametrize("mode", ["weekly", "governor pack"])
def test_out_that_is_or_is_inside_the_school_folder_is_exit_2(tmp_path, capsys, case, mode):
    data = clean_school(tmp_path / "school")
    if case == "a link into the school folder":
        (tmp_path / "link").symlink_to(data / "returns", target_is_directory=True)
    out = {"same folder": data, "inside": data / "reports", "deep inside": data / "returns" / "x" / "y",
           "same folder by another path": data / "returns" / "..",
           "a link into the school folder": tmp_path / "link" / "reports"}[case]
    before, paths = file_hashes(data), sorted(data.rglob("*"))
    extra = ["--governor-pack", "Autumn 2026"] if mode == "governor pack" else []
    code, stdout, stderr = run(capsys, "--data", data, "--out", out, *extra)
    assert (code, stdout) == (2, "")
    line = one_line(stderr)
    assert line.startswith(f"Cannot run: --out {out} is ") and "school folder" in line
    assert line.endswith(f"Choose a folder outside it, such as {tmp_path.resolve() / 'reports'}.")
    assert (file_hashes(data), sorted(data.rglob("*"))) == (before, paths)     # not even an empty folder


def test_out_holding_the_school_folder_is_fine(tmp_path, capsys):
    data = clean_school(tmp_path / "school")
    before = file_hashes(data)
    code, _, stderr = run(capsys, "--data", data, "--out", tmp_path)
    assert (code, stderr) == (0, "")
    assert (tmp_path / "2026-11-23" / "summary.json").is_file()
    assert file_hashes(data) == before


def test_check_out_dir_is_a_library_function(tmp_path):
    data = tmp_path / "school"
    check_out_dir(data, tmp_path / "reports")
    check_out_dir(data, tmp_path / "school-reports")         # a name that starts the same is another folder
    with pytest.raises(RunError, match=r"^--out .* is inside the school folder"):
        check_out_dir(data, data / "r")
    with pytest.raises(RunError, match=r"^--out .* is the school folder itself"):
        check_out_dir(data, data)


# --- exit 2: dates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("option, value", [("--week", "9999-12-31"), ("--week", "1999-12-31"),
                                           ("--as-of", "2101-01-01"), ("--as-of", "0001-01-01")])
def test_a_date_outside_2000_to_2100_is_exit_2(tmp_path, capsys, option, value):
    data = clean_school(tmp_path / "school")
    code, stdout, stderr = run(capsys, "--data", data, "--out", tmp_path / "out", option, value)
    assert (code, stdout) == (2, "")
    assert one_line(stderr) == (f"Cannot run: argument {option}: '{value}' is not a date between 2000 and 2100: "
                                "check the year. Run 'python run_weekly.py --help' to see the options.")
    assert not (tmp_path / "out").exists()


def test_the_first_and_last_days_of_the_range_are_dates():
    assert (_date("2000-01-01"), _date("2100-12-31")) == (dt.date(2000, 1, 1), dt.date(2100, 12, 31))


# --- exit 2: outputs that cannot be written -------------------------------------------------------------

def test_file_create_error_in_atomic_path_becomes_an_oserror_naming_the_file(tmp_path):
    folder = tmp_path / "out" / "2026-11-23"
    target = folder / "weekly_report.xlsx"
    with pytest.raises(OSError) as caught:
        with atomic_path(target) as tmp:
            wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True})
            wb.add_worksheet("Summary").write("A1", "x")
            shutil.rmtree(folder)                # the folder goes away (a USB stick pulled, a share dropped)
            wb.close()                           # xlsxwriter raises FileCreateError here
    exc = caught.value
    assert isinstance(exc.__cause__, xlsxwriter.exceptions.FileCreateError)
    assert isinstance(exc, FileNotFoundError)
    assert exc.strerror == "No such file or directory when saving weekly_report.xlsx"
    assert exc.filename == str(target)
    assert not folder.exists()


def test_an_oserror_in_the_body_names_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "summary.json"
    with pytest.raises(IsADirectoryError) as caught:
        with atomic_path(target) as tmp:
            tmp.unlink()
            tmp.mkdir()
            tmp.write_text("x")                  # writing into a folder fails: IsADirectoryError
    assert caught.value.strerror == "Is a directory when saving summary.json"


def test_a_bug_in_the_body_is_not_turned_into_an_oserror(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with atomic_path(tmp_path / "a.txt"):
            1 / 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["weekly", "governor pack"])
def test_out_under_a_regular_file_is_exit_2(tmp_path, capsys, mode):
    data = clean_school(tmp_path / "school")
    (tmp_path / "a_file").write_text("not a folder\n")
    extra = ["--governor-pack", "Autumn 2026"] if mode == "governor pack" else []
    code, stdout, stderr = run(capsys, "--data", data, "--out", tmp_path / "a_file" / "out", *extra)
    assert (code, stdout) == (2, "")
    assert one_line(stderr) == (f"Cannot run: Cannot write reports to {tmp_path / 'a_file' / 'out'}: the folder cannot "
                                "be made or written (Not a directory). Choose another folder with --out.")
    assert (tmp_path / "a_file").read_text() == "not a folder\n"
