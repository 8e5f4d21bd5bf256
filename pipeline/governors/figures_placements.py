"""Placements, outcomes (policy §16) and incidents (§13.4, §14.5) for the governor pack."""
from __future__ import annotations

from .. import schema
from .context import TermContext
from .figures_base import (TOTAL, active_in_term, count_row, done_by, ended_in_term, is_yes, provider_ids,
                           provider_name, pupil_count, started_in_term)
from .model import Section, Table

GROUP_COLUMNS = ["Active in the term", "Started in the term", "Ended in the term"]
NEEDS = (("SEND", "send"), ("EHC plan", "ehc_plan"), ("Looked after", "looked_after"))
OUTCOME_DUTIES = (("Reintegration plan agreed", "reintegration_plan_agreed"),
                  ("Final report received", "final_report_received"), ("Pupil views recorded", "pupil_views_recorded"))
NOT_RECORDED = "Not recorded"


# --- placements --------------------------------------------------------------------------------

def placement_groups(tc: TermContext) -> tuple[list, list, list]:
    """(active during the term, started in it, ended in it)."""
    return active_in_term(tc), started_in_term(tc), ended_in_term(tc)


def placements_section(tc: TermContext) -> Section:
    groups = placement_groups(tc)
    active = groups[0]
    overview = Table("Placements this term", ["Measure", "Number"], [
        ["Pupils in alternative provision", tc.suppress(pupil_count(active))],
        ["Placements active during the term", tc.suppress(len(active))],
        ["Placements started in the term", tc.suppress(len(groups[1]))],
        ["Placements ended in the term", tc.suppress(len(groups[2]))],
        ["Providers used", len(provider_ids(active))],
    ], note="A placement is active when it has started, has not ended and the parents have not refused it.")
    return Section("placements", "Placements", _placements_intro(tc), [
        overview,
        _breakdown(tc, "Placements by reason", ["Reason"], groups, [(r,) for r in schema.REASONS], "reason"),
        _by_provider(tc, groups),
        _breakdown(tc, "Placements by who arranged them", ["Arranged by"], groups,
                   [(a,) for a in schema.ARRANGED_BY], "arranged_by"),
        _by_need(tc, groups),
    ])


def _placements_intro(tc: TermContext) -> str:
    return (f"Placements in {tc.term.name} from {tc.start:%d/%m/%Y} to {tc.end:%d/%m/%Y}, by Placement ID only; "
            "a placement the parents refused never counts.")


def _breakdown(tc, title, label_columns, groups, labels, key) -> Table:
    rows = [count_row(tc, list(lab), groups, lambda p, v=lab[0]: p.get(key) == v) for lab in labels]
    rows.append(count_row(tc, [TOTAL], groups))
    return Table(title, label_columns + GROUP_COLUMNS, rows)


def _by_provider(tc: TermContext, groups) -> Table:
    ids = provider_ids([p for g in groups for p in g])
    rows = [count_row(tc, [pid, provider_name(tc, pid)], groups, lambda p, v=pid: p["provider_id"] == v) for pid in ids]
    rows.append(count_row(tc, [TOTAL, ""], groups))
    return Table("Placements by provider", ["Provider ID", "Provider"] + GROUP_COLUMNS, rows)


def _by_need(tc: TermContext, groups) -> Table:
    rows = [count_row(tc, [label], groups, lambda p, k=key: is_yes(p.get(k))) for label, key in NEEDS]
    return Table("Placements of pupils with SEND, an EHC plan or looked after", ["Group"] + GROUP_COLUMNS, rows,
                 note="A pupil can be in more than one group, so these rows do not add up to a total.")


# --- outcomes (§16) ----------------------------------------------------------------------------

def outcome_figures(tc: TermContext) -> dict:
    """{'ended': [...], 'reintegrated': [...], 'destinations': {text: count}} for placements ended in the term."""
    ended = ended_in_term(tc)
    destinations: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for p in ended:
        text = " ".join(str(p.get("destination") or "").split()) or NOT_RECORDED
        label = spelling.setdefault(text.casefold(), text)
        destinations[label] = destinations.get(label, 0) + 1
    return {"ended": ended, "reintegrated": [p for p in ended if done_by(p, "reintegration_plan_agreed", tc.end)],
            "destinations": destinations}


def outcomes_section(tc: TermContext) -> Section:
    fig = outcome_figures(tc)
    ended = fig["ended"]
    rows = [["Placements ended in the term", tc.suppress(len(ended))]]
    rows += [[label, tc.suppress(sum(done_by(p, key, tc.end) for p in ended))] for label, key in OUTCOME_DUTIES]
    outcomes = Table("Ended placements", ["Measure", "Placements"], rows,
                     note=f"Placements whose Actual end date is in the term; a step counts when it is dated on or "
                          f"before {tc.end:%d/%m/%Y}.")
    order = sorted(fig["destinations"], key=lambda d: (d == NOT_RECORDED, d.casefold()))
    dest = Table("Destinations of ended placements", ["Destination", "Placements"],
                 [[d, tc.suppress(fig["destinations"][d])] for d in order],
                 note="" if order else "No placement ended in the term.")
    return Section("outcomes", "Outcomes", "Ended placements, reintegration and destinations (policy §16).",
                   [outcomes, dest])


# --- incidents ---------------------------------------------------------------------------------

def term_incidents(tc: TermContext) -> list[dict]:
    """Incidents from the accepted returns dated within the term up to `end`; the same incident reported in
    two returns (same date, placement, category and summary) counts once."""
    seen, out = set(), []
    for ret in tc.returns:
        for inc in ret.incidents:
            day = inc.get("date")
            if day is None or not tc.start <= day <= tc.end:
                continue
            category = inc.get("category") if inc.get("category") in schema.INCIDENT_CATEGORIES else "Other"
            key = (day, inc["placement_id"], category, " ".join(str(inc.get("summary") or "").split()).casefold())
            if key not in seen:
                seen.add(key)
                out.append({"date": day, "placement_id": inc["placement_id"], "provider_id": inc["provider_id"],
                            "category": category})
    return out


def incidents_section(tc: TermContext) -> Section:
    incidents = term_incidents(tc)
    cats = list(schema.INCIDENT_CATEGORIES)
    by_cat = Table("Incidents by category", ["Category", "Incidents"],
                   [count_row(tc, [c], [incidents], lambda i, v=c: i["category"] == v) for c in cats]
                   + [count_row(tc, [TOTAL], [incidents])])
    rows = []
    for pid in provider_ids(incidents):
        mine = [i for i in incidents if i["provider_id"] == pid]
        rows.append([pid, provider_name(tc, pid),
                     *(tc.suppress(sum(i["category"] == c for i in mine)) for c in cats), tc.suppress(len(mine))])
    by_provider = Table("Incidents by provider", ["Provider ID", "Provider"] + cats + [TOTAL], rows,
                        note="" if rows else "No incidents were reported in the term.")
    return Section("incidents", "Incidents",
                   "Incidents the providers reported in their accepted weekly returns, dated in the term "
                   "(policy §13.4, §14.5).", [by_cat, by_provider])
