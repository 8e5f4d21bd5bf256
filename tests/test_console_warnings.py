"""What school.toml's warnings look like on the console (contract §2, §13): an unknown key names the nearest
known one in the weekly run and in the governor pack, and a pack with suppression off says so."""
from __future__ import annotations

import datetime as dt

from pipeline.cli import main
from tests.factories import SCHOOL_TOML, full_week, placement, provider, write_return, write_school

WEEK = dt.date(2026, 11, 23)


def _school(tmp_path, extra: str):
    folder = write_school(tmp_path / "school", [placement("P001", start=WEEK)], [provider("PRV1")],
                          toml=SCHOOL_TOML + extra)
    write_return(folder / "returns" / "prv1.xlsx", "PRV1", WEEK, [("P001", full_week("B"))])
    return folder


def test_an_unknown_key_is_a_warning_line_in_the_weekly_run(tmp_path, capsys):
    folder = _school(tmp_path, "\n[rules]\ndue_window = 5\n")

    code = main(["--data", str(folder), "--week", WEEK.isoformat(), "--out", str(tmp_path / "out")])

    out = capsys.readouterr().out
    assert code == 0
    assert ("  Warning: school.toml: [rules] due_window is not a setting this tool knows (did you mean "
            "due_window_school_days?); it is ignored.") in out.splitlines()


def test_the_governor_pack_warns_of_an_unknown_key_and_of_suppression_off(tmp_path, capsys):
    folder = _school(tmp_path, "\n[governors]\nsuppress_below = 0\nsupress_below = 3\n")

    code = main(["--data", str(folder), "--governor-pack", "Autumn 2026", "--as-of", "2026-11-27",
                 "--out", str(tmp_path / "out")])

    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    warnings = [line for line in lines if line.startswith("Warning: ")]
    assert warnings == [
        "Warning: school.toml: [governors] supress_below is not a setting this tool knows (did you mean "
        "suppress_below?); it is ignored.",
        "Warning: [governors] suppress_below = 0 in school.toml, so the governor pack shows every number, however "
        "small: a count of 1 or 2 pupils may let a reader identify a child. Set suppress_below = 3 (the default) "
        "before sharing the pack."]


def test_with_the_default_suppression_the_pack_prints_no_warning(tmp_path, capsys):
    folder = _school(tmp_path, "")

    assert main(["--data", str(folder), "--governor-pack", "Autumn 2026", "--as-of", "2026-11-27",
                 "--out", str(tmp_path / "out")]) == 0
    assert "Warning" not in capsys.readouterr().out
