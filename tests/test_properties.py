"""Property-based tests (hypothesis) of the calendar and attendance invariants (contract §2, §7, §9).

The calendar: random term layouts (terms, half terms, closures) are checked against a brute-force
school-day test written from the contract's wording; counting school days forward and back.

The figures: random placements (patterns, start and end dates, parents refused) and random return
codes (current, lower case and padded, blanks, '-', unknown, legacy, not possible, numbers) go through
`compute_facts` on a small factory-built school. Every figure block must add up, lie in range, contain
the week in the year to date, and equal an independent session-by-session count made here.

Runs are derandomized (the same examples every time) and use no example database, so CI is stable
and nothing is written into the tree.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import holidays
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline import attendance
from pipeline.calendar import SchoolCalendar, academic_year_end, academic_year_start, monday_of
from pipeline.core import compute_facts
from pipeline.settings import Term
from tests.factories import placement, provider, write_return, write_school

ONE = dt.timedelta(days=1)

CALENDAR_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                             suppress_health_check=[HealthCheck.too_slow])
SCHOOL_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --- the calendar ---------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def bank_holidays(year: int) -> frozenset:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def brute_is_school_day(terms, closures, d: dt.date) -> bool:
    """Contract §2, word for word: a weekday inside a term, outside its half-term break, that is
    neither a closure nor an England bank holiday."""
    if d.weekday() >= 5 or d in closures or d in bank_holidays(d.year):
        return False
    for t in terms:
        if t.start <= d <= t.end:
            return not (t.half_term and t.half_term[0] <= d <= t.half_term[1])
    return False


def days_between(a: dt.date, b: dt.date):
    d = a
    while d <= b:
        yield d
        d += ONE


@st.composite
def term_layouts(draw):
    """1-4 terms in date order that do not overlap, each with an optional half term inside it,
    and up to 8 closures anywhere near them (some on weekends, some outside every term)."""
    year = draw(st.integers(2024, 2029))
    start = dt.date(year, 8, 20) + draw(st.integers(0, 30)) * ONE
    terms = []
    for i in range(draw(st.integers(1, 4))):
        length = draw(st.integers(0, 110))
        end = start + length * ONE
        half = None
        if length >= 2 and draw(st.booleans()):
            h0 = draw(st.integers(0, length))
            h1 = draw(st.integers(h0, min(length, h0 + 14)))
            half = (start + h0 * ONE, start + h1 * ONE)
        terms.append(Term(f"Term {i + 1}", start, end, half))
        start = end + draw(st.integers(1, 40)) * ONE
    first, last = terms[0].start, terms[-1].end
    span = (last - first).days
    closures = frozenset(first + draw(st.integers(-10, span + 10)) * ONE for _ in range(draw(st.integers(0, 8))))
    return tuple(terms), closures


def probe_date(terms, offset: int) -> dt.date:
    """A date from 20 days before the first term to 20 days after the last, by offset (0 ... )."""
    first, last = terms[0].start - 20 * ONE, terms[-1].end + 20 * ONE
    return first + (offset % ((last - first).days + 1)) * ONE


@CALENDAR_SETTINGS
@given(layout=term_layouts(), offsets=st.lists(st.integers(0, 10_000), min_size=2, max_size=6))
def test_school_days_match_a_brute_force_count(layout, offsets):
    terms, closures = layout
    cal = SchoolCalendar(terms, closures)
    lo, hi = terms[0].start - 20 * ONE, terms[-1].end + 20 * ONE
    brute = [d for d in days_between(lo, hi) if brute_is_school_day(terms, closures, d)]
    assert list(cal.days) == brute
    for d in (probe_date(terms, o) for o in offsets):
        assert cal.is_school_day(d) == brute_is_school_day(terms, closures, d), d
    a, b = probe_date(terms, offsets[0]), probe_date(terms, offsets[1])
    assert cal.school_days(a, b) == [d for d in brute if a <= d <= b]
    assert len(cal.school_days(a, b)) == sum(1 for d in days_between(a, b) if brute_is_school_day(terms, closures, d))


@CALENDAR_SETTINGS
@given(layout=term_layouts(), offset=st.integers(0, 10_000), n=st.integers(1, 80))
def test_the_nth_school_day_after_is_a_school_day_n_school_days_on(layout, offset, n):
    terms, closures = layout
    cal = SchoolCalendar(terms, closures)
    d = probe_date(terms, offset)
    after = cal.add_school_days(d, n)
    later = [x for x in cal.days if x > d]
    if after is None:
        assert len(later) < n                      # None only past the last term
    else:
        assert brute_is_school_day(terms, closures, after)
        assert after > d
        # exactly n school days in (d, after], d itself not counted
        assert sum(1 for x in days_between(d + ONE, after) if brute_is_school_day(terms, closures, x)) == n
    before = cal.subtract_school_days(d, n)
    earlier = [x for x in cal.days if x < d]
    if before is None:
        assert len(earlier) < n                    # None only before the first term
    else:
        assert brute_is_school_day(terms, closures, before)
        assert before < d
        assert sum(1 for x in days_between(before, d - ONE) if brute_is_school_day(terms, closures, x)) == n


@CALENDAR_SETTINGS
@given(layout=term_layouts(), index=st.integers(0, 10_000), n=st.integers(1, 80))
def test_counting_forward_then_back_returns_to_the_start(layout, index, n):
    terms, closures = layout
    cal = SchoolCalendar(terms, closures)
    if not cal.days:
        return                                      # a layout whose terms hold no school day at all
    d = cal.days[index % len(cal.days)]             # a school day
    after = cal.add_school_days(d, n)
    if after is not None:
        assert cal.subtract_school_days(after, n) == d
    before = cal.subtract_school_days(d, n)
    if before is not None:
        assert cal.add_school_days(before, n) == d
    assert cal.first_school_day_from(d) == d
    assert cal.next_school_day(d) == cal.add_school_days(d, 1)


@CALENDAR_SETTINGS
@given(layout=term_layouts(), offset=st.integers(0, 10_000))
def test_last_complete_week_is_the_latest_school_week_ending_before_today(layout, offset):
    terms, closures = layout
    cal = SchoolCalendar(terms, closures)
    today = probe_date(terms, offset)
    weeks = {monday_of(d) for d in cal.days if monday_of(d) + 4 * ONE < today}
    assert cal.last_complete_week(today) == (max(weeks) if weeks else None)
    monday = monday_of(today)
    following = [monday_of(d) for d in cal.days if monday_of(d) > monday]
    assert cal.next_school_week(monday) == (min(following) if following else None)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(d=st.dates(), layout=term_layouts())
@example(d=dt.date.min, layout=((Term("T", dt.date(2026, 9, 3), dt.date(2026, 12, 18)),), frozenset()))
@example(d=dt.date.max, layout=((Term("T", dt.date(2026, 9, 3), dt.date(2026, 12, 18)),), frozenset()))
def test_every_date_has_an_academic_year(d, layout):
    # a date typed as 01/01/0001 or 31/12/9999 reaches the rules: it must not stop the run
    start, end = academic_year_start(d), academic_year_end(d)
    assert start <= d <= end
    if dt.MINYEAR < d.year < dt.MAXYEAR:
        y = d.year if d.month >= 8 else d.year - 1
        assert (start, end) == (dt.date(y, 8, 1), dt.date(y + 1, 7, 31))
    cal = SchoolCalendar(*layout)
    first = cal.year_start(d)
    assert academic_year_start(d) <= first <= end
    assert all(start <= t.start <= end for t in cal.terms_of_year(d))


# --- the figures: percent, flags ------------------------------------------------------------------

def half_up_percent(attended: int, possible: int) -> float | None:
    """attended / possible x 100 to one decimal place, half up, in integers only (no Decimal)."""
    if possible == 0:
        return None
    tenths = (2000 * attended + possible) // (2 * possible)   # floor(1000 a / p + 1/2)
    return tenths / 10


def decimal_percent(attended: int, possible: int) -> float | None:
    if possible == 0:
        return None
    return float((Decimal(attended * 100) / Decimal(possible)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(possible=st.integers(0, 1_000_000), data=st.data())
@example(possible=400, data=None)      # 333 / 400 = 83.25 -> 83.3 (the contract's example)
def test_percent_is_rounded_half_up_like_decimal(possible, data):
    attended = 333 if data is None else data.draw(st.integers(0, possible))
    got = attendance.percent(attended, possible)
    assert got == half_up_percent(attended, possible) == decimal_percent(attended, possible)
    if possible:
        assert 0 <= got <= 100
    else:
        assert got is None


def test_percent_half_up_examples():
    assert attendance.percent(333, 400) == 83.3        # 83.25, where round() gives 83.2
    assert attendance.percent(1, 8) == 12.5
    assert attendance.percent(1, 16) == 6.3            # 6.25
    assert attendance.percent(2, 3) == 66.7
    assert attendance.percent(0, 0) is None


# --- the figures through compute_facts -------------------------------------------------------------

YEAR_START = dt.date(2026, 9, 3)                   # first day of the factory calendar's first term
FACTORY_TERMS = (Term("Autumn 2026", dt.date(2026, 9, 3), dt.date(2026, 12, 18), (dt.date(2026, 10, 26), dt.date(2026, 10, 30))),)
FACTORY_CLOSURES = frozenset({dt.date(2026, 11, 13)})
MONDAYS = [dt.date(2026, 8, 31) + 7 * i * ONE for i in range(17)]       # 31/08 .. 14/12/2026
PROVIDERS = ("PRV1", "PRV2")

ATTENDED = {"/", "\\", "L", "K", "V", "P", "W", "B", "J"}                        # J: legacy, attended
AUTHORISED = {"C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E", "H", "F"}     # H, F: legacy
UNAUTHORISED = {"G", "N", "O", "U"}
NOT_POSSIBLE = {"D", "X", "Q", "Z", "#", "Y"} | {f"Y{i}" for i in range(1, 8)}  # Y: legacy
CODE_VALUES = st.one_of(
    st.sampled_from(sorted(ATTENDED | AUTHORISED | UNAUTHORISED | NOT_POSSIBLE)),
    st.sampled_from(["b", " B ", "n", " i", "y1", "c1 ", "/", "\\"]),        # case and spaces
    st.sampled_from([None, "", "   ", "-", " - "]),                          # blank, not expected
    st.sampled_from(["A", "ZZ", "PR", "?", "Y8", "BB", "7"]),                # unknown
    st.sampled_from([1.0, 0.0, 42.0]),                                       # numbers typed in a code cell
)
DAY_PATTERN = st.sampled_from([None, "Full day", "AM", "PM"])
SESSIONS_OF = {"Full day": ("AM", "PM"), "AM": ("AM",), "PM": ("PM",)}
SESSION_INDEX = {(d, s): 2 * d + (s == "PM") for d in range(5) for s in ("AM", "PM")}


@st.composite
def schools(draw):
    week = draw(st.sampled_from(MONDAYS[1:]))
    as_of = week + draw(st.integers(0, 9)) * ONE
    n = draw(st.integers(1, 4))
    places = []
    for i in range(n):
        # mostly starting in the few weeks before the reporting week, so that returns meet expected sessions
        start = max(dt.date(2026, 9, 1), week - draw(st.integers(-3, 40)) * ONE)
        days = [draw(DAY_PATTERN) for _ in range(5)]
        if not any(days):
            days[draw(st.integers(0, 4))] = draw(st.sampled_from(["Full day", "AM", "PM"]))
        end = draw(st.one_of(st.none(), st.integers(0, 70).map(lambda k, s=start: s + k * ONE)))
        refused = draw(st.sampled_from([None] * 6 + [start - 2 * ONE]))
        places.append({"pid": f"P{i + 1:03d}", "provider": draw(st.sampled_from(PROVIDERS)), "start": start,
                       "days": days, "end": end, "refused": refused})
    returns = {}
    for prv in PROVIDERS:
        recent = [m for m in MONDAYS if week - 35 * ONE <= m <= week + 7 * ONE]   # the week after is ignored
        for monday in [m for m in recent if draw(st.integers(0, 9)) < 6]:
            rows = {}
            for p in places:
                if p["provider"] == prv and draw(st.integers(0, 5)) == 0:
                    continue                      # a pupil missing from the return
                if p["provider"] != prv and draw(st.integers(0, 4)) != 0:
                    continue                      # sometimes a pupil of the other provider (a wrong row)
                rows[p["pid"]] = [draw(CODE_VALUES) for _ in range(10)]
            returns[(prv, monday)] = rows
    return places, week, as_of, returns


def build_folder(folder: Path, places, returns) -> Path:
    rows = []
    for p in places:
        over = dict(zip(("Mon", "Tue", "Wed", "Thu", "Fri"), p["days"]))
        row = placement(p["pid"], p["provider"], start=p["start"], **over)
        row["Actual end date"] = p["end"]
        row["Parents refused"] = p["refused"]
        if p["refused"]:
            row["Parents agreed"] = None
        rows.append(row)
    write_school(folder, rows, [provider(prv) for prv in PROVIDERS])
    for (prv, monday), marks in returns.items():
        write_return(folder / "returns" / f"{prv}_{monday}.xlsx", prv, monday, list(marks.items()))
    return folder


def category_of(raw) -> str:
    """Contract §7 for one expected session of an accepted return, written out independently."""
    if raw is None:
        return "unauthorised"
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    code = str(raw).strip().upper()
    if code in ATTENDED:
        return "attended"
    if code in AUTHORISED:
        return "authorised"
    if code in NOT_POSSIBLE:
        return "not_possible"
    return "unauthorised"         # blank, '-', unknown: counts as N


def expected_figures(places, returns, week, as_of) -> dict:
    """placement id -> {'week': counts, 'year_to_date': counts}, session by session, from the contract."""
    count_to = min(as_of, week + 4 * ONE)
    out = {}
    for p in places:
        if p["refused"]:
            continue
        last = min(count_to, p["end"]) if p["end"] else count_to
        for d in days_between(max(p["start"], YEAR_START), last):
            if not brute_is_school_day(FACTORY_TERMS, FACTORY_CLOSURES, d):
                continue
            for session in SESSIONS_OF.get(p["days"][d.weekday()], ()):
                rows = returns.get((p["provider"], monday_of(d)))
                if rows is None or p["pid"] not in rows:
                    category = "not_reported"
                else:
                    category = category_of(rows[p["pid"]][SESSION_INDEX[(d.weekday(), session)]])
                blocks = out.setdefault(p["pid"], {"week": {}, "year_to_date": {}})
                periods = ("week", "year_to_date") if d >= week else ("year_to_date",)
                for period in periods:
                    blocks[period][category] = blocks[period].get(category, 0) + 1
    return out


def check_block(fig: dict) -> None:
    for key in ("possible", "attended", "authorised", "unauthorised", "not_reported"):
        assert isinstance(fig[key], int) and fig[key] >= 0, (key, fig)
    assert fig["attended"] + fig["authorised"] + fig["unauthorised"] == fig["possible"], fig
    if fig["possible"] == 0:
        assert fig["percent"] is None, fig
    else:
        assert 0 <= fig["percent"] <= 100, fig
        assert fig["percent"] == half_up_percent(fig["attended"], fig["possible"]), fig


@SCHOOL_SETTINGS
@given(case=schools())
def test_weekly_figures_add_up_and_match_a_session_by_session_count(case):
    places, week, as_of, returns = case
    with tempfile.TemporaryDirectory(prefix="ap-props-") as tmp:
        folder = build_folder(Path(tmp) / "school", places, returns)
        summary = compute_facts(folder, week, as_of).summary
    target = summary["target_percent"]
    expected = expected_figures(places, returns, week, as_of)
    assert [p["placement_id"] for p in summary["pupils"]] == sorted(expected)
    for pupil in summary["pupils"]:
        wk, ytd = pupil["week"], pupil["year_to_date"]
        check_block(wk)
        check_block(ytd)
        for key in ("possible", "attended", "authorised", "unauthorised", "not_reported"):
            assert ytd[key] >= wk[key], (pupil["placement_id"], key)
        # flags are decided on unrounded values, and are false when nothing was possible
        p = ytd["possible"]
        assert pupil["below_target"] == (p > 0 and Fraction(ytd["attended"] * 100, p) < Fraction(str(target)))
        assert pupil["persistent_absence"] == (p > 0 and Fraction(ytd["authorised"] + ytd["unauthorised"], p) >= Fraction(1, 10))
        # and the figures are exactly the contract's, counted here session by session
        want = expected[pupil["placement_id"]]
        for period in ("week", "year_to_date"):
            counts = want[period]
            got = {k: pupil[period][k] for k in ("attended", "authorised", "unauthorised", "not_reported")}
            assert got == {k: counts.get(k, 0) for k in got}, (pupil["placement_id"], period, counts)
    # every provider-week with expected sessions and no return is listed as missing
    for m in summary["missing_returns"]:
        assert (m["provider_id"], dt.date.fromisoformat(m["week_commencing"])) not in returns


@pytest.mark.parametrize("attended,possible,expected", [(333, 400, 83.3), (5, 6, 83.3), (37, 40, 92.5), (0, 7, 0.0), (7, 7, 100.0)])
def test_figure_block_examples(attended, possible, expected):
    fig = asdict(attendance.figures({"attended": attended, "unauthorised": possible - attended}))
    check_block(fig)
    assert fig["percent"] == expected
