"""Next week's planned returns: each pupil's expected sessions are the sessions table's (expected_sessions) for
that week, worked out from the placement's pattern and dates without a tuple per session."""
from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from pipeline.provider_week import plan_returns
from pipeline.read.registers import Registers
from pipeline.sessions import expected_sessions
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML
from tests.record_factories import provider_record
from tests.test_sessions_equivalence import CALENDAR, random_school

D = dt.date


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("week", [D(2026, 11, 16), D(2026, 10, 19), D(2027, 3, 15), D(2027, 7, 12)])
def test_each_pupils_sessions_are_expected_sessions_of_the_next_school_week(seed, week):
    settings = parse_settings(tomllib.loads(SCHOOL_TOML))
    placements, _ = random_school(seed)
    providers = {p.provider_id: provider_record(provider_id=p.provider_id, name=p.provider_id) for p in placements}
    plans = plan_returns(settings, CALENDAR, Registers(providers=providers, placements=placements), week)
    monday = CALENDAR.next_school_week(week)
    want: dict[str, dict[str, set]] = {}
    for pid, prv, day, session in expected_sessions(placements, CALENDAR, monday, monday + dt.timedelta(days=4)):
        want.setdefault(prv, {}).setdefault(pid, set()).add((day.weekday(), session))
    got = {plan.provider_id: {pupil.placement_id: pupil.expected for pupil in plan.pupils} for plan in plans}
    assert got == want and plans and all(plan.monday == monday for plan in plans)
    assert [plan.provider_id for plan in plans] == sorted(want)
    assert all([p.placement_id for p in plan.pupils] == sorted(want[plan.provider_id]) for plan in plans)
