"""`register_import.csv` (contract §9, §13): the reporting week's marks at providers, as codes for the school's own register.

The file can be keyed into the statutory register without checking each line: it holds one row per
pupil-session of the reporting week that the pupil was expected at a provider, for which the
provider gave a mark with no error finding on it. The code is the one the school enters in its own
register (DfE codes from August 2024):

- attended at provision the school arranged: `B`; at provision the local authority arranged: `K`;
- an absence (authorised or unauthorised): the provider's absence code;
- not possible: the provider's code.

Every other expected session of the week (up to as-of) is held back in `register_import_held.csv`,
with the same columns plus `Reason`, in plain English: a mark counted as `N` because of an error (a
blank session, an unknown code, an `X` for a pupil of compulsory school age, a missing column:
`Code` is `N`), a session not reported (no accepted return, or the pupil left out of it: `Code` is
blank), and a placement with no UPN (nothing for the MIS to match).

Columns `UPN,Date,Session,Code,Placement ID` (`,Reason`); UTF-8 with `\\n` line ends; sorted by UPN, date,
session (then Placement ID). A cell beginning with = + - @ (or a tab or carriage return) is
prefixed with ' so a spreadsheet does not run it as a formula. How to use the file is in
docs/register_import.md.
"""
from __future__ import annotations

import csv
import io
from operator import itemgetter
from pathlib import Path

from . import codes
from .schema import LOCAL_AUTHORITY, SCHOOL
from .output import write_text

FILENAME = "register_import.csv"
HELD_FILENAME = "register_import_held.csv"
COLUMNS = ["UPN", "Date", "Session", "Code", "Placement ID"]
HELD_COLUMNS = COLUMNS + ["Reason"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ATTENDED_CODE = {SCHOOL: "B", LOCAL_AUTHORITY: "K"}


def guard(value) -> str:
    """The cell's text, prefixed with ' if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# Why a mark is held back: the sessions table's `error` (the rule id of the finding on the cell).
ERROR_REASONS = {
    "blank-session": "No code given: counted as N (reason not yet given)",
    "unknown-code": "Unknown code '{given}': counted as N",
    "x-at-compulsory-age": "X (not required to attend) but the pupil is of compulsory school age: counted as N",
    "missing-column": "The return has no column for this session: counted as N",
}
NO_RETURN = "No return from the provider for this week"
NOT_IN_RETURN = "The pupil is not in the provider's return for this week"
NO_UPN = "No UPN in placements.xlsx, so the register cannot be matched"


def split_rows(ctx) -> tuple[list[tuple], list[tuple]]:
    """(rows to import, rows held back) for the reporting week's expected sessions up to as-of: each
    session is in exactly one of the two. A row is a tuple of its COLUMNS (HELD_COLUMNS, held back):
    a million of them at a 100,000-placement school, so no dict each, and equal values (dates, reasons)
    are one string."""
    placements = {p.placement_id: ((p.upn or "").strip(), ATTENDED_CODE.get(p.arranged_by, "B"))
                  for p in ctx.registers.placements}
    sessions = ctx.sessions
    if sessions.empty:
        return [], []
    week = (sessions["day"] - sessions["weekday"]) == ctx.week.toordinal()   # its Monday's
    dates, reasons = {}, {}
    rows, held = [], []
    columns = (sessions[c][week].tolist() for c in ("placement_id", "date", "session", "code", "category", "file",
                                                 "error", "given"))
    for pid, date, session, code, category, file, error, given in zip(*columns):
        found = placements.get(pid)
        if found is None:
            continue            # never so: the table is built from these placements
        upn, attended = found
        day = dates.get(date)
        if day is None:
            day = dates[date] = date.isoformat()
        reason = None
        if category == codes.NOT_REPORTED:
            code = ""
            reason = NOT_IN_RETURN if file else NO_RETURN
        else:
            if category == codes.ATTENDED:
                code = attended
            if error:
                reason = ERROR_REASONS.get(error, "An error on this session: counted as N").format(given=given)
        if not upn:
            reason = NO_UPN if reason is None else reason + "; " + NO_UPN   # the blank UPN is already an error finding
        if reason is None:
            rows.append((upn, day, session, code, pid))
        else:
            held.append((upn, day, session, code, pid, reasons.setdefault(reason, reason)))
    return _sorted(rows), _sorted(held)


def _sorted(rows: list[tuple]) -> list[tuple]:
    """By UPN, date, session and Placement ID: one stable sort a field, the last first (no key tuple a row)."""
    for field in (4, 2, 1, 0):
        rows.sort(key=itemgetter(field))
    return rows


def register_csv(rows: list[tuple], columns: list[str] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([guard(v) for v in row])
    return buffer.getvalue()


def write_register_import(rows: list[tuple], path: Path, columns: list[str] = COLUMNS) -> Path:
    """Write the rows (header only if there are none) to `path`, UTF-8 without a byte-order mark;
    `columns=HELD_COLUMNS` for register_import_held.csv."""
    path = Path(path)
    write_text(path, register_csv(rows, columns))
    return path


def write_register_held(rows: list[tuple], path: Path) -> Path:
    """register_import_held.csv: the held-back rows, with their Reason (header only if none)."""
    return write_register_import(rows, path, HELD_COLUMNS)
