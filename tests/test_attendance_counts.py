"""The attendance counts made on the sessions table's integer columns are the pandas group-bys they replaced.

The group-bys below compared the table's date objects row by row and grouped the whole frame; they are
kept as the oracle, run on the seeded random schools of tests/test_sessions_equivalence.py (patterns,
starts and ends mid-week, refused placements, half term, missing returns, stray and duplicate returns).
"""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline.attendance import counts_by_placement, last_providers, missing_returns, provider_weeks
from pipeline.findings import Findings
from pipeline.sessions import build_sessions
from tests.test_sessions_equivalence import CALENDAR, YEAR_START, random_school

D = dt.date


def oracle_counts(sessions, start, end) -> dict:
    sessions = sessions.to_pandas()
    part = sessions[(sessions["date"] >= start) & (sessions["date"] <= end)]
    out: dict = {}
    for (pid, category), n in part.groupby(["placement_id", "category"]).size().items():
        out.setdefault(pid, {})[category] = int(n)
    return out


def oracle_weeks(sessions, week=None) -> tuple[set, set]:
    sessions = sessions.to_pandas()
    part = sessions if week is None else sessions[sessions["week"] <= week]
    every = set(map(tuple, part[["provider_id", "week"]].drop_duplicates().itertuples(index=False)))
    returned = part[part["file"] != ""][["provider_id", "week"]].drop_duplicates()
    return every, set(map(tuple, returned.itertuples(index=False)))


def table(seed: int, week: dt.date, as_of: dt.date):
    placements, returns = random_school(seed)
    return build_sessions(placements, CALENDAR, returns, YEAR_START, week, as_of, Findings())


RANGES = [(YEAR_START, D(2027, 7, 23)), (D(2026, 11, 23), D(2026, 11, 25)), (D(2026, 10, 26), D(2026, 10, 30)),
          (D(2027, 7, 19), D(2027, 7, 19)), (D(2028, 1, 1), D(2028, 1, 5))]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_are_the_groupbys_in_the_same_order(seed):
    sessions = table(seed, D(2027, 7, 19), D(2027, 7, 23))
    assert len(sessions) > 1000
    for start, end in RANGES:
        got, expected = counts_by_placement(sessions, start, end), oracle_counts(sessions, start, end)
        assert got == expected
        assert list(got) == list(expected) and [list(c) for c in got.values()] == [list(c) for c in expected.values()]
    assert counts_by_placement(sessions, D(2026, 10, 26), D(2026, 10, 30)) == {}        # half term: nothing


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_provider_weeks_and_missing_returns_are_the_groupbys(seed):
    sessions = table(seed, D(2027, 3, 22), D(2027, 3, 26))
    every, returned = oracle_weeks(sessions)
    assert provider_weeks(sessions) == (every, returned) and every - returned
    for week in (D(2026, 11, 23), D(2027, 3, 22)):
        every, returned = oracle_weeks(sessions, week)
        assert provider_weeks(sessions, week) == (every, returned)
        assert [(m.provider_id, m.week_commencing) for m in missing_returns(sessions, week)] == sorted(every - returned)


def test_each_placement_has_the_provider_of_its_last_row():
    sessions = table(4, D(2027, 7, 19), D(2027, 7, 23))
    last = sessions.to_pandas().drop_duplicates("placement_id", keep="last")
    assert last_providers(sessions) == dict(zip(last["placement_id"], last["provider_id"]))
    assert last_providers(sessions.where(slice(0, 0))) == {}
