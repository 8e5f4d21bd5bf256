"""`[paths] out` (contract §2, §8): where a run writes when --out is not given, whatever the working folder
(a scheduled task starts in C:\\Windows\\System32). A relative path is taken from the folder that holds the
school folder; it may never be inside the school folder; --out wins over it; neither gives reports/."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.out_lock import out_lock
from tests.factories import SCHOOL_TOML, full_week, placement
from tests.figure_factories import NOV_23, NOV_28, school

ROOT = Path(__file__).resolve().parents[1]
WEEK = "2026-11-23"


def school_with_out(folder: Path, out_line: str | None) -> Path:
    """A clean school (one pupil, fully present) whose school.toml has `out_line` under [paths]."""
    toml = SCHOOL_TOML + (f"\n[paths]\n{out_line}\n" if out_line is not None else "")
    return school(folder, [placement("P001", start=NOV_23)], toml=toml,
                  returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])


def written_week(out: Path) -> str:
    return json.loads((out / WEEK / "summary.json").read_text(encoding="utf-8"))["week_commencing"]


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args], today=NOV_28)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_process(cwd: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_weekly.py"), *map(str, args), "--week", WEEK],
                          cwd=cwd, capture_output=True, text=True, encoding="utf-8", timeout=300)


@pytest.mark.parametrize("data_as", ["absolute", "relative to the working folder"])
def test_a_relative_out_is_taken_from_the_folder_holding_the_school_folder(tmp_path, data_as):
    schools = tmp_path / "S" / "AP"
    data = school_with_out(schools / "2026-27", 'out = "AP reports"')
    elsewhere = tmp_path / "System32"
    elsewhere.mkdir()
    given = data if data_as == "absolute" else Path("..") / "S" / "AP" / "2026-27"
    proc = run_process(elsewhere, "--data", given)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert written_week(schools / "AP reports") == WEEK
    assert f"    {schools / 'AP reports' / WEEK / 'summary.json'}\n" in proc.stdout
    assert list(elsewhere.iterdir()) == []                  # nothing in the working folder
    assert sorted(p.name for p in schools.iterdir()) == ["2026-27", "AP reports"]


def test_a_relative_out_in_process_ignores_the_working_folder(tmp_path, capsys, monkeypatch):
    data = school_with_out(tmp_path / "school", 'out = "weekly/reports"')
    monkeypatch.chdir(tmp_path / "school" / "returns")
    code, out, err = run(capsys, "--data", data)
    assert (code, err) == (0, "")
    assert written_week(tmp_path / "weekly" / "reports") == WEEK
    assert f"    {tmp_path / 'weekly' / 'reports' / WEEK / 'summary.json'}\n" in out
    assert sorted(p.name for p in (tmp_path / "school" / "returns").iterdir()) == ["PRV1_2026-11-23.xlsx"]


def test_an_absolute_out(tmp_path, capsys, monkeypatch):
    target = tmp_path / "shared drive" / "AP reports"
    data = school_with_out(tmp_path / "school", f'out = "{target.as_posix()}"')
    monkeypatch.chdir(tmp_path / "school")
    code, out, err = run(capsys, "--data", data)
    assert (code, err) == (0, "")
    assert written_week(target) == WEEK
    assert not (tmp_path / "school" / "reports").exists()


def test_out_given_on_the_command_line_wins(tmp_path, capsys):
    data = school_with_out(tmp_path / "school", 'out = "configured"')
    code, out, err = run(capsys, "--data", data, "--out", tmp_path / "given")
    assert (code, err) == (0, "")
    assert written_week(tmp_path / "given") == WEEK
    assert not (tmp_path / "configured").exists()


def test_blank_out_is_not_set_and_neither_gives_reports_in_the_working_folder(tmp_path):
    data = school_with_out(tmp_path / "school", 'out = "  "')
    (tmp_path / "work").mkdir()
    proc = run_process(tmp_path / "work", "--data", data)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert written_week(tmp_path / "work" / "reports") == WEEK


@pytest.mark.parametrize("out_line, where", [
    ('out = "2026-27/reports"', "inside the school folder {data}"),
    ('out = "2026-27"', "the school folder itself"),
    ('out = "{data}"', "the school folder itself"),
    ("out = '{data}/sub/../reports'", "inside the school folder {data}"),
], ids=["relative inside", "relative itself", "absolute itself", "absolute inside"])
def test_out_inside_the_school_folder_is_exit_2_with_one_line(tmp_path, capsys, out_line, where):
    data = tmp_path / "2026-27"
    school_with_out(data, out_line.format(data=data.as_posix()))
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, out, err = run(capsys, "--data", data)
    value = out_line.split("=", 1)[1].strip().strip("'\"").format(data=data.as_posix())
    shown = Path(value) if Path(value).is_absolute() else tmp_path / value
    assert (code, out) == (2, "")
    assert err == (f"Cannot run: [paths] out in school.toml is {shown}, which is {where.format(data=data)}; reports "
                   f'are never written there. Set it to a folder outside, such as out = "reports" (that is '
                   f"{tmp_path / 'reports'}).\n")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before     # nothing written anywhere


def test_out_inside_the_school_folder_is_allowed_when_out_is_given(tmp_path, capsys):
    data = school_with_out(tmp_path / "school", 'out = "school/reports"')
    code, out, err = run(capsys, "--data", data, "--out", tmp_path / "elsewhere")
    assert (code, err) == (0, "")
    assert written_week(tmp_path / "elsewhere") == WEEK


def test_the_lock_is_taken_in_the_configured_folder(tmp_path, capsys):
    data = school_with_out(tmp_path / "school", 'out = "AP reports"')
    with out_lock(tmp_path / "AP reports"):
        code = main(["--data", str(data)], today=NOV_28, lock_wait=0)
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == (f"Cannot run: Another run is still writing to {tmp_path / 'AP reports'}. Wait for it to "
                            "finish, then run again (or choose another folder with --out).\n")


def test_the_governor_pack_goes_to_the_configured_folder(tmp_path, capsys):
    data = school_with_out(tmp_path / "school", 'out = "AP reports"')
    code, out, err = run(capsys, "--data", data, "--governor-pack", "Autumn 2026", "--as-of", "2026-11-27")
    assert (code, err) == (0, "")
    assert f"Written to {tmp_path / 'AP reports'}" in out
    assert any((tmp_path / "AP reports").rglob("*.html"))


def test_a_bad_school_toml_is_still_its_own_one_line_error(tmp_path, capsys):
    data = school_with_out(tmp_path / "school", "out = 5")
    code, out, err = run(capsys, "--data", data)
    assert (code, out) == (2, "")
    assert err == ('Cannot run: school.toml: [paths] out must be a file or folder path in quotes, like '
                   '"C:/AP/letter.html.j2", not 5.\n')
