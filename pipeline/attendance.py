"""Attendance figures from the sessions table (contract §7 and §9)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd

from . import codes
from .rounding import percent

FIGURES = ("possible", "attended", "authorised", "unauthorised", "not_reported")
PERSISTENT_ABSENCE = Decimal("0.10")


def figures(counts: dict) -> dict:
    """The contract's figure block from category counts."""
    attended, authorised = counts.get(codes.ATTENDED, 0), counts.get(codes.AUTHORISED, 0)
    unauthorised = counts.get(codes.UNAUTHORISED, 0)
    possible = attended + authorised + unauthorised
    return {"possible": possible, "attended": attended, "authorised": authorised, "unauthorised": unauthorised,
            "not_reported": counts.get(codes.NOT_REPORTED, 0), "percent": percent(attended, possible)}


def below_target(fig: dict, target: float) -> bool:
    return bool(fig["possible"]) and Decimal(fig["attended"]) * 100 < Decimal(str(target)) * fig["possible"]


def persistent_absence(fig: dict) -> bool:
    absent = fig["authorised"] + fig["unauthorised"]
    return bool(fig["possible"]) and Decimal(absent) >= PERSISTENT_ABSENCE * fig["possible"]


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


def pupil_figures(sessions: pd.DataFrame, week: dt.date, year_start: dt.date, as_of: dt.date, target: float) -> list[dict]:
    """One entry per placement with an expected session this academic year up to as-of (contract §9 'pupils')."""
    friday = week + dt.timedelta(days=4)
    week_counts = counts_by_placement(sessions, week, min(friday, as_of))
    year_counts = counts_by_placement(sessions, year_start, as_of)
    last = sessions.drop_duplicates("placement_id", keep="last") if not sessions.empty else sessions
    providers = dict(zip(last["placement_id"], last["provider_id"])) if not sessions.empty else {}
    pupils = []
    for pid in sorted(year_counts):
        ytd = figures(year_counts[pid])
        pupils.append({
            "placement_id": pid,
            "provider_id": providers[pid],
            "week": figures(week_counts.get(pid, {})),
            "year_to_date": ytd,
            "below_target": below_target(ytd, target),
            "persistent_absence": persistent_absence(ytd),
        })
    return pupils


def missing_returns(sessions: pd.DataFrame, week: dt.date) -> list[dict]:
    """Provider-weeks up to the reporting week with expected sessions and no accepted return."""
    if sessions.empty:
        return []
    part = sessions[(sessions["week"] <= week)]
    with_return = part[part["file"] != ""][["provider_id", "week"]].drop_duplicates()
    allweeks = part[["provider_id", "week"]].drop_duplicates()
    have = set(map(tuple, with_return.itertuples(index=False)))
    missing = sorted(t for t in map(tuple, allweeks.itertuples(index=False)) if t not in have)
    return [{"provider_id": prv, "week_commencing": wk.isoformat()} for prv, wk in missing]
