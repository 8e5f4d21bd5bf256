"""What provision cost (policy §7.3): booked sessions ÷ 2 × Cost per day, for the term and the year so far.

Booked sessions are every session expected from a placement's weekly pattern, whatever the register code
(the school pays for the place); an AM-only day is half a day. A placement without a Cost per day is never
counted as free: it goes on its own 'cost not recorded' line.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from ..labels import provider_name
from ..rounding import money, percent
from ..sessions import expected_sessions
from .context import TermContext
from .disclosure import Ledger
from .figures_base import TOTAL
from .model import MONEY, PERCENT, Section, Table

NO_BUDGET = "no budget set"
NOT_RECORDED = "Cost not recorded"


def booked_cost(placement, sessions: int) -> Decimal:
    """What `sessions` booked sessions of a placement cost: sessions ÷ 2 × its Cost per day (which it must have)."""
    return Decimal(str(placement.cost_per_day)) / 2 * sessions


def _booked(tc: TermContext, start) -> Counter:
    """placement_id -> booked sessions from `start` to `end`."""
    return Counter(pid for pid, _, _, _ in expected_sessions(tc.registers.placements, tc.calendar, start, tc.end))


def cost_figures(tc: TermContext) -> dict:
    """Per provider and in total, for 'term' and 'year': sessions and cost (Decimal) of costed placements;
    'unknown': placements with booked sessions and no Cost per day; 'budget': the year's budget or None."""
    term, year = _booked(tc, tc.start), _booked(tc, tc.year_start)
    providers: dict[str, dict] = {}
    unknown = {"placements": 0, "term_sessions": 0, "year_sessions": 0}
    for p in tc.registers.placements:
        pid = p.placement_id
        if not year[pid]:
            continue
        if p.cost_per_day is None:
            unknown["placements"] += 1
            unknown["term_sessions"] += term[pid]
            unknown["year_sessions"] += year[pid]
            continue
        f = providers.setdefault(p.provider_id, {"placements": 0, "term_sessions": 0, "term_cost": Decimal(0),
                                                    "year_sessions": 0, "year_cost": Decimal(0)})
        f["placements"] += 1
        f["term_sessions"] += term[pid]
        f["term_cost"] += booked_cost(p, term[pid])
        f["year_sessions"] += year[pid]
        f["year_cost"] += booked_cost(p, year[pid])
    total = {k: sum((f[k] for f in providers.values()), Decimal(0) if k.endswith("cost") else 0)
             for k in ("placements", "term_sessions", "term_cost", "year_sessions", "year_cost")}
    budget = tc.settings.get("budget", "ap_budget")
    return {"providers": dict(sorted(providers.items())), "total": total, "unknown": unknown,
            "budget": None if budget is None else Decimal(str(budget))}


def _row(labels: list, f: dict) -> list:
    return [*labels, f["placements"], f["term_sessions"], money(f["term_cost"]), f["year_sessions"],
            money(f["year_cost"])]


UNKNOWN_KEY = "cost.placements.unknown"


def cost_section(tc: TermContext) -> Section:
    """True numbers; the Placements column is recorded as counts (Section.facts) for build_pack to protect."""
    facts = Ledger()
    fig = cost_figures(tc)
    ids = list(fig["providers"])
    rows = [_row([pid, provider_name(tc.registers.providers, pid)], f) for pid, f in fig["providers"].items()]
    rows.append(_row([TOTAL, ""], fig["total"]))
    unknown = fig["unknown"]
    if unknown["placements"]:
        rows.append([NOT_RECORDED, "not in the total", unknown["placements"], unknown["term_sessions"],
                     None, unknown["year_sessions"], None])
    by_provider = Table("Cost by provider", ["Provider ID", "Provider", "Placements", "Sessions booked this term",
                                             "Cost this term (£)", "Sessions booked this year", "Cost this year (£)"],
                        rows, units={"Cost this term (£)": MONEY, "Cost this year (£)": MONEY}, note="Cost = booked sessions ÷ 2 × Cost per day; every expected session is booked "
                                   "whatever the register code. Placements with no Cost per day are on the "
                                   f"'{NOT_RECORDED}' line, not in the total. A provider with fewer "
                                   "placements than the pack's small-number limit has its figures suppressed.")
    keys = [f"cost.placements.{pid}" for pid in ids] + ["cost.placements.total"]
    facts.table_counts(by_provider, {(r, 2): k for r, k in enumerate(keys)})
    facts.line(keys[:-1], keys[-1])
    facts.count(UNKNOWN_KEY, unknown["placements"])
    # a provider's sessions and cost describe its few placements (sessions give their number away): a row of
    # fewer than suppress_below placements is suppressed whole, like attendance
    groups = [f"cost.provider.{pid}" for pid in ids] + ["cost.all"]
    for key, f in zip(groups, [*fig["providers"].values(), fig["total"]]):
        facts.group(key, f["placements"])
    facts.group_line(groups[:-1], groups[-1], known=True)    # the total is the AP budget table's spending
    by_provider.groups.update(dict(enumerate(groups)))
    if unknown["placements"]:
        facts.table_counts(by_provider, {(len(keys), 2): UNKNOWN_KEY})
        facts.group("cost.unknown", unknown["placements"])
        by_provider.groups[len(keys)] = "cost.unknown"
    intro = (f"The term from {tc.start:%d/%m/%Y} and the academic year from {tc.year_start:%d/%m/%Y}, both to "
             f"{tc.end:%d/%m/%Y}, against the AP budget (policy §7.3).")
    return Section("cost", "Cost", intro, [by_provider, _budget_table(fig)], facts=facts)


def budget_figures(fig: dict) -> dict:
    """spent, budget, remaining (Decimal or None) and percent used (float or None)."""
    spent, budget = fig["total"]["year_cost"], fig["budget"]
    return {"spent": spent, "budget": budget, "remaining": None if budget is None else budget - spent,
            "percent_used": None if budget is None else percent(spent, budget)}


def _budget_table(fig: dict) -> Table:
    b = budget_figures(fig)
    rows = [["Spent so far this academic year (£)", money(b["spent"])],
            ["AP budget for the year (£)", NO_BUDGET if b["budget"] is None else money(b["budget"])],
            ["Remaining (£)", None if b["remaining"] is None else money(b["remaining"])],
            ["Budget used (%)", b["percent_used"]]]
    note = "Set [budget] ap_budget in school.toml to compare spending with the budget." if b["budget"] is None else ""
    return Table("AP budget", ["Measure", "Value"], rows, note=note, row_units={0: MONEY, 1: MONEY, 2: MONEY, 3: PERCENT})
