"""Next week's returns: which providers have pupils expected in the next school week, and whom."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .calendar import SchoolCalendar
from .labels import DAY_NAMES, provider_name
from .read.registers import Registers
from .sessions import active_days
from .settings import Settings

RETURNS_FOLDER = "returns_to_send"      # OUT/<Monday>/returns_to_send/: where next week's returns are written


@dataclass
class ReturnPupil:
    """A pupil on a provider's return for next week, and the sessions expected there (the others are locked)."""
    placement_id: str
    upn: str
    name: str
    expected: set = field(default_factory=set)    # {(weekday 0-4, 'AM'|'PM')}


def return_filename(provider_id: str, monday: dt.date) -> str:
    return f"{provider_id}_{monday.isoformat()}.xlsx"


@dataclass
class PlannedReturn:
    provider_id: str
    provider_name: str
    contact_email: str | None
    monday: dt.date
    return_by: dt.date
    pupils: list = field(default_factory=list)     # ReturnPupil, sorted by placement id

    @property
    def filename(self) -> str:
        return return_filename(self.provider_id, self.monday)


def return_by(settings: Settings, monday: dt.date) -> dt.date:
    """The first [email] return_by weekday after the week's Friday (the following Monday by default)."""
    name = str(settings.get("email", "return_by") or "Monday").strip().lower()
    weekday = next((i for i, day_name in enumerate(DAY_NAMES) if day_name.lower() == name), 0)
    day = monday + dt.timedelta(days=5)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def plan_returns(settings: Settings, calendar: SchoolCalendar, registers: Registers, week: dt.date) -> list[PlannedReturn]:
    """One planned return per provider with pupils expected in the school week after `week`."""
    monday = calendar.next_school_week(week)
    if monday is None:
        return []
    friday = monday + dt.timedelta(days=4)
    days = calendar.school_days(monday, friday)
    # A placement's sessions next week follow from its pattern and which of the week's school days it covers:
    # placements alike in both share one set (read, never changed), with no tuple made per session.
    shared: dict = {}                   # (pattern's items, first day, end of days) -> the set of (weekday, session)
    expected: dict[str, set] = {}
    for p in registers.placements:
        lo, hi = active_days(p, days, friday)
        key = (tuple(p.pattern.items()), lo, hi)
        sessions = shared.get(key)
        if sessions is None:
            sessions = shared[key] = {(day.weekday(), s) for day in days[lo:hi] for s in p.pattern.get(day.weekday(), ())}
        if not sessions:
            continue
        pid = p.placement_id
        expected[pid] = sessions if pid not in expected else expected[pid] | sessions
    plans: dict[str, PlannedReturn] = {}
    for p in sorted(registers.placements, key=lambda p: p.placement_id):
        if p.placement_id not in expected:
            continue
        prv = p.provider_id
        provider = registers.providers[prv]
        plan = plans.setdefault(prv, PlannedReturn(prv, provider_name(registers.providers, prv),
                                                   provider.contact_email, monday, return_by(settings, monday)))
        plan.pupils.append(ReturnPupil(p.placement_id, p.upn or "", p.name, expected[p.placement_id]))
    return [plans[k] for k in sorted(plans)]
