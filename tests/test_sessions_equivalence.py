"""The vectorised sessions table is the straightforward loop's table, findings included (how much faster
it is, benchmarks/sessions_speed.py prints).

The loop below is the implementation the vectorised one replaced, kept as the oracle: a loop per
placement and school day, a dict lookup per session, and each return checked cell by cell. Seeded
random schools exercise patterns, starts and ends mid-week, refused placements, closures, half term,
bank holidays, blanks, unknown and legacy codes, '-' on expected sessions, codes where none is
expected, pupils missing from a return, a missing session column, duplicate and stray returns.
"""
from __future__ import annotations

import datetime as dt
import random
import tomllib

import pandas as pd
import pytest

from pipeline import codes, schema
from pipeline.calendar import SchoolCalendar, monday_of
from pipeline.findings import Findings
from pipeline.read.cells import is_blank, text
from pipeline.read.returns import Return
from pipeline.sessions import COLUMNS, SESSION_NAMES, build_sessions, expected_sessions
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML
from tests.record_factories import placement_record, return_row

D = dt.date


# --- the oracle: the loop implementation, unchanged ------------------------------------------------

def loop_expected_sessions(placements, calendar, start, end):
    days = calendar.school_days(start, end)
    out = []
    for p in placements:
        if p.parents_refused:
            continue
        last = p.actual_end_date or end
        for day in days:
            if day < p.start_date or day > last:
                continue
            for session in p.pattern.get(day.weekday(), ()):
                out.append((p.placement_id, p.provider_id, day, session))
    return out


def loop_build_sessions(placements, calendar, returns, year_start, week, as_of, findings):
    friday = week + dt.timedelta(days=4)
    expected = loop_expected_sessions(placements, calendar, year_start, friday)
    by_week = {}
    for pid, prv, day, session in expected:
        by_week.setdefault((prv, monday_of(day)), set()).add((pid, day, session))
    returns_by_key = {(r.provider_id, r.week): r for r in returns}
    dobs = {p.placement_id: p.date_of_birth for p in placements}
    records = []
    for pid, prv, day, session in expected:
        if day > as_of:
            continue
        ret = returns_by_key.get((prv, monday_of(day)))
        records.append(_loop_mark(pid, prv, day, session, ret, dobs.get(pid)))
    for ret in returns:
        if year_start <= ret.week <= week:
            _loop_check_return(ret, by_week.get((ret.provider_id, ret.week), set()), as_of, findings, dobs)
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    return frame.sort_values(["placement_id", "date", "session"], kind="stable").reset_index(drop=True)


def _loop_mark(pid, prv, day, session, ret, dob=None):
    base, day_number = (pid, prv, day, monday_of(day), day.weekday(), session), (day.toordinal(),)
    if ret is None or pid not in ret.rows:
        return base + ("", codes.NOT_REPORTED, ret.file if ret else "", "", "", "") + day_number
    if (day.weekday(), session) not in ret.rows[pid].marks:
        return base + ("N", codes.UNAUTHORISED, ret.file, "", "missing-column", "") + day_number
    raw, cell = ret.rows[pid].marks[(day.weekday(), session)]
    given = "" if raw is None else text(raw)
    if is_blank(raw) or codes.normalise(raw) == codes.NOT_EXPECTED:
        return base + ("N", codes.UNAUTHORISED, ret.file, cell, "blank-session", given) + day_number
    mark = codes.read_code(raw)
    if mark is None:
        return base + ("N", codes.UNAUTHORISED, ret.file, cell, "unknown-code", given) + day_number
    if mark.code == "X" and dob is not None and codes.is_compulsory(dob, day):
        return base + ("N", codes.UNAUTHORISED, ret.file, cell, "x-at-compulsory-age", given) + day_number
    return base + (mark.code, mark.category, ret.file, cell, "", "") + day_number


def _loop_check_return(ret, expected, as_of, findings, dobs):
    expected_pupils = sorted({pid for pid, _, _ in expected})
    for pid in expected_pupils:
        if pid not in ret.rows and any(day <= as_of for p, day, _ in expected if p == pid):
            findings.error(ret.file, None, None, "pupil-missing-from-return", pid,
                           f"Placement {pid} was expected at {ret.provider_id} in the week commencing {ret.week:%d/%m/%Y} "
                           "but is not in this return. Ask the provider for the pupil's attendance; "
                           "until then those sessions count as not reported.")
    for pid, row in sorted(ret.rows.items()):
        for (weekday, session), (raw, cell) in sorted(row.marks.items()):
            day = ret.week + dt.timedelta(days=weekday)
            name = f"{SESSION_NAMES[(weekday, session)]} ({day:%d/%m/%Y})"
            code = codes.normalise(raw)
            if (pid, day, session) in expected:
                if day <= as_of:
                    _loop_check_expected(ret, pid, name, raw, cell, findings, day, dobs.get(pid))
            elif code and code != codes.NOT_EXPECTED:
                findings.warning(ret.file, ret.sheet, cell, "unexpected-mark", text(raw),
                                 f"Placement {pid} is not expected at the provider on {name}, so the code "
                                 f"'{text(raw)}' is ignored. Leave '-' in sessions the pupil is not expected.")


def _loop_check_expected(ret, pid, name, raw, cell, findings, day, dob):
    code = codes.normalise(raw)
    if not code or code == codes.NOT_EXPECTED:
        findings.error(ret.file, ret.sheet, cell, "blank-session", text(raw) or None,
                       f"No register code for placement {pid} on {name}, an expected session. Ask the provider "
                       "for the code and enter it; until then it counts as N (absent, no reason yet).")
        return
    mark = codes.read_code(raw)
    if mark is None:
        findings.error(ret.file, ret.sheet, cell, "unknown-code", text(raw),
                       f"'{text(raw)}' for placement {pid} on {name} is not a register code. Replace it with a "
                       "code from the key on the Instructions sheet; until then it counts as N.")
    elif mark.code == "X" and dob is None:
        findings.warning(ret.file, ret.sheet, cell, "x-age-unknown", text(raw),
                         f"'X' (not required to attend) for placement {pid} on {name} is accepted, but the pupil's "
                         "age cannot be checked: the Placements sheet has no Date of birth for them. X is only for a "
                         "pupil below compulsory school age; enter the Date of birth in placements.xlsx.")
    elif mark.code == "X" and codes.is_compulsory(dob, day):
        findings.error(ret.file, ret.sheet, cell, "x-at-compulsory-age", text(raw),
                       f"'X' (not required to attend) for placement {pid} on {name}, but the pupil is of compulsory "
                       f"school age (from {codes.compulsory_from(dob):%d/%m/%Y}, by the Date of birth in "
                       "placements.xlsx), so X cannot be used. Ask the provider for the right code (for example an "
                       "absence code) and enter it, or correct the Date of birth; until then it counts as N.")
    elif mark.legacy:
        meaning = codes.CATEGORY_LABELS[mark.category]
        findings.warning(ret.file, ret.sheet, cell, "legacy-code", text(raw),
                         f"'{mark.code}' for placement {pid} on {name} is a code no longer in use since August 2024; "
                         f"it is counted as {meaning}. Ask the provider to use the current codes.")


# --- a seeded random school -----------------------------------------------------------------------

CALENDAR = SchoolCalendar.from_settings(parse_settings(tomllib.loads(SCHOOL_TOML)))
YEAR_START = D(2026, 8, 1)
SESSIONS_OF = {"Full day": ("AM", "PM"), "AM": ("AM",), "PM": ("PM",)}
GOOD = [c for c in codes.CODES] + ["b", " B ", "i", "\\", "/"]
ODD = ["", "   ", "-", " - ", "H", "f", "J", "Y", "XX", "?", 1.0, 2.5, True, None, D(2026, 9, 8)]


def random_school(seed: int, n_placements: int = 60, n_providers: int = 6, clean: bool = False):
    """(placements, returns); `clean`: codes only on expected sessions, '-' elsewhere."""
    rng = random.Random(seed)
    days = CALENDAR.school_days(D(2026, 9, 1), D(2027, 7, 31))
    providers = [f"PRV{i}" for i in range(1, n_providers + 1)]
    placements = []
    for i in range(n_placements):
        pattern = {}
        for wd in range(5):
            choice = rng.choice(["Full day", "Full day", "AM", "PM", None])
            if choice:
                pattern[wd] = SESSIONS_OF[choice]
        if not pattern:
            pattern = {rng.randrange(5): ("AM", "PM")}
        start = rng.choice(days[:120]) if rng.random() < 0.7 else D(2026, 9, 7)
        end = None
        if rng.random() < 0.3:
            end = rng.choice([d for d in days if d >= start][:100])
        if rng.random() < 0.05:
            end = start                                   # a one-day placement
        placements.append(placement_record(
            row=2 + i, placement_id=f"P{rng.randrange(10000):04d}" if i % 7 else f"Z{i:03d}",   # IDs not in register order
            provider_id=rng.choice(providers), start_date=start, actual_end_date=end,
            parents_refused=D(2026, 9, 1) if rng.random() < 0.05 else None, pattern=pattern,
            # no Date of birth, 4 all year, 6 all year, or five (and of compulsory school age) from 31/12/2026
            date_of_birth=(None, D(2022, 9, 1), D(2020, 5, 10), D(2021, 9, 1))[i % 4],
        ))
    seen = set()
    placements = [p for p in placements if not (p.placement_id in seen or seen.add(p.placement_id))]
    expected = set((pid, day, s) for pid, _, day, s in loop_expected_sessions(placements, CALENDAR, days[0], days[-1]))
    returns = []
    for monday in CALENDAR.school_weeks(D(2026, 9, 1), D(2027, 7, 31)):
        for prv in providers:
            if rng.random() < 0.08:
                continue                                  # a missing return
            ret = Return(f"returns/{prv}/{monday}.xlsx", prv, monday, (dt.datetime.min, 0.0, ""), "Attendance")
            mine = [p for p in placements if p.provider_id == prv]
            drop_column = rng.random() < 0.05
            for n, p in enumerate(mine):
                if rng.random() < 0.05:
                    continue                              # a pupil missing from the return
                marks = {}
                for wd in range(5):
                    for s_i, s in enumerate(("AM", "PM")):
                        if drop_column and (wd, s) == (2, "PM"):
                            continue
                        r = rng.random()
                        if clean:
                            day = monday + dt.timedelta(days=wd)
                            value = ("B" if r < 0.995 else "") if (p.placement_id, day, s) in expected else "-"
                        else:
                            value = rng.choice(GOOD) if r < 0.85 else rng.choice(ODD) if r < 0.97 else "-"
                        marks[(wd, s)] = (value, f"{'DEFGHIJKLM'[wd * 2 + s_i]}{5 + n}")
                ret.rows[p.placement_id] = return_row(ret.file, p.placement_id, 5 + n, marks)
            if rng.random() < 0.03:                       # a stray row for a placement not in the register
                ret.rows["NOPE"] = return_row(ret.file, "NOPE", 99, {(0, "AM"): ("B", "D99")})
            returns.append(ret)
    rng.shuffle(returns)
    if returns:                                           # two returns for one provider-week: the last counts
        twin = returns[0]
        returns.append(Return(twin.file.replace(".xlsx", " (2).xlsx"), twin.provider_id, twin.week, twin.saved,
                              "Attendance", dict(twin.rows)))
    return placements, returns


def both(placements, returns, week, as_of):
    f_old, f_new = Findings(), Findings()
    old = loop_build_sessions(placements, CALENDAR, returns, YEAR_START, week, as_of, f_old)
    new = build_sessions(placements, CALENDAR, returns, YEAR_START, week, as_of, f_new).to_pandas()
    if len(new):
        assert dict(new.dtypes) == COMPACT
    return old, new.astype(dict(old.dtypes)), f_old, f_new


# The table's columns are compact (a million rows at a 100,000-placement school): strings are categorical,
# their values the loop's; date and week are datetime.date objects, day the date's ordinal.
COMPACT = {**{c: "category" for c in ("placement_id", "provider_id", "session", "code", "category", "file", "cell",
                                       "error", "given")},
           "date": object, "week": object, "weekday": "int8", "day": "int32"}


CASES = [  # (reporting week, as-of)
    (D(2026, 11, 23), D(2026, 11, 27)),     # the week after a closure (13/11)
    (D(2026, 11, 23), D(2026, 11, 25)),     # as-of mid-week
    (D(2026, 11, 2), D(2026, 11, 2)),       # the Monday after half term, as-of that Monday
    (D(2027, 3, 22), D(2027, 3, 26)),       # the end of spring term (the 26th is not a school day)
    (D(2027, 5, 31), D(2027, 6, 4)),        # a week that is all half term
    (D(2027, 7, 19), D(2027, 7, 23)),       # the last week, with days after the term's end
]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("week, as_of", CASES)
def test_the_table_and_the_findings_are_the_loops(seed, week, as_of):
    placements, returns = random_school(seed)
    old, new, f_old, f_new = both(placements, returns, week, as_of)
    pd.testing.assert_frame_equal(new, old, check_dtype=True, check_exact=True)
    assert list(f_new) == list(f_old)
    assert len(old) > 0 and any(f.rule == "unexpected-mark" for f in f_old)


def test_every_kind_of_finding_is_compared():
    placements, returns = random_school(7)
    old, new, f_old, f_new = both(placements, returns, D(2027, 7, 19), D(2027, 7, 23))
    assert list(f_new) == list(f_old)
    assert {f.rule for f in f_old} == {"pupil-missing-from-return", "blank-session", "unknown-code", "legacy-code",
                                       "unexpected-mark", "x-age-unknown", "x-at-compulsory-age"}


@pytest.mark.parametrize("seed", [5, 6])
def test_expected_sessions_are_the_loops_in_the_same_order(seed):
    placements, _ = random_school(seed)
    for start, end in ((YEAR_START, D(2027, 7, 31)), (D(2026, 11, 23), D(2026, 11, 27)), (D(2027, 1, 1), D(2026, 1, 1))):
        assert expected_sessions(placements, CALENDAR, start, end) == loop_expected_sessions(placements, CALENDAR, start, end)


def test_no_placements_or_no_returns_give_the_loops_table():
    placements, returns = random_school(8, n_placements=10, n_providers=2)
    for p, r in (([], []), ([], returns), (placements, [])):
        old, new, f_old, f_new = both(p, r, D(2026, 11, 23), D(2026, 11, 27))
        pd.testing.assert_frame_equal(new, old, check_dtype=True)
        assert list(f_new) == list(f_old)


def test_a_return_whose_week_is_not_a_monday_matches_nothing_as_before():
    placements, returns = random_school(9, n_placements=20, n_providers=2)
    for r in returns[:10]:
        r.week += dt.timedelta(days=1)
    old, new, f_old, f_new = both(placements, returns, D(2027, 7, 19), D(2027, 7, 23))
    pd.testing.assert_frame_equal(new, old, check_dtype=True)
    assert list(f_new) == list(f_old)


def test_a_clean_school_gives_the_loops_table():
    # codes only on expected sessions and '-' elsewhere, as most real returns are (benchmarks/sessions_speed.py
    # times the two on a school of two thousand placements)
    placements, returns = random_school(10, n_placements=200, n_providers=15, clean=True)
    old, new, f_old, f_new = both(placements, returns, D(2027, 7, 19), D(2027, 7, 23))
    pd.testing.assert_frame_equal(new, old, check_dtype=True, check_exact=True)
    assert list(f_new) == list(f_old)
    assert len(new) > 20_000


# --- the Attendance rows, read straight from the grid, are read_table's ---------------------------

def random_attendance_grid(rng: random.Random) -> list[list]:
    headers = [c.header for c in schema.ATTENDANCE.columns]
    rng.shuffle(headers)
    if rng.random() < 0.3:
        headers.insert(rng.randrange(len(headers)), rng.choice(headers).upper() + " ")   # a header typed twice
    if rng.random() < 0.3:
        headers.remove(rng.choice([h for h in headers if h != "Placement ID"]))           # a column missing
    values = ["B", " n ", "", "  ", "-", "P001", 3.0, 7, True, D(2026, 11, 23), dt.datetime(2026, 1, 1, 9, 30),
              dt.time(9, 0), "Notes, here", None]
    grid = [["Provider ID", "PRV1"], ["Week commencing", D(2026, 11, 23)]]
    grid += [["a title row"]] * rng.randrange(3) + [[]] * rng.randrange(2)
    grid.append(([""] * rng.randrange(2)) + headers)
    for _ in range(rng.randrange(25)):
        width = rng.randrange(len(headers) + 3)
        grid.append([rng.choice(values) if rng.random() < 0.8 else "" for _ in range(width)])
    return grid


@pytest.mark.parametrize("seed", range(40))
def test_the_attendance_rows_read_from_the_grid_are_read_tables(seed):
    from pipeline.read import returns as r
    from pipeline.read.table import find_header, read_table

    assert r._PLAIN_ATTENDANCE
    grid = random_attendance_grid(random.Random(seed))
    full, lean = Findings(), Findings()
    table = read_table(grid, schema.ATTENDANCE, "f.xlsx", "Attendance", full)
    header_row = r._header_row(grid)
    assert header_row == table.header_row == find_header(grid, schema.ATTENDANCE)[0]
    columns = read_table(grid[:header_row + 1], schema.ATTENDANCE, "f.xlsx", "Attendance", lean).columns
    assert columns == table.columns
    assert list(lean) == list(full)                      # Attendance cells never make a finding of their own
    keys = ["placement_id"] + [key for _, key in r._SESSION_KEYS if key in columns]
    expected = [(row.number, {k: row.raw[k] for k in keys}, {k: row.cells[k] for k in keys}) for row in table.rows]
    got = []
    for number, line in r._lines(grid, header_row, columns):
        raw = {k: line[columns[k]] if columns[k] < len(line) else "" for k in keys}
        got.append((number, raw, {k: f"{cell_letters(columns[k])}{number}" for k in keys}))
    assert got == expected


def cell_letters(col: int) -> str:
    from xlsxwriter.utility import xl_col_to_name
    return xl_col_to_name(col)


def test_no_header_is_no_header_either_way():
    from pipeline.read import returns as r
    from pipeline.read.table import find_header

    for grid in ([], [["Placement"], ["placement id?"]], [[""] * 3] * 40 + [["Placement ID"]], [[1.0, D(2026, 1, 1)]]):
        assert r._header_row(grid) is None and find_header(grid, schema.ATTENDANCE) is None


def test_the_string_columns_are_categorical_with_small_codes():
    placements, returns = random_school(11)
    table = build_sessions(placements, CALENDAR, returns, YEAR_START, D(2027, 7, 19), D(2027, 7, 23), Findings())
    assert all(table[c].codes.dtype.itemsize <= 2 for c in COMPACT if COMPACT[c] == "category")
    frame = table.to_pandas()
    assert dict(frame.dtypes) == COMPACT
    assert all(frame[c].cat.codes.dtype.itemsize <= 2 for c in COMPACT if COMPACT[c] == "category")
    assert list(frame["placement_id"].cat.categories) == sorted({p.placement_id for p in placements})
    assert set(frame["code"]) <= set(frame["code"].cat.categories) and "" in set(frame["error"])


def test_hundreds_of_distinct_values_give_the_loops_table():
    # hundreds of distinct unknown codes: the given column's categories outgrow an int8 code
    placements, returns = random_school(12)
    n = 0
    for ret in returns:
        for row in ret.rows.values():
            for key, (raw, cell) in list(row.marks.items()):
                if n < 2000 and raw not in ("-", "", None):
                    row.marks[key] = (f"Z{n}" if n % 2 else f"b{' ' * (n % 3)}", cell)
                    n += 1
    old, new, f_old, f_new = both(placements, returns, D(2027, 7, 19), D(2027, 7, 23))
    pd.testing.assert_frame_equal(new, old, check_dtype=True, check_exact=True)
    assert list(f_new) == list(f_old) and n == 2000 and new["given"].nunique() > 128
