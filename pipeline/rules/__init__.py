"""The rule catalogue (contract §10): each rule is a small unit with its id, policy §, owner and one function.

Each rule declares everything about itself in its @rule: its kind (a deadline or an alert), its key,
the settings it reads, a short description for the governor pack, and, for a deadline rule, the
obligations it tracks (pipeline.rules.obligations) and the milestones it shows. From a deadline rule's
obligations the weekly actions, the governor pack's compliance counts and the Placements table are
derived; the function under its @rule only words the action. An alert rule's function yields its
Actions itself. `run_rules` runs the whole catalogue and sorts the result.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property, partial
from typing import Callable, Iterable

from ..calendar import SchoolCalendar
from ..columns import Columns
from ..model import Action
from ..read.registers import Registers
from ..records import Placement, ReviewEvent
from ..sessions import is_active
from ..settings import HEAD_SETTINGS, SETTINGS, Settings
from .obligations import ALERT, DEADLINE, KINDS, Milestone, Obligation, Span, open_actions


@dataclass
class RuleContext:
    settings: Settings
    calendar: SchoolCalendar
    week: dt.date
    as_of: dt.date
    registers: Registers
    sessions: Columns
    pupils: list = field(default_factory=list)
    missing_returns: list = field(default_factory=list)
    returns: list = field(default_factory=list)
    register_marks: list = field(default_factory=list)   # read.register_export.RegisterMark: the school's MIS export

    @property
    def window_end(self) -> dt.date:
        """The last day an upcoming deadline is listed as 'due' (the window's 10th school day after as-of)."""
        end = self.calendar.add_school_days(self.as_of, self.settings.due_window)
        return end or self.as_of + dt.timedelta(days=7 * 2)

    def status(self, due: dt.date) -> str | None:
        """'overdue', 'due' or None (not listed) for a duty not yet done."""
        if due < self.as_of:
            return "overdue"
        if due <= self.window_end:
            return "due"
        return None

    def done(self, day: dt.date | None) -> bool:
        """A date in the registers counts as done only if it is on or before as-of."""
        return day is not None and day <= self.as_of

    def provider_label(self, provider_id: str) -> str:
        """'Riverside Learning Centre (PRV1)': the provider as people know it."""
        provider = self.registers.providers.get(provider_id)
        name = provider.name if provider is not None else None
        return f"{name} ({provider_id})" if name and name != provider_id else provider_id

    @cached_property
    def review_index(self) -> dict[tuple[str, str], list[ReviewEvent]]:
        """(placement id, event type) -> its events dated on or before as-of, oldest first (then row order)."""
        index: dict[tuple[str, str], list[ReviewEvent]] = {}
        for r in self.registers.reviews:
            if self.done(r.date):
                index.setdefault((r.placement_id, r.type), []).append(r)
        for found in index.values():
            found.sort(key=lambda r: (r.date, r.source.row))
        return index

    @cached_property
    def reconciliation(self) -> tuple[list, int]:
        """The school's register export against the returns, worked out once: (mismatches, sessions compared)."""
        from .register_rules import reconcile
        return reconcile(self)

    @cached_property
    def live_placements(self) -> tuple[Placement, ...]:
        """Placements whose parents have not refused (a refused placement never runs and has no actions)."""
        return tuple(p for p in self.registers.placements if not p.parents_refused)

    @cached_property
    def live_by_upn(self) -> dict[str, list[Placement]]:
        """A UPN in capitals ('' for none) -> its live placements, in register order."""
        index: dict[str, list[Placement]] = {}
        for p in self.live_placements:
            index.setdefault((p.upn or "").upper(), []).append(p)
        return index


def starting_or_active(ctx: RuleContext) -> list[Placement]:
    """Placements active on as-of or starting within the due window (the start rules' scope)."""
    return [p for p in ctx.live_placements
            if is_active(p, ctx.as_of) or ctx.as_of < p.start_date <= ctx.window_end]


Obligations = Callable[[RuleContext, Span], Iterable[Obligation]]
# how the governor pack counts an alert rule's alerts in a term: a function of the term's context and span
AlertCount = Callable[[RuleContext, Span], int]
AT_END = "at end"             # pack_alerts: the rule's own alerts at the pack's end date (a snapshot)
WINDOW = "rules.due_window_school_days"      # every deadline rule lists its duties this far ahead
KNOWN_SETTINGS = frozenset(f"{s.table}.{s.key}" for s in SETTINGS + HEAD_SETTINGS)


@dataclass(frozen=True)
class Rule:
    """A rule of the catalogue and what it declares about itself.

    `check` gives the week's Actions. `obligations` (deadline rules, and an alert rule the pack counts like
    one) enumerates its dated duties; `pack_alerts` counts an alert rule's alerts over a term (AT_END: as at
    the pack's end date); with neither, the pack does not measure the rule. `pack_note` is the pack's note
    on its row ({end}: the end date); `what` heads the row; `milestones` are its Placements table columns."""
    id: str
    section: str
    owner: str
    key: str            # 'placement', 'provider' or 'upn'
    summary: str
    check: Callable[[RuleContext], Iterable[Action]]
    kind: str = ALERT
    settings: tuple[str, ...] = ()      # the school.toml settings it reads, as "table.key"
    what: str = ""
    obligations: Obligations | None = None
    pack_alerts: AlertCount | str | None = None
    pack_note: str | None = None
    milestones: tuple[Milestone, ...] = ()
    counts_school_days: bool = False    # its dates or figures depend on which days are school days (the calendar)

    def alerts_in(self, ctx: RuleContext, span: Span) -> int:
        """How many alerts the pack counts for the term (span), with ctx at its end date."""
        if self.pack_alerts == AT_END:
            return sum(1 for _ in self.check(ctx))
        return self.pack_alerts(ctx, span)


CATALOGUE: dict[str, Rule] = {}


def rule(id: str, section: str, owner: str, key: str, summary: str, *, kind: str, what: str,
         settings: tuple[str, ...] = (), obligations: Obligations | None = None,
         pack_alerts: AlertCount | str | None = None, pack_note: str | None = None,
         milestones: tuple[Milestone, ...] = (), counts_school_days: bool | None = None):
    """Register a rule. For a deadline rule the function words the action of one open obligation,
    `fn(ctx, obligation, status) -> Action`, and the rule's check lists them (obligations.open_actions);
    for an alert rule it is the check itself, `fn(ctx) -> Actions`. A deadline rule counts school days (its
    due window does); an alert rule says so with `counts_school_days=True`."""
    if kind not in KINDS:
        raise ValueError(f"{id}: kind must be one of {KINDS}, not {kind!r}")
    if kind == DEADLINE and obligations is None:
        raise ValueError(f"{id}: a deadline rule declares its obligations")
    unknown = set(settings) - KNOWN_SETTINGS
    if unknown:
        raise ValueError(f"{id}: unknown settings {sorted(unknown)}")

    def register(fn):
        check = partial(open_actions, obligations=obligations, notice=fn) if kind == DEADLINE else fn
        CATALOGUE[id] = Rule(id, section, owner, key, summary, check, kind, tuple(settings), what, obligations,
                             pack_alerts, pack_note, tuple(replace(m, rule=id) for m in milestones),
                             kind == DEADLINE if counts_school_days is None else counts_school_days)
        return fn
    return register


def action(r: str, status: str, due: dt.date | None, message: str, owner: str | None = None, **key) -> Action:
    spec = CATALOGUE[r]
    return Action(rule=r, section=spec.section, owner=owner or spec.owner, status=status, due=due,
                  message=message, **key)


def rule_for_column(column: str) -> Rule:
    """The rule whose duty is done by a date in this placements.xlsx column (its milestone's column): how the
    letters and the governor pack find the parents'-letter rule without naming it."""
    found = [r for r in CATALOGUE.values() if any(m.column == column for m in r.milestones)]
    if len(found) != 1:
        raise LookupError(f"{len(found)} rules track the column {column!r}")
    return found[0]


def run_rules(ctx: RuleContext) -> list[Action]:
    actions = [a for r in CATALOGUE.values() for a in r.check(ctx)]
    return sorted(actions, key=Action.sort_key)


# each module registers its rules, in the order they are documented
from . import start_rules, review_rules, provider_rules, exclusion_rules, placement_rules, attendance_rules  # noqa: E402,F401
from . import register_rules  # noqa: E402,F401
