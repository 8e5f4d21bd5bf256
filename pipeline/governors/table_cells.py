"""How the pack's table cells read, for both its writers (the workbook and the page): which columns hold
numbers, which cells are RAG words, totals or suppressed counts, and where money needs its pence."""
from __future__ import annotations

import re

from .disclosure import is_marker
from .model import NUMBER, Table
from .svg import is_number

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}
TOTAL = "total"
_SMALL = re.compile(r"^<\s*\d+$")            # a suppressed count such as '<3'


def rag_key(value) -> str | None:
    """'red', 'amber' or 'green' for a RAG word in any case; None for anything else."""
    key = str(value or "").strip().casefold()
    return key if key in RAG_WORDS else None


def is_count_like(value) -> bool:
    """A number, or what disclosure control shows in its place ('<3', 'hidden', 'suppressed ...')."""
    return is_number(value) or bool(_SMALL.match(str(value).strip())) or is_marker(value)


def numeric_columns(table: Table) -> list[bool]:
    """A column reads as numbers (right-aligned) when it is a % or £ column, or every filled cell is a number
    or a '<N'."""
    out = []
    for c in range(len(table.columns)):
        values = [row[c] for row in table.rows if c < len(row) and row[c] not in (None, "")]
        out.append(bool(values) and (table.column_kind(c) != NUMBER or all(is_count_like(v) for v in values)))
    return out


def money_pence(table: Table) -> list[bool]:
    """Per column: show pence, because some amount in it has them (so a column of money lines up)."""
    return [any(c < len(r) and is_number(r[c]) and not float(r[c]).is_integer() for r in table.rows)
            for c in range(len(table.columns))]


def is_total_row(row: list) -> bool:
    return bool(row) and str(row[0] or "").strip().casefold() == TOTAL
