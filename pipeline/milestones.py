"""Where each placement and each provider stands: the Placements and Providers tables of the weekly reports.

Built once in `compute_facts` from the registers and the week's actions, and carried on Facts
(`placements`, `providers`) for the attendance lead's own reports. They hold pupils' names, so they
never go into summary.json.

A placement milestone cell is one of:
- `done`: its date is on or before as-of ("done 07/09/2026"; a Destination shows its own text);
- `overdue` / `due`: an action of the matching rule is open for the placement ("OVERDUE (due 07/09/2026)");
- `refused`: the Parents agreed cell of a placement whose parents refused ("parents refused 01/09/2026");
- `n/a`: the duty does not apply (SEND details for a pupil without SEND or an EHC plan, a parents'
  letter for a placement the local authority arranged);
- blank: nothing recorded and nothing open yet.

The milestones, their columns and when they apply are declared by the rules (`Rule.milestones`, in
catalogue order); this module only lays them out.
"""
from __future__ import annotations

import datetime as dt
import functools

from .labels import provider_name
from .model import Action
from .rules import CATALOGUE, RuleContext, starting_or_active
from .rules.obligations import Milestone
from .rules.provider_rules import check_expiry
from .rules.review_rules import events
from .records import Placement
from .schema import ACTIVE, PROVIDER_CHECKS, PROVIDERS, YES

# A provider check whose expiry falls within this many calendar days after as-of is amber, "expires soon":
# about a month's notice to redo it before the provider-checks rule makes it overdue.
EXPIRES_SOON_DAYS = 30

DONE, OVERDUE, DUE, REFUSED, NOT_APPLICABLE, BLANK = "done", "overdue", "due", "refused", "n/a", ""
MISSING, EXPIRED, EXPIRES_SOON, CURRENT = "missing", "expired", "expires soon", "current"
RED, AMBER, GREEN = "red", "amber", "green"
CHECK_RAG = {MISSING: RED, EXPIRED: RED, EXPIRES_SOON: AMBER, CURRENT: GREEN}

MILESTONES: tuple[Milestone, ...] = tuple(m for rule in CATALOGUE.values() for m in rule.milestones)
MILESTONE_HEADERS = tuple(m.header for m in MILESTONES)


@functools.lru_cache(maxsize=4096)      # a register's few hundred distinct dates, each written many times
def _dmy(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def open_actions(actions: list[Action]) -> dict[tuple[str, str], Action]:
    """(rule, placement id) -> its most pressing open (overdue or due) action."""
    index: dict[tuple[str, str], Action] = {}
    for a in actions:
        if a.status in (OVERDUE, DUE) and a.due and a.placement_id:
            key = (a.rule, a.placement_id)
            if key not in index or Action.sort_key(a) < Action.sort_key(index[key]):
                index[key] = a
    return index


def _pending_text(action: Action) -> tuple[str, str]:
    if action.status == OVERDUE:
        return f"OVERDUE (due {_dmy(action.due)})", OVERDUE
    return f"due {_dmy(action.due)}", DUE


def _milestone(ctx: RuleContext, p: Placement, m: Milestone, pending_by: dict) -> tuple[str, str]:
    """(text, state) of the placement's cell for milestone m."""
    refused = p.parents_refused
    if m.refusal and refused:
        return f"parents refused {_dmy(refused)}", REFUSED
    if not m.applies(p):
        value = getattr(p, m.column) if m.column else None
        if m.shown_if_not_applicable and ctx.done(value):
            return f"done {_dmy(value)}", DONE        # e.g. a letter sent anyway
        return "n/a", NOT_APPLICABLE
    pending = None if refused else pending_by.get((m.rule, p.placement_id))
    if m.event:                                                    # a recurring duty: the latest, and what is open
        dated = events(ctx, p.placement_id, m.event)
        last = dated[-1].date if dated else None
        if pending:
            text, state = _pending_text(pending)
            return text + (f"; last {_dmy(last)}" if last else ""), state
        return (f"done {_dmy(last)}", DONE) if last else ("", BLANK)
    value = getattr(p, m.column) if m.column else None
    if m.text:
        text = str(value or "").strip()
        if text:
            return text, DONE
    elif ctx.done(value):
        return f"done {_dmy(value)}", DONE
    if pending:
        return _pending_text(pending)
    return "", BLANK


def _cell(cells: dict, milestone: Milestone, text: str, state: str) -> dict:
    """The one cell dict of this milestone, text and state (made the first time, shared after)."""
    key = (milestone.header, text, state)
    cell = cells.get(key)
    if cell is None:
        cell = cells[key] = {"milestone": milestone.header, "text": text, "state": state}
    return cell


def placement_milestones(ctx: RuleContext, actions: list[Action]) -> list[dict]:
    """One row per placement in the register (by Placement ID): its dates and each milestone's cell.
    Equal cells are one shared dict (read, never changed, by the renderers): a 100,000-row register has
    1.2 million cells but only a few thousand different ones."""
    pending_by = open_actions(actions)
    rows, cells = [], {}
    for p in sorted(ctx.registers.placements, key=lambda p: p.placement_id):
        provider_id = p.provider_id
        rows.append({
            "placement_id": p.placement_id,
            "pupil": p.name,
            "upn": p.upn,
            "provider_id": provider_id,
            "provider": provider_name(ctx.registers.providers, provider_id),
            "start_date": p.start_date,
            "planned_end_date": p.planned_end_date,
            "actual_end_date": p.actual_end_date,
            "parents_refused": p.parents_refused,
            "milestones": [_cell(cells, m, *_milestone(ctx, p, m, pending_by)) for m in MILESTONES],
        })
    return rows


def _check(ctx: RuleContext, header: str, checked: dt.date | None, months: int) -> dict:
    """One dated check: its date, its expiry (the last day it is current) and its status."""
    if not ctx.done(checked):          # blank, or dated after as-of: not a check that has been done
        state, expiry = MISSING, None
    else:
        expiry = check_expiry(checked, months)
        if expiry < ctx.as_of:
            state = EXPIRED
        elif expiry <= ctx.as_of + dt.timedelta(days=EXPIRES_SOON_DAYS):
            state = EXPIRES_SOON
        else:
            state = CURRENT
    return {"check": header, "date": checked, "expiry": expiry, "state": state, "rag": CHECK_RAG[state]}


def provider_checks_table(ctx: RuleContext) -> list[dict]:
    """One row per provider in the register (by Provider ID): Registered, Status, the five dated checks
    (policy §5.3, §7.6) each red (expired or missing), amber (expires soon) or green (current), and an overall
    red/amber/green with the reasons in words."""
    months = int(ctx.settings.get("rules", "provider_check_months"))
    in_use: dict[str, int] = {}
    for p in starting_or_active(ctx):
        in_use[p.provider_id] = in_use.get(p.provider_id, 0) + 1
    rows = []
    for provider_id, provider in sorted(ctx.registers.providers.items()):
        checks = [_check(ctx, h, getattr(provider, PROVIDERS.column(h).key), months) for h in PROVIDER_CHECKS]
        registered = provider.registered or ""
        status = provider.status or ""
        red = [f"{c['check']} expired {c['expiry']:%d/%m/%Y}" if c["state"] == EXPIRED else f"{c['check']} missing"
               for c in checks if c["rag"] == RED]
        if registered != YES:
            red.append(f"Registered is {registered or 'blank'}")
        if status != ACTIVE:
            red.append(f"Status is {status or 'blank'}")
        amber = [f"{c['check']} expires {c['expiry']:%d/%m/%Y}" for c in checks if c["rag"] == AMBER]
        if red:
            overall, words = RED, "Red: " + "; ".join(red + amber)
        elif amber:
            overall, words = AMBER, "Amber: " + "; ".join(amber)
        else:
            overall, words = GREEN, "Green: all checks current"
        rows.append({
            "provider_id": provider_id,
            "name": provider.name or provider_id,
            "registered": registered, "registered_ok": registered == YES,
            "status": status, "status_ok": status == ACTIVE,
            "placements": in_use.get(provider_id, 0),
            "checks": checks,
            "overall": overall, "overall_text": words,
        })
    return rows
