"""The one long sessions table: a row per expected pupil-session, with its mark.

Expected sessions come from each placement's weekly pattern, its dates and the
school days. Marks come from the accepted returns (contract §7): a blank or
unknown code on an expected session, and an X for a pupil of compulsory school
age (contract §13), count as N; a session of a provider-week with no accepted
return, or of a pupil missing from an accepted return, is not reported.

Each row also says whether the mark it counts has an error finding on it: `error` is that
finding's rule id ('' when the mark is clean, or not reported) and `given` the text the provider
typed in the cell ('' when clean). register_import.py keeps such marks out of the import.

The table is built with whole-array operations, not a loop per pupil-day: the
school days are crossed with the placements' weekly patterns and cut to each
placement's dates, and marks are matched to sessions by integer keys
(provider or return, placement, day ordinal, session). Only the returns'
cells are visited one by one, once each.

A 100,000-placement school has a million rows: the string columns are coded
(columns.Coded: a small integer code each), built straight from those keys; date and week are
datetime.date objects, one per distinct day, and `day` is the date's ordinal
(date.toordinal(), an int32) for whole-column comparisons: comparing the date
objects themselves costs a Python comparison per row.
"""
from __future__ import annotations

import bisect
import datetime as dt
from array import array

import numpy as np

from . import codes
from .calendar import SchoolCalendar
from .columns import Coded, Columns
from .findings import Findings
from .read.cells import is_blank, text
from .read.returns import Return
from .records import Placement, RowMarks, StoredRows
from .schema import AM, PM, WEEKDAYS

COLUMNS = ["placement_id", "provider_id", "date", "week", "weekday", "session", "code", "category", "file", "cell",
           "error", "given", "day"]
SESSION_NAMES = {(d, s): f"{day} {s}" for d, day in enumerate(WEEKDAYS) for s in (AM, PM)}
DAY_BITS = 1 << 22          # day ordinals (year 1 to 9999) are below this: keys are (..., day, session) in one int64

# What a mark is, for the count and for the checks of the returns. AGE: an X, allowed only for a
# pupil not of compulsory school age, so checked against the Date of birth on the session's day.
OK, LEGACY, BLANK, UNKNOWN, AGE = 0, 1, 2, 3, 4

# The rule id of the error finding that makes a mark count as N (the `error` column).
ERROR_RULE = {BLANK: "blank-session", UNKNOWN: "unknown-code", AGE: "x-at-compulsory-age"}
MISSING_COLUMN = "missing-column"


def is_active(placement: Placement, day: dt.date) -> bool:
    """Contract §3: started, not ended, and parents have not refused."""
    if placement.parents_refused:
        return False
    end = placement.actual_end_date
    return placement.start_date <= day and (end is None or day <= end)


def active_days(placement: Placement, days: list[dt.date], end: dt.date) -> tuple[int, int]:
    """(lo, hi): days[lo:hi] are the school days of `days` (sorted) on which the placement is active
    (is_active), `end` standing for the end of a placement not yet ended; (0, 0) if parents refused."""
    if placement.parents_refused:
        return 0, 0
    return bisect.bisect_left(days, placement.start_date), bisect.bisect_right(days, placement.actual_end_date or end)


def expected_sessions(placements: list[Placement], calendar: SchoolCalendar, start: dt.date, end: dt.date) -> list[tuple]:
    """(placement_id, provider_id, date, session) for every session expected from start to end."""
    days = calendar.school_days(start, end)
    out = []
    for p in placements:
        lo, hi = active_days(p, days, end)
        pattern = p.pattern
        for day in days[lo:hi]:
            for session in pattern.get(day.weekday(), ()):
                out.append((p.placement_id, p.provider_id, day, session))
    return out


# --- marks --------------------------------------------------------------------------------------

def classify(raw) -> tuple[str, str, int]:
    """(code counted, category, kind) of a cell on an expected session: a blank (or '-') or an unknown
    code counts as N; kind is OK, LEGACY, BLANK, UNKNOWN or AGE (an X: its count depends on the
    pupil's age on the day, see compulsory_days)."""
    if is_blank(raw) or codes.normalise(raw) == codes.NOT_EXPECTED:
        return "N", codes.UNAUTHORISED, BLANK
    mark = codes.read_code(raw)
    if mark is None:
        return "N", codes.UNAUTHORISED, UNKNOWN
    if mark.code == codes.X_CODE:
        return mark.code, mark.category, AGE
    return mark.code, mark.category, LEGACY if mark.legacy else OK


NO_DOB = (-1, -1)     # compulsory_days for a pupil with no Date of birth: the age cannot be checked


def compulsory_days(placement: Placement) -> tuple[int, int]:
    """(first, last) day ordinals of the placement's pupil's compulsory school age; NO_DOB without a
    Date of birth."""
    dob = placement.date_of_birth
    if not isinstance(dob, dt.date):
        return NO_DOB
    if isinstance(dob, dt.datetime):
        dob = dob.date()
    return codes.compulsory_from(dob).toordinal(), codes.compulsory_until(dob).toordinal()


class _Codes:
    """Small integer codes for strings (placement and provider IDs, sessions), in first-seen order."""

    def __init__(self, values=()):
        self.index: dict = {}
        for v in values:
            self.code(v)

    def code(self, value) -> int:
        found = self.index.get(value)
        if found is None:
            found = self.index[value] = len(self.index)
        return found

    def __len__(self) -> int:
        return len(self.index)


# --- the table ----------------------------------------------------------------------------------

def _expected(placements: list[Placement], calendar: SchoolCalendar, start: dt.date, end: dt.date, sessions: _Codes):
    """Arrays (placement index, day ordinal, session code) of every expected session start..end:
    each weekday's school days crossed with the pattern entries for that weekday, cut to the dates.
    Placements sharing a weekly pattern share its entries: no Python object is made per entry."""
    days = np.array([d.toordinal() for d in calendar.school_days(start, end)], dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    end_ord = end.toordinal()
    pattern_index: dict = {}            # a pattern's items -> its index in pattern_wd
    pattern_wd, pattern_sess = [], []   # per pattern: its entries' weekdays and session codes
    pl, pl_pattern, pl_first, pl_last = (array("q") for _ in range(4))
    for i, p in enumerate(placements):
        if p.parents_refused:
            continue
        items = tuple(p.pattern.items())
        k = pattern_index.get(items)
        if k is None:
            k = pattern_index[items] = len(pattern_wd)
            pattern_wd.append([weekday for weekday, names in p.pattern.items() for _ in names])
            pattern_sess.append([sessions.code(name) for names in p.pattern.values() for name in names])
        pl.append(i)
        pl_pattern.append(k)
        pl_first.append(p.start_date.toordinal())
        pl_last.append(p.actual_end_date.toordinal() if p.actual_end_date else end_ord)
    if not len(pl) or not len(days):
        return empty, empty, empty
    sizes = np.array([len(w) for w in pattern_wd], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    flat_wd = np.array([w for ws in pattern_wd for w in ws] or [0], dtype=np.int64)
    flat_sess = np.array([c for cs in pattern_sess for c in cs] or [0], dtype=np.int64)
    pl_pattern = np.frombuffer(pl_pattern, dtype=np.int64)
    n_entries = sizes[pl_pattern]
    owner = np.repeat(np.arange(len(pl_pattern)), n_entries)        # each entry's row in pl, pl_first, pl_last
    starts = np.concatenate(([0], np.cumsum(n_entries)[:-1]))
    entry = np.arange(len(owner)) - starts[owner] + offsets[pl_pattern][owner]
    e_pl = np.frombuffer(pl, dtype=np.int64)[owner]
    e_wd, e_sess = flat_wd[entry], flat_sess[entry]
    e_first, e_last = np.frombuffer(pl_first, dtype=np.int64)[owner], np.frombuffer(pl_last, dtype=np.int64)[owner]
    del owner, entry, starts, n_entries
    weekdays = (days + 6) % 7      # date.weekday() from the ordinal (1 January of year 1 was a Monday)
    parts = []
    for weekday in np.unique(e_wd):
        wd_days = days[weekdays == weekday]
        rows = np.flatnonzero(e_wd == weekday)
        if not len(wd_days) or not len(rows):
            continue
        day = np.tile(wd_days, len(rows))
        row = np.repeat(rows, len(wd_days))
        keep = (day >= e_first[row]) & (day <= e_last[row])
        row = row[keep]
        parts.append((e_pl[row], day[keep], e_sess[row]))
        del day, row, keep
    if not parts:
        return empty, empty, empty
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))


def _key(*parts_and_sizes) -> np.ndarray:
    """One int64 key from integer arrays (or scalars) and the size of each part's range."""
    key = np.zeros(1, dtype=np.int64)
    bound = 1
    for values, size in parts_and_sizes:
        bound *= max(int(size), 1)
        key = key * max(int(size), 1) + values
    if bound >= 1 << 62:
        raise OverflowError("too many placements and returns for one key")   # not near any real school
    return key


def _member(values: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """values[i] in keys, for int64 arrays (by sorting and binary search)."""
    if not len(keys) or not len(values):
        return np.zeros(len(values), dtype=bool)
    keys = np.sort(keys)
    pos = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return keys[pos] == values


def build_sessions(placements: list[Placement], calendar: SchoolCalendar, returns: list[Return],
                   year_start: dt.date, week: dt.date, as_of: dt.date, findings: Findings) -> Columns:
    """The sessions table from the year's start to as-of, with marks checked against expectations.

    Returns of the weeks up to the reporting week are checked cell by cell."""
    friday = week + dt.timedelta(days=4)
    sessions = _Codes((AM, PM))
    e_pl, e_day, e_sess = _expected(placements, calendar, year_start, friday, sessions)

    # Codes: placement IDs in sorted order (so sorting by code sorts by ID), then any other ID a return has.
    pids = _Codes(sorted({p.placement_id for p in placements}))
    prvs = _Codes(p.provider_id for p in placements)
    pl_pid = np.array([pids.code(p.placement_id) for p in placements] or [0], dtype=np.int64)
    pl_prv = np.array([prvs.code(p.provider_id) for p in placements] or [0], dtype=np.int64)
    e_pid, e_prv = pl_pid[e_pl], pl_prv[e_pl]

    marks = _Marks(returns, pids, prvs, sessions)
    n_pid, n_prv, n_ret, n_sess = len(pids), len(prvs), max(len(returns), 1), len(sessions)

    # The sessions counted, in the table's order: by placement ID, date and session; placement order keeps
    # the rare tie where the old loop did. Every array below is in this order, so no column is reordered.
    counted = np.flatnonzero(e_day <= as_of.toordinal())
    names = sorted(sessions.index, key=sessions.index.get)
    session_rank = np.argsort(np.argsort(np.array(names, dtype=object)))
    # One int64 key sorted stably (the expected sessions are nearly in order already): faster than a lexsort.
    order = counted[np.argsort(_key((e_pid[counted], n_pid), (e_day[counted], DAY_BITS),
                                    (session_rank[e_sess[counted]], n_sess), (e_pl[counted], len(placements))),
                               kind="stable")]
    del counted
    c_pl, c_day, c_sess, c_pid, c_prv = (a[order] for a in (e_pl, e_day, e_sess, e_pid, e_prv))
    del order
    c_week = c_day - (c_day + 6) % 7

    # Which accepted return covers each expected session: the last one for its provider and week.
    by_key = {(r.provider_id, r.week): i for i, r in enumerate(returns)}
    week_return = {(prvs.index[prv], wk.toordinal()): i for (prv, wk), i in by_key.items() if prv in prvs.index}
    c_ret = _lookup_returns(c_prv, c_week, week_return, n_prv)
    pupils = _expected_pupils(c_prv, c_week, c_pid, pids)
    del c_prv, c_week

    has_ret = c_ret >= 0
    row_keys = _key((marks.row_ret, n_ret), (marks.row_pid, n_pid))
    has_row = has_ret & _member(_key((np.maximum(c_ret, 0), n_ret), (c_pid, n_pid)), row_keys)
    del row_keys
    mark_keys = _key((marks.ret, n_ret), (marks.pid, n_pid), (marks.day, DAY_BITS), (marks.sess, n_sess))
    by_mark = np.argsort(mark_keys, kind="stable")
    sorted_keys = mark_keys[by_mark]
    del mark_keys
    wanted = _key((np.maximum(c_ret, 0), n_ret), (c_pid, n_pid), (c_day, DAY_BITS), (c_sess, n_sess))
    del c_pid
    pos = np.searchsorted(sorted_keys, wanted)
    pos_ok = pos < len(sorted_keys)
    found = has_row & pos_ok
    found[found] = sorted_keys[pos[found]] == wanted[found]
    at = np.flatnonzero(found)                 # the sessions with a cell, and the cell of each
    m = by_mark[pos[at]] if len(by_mark) else np.zeros(0, dtype=np.int64)
    del sorted_keys, wanted, pos, pos_ok, by_mark, found

    # Each session's state: 0 not reported, 1 in the return with no cell for the session (its column is
    # missing), 2 + the class of its cell's value (marks.classes), or `aged` (an X at compulsory school age).
    classes = marks.classes
    aged = 2 + len(classes)
    state = has_row.astype(np.int64)
    del has_row
    state[at] = marks.cls[m].astype(np.int64) + 2
    kind = marks.kind[m]
    of_age = _of_age(placements, kind, c_pl[at], c_day[at])
    state[at[of_age]] = aged
    kind = np.where((kind == AGE) & ~of_age, OK, kind)
    n = len(state)
    wrong = np.isin(kind, list(ERROR_RULE))
    given = _texts(n, at[wrong], [text(v) if v is not None else "" for v in marks.raw[m[wrong]]])
    cell = _coded_texts(n, at, marks.cell[m], marks.cell_names)
    del at, m, kind, of_age, wrong
    file = _column(np.where(has_ret, c_ret, len(returns)), [r.file for r in returns] + [""])
    del has_ret, c_ret
    tables = {"code": ["", "N"] + [c for c, _, _ in classes] + ["N"],
              "category": [codes.NOT_REPORTED, codes.UNAUTHORISED] + [c for _, c, _ in classes] + [codes.UNAUTHORISED],
              "error": ["", MISSING_COLUMN] + [ERROR_RULE[k] if k in (BLANK, UNKNOWN) else "" for _, _, k in classes]
              + [ERROR_RULE[AGE]]}
    columns = {name: _column(state, table) for name, table in tables.items()}
    del state
    columns.update(file=file, cell=cell, given=given)

    _check_returns(returns, year_start, week, as_of, findings, marks, pids, prvs, sessions,
                   e_pid, e_prv, e_day, e_sess, pupils, placements)
    del marks, e_pl, e_day, e_sess, e_pid, e_prv
    return _table(placements, names, c_pl, c_day, c_sess, columns)


def _small(n: int) -> np.dtype:
    """The smallest integer type for codes 0..n-1 of a coded column."""
    return np.dtype(np.int8 if n < 1 << 7 else np.int16 if n < 1 << 15 else np.int32)


def _column(index: np.ndarray, table: list) -> Coded:
    """The coded column of table[index] for each index (the table's strings may repeat)."""
    categories = sorted(set(table))
    position = {v: i for i, v in enumerate(categories)}
    codes_ = np.array([position[v] for v in table], dtype=_small(len(categories)))
    return Coded(codes_[index], categories)


def _texts(n: int, at: np.ndarray, values) -> Coded:
    """The coded column of n strings, '' but values[i] at at[i]: its categories are the distinct values."""
    position: dict = {"": 0}
    codes_ = [position.setdefault(v, len(position)) for v in values]
    out = np.zeros(n, dtype=_small(len(position)))
    out[at] = codes_
    return Coded(out, list(position))


def _coded_texts(n: int, at: np.ndarray, codes_: np.ndarray, names: list) -> Coded:
    """_texts(n, at, [names[c] for c in codes_]), without a string a row: the names are taken once per
    distinct code, in the order first met."""
    found, first = np.unique(codes_, return_index=True)
    position: dict = {"": 0}
    table = np.zeros(max(len(names), 1), dtype=np.int64)
    for c in found[np.argsort(first)].tolist():
        table[c] = position.setdefault(names[c], len(position))
    out = np.zeros(n, dtype=_small(len(position)))
    out[at] = table[codes_]
    return Coded(out, list(position))


def _of_age(placements, kind: np.ndarray, pl: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Which of the cells (of kind `kind`, for the placements `pl` on the days `day`) is an X for a pupil of
    compulsory school age that day: it counts as N and is an error (contract §13)."""
    age = kind == AGE
    if not age.any():
        return age
    ages = np.array([compulsory_days(p) for p in placements] or [NO_DOB], dtype=np.int64)
    first, last = ages[pl, 0], ages[pl, 1]
    return age & (first >= 0) & (day >= first) & (day <= last)


def _lookup_returns(prv: np.ndarray, week: np.ndarray, week_return: dict, n_prv: int) -> np.ndarray:
    """The index of the return for each (provider code, Monday ordinal), -1 where there is none."""
    if not len(prv):
        return np.zeros(0, dtype=np.int64)
    first = int(week.min())
    table = np.full((max(n_prv, 1), (int(week.max()) - first) // 7 + 1), -1, dtype=np.int64)
    for (prv_code, monday), i in week_return.items():
        slot = monday - first
        if 0 <= prv_code < n_prv and slot >= 0 and slot % 7 == 0 and slot // 7 < table.shape[1]:
            table[prv_code, slot // 7] = i
    return table[prv, (week - first) // 7]


class _Marks:
    """Every cell of every return row, in the order the checks report them (return, placement ID,
    weekday, session), with what each counts as. Arrays, one entry per cell, except row_ret and
    row_pid (one per return row). `cls` indexes `classes`, the distinct (code counted, category, kind),
    and `cell` indexes `cell_names` ('D7'): rows at the same place in sheets of the same columns share
    their cells' names, so a name is made once per such row, not once per cell."""

    def __init__(self, returns: list[Return], pids: _Codes, prvs: _Codes, sessions: _Codes):
        # No Python object is made per cell: a row's cells are its dict's (raw, cell) pairs, in the order of
        # its keys sorted, and the rows' key tuples (a few distinct ones) say each cell's weekday and session.
        row_pid, row_layout = array("q"), array("q")
        ret_prv, ret_week, ret_rows = [], [], []      # per return: its provider and week codes, its number of rows
        pid_code = pids.index
        raws = []                   # each cell's value as found
        cell_names, blocks = [], {}  # a row's cells' names are cell_names[its block:]: (letters, row) or names -> block
        row_block = array("q")
        layouts: dict = {}          # a row's keys in its dict's order -> (layout, the keys sorted or None if they are)
        layout_keys = []            # per layout: its keys, sorted

        def layout_of(keys: tuple) -> tuple:
            found = layouts.get(keys)
            if found is None:
                ordered = tuple(sorted(keys))
                found = layouts[keys] = (len(layout_keys), None if ordered == keys else ordered)
                layout_keys.append(ordered)
            return found

        def block_at(mark_layout, number: int) -> int:
            """Where the cell names of row `number` of sheets laid out as `mark_layout` begin in cell_names."""
            place = (mark_layout.letters, number)
            block = blocks.get(place)
            if block is None:
                block = blocks[place] = len(cell_names)
                cell_names.extend(mark_layout.cells(number))
            return block

        def add_row(placement_id: str, layout: int, block: int, blocks_of_rows=row_block.append,
                    pids_of_rows=row_pid.append, layouts_of_rows=row_layout.append) -> None:
            blocks_of_rows(block)
            code = pid_code.get(placement_id)
            pids_of_rows(pids.code(placement_id) if code is None else code)
            layouts_of_rows(layout)

        for i, r in enumerate(returns):
            # A 'week' that is not a Monday (never so as read) matches no expected session, as before.
            ret_prv.append(prvs.code(r.provider_id) if r.week.weekday() == 0 else -1)
            ret_week.append(r.week.toordinal())
            rows = r.rows
            ret_rows.append(len(rows))
            if type(rows) is StoredRows:      # read back from the cache: each row's values as stored, no object made
                stored = rows.layout
                layout, ordered = layout_of(stored.keys)
                if ordered is None:
                    for placement_id, number, values in rows.by_id():
                        raws.extend(values)
                        add_row(placement_id, layout, block_at(stored, number))
                    continue
            for placement_id in sorted(rows):
                marks = rows[placement_id].marks
                keys = marks.layout.keys if type(marks) is RowMarks else tuple(marks)
                layout, ordered = layout_of(keys)
                if ordered is None and isinstance(marks, RowMarks):     # as read: no pair made per cell
                    raws.extend(marks.raws)
                    block = block_at(marks.layout, marks.row)
                else:
                    pairs = marks.values() if ordered is None else [marks[k] for k in ordered]
                    raws.extend(raw for raw, _ in pairs)
                    names = tuple(cell for _, cell in pairs)
                    block = blocks.get(names)
                    if block is None:
                        block = blocks[names] = len(cell_names)
                        cell_names.extend(names)
                add_row(placement_id, layout, block)
        self.row_ret = np.repeat(np.arange(len(returns), dtype=np.int64), np.array(ret_rows, dtype=np.int64))
        self.row_pid = np.frombuffer(row_pid, dtype=np.int64) if row_pid else np.zeros(0, dtype=np.int64)
        row_layout = np.frombuffer(row_layout, dtype=np.int64) if row_layout else np.zeros(0, dtype=np.int64)
        for name in sorted({k[1] for keys in layout_keys for k in keys}):
            sessions.code(name)
        sizes = np.array([len(keys) for keys in layout_keys] or [0], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        flat_wd = np.array([k[0] for keys in layout_keys for k in keys] or [0], dtype=np.int64)
        flat_sess = np.array([sessions.index[k[1]] for keys in layout_keys for k in keys] or [0], dtype=np.int64)
        size = sizes[row_layout]
        # Per-cell arrays in the smallest types that hold them (there are millions of cells): _key widens them.
        self.ret = np.repeat(self.row_ret.astype(np.int32), size)
        self.pid = np.repeat(self.row_pid.astype(np.int32), size)
        starts = np.cumsum(size) - size
        within = np.arange(len(raws)) - np.repeat(starts, size)      # each cell's place in its row
        entry = within + np.repeat(offsets[row_layout], size)
        row_block = np.frombuffer(row_block, dtype=np.int64) if row_block else np.zeros(0, dtype=np.int64)
        self.cell = np.repeat(row_block, size) + within
        self.cell_names = cell_names
        del starts, size, row_layout, within, row_block
        self.prv = np.array(ret_prv + [0], dtype=np.int32)[self.ret]
        self.weekday = flat_wd.astype(np.int8)[entry]
        self.day = np.array(ret_week + [0], dtype=np.int32)[self.ret] + flat_wd.astype(np.int32)[entry]
        self.sess = flat_sess.astype(np.int16)[entry]
        del entry
        self.raw = _objects(raws)
        del raws
        self.classes, self.cls = _classes(self.raw)
        table = self.classes or [("", "", OK)]
        self.kind = np.array([k for _, _, k in table], dtype=np.int8)[self.cls]


def _objects(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _classes(raw: np.ndarray) -> tuple[list, np.ndarray]:
    """The distinct (code counted, category, kind) of the cells' values, and which one each cell is: each
    distinct text classified once (other values, rare, one by one: True, 1 and 1.0 are equal as keys but
    not as cells)."""
    table, index = [], {}

    def entry(value) -> int:
        found = classify(value)
        if found not in index:
            index[found] = len(table)
            table.append(found)
        return index[found]

    # A dict finds each cell's distinct value (a text never equals a value of another type, so the texts'
    # entries are sound); None and the values that are not text are classified cell by cell.
    values = raw.tolist()
    lookup = {v: entry(v) if type(v) is str else -1 for v in dict.fromkeys(values)}
    which = np.fromiter(map(lookup.__getitem__, values), dtype=np.int64, count=len(values))
    for i in np.flatnonzero(which < 0).tolist():
        which[i] = entry(raw[i])
    return table, which.astype(_small(len(table)))


def _table(placements, names: list, pl, day, sess, columns: dict) -> Columns:
    """The table from its columns, already in order. The strings are coded (a code each, to a few
    distinct values: 100,000 placements give a million rows); date and week are datetime.date objects
    (one per distinct day), weekday an int8 and day the date's ordinal, an int32."""
    if not len(pl):
        return Columns(COLUMNS)
    ids = sorted({p.placement_id for p in placements})       # the placement ID codes (pids) are their order
    id_at = {pid: i for i, pid in enumerate(ids)}
    providers = sorted({p.provider_id for p in placements})
    provider_at = {prv: i for i, prv in enumerate(providers)}
    pl_id = np.array([id_at[p.placement_id] for p in placements], dtype=_small(len(ids)))
    pl_provider = np.array([provider_at[p.provider_id] for p in placements], dtype=_small(len(providers)))
    wd = ((day + 6) % 7).astype(np.int8)
    first = int(day.min() - (day.min() + 6) % 7)       # the Monday of the first day
    dates = _objects([dt.date.fromordinal(o) for o in range(first, int(day.max()) + 1)])
    session_at = {name: i for i, name in enumerate(sorted(names))}
    session_code = np.array([session_at[name] for name in names], dtype=np.int8)
    return Columns(COLUMNS, {
        "placement_id": Coded(pl_id[pl], ids), "provider_id": Coded(pl_provider[pl], providers),
        "date": dates[day - first], "week": dates[day - wd - first], "weekday": wd,
        "session": Coded(session_code[sess], sorted(names)), **columns, "day": day.astype(np.int32),
    })


# --- the checks of each return ------------------------------------------------------------------

def _expected_pupils(prv: np.ndarray, week: np.ndarray, pid: np.ndarray, pids: _Codes) -> dict[tuple, list]:
    """(provider code, Monday ordinal) -> the IDs of the placements with a session counted there that week, in
    ID order, from the counted sessions' provider, Monday and placement ID codes (in the table's order: by
    placement ID, then date, so a placement's week is a run of rows; only each run's first row is visited)."""
    if not len(pid):
        return {}
    first = np.ones(len(pid), dtype=bool)
    first[1:] = (pid[1:] != pid[:-1]) | (week[1:] != week[:-1]) | (prv[1:] != prv[:-1])
    ids = sorted(pids.index, key=pids.index.get)
    pupils: dict[tuple, list] = {}
    for prv_code, monday, pid_code in dict.fromkeys(zip(prv[first].tolist(), week[first].tolist(),
                                                        pid[first].tolist())):
        pupils.setdefault((prv_code, monday), []).append(ids[pid_code])
    return pupils


def _check_returns(returns, year_start, week, as_of, findings, marks: _Marks, pids: _Codes, prvs: _Codes,
                   sessions: _Codes, e_pid, e_prv, e_day, e_sess, pupils: dict, placements=()) -> None:
    """Findings for the accepted returns of the weeks up to the reporting week, return by return:
    pupils expected but missing (`pupils`, from _expected_pupils), then each cell in placement and
    session order."""
    n_pid, n_prv, n_sess = len(pids), len(prvs), len(sessions)
    expected_keys = _key((e_prv, n_prv), (e_pid, n_pid), (e_day, DAY_BITS), (e_sess, n_sess))
    mark_keys = _key((marks.prv, n_prv), (marks.pid, n_pid), (marks.day, DAY_BITS), (marks.sess, n_sess))
    expected = _member(mark_keys, expected_keys) & (marks.prv >= 0)
    counted = expected & (marks.day <= as_of.toordinal())
    flagged = np.flatnonzero((counted & (marks.kind != OK)) | (~expected & (marks.kind != BLANK)))

    ids = sorted(pids.index, key=pids.index.get)
    session_names = sorted(sessions.index, key=sessions.index.get)
    ages = {p.placement_id: p.date_of_birth for p in placements}
    by_return: dict[int, list] = {}
    for m in flagged.tolist():
        by_return.setdefault(int(marks.ret[m]), []).append(m)
    for i, ret in enumerate(returns):
        if not (year_start <= ret.week <= week):
            continue
        for pid in pupils.get((prvs.index.get(ret.provider_id, -1), ret.week.toordinal()), ()):
            if pid not in ret.rows:
                findings.error(ret.file, None, None, "pupil-missing-from-return", pid,
                               f"Placement {pid} was expected at {ret.provider_id} in the week commencing {ret.week:%d/%m/%Y} "
                               "but is not in this return. Ask the provider for the pupil's attendance; "
                               "until then those sessions count as not reported.")
        for m in by_return.get(i, ()):
            pid, raw, cell = ids[int(marks.pid[m])], marks.raw[m], marks.cell_names[marks.cell[m]]
            weekday, session = int(marks.weekday[m]), session_names[int(marks.sess[m])]
            day = ret.week + dt.timedelta(days=weekday)
            name = f"{SESSION_NAMES[(weekday, session)]} ({day:%d/%m/%Y})"
            if expected[m]:
                _check_expected(ret, pid, name, raw, cell, int(marks.kind[m]), findings, day, ages.get(pid))
            else:
                findings.warning(ret.file, ret.sheet, cell, "unexpected-mark", text(raw),
                                 f"Placement {pid} is not expected at the provider on {name}, so the code "
                                 f"'{text(raw)}' is ignored. Leave '-' in sessions the pupil is not expected.")


def _check_expected(ret: Return, pid: str, name: str, raw, cell: str, kind: int, findings: Findings,
                    day: dt.date | None = None, dob=None) -> None:
    if kind == AGE:
        _check_age(ret, pid, name, raw, cell, findings, day, dob)
    elif kind == BLANK:
        findings.error(ret.file, ret.sheet, cell, "blank-session", text(raw) or None,
                       f"No register code for placement {pid} on {name}, an expected session. Ask the provider "
                       "for the code and enter it; until then it counts as N (absent, no reason yet).")
    elif kind == UNKNOWN:
        findings.error(ret.file, ret.sheet, cell, "unknown-code", text(raw),
                       f"'{text(raw)}' for placement {pid} on {name} is not a register code. Replace it with a "
                       "code from the key on the Instructions sheet; until then it counts as N.")
    elif kind == LEGACY:
        mark = codes.read_code(raw)
        meaning = codes.CATEGORY_LABELS[mark.category]
        findings.warning(ret.file, ret.sheet, cell, "legacy-code", text(raw),
                         f"'{mark.code}' for placement {pid} on {name} is a code no longer in use since August 2024; "
                         f"it is counted as {meaning}. Ask the provider to use the current codes.")


def _check_age(ret: Return, pid: str, name: str, raw, cell: str, findings: Findings, day: dt.date, dob) -> None:
    """An X (not required to attend) is only for a pupil not of compulsory school age (contract §13)."""
    if not isinstance(dob, dt.date):
        findings.warning(ret.file, ret.sheet, cell, "x-age-unknown", text(raw),
                         f"'X' (not required to attend) for placement {pid} on {name} is accepted, but the pupil's "
                         "age cannot be checked: the Placements sheet has no Date of birth for them. X is only for a "
                         "pupil below compulsory school age; enter the Date of birth in placements.xlsx.")
        return
    if isinstance(dob, dt.datetime):
        dob = dob.date()
    if codes.is_compulsory(dob, day):
        findings.error(ret.file, ret.sheet, cell, "x-at-compulsory-age", text(raw),
                       f"'X' (not required to attend) for placement {pid} on {name}, but the pupil is of compulsory "
                       f"school age (from {codes.compulsory_from(dob):%d/%m/%Y}, by the Date of birth in "
                       "placements.xlsx), so X cannot be used. Ask the provider for the right code (for example an "
                       "absence code) and enter it, or correct the Date of birth; until then it counts as N.")
