"""`school.toml`: the school's settings, term dates and closures (contract §2).

Every setting is declared once in SETTINGS with its default and help text; the
commented template `input_templates/school.toml` and the reference page are
generated from that declaration.
"""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RunError


@dataclass(frozen=True)
class Setting:
    table: str
    key: str
    default: object
    help: str

    @property
    def name(self) -> str:
        return f"[{self.table}] {self.key}"


SETTINGS: tuple[Setting, ...] = (
    Setting("rules", "due_window_school_days", 10, "How many school days ahead an upcoming duty is listed as 'due'."),
    Setting("rules", "visit_interval_school_days", 30, "AP lead visit interval in school days (policy §14.4)."),
    Setting("rules", "provider_check_months", 12, "How many months a provider check stays current (policy §5.3)."),
    Setting("rules", "review_cadence", "term", '"term" (the policy, §8.4) or "half-term" (DfE 2025 guidance) for agreement reviews.'),
    Setting("email", "from", None, "Sender address for e-mails to providers; needed only to send."),
    Setting("email", "return_by", "Monday", "Weekday by which providers return the filled workbook."),
    Setting("email", "smtp_host", None, "SMTP server host name."),
    Setting("email", "smtp_port", 587, "SMTP server port."),
    Setting("email", "security", "starttls", '"starttls", "ssl" or "none".'),
    Setting("email", "username", None, "SMTP user name."),
    Setting("email", "password_env", "AP_SMTP_PASSWORD", "Environment variable that holds the SMTP password (never put it in this file)."),
    Setting("email", "secrets_file", None, "Path (outside the school folder) of a TOML file PROVIDER_ID = \"password\" for encrypting attachments."),
    Setting("budget", "ap_budget", None, "AP budget for the academic year in pounds (policy §7.3)."),
    Setting("governors", "suppress_below", 3, "Counts of pupils below this are shown as <N in the governor pack; 0 turns it off (with a warning)."),
    Setting("paths", "cache", None, "Where parsed returns are cached (default OUT/.cache)."),
    Setting("paths", "letter_template", None, "The school's own parents' letter (default DIR/letter.html.j2 if present)."),
    Setting("school", "phone", None, "The school office's phone number: on letters, e-mails and returns."),
    Setting("school", "email", None, "The school office's e-mail address: on letters, e-mails and returns."),
    Setting("people", "dsl_phone", None, "The DSL's direct line, printed wherever a provider is told to call the DSL."),
)

ROLES = ("Headteacher", "AP lead", "DSL", "SENCO", "Attendance lead", "Assessment lead")   # [people] keys (§7)


@dataclass(frozen=True)
class Term:
    name: str
    start: dt.date
    end: dt.date
    half_term: tuple[dt.date, dt.date] | None = None


@dataclass(frozen=True)
class Settings:
    school_name: str
    address: str
    target_percent: float
    closures: frozenset[dt.date]
    terms: tuple[Term, ...]
    options: dict = field(default_factory=dict)

    def get(self, table: str, key: str):
        return self.options[(table, key)]

    @property
    def people(self) -> dict:
        """Who holds each role of §7, from [people]: {"Headteacher": "Mrs A Patel", ...}; roles not given are absent."""
        return dict(self.options.get(("people", "_roles"), {}))

    def person(self, role: str) -> str | None:
        return self.people.get(role)

    @property
    def due_window(self) -> int:
        return int(self.get("rules", "due_window_school_days"))


def _date(value, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise RunError(f"school.toml: {where} must be a date written like 2026-09-03, not {value!r}.")


def load_settings(path: Path) -> Settings:
    """Read and check school.toml; any problem is a RunError naming the key."""
    path = Path(path)
    if not path.is_file():
        raise RunError(f"{path} is missing: every school folder needs a school.toml (run 'python run_weekly.py --init DIR' for a template).")
    try:
        text = path.read_text(encoding="utf-8-sig")
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RunError(f"school.toml cannot be read: {_toml_problem(exc, text)}") from None
    except UnicodeDecodeError:
        raise RunError("school.toml is not saved as UTF-8 text: open it in Notepad and save it with the encoding UTF-8.") from None
    except OSError as exc:
        raise RunError(f"school.toml cannot be read ({exc.strerror or exc}): check the file's permissions.") from None
    return parse_settings(raw)


def _toml_problem(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """The error with the offending line quoted, so the person sees which key is wrong."""
    m = re.search(r"line (\d+)", str(exc))
    lines = text.splitlines()
    if m and 0 < int(m.group(1)) <= len(lines):
        return f"{exc} in `{lines[int(m.group(1)) - 1].strip()}`. Fix that line (dates are written 2026-09-03, text in quotes)."
    return f"{exc}. Fix that line."


def _table(raw: dict, name: str) -> dict:
    """A [name] table of school.toml ({} when absent); anything else there is a RunError naming it."""
    value = raw.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RunError(f"school.toml: [{name}] must be a table: put [{name}] on a line of its own with its "
                       f"keys below it, not {name} = {value!r}.")
    return value


def _terms(raw: dict) -> list:
    terms = raw.get("terms")
    if terms is None:
        return []
    if isinstance(terms, dict) or not isinstance(terms, list) or not all(isinstance(t, dict) for t in terms):
        raise RunError("school.toml: [[terms]] must be written with two square brackets, one [[terms]] table per "
                       "term, each with name, start and end below it.")
    return terms


def parse_settings(raw: dict) -> Settings:
    school = _table(raw, "school")
    name = str(school.get("name") or "").strip()
    if not name:
        raise RunError("school.toml: [school] name is missing: add the school's name.")
    target = school.get("target_percent", 96.0)
    if isinstance(target, bool) or not isinstance(target, (int, float)) or not 0 <= target <= 100:
        raise RunError(f"school.toml: [school] target_percent must be a number from 0 to 100, not {target!r}.")
    calendar = _table(raw, "calendar")
    closures = calendar.get("closures", [])
    if not isinstance(closures, list):     # a single date written without brackets
        closures = [closures]
    closures = frozenset(_date(d, "[calendar] closures") for d in closures)
    terms = tuple(_parse_term(i, t) for i, t in enumerate(_terms(raw)))
    if not terms:
        raise RunError("school.toml: [[terms]] is missing: add a [[terms]] table for each term with name, start and end.")
    for before, after in zip(terms, terms[1:]):
        if after.start <= before.end:
            raise RunError(f"school.toml: [[terms]] '{after.name}' starts before '{before.name}' ends: terms must not overlap and must be in date order.")
    options = {}
    for s in SETTINGS:
        options[(s.table, s.key)] = _table(raw, s.table).get(s.key, s.default)
    for key in ("due_window_school_days", "visit_interval_school_days", "provider_check_months"):
        v = options[("rules", key)]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise RunError(f"school.toml: [rules] {key} must be a whole number of at least 1, not {v!r}.")
    if options[("rules", "review_cadence")] not in ("term", "half-term"):
        raise RunError(f"school.toml: [rules] review_cadence must be \"term\" or \"half-term\", not {options[('rules', 'review_cadence')]!r}.")
    if options[("email", "security")] not in ("starttls", "ssl", "none"):
        raise RunError(f"school.toml: [email] security must be \"starttls\", \"ssl\" or \"none\", not {options[('email', 'security')]!r}.")
    people = _table(raw, "people")
    options[("people", "_roles")] = {r: str(people[r]).strip() for r in ROLES
                                     if isinstance(people.get(r), str) and people[r].strip()}
    return Settings(name, str(school.get("address") or ""), float(target), closures, terms, options)


def _parse_term(i: int, t: dict) -> Term:
    name = str(t.get("name") or "").strip()
    label = f"[[terms]] '{name}'" if name else f"[[terms]] number {i + 1}"
    if not name:
        raise RunError(f"school.toml: {label} has no name: add name = \"Autumn 2026\" or similar.")
    if "start" not in t or "end" not in t:
        raise RunError(f"school.toml: {label} needs both start and end dates.")
    start, end = _date(t["start"], f"{label} start"), _date(t["end"], f"{label} end")
    if end < start:
        raise RunError(f"school.toml: {label} ends ({end}) before it starts ({start}).")
    half = None
    if t.get("half_term"):
        ht = t["half_term"]
        if not isinstance(ht, list) or len(ht) != 2:
            raise RunError(f"school.toml: {label} half_term must be two dates [first, last].")
        half = (_date(ht[0], f"{label} half_term"), _date(ht[1], f"{label} half_term"))
        if half[1] < half[0] or half[0] < start or half[1] > end:
            raise RunError(f"school.toml: {label} half_term {half[0]} to {half[1]} must lie inside the term ({start} to {end}).")
    return Term(name, start, end, half)
