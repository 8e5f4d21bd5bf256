"""The weekly run, start to finish: settings -> read -> validate -> sessions -> figures and rules -> reports."""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .core import compute_facts
from .delivery import LOG_NAME, SendReport, load_passwords, send_messages, warn_unencrypted
from .delivery.ahead import Ahead
from .delivery.prepare import OUTBOX_FOLDER, prepare_deliveries
from .errors import RunError
from .letters import write_letters
from .model import Facts
from .output import output_path, remove_temporaries, week_folder
from .provider_week import RETURNS_FOLDER
from .register_import import FILENAME as REGISTER_IMPORT, HELD_FILENAME as REGISTER_HELD, \
    write_register_held, write_register_import
from .schema import PROVIDERS_BOOK
from .settings import load_settings
from .summary_json import write_summary_json


@dataclass
class RunOutcome:
    result: Facts
    folder: Path
    files: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)       # (Outgoing, EmailMessage) per provider; the message is None
                                                         # when they were written beside the run: its outbox file
    sent: SendReport | None = None                       # set when --send was given
    warnings: list = field(default_factory=list)         # plain-English lines for the console
    notes: list = field(default_factory=list)            # plain-English lines for the console, not warnings

    @property
    def exit_code(self) -> int:
        if self.sent is not None and not self.sent.ok:
            return 3
        return 1 if self.result.error_count else 0


REPORTS = ("weekly_report.xlsx", "weekly_report.html", "summary.json")
BESIDE_UP_TO = 20_000   # placements whose workbook and page children write beside the run (pipeline.beside: more
                        # share too much memory; measured: no more at 20,000, 0.7 GB more at 100,000)


@contextlib.contextmanager
def reports_written(result: Facts, out_dir: Path, school: str | None = None):
    """`with reports_written(result, out_dir) as outcome:` the weekly reports of `result` in OUT/<Monday>/
    (OUT/<Monday>/<school>/ for a school of a trust run). The workbook and the page are written each in a child
    process (pipeline.beside) while the run writes summary.json and, in the with block, its other outputs (up to
    BESIDE_UP_TO placements; else in the run before the rest, while its memory is lowest); they are there when the
    block ends. Two children, not one: at L the workbook takes 0.4 s and the page 0.3 s, about what the run's
    other outputs take on a warm run, so the three keep two cores busy. Raises RunError when the folder cannot be
    written."""
    from .beside import Beside
    from .render.html_report import write_html_report
    from .render.xlsx_report import write_xlsx_report

    folder = week_folder(out_dir, result.week, school)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"Cannot write reports to {folder} ({exc.strerror or exc}). Choose another folder with --out.") from None
    outcome = RunOutcome(result, folder, files=[folder / n for n in REPORTS])
    workbook, page, summary = outcome.files
    fork, reports = len(result.placements) <= BESIDE_UP_TO, []
    with contextlib.suppress(OSError):     # what a run killed outright left half-written of them (pupils' names)
        remove_temporaries(outcome.files)
    try:
        with _saying_why(folder):
            for write, path in ((write_xlsx_report, workbook), (write_html_report, page)):
                reports.append(Beside(write, (result, path), [path], fork=fork))
            write_summary_json(result, summary)
        yield outcome
    except BaseException:
        for child in reports:
            child.stop()
        raise
    with _saying_why(folder):
        try:
            for child in reports:
                child.finish()
        finally:
            for child in reports:     # a child not waited for when another's file could not be written
                child.stop()


@contextlib.contextmanager
def _saying_why(folder: Path):
    """A report that cannot be written stops the run with a plain line (exit 2)."""
    try:
        yield
    except OSError as exc:
        raise RunError(f"Cannot write reports to {folder} ({exc.strerror or exc}): close any report open in Excel or "
                       "choose another folder with --out.") from None


def run_week(data_dir: Path, out_dir: Path = Path("reports"), week: dt.date | None = None,
             as_of: dt.date | None = None, today: dt.date | None = None,
             send: bool = False, resend: bool = False, env=None, use_cache: bool = True,
             providers_file: Path | None = None, school: str | None = None) -> RunOutcome:
    """The whole weekly job: reports, next week's returns and e-mails (sent only with `send`).
    Raises RunError when it cannot be done (exit 2). `use_cache=False` reads every return in full.
    A school of a trust run (contract §16) writes to OUT/<Monday>/<school>/ and may read the trust's
    `providers_file` as its providers.xlsx (compute_facts)."""
    import os

    from .delivery.smtp import check_send_settings

    env = os.environ if env is None else env
    if send:
        check_send_settings(load_settings(Path(data_dir) / "school.toml"), env)
    notes: list[str] = []      # a workbook open in Excel, the cache
    ahead = None if send else Ahead(data_dir, out_dir, school, BESIDE_UP_TO)   # next week's returns, from the registers
    try:
        result = compute_facts(data_dir, week, as_of, today, out_dir=out_dir, use_cache=use_cache, notes=notes,
                               providers_file=providers_file, school=school,
                               plans_ready=None if ahead is None else ahead.start)
        with reports_written(result, out_dir, school) as outcome:
            outcome.notes += notes
            outcome.warnings += list(result.settings.warnings)
            _write_the_rest(outcome, Path(data_dir), providers_file, out_dir, use_cache, school, ahead)
    finally:
        if ahead is not None:
            ahead.stop()
    if send:
        outcome.warnings += warn_unencrypted(outcome.deliveries)
        outcome.sent = send_messages(result.settings, outcome.deliveries, outcome.folder / LOG_NAME,
                                     resend=resend, env=env)
    return outcome


def _write_the_rest(outcome: RunOutcome, data_dir: Path, providers_file: Path | None, out_dir: Path | None = None,
                    use_cache: bool = False, school: str | None = None, ahead: Ahead | None = None) -> None:
    """The run's outputs other than the three reports, into outcome.folder (while the workbook and page are written
    beside it): annotated copies, letters, the register import and what it holds back, next week's returns (unless
    `ahead` has them written beside the run already: pipeline.delivery.ahead).
    With `use_cache` the annotated copies are kept in the run's cache (pipeline.read.cache) for the next run."""
    result = outcome.result
    from .annotate import MAX_COPIES, write_annotated    # annotated copies of the staff's workbooks with findings (contract §9)
    from .read.cache import open_cache
    not_annotated: list[str] = []
    elsewhere = {PROVIDERS_BOOK.filename: Path(providers_file)} if providers_file is not None else None
    kept = open_cache(result.settings, data_dir, out_dir, outcome.notes.append, school) if use_cache else None
    try:
        outcome.files += write_annotated(data_dir, result.findings, outcome.folder, result.week,
                                         skipped=not_annotated, elsewhere=elsewhere, kept=kept)
        if kept is not None:
            kept.finish_copies()
    finally:
        if kept is not None:
            kept.close()
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
    try:
        written = None if ahead is None else ahead.finish()     # its child read the passwords when it began
        outcome.deliveries = (written if written is not None else
                              prepare_deliveries(result, outcome.folder, load_passwords(result.settings, data_dir)))
    except OSError as exc:
        raise RunError(f"Cannot write next week's returns to {outcome.folder} ({exc.strerror or exc}).") from None


def register_import_line(result: Facts) -> str:
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
        f"{r.settings.school_name}: week commencing {r.week:%A %d %B %Y}, figures to {r.count_to:%d/%m/%Y}",
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
        by_reason: dict[str, list[str]] = {}         # one line per reason: a refused sign-in is one line, not one a provider
        for pid, why in sorted(s.failed.items()):
            by_reason.setdefault(why, []).append(pid)
        lines += [f"    NOT SENT to {', '.join(pids)}: {why}" for why, pids in by_reason.items()]
        if s.failed:
            lines.append(f"  See {outcome.folder / LOG_NAME}; run again with --send to send the rest.")
    return "\n".join(lines)
