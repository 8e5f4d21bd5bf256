"""Letters to parents about school-arranged provision (policy §12.1–12.4; contract §9 `letters/`, §10 `parent-letter`).

Exactly the placements that the `parent-letter` rule lists as due or overdue, and that have no
Parent letter sent date, get a letter: one HTML page per pupil, printable on A4, on the school's
letterhead, dated with the as-of date and signed by the Headteacher.

The wording is a jinja2 template. The package ships `pipeline/render/templates/parent_letter.html.j2`;
a school may use its own by putting `letter.html.j2` in the school folder, or by naming a file in
`[paths] letter_template` (a relative path is taken from the school folder). Every value is
escaped, and a variable the template does not know stops the letters (StrictUndefined).

What the letter says (contract §13):
- the first day is the first school day on or after the Start date on which the pupil is expected
  by the Mon..Fri pattern (closures, half terms and bank holidays skipped); a Friday-only placement
  starting on a Monday says that Friday;
- a placement with no Planned end date (usual for an open-ended placement) still gets its letter,
  which says plainly that it has no fixed end date and how often it is reviewed ([rules]
  review_cadence: each term, or each half term), with a WARNING finding on the Planned end date
  cell (rule `letter-missing-fact`, severity warning);
- the reason is explained in a kind, plain sentence (REASON_EXPLANATIONS), not the dropdown label;
- the school office's phone and e-mail ([school] phone, email) are on the letterhead and in the
  closing paragraph, and the letter is signed with the Headteacher's name ([people] Headteacher),
  or "Headteacher" when school.toml does not give it.

The variables a template may use are listed at the top of parent_letter.html.j2 and in
docs/letters.md (the same list as `letter_context` returns).

Never a half-filled letter:
- a fact the letter needs that is blank (Start time, Hours per day, Provider contact, the provider's
  Name or Address) is an error finding on the cell to fill (rule `letter-missing-fact`), and that
  placement gets no letter until it is filled;
- a placement on which no school day is ever expected from its Start date (before its end date, or
  before the last term in school.toml ends) is an error finding on the Start date cell (rule
  `letter-missing-fact`) and gets no letter;
- a custom template that cannot be read or filled is ONE error finding naming the file
  (rule `letter-template`), and no letter is written at all.

Letters are deterministic: the same inputs give byte-identical files.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import FileSystemLoader, PackageLoader, StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from .contacts import contacts_of
from . import labels
from .findings import Findings
from .labels import DAY_NAMES
from .model import Action
from .output import output_path, remove_stale, write_text
from .records import Placement, Provider
from .rules import rule_for_column
from .schema import AM, PM, SCHOOL

LETTERS_FOLDER = "letters"
DEFAULT_TEMPLATE = "parent_letter.html.j2"
CUSTOM_TEMPLATE = "letter.html.j2"          # in the school folder
LETTER_SUFFIX = "_letter.html"
SIGNATORY = "Headteacher"

SESSION_WORDS = {(AM, PM): "full day", (AM,): "morning only", (PM,): "afternoon only"}

# The purpose of the provision when the placement has no Objectives, by Reason (contract §3).
PURPOSE_OF_REASON = {
    "Directed off-site to improve behaviour":
        "To help your child improve their behaviour, so that they can return successfully to full-time lessons at school.",
    "Suspension over five days":
        "To give your child full-time education from the sixth school day of their suspension, "
        "so that their learning continues while they cannot attend school.",
    "Permanent exclusion":
        "To give your child full-time education following their permanent exclusion, so that their learning continues.",
    "Illness or medical need":
        "To give your child suitable education while their health needs mean they cannot attend school full-time.",
    "Personalised curriculum":
        "To give your child a personalised curriculum suited to their needs and interests.",
    "Other":
        "To give your child education suited to their needs, as the school has agreed with the provider.",
}

# Why the pupil is placed, as a parent reads it (policy §12.3: "explain ... the reason"), by Reason
# (contract §3); '{forename}' is the pupil's first name. Kind and factual: what the school has decided and
# why, never blame. A Reason the list does not hold (there should be none) is explained as "Other".
REASON_EXPLANATIONS = {
    "Directed off-site to improve behaviour":
        "We have seen that {forename} is finding it hard to manage their behaviour in school at the moment, "
        "and we believe that a period of learning in a different setting will help. {forename} remains a "
        "pupil of our school throughout.",
    "Suspension over five days":
        "{forename} has been suspended from school for more than five school days. For a suspension of that "
        "length the school arranges full-time education from the sixth school day, so that {forename}'s "
        "learning does not stop.",
    "Permanent exclusion":
        "Following {forename}'s permanent exclusion, full-time education is arranged from the sixth school "
        "day, so that {forename}'s learning does not stop while the next steps are agreed with you.",
    "Illness or medical need":
        "{forename}'s health needs mean that they cannot attend school full-time at the moment, and we want "
        "to make sure that they keep learning.",
    "Personalised curriculum":
        "We believe that {forename} will do best, for now, with some learning shaped around their own needs "
        "and interests, which this provision can offer.",
    "Other":
        "We believe that this provision is the best way to meet {forename}'s needs at the moment. If you "
        "would like to talk the reasons through again, please contact us.",
}

# How often an open-ended placement is reviewed, by [rules] review_cadence (contract §2).
REVIEW_WORDS = {"term": "each term", "half-term": "each half term"}

# The facts of §12.4 (and the names the letter is built on), with where each is kept.
PLACEMENT_FACTS = (
    ("forename", "Forename", "the pupil's first name"),
    ("surname", "Surname", "the pupil's last name"),
    ("start_time", "Start time", "the time the provision starts each day"),
    ("hours_per_day", "Hours per day", "the time the pupil spends at the provision each day"),
    ("provider_contact", "Provider contact", "the person responsible for the provision"),
)
PROVIDER_FACTS = (
    ("name", "Name", "the provider's name"),
    ("address", "Address", "the address the pupil will attend"),
)


@dataclass(frozen=True)
class Letter:
    placement_id: str
    filename: str          # '<Placement ID>_letter.html': never the pupil's name
    html: str


# --- wording helpers (also available to templates as filters) ----------------------------------

def long_date(value: dt.date | None) -> str:
    """'Monday 7 December 2026'; '' for no date. Independent of the locale."""
    return "" if value is None else labels.long_date(value, weekday=True)


def clock_time(value: dt.time | None) -> str:
    """'9:00am', '12:30pm'; '' for no time."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"


def duration(hours: float | None) -> str:
    """'5 hours', '1 hour', '4 hours 30 minutes'; '' for none."""
    if hours is None:
        return ""
    minutes = int(round(float(hours) * 60))
    h, m = divmod(minutes, 60)
    parts = []
    if h:
        parts.append(f"{h} hour{'s' if h != 1 else ''}")
    if m:
        parts.append(f"{m} minute{'s' if m != 1 else ''}")
    return " ".join(parts) or "0 hours"


def address_lines(text: str | None) -> list[str]:
    """An address typed on one line with commas, or on several lines in one cell, as its lines."""
    return [part.strip() for part in re.split(r"[\n\r,]+", text or "") if part.strip()]


def days_text(pattern: dict) -> str:
    """'Monday to Friday, full days' or 'Monday (full day), Wednesday (morning only)'."""
    days = sorted(pattern)
    if not days:
        return ""
    sessions = {tuple(pattern[d]) for d in days}
    if days == [0, 1, 2, 3, 4] and sessions == {(AM, PM)}:
        return "Monday to Friday, full days"
    return ", ".join(f"{DAY_NAMES[d]} ({SESSION_WORDS.get(tuple(pattern[d]), ' and '.join(pattern[d]))})" for d in days)


def safe_filename(placement_id: str) -> str:
    """The letter's file name: the Placement ID with characters no file system accepts replaced."""
    stem = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", placement_id.strip()).rstrip(". ") or "placement"
    return f"{stem}{LETTER_SUFFIX}"


# --- which placements, and their facts ------------------------------------------------------------

def letters_due(ctx, actions: list[Action]) -> list[Placement]:
    """The placements the parents'-letter rule (the one done by Parent letter sent) lists as due or overdue and
    that have no Parent letter sent date, sorted by Placement ID."""
    letter_rule = rule_for_column("parent_letter_sent").id
    ids = {a.placement_id for a in actions
           if a.rule == letter_rule and a.status in ("due", "overdue") and a.placement_id}
    out = []
    for pid in sorted(ids):
        p = ctx.registers.placement(pid)
        if p is not None and p.arranged_by == SCHOOL and p.parent_letter_sent is None:
            out.append(p)
    return out


def _cell(record: Placement | Provider, key: str) -> str:
    return record.source.cell(key)


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value <= 0
    return False


def missing_facts(placement: Placement, provider: Provider, findings: Findings) -> bool:
    """Add a `letter-missing-fact` finding for each fact the letter needs that is blank; True if any."""
    pid = placement.placement_id
    missing = False
    for file, sheet, record, facts in (("placements.xlsx", "Placements", placement, PLACEMENT_FACTS),
                                       ("providers.xlsx", "Providers", provider, PROVIDER_FACTS)):
        for key, header, meaning in facts:
            if not _missing(getattr(record, key)):
                continue
            missing = True
            state = "not more than 0" if isinstance(getattr(record, key), (int, float)) else "blank"
            cell = _cell(record, key)
            has_cell = record.source.has_cell(key)
            where = (f"Fill in {header} in cell {cell}" if has_cell
                     else f"Add a '{header}' column to the {sheet} sheet and fill it in for row {cell}")
            whose = f" of provider {record.provider_id or placement.provider_id}" if record is provider else ""
            findings.error(file, sheet, cell, "letter-missing-fact", getattr(record, key),
                           f"The letter to the parents about placement {pid} needs the {header}{whose} ({meaning}), "
                           f"which is {state}. {where}; the letter for placement {pid} will be written once it is filled.")
    return missing


def first_expected_day(calendar, placement: Placement) -> dt.date | None:
    """The first school day on or after the Start date on which the pupil is expected by the Mon..Fri
    pattern, and not after the Actual or Planned end date; None if there is none in the terms."""
    pattern = placement.pattern
    start = placement.start_date
    if not pattern or start is None or not calendar.days:
        return None
    ends = [d for d in (placement.actual_end_date, placement.planned_end_date) if d is not None]
    last = min(ends) if ends else calendar.days[-1]
    return next((d for d in calendar.school_days(start, last) if d.weekday() in pattern), None)


def no_first_day(placement: Placement, calendar, findings: Findings) -> None:
    """The error finding, on the Start date cell, for a placement on which no school day is expected."""
    pid, start = placement.placement_id, placement.start_date
    days = ", ".join(DAY_NAMES[d] for d in sorted(placement.pattern)) or "no day"
    ends = [(d, h) for d, h in ((placement.actual_end_date, "Actual end date"),
                                (placement.planned_end_date, "Planned end date")) if d is not None]
    if ends:
        end, header = min(ends, key=lambda e: e[0])
        until = f"up to its {header}, {long_date(end)}"
    else:
        last = calendar.days[-1] if calendar.days else None
        until = f"before the last term in school.toml ends ({long_date(last)})" if last else "in the terms in school.toml"
    findings.error("placements.xlsx", "Placements", _cell(placement, "start_date"), "letter-missing-fact", start,
                   f"The letter to the parents about placement {pid} must say the first day the pupil attends, but "
                   f"there is no school day from the Start date, {long_date(start)}, {until}, on which the pupil is "
                   f"expected (the days set in Mon to Fri: {days}). Check the Start date in cell "
                   f"{_cell(placement, 'start_date')}, the days and the end date; the letter for placement {pid} "
                   f"will be written once the pupil is expected on a school day.")


def open_ended_warning(placement: Placement, cadence: str, findings: Findings) -> None:
    """The warning for a letter written with no Planned end date (it says there is no fixed end date)."""
    pid = placement.placement_id
    cell = _cell(placement, "planned_end_date")
    has_cell = placement.source.has_cell("planned_end_date")
    where = (f"enter it in Planned end date, cell {cell}" if has_cell
             else f"add a 'Planned end date' column to the Placements sheet and fill it in for row {cell}")
    findings.warning("placements.xlsx", "Placements", cell, "letter-missing-fact", None,
                     f"Placement {pid} has no Planned end date, so its letter to the parents says that the placement "
                     f"has no fixed end date and will be reviewed {cadence}. That is right for an open-ended "
                     f"placement; if it does have an end date, {where} and run again before sending the letter.")


def review_words(settings) -> str:
    """'each term' or 'each half term', from [rules] review_cadence."""
    cadence = (getattr(settings, "options", None) or {}).get(("rules", "review_cadence"), "term")
    return REVIEW_WORDS.get(str(cadence).strip().lower(), REVIEW_WORDS["term"])


def reason_explanation(placement: Placement) -> str:
    """The Reason as a parent reads it: one or two plain sentences (REASON_EXPLANATIONS)."""
    wording = REASON_EXPLANATIONS.get(placement.reason, REASON_EXPLANATIONS["Other"])
    forename = (placement.forename or "").strip() or "your child"
    return wording.replace("{forename}", forename)


def _purpose(placement: Placement) -> str:
    objectives = (placement.objectives or "").strip()
    return objectives or PURPOSE_OF_REASON.get(placement.reason, PURPOSE_OF_REASON["Other"])


def letter_context(ctx, placement: Placement, provider: Provider, first_day: dt.date | None = None) -> dict:
    """The variables a letter template can use (documented at the top of parent_letter.html.j2 and in
    docs/letters.md). `first_day` is the first expected school day (first_expected_day); the Start
    date when not given."""
    settings = ctx.settings
    contacts = contacts_of(settings)
    forename, surname = (placement.forename or "").strip(), (placement.surname or "").strip()
    end = placement.planned_end_date
    return {
        "school_name": settings.school_name,
        "school_address": settings.address,
        "school_address_lines": address_lines(settings.address),
        "letter_date": long_date(ctx.as_of),
        "placement_id": placement.placement_id,
        "pupil_name": f"{forename} {surname}".strip(),
        "forename": forename,
        "surname": surname,
        "purpose": _purpose(placement),
        "objectives": (placement.objectives or "").strip(),
        "reason": placement.reason or "",
        "reason_explanation": reason_explanation(placement),
        "start_date": long_date(placement.start_date),
        "first_day": long_date(first_day or placement.start_date),
        "end_date": long_date(end),
        "open_ended": end is None,
        "review_cadence": review_words(settings),
        "days": days_text(placement.pattern),
        "start_time": clock_time(placement.start_time),
        "hours_per_day": duration(placement.hours_per_day),
        "provider_name": (provider.name or "").strip(),
        "provider_address": (provider.address or "").strip(),
        "provider_address_lines": address_lines(provider.address),
        "provider_contact": (placement.provider_contact or "").strip(),
        "school_phone": contacts.phone,
        "school_email": contacts.email,
        "school_contact_lines": contacts.office_lines(),
        "school_office": contacts.office(),
        "headteacher_name": contacts.headteacher,
        "signatory": contacts.headteacher or SIGNATORY,
    }


# --- the template ----------------------------------------------------------------------------------

def _environment(loader) -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=loader, autoescape=True, undefined=StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(long_date=long_date, clock_time=clock_time, duration=duration, address_lines=address_lines)
    return env


def template_path(settings, data_dir: Path | None) -> tuple[Path | None, bool]:
    """(the school's own template, whether it was named in [paths] letter_template); (None, False) for the default."""
    configured = settings.options.get(("paths", "letter_template"))
    if configured:
        path = Path(str(configured)).expanduser()
        if not path.is_absolute() and data_dir is not None:
            path = Path(data_dir) / path
        return path, True
    if data_dir is not None and (Path(data_dir) / CUSTOM_TEMPLATE).is_file():
        return Path(data_dir) / CUSTOM_TEMPLATE, False
    return None, False


def _shown(path: Path, data_dir: Path | None) -> str:
    """The template's path as findings give paths: relative to the school folder, with '/'."""
    if data_dir is not None:
        try:
            return path.resolve().relative_to(Path(data_dir).resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _template_problem(exc: BaseException) -> str:
    if isinstance(exc, TemplateSyntaxError):
        return f"line {exc.lineno}: {exc.message}"
    if isinstance(exc, TemplateError):
        return exc.message or type(exc).__name__
    if isinstance(exc, UnicodeDecodeError):
        return "it is not saved as UTF-8 text"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return f"{type(exc).__name__}: {exc}"


def _template_finding(findings: Findings, shown: str, exc: BaseException) -> None:
    findings.error(shown, None, None, "letter-template", None,
                   f"The school's letter template {shown} cannot be used ({_template_problem(exc)}), so no letter to "
                   f"parents has been written this run. Correct the template (the variables it may use are listed "
                   f"at the top of the default template, pipeline/render/templates/{DEFAULT_TEMPLATE}), or remove "
                   f"it to use the default letter, and run again.")


# --- the letters -------------------------------------------------------------------------------------

def letters_for(ctx, actions: list[Action], findings: Findings, data_dir: Path | None = None) -> list[Letter]:
    """The week's letters to parents (sorted by Placement ID), with findings for what stops one.

    `ctx` is the run's RuleContext and `actions` its rule actions; `data_dir` is the school folder,
    where the school's own letter.html.j2 (or [paths] letter_template) is looked for."""
    custom, named = template_path(ctx.settings, data_dir)
    template, shown = None, None
    if custom is not None:
        shown = _shown(custom, data_dir)
        try:
            if named and not custom.is_file():
                raise FileNotFoundError(2, "the file does not exist; check [paths] letter_template in school.toml")
            source = custom.read_text(encoding="utf-8-sig")
            template = _environment(FileSystemLoader(str(custom.parent))).from_string(source)
        except Exception as exc:  # any problem with the school's own file: one finding, no letters
            _template_finding(findings, shown, exc)
            return []
    due = letters_due(ctx, actions)
    if not due:
        return []
    if not address_lines(ctx.settings.address):
        findings.error("school.toml", None, None, "letter-missing-fact", None,
                       "[school] address is blank in school.toml, and the letters to parents are printed on the "
                       "school's letterhead. Add the school's address there; the letters for placements "
                       f"{', '.join(p.placement_id for p in due)} will be written once it is filled.")
        return []
    complete = []
    for p in due:
        provider = ctx.registers.providers[p.provider_id]
        missing = missing_facts(p, provider, findings)
        first = first_expected_day(ctx.calendar, p)
        if first is None:
            no_first_day(p, ctx.calendar, findings)
        elif not missing:
            complete.append((p, provider, first))
    if template is None:
        template = _environment(PackageLoader("pipeline.render", "templates")).get_template(DEFAULT_TEMPLATE)
    letters = []
    for p, provider, first in complete:
        try:
            html = template.render(**letter_context(ctx, p, provider, first))
        except Exception as exc:
            if shown is None:
                raise                      # the package's own template is broken: a bug, not the school's
            _template_finding(findings, shown, exc)
            return []                      # never some letters and not others, never a half-filled one
        letters.append(Letter(p.placement_id, safe_filename(p.placement_id), html))
    cadence = review_words(ctx.settings)
    for p, _, _ in complete:               # only once every letter is written: each warning is about a letter
        if p.planned_end_date is None:
            open_ended_warning(p, cadence, findings)
    return letters


def write_letters(letters: list[Letter], folder: Path) -> list[Path]:
    """Write each letter to `folder`/letters/ (folder is the week's output folder, OUT/<Monday>).

    Letters written by an earlier run of the same week that are no longer due (the letter has
    been sent, the placement changed) are removed, so the folder holds exactly this run's letters."""
    target = output_path(Path(folder), LETTERS_FOLDER)
    remove_stale(target, f"*{LETTER_SUFFIX}", [target / letter.filename for letter in letters])
    paths = []
    for letter in letters:
        path = output_path(target, letter.filename)
        write_text(path, letter.html)
        paths.append(path)
    return paths
