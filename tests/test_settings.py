"""school.toml (contract §2): defaults, reading the file, and one-line errors naming the key."""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest

from pipeline import settings as settings_module
from pipeline.errors import RunError
from pipeline.settings import SETTINGS, Term, load_settings, parse_settings

D = dt.date.fromisoformat

CONTRACT_EXAMPLE = """\
[school]
name = "Hilltop Infant School"
address = "1 School Lane, Hilltop"     # letterhead
target_percent = 96.0                   # the school's attendance target, §15.5

[calendar]
closures = [2026-11-13]                 # INSET days and other planned closures

[[terms]]                               # one table per term, in date order
name = "Autumn 2026"
start = 2026-09-03
end = 2026-12-18
half_term = [2026-10-26, 2026-10-30]    # optional: first and last weekday of the break
"""

SPRING_TOML = """
[[terms]]
name = "Spring 2027"
start = 2027-01-05
end = 2027-03-26
half_term = [2027-02-15, 2027-02-19]
"""


def minimal_raw(**school) -> dict:
    """The smallest settings a school can run with: a name and one term."""
    return {
        "school": {"name": "Hilltop Infant School", **school},
        "terms": [{"name": "Autumn 2026", "start": D("2026-09-03"), "end": D("2026-12-18")}],
    }


def with_term(raw: dict, index: int = 0, **changes) -> dict:
    raw = copy.deepcopy(raw)
    raw["terms"][index].update(changes)
    return raw


def with_table(raw: dict, table: str, **values) -> dict:
    raw = copy.deepcopy(raw)
    raw.setdefault(table, {}).update(values)
    return raw


def write_toml(tmp_path: Path, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / "school.toml"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def run_error(call, *args) -> str:
    with pytest.raises(RunError) as info:
        call(*args)
    message = str(info.value)
    assert "\n" not in message, "the message must be one line"
    assert "Traceback" not in message
    return message


# --- defaults ------------------------------------------------------------------

def test_minimal_settings_take_the_declared_defaults():
    s = parse_settings(minimal_raw())
    assert s.school_name == "Hilltop Infant School"
    assert s.address == ""
    assert s.target_percent == 96.0
    assert s.closures == frozenset()
    assert s.terms == (Term("Autumn 2026", D("2026-09-03"), D("2026-12-18"), None),)
    assert s.due_window == 10


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_defaults_when_missing(setting):
    assert parse_settings(minimal_raw()).get(setting.table, setting.key) == setting.default


@pytest.mark.parametrize("table, key, expected", [
    # the defaults written in the contract's table (§2), independently of SETTINGS
    ("rules", "due_window_school_days", 10),
    ("rules", "visit_interval_school_days", 30),
    ("rules", "provider_check_months", 12),
    ("rules", "review_cadence", "term"),
    ("email", "from", None),
    ("email", "return_by", "Monday"),
    ("email", "smtp_host", None),
    ("email", "smtp_port", 587),
    ("email", "security", "starttls"),
    ("email", "username", None),
    ("email", "password_env", "AP_SMTP_PASSWORD"),
    ("email", "secrets_file", None),
    ("budget", "ap_budget", None),
    ("governors", "suppress_below", 3),
    ("paths", "cache", None),
    ("paths", "letter_template", None),
])
def test_contract_defaults(table, key, expected):
    assert parse_settings(minimal_raw()).get(table, key) == expected


def test_settings_are_declared_once():
    names = [s.name for s in SETTINGS]
    assert len(names) == len(set(names))
    assert all(s.help.strip() for s in SETTINGS)


@pytest.mark.parametrize("table, key, value", [
    ("rules", "due_window_school_days", 15),
    ("rules", "review_cadence", "half-term"),
    ("email", "from", "office@hilltop.sch.uk"),
    ("email", "security", "ssl"),
    ("budget", "ap_budget", 25000),
    ("governors", "suppress_below", 5),
])
def test_a_given_setting_replaces_its_default(table, key, value):
    s = parse_settings(with_table(minimal_raw(), table, **{key: value}))
    assert s.get(table, key) == value


@pytest.mark.parametrize("target", [0, 0.0, 100, 100.0, 96, 92.5])
def test_target_within_range_is_accepted(target):
    s = parse_settings(minimal_raw(target_percent=target))
    assert s.target_percent == float(target)
    assert isinstance(s.target_percent, float)


# --- reading the file ----------------------------------------------------------

def test_load_settings_reads_the_contract_example(tmp_path):
    s = load_settings(write_toml(tmp_path, CONTRACT_EXAMPLE + SPRING_TOML))
    assert s.school_name == "Hilltop Infant School"
    assert s.address == "1 School Lane, Hilltop"
    assert s.target_percent == 96.0
    assert s.closures == frozenset({D("2026-11-13")})
    assert [t.name for t in s.terms] == ["Autumn 2026", "Spring 2027"]
    autumn, spring = s.terms
    assert (autumn.start, autumn.end) == (D("2026-09-03"), D("2026-12-18"))
    assert autumn.half_term == (D("2026-10-26"), D("2026-10-30"))
    assert spring.half_term == (D("2027-02-15"), D("2027-02-19"))
    assert s.get("rules", "review_cadence") == "term"


def test_load_settings_reads_a_file_with_a_byte_order_mark(tmp_path):
    text = CONTRACT_EXAMPLE.replace("Hilltop Infant School", "St Æthelred’s C of E Primary")
    path = write_toml(tmp_path, text, bom=True)
    assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    s = load_settings(path)
    assert s.school_name == "St Æthelred’s C of E Primary"
    assert s.terms[0].name == "Autumn 2026"


def test_load_settings_accepts_a_str_path(tmp_path):
    assert load_settings(str(write_toml(tmp_path, CONTRACT_EXAMPLE))).school_name == "Hilltop Infant School"


def test_dates_written_as_strings_are_read(tmp_path):
    text = CONTRACT_EXAMPLE.replace("start = 2026-09-03", 'start = "2026-09-03"')
    assert load_settings(write_toml(tmp_path, text)).terms[0].start == D("2026-09-03")


# --- errors: one line naming the key -----------------------------------------

def test_missing_file(tmp_path):
    message = run_error(load_settings, tmp_path / "school.toml")
    assert "school.toml" in message
    assert "missing" in message


def test_a_folder_in_place_of_the_file(tmp_path):
    (tmp_path / "school.toml").mkdir()
    assert "school.toml" in run_error(load_settings, tmp_path / "school.toml")


@pytest.mark.parametrize("bad_line, line_no", [
    ("target_percent = ", 4),             # value missing
    ('target_percent = "96', 4),          # unterminated string
    ("target_percent 96", 4),             # no =
])
def test_toml_syntax_error(tmp_path, bad_line, line_no):
    text = CONTRACT_EXAMPLE.replace(
        "target_percent = 96.0                   # the school's attendance target, §15.5", bad_line)
    message = run_error(load_settings, write_toml(tmp_path, text))
    assert "school.toml" in message
    assert f"line {line_no}" in message   # names where to look in the file


def test_toml_syntax_error_in_a_table_header(tmp_path):
    message = run_error(load_settings, write_toml(tmp_path, CONTRACT_EXAMPLE.replace("[calendar]", "[calendar")))
    assert "school.toml" in message
    assert "line 6" in message


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "school.toml"
    path.write_bytes(CONTRACT_EXAMPLE.replace("Hilltop", "H\xe9lltop").encode("latin-1"))
    assert "school.toml" in run_error(load_settings, path)


@pytest.mark.parametrize("school", [{}, {"name": ""}, {"name": "   "}, {"address": "1 School Lane"}])
def test_missing_school_name(school):
    raw = minimal_raw()
    raw["school"] = school
    message = run_error(parse_settings, raw)
    assert "[school] name" in message


def test_missing_school_table(tmp_path):
    text = CONTRACT_EXAMPLE.replace('[school]\nname = "Hilltop Infant School"\n', "[school]\n")
    assert "[school] name" in run_error(load_settings, write_toml(tmp_path, text))


@pytest.mark.parametrize("target", [101, -1, 100.01, -0.5, "96", True])
def test_target_outside_0_to_100(target):
    message = run_error(parse_settings, minimal_raw(target_percent=target))
    assert "target_percent" in message
    assert "[school]" in message


def test_target_outside_range_in_a_file(tmp_path):
    text = CONTRACT_EXAMPLE.replace("target_percent = 96.0", "target_percent = 101")
    message = run_error(load_settings, write_toml(tmp_path, text))
    assert "target_percent" in message
    assert "101" in message


@pytest.mark.parametrize("cadence", ["weekly", "Term", "half term", "", 2])
def test_review_cadence_must_be_term_or_half_term(cadence):
    message = run_error(parse_settings, with_table(minimal_raw(), "rules", review_cadence=cadence))
    assert "review_cadence" in message


@pytest.mark.parametrize("key, value", [
    ("due_window_school_days", 0),
    ("visit_interval_school_days", -5),
    ("provider_check_months", "12"),
    ("due_window_school_days", 2.5),
])
def test_rule_numbers_must_be_whole_and_positive(key, value):
    assert key in run_error(parse_settings, with_table(minimal_raw(), "rules", **{key: value}))


def test_email_security_must_be_known():
    assert "security" in run_error(parse_settings, with_table(minimal_raw(), "email", security="tls"))


def test_term_ending_before_it_starts():
    message = run_error(parse_settings, with_term(minimal_raw(), end=D("2026-09-02")))
    assert "[[terms]]" in message
    assert "Autumn 2026" in message
    assert "2026-09-02" in message


def test_term_ending_before_it_starts_in_a_file(tmp_path):
    text = CONTRACT_EXAMPLE.replace("end = 2026-12-18", "end = 2026-08-18")
    message = run_error(load_settings, write_toml(tmp_path, text))
    assert "[[terms]] 'Autumn 2026'" in message


def test_one_day_term_is_allowed():
    assert parse_settings(with_term(minimal_raw(), end=D("2026-09-03"))).terms[0].end == D("2026-09-03")


@pytest.mark.parametrize("spring_start", ["2026-12-18", "2026-12-01", "2026-09-03"])
def test_overlapping_terms(spring_start):
    raw = minimal_raw()
    raw["terms"].append({"name": "Spring 2027", "start": D(spring_start), "end": D("2027-03-26")})
    message = run_error(parse_settings, raw)
    assert "[[terms]]" in message
    assert "Spring 2027" in message and "Autumn 2026" in message


def test_overlapping_terms_in_a_file(tmp_path):
    text = CONTRACT_EXAMPLE + SPRING_TOML.replace("start = 2027-01-05", "start = 2026-12-14")
    message = run_error(load_settings, write_toml(tmp_path, text))
    assert "[[terms]]" in message
    assert "overlap" in message


def test_adjacent_terms_are_not_overlapping():
    raw = minimal_raw()
    raw["terms"].append({"name": "Spring 2027", "start": D("2026-12-19"), "end": D("2027-03-26")})
    assert len(parse_settings(raw).terms) == 2


@pytest.mark.parametrize("half_term", [
    ["2026-09-01", "2026-09-04"],   # starts before the term
    ["2026-12-14", "2026-12-22"],   # ends after the term
    ["2027-02-15", "2027-02-19"],   # in another term
    ["2026-10-30", "2026-10-26"],   # last day before first day
])
def test_half_term_outside_its_term(half_term):
    message = run_error(parse_settings, with_term(minimal_raw(), half_term=[D(d) for d in half_term]))
    assert "half_term" in message
    assert "Autumn 2026" in message


def test_half_term_outside_its_term_in_a_file(tmp_path):
    text = CONTRACT_EXAMPLE.replace("half_term = [2026-10-26, 2026-10-30]", "half_term = [2026-12-21, 2026-12-24]")
    message = run_error(load_settings, write_toml(tmp_path, text))
    assert "half_term" in message


@pytest.mark.parametrize("half_term", [[D("2026-10-26")], [D("2026-10-26"), D("2026-10-28"), D("2026-10-30")], "2026-10-26"])
def test_half_term_must_be_two_dates(half_term):
    assert "half_term" in run_error(parse_settings, with_term(minimal_raw(), half_term=half_term))


def test_half_term_on_the_term_boundaries_is_allowed():
    s = parse_settings(with_term(minimal_raw(), half_term=[D("2026-09-03"), D("2026-12-18")]))
    assert s.terms[0].half_term == (D("2026-09-03"), D("2026-12-18"))


@pytest.mark.parametrize("term, needle", [
    ({"start": D("2026-09-03"), "end": D("2026-12-18")}, "name"),
    ({"name": "Autumn 2026", "end": D("2026-12-18")}, "start"),
    ({"name": "Autumn 2026", "start": D("2026-09-03")}, "end"),
    ({"name": "Autumn 2026", "start": "3rd September", "end": D("2026-12-18")}, "start"),
])
def test_term_with_a_missing_or_bad_key(term, needle):
    raw = minimal_raw()
    raw["terms"] = [term]
    message = run_error(parse_settings, raw)
    assert "[[terms]]" in message
    assert needle in message


def test_no_terms():
    raw = minimal_raw()
    del raw["terms"]
    assert "[[terms]]" in run_error(parse_settings, raw)


def test_closure_that_is_not_a_date():
    raw = minimal_raw()
    raw["calendar"] = {"closures": ["13/11/2026"]}
    assert "closures" in run_error(parse_settings, raw)


def test_module_exposes_the_declared_settings():
    # the template and reference page are generated from SETTINGS: every entry is a Setting
    assert all(isinstance(s, settings_module.Setting) for s in SETTINGS)
