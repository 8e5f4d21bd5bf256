"""A first week that makes sense (issue 15): `--init` into a folder whose path has a space, what it writes
(placeholders, `[rules] monitoring_from` = the day it ran, register/README.txt, run-weekly.cmd), the next-step
line, and then a first real run on a copy filled with one term, a provider and two placements that started
in September: no demo name anywhere, and missing returns only from the day --init ran."""
from __future__ import annotations

import contextlib
import email
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from pipeline import templates
from pipeline.cli import main
from pipeline.init_folder import REGISTER_README, shell_line, weekly_command
from pipeline.settings import PLACEHOLDER_WARNING, load_settings
from tests.factories import placement, provider
from tests.figure_factories import D, fill_registers

ROOT = Path(__file__).resolve().parents[1]
INIT_DAY = D(2026, 11, 18)             # a Wednesday: the week of Mon 16/11 is the first one watched
FIRST_RUN = D(2026, 12, 7)             # a Monday: the run reports on the week of 30/11 (as-of Fri 04/12)

ONE_TERM = """[[terms]]
name = "Autumn 2026"
start = 2026-09-03
end = 2026-12-18
half_term = [2026-10-26, 2026-10-30]
"""


def run(capsys, *args, today) -> tuple[int, str, str]:
    code = main([str(a) for a in args], today=today)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """--init into '<tmp>/AP folder/new school' on Wed 18/11/2026: (folder, exit code, stdout, stderr)."""
    folder = tmp_path_factory.mktemp("init") / "AP folder" / "new school"
    capture = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(capture[0]), contextlib.redirect_stderr(capture[1]):
        code = main(["--init", str(folder)], today=INIT_DAY)
    return folder, code, capture[0].getvalue(), capture[1].getvalue()


def test_init_exits_0_and_lists_what_it_made(made):
    folder, code, stdout, stderr = made
    assert (code, stderr) == (0, "")
    names = ["school.toml", "placements.xlsx", "providers.xlsx", "returns", "register", "register/README.txt",
             "run-weekly.cmd"] + (["run-weekly.sh"] if os.name != "nt" else [])
    assert stdout.splitlines()[:len(names) + 1] == [f"Created a new school folder at {folder}:"] + [
        f"  {folder / name}" for name in names]


def test_the_next_step_quotes_the_paths_and_names_the_launcher(made):
    folder, _, stdout, _ = made
    command = [sys.executable, str(ROOT / "run_weekly.py"), "--data", str(folder)]
    assert weekly_command(folder) == tuple(command)
    quoted = subprocess.list2cmdline(command) if os.name == "nt" else shlex.join(command)
    assert stdout.splitlines()[-3:] == [
        "Next: fill in school.toml (the school's name, then check the term dates and closures), providers.xlsx and "
        "placements.xlsx, and save the school's register export in register/ (see register/README.txt).",
        "Then double-click run-weekly.cmd in the school folder to run the weekly job, or run:",
        f"  {quoted}"]
    assert shell_line(command) == quoted
    if os.name != "nt":
        assert f"--data '{folder}'" in quoted            # the space is inside the quotes


def test_school_toml_has_placeholders_and_monitoring_from_the_day_it_ran(made):
    folder = made[0]
    text = (folder / "school.toml").read_text(encoding="utf-8")
    settings = load_settings(folder / "school.toml")
    assert (settings.school_name, settings.address, settings.closures) == ("YOUR SCHOOL NAME", "", frozenset())
    assert settings.monitoring_from == INIT_DAY
    assert "\nmonitoring_from = 2026-11-18\n" in text
    # the academic year of the day it ran, as examples to check
    assert [t.name for t in settings.terms] == ["Autumn 2026", "Spring 2027", "Summer 2027"]
    assert templates.TERMS_2026_27 in text and "EXAMPLES ONLY: typical dates for 2026-27" in text
    assert settings.warnings == (PLACEHOLDER_WARNING,)
    assert "hilltop" not in text.lower() and "okafor" not in text.lower()
    # the optional lines are offered commented out
    for line in ('# phone = "01632 960000"', '# email = "office@school.example"', '# "Headteacher" = "Full name"',
                 '# out = "reports"'):
        assert f"\n{line}\n" in text, line
    # every line of [school] and [calendar] says what it is
    for key in ("name", "address", "target_percent", "closures"):
        assert re.search(rf"^{key} = .+  # \S", text, re.MULTILINE), key


def test_the_example_terms_follow_the_year_init_runs_in(tmp_path):
    # run in July 2028, it is still 2027-28; from August, 2028-29
    assert templates.academic_year_of(D(2028, 7, 31)) == 2027 and templates.academic_year_of(D(2028, 8, 1)) == 2028
    assert templates.example_terms(2026) == templates.TERMS_2026_27
    assert main(["--init", str(tmp_path / "s")], today=D(2028, 9, 1)) == 0
    settings = load_settings(tmp_path / "s" / "school.toml")
    assert [(t.name, t.start, t.end) for t in settings.terms] == [
        ("Autumn 2028", D(2028, 9, 4), D(2028, 12, 22)), ("Spring 2029", D(2029, 1, 5), D(2029, 3, 29)),
        ("Summer 2029", D(2029, 4, 16), D(2029, 7, 20))]


def test_register_readme(made):
    folder = made[0]
    raw = (folder / "register" / "README.txt").read_bytes()
    assert raw == REGISTER_README.replace("\n", "\r\n").encode("utf-8")
    text = raw.decode("utf-8")
    for mis in ("SIMS", "Arbor", "Bromcom"):
        assert re.search(rf"^  {mis}: +a custom report or export of session marks", text, re.MULTILINE), mis
    assert "UPN, Date, Session and Code" in text and "register/<any name>.csv" in text
    assert "Reconciliation" in text and "register-mismatch" in text and "safeguarding risk" in text


def test_run_weekly_cmd(made):
    folder = made[0]
    raw = (folder / "run-weekly.cmd").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") and raw.endswith(b"\r\n")
    lines = raw.decode("utf-8").split("\r\n")[:-1]
    assert lines[0] == "@echo off"
    assert f'cd /d "{folder.parent}"' in lines
    assert f'"{sys.executable}" "{ROOT / "run_weekly.py"}" --data "{folder}"' in lines
    assert lines[-3:] == ["echo " + lines[-3][5:], "pause", "exit /b %STATUS%"]
    assert "exit status %STATUS%" in lines[-3]
    assert not any("--out" in line for line in lines)       # [paths] out, else reports/ beside the school folder


@pytest.mark.skipif(os.name == "nt", reason="run-weekly.sh is written elsewhere than Windows")
def test_run_weekly_sh_runs_the_same_command(made, tmp_path):
    folder = made[0]
    text = (folder / "run-weekly.sh").read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n") and os.access(folder / "run-weekly.sh", os.X_OK)
    assert f"cd {shlex.quote(str(folder.parent))} || exit 2\n" in text
    assert text.endswith(f"exec {shlex.join(weekly_command(folder))}\n")


# --- the first real run, on a copy filled in ------------------------------------------------------

def blobs(path: Path):
    """Every piece of text a person or program could read in an output file: a zip's (xlsx) members, an
    e-mail's decoded parts (and their attachments' members), else the file's bytes."""
    data = path.read_bytes()
    yield from _unpack(data)


def _unpack(data: bytes):
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                yield from _unpack(z.read(name))
        return
    yield data
    if b"\nmime-version:" in data[:4000].lower():
        for part in email.message_from_bytes(data).walk():
            payload = part.get_payload(decode=True)
            if payload:
                yield from _unpack(payload)


@pytest.fixture(scope="module")
def first_run(made, tmp_path_factory):
    """A copy of the new folder with a real name, one term, PRV1 and two placements from Mon 07/09, no returns;
    the weekly job run on Mon 07/12/2026 as the launcher runs it (no --out, from the folder above)."""
    base = tmp_path_factory.mktemp("copy") / "St Anne's AP"
    folder = base / "school 2026-27"
    shutil.copytree(made[0], folder)
    toml = (folder / "school.toml").read_text(encoding="utf-8")
    head, rest = toml.split("\n[[terms]]\n", 1)
    options = rest[rest.index("# ----"):]
    head = head.replace('name = "YOUR SCHOOL NAME"', 'name = "St Anne\'s Primary"')
    (folder / "school.toml").write_text(head + "\n" + ONE_TERM + "\n" + options, encoding="utf-8")
    fill_registers(folder, [placement("P001", start=D(2026, 9, 7)), placement("P002", start=D(2026, 9, 7))],
                   [provider("PRV1")])
    capture = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(base)                         # the launcher's cd /d: reports/ beside the school folder
    try:
        with contextlib.redirect_stdout(capture[0]), contextlib.redirect_stderr(capture[1]):
            code = main(["--data", str(folder)], today=FIRST_RUN)
    finally:
        os.chdir(cwd)
    return base, folder, code, capture[0].getvalue(), capture[1].getvalue()


def test_first_run_exit_code_and_console(first_run):
    base, folder, code, stdout, stderr = first_run
    print(stdout + stderr)                 # the console output of the run (pytest -s shows it)
    assert (code, stderr) == (0, "")
    # 4 overdue: the two placements' AP lead visits (none since 07/09) and the returns of 16/11 and 23/11;
    # 5 due: the return of 30/11 and each placement's agreement review and provider report (term ends 18/12)
    assert stdout.splitlines() == [
        "St Anne's Primary: week commencing Monday 30 November 2026, figures to 04/12/2026",
        "  Pupils in provision: 2; below the 96% target: 0; persistent absence: 0",
        "  Actions: 4 overdue, 5 due soon, 0 to decide",
        "  Missing returns: 3",
        "  Findings in the workbooks: 0 errors, 0 warnings",
        "  Register import: 0 marks in register_import.csv; 20 held back in register_import_held.csv "
        "(see its Reason column)",
        "  Reports:",
        *(f"    {Path('reports', '2026-11-30', name)}" for name in ("weekly_report.xlsx", "weekly_report.html", "summary.json",
                                                      "register_import.csv", "register_import_held.csv")),
        f"  Next week's returns: 1 (in {Path('reports', '2026-11-30', 'returns_to_send')}); e-mails in "
        f"{Path('reports', '2026-11-30', 'outbox')} (not sent: use --send)",
    ]
    assert "Warning" not in stdout
    assert (base / "reports" / "2026-11-30" / "summary.json").is_file()


def test_first_run_chases_only_the_weeks_since_init(first_run):
    base = first_run[0]
    summary = json.loads((base / "reports" / "2026-11-30" / "summary.json").read_text(encoding="utf-8"))
    assert [(a["provider_id"], a["due"], a["status"]) for a in summary["actions"] if a["rule"] == "missing-return"] == [
        ("PRV1", "2026-11-23", "overdue"), ("PRV1", "2026-11-30", "overdue"), ("PRV1", "2026-12-07", "due")]
    assert summary["missing_returns"] == [{"provider_id": "PRV1", "week_commencing": w}
                                          for w in ("2026-11-16", "2026-11-23", "2026-11-30")]
    # every session since 07/09 still counts as not reported: 07/09 - 04/12 is 60 school days, 120 sessions
    ytd = [p["year_to_date"] for p in summary["pupils"]]
    assert [(y["possible"], y["not_reported"]) for y in ytd] == [(0, 120), (0, 120)]


def test_no_demo_name_anywhere(first_run):
    base, folder, _, stdout, stderr = first_run
    assert "hilltop" not in (stdout + stderr).lower()
    files = [p for p in base.rglob("*") if p.is_file()]
    assert len(files) > 10
    # the search reaches inside workbooks and e-mails: the school's name is found there
    report = base / "reports" / "2026-11-30" / "weekly_report.xlsx"
    assert any(b"St Anne&apos;s Primary" in blob or b"St Anne's Primary" in blob for blob in blobs(report))
    eml = next((base / "reports" / "2026-11-30" / "outbox").iterdir())
    assert sum(1 for _ in blobs(eml)) > 3
    for path in files:
        for blob in blobs(path):
            assert b"hilltop" not in blob.lower(), path


@pytest.mark.skipif(os.name == "nt", reason="run-weekly.sh is written elsewhere than Windows")
def test_the_launcher_runs_the_untouched_folder_and_says_what_to_fill(made, tmp_path):
    """run-weekly.sh, as a terminal runs it (from anywhere): the weekly job for the folder, reports beside it
    (never inside), exit 0, and a warning that the school's name is still the placeholder."""
    folder = made[0]
    proc = subprocess.run([str(folder / "run-weekly.sh")], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("YOUR SCHOOL NAME: week commencing ")
    assert f"  Warning: {PLACEHOLDER_WARNING}" in proc.stdout.splitlines()
    assert (folder.parent / "reports").is_dir() and not (folder / "reports").exists()
