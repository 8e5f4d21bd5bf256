"""`--init DIR`: a new school folder from the templates, never overwriting anything.

It writes school.toml (placeholders to fill in, example terms for the academic year of the day it runs,
`[rules] monitoring_from` set to that day), the two blank registers, an empty returns/, register/ with a
README.txt on exporting the school's own register from its MIS (contract §6), and run-weekly.cmd: a file to
double-click on Windows that runs the weekly job for this folder with the Python that ran --init and keeps
its window open on the summary (and run-weekly.sh, the same for a terminal, elsewhere than Windows).

The launcher changes to the folder that holds the school folder and gives no --out: reports go to
`[paths] out` when school.toml sets it, else to `reports/` beside the school folder, never inside it
(contract §8).
"""
from __future__ import annotations

import datetime as dt
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import RunError
from .schema import PLACEMENTS_BOOK, PROVIDERS_BOOK

LAUNCHER = "run-weekly.cmd"
SH_LAUNCHER = "run-weekly.sh"

REGISTER_README = """\
register: the school's own attendance register, exported from its MIS (optional, but it drives the
reconciliation, the weekly check that the school's register and the providers agree).

Each week, before the weekly run, export the attendance marks for at least the reporting week as a CSV
file with these four columns, their names in the first row (any order; other columns are ignored):
  UPN      the pupil's unique pupil number
  Date     the day, written 2026-11-23 or 23/11/2026
  Session  AM or PM
  Code     the register code the school recorded for that session (B, K, /, N ...)
Save it in this folder as register/<any name>.csv, as UTF-8 ("CSV UTF-8" in Excel's Save As list). The
export may cover the whole school: rows for pupils not in provision are ignored. Replace an older export
that covers the same days rather than keeping both.

From the school's MIS (menu names differ between versions: ask your MIS support if unsure):
  SIMS:    a custom report or export of session marks (attendance marks by session) with UPN, date,
           session (AM/PM) and mark, saved as CSV; rename its headers to UPN, Date, Session and Code.
  Arbor:   a custom report or export of session marks with UPN, date, session (AM/PM) and mark, saved
           as CSV; rename its headers to UPN, Date, Session and Code.
  Bromcom: a custom report or export of session marks with UPN, date, session (AM/PM) and mark, saved
           as CSV; rename its headers to UPN, Date, Session and Code.

What the weekly run does with it (policy §15.4): for every session of the reporting week that a pupil is
expected at a provider, it compares the school's mark with the provider's return. Where they disagree
(attended, absent, not possible) the report's Reconciliation sheet lists the session and the Actions list
has a register-mismatch alert. A session the school marks as attended at provision (B or K) that the
provider does not have the pupil attending is a safeguarding risk, listed first: nobody may know where
the child was. Without an export there is no reconciliation. Files here that are not .csv (like this one)
are ignored.
"""


@dataclass(frozen=True)
class NewFolder:
    folder: Path              # absolute
    created: tuple[Path, ...]
    command: tuple[str, ...]  # the weekly run for the folder, as the launcher runs it
    launcher: Path


def weekly_command(folder: Path) -> tuple[str, ...]:
    """The weekly run for `folder` with this Python: run_weekly.py beside the package when the tool runs from
    its source folder (as `pip install -e .` leaves it), else the installed package (`python -m pipeline`)."""
    script = Path(__file__).resolve().parent.parent / "run_weekly.py"
    tool = (str(script),) if script.is_file() else ("-m", "pipeline")
    return (sys.executable, *tool, "--data", str(folder))


def shell_line(argv) -> str:
    """A command line to copy into this platform's shell, paths with spaces quoted its way."""
    return subprocess.list2cmdline(list(argv)) if os.name == "nt" else shlex.join(argv)


def _cmd_quote(arg: str) -> str:
    """An argument of a .cmd file: in double quotes, % doubled (a path cannot hold a double quote)."""
    return '"' + arg.replace("%", "%%") + '"'


def launcher_cmd(folder: Path, command, today: dt.date) -> bytes:
    """run-weekly.cmd: run the weekly job for `folder`, show the exit status, wait for a key (CRLF lines)."""
    line = " ".join(a if a.startswith("-") else _cmd_quote(a) for a in command)
    lines = [
        "@echo off",
        "rem The weekly alternative provision run for this school folder: double-click this file to run it.",
        f"rem Written by --init on {today:%d/%m/%Y}: if the school folder or Python moves, run --init into a new folder",
        "rem or edit the paths below. Reports go to [paths] out when school.toml sets it, else to the reports",
        "rem folder beside the school folder. A scheduled task should run the command itself (this file waits for a key).",
        f"cd /d {_cmd_quote(str(folder.parent))}",
        line,
        "set STATUS=%ERRORLEVEL%",
        "echo.",
        "echo Finished with exit status %STATUS%: 0 all clean, 1 reports written but the workbooks have errors (see "
        "Findings), 2 could not run (read the message above), 3 e-mail not sent, 4 the tool failed.",
        "pause",
        "exit /b %STATUS%",
    ]
    if not all(ord(c) < 128 for c in line):     # cmd.exe reads the file in the console's code page: make it UTF-8
        lines.insert(1, "chcp 65001 >nul")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def launcher_sh(folder: Path, command) -> str:
    """run-weekly.sh: the same as run-weekly.cmd for a terminal (macOS, Linux)."""
    return ("#!/bin/sh\n# The weekly alternative provision run for this school folder, written by --init. Reports go to\n"
            "# [paths] out when school.toml sets it, else to the reports folder beside the school folder.\n"
            f"cd {shlex.quote(str(folder.parent))} || exit 2\nexec {shlex.join(command)}\n")


def init_folder(folder: Path, today: dt.date | None = None) -> NewFolder:
    """Make the school folder `folder` (it may exist, empty of what --init writes); a RunError if any of it exists."""
    from .templates import academic_year_of, write_school_toml, write_workbook

    today = today or dt.date.today()
    folder = Path(os.path.abspath(folder))     # not resolve(): it would turn a mapped drive into a UNC path
    command = weekly_command(folder)
    launchers = [folder / LAUNCHER] + ([folder / SH_LAUNCHER] if os.name != "nt" else [])
    targets = [folder / "school.toml", folder / PLACEMENTS_BOOK.filename, folder / PROVIDERS_BOOK.filename,
               folder / "returns", folder / "register", *launchers]
    existing = [p for p in targets if p.exists()]
    if existing:
        raise RunError(f"{existing[0]} already exists; --init never overwrites anything. Choose a new folder.")
    try:
        (folder / "returns").mkdir(parents=True)
        (folder / "register").mkdir()
        (folder / "register" / "README.txt").write_bytes(REGISTER_README.replace("\n", "\r\n").encode("utf-8"))
        write_school_toml(folder / "school.toml", academic_year_of(today), monitoring_from=today)
        write_workbook(PLACEMENTS_BOOK, folder / PLACEMENTS_BOOK.filename)
        write_workbook(PROVIDERS_BOOK, folder / PROVIDERS_BOOK.filename)
        (folder / LAUNCHER).write_bytes(launcher_cmd(folder, command, today))
        if os.name != "nt":
            (folder / SH_LAUNCHER).write_text(launcher_sh(folder, command), encoding="utf-8")
            (folder / SH_LAUNCHER).chmod(0o755)
    except OSError as exc:
        raise RunError(f"Cannot create the school folder {folder} ({exc.strerror or exc}).") from None
    created = targets[:5] + [folder / "register" / "README.txt"] + targets[5:]
    return NewFolder(folder, tuple(created), command, folder / LAUNCHER)
