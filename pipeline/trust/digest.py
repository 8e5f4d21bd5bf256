"""What the trust report may know of one school's run: counts, never a pupil (contract §16).

A SchoolDigest is made from the school's Facts in the process that ran it and is all that comes back to the
trust run: no name, UPN, date of birth, placement ID or text of an action's message is in it, so nothing
about a pupil can reach the trust's outputs by mistake. It is small and picklable (plain values in frozen
dataclasses), for the process pool.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from ..governors.figures_cost import booked_cost
from ..model import Facts
from ..rules.provider_rules import FullTime, full_time_by_provider
from ..schema import AP_LEAD_VISIT
from ..sessions import expected_sessions, is_active


@dataclass(frozen=True)
class ProviderUse:
    """One school's use of one provider: its pupils active on as-of, those full time, the cost so far this
    academic year, and the school's latest AP-lead visit to a placement there."""
    provider_id: str
    pupils: int                     # placements active on as-of
    full_time: FullTime             # of them, full time (and with an EHC plan or looked after)
    cost_year: Decimal              # booked sessions ÷ 2 × Cost per day, from the year's start to the figures date
    costed: int                     # placements behind cost_year (booked sessions this year and a Cost per day)
    cost_unknown: int               # placements with booked sessions this year and no Cost per day
    last_visit: dt.date | None      # the latest AP lead visit on or before as-of to any placement there


@dataclass(frozen=True)
class ProviderState:
    """What one school's provider register says of a provider it uses (milestones.provider_checks_table)."""
    provider_id: str
    name: str
    registered: str                 # as written ('' blank)
    status: str
    overall: str                    # 'red', 'amber' or 'green'
    overall_text: str               # 'Red: Approved expired 01/11/2026; Registered is N' (about the provider only)


@dataclass(frozen=True)
class ActionCount:
    rule: str
    overdue: int = 0
    due: int = 0
    alert: int = 0


@dataclass(frozen=True)
class SchoolDigest:
    """One school's weekly run, as counts (contract §16 'per school')."""
    folder: str                     # the school folder's name in trust.toml
    name: str                       # [school] name
    week: dt.date                   # Monday of its reporting week
    as_of: dt.date
    count_to: dt.date
    target_percent: float
    pupils: int                     # pupils in provision (placements with figures)
    below_target: int
    persistent_absence: int
    week_possible: int              # sessions this week, all pupils together
    week_attended: int
    year_possible: int              # sessions this academic year to the figures date
    year_attended: int
    actions: tuple[ActionCount, ...]
    missing_returns: int
    errors: int
    warnings: int
    budget: Decimal | None          # [budget] ap_budget
    providers: tuple[ProviderUse, ...]
    provider_states: tuple[ProviderState, ...]

    @property
    def cost_year(self) -> Decimal:
        return sum((u.cost_year for u in self.providers), Decimal(0))

    @property
    def costed(self) -> int:
        """Placements behind cost_year."""
        return sum(u.costed for u in self.providers)


def digest_of(facts: Facts, folder: str) -> SchoolDigest:
    """The digest of one school's Facts (called where the school was run)."""
    ctx = facts.rules
    placements = ctx.registers.placements
    by_rule: dict[str, Counter] = {}
    for a in facts.actions:
        by_rule.setdefault(a.rule, Counter())[a.status] += 1
    severity = Counter(f.severity for f in facts.findings)
    budget = facts.settings.get("budget", "ap_budget")
    return SchoolDigest(
        folder=folder, name=facts.settings.school_name, week=facts.week, as_of=facts.as_of, count_to=facts.count_to,
        target_percent=facts.settings.target_percent,
        pupils=len(facts.pupils),
        below_target=sum(1 for p in facts.pupils if p.below_target),
        persistent_absence=sum(1 for p in facts.pupils if p.persistent_absence),
        week_possible=sum(p.week.possible for p in facts.pupils),
        week_attended=sum(p.week.attended for p in facts.pupils),
        year_possible=sum(p.year_to_date.possible for p in facts.pupils),
        year_attended=sum(p.year_to_date.attended for p in facts.pupils),
        actions=tuple(ActionCount(rule, c["overdue"], c["due"], c["alert"]) for rule, c in sorted(by_rule.items())),
        missing_returns=len(facts.missing_returns),
        errors=severity["error"], warnings=severity["warning"],
        budget=None if budget is None else Decimal(str(budget)),
        providers=_uses(ctx, placements, facts),
        provider_states=tuple(ProviderState(r["provider_id"], r["name"], r["registered"], r["status"], r["overall"],
                                            r["overall_text"]) for r in facts.providers),
    )


def _uses(ctx, placements, facts: Facts) -> tuple[ProviderUse, ...]:
    full_time = full_time_by_provider(placements, facts.as_of)
    booked = Counter(pid for pid, _, _, _ in expected_sessions(placements, ctx.calendar, facts.year_start,
                                                                 facts.count_to))
    visits: dict[str, dt.date] = {}
    provider_of = {p.placement_id: p.provider_id for p in placements}
    for r in ctx.registers.reviews:
        provider_id = provider_of.get(r.placement_id)
        if r.type == AP_LEAD_VISIT and provider_id and ctx.done(r.date):
            visits[provider_id] = max(visits.get(provider_id, r.date), r.date)
    pupils, cost, costed, unknown = Counter(), {}, Counter(), Counter()
    for p in placements:
        if is_active(p, facts.as_of):
            pupils[p.provider_id] += 1
        if booked[p.placement_id]:
            if p.cost_per_day is None:
                unknown[p.provider_id] += 1
            else:
                costed[p.provider_id] += 1
                cost[p.provider_id] = cost.get(p.provider_id, Decimal(0)) + booked_cost(p, booked[p.placement_id])
    used = sorted(set(pupils) | set(cost) | set(unknown) | set(full_time))
    return tuple(ProviderUse(pid, pupils[pid], full_time.get(pid, FullTime()), cost.get(pid, Decimal(0)),
                             costed[pid], unknown[pid], visits.get(pid)) for pid in used)
