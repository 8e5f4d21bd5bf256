"""Placements, outcomes (policy §16) and incidents (§13.4, §14.5) for the governor pack."""
from __future__ import annotations

from dataclasses import replace

from .. import schema
from ..labels import provider_name
from ..records import Incident, Placement
from .context import TermContext
from .disclosure import Ledger
from .figures_base import (TOTAL, active_in_term, count_row, done_by, ended_in_term, is_yes, provider_ids,
                           pupil_count, record_grid, started_in_term)
from .model import Section, Table

GROUP_COLUMNS = ["Active in the term", "Started in the term", "Ended in the term"]
GROUP_KEYS = ["active", "started", "ended"]
NEEDS = (("SEND", "send"), ("EHC plan", "ehc_plan"), ("Looked after", "looked_after"))
OUTCOME_DUTIES = (("Reintegration plan agreed", "reintegration_plan_agreed"),
                  ("Final report received", "final_report_received"), ("Pupil views recorded", "pupil_views_recorded"))
NOT_RECORDED = "Not recorded"
PLACEMENTS = "placements"                # the key of the placements' totals, shared by every table that shows one


# --- placements --------------------------------------------------------------------------------

def placement_groups(tc: TermContext) -> tuple[list, list, list]:
    """(active during the term, started in it, ended in it)."""
    return active_in_term(tc), started_in_term(tc), ended_in_term(tc)


def placements_section(tc: TermContext) -> Section:
    """True numbers; Section.facts records the counts (disclosure.py) for build_pack to protect."""
    facts = Ledger()
    groups = placement_groups(tc)
    active = groups[0]
    overview = Table("Placements this term", ["Measure", "Number"], [
        ["Pupils in alternative provision", pupil_count(active)],
        ["Placements active during the term", len(active)],
        ["Placements started in the term", len(groups[1])],
        ["Placements ended in the term", len(groups[2])],
        ["Providers used", len(provider_ids(active))],
    ], note="A placement is active when it has started, has not ended and the parents have not refused it.")
    facts.table_counts(overview, {(0, 1): "pupils.active", (1, 1): "placements.active",
                                  (2, 1): "placements.started", (3, 1): "placements.ended"})
    return Section("placements", "Placements", _placements_intro(tc), [
        overview,
        _breakdown(facts, "Placements by reason", ["Reason"], groups, schema.REASONS, "reason"),
        _by_provider(tc, facts, groups),
        _breakdown(facts, "Placements by who arranged them", ["Arranged by"], groups, schema.ARRANGED_BY,
                   "arranged_by"),
        _by_need(facts, groups),
    ], facts=facts)


def _placements_intro(tc: TermContext) -> str:
    return (f"Placements in {tc.term.name} from {tc.start:%d/%m/%Y} to {tc.end:%d/%m/%Y}, by Placement ID only; "
            "a placement the parents refused never counts.")


def _breakdown(facts, title, label_columns, groups, labels, key) -> Table:
    rows = [count_row([lab], groups, lambda p, v=lab: getattr(p, key) == v) for lab in labels]
    rows.append(count_row([TOTAL], groups))
    table = Table(title, label_columns + GROUP_COLUMNS, rows)
    record_grid(facts, table, [f"{key}.{lab}" for lab in labels] + [PLACEMENTS], GROUP_KEYS, 1, total_row=True)
    return table


def _by_provider(tc: TermContext, facts, groups) -> Table:
    ids = provider_ids([p for g in groups for p in g])
    rows = [count_row([pid, provider_name(tc.registers.providers, pid)], groups, lambda p, v=pid: p.provider_id == v)
            for pid in ids]
    rows.append(count_row([TOTAL, ""], groups))
    table = Table("Placements by provider", ["Provider ID", "Provider"] + GROUP_COLUMNS, rows)
    record_grid(facts, table, [f"provider.{pid}" for pid in ids] + [PLACEMENTS], GROUP_KEYS, 2, total_row=True)
    return table


def _by_need(facts, groups) -> Table:
    rows = [count_row([label], groups, lambda p, k=key: is_yes(getattr(p, k))) for label, key in NEEDS]
    table = Table("Placements of pupils with SEND, an EHC plan or looked after", ["Group"] + GROUP_COLUMNS, rows,
                  note="A pupil can be in more than one group, so these rows do not add up to a total.")
    record_grid(facts, table, [f"need.{key}" for _, key in NEEDS], GROUP_KEYS, 1)
    return table


# --- outcomes (§16) ----------------------------------------------------------------------------

def destination_of(p: Placement) -> str:
    """The placement's Destination type from the list, else 'Not recorded' (the free-text Destination is the
    school's own note and never reaches the pack)."""
    value = " ".join(str(p.destination_type or "").split())
    return next((d for d in schema.DESTINATION_TYPES if d.casefold() == value.casefold()), NOT_RECORDED)


def outcome_figures(tc: TermContext) -> dict:
    """{'ended': [...], 'reintegrated': [...], 'destinations': {type: count}} for placements ended in the term;
    every type of the list and 'Not recorded', in that order."""
    ended = ended_in_term(tc)
    destinations = {d: 0 for d in (*schema.DESTINATION_TYPES, NOT_RECORDED)}
    for p in ended:
        destinations[destination_of(p)] += 1
    return {"ended": ended, "reintegrated": [p for p in ended if done_by(p, "reintegration_plan_agreed", tc.end)],
            "destinations": destinations}


def outcomes_section(tc: TermContext) -> Section:
    facts = Ledger()
    fig = outcome_figures(tc)
    ended = fig["ended"]
    rows = [["Placements ended in the term", len(ended)]]
    rows += [[label, sum(done_by(p, key, tc.end) for p in ended)] for label, key in OUTCOME_DUTIES]
    outcomes = Table("Ended placements", ["Measure", "Placements"], rows,
                     note=f"Placements whose Actual end date is in the term; a step counts when it is dated on or "
                          f"before {tc.end:%d/%m/%Y}.")
    facts.table_counts(outcomes, {(0, 1): "placements.ended",
                                  **{(i, 1): f"outcome.{key}" for i, (_, key) in enumerate(OUTCOME_DUTIES, 1)}})
    order = list(fig["destinations"])
    dest = Table("Destinations of ended placements", ["Destination type", "Placements"],
                 [[d, fig["destinations"][d]] for d in order] + [[TOTAL, len(ended)]],
                 note="Counted by the Destination type column of placements.xlsx; 'Not recorded': no type chosen.")
    record_grid(facts, dest, [f"destination.{d}" for d in order] + [PLACEMENTS], ["ended"], 1, total_row=True)
    return Section("outcomes", "Outcomes", "Ended placements, reintegration and destinations (policy §16).",
                   [outcomes, dest], facts=facts)


# --- incidents ---------------------------------------------------------------------------------

def term_incidents(tc: TermContext) -> list[Incident]:
    """Incidents from the accepted returns dated within the term up to `end`; the same incident reported in
    two returns (same date, placement, category and summary) counts once. A category not in the list
    counts as 'Other'."""
    seen, out = set(), []
    for ret in tc.returns:
        for inc in ret.incidents:
            day = inc.date
            if day is None or not tc.start <= day <= tc.end:
                continue
            category = inc.category if inc.category in schema.INCIDENT_CATEGORIES else "Other"
            key = (day, inc.placement_id, category, " ".join(str(inc.summary or "").split()).casefold())
            if key not in seen:
                seen.add(key)
                out.append(replace(inc, category=category))
    return out


def incidents_section(tc: TermContext) -> Section:
    facts = Ledger()
    incidents = term_incidents(tc)
    cats = list(schema.INCIDENT_CATEGORIES)
    by_cat = Table("Incidents by category", ["Category", "Incidents"],
                   [count_row([c], [incidents], lambda i, v=c: i.category == v) for c in cats]
                   + [count_row([TOTAL], [incidents])])
    record_grid(facts, by_cat, [f"incidents.category.{c}" for c in cats] + ["incidents"], ["all"], 1, total_row=True)
    ids = provider_ids(incidents)
    rows = []
    for pid in ids:
        mine = [i for i in incidents if i.provider_id == pid]
        rows.append([pid, provider_name(tc.registers.providers, pid),
                     *(sum(i.category == c for i in mine) for c in cats), len(mine)])
    by_provider = Table("Incidents by provider", ["Provider ID", "Provider"] + cats + [TOTAL], rows,
                        note="" if rows else "No incidents were reported in the term.")
    # each provider's row adds up to its total; each category's column to the category's line above
    record_grid(facts, by_provider, [f"incidents.provider.{pid}" for pid in ids], cats + ["all"], 2)
    for pid in ids:
        facts.line([f"incidents.provider.{pid}.{c}" for c in cats], f"incidents.provider.{pid}.all")
    if ids:
        for c in [*cats, "all"]:
            facts.line([f"incidents.provider.{pid}.{c}" for pid in ids],
                       f"incidents.category.{c}.all" if c != "all" else "incidents.all")
    return Section("incidents", "Incidents",
                   "Incidents the providers reported in their accepted weekly returns, dated in the term "
                   "(policy §13.4, §14.5).", [by_cat, by_provider], facts=facts)
