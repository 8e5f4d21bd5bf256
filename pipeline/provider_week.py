"""Next week's returns: which providers have pupils expected in the next school week, and whom."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .calendar import SchoolCalendar
from .output import output_path
from .read.registers import Registers
from .render.provider_return import ReturnPupil, return_filename, write_provider_return
from .sessions import expected_sessions
from .settings import Settings

RETURNS_FOLDER = "returns_to_send"      # OUT/<Monday>/returns_to_send/: where next week's returns are written
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


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
    weekday = WEEKDAY_NAMES.index(name) if name in WEEKDAY_NAMES else 0
    day = monday + dt.timedelta(days=5)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def plan_returns(settings: Settings, calendar: SchoolCalendar, registers: Registers, week: dt.date) -> list[PlannedReturn]:
    """One planned return per provider with pupils expected in the school week after `week`."""
    monday = calendar.next_school_week(week)
    if monday is None:
        return []
    expected: dict[str, set] = {}
    for pid, _, day, session in expected_sessions(registers.placements, calendar, monday, monday + dt.timedelta(days=4)):
        expected.setdefault(pid, set()).add((day.weekday(), session))
    plans: dict[str, PlannedReturn] = {}
    for p in sorted(registers.placements, key=lambda p: p["placement_id"]):
        if p["placement_id"] not in expected:
            continue
        prv = p["provider_id"]
        provider = registers.providers.get(prv, {})
        plan = plans.setdefault(prv, PlannedReturn(prv, provider.get("name") or prv, provider.get("contact_email"),
                                                   monday, return_by(settings, monday)))
        name = " ".join(x for x in (p.get("forename"), p.get("surname")) if x)
        plan.pupils.append(ReturnPupil(p["placement_id"], p.get("upn") or "", name, expected[p["placement_id"]]))
    return [plans[k] for k in sorted(plans)]


def write_returns(plans: list[PlannedReturn], folder: Path, school: str, created: dt.date) -> list[Path]:
    """Write each plan's pre-filled return as folder/<Provider ID>_<Monday>.xlsx (named by output.output_path,
    so no Provider ID can put it anywhere else); the paths written."""
    paths = []
    for plan in plans:
        path = output_path(Path(folder), plan.filename)
        write_provider_return(path, plan.provider_id, plan.provider_name, plan.monday, plan.pupils, school,
                              plan.return_by, created)
        paths.append(path)
    return paths
