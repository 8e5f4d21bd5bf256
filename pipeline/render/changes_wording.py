"""'Changes since last week' as both weekly reports show it (contract §15): one sentence, then one row per
change, each by pupil or provider. For the attendance lead's own reports only: the rows carry pupils' names."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..changes import NO_EARLIER_REPORT, Changes
from ..labels import long_date, percent_text
from ..model import Facts
from .wording import action_subject, plural

NEW, GONE, BELOW, RECOVERED, LATE = ("New action", "No longer listed", "Fell below target", "Back on target",
                                     "Late return arrived")


@dataclass(frozen=True)
class ChangeRow:
    kind: str                    # one of NEW, GONE, BELOW, RECOVERED, LATE
    subject: str                 # the pupil or provider, by name when known
    text: str                    # what changed, in a sentence
    ref: str                     # the placement, provider or UPN it is about
    rule: str = ""               # the action's rule (actions only)
    due: dt.date | None = None   # the action's due date (actions only)


def changes_sentence(result: Facts) -> str:
    """The one line that opens the section: what the report is compared with and how much changed."""
    c: Changes | None = result.changes
    if c is None or c.previous_week is None:
        return NO_EARLIER_REPORT
    since = f"the report for the week commencing {long_date(c.previous_week, weekday=True)}"
    if not c.any:
        return (f"Nothing changed since {since}: no new actions, none done or expired, no pupil crossed the "
                "attendance target and no late return arrived.")
    return (f"Since {since}: {plural(len(c.new_actions), 'new action')}, {len(c.gone_actions)} no longer listed "
            f"(done or expired), {plural(len(c.fell_below), 'pupil')} fell below target, "
            f"{len(c.recovered)} back on target, {plural(len(c.late_returns), 'late return')} arrived.")


def change_rows(result: Facts) -> list[ChangeRow]:
    """Every change, grouped: new actions, actions no longer listed, pupils below target, recovered, late returns."""
    c: Changes | None = result.changes
    if c is None or c.previous_week is None:
        return []
    target = result.settings.target_percent
    rows = []
    for kind, actions in ((NEW, c.new_actions), (GONE, c.gone_actions)):
        for a in actions:
            when = f" (due {a.due:%d/%m/%Y})" if a.due else ""
            owner = f" [{a.owner}]" if a.owner else ""
            text = (a.message + when + owner) if kind == NEW else f"Listed last week{owner}{when}: {a.message}"
            rows.append(ChangeRow(kind, action_subject(result, a), text, a.key, a.rule, a.due))
    for kind, pupils in ((BELOW, c.fell_below), (RECOVERED, c.recovered)):
        for p in pupils:
            where = "below" if kind == BELOW else "at or above"
            rows.append(ChangeRow(kind, result.pupil_names.get(p.placement_id) or p.placement_id,
                                  f"Year to date {percent_text(p.now)} (last report {percent_text(p.before)}): "
                                  f"{where} the {target:g}% target.", p.placement_id))
    for m in c.late_returns:
        rows.append(ChangeRow(LATE, result.provider_names.get(m.provider_id) or m.provider_id,
                              f"The return for the week commencing {m.week_commencing:%d/%m/%Y}, missing in the "
                              "last report, has been accepted.", m.provider_id))
    return rows
