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


@dataclass
class WeeklyResult:
    """Everything the renderers need. `summary` is exactly what summary.json holds (contract §9);
    the name maps and the placement and provider tables are for the attendance lead's own reports
    only, never for summary.json."""
    settings: Settings
    week: dt.date                 # Monday of the reporting week
    as_of: dt.date
    summary: dict
    pupil_names: dict[str, str] = field(default_factory=dict)      # placement_id -> "Forename Surname"
    provider_names: dict[str, str] = field(default_factory=dict)   # provider_id -> provider name
    placements: list[dict] = field(default_factory=list)   # milestones.placement_milestones: one row per placement
    providers: list[dict] = field(default_factory=list)    # milestones.provider_checks_table: one row per provider
    returns_to_send: list = field(default_factory=list)    # provider_week.PlannedReturn: next school week's returns
    reconciliation: list[dict] = field(default_factory=list)  # rules.register_rules.report_rows: school register vs returns
    register_files: list[str] = field(default_factory=list)   # the register/*.csv read; empty: no reconciliation done
    register_compared: int = 0                                 # reporting-week sessions the school's export had a mark for
    letters: list = field(default_factory=list)            # letters.Letter: letters to parents to print (policy §12)
    register_import: list = field(default_factory=list)    # register_import.register_rows: rows of register_import.csv
    register_held: list = field(default_factory=list)      # register_import.held_rows: rows of register_import_held.csv

    @property
    def error_count(self) -> int:
        return sum(1 for f in self.summary["findings"] if f["severity"] == "error")
