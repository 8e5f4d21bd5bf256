"""Small shared helpers for the governor pack's figures: which placements count, labels, grids of figures.

Nothing here returns a pupil's name, UPN or date of birth: placements are identified by Placement ID only.
"""
from __future__ import annotations

import datetime as dt

from ..records import Placement
from ..schema import YES
from .context import TermContext
from .disclosure import Ledger
from .model import Table

TOTAL = "Total"


def counted(tc: TermContext) -> list[Placement]:
    """Placements that can count at all: a refused placement never runs (contract §3)."""
    return [p for p in tc.registers.placements if not p.parents_refused]


def active_in_term(tc: TermContext) -> list[Placement]:
    """Placements active on at least one day from the term's start to `end`."""
    return [p for p in counted(tc)
            if p.start_date <= tc.end and (p.actual_end_date is None or p.actual_end_date >= tc.start)]


def started_in_term(tc: TermContext) -> list[Placement]:
    return [p for p in counted(tc) if tc.start <= p.start_date <= tc.end]


def ended_in_term(tc: TermContext) -> list[Placement]:
    return [p for p in counted(tc) if p.actual_end_date and tc.start <= p.actual_end_date <= tc.end]


def done_by(p: Placement, key: str, day: dt.date) -> bool:
    """A dated duty (the column `key`) counts as done only if its date is on or before `day`."""
    value = getattr(p, key)
    return value is not None and value <= day


def pupil_count(placements: list[Placement]) -> int:
    """Distinct pupils (by UPN, which is never shown; a blank UPN counts as its own pupil)."""
    return len({(p.upn or "").strip().upper() or f"placement:{p.placement_id}" for p in placements})


def provider_ids(records: list) -> list[str]:
    """The Provider IDs of placements or incidents, sorted."""
    return sorted({r.provider_id for r in records})


def is_yes(value) -> bool:
    return str(value or "").strip().upper() == YES


def week_label(monday: dt.date) -> str:
    return f"w/c {monday:%d/%m}"


def count_row(labels: list, groups: list[list], keep=lambda p: True) -> list:
    """labels + the number of items of each group that `keep` accepts (true numbers: build_pack protects them)."""
    return [*labels, *(sum(1 for p in g if keep(p)) for g in groups)]


def record_grid(facts: Ledger, table: Table, row_keys: list, col_keys: list, first: int,
                total_row: bool = False) -> None:
    """Record the count cells of `table` (rows x the columns from `first`) as '<row key>.<column key>'; a row
    key None is not a count. With `total_row`, each column's rows add up to its last row."""
    facts.table_counts(table, {(r, first + c): f"{rk}.{ck}" for r, rk in enumerate(row_keys) if rk
                               for c, ck in enumerate(col_keys)})
    if total_row:
        for ck in col_keys:
            facts.line([f"{rk}.{ck}" for rk in row_keys[:-1]], f"{row_keys[-1]}.{ck}")
