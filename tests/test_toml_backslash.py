"""A Windows path typed with backslashes in school.toml: in TOML's double quotes a backslash starts an escape, so
the file does not read, or reads a tab or a new line. The one exit-2 line says how to write the path."""
from __future__ import annotations

import pytest

from pipeline.cli import main
from tests.factories import SCHOOL_TOML, placement
from tests.figure_factories import NOV_23, NOV_28, school

LINE = 27     # the line of the added setting in the school.toml below


def run_with(tmp_path, capsys, extra: str) -> tuple[int, str, str]:
    data = school(tmp_path / "school", [placement("P001", start=NOV_23)], toml=SCHOOL_TOML + extra)
    assert (data / "school.toml").read_text(encoding="utf-8").splitlines().index(extra.strip().splitlines()[-1]) \
        == LINE - 1
    code = main(["--data", str(data), "--out", str(tmp_path / "out")], today=NOV_28)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("typed, message", [
    (r'"C:\AP\pw.toml"', "Unescaped '\\' in a string (at line 27, column 21)"),
    (r'"C:\Users\AP\pw.toml"', "Invalid hex value (at line 27, column 21)"),
    (r'"\\server\AP\pw.toml"', "Unescaped '\\' in a string (at line 27, column 27)"),
])
def test_a_backslash_that_stops_the_file_reading(tmp_path, capsys, typed, message):
    code, out, err = run_with(tmp_path, capsys, f"\n[email]\nsecrets_file = {typed}\n")
    path = typed.strip('"')
    assert (code, out) == (2, "")
    assert err == (f"Cannot run: school.toml cannot be read: {message} in `secrets_file = {typed}`. Write paths with "
                   f"forward slashes ({path.replace(chr(92), '/')}) or in single quotes ('{path}').\n")


def test_the_hint_quoted_exactly_for_the_issue_s_example(tmp_path, capsys):
    code, out, err = run_with(tmp_path, capsys, '\n[email]\nsecrets_file = "C:\\AP\\pw.toml"\n')
    assert (code, out) == (2, "")
    assert err == ("Cannot run: school.toml cannot be read: Unescaped '\\' in a string (at line 27, column 21) in "
                   "`secrets_file = \"C:\\AP\\pw.toml\"`. Write paths with forward slashes (C:/AP/pw.toml) or in "
                   "single quotes ('C:\\AP\\pw.toml').\n")


def test_a_backslash_that_makes_a_tab_and_a_new_line(tmp_path, capsys):
    code, out, err = run_with(tmp_path, capsys, '\n[paths]\nletter_template = "C:\\temp\\new.html.j2"\n')
    assert (code, out) == (2, "")
    assert err == ('Cannot run: school.toml: [paths] letter_template must be a file or folder path in quotes, like '
                   '"C:/AP/letter.html.j2", not "C:\\temp\\new.html.j2". Write paths with forward slashes '
                   "(C:/temp/new.html.j2) or in single quotes ('C:\\temp\\new.html.j2').\n")


@pytest.mark.parametrize("typed", ["'C:\\AP\\pw.toml'", '"C:/AP/pw.toml"', '"C:\\\\AP\\\\pw.toml"'])
def test_the_ways_the_hint_gives_all_read(tmp_path, typed):
    from pipeline.settings import load_settings
    data = school(tmp_path / "school", [placement("P001", start=NOV_23)],
                  toml=SCHOOL_TOML + f"\n[email]\nsecrets_file = {typed}\n")
    assert load_settings(data / "school.toml").get("email", "secrets_file") in ("C:\\AP\\pw.toml", "C:/AP/pw.toml")


def test_other_syntax_errors_keep_their_own_advice(tmp_path, capsys):
    code, out, err = run_with(tmp_path, capsys, "\n[rules]\ndue_window_school_days = ten\n")
    assert (code, out) == (2, "")
    assert err == ("Cannot run: school.toml cannot be read: Invalid value (at line 27, column 26) in "
                   "`due_window_school_days = ten`. Fix that line (dates are written 2026-09-03, text in quotes).\n")
