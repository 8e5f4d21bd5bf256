"""Tiny factories for the trust report: a SchoolDigest, a ProviderUse, a ProviderState, and TrustFacts of them.

Every argument has a plain default, so a test says only what it is about (sqlite-utils' fresh_db() style).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from pipeline.rules.provider_rules import FullTime
from pipeline.trust.digest import ActionCount, ProviderState, ProviderUse, SchoolDigest
from pipeline.trust.model import SchoolResult, TrustFacts
from pipeline.trust.settings import TrustSettings

WEEK = dt.date(2026, 11, 23)
AS_OF = dt.date(2026, 11, 27)


def use(provider_id: str, pupils: int = 3, full_time: int = 0, priority: int = 0, cost: str = "0",
        cost_unknown: int = 0, last_visit: dt.date | None = None, costed: int | None = None) -> ProviderUse:
    """`costed`: the placements behind the cost (default: `pupils` when there is a cost, else none)."""
    costed = (pupils if Decimal(cost) else 0) if costed is None else costed
    return ProviderUse(provider_id, pupils, FullTime(full_time, priority), Decimal(cost), costed, cost_unknown,
                       last_visit)


def state(provider_id: str, name: str | None = None, registered: str = "N", overall: str = "green",
          status: str = "Active", text: str = "") -> ProviderState:
    return ProviderState(provider_id, name or f"Provider {provider_id}", registered, status, overall,
                         text or overall.capitalize())


def digest(folder: str, name: str | None = None, pupils: int = 10, target: float = 90.0,
           week: tuple[int, int] = (90, 100), year: tuple[int, int] = (900, 1000), below_target: int = 0,
           actions: dict | None = None, missing_returns: int = 0, errors: int = 0, budget: str | None = None,
           providers: tuple = (), states: tuple = ()) -> SchoolDigest:
    """`actions`: {rule: (overdue, due, alert)}; `week`, `year`: (attended, possible) sessions."""
    return SchoolDigest(
        folder=folder, name=name or folder.capitalize(), week=WEEK, as_of=AS_OF, count_to=AS_OF,
        target_percent=target, pupils=pupils, below_target=below_target, persistent_absence=0,
        week_possible=week[1], week_attended=week[0], year_possible=year[1], year_attended=year[0],
        actions=tuple(ActionCount(rule, *counts) for rule, counts in sorted((actions or {}).items())),
        missing_returns=missing_returns, errors=errors, warnings=0,
        budget=None if budget is None else Decimal(budget), providers=tuple(providers),
        provider_states=tuple(states) or tuple(state(u.provider_id) for u in providers))


def ran(d: SchoolDigest, exit_code: int | None = None) -> SchoolResult:
    return SchoolResult(d.folder, (1 if d.errors else 0) if exit_code is None else exit_code, digest=d)


def not_run(folder: str, reason: str) -> SchoolResult:
    return SchoolResult(folder, None, reason)


def trust(*schools: SchoolResult, suppress_below: int = 3, name: str = "Riverside Learning Trust",
          folder: Path = Path("trust")) -> TrustFacts:
    settings = TrustSettings(folder, name, tuple(s.folder for s in schools), suppress_below)
    return TrustFacts(settings, WEEK, tuple(schools))
