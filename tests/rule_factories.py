"""Factories for the rule tests (contract §10): rows for the Reviews and Exclusions sheets and the
actions of one rule. Engineers append helpers here; nothing is removed or renamed."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.upn import make_upn
from tests.factories import SCHOOL_TOML, provider, write_school
from tests.figure_factories import summary_for
from tests.memory_school import MemorySchool, memory_school


# --- exclusions (contract §3 Exclusions sheet, §10 sixth-day and work-set) ------------------------

def pupil_upn(serial: int) -> str:
    """A valid UPN for a pupil of the exclusion tests, different from the placement factory's default."""
    return make_upn(f"80120000{serial:04d}")


def suspension(upn: str, first_day: dt.date, school_days: int | None, work_set: str | None = "Y") -> dict:
    """An Exclusions row for a suspension (Work set None leaves the cell blank)."""
    return {"UPN": upn, "Type": "Suspension", "First day": first_day, "School days": school_days, "Work set": work_set}


def permanent_exclusion(upn: str, first_day: dt.date, work_set: str | None = "Y") -> dict:
    """An Exclusions row for a permanent exclusion (School days blank, as the contract says)."""
    return {"UPN": upn, "Type": "Permanent exclusion", "First day": first_day, "School days": None,
            "Work set": work_set}


def exclusion_school(folder: Path | None, exclusions: list[dict], placements: list[dict] | None = None,
                     toml: str = SCHOOL_TOML) -> Path | MemorySchool:
    """A school folder with the given Exclusions rows (held in memory when `folder` is None); by default one
    unrelated placement (the factory's UPN) so the Placements sheet is not empty."""
    from tests.factories import placement
    placements = [placement()] if placements is None else placements
    providers = [provider(p) for p in sorted({row["Provider ID"] for row in placements})] or [provider()]
    if folder is None:
        return memory_school(placements, providers, exclusions=exclusions, toml=toml)
    return write_school(folder, placements, providers, exclusions=exclusions, toml=toml)


def rule_actions(folder: Path | MemorySchool, rule: str, week: dt.date, as_of: dt.date | None = None) -> list[dict]:
    """The actions of one rule in the weekly run's summary.json, in their sorted order (a MemorySchool is
    read in memory)."""
    return [a for a in summary_for(folder, week, as_of)["actions"] if a["rule"] == rule]


# --- reviews and providers (contract §3 Reviews sheet, §4, §10 review and provider rules) ---------

def review_event(placement_id: str, date: dt.date, type_: str, outcome: str | None = None) -> dict:
    """A Reviews row (Outcome None leaves the cell blank)."""
    return {"Placement ID": placement_id, "Date": date, "Type": type_, "Outcome": outcome}


def toml_with_rules(**settings) -> str:
    """The factory school.toml with a [rules] table appended: toml_with_rules(review_cadence="half-term")."""
    lines = [f'{k} = "{v}"' if isinstance(v, str) else f"{k} = {v}" for k, v in settings.items()]
    return SCHOOL_TOML + "\n[rules]\n" + "\n".join(lines) + "\n"


def actions_as_of(folder: Path | MemorySchool, rule: str, as_of: dt.date) -> list[dict]:
    """rule_actions for the reporting week that contains as-of (its Monday)."""
    return rule_actions(folder, rule, as_of - dt.timedelta(days=as_of.weekday()), as_of)


def key_due_status(actions: list[dict]) -> list[tuple]:
    """(placement_id or provider_id, due, status) of each action: the part most rule tests compare."""
    return [(a["placement_id"] or a["provider_id"], a["due"], a["status"]) for a in actions]
