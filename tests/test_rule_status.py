"""Statuses and the due window of contract §10, worked by hand on the factory calendar.

Factory school.toml (tests/factories.py):
  Autumn 2026  Thu 03/09/2026 - Fri 18/12/2026, half term Mon 26/10 - Fri 30/10, INSET Fri 13/11
  Spring 2027  Tue 05/01/2027 - Thu 25/03/2027, half term 15/02 - 19/02
  Summer 2027  Mon 12/04/2027 - Wed 21/07/2027, half term 31/05 - 04/06; bank holiday Mon 03/05/2027

  overdue : not done and due < as-of
  due     : not done and as-of <= due <= the 10th school day after as-of (as-of not counted)
  (later) : not listed

The duty used is intervention-plan (due = Start date) unless a test says otherwise; every other start
duty is recorded before as-of so only the duty under test can appear.

November/December 2026            October/November 2026            April/May 2027
Mo Tu We Th Fr                    Mo Tu We Th Fr                   Mo Tu We Th Fr
23 24 25 26 27  <- week, as-of    12 13 14 15 16  <- as-of 16/10   19 20 21 22 23  <- as-of 23/04
30  1  2  3  4     1..5           19 20 21 22 23     1..5          26 27 28 29 30     1..5
 7  8  9 10 11     6..10          26 27 28 29 30     half term      3  4  5  6  7     BH, 6..9
14 15 16 17 18     11..           2  3  4  5  6      6..10         10 11              10, 11
                                  9                  11
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import placement
from tests.figure_factories import D, NOV_23, NOV_27, summary_for
from tests.figure_factories import school as school_folder
from tests.memory_school import school

START_RULES = ("parent-letter", "parents-agreement", "intervention-plan", "dual-registration",
               "attainment-data", "send-details")
DUTY_COLUMNS = ("Parent letter sent", "Parents agreed", "Intervention plan agreed", "Dual registered from",
                "Attainment data sent", "SEND details sent")
LONG_AGO = D(2026, 9, 1)


def only(duty_column: str | None, start: dt.date, pid="P001", **cells) -> dict:
    """A placement starting on `start` with every start duty recorded on 01/09/2026 except `duty_column`."""
    p = placement(pid, start=start, SEND="Y")
    p.update({c: LONG_AGO for c in DUTY_COLUMNS})
    if duty_column:
        p[duty_column] = None
    p.update(cells)
    return p


def nothing_done(start: dt.date, pid="P001", **cells) -> dict:
    p = placement(pid, start=start, SEND="Y")
    p.update({c: None for c in DUTY_COLUMNS})
    p.update(cells)
    return p


def start_actions(summary: dict) -> list[tuple]:
    return sorted((a["rule"], a["placement_id"], a["due"], a["status"])
                  for a in summary["actions"] if a["rule"] in START_RULES)


def plan_status(folder, week, as_of=None) -> list[tuple]:
    return [(due, status) for rule, _, due, status in start_actions(summary_for(folder, week, as_of))
            if rule == "intervention-plan"]


# --- overdue / due / not listed around as-of Fri 27/11/2026 (window ends Fri 11/12) ---------------

@pytest.mark.parametrize("start, listed", [
    (D(2026, 11, 26), [("2026-11-26", "overdue")]),   # due the day before as-of
    (NOV_27, [("2026-11-27", "due")]),                # due on as-of: due, not overdue
    (D(2026, 11, 30), [("2026-11-30", "due")]),       # 1st school day after as-of
    (D(2026, 12, 11), [("2026-12-11", "due")]),       # exactly the 10th school day after as-of
    (D(2026, 12, 14), []),                            # the 11th: not listed
])
def test_status_around_as_of_and_the_window_end(start, listed):
    folder = school([only("Intervention plan agreed", start)])
    assert plan_status(folder, NOV_23) == listed


def test_window_end_is_counted_in_school_days_not_calendar_days():
    # Sat 12/12 and Sun 13/12 lie between the 10th and 11th school day: a placement starting on the
    # Saturday is outside the window (later than Fri 11/12).
    folder = school([only("Intervention plan agreed", D(2026, 12, 12))])
    assert plan_status(folder, NOV_23) == []


# --- the window skips half term, closures and bank holidays ---------------------------------------

@pytest.mark.parametrize("week, as_of, tenth, eleventh, naive_tenth", [
    # as-of Fri 16/10/2026: Mon 19 - Fri 23/10 are 1-5, half term 26-30/10 skipped, Mon 02 - Fri 06/11
    # are 6-10, so the window ends Fri 06/11 (counting half term as school days would end it Fri 30/10).
    (D(2026, 10, 12), D(2026, 10, 16), D(2026, 11, 6), D(2026, 11, 9), D(2026, 10, 30)),
    # as-of Fri 06/11/2026: Mon 09 - Thu 12/11 are 1-4, INSET Fri 13/11 skipped, Mon 16 - Fri 20/11
    # are 5-9, Mon 23/11 is 10 (counting the INSET day would end the window on Fri 20/11).
    (D(2026, 11, 2), D(2026, 11, 6), D(2026, 11, 23), D(2026, 11, 24), D(2026, 11, 20)),
    # as-of Fri 23/04/2027: Mon 26 - Fri 30/04 are 1-5, bank holiday Mon 03/05 skipped, Tue 04 -
    # Fri 07/05 are 6-9, Mon 10/05 is 10 (counting the bank holiday would end it on Fri 07/05).
    (D(2027, 4, 19), D(2027, 4, 23), D(2027, 5, 10), D(2027, 5, 11), D(2027, 5, 7)),
])
def test_window_counts_only_school_days(week, as_of, tenth, eleventh, naive_tenth):
    folder = school([
        only("Intervention plan agreed", tenth, "P010"),
        only("Intervention plan agreed", eleventh, "P011"),
    ])
    summary = summary_for(folder, week, as_of)
    assert start_actions(summary) == [("intervention-plan", "P010", tenth.isoformat(), "due")]
    # the 10th school day is later than the 10th weekday would be, so the closure really was skipped
    assert tenth > naive_tenth


def test_window_across_half_term_lists_the_whole_first_week_back():
    # as-of Fri 16/10/2026: placements starting Mon 02/11 .. Fri 06/11 are all inside the window.
    starts = [D(2026, 11, d) for d in range(2, 7)]
    folder = school([only("Intervention plan agreed", s, f"P{s.day:03d}") for s in starts])
    summary = summary_for(folder, D(2026, 10, 12), D(2026, 10, 16))
    assert [due for _, _, due, status in start_actions(summary) if status == "due"] == [s.isoformat() for s in starts]


# --- which placements the start rules cover -------------------------------------------------------

@pytest.mark.parametrize("actual_end, listed", [
    (D(2026, 11, 20), False),    # ended a week before as-of: no start-rule actions
    (D(2026, 11, 26), False),    # ended the day before as-of
    (NOV_27, True),              # ends on as-of: still active that day
    (D(2026, 12, 4), True),      # ends later
])
def test_start_rules_skip_a_placement_that_ended_before_as_of(actual_end, listed):
    folder = school([nothing_done(D(2026, 11, 16), **{"Actual end date": actual_end})])
    actions = start_actions(summary_for(folder, NOV_23))
    assert len(actions) == (6 if listed else 0)
    assert all(status == "overdue" for *_, status in actions)


def test_placement_starting_within_the_window_gets_its_start_duties_as_due(tmp_path):
    # Start Wed 02/12/2026 (3rd school day after as-of): everything due, parent letter two calendar days
    # earlier (Mon 30/11), every other duty on the start date.
    folder = school_folder(tmp_path, [nothing_done(D(2026, 12, 2))])
    assert start_actions(summary_for(folder, NOV_23)) == [
        ("attainment-data", "P001", "2026-12-02", "due"),
        ("dual-registration", "P001", "2026-12-02", "due"),
        ("intervention-plan", "P001", "2026-12-02", "due"),
        ("parent-letter", "P001", "2026-11-30", "due"),
        ("parents-agreement", "P001", "2026-12-02", "due"),
        ("send-details", "P001", "2026-12-02", "due"),
    ]


def test_placement_starting_on_the_last_day_of_the_window_gets_its_start_duties():
    # Start Fri 11/12/2026, the 10th school day: parent letter due Wed 09/12, the rest Fri 11/12.
    folder = school([nothing_done(D(2026, 12, 11))])
    actions = start_actions(summary_for(folder, NOV_23))
    assert len(actions) == 6 and {status for *_, status in actions} == {"due"}
    assert ("parent-letter", "P001", "2026-12-09", "due") in actions


@pytest.mark.parametrize("start", [D(2026, 12, 14), D(2026, 12, 16), D(2027, 1, 5)])
def test_placement_starting_after_the_window_gets_no_start_duties(start):
    # Start Mon 14/12 is the 11th school day after as-of: not covered, even though its parent-letter
    # date (Sat 12/12) would be only a day after the window.
    folder = school([nothing_done(start)])
    assert start_actions(summary_for(folder, NOV_23)) == []


def test_parent_letter_date_in_the_window_does_not_bring_in_a_placement_starting_after_it():
    # as-of Thu 26/11 (after the week's Monday): window ends Thu 10/12. A placement starting Fri 11/12
    # has its parent letter due Wed 09/12, inside the window, but the placement itself starts after the
    # window, so no start rule covers it (contract §10: "starting within the window").
    folder = school([nothing_done(D(2026, 12, 11))])
    assert start_actions(summary_for(folder, NOV_23, D(2026, 11, 26))) == []


# --- --as-of after the week's Friday --------------------------------------------------------------

@pytest.mark.parametrize("as_of, expected", [
    # default as-of Fri 27/11: letter due Sat 28/11, plan due Mon 30/11, both ahead
    (None, [("intervention-plan", "P001", "2026-11-30", "due"), ("parent-letter", "P001", "2026-11-28", "due")]),
    # Sat 28/11: the letter is due today, not yet overdue
    (D(2026, 11, 28), [("intervention-plan", "P001", "2026-11-30", "due"),
                       ("parent-letter", "P001", "2026-11-28", "due")]),
    # Mon 30/11: the letter is now overdue, the plan due today
    (D(2026, 11, 30), [("intervention-plan", "P001", "2026-11-30", "due"),
                       ("parent-letter", "P001", "2026-11-28", "overdue")]),
    # Tue 01/12: both overdue
    (D(2026, 12, 1), [("intervention-plan", "P001", "2026-11-30", "overdue"),
                      ("parent-letter", "P001", "2026-11-28", "overdue")]),
])
def test_as_of_after_the_weeks_friday_changes_statuses(as_of, expected):
    folder = school([only(None, D(2026, 11, 30), **{"Parent letter sent": None,
                                                              "Intervention plan agreed": None})])
    summary = summary_for(folder, NOV_23, as_of)
    assert summary["as_of"] == (as_of or NOV_27).isoformat()
    assert start_actions(summary) == expected


def test_as_of_after_the_weeks_friday_moves_the_window():
    # Start Mon 14/12: the 11th school day after Fri 27/11 (not listed), the 10th after Mon 30/11 (listed).
    folder = school([only("Intervention plan agreed", D(2026, 12, 14))])
    assert plan_status(folder, NOV_23) == []
    assert plan_status(folder, NOV_23, D(2026, 11, 30)) == [("2026-12-14", "due")]


def test_actions_are_sorted_overdue_then_due_then_alert():
    folder = school([
        only("Intervention plan agreed", D(2026, 12, 2), "P001"),                      # due
        only("Attainment data sent", D(2026, 11, 16), "P002"),                         # overdue
        only(None, D(2026, 9, 7), "P003", **{"Planned end date": D(2026, 11, 20)}),    # alert
    ])
    ours = set(START_RULES) | {"past-planned-end"}
    actions = [a for a in summary_for(folder, NOV_23)["actions"] if a["rule"] in ours]
    assert [(a["rule"], a["status"]) for a in actions] == [
        ("attainment-data", "overdue"), ("intervention-plan", "due"), ("past-planned-end", "alert")]
