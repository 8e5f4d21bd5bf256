"""The weekly run, start to finish: settings -> read -> validate -> sessions -> figures and rules -> reports."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from .attendance import missing_returns, pupil_figures
from .calendar import SchoolCalendar, monday_of
from .errors import RunError
from .findings import ERROR, Finding, Findings
from .findings_cap import cap_per_file
from .milestones import placement_milestones, provider_checks_table
from .model import WeeklyResult
from .output import output_path, write_text
from .private_paths import hide_names_in_paths
from .read.cache import returns_cache
from .read.register_export import read_register
from .read.registers import read_registers
from .read.returns import read_returns
from .rules import RuleContext, run_rules
from .rules.register_rules import reconcile, report_rows
from .sessions import build_sessions
from .delivery import LOG_NAME, SendReport, load_passwords, send_messages, single_address, warn_unencrypted
from .delivery.prepare import OUTBOX_FOLDER, RETURNS_FOLDER, prepare_deliveries
from .provider_week import plan_returns
from .settings import load_settings
from .letters import letters_for, write_letters
from .register_import import FILENAME as REGISTER_IMPORT, HELD_FILENAME as REGISTER_HELD, split_rows, \
    write_register_held, write_register_import


@dataclass
class RunOutcome:
    result: WeeklyResult
    folder: Path
    files: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)       # (Outgoing, EmailMessage) per provider
    sent: SendReport | None = None                       # set when --send was given
    warnings: list = field(default_factory=list)         # plain-English lines for the console
    notes: list = field(default_factory=list)            # plain-English lines for the console, not warnings

    @property
    def exit_code(self) -> int:
        if self.sent is not None and not self.sent.ok:
            return 3
        return 1 if self.result.error_count else 0


def choose_week(calendar: SchoolCalendar, week: dt.date | None, today: dt.date) -> dt.date:
    if week is not None:
        return monday_of(week)
    monday = calendar.last_complete_week(today)
    if monday is None:
        raise RunError(f"No complete school week ends before {today:%d/%m/%Y} in the terms of school.toml: "
                       "give the week with --week YYYY-MM-DD, or add this year's terms.")
    return monday


def compute_week(data_dir: Path, week: dt.date | None = None, as_of: dt.date | None = None,
                 today: dt.date | None = None, out_dir: Path | None = None, use_cache: bool = True,
                 notes: list | None = None) -> WeeklyResult:
    """Read and check every workbook in data_dir and work out the week's figures and actions.
    Parsed returns are cached in [paths] cache, else OUT/.cache when `out_dir` is given (pipeline.read.cache);
    a line about the cache (rebuilt, not usable) goes to `notes`, or to stderr without it."""
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
    count_to = min(as_of, friday)
    findings = Findings()
    registers = read_registers(data_dir, findings)
    with returns_cache(settings, data_dir, out_dir, use_cache, notes.append if notes is not None else None) as cache:
        returns = read_returns(data_dir, registers, findings, tuple(load_passwords(settings, data_dir).values()), cache,
                               calendar)
    year_start = calendar.year_start(count_to)
    sessions = build_sessions(registers.placements, calendar, returns, year_start, monday, count_to, findings)
    pupils = pupil_figures(sessions, monday, year_start, count_to, settings.target_percent)
    missing = missing_returns(sessions, monday)
    register = read_register(data_dir, findings)      # the school's own MIS export, optional (contract §6)
    ctx = RuleContext(settings, calendar, monday, as_of, registers, sessions, pupils, missing, returns,
                      register_marks=register)
    actions = run_rules(ctx)
    letters = letters_for(ctx, actions, findings, data_dir)   # before the summary: it may add findings
    plans = plan_returns(settings, calendar, registers, monday)
    _check_addresses(plans, registers, findings)
    summary = {
        "school": settings.school_name,
        "week_commencing": monday.isoformat(),
        "as_of": as_of.isoformat(),
        "target_percent": settings.target_percent,
        "pupils": pupils,
        "actions": [a.to_dict() for a in actions],
        "missing_returns": missing,
        "findings": [f.to_dict() for f in sort_findings(cap_per_file(sort_findings(findings)))],
    }
    names = {p["placement_id"]: " ".join(x for x in (p.get("forename"), p.get("surname")) if x)
             for p in registers.placements}
    provider_names = {pid: p.get("name") or pid for pid, p in registers.providers.items()}
    mismatches, compared = reconcile(ctx)
    to_import, held = split_rows(ctx)
    return WeeklyResult(settings, monday, as_of, summary, names, provider_names,
                        placements=placement_milestones(ctx, actions), providers=provider_checks_table(ctx),
                        returns_to_send=plans, letters=letters, register_import=to_import,
                        reconciliation=report_rows(ctx, mismatches), register_files=list(register.files),
                        register_compared=compared, register_held=held)


def _check_addresses(plans, registers, findings: Findings) -> None:
    """A warning for each provider with pupils next week and no single usable Contact email."""
    for plan in plans:
        if single_address(plan.contact_email):
            continue
        provider = registers.providers.get(plan.provider_id, {})
        cell = provider.get("_cells", {}).get("contact_email") or str(provider.get("_row", ""))
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


def write_reports(result: WeeklyResult, out_dir: Path) -> RunOutcome:
    from .render.html_report import write_html_report
    from .render.xlsx_report import write_xlsx_report

    folder = Path(out_dir) / result.week.isoformat()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"Cannot write reports to {folder} ({exc.strerror or exc}). Choose another folder with --out.") from None
    outcome = RunOutcome(result, folder)
    try:
        summary = hide_names_in_paths(result.summary, result.pupil_names.values())
        write_text(folder / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
        write_xlsx_report(result, folder / "weekly_report.xlsx")
        write_html_report(result, folder / "weekly_report.html")
    except OSError as exc:
        raise RunError(f"Cannot write reports to {folder} ({exc.strerror or exc}): close any report open in Excel or choose another folder with --out.") from None
    outcome.files = [folder / n for n in ("weekly_report.xlsx", "weekly_report.html", "summary.json")]
    return outcome


def run_week(data_dir: Path, out_dir: Path = Path("reports"), week: dt.date | None = None,
             as_of: dt.date | None = None, today: dt.date | None = None,
             send: bool = False, resend: bool = False, env=None, use_cache: bool = True) -> RunOutcome:
    """The whole weekly job: reports, next week's returns and e-mails (sent only with `send`).
    Raises RunError when it cannot be done (exit 2). `use_cache=False` reads every return in full."""
    import os

    from .delivery.smtp import check_send_settings

    env = os.environ if env is None else env
    if send:
        check_send_settings(load_settings(Path(data_dir) / "school.toml"), env)
    cache_notes: list[str] = []
    result = compute_week(data_dir, week, as_of, today, out_dir=out_dir, use_cache=use_cache, notes=cache_notes)
    outcome = write_reports(result, out_dir)
    outcome.notes += cache_notes
    outcome.warnings += list(result.settings.warnings)
    from .annotate import MAX_COPIES, write_annotated    # annotated copies of the staff's workbooks with findings (contract §9)
    not_annotated: list[str] = []
    outcome.files += write_annotated(Path(data_dir), result.summary["findings"], outcome.folder, result.week,
                                     skipped=not_annotated)
    if not_annotated:
        outcome.notes.append(f"{len(not_annotated)} more workbooks with findings have no annotated copy (at most "
                             f"{MAX_COPIES} are made each run, those with most errors first); "
                             "their findings are all on the Findings sheet.")
    try:
        outcome.files += write_letters(result.letters, outcome.folder)
        outcome.files.append(write_register_import(result.register_import, output_path(outcome.folder, REGISTER_IMPORT)))
        outcome.files.append(write_register_held(result.register_held, output_path(outcome.folder, REGISTER_HELD)))
    except OSError as exc:
        raise RunError(f"Cannot write the letters, {REGISTER_IMPORT} or {REGISTER_HELD} to {outcome.folder} ({exc.strerror or exc}): "
                       "close any letter open in another program or choose another folder with --out.") from None
    passwords = load_passwords(result.settings, Path(data_dir))
    try:
        outcome.deliveries = prepare_deliveries(result, outcome.folder, passwords)
    except OSError as exc:
        raise RunError(f"Cannot write next week's returns to {outcome.folder} ({exc.strerror or exc}).") from None
    if send:
        outcome.warnings += warn_unencrypted(outcome.deliveries)
        outcome.sent = send_messages(result.settings, outcome.deliveries, outcome.folder / LOG_NAME,
                                     resend=resend, env=env)
    return outcome


def register_import_line(result: WeeklyResult) -> str:
    """The console line on register_import.csv and what was held back from it (contract §13)."""
    from .render.wording import plural

    held = len(result.register_held)
    return (f"  Register import: {plural(len(result.register_import), 'mark')} in {REGISTER_IMPORT}; "
            + (f"{held} held back in {REGISTER_HELD} (see its Reason column)" if held else "none held back"))


def console_summary(outcome: RunOutcome) -> str:
    from .render.wording import plural, summary_counts

    r = outcome.result
    c = summary_counts(r)
    lines = [
        f"{r.summary['school']}: week commencing {r.week:%A %d %B %Y}, figures to {min(r.as_of, r.week + dt.timedelta(days=4)):%d/%m/%Y}",
        f"  Pupils in provision: {c['pupils']}; below the {r.settings.target_percent:g}% target: {c['below_target']}; "
        f"persistent absence: {c['persistent_absence']}",
        f"  Actions: {c['overdue']} overdue, {c['due']} due soon, {c['alert']} to decide",
        f"  Missing returns: {c['missing_returns']}",
        f"  Findings in the workbooks: {plural(c['errors'], 'error')}, {plural(c['warnings'], 'warning')}"
        + (" (fix the errors listed on the Findings sheet, then run again)" if c["errors"] else ""),
        register_import_line(r),
        "  Reports:",
    ]
    lines += [f"    {p}" for p in outcome.files]
    if outcome.deliveries:
        lines.append(f"  Next week's returns: {len(outcome.deliveries)} (in {outcome.folder / RETURNS_FOLDER}); "
                     f"e-mails in {outcome.folder / OUTBOX_FOLDER}" + ("" if outcome.sent else " (not sent: use --send)"))
    lines += [f"  Note: {n}" for n in outcome.notes]
    lines += [f"  Warning: {w}" for w in outcome.warnings]
    if outcome.sent is not None:
        s = outcome.sent
        lines.append(f"  E-mail: {len(s.sent)} sent, {len(s.skipped)} already sent"
                     + (" (add --resend to send them again)" if s.skipped else "") + f", {len(s.failed)} not sent")
        lines += [f"    NOT SENT to {pid}: {why}" for pid, why in sorted(s.failed.items())]
        if s.failed:
            lines.append(f"  See {outcome.folder / LOG_NAME}; run again with --send to send the rest.")
    return "\n".join(lines)
