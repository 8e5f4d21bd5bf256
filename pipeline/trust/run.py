"""The trust run (contract §16): each school through the one core, concurrently, then the trust report.

Schools are independent, so they run in a pool of worker processes, one per core (`jobs`), each school
exactly as `--data` runs it, into OUT/<Monday>/<school folder>/ with its own cache under OUT/.cache/<school>/.
The imports are paid once per worker, not once per school: the parent imports the pipeline before the pool
starts (a forked worker inherits it; a spawned one, on Windows, imports it once and then runs many schools).
What comes back from a school is a SchoolResult with a digest of counts; the trust report is drawn from those.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import RunError
from ..labels import long_date
from ..output import week_folder
from ..pool import WINDOWS_MAX_WORKERS, in_order, process_pool
from .model import SchoolResult, TrustFacts
from .settings import TrustSettings, load_trust
from .worker import SchoolJob, run_school

EXIT_OK, EXIT_FINDINGS, EXIT_SEND_FAILED = 0, 1, 3


@dataclass
class TrustOutcome:
    facts: TrustFacts
    folder: Path                    # OUT/<Monday>/: the trust report's folder
    files: list[Path] = field(default_factory=list)
    wall_seconds: float = 0.0
    jobs: int = 1

    @property
    def exit_code(self) -> int:
        """0 when every school ran clean, 1 when any has error findings or could not be run, 3 when sending
        failed for any (3 first, as a --data run puts a failed send before findings)."""
        codes = [s.exit_code for s in self.facts.schools]
        if EXIT_SEND_FAILED in codes:
            return EXIT_SEND_FAILED
        return EXIT_FINDINGS if any(c != EXIT_OK for c in codes) else EXIT_OK


def trust_out_folder(trust: TrustSettings, given: Path | None) -> Path:
    """--out, else [trust] out (a relative path taken from the folder that holds TRUST_DIR), else reports/."""
    if given is not None:
        return Path(given)
    if trust.out:
        path = Path(trust.out).expanduser()
        return path if path.is_absolute() else Path(os.path.abspath(trust.folder)).parent / path
    return Path("reports")


def check_trust_out(trust_dir: Path, out: Path) -> None:
    """Exit 2 when the reports would go inside the trust folder (which holds the schools' folders)."""
    try:
        out_r, trust_r = out.resolve(), Path(trust_dir).resolve()
    except (OSError, RuntimeError) as exc:
        raise RunError(f"Cannot use the folder {out} for the reports ({exc}). Choose another with --out.") from None
    if out_r == trust_r or out_r.is_relative_to(trust_r):
        raise RunError(f"The reports folder {out} is inside the trust folder {trust_dir}; reports are never written "
                       f"among the schools' files. Choose a folder outside it with --out, such as {trust_r.parent / 'reports'}.")


def default_jobs(schools: int) -> int:
    return max(1, min(os.cpu_count() or 1, schools, WINDOWS_MAX_WORKERS))


def run_trust(trust_dir: Path, out_dir: Path | None = None, week: dt.date | None = None,
              as_of: dt.date | None = None, today: dt.date | None = None, send: bool = False, resend: bool = False,
              jobs: int | None = None, on_school: Callable[[SchoolResult], None] | None = None,
              trust: TrustSettings | None = None, start_method: str | None = None) -> TrustOutcome:
    """Run every school of the trust and write the trust report. RunError (exit 2) only when trust.toml is
    unusable; a school that cannot be run is a SchoolResult with its reason. `on_school` is told of each
    school's result in trust.toml's order, as soon as it is known (the console's lines). `start_method`:
    how worker processes start ('spawn' as on Windows, 'fork'; default: the system's own)."""
    from .report import write_trust_report

    started = time.perf_counter()
    trust = trust or load_trust(trust_dir)
    out = trust_out_folder(trust, out_dir)
    today = today or dt.date.today()
    jobs_list = [SchoolJob(name, trust.school_dir(name), out, trust.providers_for(name), week, as_of, today, send,
                           resend) for name in trust.schools]
    workers = default_jobs(len(jobs_list)) if jobs is None else max(1, min(jobs, len(jobs_list), WINDOWS_MAX_WORKERS))
    results = []
    for result in _run_all(jobs_list, workers, start_method):
        results.append(result)
        if on_school is not None:
            on_school(result)
    monday = _trust_week(week, results, today)
    facts = TrustFacts(trust, monday, tuple(results))
    folder = week_folder(out, monday)
    files = write_trust_report(facts, folder, made=today)
    return TrustOutcome(facts, folder, files, time.perf_counter() - started, workers)


def _run_all(jobs: list[SchoolJob], workers: int, start_method: str | None = None):
    """Each job's SchoolResult, in the jobs' order: in this process when one worker is asked for, else in a
    pool of `workers` processes. A worker that dies (killed, out of memory) breaks the pool: the schools not
    finished are then run again each in a process of its own, so only the school that kills its process is
    'could not be run', and the others still run."""
    if workers == 1:
        for job in jobs:
            yield run_school(job)
        return
    from .. import run as _weekly       # noqa: F401  imported before the pool starts: forked workers inherit it
    from ..render import html_report, xlsx_report  # noqa: F401
    with process_pool(workers, start_method) as pool:
        yield from in_order(pool, run_school, jobs, lambda job: _alone(job, start_method))


def _alone(job: SchoolJob, start_method: str | None) -> SchoolResult:
    """One school in a process of its own, after a worker died."""
    import concurrent.futures as cf

    with process_pool(1, start_method) as pool:
        try:
            return pool.submit(run_school, job).result()
        except cf.process.BrokenProcessPool:
            return SchoolResult(job.folder, None, reason=(
                "its run stopped unexpectedly (the process running it was ended, perhaps for lack of memory): run "
                f"this school alone with --data {job.data_dir} to see why"))


def _trust_week(week: dt.date | None, results: list[SchoolResult], today: dt.date) -> dt.date:
    """The Monday of the trust report's folder: --week's, else the latest week a school reported on (schools
    choose their own last complete week, and their terms may differ), else last week's."""
    from ..calendar import monday_of

    if week is not None:
        return monday_of(week)
    weeks = [r.digest.week for r in results if r.digest is not None]
    return max(weeks) if weeks else monday_of(today - dt.timedelta(days=7))


MEANING = {EXIT_OK: "ran clean", EXIT_FINDINGS: "ran; its workbooks have errors to fix (see its Findings sheet)",
           EXIT_SEND_FAILED: "ran; some e-mails were not sent (see its send log)"}


def school_line(result: SchoolResult, out: Path) -> str:
    """The console's line for one school: its exit meaning, or why it could not be run."""
    if not result.ran:
        return f"  {result.folder}: COULD NOT BE RUN: {result.reason}"
    d = result.digest
    name = f" ({d.name})" if d.name and d.name != result.folder else ""
    return (f"  {result.folder}{name}: {MEANING.get(result.exit_code, f'exit {result.exit_code}')}; "
            f"week commencing {long_date(d.week)}; reports in {week_folder(out, d.week, result.folder)}")


def trust_heading(trust: TrustSettings) -> str:
    return f"{trust.name}: {len(trust.schools)} school{'s' if len(trust.schools) != 1 else ''}"


def trust_summary_lines(outcome: TrustOutcome) -> list[str]:
    """The lines after the schools': how many ran, and the trust report's files."""
    schools = outcome.facts.schools
    failed = [s for s in schools if not s.ran]
    lines = [f"  Schools run: {len(schools) - len(failed)} of {len(schools)}"
             + (f"; {len(failed)} could not be run (fix the reason on its line, then run again)" if failed else ""),
             f"  Trust report (names no pupil; small counts hidden), week commencing {long_date(outcome.facts.week)}:"]
    lines += [f"    {p}" for p in outcome.files]
    lines += [f"  Warning: {w}" for w in outcome.facts.settings.warnings]
    if not outcome.facts.settings.suppress_below:
        lines.append("  Warning: [trust] suppress_below = 0 in trust.toml, so the trust report shows every number, "
                     "however small: a count of 1 or 2 pupils may let a reader identify a child. Set "
                     "suppress_below = 3 (the default) before sharing it.")
    return lines
