"""Attendance figures from the sessions table (contract §7 and §9).

The counts are made on the table's integer columns (its `day` ordinals and the codes of its string
columns), not by comparing its date objects row by row: a year's table has a row per pupil-session.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np

from . import codes
from .columns import Columns
from .model import Figures, MissingReturn, PupilFigures
from .rounding import percent

FIGURES = ("possible", "attended", "authorised", "unauthorised", "not_reported")
PERSISTENT_ABSENCE = Decimal("0.10")


def figures(counts: dict) -> Figures:
    """The contract's figure block from category counts."""
    attended, authorised = counts.get(codes.ATTENDED, 0), counts.get(codes.AUTHORISED, 0)
    unauthorised = counts.get(codes.UNAUTHORISED, 0)
    possible = attended + authorised + unauthorised
    return Figures(possible, attended, authorised, unauthorised, counts.get(codes.NOT_REPORTED, 0),
                   percent(attended, possible))


def below_target(fig: Figures, target: float) -> bool:
    return bool(fig.possible) and Decimal(fig.attended) * 100 < Decimal(str(target)) * fig.possible


def persistent_absence(fig: Figures) -> bool:
    absent = fig.authorised + fig.unauthorised
    return bool(fig.possible) and Decimal(absent) >= PERSISTENT_ABSENCE * fig.possible


def counts_by_placement(sessions: Columns, start: dt.date, end: dt.date) -> dict[str, dict]:
    """placement_id -> {category: number of sessions} for sessions dated start..end, placements in the
    order of their IDs and categories in theirs."""
    if sessions.empty:
        return {}
    day = sessions["day"]
    inside = (day >= start.toordinal()) & (day <= end.toordinal())
    ids, kinds = sessions["placement_id"], sessions["category"]
    pid, pids, category, categories = ids.codes, ids.categories, kinds.codes, kinds.categories
    width = len(categories)
    counts = np.bincount(pid[inside].astype(np.int64) * width + category[inside], minlength=len(pids) * width)
    out: dict[str, dict] = {}
    for k in np.flatnonzero(counts).tolist():
        p, c = divmod(k, width)
        out.setdefault(pids[p], {})[categories[c]] = int(counts[k])
    return out


def last_providers(sessions: Columns) -> dict[str, str]:
    """placement_id -> the provider of its last row in the table."""
    if sessions.empty:
        return {}
    pid, pids = sessions["placement_id"].codes, sessions["placement_id"].categories
    prv, prvs = sessions["provider_id"].codes, sessions["provider_id"].categories
    found, from_end = np.unique(pid[::-1], return_index=True)       # each code's first row counted from the end
    return {pids[c]: prvs[prv[len(pid) - 1 - i]] for c, i in zip(found.tolist(), from_end.tolist())}


def pupil_figures(sessions: Columns, week: dt.date, year_start: dt.date, as_of: dt.date,
                  target: float) -> list[PupilFigures]:
    """One entry per placement with an expected session this academic year up to as-of (contract §9 'pupils')."""
    friday = week + dt.timedelta(days=4)
    week_counts = counts_by_placement(sessions, week, min(friday, as_of))
    year_counts = counts_by_placement(sessions, year_start, as_of)
    providers = last_providers(sessions)
    pupils = []
    for pid in sorted(year_counts):
        ytd = figures(year_counts[pid])
        pupils.append(PupilFigures(pid, providers[pid], figures(week_counts.get(pid, {})), ytd,
                                   below_target(ytd, target), persistent_absence(ytd)))
    return pupils


def provider_weeks(sessions: Columns, up_to: dt.date | None = None) -> tuple[set, set]:
    """({(provider_id, Monday)} with expected sessions, the same with an accepted return), for the weeks up to
    the week of `up_to` (every week when None)."""
    if sessions.empty:
        return set(), set()
    monday = sessions["day"] - sessions["weekday"]
    prv, providers = sessions["provider_id"].codes, sessions["provider_id"].categories
    file, files = sessions["file"].codes, sessions["file"].categories
    returned = np.array([f != "" for f in files], dtype=bool)[file]
    if up_to is not None:
        inside = monday <= up_to.toordinal()
        monday, prv, returned = monday[inside], prv[inside], returned[inside]
    if not len(monday):
        return set(), set()
    first = int(monday.min())
    n_weeks = (int(monday.max()) - first) // 7 + 1
    key = prv.astype(np.int64) * n_weeks + (monday - first) // 7        # a small integer per provider-week

    def weeks(keys: np.ndarray) -> set:
        found = np.flatnonzero(np.bincount(keys, minlength=len(providers) * n_weeks)).tolist()
        return {(providers[k // n_weeks], dt.date.fromordinal(first + k % n_weeks * 7)) for k in found}
    return weeks(key), weeks(key[returned])


def missing_returns(sessions: Columns, week: dt.date) -> list[MissingReturn]:
    """Provider-weeks up to the reporting week with expected sessions and no accepted return."""
    expected, returned = provider_weeks(sessions, week)
    return [MissingReturn(prv, wk) for prv, wk in sorted(expected - returned)]
