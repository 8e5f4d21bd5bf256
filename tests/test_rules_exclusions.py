"""The exclusion rules `sixth-day` and `work-set` (contract §3 Exclusions sheet, §10; policy §10.1-10.5).

The factory calendar (tests/factories.SCHOOL_TOML): Autumn 2026 is Thu 03/09 - Fri 18/12/2026 with half
term Mon 26/10 - Fri 30/10 and an INSET day on Fri 13/11; Spring 2027 starts Tue 05/01/2027. The school
days used below, worked out by hand:

    Oct 2026   Wed 21, Thu 22, Fri 23 | half term 26-30 | Mon 02/11 ...
    Nov 2026   Mon 02 Tue 03 Wed 04 Thu 05 Fri 06
               Mon 09 Tue 10 Wed 11 Thu 12 (Fri 13 INSET)
               Mon 16 Tue 17 Wed 18 Thu 19 Fri 20
               Mon 23 Tue 24 Wed 25 Thu 26 Fri 27
               Mon 30, Dec: Tue 01 Wed 02 Thu 03 Fri 04, Mon 07 ... Fri 11, ... Wed 16 Thu 17 Fri 18
    Jan 2027   (holiday to Mon 04) Tue 05 Wed 06 Thu 07 Fri 08

Unless a test says otherwise the reporting week is that of Mon 23/11 and as-of is Fri 27/11/2026; its due
window ends on the 10th school day after 27/11: 30/11, 01, 02, 03, 04, 07, 08, 09, 10, 11/12 -> Fri 11/12.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.factories import placement
from tests.figure_factories import toml_with
from tests.rule_factories import (exclusion_school, permanent_exclusion, pupil_upn, rule_actions,
                                  suspension)

D = dt.date
NOV_23, NOV_27 = D(2026, 11, 23), D(2026, 11, 27)
PUPIL = pupil_upn(1)        # the excluded pupil
OTHER = pupil_upn(2)        # another pupil

# A summer term of the previous academic year, for the tests that cross 31 July.
SUMMER_2026 = """\
[[terms]]
name = "Summer 2026"
start = 2026-04-13
end = 2026-07-22
"""


def sixth_day(exclusions, placements=None, week=NOV_23, as_of=NOV_27, toml=None) -> list[tuple]:
    """(upn, owner, due, status) of each sixth-day action."""
    folder = exclusion_school(None, exclusions, placements, **({"toml": toml} if toml else {}))
    return [(a["upn"], a["owner"], a["due"], a["status"]) for a in rule_actions(folder, "sixth-day", week, as_of)]


def work_set(exclusions, week=NOV_23, as_of=NOV_27, toml=None) -> list[dict]:
    folder = exclusion_school(None, exclusions, **({"toml": toml} if toml else {}))
    return rule_actions(folder, "work-set", week, as_of)


# --- sixth-day: one suspension --------------------------------------------------------------------

def test_a_six_day_suspension_needs_provision_from_its_sixth_school_day(tmp_path):
    # 6 days from Mon 16/11: 16, 17, 18, 19, 20, 23 -> the sixth school day is Mon 23/11, before as-of 27/11.
    folder = exclusion_school(tmp_path, [suspension(PUPIL, D(2026, 11, 16), 6)])
    [a] = rule_actions(folder, "sixth-day", NOV_23, NOV_27)
    assert {k: a[k] for k in ("rule", "section", "owner", "placement_id", "provider_id", "upn", "due", "status")} == {
        "rule": "sixth-day", "section": "10.1–10.3", "owner": "Governing board", "placement_id": None,
        "provider_id": None, "upn": PUPIL, "due": "2026-11-23", "status": "overdue"}
    assert "23/11/2026" in a["message"] and "16/11/2026" in a["message"]


def test_a_five_day_suspension_alone_needs_no_provision():
    # 16, 17, 18, 19, 20: five school days, not more than five.
    assert sixth_day([suspension(PUPIL, D(2026, 11, 16), 5)]) == []


# --- sixth-day: runs of suspensions -------------------------------------------------------------

GB = "Governing board"


@pytest.mark.parametrize("rows, due", [
    # back to back: 3 from Mon 16/11 (16, 17, 18) + 3 from Thu 19/11 (19, 20, 23) -> 6th = Mon 23/11
    ([(D(2026, 11, 16), 3), (D(2026, 11, 19), 3)], "2026-11-23"),
    # in the other row order: the run is the same
    ([(D(2026, 11, 19), 3), (D(2026, 11, 16), 3)], "2026-11-23"),
    # across a weekend: 3 from Wed 18/11 (18, 19, 20) + 3 from Mon 23/11 (23, 24, 25) -> 6th = Wed 25/11
    ([(D(2026, 11, 18), 3), (D(2026, 11, 23), 3)], "2026-11-25"),
    # across the INSET day: 3 from Wed 11/11 (11, 12, [13 INSET], 16) + 3 from Tue 17/11 (17, 18, 19) -> Thu 19/11
    ([(D(2026, 11, 11), 3), (D(2026, 11, 17), 3)], "2026-11-19"),
    # across half term: 3 from Wed 21/10 (21, 22, 23) + 3 from Mon 02/11 (02, 03, 04) -> Wed 04/11
    ([(D(2026, 10, 21), 3), (D(2026, 11, 2), 3)], "2026-11-04"),
    # three short ones: 2 from Mon 16/11 (16, 17) + 2 from Wed 18/11 (18, 19) + 2 from Fri 20/11 (20, 23)
    ([(D(2026, 11, 16), 2), (D(2026, 11, 18), 2), (D(2026, 11, 20), 2)], "2026-11-23"),
    # a long run's sixth day is still its sixth: 4 + 4 from Mon 16/11 and Fri 20/11 = 16..19, 20, 23, 24, 25 -> 23/11
    ([(D(2026, 11, 16), 4), (D(2026, 11, 20), 4)], "2026-11-23"),
])
def test_consecutive_suspensions_add_up_to_one_run(rows, due):
    assert sixth_day([suspension(PUPIL, first, n) for first, n in rows]) == [(PUPIL, GB, due, "overdue")]


def test_a_run_adds_up_across_christmas_into_january():
    # 3 from Wed 16/12 (16, 17, 18 = last day of Autumn) + 3 from Tue 05/01/2027 (05, 06, 07) -> 6th = Thu 07/01.
    # As-of Tue 05/01 (week of Mon 04/01): 07/01 is after as-of and within the window -> due.
    rows = [suspension(PUPIL, D(2026, 12, 16), 3), suspension(PUPIL, D(2027, 1, 5), 3)]
    assert sixth_day(rows, week=D(2027, 1, 4), as_of=D(2027, 1, 5)) == [(PUPIL, GB, "2027-01-07", "due")]


@pytest.mark.parametrize("rows", [
    # one school day between: 3 from Mon 16/11 (16, 17, 18), Thu 19/11 not suspended, 3 from Fri 20/11 (20, 23, 24)
    [(D(2026, 11, 16), 3), (D(2026, 11, 20), 3)],
    # one school day between across the INSET day: 3 from Mon 09/11 (09, 10, 11), Thu 12/11 not suspended,
    # [13 INSET], 3 from Mon 16/11 (16, 17, 18)
    [(D(2026, 11, 9), 3), (D(2026, 11, 16), 3)],
    # one school day between across half term: 3 from Tue 20/10 (20, 21, 22), Fri 23/10 not suspended,
    # [half term], 3 from Mon 02/11 (02, 03, 04)
    [(D(2026, 10, 20), 3), (D(2026, 11, 2), 3)],
])
def test_a_school_day_between_two_suspensions_breaks_the_run(rows):
    assert sixth_day([suspension(PUPIL, first, n) for first, n in rows]) == []


def test_suspensions_of_different_pupils_do_not_add_up():
    # Each pupil has 3 days (16, 17, 18 and 19, 20, 23): neither has a run of more than five.
    rows = [suspension(PUPIL, D(2026, 11, 16), 3), suspension(OTHER, D(2026, 11, 19), 3)]
    assert sixth_day(rows) == []


@pytest.mark.parametrize("rows, expected", [
    # 4 from Mon 16/11 (16, 17, 18, 19) + 4 from Wed 18/11 (18, 19, 20, 23): merged 16, 17, 18, 19, 20, 23 =
    # 6 school days (not 8) -> 6th = Mon 23/11
    ([(D(2026, 11, 16), 4), (D(2026, 11, 18), 4)], [(PUPIL, GB, "2026-11-23", "overdue")]),
    # 3 from Mon 16/11 (16, 17, 18) + 3 from Tue 17/11 (17, 18, 19): merged 16..19 = 4 days, not 6 -> quiet
    ([(D(2026, 11, 16), 3), (D(2026, 11, 17), 3)], []),
    # the same 3-day suspension entered twice: 16, 17, 18 -> 3 days -> quiet
    ([(D(2026, 11, 16), 3), (D(2026, 11, 16), 3)], []),
    # 6 from Mon 16/11 (16..20, 23) with 2 from Tue 17/11 (17, 18) inside it: still 6th = Mon 23/11, one action
    ([(D(2026, 11, 16), 6), (D(2026, 11, 17), 2)], [(PUPIL, GB, "2026-11-23", "overdue")]),
])
def test_overlapping_suspensions_merge_and_are_not_counted_twice(rows, expected):
    assert sixth_day([suspension(PUPIL, first, n) for first, n in rows]) == expected


@pytest.mark.parametrize("rows, due", [
    # First day Sat 14/11: day 1 is Mon 16/11; 16, 17, 18, 19, 20, 23 -> Mon 23/11 (not Fri 20/11)
    ([(D(2026, 11, 14), 6)], "2026-11-23"),
    # First day Fri 13/11, the INSET day: day 1 is Mon 16/11 -> Mon 23/11
    ([(D(2026, 11, 13), 6)], "2026-11-23"),
    # First day Mon 26/10, in half term: day 1 is Mon 02/11; 02, 03, 04, 05, 06, 09 -> Mon 09/11
    ([(D(2026, 10, 26), 6)], "2026-11-09"),
    # a second suspension whose First day is Sat 21/11 continues a run ending Fri 20/11:
    # 3 from Wed 18/11 (18, 19, 20) + 3 from Sat 21/11 = from Mon 23/11 (23, 24, 25) -> Wed 25/11
    ([(D(2026, 11, 18), 3), (D(2026, 11, 21), 3)], "2026-11-25"),
    # ... and one whose First day is in half term continues a run ending Fri 23/10:
    # 3 from Wed 21/10 (21, 22, 23) + 3 from Wed 28/10 = from Mon 02/11 (02, 03, 04) -> Wed 04/11
    ([(D(2026, 10, 21), 3), (D(2026, 10, 28), 3)], "2026-11-04"),
])
def test_a_first_day_that_is_not_a_school_day_starts_on_the_next_school_day(rows, due):
    assert sixth_day([suspension(PUPIL, first, n) for first, n in rows]) == [(PUPIL, GB, due, "overdue")]


# --- sixth-day: permanent exclusions -------------------------------------------------------------

def test_a_permanent_exclusion_is_for_the_local_authority_from_its_own_sixth_day():
    # From Mon 16/11: 16, 17, 18, 19, 20, 23 -> Mon 23/11.
    folder = exclusion_school(None, [permanent_exclusion(PUPIL, D(2026, 11, 16))])
    [a] = rule_actions(folder, "sixth-day", NOV_23, NOV_27)
    assert {k: a[k] for k in ("section", "owner", "placement_id", "provider_id", "upn", "due", "status")} == {
        "section": "10.1–10.3", "owner": "Local authority", "placement_id": None, "provider_id": None,
        "upn": PUPIL, "due": "2026-11-23", "status": "overdue"}
    assert "permanently excluded" in a["message"]


def test_a_permanent_exclusion_counts_from_its_own_day_one_after_a_suspension():
    # A 3-day suspension from Wed 11/11 (11, 12, [13 INSET], 16), then a permanent exclusion from Tue 17/11,
    # the next school day. The exclusion counts on its own: 17, 18, 19, 20, 23, 24 -> Tue 24/11 (added to the
    # suspension it would be Thu 19/11). The suspension run alone is 3 days: no governing-board action.
    rows = [suspension(PUPIL, D(2026, 11, 11), 3), permanent_exclusion(PUPIL, D(2026, 11, 17))]
    assert sixth_day(rows) == [(PUPIL, "Local authority", "2026-11-24", "overdue")]


def test_a_permanent_exclusion_after_a_long_suspension_run_gives_two_actions():
    # Suspension 6 from Mon 09/11: 09, 10, 11, 12, [13 INSET], 16, 17 -> governing board, Tue 17/11.
    # Permanent exclusion from Wed 18/11: 18, 19, 20, 23, 24, 25 -> local authority, Wed 25/11.
    rows = [suspension(PUPIL, D(2026, 11, 9), 6), permanent_exclusion(PUPIL, D(2026, 11, 18))]
    assert sixth_day(rows) == [(PUPIL, GB, "2026-11-17", "overdue"),
                                         (PUPIL, "Local authority", "2026-11-25", "overdue")]


def test_a_permanent_exclusion_from_a_saturday_starts_on_the_monday():
    # First day Sat 21/11: day 1 Mon 23/11; 23, 24, 25, 26, 27, 30 -> Mon 30/11, after as-of 27/11: due.
    assert sixth_day([permanent_exclusion(PUPIL, D(2026, 11, 21))]) == [
        (PUPIL, "Local authority", "2026-11-30", "due")]


# --- sixth-day: satisfied by a placement ---------------------------------------------------------
# The suspension: 6 from Mon 16/11 -> sixth school day Mon 23/11.

SIX_FROM_16 = [suspension(PUPIL, D(2026, 11, 16), 6)]
FIRES = [(PUPIL, GB, "2026-11-23", "overdue")]


@pytest.mark.parametrize("place, expected", [
    (placement("X1", UPN=PUPIL, start=D(2026, 11, 23)), []),                         # starts on the 6th day
    (placement("X1", UPN=PUPIL, start=D(2026, 11, 17)), []),                         # starts before it
    (placement("X1", UPN=PUPIL.lower(), start=D(2026, 11, 23)), []),                  # UPN typed in lower case
    (placement("X1", UPN=PUPIL, start=D(2026, 11, 24)), FIRES),                      # starts the day after
    (placement("X1", UPN=PUPIL, start=D(2026, 11, 2), Actual_end_date=D(2026, 11, 20)), FIRES),  # ended before
    (placement("X1", UPN=PUPIL, start=D(2026, 11, 2), Actual_end_date=D(2026, 11, 23)), []),     # ends that day
    (placement("X1", UPN=OTHER, start=D(2026, 11, 16)), FIRES),                      # another pupil's placement
    (placement("X1", UPN=PUPIL, start=D(2026, 11, 23), Parents_refused=D(2026, 11, 20)), FIRES),  # refused
])
def test_sixth_day_is_satisfied_only_by_the_pupils_placement_active_that_day(place, expected):
    assert sixth_day(SIX_FROM_16, placements=[placement(), place]) == expected


def test_a_permanent_exclusion_is_satisfied_by_a_placement_from_its_sixth_day():
    # From Mon 16/11 -> sixth Mon 23/11; the LA's placement starts that day.
    rows = [permanent_exclusion(PUPIL, D(2026, 11, 16))]
    place = placement("X1", UPN=PUPIL, start=D(2026, 11, 23), Reason="Permanent exclusion",
                      Arranged_by="Local authority")
    assert sixth_day(rows, placements=[placement(), place]) == []
    assert sixth_day(rows, placements=[placement(), dict(place, **{"Start date": D(2026, 11, 24)})]) \
        == [(PUPIL, "Local authority", "2026-11-23", "overdue")]


# --- sixth-day: status ---------------------------------------------------------------------------

@pytest.mark.parametrize("week, as_of, expected", [
    (NOV_23, D(2026, 11, 24), [(PUPIL, GB, "2026-11-23", "overdue")]),   # the 6th day is before as-of
    (NOV_23, NOV_23, [(PUPIL, GB, "2026-11-23", "due")]),                # on as-of itself: not yet overdue
    # as-of Fri 06/11: window 09, 10, 11, 12, 16, 17, 18, 19, 20, 23 (13 INSET) ends Mon 23/11 -> due
    (D(2026, 11, 2), D(2026, 11, 6), [(PUPIL, GB, "2026-11-23", "due")]),
    # as-of Thu 05/11: window 06, 09, 10, 11, 12, 16, 17, 18, 19, 20 ends Fri 20/11 -> not listed yet
    (D(2026, 11, 2), D(2026, 11, 5), []),
])
def test_sixth_day_status_follows_as_of_and_the_window(week, as_of, expected):
    assert sixth_day(SIX_FROM_16, week=week, as_of=as_of) == expected


# --- sixth-day: the academic year (a choice of exclusion_rules.py) --------------------------------

def test_a_run_whose_sixth_day_was_last_academic_year_is_not_listed():
    # Summer 2026: 6 from Mon 13/07/2026: 13, 14, 15, 16, 17, 20 -> Mon 20/07/2026, academic year 2025-26.
    toml = toml_with(extra_terms=SUMMER_2026)
    assert sixth_day([suspension(PUPIL, D(2026, 7, 13), 6)], toml=toml) == []


def test_a_run_across_the_summer_holiday_counts_in_the_year_of_its_sixth_day():
    # 3 from Mon 20/07/2026 (20, 21, 22 = last day of Summer 2026) + 3 from Thu 03/09 (03, 04, [weekend], 07)
    # -> sixth = Mon 07/09/2026, this academic year: overdue.
    toml = toml_with(extra_terms=SUMMER_2026)
    rows = [suspension(PUPIL, D(2026, 7, 20), 3), suspension(PUPIL, D(2026, 9, 3), 3)]
    assert sixth_day(rows, toml=toml) == [(PUPIL, GB, "2026-09-07", "overdue")]


# --- work-set ------------------------------------------------------------------------------------

def test_work_set_alerts_each_row_of_the_year_whose_work_set_is_not_y():
    rows = [suspension(PUPIL, D(2026, 11, 16), 2, "N"),                      # row 2: N -> alert
            suspension(PUPIL, D(2026, 11, 25), 1, None),                     # row 3: blank -> alert
            suspension(OTHER, D(2026, 11, 16), 2, "Y"),                      # row 4: Y -> quiet
            permanent_exclusion(OTHER, D(2026, 11, 19), "N")]                # row 5: N -> alert
    actions = work_set(rows)
    assert [(a["upn"], a["owner"], a["section"], a["status"], a["due"], a["placement_id"], a["provider_id"])
            for a in actions] == [(OTHER, "Headteacher", "10.5", "alert", None, None, None),
                                  (PUPIL, "Headteacher", "10.5", "alert", None, None, None),
                                  (PUPIL, "Headteacher", "10.5", "alert", None, None, None)]
    # one alert per row, each naming its own row of the Exclusions sheet (header on row 1)
    assert sorted(re.search(r"Exclusions row (\d+)", a["message"]).group(1) for a in actions) == ["2", "3", "5"]


def test_work_set_y_is_quiet():
    assert work_set([suspension(PUPIL, D(2026, 11, 16), 2, "Y"),
                               permanent_exclusion(OTHER, D(2026, 11, 19), "Y")]) == []


def test_work_set_ignores_a_row_of_the_previous_academic_year():
    # First day Mon 13/07/2026 is in 2025-26; as-of 27/11/2026 is in 2026-27. A row of Mon 03/08/2026
    # (the holiday, but 2026-27 by the 1 August rule) is of this year.
    toml = toml_with(extra_terms=SUMMER_2026)
    actions = work_set([suspension(PUPIL, D(2026, 7, 13), 2, "N"),
                                  suspension(OTHER, D(2026, 8, 3), 2, "N")], toml=toml)
    assert [a["upn"] for a in actions] == [OTHER]
