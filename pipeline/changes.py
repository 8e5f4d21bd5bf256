"""What changed since the previous reporting week (contract §15), read from that week's summary.json.

The previous report is the latest earlier week with a school day that has `OUT/<Monday>/summary.json` (so the
week before half term is the previous week after it). That file is an input here: anything wrong with it
(unreadable, not JSON, not summary.json's shape) is one console note and "no earlier report", never a crash.

What identifies "the same action" from one week to the next is its rule, whom it is about (`Action.key`:
the placement, else the provider, else the UPN) and its due date. The message is not part of it: its wording
may change (a name corrected, a count of days) while the duty is the same one. Its status is not part of it
either: an action that was due and is now overdue is still the same action. A new due date is a new action:
a recurring duty done (a visit, a review) is listed as no longer listed, and its next occurrence as new.
Pupils are compared by placement and `below_target`; missing returns by provider and week commencing.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from .calendar import SchoolCalendar
from .model import MissingReturn
from .output import week_folder

NO_EARLIER_REPORT = ("There is no earlier report in this output folder to compare with, so nothing is listed "
                     "as changed this week.")
SUMMARY = "summary.json"


class _Damaged(ValueError):
    """The earlier summary.json does not have the shape this version writes."""


@dataclass(frozen=True)
class ActionChange:
    """An action new this week or no longer listed: what identifies it, and how it read when last listed."""
    rule: str
    key: str                      # placement id, else provider id, else UPN
    due: dt.date | None
    owner: str = ""
    section: str = ""
    status: str = ""
    message: str = ""
    placement_id: str | None = None
    provider_id: str | None = None
    upn: str | None = None

    @property
    def identity(self) -> tuple:
        return (self.rule, self.key, self.due)

    def sort_key(self) -> tuple:
        return (self.due or dt.date.max, self.rule, self.key)


@dataclass(frozen=True)
class PupilChange:
    """A pupil who fell below target or recovered: year-to-date percent last report and now."""
    placement_id: str
    before: float | None
    now: float | None


@dataclass(frozen=True)
class Changes:
    """Since the previous report. `previous_week` None: there is none (or it could not be read)."""
    previous_week: dt.date | None = None
    new_actions: tuple[ActionChange, ...] = ()
    gone_actions: tuple[ActionChange, ...] = ()
    fell_below: tuple[PupilChange, ...] = ()
    recovered: tuple[PupilChange, ...] = ()
    late_returns: tuple[MissingReturn, ...] = ()     # missing in the previous report, accepted now

    @property
    def any(self) -> bool:
        return bool(self.new_actions or self.gone_actions or self.fell_below or self.recovered or self.late_returns)


def action_identity(rule: str, placement_id, provider_id, upn, due) -> tuple:
    return (rule, placement_id or provider_id or upn or "", due)


def previous_report(out_dir: Path | None, calendar: SchoolCalendar, monday: dt.date,
                    school: str | None = None) -> Path | None:
    """OUT/<Monday>/summary.json (OUT/<Monday>/<school>/summary.json in a trust run) of the latest earlier week
    with a school day, or None."""
    if out_dir is None:
        return None
    try:
        names = [p.name for p in Path(out_dir).iterdir()]
    except OSError:
        return None
    weeks = []
    for name in names:
        try:
            week = dt.date.fromisoformat(name)
        except ValueError:
            continue
        if name == week.isoformat() and week.weekday() == 0 and week < monday and calendar.week_has_school_day(week) \
                and (week_folder(out_dir, week, school) / SUMMARY).is_file():
            weeks.append(week)
    return week_folder(out_dir, max(weeks), school) / SUMMARY if weeks else None


def compare(out_dir: Path | None, calendar: SchoolCalendar, monday: dt.date, actions, pupils, missing_returns,
            returned: set, note=None, school: str | None = None) -> Changes:
    """The changes from the previous report in `out_dir` to this run's actions, pupils and missing returns.
    `returned` holds the (provider id, Monday) pairs with an accepted return now; `note(line)` is told when the
    previous summary.json cannot be read; `school`: the school's folder name in a trust run."""
    path = previous_report(out_dir, calendar, monday, school)
    if path is None:
        return Changes()
    try:
        before = _read(path)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        if note is not None:
            note(f"The previous report {path} cannot be read ({why}), so the changes since last week are not shown. "
                 f"Run the week commencing {path.parent.name} again to rewrite it, or delete that file.")
        return Changes()
    week, old_actions, old_pupils, old_missing = before
    now = {action_identity(a.rule, a.placement_id, a.provider_id, a.upn, a.due): _change(a) for a in actions}
    new = sorted((now[k] for k in now.keys() - old_actions.keys()), key=ActionChange.sort_key)
    gone = sorted((old_actions[k] for k in old_actions.keys() - now.keys()), key=ActionChange.sort_key)
    fell, recovered = [], []
    for p in pupils:
        was_below, was_percent = old_pupils.get(p.placement_id, (False, None))
        if p.below_target and not was_below:
            fell.append(PupilChange(p.placement_id, was_percent, p.year_to_date.percent))
        elif was_below and not p.below_target and p.placement_id in old_pupils:
            recovered.append(PupilChange(p.placement_id, was_percent, p.year_to_date.percent))
    still = {(m.provider_id, m.week_commencing) for m in missing_returns}
    late = sorted((MissingReturn(*m) for m in old_missing if m not in still and m in returned),
                  key=lambda m: (m.provider_id, m.week_commencing))
    return Changes(week, tuple(new), tuple(gone), tuple(fell), tuple(recovered), tuple(late))


def _change(a) -> ActionChange:
    return ActionChange(a.rule, a.placement_id or a.provider_id or a.upn or "", a.due, a.owner, a.section, a.status,
                        a.message, a.placement_id, a.provider_id, a.upn)


# --- reading the earlier summary.json, trusting nothing in it ----------------------------------------------

def _read(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise _Damaged("it is not a summary.json")
    week = _date(data.get("week_commencing"), "week_commencing", required=True)
    actions = {}
    for a in _list(data, "actions"):
        ids = [_text(a, k) or None for k in ("placement_id", "provider_id", "upn")]
        change = ActionChange(_text(a, "rule", required=True), next((i for i in ids if i), ""),
                              _date(a.get("due"), "an action's due"), _text(a, "owner"), _text(a, "section"),
                              _text(a, "status"), _text(a, "message"), *ids)
        actions[change.identity] = change
    pupils = {}
    for p in _list(data, "pupils"):
        below = p.get("below_target")
        if not isinstance(below, bool):
            raise _Damaged("a pupil's below_target is not true or false")
        ytd = p.get("year_to_date")
        percent = ytd.get("percent") if isinstance(ytd, dict) else None
        if isinstance(percent, bool) or not isinstance(percent, (int, float)):
            percent = None
        pupils[_text(p, "placement_id", required=True)] = (below, float(percent) if percent is not None else None)
    missing = set()
    for m in _list(data, "missing_returns"):
        missing.add((_text(m, "provider_id", required=True),
                     _date(m.get("week_commencing"), "a missing return's week_commencing", required=True)))
    return week, actions, pupils, missing


def _list(data: dict, key: str) -> list[dict]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        raise _Damaged(f"its {key} is not a list of entries")
    return items


def _text(item: dict, key: str, required: bool = False) -> str:
    value = item.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise _Damaged(f"an entry's {key} is not text")
    return value


def _date(value, what: str, required: bool = False) -> dt.date | None:
    if value is None and not required:
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise _Damaged(f"{what} is not a date") from None
