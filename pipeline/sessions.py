"""The one long sessions table: a row per expected pupil-session, with its mark.

Expected sessions come from each placement's weekly pattern, its dates and the
school days. Marks come from the accepted returns (contract §7): a blank or
unknown code on an expected session counts as N; a session of a provider-week
with no accepted return, or of a pupil missing from an accepted return, is
not reported.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from . import codes
from .calendar import SchoolCalendar, monday_of
from .findings import Findings
from .read.cells import is_blank, text
from .read.returns import Return

COLUMNS = ["placement_id", "provider_id", "date", "week", "weekday", "session", "code", "category", "file", "cell"]
SESSION_NAMES = {(d, s): f"{day} {s}" for d, day in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri")) for s in ("AM", "PM")}


def is_active(placement: dict, day: dt.date) -> bool:
    """Contract §3: started, not ended, and parents have not refused."""
    if placement.get("parents_refused"):
        return False
    end = placement.get("actual_end_date")
    return placement["start_date"] <= day and (end is None or day <= end)


def expected_sessions(placements: list[dict], calendar: SchoolCalendar, start: dt.date, end: dt.date) -> list[tuple]:
    """(placement_id, provider_id, date, session) for every session expected from start to end."""
    days = calendar.school_days(start, end)
    out = []
    for p in placements:
        if p.get("parents_refused"):
            continue
        last = p.get("actual_end_date") or end
        for day in days:
            if day < p["start_date"] or day > last:
                continue
            for session in p["pattern"].get(day.weekday(), ()):
                out.append((p["placement_id"], p["provider_id"], day, session))
    return out


def build_sessions(placements: list[dict], calendar: SchoolCalendar, returns: list[Return],
                   year_start: dt.date, week: dt.date, as_of: dt.date, findings: Findings) -> pd.DataFrame:
    """The sessions table from the year's start to as-of, with marks checked against expectations.

    Returns of the weeks up to the reporting week are checked cell by cell."""
    friday = week + dt.timedelta(days=4)
    expected = expected_sessions(placements, calendar, year_start, friday)
    by_week: dict[tuple, set] = {}
    for pid, prv, day, session in expected:
        by_week.setdefault((prv, monday_of(day)), set()).add((pid, day, session))
    returns_by_key = {(r.provider_id, r.week): r for r in returns}
    records = []
    for pid, prv, day, session in expected:
        if day > as_of:
            continue
        ret = returns_by_key.get((prv, monday_of(day)))
        records.append(_mark(pid, prv, day, session, ret, findings))
    for ret in returns:
        if year_start <= ret.week <= week:
            _check_return(ret, by_week.get((ret.provider_id, ret.week), set()), as_of, findings)
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    return frame.sort_values(["placement_id", "date", "session"], kind="stable").reset_index(drop=True)


def _mark(pid, prv, day, session, ret: Return | None, findings: Findings) -> tuple:
    base = (pid, prv, day, monday_of(day), day.weekday(), session)
    if ret is None or pid not in ret.rows:
        return base + ("", codes.NOT_REPORTED, ret.file if ret else "", "")
    raw, cell = ret.rows[pid].marks.get((day.weekday(), session), ("", ""))
    if is_blank(raw) or codes.normalise(raw) == codes.NOT_EXPECTED:
        return base + ("N", codes.UNAUTHORISED, ret.file, cell)
    mark = codes.read_code(raw)
    if mark is None:
        return base + ("N", codes.UNAUTHORISED, ret.file, cell)
    return base + (mark.code, mark.category, ret.file, cell)


def _check_return(ret: Return, expected: set, as_of: dt.date, findings: Findings) -> None:
    """Findings for one accepted return: missing pupils, blank or unknown codes, marks not expected."""
    expected_pupils = sorted({pid for pid, _, _ in expected})
    for pid in expected_pupils:
        if pid not in ret.rows and any(day <= as_of for p, day, _ in expected if p == pid):
            findings.error(ret.file, None, None, "pupil-missing-from-return", pid,
                           f"Placement {pid} was expected at {ret.provider_id} in the week commencing {ret.week:%d/%m/%Y} "
                           "but is not in this return. Ask the provider for the pupil's attendance; "
                           "until then those sessions count as not reported.")
    for pid, row in sorted(ret.rows.items()):
        for (weekday, session), (raw, cell) in sorted(row.marks.items()):
            day = ret.week + dt.timedelta(days=weekday)
            name = f"{SESSION_NAMES[(weekday, session)]} ({day:%d/%m/%Y})"
            code = codes.normalise(raw)
            if (pid, day, session) in expected:
                if day <= as_of:
                    _check_expected(ret, pid, name, raw, cell, findings)
            elif code and code != codes.NOT_EXPECTED:
                findings.warning(ret.file, ret.sheet, cell, "unexpected-mark", text(raw),
                                 f"Placement {pid} is not expected at the provider on {name}, so the code "
                                 f"'{text(raw)}' is ignored. Leave '-' in sessions the pupil is not expected.")


def _check_expected(ret: Return, pid: str, name: str, raw, cell: str, findings: Findings) -> None:
    code = codes.normalise(raw)
    if not code or code == codes.NOT_EXPECTED:
        findings.error(ret.file, ret.sheet, cell, "blank-session", text(raw) or None,
                       f"No register code for placement {pid} on {name}, an expected session. Ask the provider "
                       "for the code and enter it; until then it counts as N (absent, no reason yet).")
        return
    mark = codes.read_code(raw)
    if mark is None:
        findings.error(ret.file, ret.sheet, cell, "unknown-code", text(raw),
                       f"'{text(raw)}' for placement {pid} on {name} is not a register code. Replace it with a "
                       "code from the key on the Instructions sheet; until then it counts as N.")
    elif mark.legacy:
        meaning = codes.CATEGORY_LABELS[mark.category]
        findings.warning(ret.file, ret.sheet, cell, "legacy-code", text(raw),
                         f"'{mark.code}' for placement {pid} on {name} is a code no longer in use since August 2024; "
                         f"it is counted as {meaning}. Ask the provider to use the current codes.")
