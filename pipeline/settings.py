"""`school.toml`: the school's settings, term dates and closures (contract §2).

Every setting is declared once, with its default, help text, kind and range: SETTINGS for the
optional settings (the commented template `input_templates/school.toml` and the reference page are
generated from it) and HEAD_SETTINGS for the [school] keys the template already writes. One
checker reads every declared setting from its declaration: a value of the wrong kind or out of its
range is a RunError naming the key. A key or section the tool does not know is a warning on
Settings.warnings naming the nearest known one; it never stops the run.
"""
from __future__ import annotations

import datetime as dt
import difflib
import email.utils
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import RunError
from .labels import DAY_NAMES

# The kinds of value a setting can take.
INT = "int"            # a whole number (never true/false)
NUMBER = "float"       # any number (never true/false)
MONEY = "money"        # a number of pounds
STR = "str"            # text
CHOICE = "choice"      # one of Setting.choices, exactly
WEEKDAY = "weekday"    # a day of the week, any case
DATE = "date"          # a date in the years DATE_YEARS
PATH = "path"          # a file or folder path
EMAIL = "email"        # one e-mail address, bare or as 'Name <address>'

TEXT_KINDS = (STR, PATH, EMAIL)          # blank text means "not set": the default applies
DATE_YEARS = (2000, 2100)
ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


@dataclass(frozen=True)
class Setting:
    table: str
    key: str
    default: object
    help: str
    kind: str = STR
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"[{self.table}] {self.key}"

    @property
    def expects(self) -> str:
        """What the setting takes, in words: 'a whole number from 0 to 100'."""
        return expected(self.kind, self.min, self.max, self.choices)

    def check(self, value, where: str | None = None):
        """The value as the tool uses it (the default for blank text); a RunError naming the key otherwise."""
        where = where or self.name
        if self.kind in TEXT_KINDS and isinstance(value, str) and not value.strip():
            return self.default
        ok, clean = _accept(self, value)
        if not ok:
            hint = ""
            if self.kind == PATH and isinstance(value, str):   # "C:\temp\new" read as a tab and a new line
                hint = " " + backslash_hint(shown(value))
            raise RunError(f"school.toml: {where} must be {self.expects}, not {shown(value)}.{hint}")
        return clean


def expected(kind: str, low=None, high=None, choices=()) -> str:
    if kind in (INT, NUMBER):
        noun = "a whole number" if kind == INT else "a number"
        if low is not None and high is not None:
            return f"{noun} from {_num(low)} to {_num(high)}"
        if low is not None:
            return f"{noun} of at least {_num(low)}"
        return f"{noun} of at most {_num(high)}" if high is not None else noun
    if kind == MONEY:
        return "a number of pounds like 60000 (no £ sign or commas)"
    if kind == CHOICE:
        quoted = [json.dumps(c) for c in choices]
        return " or ".join([", ".join(quoted[:-1]), quoted[-1]]) if len(quoted) > 1 else quoted[0]
    if kind == WEEKDAY:
        return 'a day of the week in quotes, like "Monday"'
    if kind == DATE:
        return f"a date written like 2026-09-03, in the years {DATE_YEARS[0]} to {DATE_YEARS[1]}"
    if kind == PATH:
        return 'a file or folder path in quotes, like "C:/AP/letter.html.j2"'
    if kind == EMAIL:
        return 'one e-mail address in quotes, like "office@school.example"'
    return "text in quotes" if kind == STR else kind


def _num(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def shown(value) -> str:
    """A value as the person typed it in school.toml, on one line: "five", 101, true, 9999-12-31."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= 60 else text[:56] + '..."'
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        text = "[" + ", ".join(shown(v) for v in value) + "]"
        return text if len(text) <= 60 else text[:56] + "...]"
    return str(value)


def _in_range(s: Setting, x) -> bool:
    return math.isfinite(x) and (s.min is None or x >= s.min) and (s.max is None or x <= s.max)


def _accept(s: Setting, value) -> tuple[bool, object]:
    """(True, value as used) when the value fits the declaration, else (False, None). Booleans are never numbers."""
    if s.kind in (INT, NUMBER, MONEY):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _in_range(s, value):
            return False, None
        if s.kind == INT:
            if isinstance(value, float) and not value.is_integer():
                return False, None
            return True, int(value)
        return True, value
    if s.kind == DATE:
        day = to_date(value)
        return day is not None, day
    if not isinstance(value, str):
        return False, None
    if s.kind == CHOICE:
        return value in s.choices, value
    if s.kind == WEEKDAY:
        return value.strip().casefold() in {d.casefold() for d in DAY_NAMES}, value.strip()
    if s.kind == EMAIL:
        text = " ".join(value.split())
        addr = email.utils.parseaddr(text)[1] if not any(sep in text for sep in ";,") else ""
        return bool(ADDRESS.fullmatch(addr or "")), value
    if s.kind == PATH:
        return not any(ord(c) < 32 for c in value), value
    return True, value


def to_date(value) -> dt.date | None:
    """A date in the years DATE_YEARS from a TOML date, date-time or ISO text; None for anything else."""
    if isinstance(value, dt.datetime):
        value = value.date()
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, dt.date):
        return None
    return value if DATE_YEARS[0] <= value.year <= DATE_YEARS[1] else None


SCHOOL_DAYS_MAX = 190      # school days in a year


SETTINGS: tuple[Setting, ...] = (
    Setting("rules", "due_window_school_days", 10, "How many school days ahead an upcoming duty is listed as 'due'.",
            INT, 1, SCHOOL_DAYS_MAX),
    Setting("rules", "visit_interval_school_days", 30, "AP lead visit interval in school days (policy §14.4).",
            INT, 1, SCHOOL_DAYS_MAX),
    Setting("rules", "provider_check_months", 12, "How many months a provider check stays current (policy §5.3).",
            INT, 1, 120),
    Setting("rules", "review_cadence", "term", '"term" (the policy, §8.4) or "half-term" (DfE 2025 guidance) for agreement reviews.',
            CHOICE, choices=("term", "half-term")),
    Setting("rules", "monitoring_from", None,
            "The first day this tool is used for the school: a week whose Friday is before it raises no "
            "missing-return action (its sessions still count as not reported). Default: the whole academic year.",
            DATE),
    Setting("email", "from", None, "Sender address for e-mails to providers; needed only to send.", EMAIL),
    Setting("email", "return_by", "Monday", "Weekday by which providers return the filled workbook.", WEEKDAY),
    Setting("email", "smtp_host", None, "SMTP server host name.", STR),
    Setting("email", "smtp_port", 587, "SMTP server port.", INT, 1, 65535),
    Setting("email", "security", "starttls", '"starttls", "ssl" or "none".', CHOICE, choices=("starttls", "ssl", "none")),
    Setting("email", "username", None, "SMTP user name.", STR),
    Setting("email", "password_env", "AP_SMTP_PASSWORD", "Environment variable that holds the SMTP password (never put it in this file).", STR),
    Setting("email", "secrets_file", None, "Path (outside the school folder) of a TOML file PROVIDER_ID = \"password\" for encrypting attachments.", PATH),
    Setting("email", "auth", "password", '"password" (username and the password in password_env), "xoauth2" (an OAuth 2 token '
            'printed by token_command) or "microsoft" (a Microsoft 365 sign-in: run --email-sign-in once); see docs/email_setup.md.',
            CHOICE, choices=("password", "xoauth2", "microsoft")),
    Setting("email", "token_command", None, 'With auth = "xoauth2": a command (run without a shell) that prints an OAuth 2 '
            "access token for the mailbox; it signs in as username, else from.", STR),
    Setting("email", "client_id", None, 'With auth = "microsoft": the Application (client) ID of the school\'s app registration.', STR),
    Setting("email", "tenant", "organizations", 'With auth = "microsoft": the school\'s Microsoft 365 tenant (its domain or ID).', STR),
    Setting("email", "token_cache", None, "Where the Microsoft 365 sign-in is kept (default: your own configuration folder, "
            "like %APPDATA%/ap-monitor/); never inside the school folder.", PATH),
    Setting("budget", "ap_budget", None, "AP budget for the academic year in pounds (policy §7.3).", MONEY, 0),
    Setting("governors", "suppress_below", 3, "Counts of pupils below this are shown as <N in the governor pack; 0 turns it off (with a warning).",
            INT, 0, 100),
    Setting("paths", "out", None, "Where reports go when --out is not given: a full path, or one from the folder that holds "
            "the school folder.", PATH),
    Setting("paths", "cache", None, "Where what a run read is kept for the next (the returns, the registers, the annotated "
            "copies; default OUT/.cache), so that it reads only what changed; a relative path is taken from the folder "
            "that holds the school folder.", PATH),
    Setting("paths", "letter_template", None, "The school's own parents' letter (default DIR/letter.html.j2 if present).", PATH),
    Setting("school", "phone", None, "The school office's phone number: on letters, e-mails and returns.", STR),
    Setting("school", "email", None, "The school office's e-mail address: on letters, e-mails and returns.", EMAIL),
    Setting("people", "dsl_phone", None, "The DSL's direct line, printed wherever a provider is told to call the DSL.", STR),
)

# The [school] keys the template's head already writes (so they are not among the optional SETTINGS).
HEAD_SETTINGS: tuple[Setting, ...] = (
    Setting("school", "name", None, "The school's name, on every report and letter.", STR),
    Setting("school", "address", "", "The school's address, for the letterhead.", STR),
    Setting("school", "target_percent", 96.0, "The school's attendance target in percent (policy §15.5).", NUMBER, 0, 100),
)

ROLES = ("Headteacher", "AP lead", "DSL", "SENCO", "Attendance lead", "Assessment lead")   # [people] keys (§7)
ROLE_SETTINGS = {r: Setting("people", r, None, f"The name of the {r}.", STR) for r in ROLES}
TERM_NAME = Setting("terms", "name", None, "The term's name, like \"Autumn 2026\".", STR)

CALENDAR_KEYS = ("closures",)
TERM_KEYS = ("name", "start", "end", "half_term")
SECTIONS = ("school", "calendar", "terms", "rules", "email", "budget", "governors", "paths", "people")

# The school name `--init` writes into a new school.toml: a run on it says what to fill in (a warning, so a
# first run on the untouched folder still shows what the reports look like).
PLACEHOLDER_NAME = "YOUR SCHOOL NAME"
PLACEHOLDER_WARNING = (f"school.toml still has the placeholder school name: fill in [school] name with your school's "
                       f"name, and check the term dates and closures; the reports are headed {PLACEHOLDER_NAME} until then.")


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
    warnings: tuple[str, ...] = ()       # one plain line per key or section school.toml has that the tool ignores

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

    @property
    def monitoring_from(self) -> dt.date | None:
        return self.options.get(("rules", "monitoring_from"))

    def monitored(self, monday: dt.date) -> bool:
        """Whether the tool watches the returns of the week of `monday`: its Friday is on or after
        [rules] monitoring_from (every week when it is not set). An earlier week raises no missing-return
        action and is not counted in the governor pack's returns; its sessions still count as not reported."""
        start = self.monitoring_from
        return start is None or monday + dt.timedelta(days=4) >= start


def _date(value, where: str) -> dt.date:
    day = to_date(value)
    if day is None:
        raise RunError(f"school.toml: {where} must be {expected(DATE)}, not {shown(value)}.")
    return day


def load_settings(path: Path) -> Settings:
    """Read and check school.toml; any problem is a RunError naming the key."""
    path = Path(path)
    if not path.is_file():
        raise RunError(f"{path} is missing: every school folder needs a school.toml (run 'python run_weekly.py --init DIR' for a template).")
    return parse_settings(read_toml(path))


def read_toml(path: Path) -> dict:
    """A settings file (school.toml, trust.toml) read as TOML; any problem is a RunError naming the file and,
    for a typing mistake, quoting its line."""
    name = Path(path).name
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RunError(f"{name} cannot be read: {_toml_problem(exc, text)}") from None
    except UnicodeDecodeError:
        raise RunError(f"{name} is not saved as UTF-8 text: open it in Notepad and save it with the encoding UTF-8.") from None
    except OSError as exc:
        raise RunError(f"{name} cannot be read ({exc.strerror or exc}): check the file's permissions.") from None


ESCAPE_ERRORS = ("Unescaped '\\'", "Invalid hex value", "Escaped character is not a Unicode scalar value")


def _toml_problem(exc: tomllib.TOMLDecodeError, text: str) -> str:
    """The error with the offending line quoted, so the person sees which key is wrong."""
    m = re.search(r"line (\d+)", str(exc))
    lines = text.splitlines()
    line = lines[int(m.group(1)) - 1].strip() if m and 0 < int(m.group(1)) <= len(lines) else None
    if str(exc).startswith(ESCAPE_ERRORS) or (line and re.search(r'"[^"]*\\', line)):
        return f"{exc}{f' in `{line}`' if line else ''}. {backslash_hint(line)}"
    if line is not None:
        return f"{exc} in `{line}`. Fix that line (dates are written 2026-09-03, text in quotes)."
    return f"{exc}. Fix that line."


def backslash_hint(line: str | None) -> str:
    """What to do about a Windows path typed with backslashes inside double quotes, with the person's own path
    when the line shows it: in TOML a backslash there starts an escape like \\n."""
    m = re.search(r'"([^"]*\\[^"]*)"?', line or "")
    path = m.group(1).strip() if m and m.group(1).strip() else "C:\\AP\\pw.toml"
    return (f"Write paths with forward slashes ({path.replace(chr(92), '/')}) or in single quotes ('{path}').")


def _table(raw: dict, name: str) -> dict:
    """A [name] table of school.toml ({} when absent); anything else there is a RunError naming it."""
    value = raw.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RunError(f"school.toml: [{name}] must be a table: put [{name}] on a line of its own with its "
                       f"keys below it, not {name} = {shown(value)}.")
    return value


def _terms(raw: dict) -> list:
    terms = raw.get("terms")
    if terms is None:
        return []
    if isinstance(terms, dict) or not isinstance(terms, list) or not all(isinstance(t, dict) for t in terms):
        raise RunError("school.toml: [[terms]] must be written with two square brackets, one [[terms]] table per "
                       "term, each with name, start and end below it.")
    return terms


def _declared(table: dict, setting: Setting, where: str | None = None):
    """The setting's value from its table, checked against its declaration; the default when absent."""
    return setting.check(table[setting.key], where) if setting.key in table else setting.default


def parse_settings(raw: dict) -> Settings:
    school = _table(raw, "school")
    head = {s.key: _declared(school, s) for s in HEAD_SETTINGS}
    name = (head["name"] or "").strip()
    if not name:
        raise RunError("school.toml: [school] name is missing: add the school's name.")
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
    options = {(s.table, s.key): _declared(_table(raw, s.table), s) for s in SETTINGS}
    people = _table(raw, "people")
    roles = {r: _declared(people, ROLE_SETTINGS[r], f"[people] {_key(r)}") for r in ROLES}
    options[("people", "_roles")] = {r: v.strip() for r, v in roles.items() if v}
    placeholder = (PLACEHOLDER_WARNING,) if name.casefold() == PLACEHOLDER_NAME.casefold() else ()
    warnings = placeholder + ignored_settings(raw)
    return Settings(name, head["address"] or "", float(head["target_percent"]), closures, terms, options, warnings)


def _parse_term(i: int, t: dict) -> Term:
    given = t.get("name")
    label = f"[[terms]] '{given.strip()}'" if isinstance(given, str) and given.strip() else f"[[terms]] number {i + 1}"
    name = (_declared(t, TERM_NAME, f"{label} name") or "").strip()
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


# --- keys and sections the tool does not know: warnings, never errors ------------------------------

def known_keys(section: str) -> tuple[str, ...]:
    """The keys the tool reads in a section of school.toml (for [[terms]], in each term)."""
    if section == "terms":
        return TERM_KEYS
    if section == "calendar":
        return CALENDAR_KEYS
    keys = tuple(s.key for s in HEAD_SETTINGS + SETTINGS if s.table == section)
    return ROLES + keys if section == "people" else keys


def _key(key: str) -> str:
    """A key as it is written in TOML: bare, or in quotes when it needs them ("AP lead")."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _section(name: str) -> str:
    return "[[terms]]" if name == "terms" else f"[{name}]"


def _nearest(word: str, candidates) -> str | None:
    """The candidate closest to word, ignoring case (difflib); None when none is close."""
    folded = {}
    for c in candidates:
        folded.setdefault(c.casefold(), c)
    match = difflib.get_close_matches(word.casefold(), list(folded), n=1)
    return folded[match[0]] if match else None


def _unknown_key(where: str, section: str, key: str) -> str:
    known = known_keys(section)
    what = "a role" if section == "people" else "a setting"
    near = _nearest(key, known)
    if near:
        return f"school.toml: {where} {_key(key)} is not {what} this tool knows (did you mean {_key(near)}?); it is ignored."
    listed = ", ".join(_key(k) for k in known)
    return (f"school.toml: {where} {_key(key)} is not {what} this tool knows; it is ignored. "
            f"{_section(section)} can have: {listed}.")


def ignored_settings(raw: dict) -> tuple[str, ...]:
    """One warning line per key or section of school.toml that the tool does not read, in file order."""
    out = []
    for top, value in raw.items():
        if top not in SECTIONS:
            out.append(_unknown_top(top, value))
        elif top == "terms":
            for i, term in enumerate(value):
                given = term.get("name")
                label = f"[[terms]] '{given.strip()}'" if isinstance(given, str) and given.strip() else f"[[terms]] number {i + 1}"
                out += [_unknown_key(label, "terms", k) for k in term if k not in TERM_KEYS]
        else:
            out += [_unknown_key(f"[{top}]", top, key) for key in value if key not in known_keys(top)]
    return tuple(out)


def _unknown_top(name: str, value) -> str:
    if isinstance(value, dict) or (isinstance(value, list) and value and all(isinstance(v, dict) for v in value)):
        shown_as = f"[{_key(name)}]" if isinstance(value, dict) else f"[[{_key(name)}]]"
        near = _nearest(name, SECTIONS)
        hint = f" (did you mean {_section(near)}?)" if near else ""
        return f"school.toml: {shown_as} is not a section this tool knows{hint}; it is ignored."
    homes = {}
    for section in SECTIONS:
        for key in known_keys(section):
            homes.setdefault(key, section)
    near = _nearest(name, homes)
    hint = f" (did you mean {_section(homes[near])} {_key(near)}?)" if near else ""
    return (f"school.toml: {_key(name)} is above every [section], so this tool does not know it{hint}; it is ignored. "
            "Put each setting below the [section] it belongs to.")
