"""One school of a trust, run exactly as `--data` runs it (contract §16), in a worker process of the pool.

Whatever happens to the school comes back as a SchoolResult: its exit meaning and digest, or the one line
saying why it could not be run (a missing folder, a school.toml that stops its run, a file that cannot be
written, even a bug, whose details go to a crash log). One school never stops the others.
"""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import RunError
from .digest import digest_of
from .model import SchoolResult


@dataclass(frozen=True)
class SchoolJob:
    folder: str                     # as listed in trust.toml
    data_dir: Path
    out_dir: Path                   # the trust's OUT: the school's reports go to OUT/<Monday>/<folder>/
    providers_file: Path | None     # the trust's providers.xlsx, when the school has none of its own
    week: dt.date | None = None
    as_of: dt.date | None = None
    today: dt.date | None = None
    send: bool = False
    resend: bool = False


def run_school(job: SchoolJob) -> SchoolResult:
    """Run one school; never raises (but for Ctrl+C). The reason a school could not be run is given twice: in
    full for the console, and for the trust report with no path but the school's folder name (a file's path can
    name a pupil: returns/Isla Fairweather.xlsx)."""
    try:
        return _run(job)
    except RunError as exc:
        return SchoolResult(job.folder, None, reason=str(exc), report_reason=_without_paths(str(exc), job))
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        why = exc.strerror or type(exc).__name__
        return SchoolResult(job.folder, None, reason=(
            f"the file or folder{where} could not be used ({exc.strerror or exc}): check it exists and that no "
            "report of this school is open in another program"), report_reason=(
            f"a file or folder of the school could not be used ({why}): the console of the trust run names it"))
    except Exception as exc:   # a bug: the details in a crash log, one line here, the other schools go on
        from ..crash import crash_line, write_crash_log
        argv = ["--trust", str(job.data_dir.parent), "(school", job.folder + ")"]
        return SchoolResult(job.folder, None, reason=crash_line(exc, write_crash_log(exc, job.out_dir, job.data_dir, argv)),
                            report_reason="the tool failed on this school (a bug, not a problem with its files): "
                                          "the details are in a crash log in the reports folder")


def _without_paths(text: str, job: SchoolJob) -> str:
    """`text` with the school folder's path written as its name, and the trust folder's as 'the trust folder'."""
    school, trust = job.data_dir, job.data_dir.parent
    for path, name in ((school, job.folder), (trust, "the trust folder")):
        for form in {os.path.abspath(path), str(path)}:
            if form and form != ".":
                text = text.replace(form, name)
    return text


def _run(job: SchoolJob) -> SchoolResult:
    from ..output import check_out_dir
    from ..run import console_summary, run_week

    if not job.data_dir.is_dir():
        raise RunError(f"the folder {job.data_dir} listed in trust.toml does not exist: check its name in [trust] "
                       "schools")   # the report gives it as 'the folder <name> listed ...' (_without_paths)
    check_out_dir(job.data_dir, job.out_dir)
    if job.send:
        from ..delivery.oauth import check_microsoft_cache
        check_microsoft_cache(job.data_dir)
    outcome = run_week(job.data_dir, job.out_dir, job.week, job.as_of, job.today, send=job.send, resend=job.resend,
                       providers_file=job.providers_file, school=job.folder)
    return SchoolResult(job.folder, outcome.exit_code, digest=digest_of(outcome.result, job.folder),
                        console=console_summary(outcome))
