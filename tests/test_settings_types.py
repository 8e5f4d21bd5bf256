"""school.toml settings declared once with their kind and range (contract §2, exit codes §8).

A value of the wrong kind or out of its range stops the run with exit 2 and one line naming the key;
a key or section the tool does not know is a warning naming the nearest known one, and the run goes on.
Each test builds a real school folder with the factories and runs the command line."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.calendar import SchoolCalendar
from pipeline.cli import main
from pipeline.errors import RunError
from pipeline.settings import HEAD_SETTINGS, SETTINGS, load_settings, parse_settings
from tests.factories import SCHOOL_TOML, full_week, placement, write_return, write_school

NOV_23, NOV_28 = dt.date(2026, 11, 23), dt.date(2026, 11, 28)


def folder_with(tmp_path: Path, toml: str) -> Path:
    """A clean school (one pupil at PRV1 from 23/11, fully present that week) with this school.toml."""
    folder = write_school(tmp_path / "school", [placement("P001", start=NOV_23)], toml=toml)
    write_return(folder / "returns" / "prv1.xlsx", "PRV1", NOV_23, [("P001", full_week("B"))])
    return folder


def run(capsys, folder: Path, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["--data", str(folder), "--out", str(tmp_path / "out"), *extra], today=NOV_28)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stopped_with(capsys, tmp_path: Path, toml: str, *extra: str) -> str:
    """Run the tool on a folder with this school.toml; it must stop with exit 2, write nothing, and say
    why on one stderr line, which is returned."""
    folder = folder_with(tmp_path, toml)
    code, _out, err = run(capsys, folder, tmp_path, *extra)
    assert code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert not (tmp_path / "out").exists()
    return lines[0]


def replaced(old: str, new: str) -> str:
    assert old in SCHOOL_TOML
    return SCHOOL_TOML.replace(old, new, 1)


# --- a wrong kind or an out-of-range value: exit 2, one line naming the key -----------------------

@pytest.mark.parametrize("toml, line", [
    (SCHOOL_TOML + '\n[governors]\nsuppress_below = "five"\n',
     'school.toml: [governors] suppress_below must be a whole number from 0 to 100, not "five".'),
    (SCHOOL_TOML + '\n[budget]\nap_budget = "£60,000"\n',
     'school.toml: [budget] ap_budget must be a number of pounds like 60000 (no £ sign or commas), not "£60,000".'),
    (replaced("target_percent = 96.0", 'target_percent = "96"'),
     'school.toml: [school] target_percent must be a number from 0 to 100, not "96".'),
    (SCHOOL_TOML + "\n[rules]\ndue_window_school_days = 0\n",
     "school.toml: [rules] due_window_school_days must be a whole number from 1 to 190, not 0."),
    (SCHOOL_TOML + "\n[email]\nsmtp_port = 70000\n",
     "school.toml: [email] smtp_port must be a whole number from 1 to 65535, not 70000."),
    (SCHOOL_TOML + '\n[email]\nsecurity = "tls"\n',
     'school.toml: [email] security must be "starttls", "ssl" or "none", not "tls".'),
    (replaced("end = 2027-07-21", "end = 9999-12-31"),
     "school.toml: [[terms]] 'Summer 2027' end must be a date written like 2026-09-03, in the years 2000 to 2100, "
     "not 9999-12-31."),
    (replaced("closures = [2026-11-13]", "closures = [2026-11-13, 1999-01-01]"),
     "school.toml: [calendar] closures must be a date written like 2026-09-03, in the years 2000 to 2100, "
     "not 1999-01-01."),
    (SCHOOL_TOML + "\n[rules]\nvisit_interval_school_days = true\n",
     "school.toml: [rules] visit_interval_school_days must be a whole number from 1 to 190, not true."),
    (SCHOOL_TOML + "\n[governors]\nsuppress_below = false\n",
     "school.toml: [governors] suppress_below must be a whole number from 0 to 100, not false."),
    (replaced("target_percent = 96.0", "target_percent = true"),
     "school.toml: [school] target_percent must be a number from 0 to 100, not true."),
], ids=["suppress_below text", "ap_budget with £ and commas", "target_percent in quotes", "due window 0",
        "smtp_port 70000", "security tls", "term ends 9999-12-31", "closure in 1999", "bool for a whole number",
        "bool for suppress_below", "bool for target_percent"])
def test_a_bad_value_stops_the_weekly_run_with_exit_2_naming_the_key(tmp_path, capsys, toml, line):
    assert stopped_with(capsys, tmp_path, toml) == f"Cannot run: {line}"


def test_a_bad_value_stops_the_governor_pack_with_exit_2_too(tmp_path, capsys):
    toml = SCHOOL_TOML + '\n[governors]\nsuppress_below = "five"\n'
    line = stopped_with(capsys, tmp_path, toml, "--governor-pack", "Autumn 2026")
    assert line == ('Cannot run: school.toml: [governors] suppress_below must be a whole number from 0 to 100, '
                    'not "five".')


@pytest.mark.parametrize("old, new, where", [
    ("start = 2026-09-03", "start = 1999-09-03", "[[terms]] 'Autumn 2026' start"),
    ("start = 2027-04-12", "start = 2101-04-12", "[[terms]] 'Summer 2027' start"),
    ("half_term = [2026-10-26, 2026-10-30]", "half_term = [1066-10-14, 2026-10-30]", "[[terms]] 'Autumn 2026' half_term"),
])
def test_a_year_outside_2000_to_2100_in_any_term_date_is_exit_2(tmp_path, capsys, old, new, where):
    line = stopped_with(capsys, tmp_path, replaced(old, new))
    assert line.startswith(f"Cannot run: school.toml: {where} must be a date written like 2026-09-03, "
                           "in the years 2000 to 2100, not ")


@pytest.mark.parametrize("table, key, value, expects", [
    ("rules", "provider_check_months", "12", "a whole number from 1 to 120"),
    ("rules", "due_window_school_days", 2.5, "a whole number from 1 to 190"),
    ("rules", "review_cadence", "Term", '"term" or "half-term"'),
    ("email", "return_by", "Funday", 'a day of the week in quotes, like "Monday"'),
    ("email", "from", "the office", 'one e-mail address in quotes, like "office@school.example"'),
    ("email", "from", "a@school.example; b@school.example", 'one e-mail address in quotes, like "office@school.example"'),
    ("email", "smtp_host", 25, "text in quotes"),
    ("email", "smtp_port", 0, "a whole number from 1 to 65535"),
    ("budget", "ap_budget", -100, "a number of pounds like 60000 (no £ sign or commas)"),
    ("budget", "ap_budget", float("inf"), "a number of pounds like 60000 (no £ sign or commas)"),
    ("governors", "suppress_below", 101, "a whole number from 0 to 100"),
    ("paths", "cache", 7, 'a file or folder path in quotes, like "C:/AP/letter.html.j2"'),
    ("school", "email", "office at school", 'one e-mail address in quotes, like "office@school.example"'),
    ("people", "dsl_phone", 1632960009, "text in quotes"),
    ("people", "DSL", 5, "text in quotes"),
])
def test_each_declared_kind_is_checked_by_the_one_checker(table, key, value, expects):
    raw = {"school": {"name": "Hilltop"}, "terms": [{"name": "T", "start": dt.date(2026, 9, 3), "end": dt.date(2026, 12, 18)}]}
    raw.setdefault(table, {})[key] = value
    with pytest.raises(RunError) as info:
        parse_settings(raw)
    shown = json.dumps(value, ensure_ascii=False) if isinstance(value, str) else ("inf" if value == float("inf") else str(value))
    assert str(info.value) == f"school.toml: [{table}] {key} must be {expects}, not {shown}."


@pytest.mark.parametrize("table, key, value, used", [
    ("rules", "due_window_school_days", 190, 190),
    ("rules", "due_window_school_days", 15.0, 15),          # a whole number written with .0
    ("email", "smtp_port", 65535, 65535),
    ("email", "return_by", "friday", "friday"),
    ("email", "from", "Hilltop AP <ap@hilltop.example>", "Hilltop AP <ap@hilltop.example>"),
    ("email", "smtp_host", "", None),                       # blank text is "not set"
    ("budget", "ap_budget", 60000, 60000),
    ("budget", "ap_budget", 0, 0),
    ("budget", "ap_budget", 12500.50, 12500.50),
    ("governors", "suppress_below", 0, 0),
    ("governors", "suppress_below", 100, 100),
])
def test_values_inside_the_declared_range_are_used(table, key, value, used):
    raw = {"school": {"name": "Hilltop"}, "terms": [{"name": "T", "start": dt.date(2026, 9, 3), "end": dt.date(2026, 12, 18)}],
           table: {key: value}}
    got = parse_settings(raw).get(table, key)
    assert got == used and type(got) is type(used)


def test_every_setting_declares_a_kind_its_default_passes():
    for s in SETTINGS + HEAD_SETTINGS:
        assert s.kind in ("int", "float", "money", "str", "choice", "weekday", "date", "path", "email"), s.name
        if s.default is not None and s.default != "":
            assert s.check(s.default) == s.default, s.name
        if s.kind == "choice":
            assert s.default in s.choices, s.name


def test_dates_at_both_ends_of_2000_to_2100_are_school_days_the_calendar_counts():
    D = dt.date
    raw = {"school": {"name": "Hilltop"}, "calendar": {"closures": [D(2000, 1, 5)]},
           "terms": [{"name": "First", "start": D(2000, 1, 3), "end": D(2000, 1, 7)},
                     {"name": "Last", "start": D(2100, 12, 20), "end": D(2100, 12, 31)}]}
    calendar = SchoolCalendar.from_settings(parse_settings(raw))
    # Mon 3 Jan 2000 is the New Year bank holiday and the 5th a closure; Christmas 2100 falls on a
    # Saturday, so Mon 27 and Tue 28 December 2100 are the substitute bank holidays.
    assert calendar.days == (D(2000, 1, 4), D(2000, 1, 6), D(2000, 1, 7),
                             D(2100, 12, 20), D(2100, 12, 21), D(2100, 12, 22), D(2100, 12, 23), D(2100, 12, 24),
                             D(2100, 12, 29), D(2100, 12, 30), D(2100, 12, 31))
    assert calendar.add_school_days(D(2100, 12, 31), 1) is None
    assert calendar.year_start(D(2100, 12, 31)) == D(2100, 12, 20)
    assert calendar.last_complete_week(D(2101, 1, 9)) == D(2100, 12, 27)


# --- keys and sections the tool does not know: warnings, the run goes on --------------------------

@pytest.mark.parametrize("extra, warning", [
    ("\n[rules]\ndue_window = 5\n",
     "school.toml: [rules] due_window is not a setting this tool knows (did you mean due_window_school_days?); "
     "it is ignored."),
    ("\n[goverors]\nsuppress_below = 5\n",
     "school.toml: [goverors] is not a section this tool knows (did you mean [governors]?); it is ignored."),
    ('\n[people]\n"Head teacher" = "Mrs Ruth Okafor"\n',
     'school.toml: [people] "Head teacher" is not a role this tool knows (did you mean Headteacher?); it is ignored.'),
    ('\n[people]\n"Attendence lead" = "Mrs Jo Whitby"\n',
     'school.toml: [people] "Attendence lead" is not a role this tool knows (did you mean "Attendance lead"?); '
     "it is ignored."),
    ('\n[paths]\noutput = "C:/AP reports"\n',
     "school.toml: [paths] output is not a setting this tool knows (did you mean out?); it is ignored."),
], ids=["rules key", "section", "people role", "people role spelt wrong", "paths output"])
def test_an_unknown_key_is_a_warning_and_the_run_still_works(tmp_path, capsys, extra, warning):
    folder = folder_with(tmp_path, SCHOOL_TOML + extra)
    assert load_settings(folder / "school.toml").warnings == (warning,)
    code, out, err = run(capsys, folder, tmp_path)
    assert code == 0, err
    summary = json.loads((tmp_path / "out" / "2026-11-23" / "summary.json").read_text(encoding="utf-8"))
    assert [p["placement_id"] for p in summary["pupils"]] == ["P001"]
    assert summary["findings"] == []


def test_an_unknown_key_leaves_the_known_settings_at_their_defaults():
    raw = {"school": {"name": "Hilltop", "nmae": "x"}, "rules": {"due_window": 5},
           "terms": [{"name": "T", "start": dt.date(2026, 9, 3), "end": dt.date(2026, 12, 18), "halfterm": []}]}
    s = parse_settings(raw)
    assert s.due_window == 10
    assert s.warnings == (
        "school.toml: [school] nmae is not a setting this tool knows (did you mean name?); it is ignored.",
        "school.toml: [rules] due_window is not a setting this tool knows (did you mean due_window_school_days?); "
        "it is ignored.",
        "school.toml: [[terms]] 'T' halfterm is not a setting this tool knows (did you mean half_term?); it is ignored.",
    )


def test_an_unknown_key_with_no_near_match_lists_what_the_section_can_have():
    raw = {"school": {"name": "Hilltop"}, "budget": {"money": 5},
           "terms": [{"name": "T", "start": dt.date(2026, 9, 3), "end": dt.date(2026, 12, 18)}]}
    assert parse_settings(raw).warnings == (
        "school.toml: [budget] money is not a setting this tool knows; it is ignored. [budget] can have: ap_budget.",)


def test_a_setting_above_every_section_is_a_warning_naming_where_it_belongs():
    raw = {"suppress_below": 2, "school": {"name": "Hilltop"},
           "terms": [{"name": "T", "start": dt.date(2026, 9, 3), "end": dt.date(2026, 12, 18)}]}
    assert parse_settings(raw).warnings == (
        "school.toml: suppress_below is above every [section], so this tool does not know it (did you mean "
        "[governors] suppress_below?); it is ignored. Put each setting below the [section] it belongs to.",)


def test_a_school_toml_with_only_known_keys_has_no_warnings(tmp_path):
    folder = folder_with(tmp_path, SCHOOL_TOML + '\n[people]\nDSL = "Mr Tom Baines"\ndsl_phone = "01632 960009"\n')
    settings = load_settings(folder / "school.toml")
    assert settings.warnings == ()
    assert settings.people == {"DSL": "Mr Tom Baines"}
