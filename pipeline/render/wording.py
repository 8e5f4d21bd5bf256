"""Plain-English wording shared by every renderer: counts, plurals, the first thing to do."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import Action, Facts
from ..rules.register_rules import Mismatch, what_to_do


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def summary_counts(result: Facts) -> dict[str, int]:
    status = [a.status for a in result.actions]
    severity = [f.severity for f in result.findings]
    return {
        "pupils": len(result.pupils),
        "below_target": sum(1 for p in result.pupils if p.below_target),
        "persistent_absence": sum(1 for p in result.pupils if p.persistent_absence),
        "overdue": status.count("overdue"), "due": status.count("due"), "alert": status.count("alert"),
        "missing_returns": len(result.missing_returns),
        "errors": severity.count("error"), "warnings": severity.count("warning"),
    }


def first_step(result: Facts) -> str:
    """One plain-English sentence: what the attendance lead should do first."""
    c = summary_counts(result)
    risks = sum(1 for m in result.mismatches if m.safeguarding)
    if risks:
        return (f"First check the {plural(risks, 'session')} where the school's register has a pupil at "
                "provision but the provider does not (see Reconciliation): a safeguarding risk until "
                "someone knows where the pupil was.")
    if c["overdue"]:
        return (f"Start with the {plural(c['overdue'], 'overdue action')} in the Actions list: "
                "each is a duty whose deadline has passed.")
    if c["errors"]:
        return (f"Fix the {plural(c['errors'], 'error')} listed under Findings and run the report again: "
                "until then those sessions count as absent or are left out.")
    if c["missing_returns"]:
        return (f"Chase the {plural(c['missing_returns'], 'missing attendance return')}: "
                "without them those pupils' attendance is not known.")
    if c["due"]:
        return f"Plan the {plural(c['due'], 'action')} due soon in the Actions list."
    if c["alert"]:
        return f"Look at the {plural(c['alert'], 'alert')} in the Actions list: each needs a decision."
    return "Nothing needs doing this week: all returns are in and no actions are open."


# --- actions as the reports show them: grouped by the person who owns them --------------------

OWNER_ORDER = ("Headteacher", "AP lead", "DSL", "SENCO", "Attendance lead", "Assessment lead",
               "Governing board", "Local authority")
STATUS_ORDER = {"overdue": 0, "due": 1, "alert": 2}


def owner_rank(owner: str | None) -> tuple:
    """The fixed order of owners in the reports; an owner not in the list comes after, by name."""
    owner = owner or ""
    return (OWNER_ORDER.index(owner), "") if owner in OWNER_ORDER else (len(OWNER_ORDER), owner)


def days_overdue(action: Action, as_of: dt.date) -> int | None:
    """Calendar days from the due date to as-of, for an overdue action only."""
    if action.status != "overdue" or action.due is None:
        return None
    return (as_of - action.due).days


def action_subject(result: Facts, action: Action) -> str:
    """Who or what an action is about: the pupil for a placement, else the provider, else the UPN.

    For the attendance lead's own reports only: summary.json never carries names."""
    if action.placement_id:
        return result.pupil_names.get(action.placement_id) or action.placement_id
    if action.provider_id:
        return result.provider_names.get(action.provider_id) or action.provider_id
    if action.upn:
        return result.upn_names.get(action.upn) or action.upn
    return ""


def person_of(result: Facts, owner: str | None) -> str:
    """Who holds the owner's role, from [people]; '' when school.toml does not name one."""
    return " ".join(str(result.settings.people.get(owner or "") or "").split())


def owner_heading(result: Facts, owner: str | None, n: int) -> str:
    """'AP lead: Mr Tom Baines — 3 actions', or 'Local authority: 2 actions' when [people] does not name who
    holds the role."""
    person = person_of(result, owner)
    return f"{owner}: {person} — {plural(n, 'action')}" if person else f"{owner or ''}: {plural(n, 'action')}"


def actions_by_person(result: Facts) -> list[tuple[str, list[str], int]]:
    """(person, the roles of theirs that own actions, how many actions) for each person named in [people]
    who owns an action, in the owners' report order: so the Headteacher sees all of one person's actions."""
    people: dict[str, tuple[list[str], list[int]]] = {}
    for owner in sorted({a.owner for a in result.actions}, key=owner_rank):
        person = person_of(result, owner)
        if person:
            roles, count = people.setdefault(person, ([], [0]))
            roles.append(owner)
            count[0] += sum(1 for a in result.actions if a.owner == owner)
    return [(person, roles, count[0]) for person, (roles, count) in people.items()]


@dataclass(frozen=True)
class ReportAction:
    """An action as the reports list it: the action, how many days overdue, whom it is about, and who holds
    its owner's role ([people]; '' when not named)."""
    action: Action
    days_overdue: int | None
    subject: str
    person: str = ""

    def __getattr__(self, name):          # the action's own fields read through: a.status, a.due, a.message
        return getattr(self.action, name)


def report_actions(result: Facts) -> list[ReportAction]:
    """The actions in report order: by owner (OWNER_ORDER), then status, then due date; the facts' own
    order (summary.json's) is untouched."""
    rows = [ReportAction(a, days_overdue(a, result.as_of), action_subject(result, a), person_of(result, a.owner))
            for a in result.actions]
    return sorted(rows, key=lambda r: (owner_rank(r.owner), STATUS_ORDER.get(r.status, 9), r.due or dt.date.max))


# --- the reconciliation: the school's register export against the providers' returns ---------------

NO_REGISTER_EXPORT = "No register export in register/: reconciliation not done."
REGISTER_AGREES = "The school's register and the providers' returns agree."


def reconciliation_note(result: Facts) -> str:
    """What the reconciliation found when there is no disagreement to list, in plain English."""
    if not result.register_files:
        return NO_REGISTER_EXPORT
    if not result.register_compared:
        return (f"The register export ({', '.join(result.register_files)}) has no marks for the pupils in provision "
                "in this week's sessions: nothing to compare.")
    return f"{REGISTER_AGREES} {plural(result.register_compared, 'session')} compared."


def safeguarding_first(result: Facts) -> list[dict]:
    """The reports' reconciliation table: one row per session, safeguarding risks first, then by date, session
    and placement. For the attendance lead's own reports only (it carries the pupil's name)."""
    rows = []
    for m in sorted(result.mismatches, key=Mismatch.sort_key):
        provider = result.provider_names.get(m.provider_id) or m.provider_id
        rows.append({"risk": m.risk, "placement_id": m.placement_id, "pupil": result.pupil_names.get(m.placement_id, ""),
                     "provider_id": m.provider_id, "provider": provider, "date": m.date, "session": m.session,
                     "school_code": m.school_code, "provider_code": m.provider_code,
                     "what_to_do": what_to_do(m, provider), "school_file": m.school_file, "school_line": m.school_line})
    return rows
