"""`register_import.csv` (contract §9): the reporting week's marks at providers, as codes for the school's own register.

One row per pupil-session of the reporting week that the pupil was expected at a provider and that
the provider reported (a session with no accepted return is left out: there is nothing to import).
The code is the one the school enters in its own register (DfE codes from August 2024):

- attended at provision the school arranged: `B`; at provision the local authority arranged: `K`;
- an absence (authorised or unauthorised): the provider's absence code (a blank or unknown code
  has already been counted as `N`, contract §7);
- not possible: the provider's code.

Columns `UPN,Date,Session,Code,Placement ID`; UTF-8 with `\\n` line ends; sorted by UPN, date,
session (then Placement ID). A cell beginning with = + - @ (or a tab or carriage return) is
prefixed with ' so a spreadsheet does not run it as a formula. How to use the file is in
docs/register_import.md.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

from . import codes
from .output import write_text

FILENAME = "register_import.csv"
COLUMNS = ["UPN", "Date", "Session", "Code", "Placement ID"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ATTENDED_CODE = {"School": "B", "Local authority": "K"}


def guard(value) -> str:
    """The cell's text, prefixed with ' if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def register_rows(ctx_or_result) -> list[dict]:
    """The rows of register_import.csv, keyed by COLUMNS.

    Takes the run's RuleContext (registers and sessions table), or a WeeklyResult that carries the
    rows worked out during compute_week (its `register_import`)."""
    if not hasattr(ctx_or_result, "sessions"):
        return list(getattr(ctx_or_result, "register_import", None) or [])
    ctx = ctx_or_result
    placements = {p["placement_id"]: p for p in ctx.registers.placements}
    frame = ctx.sessions
    week = frame[(frame["week"] == ctx.week) & (frame["category"] != codes.NOT_REPORTED)]
    rows = []
    for rec in week.itertuples(index=False):
        p = placements.get(rec.placement_id)
        upn = ((p or {}).get("upn") or "").strip()
        if p is None or not upn:
            continue  # no UPN, nothing to match in the MIS (the blank UPN is already an error finding)
        if rec.category == codes.ATTENDED:
            code = ATTENDED_CODE.get(p.get("arranged_by"), "B")
        else:
            code = rec.code
        rows.append({"UPN": upn, "Date": rec.date.isoformat(), "Session": rec.session, "Code": code,
                     "Placement ID": rec.placement_id})
    rows.sort(key=lambda r: (r["UPN"], r["Date"], r["Session"], r["Placement ID"]))
    return rows


def register_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([guard(row.get(c)) for c in COLUMNS])
    return buffer.getvalue()


def write_register_import(rows: list[dict], path: Path) -> Path:
    """Write the rows (header only if there are none) to `path`, UTF-8 without a byte-order mark."""
    path = Path(path)
    write_text(path, register_csv(rows))
    return path
