"""Attendance figures from the sessions table (contract §7 and §9)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from . import codes
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


def counts_by_placement(sessions: pd.DataFrame, start: dt.date, end: dt.date) -> dict[str, dict]:
    """placement_id -> {category: number of sessions} for sessions dated start..end."""
    if sessions.empty:
        return {}
    part = sessions[(sessions["date"] >= start) & (sessions["date"] <= end)]
    table = part.groupby(["placement_id", "category"]).size()
    out: dict[str, dict] = {}
    for (pid, category), n in table.items():
        out.setdefault(pid, {})[category] = int(n)
    return out


def pupil_figures(sessions: pd.DataFrame, week: dt.date, year_start: dt.date, as_of: dt.date,
                  target: float) -> list[PupilFigures]:
    """One entry per placement with an expected session this academic year up to as-of (contract §9 'pupils')."""
    friday = week + dt.timedelta(days=4)
    week_counts = counts_by_placement(sessions, week, min(friday, as_of))
    year_counts = counts_by_placement(sessions, year_start, as_of)
    last = sessions.drop_duplicates("placement_id", keep="last") if not sessions.empty else sessions
    providers = dict(zip(last["placement_id"], last["provider_id"])) if not sessions.empty else {}
    pupils = []
    for pid in sorted(year_counts):
        ytd = figures(year_counts[pid])
        pupils.append(PupilFigures(pid, providers[pid], figures(week_counts.get(pid, {})), ytd,
                                   below_target(ytd, target), persistent_absence(ytd)))
    return pupils


def missing_returns(sessions: pd.DataFrame, week: dt.date) -> list[MissingReturn]:
    """Provider-weeks up to the reporting week with expected sessions and no accepted return."""
    if sessions.empty:
        return []
    part = sessions[(sessions["week"] <= week)]
    with_return = part[part["file"] != ""][["provider_id", "week"]].drop_duplicates()
    allweeks = part[["provider_id", "week"]].drop_duplicates()
    have = set(map(tuple, with_return.itertuples(index=False)))
    missing = sorted(t for t in map(tuple, allweeks.itertuples(index=False)) if t not in have)
    return [MissingReturn(prv, wk) for prv, wk in missing]
