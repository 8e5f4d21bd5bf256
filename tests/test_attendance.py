"""Attendance figures (contract §7, §9), each worked out by hand from the calendar and the marks.

Calendar of the factory school.toml used below:
  Autumn 2026  Thu 03/09 - Fri 18/12, half term Mon 26/10 - Fri 30/10, INSET closure Fri 13/11
  Spring 2027  Tue 05/01 - Fri 26/03 (Good Friday 26/03 is a bank holiday), half term 15/02 - 19/02
  Summer 2027  Mon 12/04 - Wed 21/07, early-May bank holiday Mon 03/05, half term 31/05 - 04/06
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline import attendance
from pipeline.cli import main
from pipeline.model import Figures
from tests.factories import full_week, placement, provider
from tests.figure_factories import (D, NOV_23, NOV_27, figures, finding_rules, pupil, school, summary_for,
                                    toml_with, week_marks)


# --- the calendar: closures, half terms, bank holidays -------------------------------------------

def test_week_with_the_inset_closure_counts_four_days(tmp_path):
    # Week of Mon 09/11/2026: Fri 13/11 is the INSET closure, so a full-day pupil has
    # Mon-Thu = 4 days x 2 = 8 possible sessions.
    #   Mon B B, Tue B B -> 4 attended; Wed N N -> 2 unauthorised; Thu I B -> 1 authorised, 1 attended
    #   attended 5, authorised 1, unauthorised 2; 5 / 8 = 62.5 %
    folder = school(tmp_path, [placement("P001", start=D(2026, 11, 9))], returns=[
        ("PRV1", D(2026, 11, 9), [("P001", week_marks(Mon="B B", Tue="B B", Wed="N N", Thu="I B", Fri="- -"))])])
    summary = summary_for(folder, D(2026, 11, 9))
    p = pupil(summary, "P001")
    assert p["week"] == figures(8, 5, 1, 2, 0, 62.5)
    assert p["year_to_date"] == p["week"]          # the placement started that Monday
    assert summary["findings"] == []


def test_a_code_on_the_closure_day_is_ignored_with_a_warning(tmp_path):
    # The same week with B on the closed Friday: still 8 possible, all 8 attended (100 %);
    # the two Friday codes are warnings, not counted.
    folder = school(tmp_path, [placement("P001", start=D(2026, 11, 9))], returns=[
        ("PRV1", D(2026, 11, 9), [("P001", full_week("B"))])])
    summary = summary_for(folder, D(2026, 11, 9))
    assert pupil(summary, "P001")["week"] == figures(8, 8, 0, 0, 0, 100.0)
    assert finding_rules(summary, "warning") == ["unexpected-mark", "unexpected-mark"]
    assert finding_rules(summary, "error") == []


def test_placement_spanning_the_october_half_term(tmp_path):
    # Full days from Mon 19/10/2026. Weeks: 19/10 (5 days), 26/10 half term (0), 02/11 (5 days).
    #   week 19/10 return: all B            -> 10 attended
    #   week 02/11 return: Mon-Thu B, Fri N N -> 8 attended, 2 unauthorised; 8 / 10 = 80.0 %
    #   year to date: possible 20, attended 18, unauthorised 2, nothing not reported; 18 / 20 = 90.0 %
    folder = school(tmp_path, [placement("P001", start=D(2026, 10, 19))], returns=[
        ("PRV1", D(2026, 10, 19), [("P001", full_week("B"))]),
        ("PRV1", D(2026, 11, 2), [("P001", week_marks("B", Fri="N N"))])])
    summary = summary_for(folder, D(2026, 11, 2))
    p = pupil(summary, "P001")
    assert p["week"] == figures(10, 8, 0, 2, 0, 80.0)
    assert p["year_to_date"] == figures(20, 18, 0, 2, 0, 90.0)
    assert summary["missing_returns"] == []        # no return is owed for the half-term week


def test_early_may_bank_holiday_and_a_year_to_date_over_three_terms(tmp_path):
    # Placement from Mon 07/09/2026: Mon full day, Tue AM only, no other day.
    # Reporting week: --week 2027-05-05 -> Mon 03/05/2027, the early-May bank holiday, so only Tue AM.
    #
    # Mondays that are school days from 07/09/2026 to Fri 07/05/2027:
    #   Autumn 07,14,21,28/09  05,12,19/10  (26/10 half term)  02,09,16,23,30/11  07,14/12      = 14
    #   Spring (starts Tue 05/01) 11,18,25/01  01,08/02 (15/02 half term) 22/02  01,08,15,22/03 = 10
    #   Summer 12,19,26/04  (03/05 bank holiday)                                                 =  3
    #   27 Mondays x 2 sessions = 54
    # Tuesdays: Autumn 08,15,22,29/09 06,13,20/10 (27/10 ht) 03,10,17,24/11 01,08,15/12          = 14
    #   Spring 05,12,19,26/01 02,09/02 (16/02 ht) 23/02 02,09,16,23/03                           = 11
    #   Summer 13,20,27/04 04/05                                                                 =  4
    #   29 Tuesdays x 1 session (AM) = 29
    # Expected sessions year to date: 54 + 29 = 83.
    # Returns: week 26/04: Mon B N, Tue AM B  -> 2 attended, 1 unauthorised
    #          week 03/05: Tue AM L            -> 1 attended (L = late before the register closed)
    # Week: possible 1, attended 1 -> 100.0 %
    # Year to date: possible 4, attended 3, unauthorised 1, not reported 83 - 4 = 79; 3 / 4 = 75.0 %
    #   below the 96 % target; absence 1 / 4 = 25 % >= 10 % -> persistent absence.
    folder = school(tmp_path / "school", [placement("P001", start=D(2026, 9, 7), days=None, Mon="Full day", Tue="AM")],
                    returns=[("PRV1", D(2027, 4, 26), [("P001", week_marks(Mon="B N", Tue="B -"))]),
                             ("PRV1", D(2027, 5, 3), [("P001", week_marks(Tue="L -"))])])
    out = tmp_path / "out"
    assert main(["--data", str(folder), "--week", "2027-05-05", "--out", str(out)], today=D(2027, 5, 10)) == 0
    summary = json.loads((out / "2027-05-03" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["week_commencing"], summary["as_of"]) == ("2027-05-03", "2027-05-07")
    p = pupil(summary, "P001")
    assert p["week"] == figures(1, 1, 0, 0, 0, 100.0)
    assert p["year_to_date"] == figures(4, 3, 0, 1, 79, 75.0)
    assert (p["below_target"], p["persistent_absence"]) == (True, True)
    # 14 + 11 + 4 = 29 weeks with a Monday or Tuesday expected, 2 of them returned -> 27 missing;
    # neither half-term week is among them.
    weeks = [m["week_commencing"] for m in summary["missing_returns"]]
    assert len(weeks) == 27
    assert "2026-10-26" not in weeks and "2027-02-15" not in weeks
    assert weeks[0] == "2026-09-07" and weeks[-1] == "2027-04-19"


# --- patterns and the placement's own dates ------------------------------------------------------

def test_am_only_and_pm_only_patterns_leave_dash_in_the_other_session(tmp_path):
    # P001 AM every day: Mon-Fri AM B, B, N, B, B -> possible 5, attended 4, unauthorised 1; 4 / 5 = 80.0 %
    # P002 PM every day: Mon-Fri PM B, B, B, B, I -> possible 5, attended 4, authorised 1;   4 / 5 = 80.0 %
    # The '-' in the other session is what the pre-filled return holds: no finding at all.
    folder = school(tmp_path, [placement("P001", start=NOV_23, days="AM"), placement("P002", start=NOV_23, days="PM")],
                    returns=[("PRV1", NOV_23, [
                        ("P001", week_marks(Mon="B -", Tue="B -", Wed="N -", Thu="B -", Fri="B -")),
                        ("P002", week_marks(Mon="- B", Tue="- B", Wed="- B", Thu="- B", Fri="- I"))])])
    summary = summary_for(folder, NOV_23)
    assert pupil(summary, "P001")["week"] == figures(5, 4, 0, 1, 0, 80.0)
    assert pupil(summary, "P002")["week"] == figures(5, 4, 1, 0, 0, 80.0)
    assert summary["findings"] == []


def test_a_code_in_the_session_outside_the_pattern_is_not_counted(tmp_path):
    # AM only, but the provider also wrote B in every PM: still 5 possible, 5 attended, and 5 warnings.
    folder = school(tmp_path, [placement("P001", start=NOV_23, days="AM")],
                    returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])
    summary = summary_for(folder, NOV_23)
    assert pupil(summary, "P001")["week"] == figures(5, 5, 0, 0, 0, 100.0)
    assert finding_rules(summary) == ["unexpected-mark"] * 5


def test_start_on_a_wednesday_and_end_on_a_tuesday(tmp_path):
    # P001 starts Wed 25/11: Wed-Fri = 3 days = 6 sessions, all B -> 6 / 6 = 100.0 %.
    # P002 runs Mon 16/11 - Tue 24/11 (Actual end date): this week Mon-Tue = 4 sessions, B B N N
    #   -> attended 2, unauthorised 2; 2 / 4 = 50.0 %.
    #   Its week of 16/11 has no return: 5 days = 10 sessions not reported in the year to date.
    folder = school(tmp_path, [placement("P001", start=D(2026, 11, 25)),
                               placement("P002", start=D(2026, 11, 16), Actual_end_date=D(2026, 11, 24))],
                    returns=[("PRV1", NOV_23, [("P001", week_marks(Wed="B B", Thu="B B", Fri="B B")),
                                               ("P002", week_marks(Mon="B B", Tue="N N"))])])
    summary = summary_for(folder, NOV_23)
    assert pupil(summary, "P001")["week"] == figures(6, 6, 0, 0, 0, 100.0)
    assert pupil(summary, "P001")["year_to_date"] == figures(6, 6, 0, 0, 0, 100.0)
    assert pupil(summary, "P002")["week"] == figures(4, 2, 0, 2, 0, 50.0)
    assert pupil(summary, "P002")["year_to_date"] == figures(4, 2, 0, 2, 10, 50.0)
    assert summary["findings"] == []


# --- register codes (contract §7) ----------------------------------------------------------------

# Mon AM holds the code under test; the other 9 sessions are B (attended).
#   attended       -> possible 10, attended 10            100.0 %
#   authorised     -> possible 10, attended 9, auth 1      90.0 %
#   unauthorised   -> possible 10, attended 9, unauth 1    90.0 %
#   not possible   -> possible 9,  attended 9             100.0 %
ATTENDED, AUTHORISED, UNAUTHORISED = figures(10, 10, 0, 0, 0, 100.0), figures(10, 9, 1, 0, 0, 90.0), figures(10, 9, 0, 1, 0, 90.0)
NOT_POSSIBLE = figures(9, 9, 0, 0, 0, 100.0)


@pytest.mark.parametrize("code, expected, finding", [
    # not possible: leave `possible`
    ("X", NOT_POSSIBLE, None), ("Y1", NOT_POSSIBLE, None), ("Y7", NOT_POSSIBLE, None), ("D", NOT_POSSIBLE, None),
    ("#", NOT_POSSIBLE, None), ("Q", NOT_POSSIBLE, None), ("Z", NOT_POSSIBLE, None), ("y1", NOT_POSSIBLE, None),
    # current codes, matched case-insensitively after trimming; '\' is as good as '/' in the morning
    ("/", ATTENDED, None), ("\\", ATTENDED, None), (" l ", ATTENDED, None), ("K", ATTENDED, None),
    ("I", AUTHORISED, None), ("c2", AUTHORISED, None), ("E", AUTHORISED, None),
    ("O", UNAUTHORISED, None), ("G", UNAUTHORISED, None), ("U", UNAUTHORISED, None),
    # legacy codes: counted as §7 says, with a warning
    ("H", AUTHORISED, ("warning", "legacy-code")), ("F", AUTHORISED, ("warning", "legacy-code")),
    ("J", ATTENDED, ("warning", "legacy-code")), ("Y", NOT_POSSIBLE, ("warning", "legacy-code")),
    # blank or unknown on an expected session: an error, counted as N (never overstating attendance)
    (None, UNAUTHORISED, ("error", "blank-session")), ("   ", UNAUTHORISED, ("error", "blank-session")),
    ("-", UNAUTHORISED, ("error", "blank-session")),
    ("A", UNAUTHORISED, ("error", "unknown-code")), ("Y8", UNAUTHORISED, ("error", "unknown-code")),
    ("present", UNAUTHORISED, ("error", "unknown-code")),
])
def test_how_each_code_counts(tmp_path, code, expected, finding):
    nursery = dt.date(2022, 9, 1)        # X (not required to attend) is for a pupil below compulsory school age
    folder = school(tmp_path, [placement("P001", start=NOV_23, Date_of_birth=nursery)],
                    returns=[("PRV1", NOV_23, [("P001", [code] + ["B"] * 9)])])
    summary = summary_for(folder, NOV_23)
    assert pupil(summary, "P001")["week"] == expected
    found = [(f["severity"], f["rule"], f["cell"]) for f in summary["findings"]]
    # Mon AM of the first pupil row is column D, Excel row 5 (see tests.factories.write_return)
    assert found == ([(*finding, "D5")] if finding else [])


def test_several_not_possible_codes_in_one_week(tmp_path):
    # X, Y1, D, # on Mon AM - Tue PM are not possible; Wed-Thu B (4), Fri N N (2).
    #   possible 6, attended 4, unauthorised 2; 4 / 6 = 66.666... -> 66.7 %
    folder = school(tmp_path, [placement("P001", start=NOV_23, Date_of_birth=dt.date(2022, 9, 1))], returns=[
        ("PRV1", NOV_23, [("P001", ["X", "Y1", "D", "#", "B", "B", "B", "B", "N", "N"])])])
    assert pupil(summary_for(folder, NOV_23), "P001")["week"] == figures(6, 4, 0, 2, 0, 66.7)


# --- not reported -------------------------------------------------------------------------------

def test_a_provider_week_without_a_return_is_not_reported(tmp_path):
    # No return at all: 10 expected sessions, all not reported; nothing is possible, so percent is None
    # and neither flag is raised.
    folder = school(tmp_path, [placement("P001", start=NOV_23)])
    summary = summary_for(folder, NOV_23)
    p = pupil(summary, "P001")
    assert p["week"] == p["year_to_date"] == figures(0, 0, 0, 0, 10, None)
    assert (p["below_target"], p["persistent_absence"]) == (False, False)
    assert summary["missing_returns"] == [{"provider_id": "PRV1", "week_commencing": "2026-11-23"}]


def test_a_pupil_left_out_of_an_accepted_return_is_not_reported(tmp_path):
    # P001 is in the return (10 B); P002, at the same provider, is not: its 10 sessions are not
    # reported (an error on the file), and the provider-week is not a missing return.
    folder = school(tmp_path, [placement("P001", start=NOV_23), placement("P002", start=NOV_23)],
                    returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])
    summary = summary_for(folder, NOV_23)
    assert pupil(summary, "P001")["week"] == figures(10, 10, 0, 0, 0, 100.0)
    assert pupil(summary, "P002")["week"] == figures(0, 0, 0, 0, 10, None)
    assert finding_rules(summary, "error") == ["pupil-missing-from-return"]
    assert summary["missing_returns"] == []


# --- percent, below target, persistent absence ---------------------------------------------------

@pytest.mark.parametrize("attended, possible, expected", [
    (333, 400, 83.3),     # 83.25 -> 83.3 (round() would give 83.2)
    (1, 80, 1.3),         # 1.25 -> 1.3
    (1, 16, 6.3),         # 6.25 -> 6.3
    (13, 16, 81.3),       # 81.25 -> 81.3
    (1, 8, 12.5),
    (2, 3, 66.7),         # 66.666...
    (1, 3, 33.3),         # 33.333...
    (2399, 2500, 96.0),   # 95.96 -> 96.0
    (0, 5, 0.0),
    (7, 7, 100.0),
    (0, 0, None),
])
def test_percent_is_rounded_half_up_to_one_place(attended, possible, expected):
    assert attendance.percent(attended, possible) == expected


def test_percent_half_up_through_the_pipeline(tmp_path):
    # Mon-Thu full days (no Friday), from Mon 16/11: 8 sessions a week.
    #   week 16/11: all B -> 8 attended;  week 23/11: Mon B B, Tue B B, Wed B N, Thu N N -> 5 attended, 3 unauthorised
    #   week: 5 / 8 = 62.5 %;  year to date: 13 / 16 = 81.25 -> 81.3 %
    # With a target of 81.3 the pupil is below target although the rounded percent equals it.
    placements = [placement("P001", start=D(2026, 11, 16), Fri=None)]
    folder = school(tmp_path, placements, toml=toml_with(target=81.3), returns=[
        ("PRV1", D(2026, 11, 16), [("P001", week_marks(Mon="B B", Tue="B B", Wed="B B", Thu="B B"))]),
        ("PRV1", NOV_23, [("P001", week_marks(Mon="B B", Tue="B B", Wed="B N", Thu="N N"))])])
    p = pupil(summary_for(folder, NOV_23), "P001")
    assert p["week"] == figures(8, 5, 0, 3, 0, 62.5)
    assert p["year_to_date"] == figures(16, 13, 0, 3, 0, 81.3)
    assert p["below_target"] is True


@pytest.mark.parametrize("attended, possible, target, below", [
    (2399, 2500, 96.0, True),     # 95.96 % rounds to 96.0 but is below 96
    (2400, 2500, 96.0, False),    # exactly 96 % is not below
    (2401, 2500, 96.0, False),
    (9, 10, 90.0, False),
    (0, 0, 96.0, False),          # nothing possible: never below target
])
def test_below_target_is_decided_on_the_unrounded_percent(attended, possible, target, below):
    fig = Figures(possible, attended, possible - attended, 0, 0, attendance.percent(attended, possible))
    assert attendance.below_target(fig, target) is below


@pytest.mark.parametrize("authorised, unauthorised, possible, persistent", [
    (1, 0, 10, True),             # exactly 10 % absence is persistent absence
    (0, 1, 10, True),
    (999, 0, 10000, False),       # 9.99 % is not, although it rounds to 10.0
    (500, 500, 10000, True),      # authorised and unauthorised add up
    (0, 0, 10, False),
    (0, 0, 0, False),             # nothing possible
])
def test_persistent_absence_is_decided_on_the_unrounded_share(authorised, unauthorised, possible, persistent):
    fig = Figures(possible, possible - authorised - unauthorised, authorised, unauthorised, 0, None)
    assert attendance.persistent_absence(fig) is persistent


def test_flags_through_the_pipeline_at_the_boundaries(tmp_path):
    # Target 90. One week, full days from Mon 23/11:
    #   P001: 9 B, 1 N  -> 9 / 10 = 90.0 %: not below target; absence 1 / 10 = exactly 10 % -> PA
    #   P002: 10 B      -> 100 %: neither
    #   P003: 8 B, 1 I, 1 N -> 80.0 %: below target; absence 2 / 10 = 20 % -> PA
    folder = school(tmp_path, [placement(p, start=NOV_23) for p in ("P001", "P002", "P003")], toml=toml_with(target=90.0),
                    returns=[("PRV1", NOV_23, [("P001", ["N"] + ["B"] * 9), ("P002", full_week("B")),
                                               ("P003", ["I", "N"] + ["B"] * 8)])])
    summary = summary_for(folder, NOV_23)
    flags = {p["placement_id"]: (p["below_target"], p["persistent_absence"]) for p in summary["pupils"]}
    assert flags == {"P001": (False, True), "P002": (False, False), "P003": (True, True)}


# --- who is in `pupils` ------------------------------------------------------------------------

def test_parents_refused_means_no_sessions_and_not_in_pupils(tmp_path):
    # P002 (at PRV2) was refused: it never runs, so it is not a pupil and PRV2 owes no return.
    folder = school(tmp_path, [placement("P001", start=NOV_23),
                               placement("P002", "PRV2", start=NOV_23, Parents_refused=D(2026, 11, 20))],
                    returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])
    summary = summary_for(folder, NOV_23)
    assert [p["placement_id"] for p in summary["pupils"]] == ["P001"]
    assert summary["missing_returns"] == []
    assert not [a for a in summary["actions"] if a["placement_id"] == "P002" or a["provider_id"] == "PRV2"]


def test_pupils_are_sorted_by_placement_id(tmp_path):
    ids = ["P010", "P002", "A7", "P001"]
    folder = school(tmp_path, [placement(pid, start=NOV_23) for pid in ids])
    assert [p["placement_id"] for p in summary_for(folder, NOV_23)["pupils"]] == ["A7", "P001", "P002", "P010"]


def test_year_to_date_starts_with_the_first_term_of_the_academic_year(tmp_path):
    # An extra Summer 2026 term (previous academic year) and a placement running since Mon 13/07/2026.
    # Year to date for the week of Mon 07/09/2026 starts Thu 03/09/2026 (Autumn 2026), not in July:
    #   Thu 03/09, Fri 04/09 no return -> 4 not reported;  week 07/09 all B -> 10 attended.
    #   (Counting July 13-22 as well would add 8 days = 16 more not-reported sessions.)
    summer_2026 = '[[terms]]\nname = "Summer 2026"\nstart = 2026-04-13\nend = 2026-07-22\n'
    folder = school(tmp_path, [placement("P001", start=D(2026, 7, 13))], toml=toml_with(extra_terms=summer_2026),
                    returns=[("PRV1", D(2026, 9, 7), [("P001", full_week("B"))])])
    summary = summary_for(folder, D(2026, 9, 7))
    assert pupil(summary, "P001")["year_to_date"] == figures(10, 10, 0, 0, 4, 100.0)
    assert summary["missing_returns"] == [{"provider_id": "PRV1", "week_commencing": "2026-08-31"}]


def test_year_to_date_in_spring_includes_the_autumn_term(tmp_path):
    # Full days from Mon 14/12/2026 (last week of Autumn: Mon-Fri 14-18/12 = 10 sessions, returned all B)
    # and the first Spring week (Tue 05/01 - Fri 08/01/2027 = 8 sessions, returned Tue B B, Wed-Fri N).
    #   week: possible 8, attended 2, unauthorised 6 -> 25.0 %
    #   year to date: possible 18, attended 12, unauthorised 6 -> 12 / 18 = 66.666... -> 66.7 %
    folder = school(tmp_path, [placement("P001", start=D(2026, 12, 14))], returns=[
        ("PRV1", D(2026, 12, 14), [("P001", full_week("B"))]),
        ("PRV1", D(2027, 1, 4), [("P001", week_marks("N", Mon="- -", Tue="B B"))])])
    p = pupil(summary_for(folder, D(2027, 1, 6)), "P001")
    assert p["week"] == figures(8, 2, 0, 6, 0, 25.0)
    assert p["year_to_date"] == figures(18, 12, 0, 6, 0, 66.7)


def test_as_of_a_wednesday_counts_monday_to_wednesday_only(tmp_path):
    # --as-of Wed 25/11: Mon-Wed = 6 sessions, all B -> 100.0 %; the Thu and Fri N N are not counted yet.
    # P002 starts Thu 26/11, so it has no expected session by as-of and is not a pupil yet.
    folder = school(tmp_path, [placement("P001", start=NOV_23), placement("P002", start=D(2026, 11, 26))],
                    returns=[("PRV1", NOV_23, [("P001", week_marks("B", Thu="N N", Fri="N N")),
                                               ("P002", week_marks("B", Mon="- -", Tue="- -", Wed="- -"))])])
    summary = summary_for(folder, NOV_23, as_of=D(2026, 11, 25))
    assert summary["as_of"] == "2026-11-25"
    assert [p["placement_id"] for p in summary["pupils"]] == ["P001"]
    assert pupil(summary, "P001")["week"] == pupil(summary, "P001")["year_to_date"] == figures(6, 6, 0, 0, 0, 100.0)
    # On Friday both count: P001 6 B + 4 N -> 6 / 10 = 60.0 %; P002 Thu-Fri 4 B -> 100.0 %
    friday = summary_for(folder, NOV_23, as_of=NOV_27)
    assert pupil(friday, "P001")["week"] == figures(10, 6, 0, 4, 0, 60.0)
    assert pupil(friday, "P002")["week"] == figures(4, 4, 0, 0, 0, 100.0)


def test_as_of_after_friday_counts_to_friday(tmp_path):
    # --as-of Tue 01/12 (after the week): figures stop at Fri 27/11; all 10 sessions B -> 100.0 %.
    folder = school(tmp_path, [placement("P001", start=NOV_23)], returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])
    summary = summary_for(folder, NOV_23, as_of=D(2026, 12, 1))
    assert summary["as_of"] == "2026-12-01"
    assert pupil(summary, "P001")["year_to_date"] == figures(10, 10, 0, 0, 0, 100.0)


def test_a_second_provider_is_reported_under_its_own_id(tmp_path):
    folder = school(tmp_path, [placement("P001", "PRV2", start=NOV_23)], providers=[provider("PRV1"), provider("PRV2")],
                    returns=[("PRV2", NOV_23, [("P001", full_week("B"))])])
    p = pupil(summary_for(folder, NOV_23), "P001")
    assert (p["provider_id"], p["week"]) == ("PRV2", figures(10, 10, 0, 0, 0, 100.0))
