"""The one core: a school folder and a period in, one frozen Facts out (contract §9, §10, §13).

settings and calendar -> read (findings) -> one long sessions table -> figures and rules -> Facts.
The weekly run, the governor pack and the trust run all call compute_facts; it is the only place that
reads the school's inputs. Every finding is made here, before any renderer starts: letters' missing facts
and providers' e-mail addresses are checked here too.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
from pathlib import Path

from .attendance import missing_returns, provider_weeks, pupil_figures
from .calendar import SchoolCalendar, monday_of
from .changes import compare
from .contacts import one_line, single_address
from .errors import RunError
from .findings import Finding, Findings
from .findings_cap import cap_per_file
from .heap import collector_paused
from .letters import letters_for
from .milestones import placement_milestones, provider_checks_table
from .model import Facts
from .provider_week import RETURNS_FOLDER, plan_returns
from .read.cache import returns_cache
from .read.early import start as start_early
from .read.open_in_excel import open_in_excel_notes
from .read.register_export import RegisterMarks, read_register
from .read.registers import Registers, read_registers
from .read.returns import read_returns
from .read.secrets import load_passwords
from .register_import import split_rows
from .rules import RuleContext, run_rules
from .rules.register_rules import Mismatch
from .sessions import build_sessions
from .settings import load_settings
from .trend import pupil_trends


def choose_week(calendar: SchoolCalendar, week: dt.date | None, today: dt.date) -> dt.date:
    if week is not None:
        return monday_of(week)
    monday = calendar.last_complete_week(today)
    if monday is None:
        raise RunError(f"No complete school week ends before {today:%d/%m/%Y} in the terms of school.toml: "
                       "give the week with --week YYYY-MM-DD, or add this year's terms.")
    return monday


def compute_facts(data_dir: Path, week: dt.date | None = None, as_of: dt.date | None = None,
                  today: dt.date | None = None, out_dir: Path | None = None, use_cache: bool = True,
                  notes: list | None = None, providers_file: Path | None = None, school: str | None = None,
                  plans_ready=None) -> Facts:
    """Read and check every workbook in data_dir and work out the figures and actions of the week that
    holds `week` (default: the last complete school week before `today`), counted up to `as_of` (default its
    Friday). Parsed returns are cached in [paths] cache, else OUT/.cache when `out_dir` is given
    (pipeline.read.cache); a line about the cache, or about a workbook open in Excel, goes to `notes`, or to
    stderr without it. A school of a trust run (contract §16) is named by `school` (its reports are in
    OUT/<Monday>/<school>/) and may read the trust's `providers_file` as its providers.xlsx.
    `plans_ready(settings, monday, as_of, plans, placements)` is called once the registers are read, with next
    week's planned returns (they depend on nothing read after: pipeline.delivery.ahead writes them from then on)
    and the number of placements. Raises RunError (one plain line) when it cannot be done."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise RunError(f"The school folder {data_dir} does not exist. Check the --data path.")
    settings = load_settings(data_dir / "school.toml")
    calendar = SchoolCalendar.from_settings(settings)
    monday = choose_week(calendar, week, today or dt.date.today())
    friday = monday + dt.timedelta(days=4)
    as_of = as_of or friday
    if as_of < monday:
        raise RunError(f"--as-of {as_of:%d/%m/%Y} is before the reporting week begins ({monday:%d/%m/%Y}). "
                       "Give an --as-of on or after the Monday of the week.")
    def note(line: str) -> None:
        if notes is not None:
            notes.append(line)
        else:
            print(f"Note: {line}", file=sys.stderr)

    for line in open_in_excel_notes(data_dir):       # unsaved edits in Excel are not in the files read
        note(line)
    findings = Findings()
    with returns_cache(settings, data_dir, out_dir, use_cache, notes.append if notes is not None else None,
                       school) as cache:
        early = start_early(data_dir, cache)       # the returns hashed in a child meanwhile (a warm run)
        try:
            registers = read_registers(data_dir, findings, providers_file, cache)
            plans = plan_returns(settings, calendar, registers, monday)
            if plans_ready is not None:
                plans_ready(settings, monday, as_of, plans, len(registers.placements))
            returns = read_returns(data_dir, registers, findings, tuple(load_passwords(settings, data_dir).values()),
                                   cache, calendar, early)
        finally:
            early.close()
    register = read_register(data_dir, findings)      # the school's own MIS export, optional (contract §6)
    facts = work_out(settings, calendar, monday, as_of, registers, returns, register, findings, data_dir, plans)
    _, returned = provider_weeks(facts.rules.sessions)
    changes = compare(out_dir, calendar, monday, facts.actions, facts.pupils, facts.missing_returns, returned, note,
                      school)
    return dataclasses.replace(facts, changes=changes)


def work_out(settings, calendar: SchoolCalendar, monday: dt.date, as_of: dt.date, registers: Registers,
             returns: list, register: RegisterMarks, findings: Findings, data_dir: Path | None = None,
             plans: list | None = None) -> Facts:
    """The Facts of the week from inputs already read: sessions, figures, actions, letters, next week's returns,
    the register import and the reconciliation. `findings` holds what reading found and gets the rest.
    `data_dir` is where a school's own letter template may be (none: the standard letter); `plans`: next week's
    returns when already planned (provider_week.plan_returns of the same registers). Worked out with Python's
    cycle collector paused, as the inputs are read (pipeline.heap.collector_paused): what it makes is the run's
    facts, which live until the run ends; the collector's sweeps over them were 0.09 s of a warm L run."""
    with collector_paused():
        return _work_out(settings, calendar, monday, as_of, registers, returns, register, findings, data_dir, plans)


def _work_out(settings, calendar: SchoolCalendar, monday: dt.date, as_of: dt.date, registers: Registers,
              returns: list, register: RegisterMarks, findings: Findings, data_dir: Path | None,
              plans: list | None) -> Facts:
    count_to = min(as_of, monday + dt.timedelta(days=4))
    year_start = calendar.year_start(count_to)
    sessions = build_sessions(registers.placements, calendar, returns, year_start, monday, count_to, findings)
    pupils = pupil_figures(sessions, monday, year_start, count_to, settings.target_percent)
    ctx = RuleContext(settings, calendar, monday, as_of, registers, sessions, pupils,
                      [m for m in missing_returns(sessions, monday) if settings.monitored(m.week_commencing)],
                      returns, register_marks=register)
    actions = run_rules(ctx)
    letters = letters_for(ctx, actions, findings, data_dir)
    if plans is None:
        plans = plan_returns(settings, calendar, registers, monday)
    _check_addresses(plans, registers, findings)
    mismatches, compared = ctx.reconciliation
    to_import, held = split_rows(ctx)
    trend = pupil_trends(sessions, calendar, monday, count_to, [p.placement_id for p in pupils])
    return Facts(
        settings, monday, as_of, count_to, year_start,
        findings=tuple(sort_findings(cap_per_file(sort_findings(findings)))),
        actions=tuple(actions), pupils=tuple(pupils), missing_returns=tuple(ctx.missing_returns),
        pupil_names={p.placement_id: p.name for p in registers.placements},
        provider_names={pid: p.name or pid for pid, p in registers.providers.items()},
        placements=placement_milestones(ctx, actions), providers=provider_checks_table(ctx),
        returns_to_send=plans, letters=letters, register_import=to_import,
        mismatches=tuple(sorted(mismatches, key=Mismatch.sort_key)), register_files=list(register.files),
        register_compared=compared, register_held=held, upn_names=_upn_names(registers),
        provider_contacts=_provider_contacts(registers), provider_notes=_provider_notes(returns, monday), rules=ctx,
        trend=trend)


def _upn_names(registers) -> dict[str, str]:
    """UPN -> the pupil's name, for the actions keyed by a UPN (the school's own reports only)."""
    return {p.upn: p.name for p in registers.placements if p.upn and p.name}


def _provider_contacts(registers) -> dict[str, tuple]:
    """provider_id -> (contact name, contact e-mail, phone) as providers.xlsx gives them; '' where blank."""
    return {pid: tuple(one_line(v) for v in (p.contact_name, p.contact_email, p.phone))
            for pid, p in registers.providers.items()}


def _provider_notes(returns: list, monday: dt.date) -> dict[str, str]:
    """placement_id -> what the provider wrote in Notes in the reporting week's accepted return."""
    notes = {}
    for ret in returns:
        if ret.week == monday:
            for pid, row in ret.rows.items():
                if row.notes:
                    notes[pid] = row.notes
    return notes


def _check_addresses(plans, registers, findings: Findings) -> None:
    """A warning for each provider with pupils next week and no single usable Contact email."""
    for plan in plans:
        if single_address(plan.contact_email):
            continue
        provider = registers.providers.get(plan.provider_id)
        cell = provider.source.cell("contact_email") if provider is not None else ""
        findings.warning("providers.xlsx", "Providers", cell, "no-contact-email", plan.contact_email,
                         f"{plan.provider_id} has pupils expected next week but no single e-mail address in Contact "
                         f"email, so its return cannot be e-mailed. Enter one address; until then send "
                         f"{RETURNS_FOLDER}/{plan.filename} by hand.")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    def key(f: Finding):
        m = re.match(r"^([A-Z]*)(\d+)$", f.cell or "")
        row, col = (int(m.group(2)), (len(m.group(1)), m.group(1))) if m else (0, (0, ""))
        return (f.file, f.sheet or "", row, col, f.rule)
    return sorted(findings, key=key)
