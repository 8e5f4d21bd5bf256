"""Disclosure control for the governor pack (contract §13): no pupil can be picked out from its numbers.

Method. Every count of pupils or placements from 1 to N-1 (N = [governors] suppress_below) is shown as '<N'
(primary suppression); then, over every line of the whole pack (a row or column whose parts add up to a total,
the same total shown in several tables being one and the same number), any line in which a hidden value could
still be worked out, by subtraction or because the hidden parts can only be all 1s or all N-1s, has its
smallest visible non-zero part hidden too ('hidden'; if there is none, its total; if neither, every cell of the
line), and this is repeated, together with a check of the whole set of lines as simultaneous equations, until
nothing changes.

Attendance figures (sessions, percentages) are protected a whole row or chart point at a time: a provider, group
or week with fewer than N pupils is 'suppressed (fewer than N pupils)', and the same rule hides another row when
the total row would give the suppressed one away. Figures are computed unsuppressed (figures_*.py); each
section records here which cells are counts (`Ledger`), and pack.build_pack protects them all at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from .model import Chart, Section, Table

HIDDEN = "hidden"
SUPPRESSED = "suppressed"
INF = float("inf")
PRIMARY, SECONDARY, BLANKET = "primary", "secondary", "blanket"


def small(limit: int) -> str:
    return f"<{limit}"


def few_pupils(limit: int) -> str:
    return f"suppressed (fewer than {limit} pupils)"


def is_marker(value) -> bool:
    """A value shown instead of a number: '<3', 'hidden', 'suppressed', 'suppressed (fewer than 3 pupils)'."""
    text = str(value).strip()
    return bool(re.fullmatch(r"<\s*\d+", text)) or text in (HIDDEN, SUPPRESSED) or text.startswith(SUPPRESSED + " (")


def privacy_text(limit: int) -> str:
    """The pack's privacy statement (Summary sheet and page header)."""
    text = "No pupil is named in this report: placements are counted, never listed by name."
    if limit > 1:
        text += (f" To protect small groups, a number from 1 to {limit - 1} is shown as \u201c<{limit}\u201d, and "
                 f"\u201c{HIDDEN}\u201d marks a number left out so that such a number cannot be worked out from a "
                 f"total; attendance for fewer than {limit} pupils is not shown.")
    return text


def off_warning(limit: int) -> str | None:
    """The console line governors/run.py prints when suppression is off (contract §13), else None."""
    if limit:
        return None
    return ("[governors] suppress_below = 0 in school.toml, so the governor pack shows every number, "
            "however small: a count of 1 or 2 pupils may let a reader identify a child. Set suppress_below = 3 "
            "(the default) before sharing the pack.")


# --- what a section records ----------------------------------------------------------------------

@dataclass
class Ledger:
    """Count cells by key (one key per quantity, wherever it is shown), the lines they add up along, the totals
    a reader can know from elsewhere (never hidden), and the pupil groups attendance figures are about."""
    counts: dict = field(default_factory=dict)        # key -> int
    lines: list = field(default_factory=list)         # (parts keys tuple, total key)
    known: set = field(default_factory=set)           # totals assumed known to a reader
    groups: dict = field(default_factory=dict)        # group key -> pupils
    group_lines: list = field(default_factory=list)   # (parts group keys tuple, total group key)
    group_known: set = field(default_factory=set)     # group totals shown anyway (the year's spending)

    def count(self, key: str, value: int) -> int:
        if key in self.counts and self.counts[key] != value:
            raise ValueError(f"disclosure: {key} is {self.counts[key]} and {value}")
        self.counts[key] = int(value)
        return value

    def line(self, parts, total: str, known: bool = False) -> None:
        _add_line(self.lines, self.known, parts, total, known)

    def group(self, key: str, pupils: int) -> None:
        self.groups[key] = int(pupils)

    def group_line(self, parts, total: str, known: bool = False) -> None:
        _add_line(self.group_lines, self.group_known, parts, total, known)

    def merge(self, other: "Ledger | None") -> "Ledger":
        if other is not None:
            for k, v in other.counts.items():
                self.count(k, v)
            for parts, total in other.lines:
                self.line(parts, total)
            self.known |= other.known
            self.groups.update(other.groups)
            for parts, total in other.group_lines:
                self.group_line(parts, total)
            self.group_known |= other.group_known
        return self

    def table_counts(self, table: Table, cells: dict) -> None:
        """Record cells {(row, column): key} of `table` as counts (their values are the table's)."""
        for (r, c), key in cells.items():
            self.count(key, table.rows[r][c])
            table.keys[(r, c)] = key


# --- the method ------------------------------------------------------------------------------------

def _bounds(cls: str, limit: int, bounded: bool) -> tuple[float, float]:
    if not bounded:
        return -INF, INF
    return {PRIMARY: (1, limit - 1), SECONDARY: (limit, INF)}.get(cls, (0, INF))


def _implied(cells, values, rng) -> dict:
    """For one line (cells: (key, +1 part / -1 total)), the range of each unknown cell implied by the others'."""
    unknown = [(k, a) for k, a in cells if k in rng]
    const = sum(a * values[k] for k, a in cells if k not in rng)
    out = {}
    for i, (k, a) in enumerate(unknown):
        lo_sum = sum(min(b * rng[o][0], b * rng[o][1]) for j, (o, b) in enumerate(unknown) if j != i)
        hi_sum = sum(max(b * rng[o][0], b * rng[o][1]) for j, (o, b) in enumerate(unknown) if j != i)
        out[k] = (-const - hi_sum, -const - lo_sum) if a == 1 else (const + lo_sum, const + hi_sum)
    return out


def _cells(parts, total) -> list:
    return [(k, 1) for k in parts] + [(total, -1)]


def _line_safe(parts, total, values, hidden: dict, limit: int, bounded: bool, known=()) -> bool:
    """No hidden cell of the line can be worked out from the line alone: each has two or more possible values
    given the visible cells, the known totals and what '<N' and 'hidden' tell a reader."""
    rng = {k: _bounds(c, limit, bounded) for k, c in hidden.items() if k not in known}
    for k, (lo, hi) in _implied(_cells(parts, total), values, rng).items():
        if min(hi, rng[k][1]) - max(lo, rng[k][0]) < 1:
            return False
    return True


def _ranges(values, lines, hidden: dict, limit: int, bounded: bool, known) -> dict:
    """What a reader can narrow each hidden cell down to, from every line at once (bounds propagated until
    they stop changing): key -> (lowest, highest)."""
    rng = {k: _bounds(c, limit, bounded) for k, c in hidden.items() if k not in known}
    for _ in range(50):
        changed = False
        for parts, total in lines:
            for k, (lo, hi) in _implied(_cells(parts, total), values, rng).items():
                new = (max(rng[k][0], lo), min(rng[k][1], hi))
                if new != rng[k]:
                    rng[k], changed = new, True
        if not changed:
            break
    return rng


def _determined(hidden: list[str], lines, known) -> list[str]:
    """Hidden cells fixed by the lines taken together as equations (e_i in their row space), exactly."""
    index = {k: i for i, k in enumerate(hidden)}
    rows = []
    for parts, total in lines:
        row = [Fraction(0)] * len(hidden)
        for k, a in [(p, 1) for p in parts] + [(total, -1)]:
            if k in index:
                row[index[k]] += a
        if any(row):
            rows.append(row)
    pivots, r = [], 0
    for c in range(len(hidden)):
        p = next((i for i in range(r, len(rows)) if rows[i][c]), None)
        if p is None:
            continue
        rows[r], rows[p] = rows[p], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c]:
                f = rows[i][c]
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[r])]
        pivots.append((c, r))
        r += 1
    return [hidden[c] for c, i in pivots if sum(1 for v in rows[i] if v) == 1]


def protect(values: dict, lines: list, limit: int, known=(), bounded: bool = True) -> dict:
    """key -> 'primary', 'secondary' or 'blanket' for every cell to hide; values not listed are shown.

    `bounded` (counts): a reader knows '<N' is 1..N-1 and a hidden non-zero count is at least N; groups of
    pupils for attendance are protected with `bounded=False` (their figures are sessions, not the sizes)."""
    if limit <= 1:
        return {}
    known = set(known)
    hidden = {k: PRIMARY for k, v in values.items() if 0 < v < limit}   # a known total still shows '<N'

    lines = [(tuple(p), t) for p, t in lines]
    blanketed: set[int] = set()

    def widen(n: int) -> bool:
        parts, total = lines[n]
        visible = [k for k in parts if k not in hidden and values[k] > 0]
        if visible:
            pick = min(visible, key=lambda k: values[k])       # the first of the smallest, in line order
            hidden[pick] = SECONDARY
            return True
        if total not in hidden and total not in known and values[total] > 0:
            hidden[total] = SECONDARY
            return True
        if n in blanketed:
            return False
        blanketed.add(n)
        for k in (*parts, total):
            if k not in known and (hidden.get(k) != SECONDARY):
                hidden[k] = BLANKET
        return True

    stuck: set[str] = set()
    while True:
        # first each line on its own, in order; then what the lines together pin down
        if any(not _line_safe(*lines[n], values, hidden, limit, bounded, known) and widen(n)
               for n in range(len(lines))):
            continue
        rng = _ranges(values, lines, hidden, limit, bounded, known)
        order = list(dict.fromkeys(k for parts, total in lines for k in (*parts, total) if k in rng))
        pinned = [k for k in order if rng[k][1] - rng[k][0] < 1 and k not in stuck]
        if not pinned:
            pinned = [k for k in _determined(order, lines, known) if k not in stuck]
        if not pinned:
            return hidden
        key = pinned[0]
        mine = [n for n, (p, t) in enumerate(lines) if key in p or key == t]
        mine.sort(key=lambda n: _line_safe(*lines[n], values, hidden, limit, bounded, known))  # unsafe first
        if not any(widen(n) for n in mine):
            stuck.add(key)                             # nothing left to hide around it


@dataclass
class Protection:
    limit: int
    values: dict
    hidden: dict                                       # count key -> class
    groups: dict                                       # group key -> class

    def show(self, key: str):
        """A count as governors see it: the number, '<N' or 'hidden'."""
        cls = self.hidden.get(key)
        if cls == PRIMARY:
            return small(self.limit)
        return HIDDEN if cls else self.values[key]

    def group(self, key: str | None) -> str | None:
        return self.groups.get(key) if key else None


def protect_ledger(ledger: Ledger, limit: int) -> Protection:
    limit = int(limit or 0)
    hidden = protect(ledger.counts, ledger.lines, limit, ledger.known)
    groups = protect(ledger.groups, ledger.group_lines, limit, ledger.group_known, bounded=False)
    groups = {k: v for k, v in groups.items() if k not in ledger.group_known}
    return Protection(limit, dict(ledger.counts), hidden, groups)


# --- applying it to the pack ---------------------------------------------------------------------------

def _group_cell(value, header: str, cls: str, limit: int):
    if isinstance(value, str):
        return value                                   # a label (Provider ID, name)
    if cls != PRIMARY:
        return HIDDEN
    return few_pupils(limit) if "%" in header else SUPPRESSED


def apply_table(table: Table, pr: Protection) -> Table:
    rows = [list(r) for r in table.rows]
    for (r, c), key in table.keys.items():
        rows[r][c] = pr.show(key)
    for r, key in table.groups.items():
        cls = pr.group(key)
        if cls:
            rows[r] = [_group_cell(v, table.columns[c], cls, pr.limit)
                       if c and (not table.group_columns or table.columns[c] in table.group_columns) else v
                       for c, v in enumerate(rows[r])]
    return Table(table.title, table.columns, rows, table.note, table.rag_column, units=table.units,
                 row_units=table.row_units)


def apply_chart(chart: Chart, pr: Protection) -> Chart:
    gone = [bool(pr.group(k)) for k in chart.groups] + [False] * len(chart.categories)
    series = [(name, [SUPPRESSED if gone[i] else v for i, v in enumerate(values)]) for name, values in chart.series]
    return Chart(chart.title, chart.kind, chart.categories, series, chart.y_title, chart.target, chart.percent,
                 chart.money)


def apply_section(section: Section, pr: Protection) -> Section:
    return Section(section.id, section.title, section.intro, [apply_table(t, pr) for t in section.tables],
                   [apply_chart(c, pr) for c in section.charts])


def _add_line(lines: list, known_totals: set, parts, total: str, known: bool) -> None:
    """Record that `parts` add up to `total` (once), and whether a reader is assumed to know the total."""
    entry = (tuple(parts), total)
    if entry not in lines:
        lines.append(entry)
    if known:
        known_totals.add(total)
