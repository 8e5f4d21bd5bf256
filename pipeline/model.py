"""What a weekly run produces, handed to every renderer."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .settings import Settings


@dataclass(frozen=True)
class Action:
    rule: str
    section: str
    owner: str
    status: str                   # 'overdue' | 'due' | 'alert'
    due: dt.date | None
    message: str
    placement_id: str | None = None
    provider_id: str | None = None
    upn: str | None = None

    STATUS_ORDER = {"overdue": 0, "due": 1, "alert": 2}

    @property
    def key(self) -> str:
        return self.placement_id or self.provider_id or self.upn or ""

    def sort_key(self):
        return (self.STATUS_ORDER[self.status], self.due or dt.date.max, self.rule, self.key,
                self.placement_id or "", self.provider_id or "", self.upn or "", self.message)

    def to_dict(self) -> dict:
        return {
            "rule": self.rule, "section": self.section, "placement_id": self.placement_id,
            "provider_id": self.provider_id, "upn": self.upn,
            "due": self.due.isoformat() if self.due else None, "status": self.status,
            "owner": self.owner, "message": self.message,
        }


@dataclass(frozen=True)
class Figures:
    """One block of attendance figures (contract §9): sessions by how they count, and the rounded percent."""
    possible: int = 0
    attended: int = 0
    authorised: int = 0
    unauthorised: int = 0
    not_reported: int = 0
    percent: float | None = None      # one decimal place, half up; None when nothing was possible


@dataclass(frozen=True)
class PupilFigures:
    """A placement's week and year-to-date figures and its flags (contract §9 `pupils`)."""
    placement_id: str
    provider_id: str
    week: Figures
    year_to_date: Figures
    below_target: bool
    persistent_absence: bool


@dataclass(frozen=True)
class MissingReturn:
    """A provider-week with expected sessions and no accepted return (contract §9 `missing_returns`)."""
    provider_id: str
    week_commencing: dt.date


@dataclass(frozen=True)
class Facts:
    """Everything one run knows about a school for a period: what every renderer reads (core.compute_facts).

    The findings are complete (letters' missing facts and addresses included) before any renderer starts.
    `summary` is the contract's summary.json, made by summary_json.summary_dict, the one place dates become text;
    the name maps and the placement and provider tables are for the attendance lead's own reports only."""
    settings: Settings
    week: dt.date                 # Monday of the reporting week
    as_of: dt.date
    count_to: dt.date             # the earlier of as-of and the week's Friday: figures count up to it
    year_start: dt.date           # the first day of the academic year's first term
    findings: tuple = ()          # findings.Finding, in report order (sorted, at most 1,000 a file)
    actions: tuple = ()           # model.Action, in the contract's order
    pupils: tuple = ()            # PupilFigures, by placement id
    missing_returns: tuple = ()   # MissingReturn, by provider then week
    pupil_names: dict[str, str] = field(default_factory=dict)      # placement_id -> "Forename Surname"
    provider_names: dict[str, str] = field(default_factory=dict)   # provider_id -> provider name
    placements: list[dict] = field(default_factory=list)   # milestones.placement_milestones: one row per placement
    providers: list[dict] = field(default_factory=list)    # milestones.provider_checks_table: one row per provider
    returns_to_send: list = field(default_factory=list)    # provider_week.PlannedReturn: next school week's returns
    mismatches: tuple = ()        # rules.register_rules.Mismatch: sessions the school's register and a return disagree on
    register_files: list[str] = field(default_factory=list)   # the register/*.csv read; empty: no reconciliation done
    register_compared: int = 0                                 # reporting-week sessions the school's export had a mark for
    letters: list = field(default_factory=list)            # letters.Letter: letters to parents to print (policy §12)
    register_import: list = field(default_factory=list)    # register_import.split_rows: rows of register_import.csv
    register_held: list = field(default_factory=list)      # register_import.split_rows: rows of register_import_held.csv
    upn_names: dict[str, str] = field(default_factory=dict)        # UPN -> "Forename Surname" of a placed pupil
    provider_contacts: dict[str, tuple] = field(default_factory=dict)  # provider_id -> (contact name, e-mail, phone), '' if blank
    provider_notes: dict[str, str] = field(default_factory=dict)   # placement_id -> the Notes of the reporting week's return
    rules: object = None          # rules.RuleContext the actions were worked out from (registers, sessions, returns)
    changes: object = None        # changes.Changes since the previous report in OUT (contract §15); None: not compared
    trend: object = None          # trend.Trend: each pupil's weekly percent over the last six school weeks (§15)

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def summary(self) -> dict:
        """summary.json's content (contract §9), as summary_json.summary_dict serializes these facts."""
        from .summary_json import summary_dict
        return summary_dict(self)
