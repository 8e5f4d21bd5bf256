"""The six start rules of contract §10: parent-letter, parents-agreement, intervention-plan,
dual-registration, attainment-data, send-details.

Reporting week Mon 23/11/2026 - Fri 27/11/2026, as-of Fri 27/11 unless a test says otherwise.
The due window then ends on the 10th school day after Fri 27/11:
  Mon 30/11 (1), Tue 01/12 .. Fri 04/12 (2-5), Mon 07/12 .. Fri 11/12 (6-10)  ->  Fri 11/12/2026.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.factories import placement
from tests.figure_factories import D, NOV_23, NOV_27, summary_for
from tests.figure_factories import school as school_folder
from tests.memory_school import school

NOV_16 = D(2026, 11, 16)   # a Monday: a placement started the week before the reporting week
DEC_02 = D(2026, 12, 2)    # a Wednesday inside the due window
WEEK_BEFORE = D(2026, 11, 9)

# rule id -> (section, owner, the register column that records the duty, due = start + this many days)
START_RULES = {
    "parent-letter": ("12.2", "Headteacher", "Parent letter sent", -2),
    "parents-agreement": ("8.4, 8.8", "AP lead", "Parents agreed", 0),
    "intervention-plan": ("6.3", "AP lead", "Intervention plan agreed", 0),
    "dual-registration": ("8.9", "Attendance lead", "Dual registered from", 0),
    "attainment-data": ("14.1", "Assessment lead", "Attainment data sent", 0),
    "send-details": ("7.9", "SENCO", "SEND details sent", 0),
}
COLUMNS = [spec[2] for spec in START_RULES.values()]


def all_done(when: dt.date) -> dict:
    """Every start duty recorded on `when`, and the pupil has SEND (so send-details applies)."""
    return {"SEND": "Y", **{column: when for column in COLUMNS}}


def undo(rule: str) -> dict:
    return {START_RULES[rule][2]: None}


def row(pid="P001", start=NOV_16, **cells) -> dict:
    """A placement built from header texts (the factory turns '_' into ' ', so pass real headers here)."""
    p = placement(pid, start=start)
    p.update(cells)
    return p


def start_actions(summary: dict) -> list[dict]:
    return [a for a in summary["actions"] if a["rule"] in START_RULES]


def brief(actions: list[dict]) -> list[tuple]:
    return sorted((a["rule"], a["placement_id"], a["due"], a["status"]) for a in actions)


# --- each rule fires ------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", START_RULES)
def test_start_rule_fires_overdue_for_an_active_placement(rule):
    # P001 started Mon 16/11, before as-of Fri 27/11; every duty is done on 09/11 except this rule's.
    section, owner, column, offset = START_RULES[rule]
    folder = school([row("P001", NOV_16, **{**all_done(WEEK_BEFORE), column: None})])
    actions = start_actions(summary_for(folder, NOV_23))
    assert actions == [{
        "rule": rule, "section": section, "placement_id": "P001", "provider_id": "PRV1", "upn": None,
        "due": (NOV_16 + dt.timedelta(days=offset)).isoformat(), "status": "overdue", "owner": owner,
        "message": actions[0]["message"] if actions else None,
    }]


@pytest.mark.parametrize("rule", START_RULES)
def test_start_rule_fires_due_for_a_placement_starting_in_the_window(rule):
    # P001 starts Wed 02/12, within the window (ends Fri 11/12); the other duties were done on 20/11.
    section, owner, column, offset = START_RULES[rule]
    folder = school([row("P001", DEC_02, **{**all_done(D(2026, 11, 20)), column: None})])
    actions = start_actions(summary_for(folder, NOV_23))
    assert brief(actions) == [(rule, "P001", (DEC_02 + dt.timedelta(days=offset)).isoformat(), "due")]
    assert (actions[0]["section"], actions[0]["owner"], actions[0]["provider_id"]) == (section, owner, "PRV1")


def test_parent_letter_is_due_two_calendar_days_before_the_start():
    # Start Mon 30/11 -> due Sat 28/11 (two calendar days), not Thu 26/11 (two school days, which
    # would already be overdue at as-of Fri 27/11).
    folder = school([row("P001", D(2026, 11, 30), **{**all_done(NOV_27), "Parent letter sent": None})])
    assert brief(start_actions(summary_for(folder, NOV_23))) == [("parent-letter", "P001", "2026-11-28", "due")]


def test_every_start_rule_fires_for_one_placement_with_nothing_done(tmp_path):
    folder = school_folder(tmp_path, [row("P001", NOV_16, SEND="Y", **{c: None for c in COLUMNS})])
    assert brief(start_actions(summary_for(folder, NOV_23))) == [
        ("attainment-data", "P001", "2026-11-16", "overdue"),
        ("dual-registration", "P001", "2026-11-16", "overdue"),
        ("intervention-plan", "P001", "2026-11-16", "overdue"),
        ("parent-letter", "P001", "2026-11-14", "overdue"),
        ("parents-agreement", "P001", "2026-11-16", "overdue"),
        ("send-details", "P001", "2026-11-16", "overdue"),
    ]


def test_start_rules_are_per_placement():
    # Two placements at two providers, each missing a different duty: each action names its own key.
    folder = school([
        row("P001", NOV_16, **{**all_done(WEEK_BEFORE), "Intervention plan agreed": None}),
        row("P002", NOV_16, **{**all_done(WEEK_BEFORE), "Provider ID": "PRV2", "Attainment data sent": None}),
    ])
    actions = start_actions(summary_for(folder, NOV_23))
    assert sorted((a["rule"], a["placement_id"], a["provider_id"]) for a in actions) == [
        ("attainment-data", "P002", "PRV2"), ("intervention-plan", "P001", "PRV1")]


# --- "done" means a date on or before as-of -------------------------------------------------------

@pytest.mark.parametrize("rule", START_RULES)
@pytest.mark.parametrize("recorded, listed", [
    (WEEK_BEFORE, False),         # done well before as-of
    (NOV_27, False),              # done on as-of itself
    (D(2026, 11, 28), True),      # dated the day after as-of: not done yet
    (D(2026, 12, 4), True),       # a future date typed in advance: not done yet
])
def test_a_date_counts_as_done_only_on_or_before_as_of(rule, recorded, listed):
    column = START_RULES[rule][2]
    folder = school([row("P001", NOV_16, **{**all_done(WEEK_BEFORE), column: recorded})])
    assert [a["rule"] for a in start_actions(summary_for(folder, NOV_23))] == ([rule] if listed else [])


@pytest.mark.parametrize("rule", START_RULES)
def test_a_later_as_of_turns_a_future_date_into_done(rule):
    # Recorded on Mon 30/11: not done at as-of Fri 27/11, done at as-of Mon 30/11.
    column = START_RULES[rule][2]
    folder = school([row("P001", NOV_16, **{**all_done(WEEK_BEFORE), column: D(2026, 11, 30)})])
    assert [a["rule"] for a in start_actions(summary_for(folder, NOV_23, NOV_27))] == [rule]
    assert start_actions(summary_for(folder, NOV_23, D(2026, 11, 30))) == []


# --- who each rule applies to ---------------------------------------------------------------------

@pytest.mark.parametrize("arranged_by, listed", [("School", True), ("Local authority", False)])
def test_parent_letter_only_for_placements_arranged_by_the_school(arranged_by, listed):
    folder = school([row("P001", NOV_16, **{**all_done(WEEK_BEFORE), "Parent letter sent": None,
                                                      "Arranged by": arranged_by})])
    assert [a["rule"] for a in start_actions(summary_for(folder, NOV_23))] == (["parent-letter"] if listed else [])


@pytest.mark.parametrize("send, ehc, listed", [
    ("Y", "Y", True),
    ("Y", "N", True),
    ("N", "Y", True),
    ("Y", None, True),
    (None, "Y", True),
    ("y", None, True),     # read case-insensitively
    ("N", "N", False),
    (None, None, False),
])
def test_send_details_only_when_send_or_ehc_plan_is_y(send, ehc, listed):
    cells = {**all_done(WEEK_BEFORE), "SEND": send, "EHC plan": ehc, "SEND details sent": None}
    folder = school([row("P001", NOV_16, **cells)])
    assert [a["rule"] for a in start_actions(summary_for(folder, NOV_23))] == (["send-details"] if listed else [])


@pytest.mark.parametrize("refused", [WEEK_BEFORE, NOV_27])
def test_parents_refused_silences_parents_agreement_and_every_other_action(refused):
    # Nothing is done and the parents refused: the placement never runs, so it has no actions at all
    # (contract §3), not even parents-agreement. A second, normal placement keeps the run honest.
    folder = school([
        row("P001", NOV_16, SEND="Y", **{c: None for c in COLUMNS}, **{"Parents refused": refused,
                                                                      "Planned end date": D(2026, 11, 20)}),
        row("P002", NOV_16, **{**all_done(WEEK_BEFORE), "Parents agreed": None}),
    ])
    summary = summary_for(folder, NOV_23)
    assert [a for a in summary["actions"] if a["placement_id"] == "P001"] == []
    assert brief(start_actions(summary)) == [("parents-agreement", "P002", "2026-11-16", "overdue")]


def test_a_refused_placement_starting_in_the_window_has_no_actions():
    folder = school([row("P001", DEC_02, SEND="Y", **{c: None for c in COLUMNS},
                                   **{"Parents refused": D(2026, 11, 20)})])
    assert summary_for(folder, NOV_23)["actions"] == []


# --- messages -------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule", START_RULES)
def test_start_rule_message_names_the_placement_and_says_what_to_do(rule):
    column = START_RULES[rule][2]
    folder = school([row("P001", NOV_16, **{**all_done(WEEK_BEFORE), column: None})])
    [action] = start_actions(summary_for(folder, NOV_23))
    message = action["message"]
    assert "P001" in message
    assert "16/11/2026" in message                  # the start date
    assert f"enter the date in {column}" in message  # what to record once done


def test_start_rule_messages_carry_no_pupil_names():
    names = {"Forename": "Zebedee", "Surname": "Quackenbush"}
    folder = school([
        row("P001", NOV_16, SEND="Y", **{c: None for c in COLUMNS}, **names),
        row("P002", DEC_02, SEND="Y", **{c: None for c in COLUMNS}),   # the factory's own names
    ])
    summary = summary_for(folder, NOV_23)
    actions = start_actions(summary)
    assert {a["rule"] for a in actions} == set(START_RULES) and len(actions) == 12
    factory = placement("P002")
    for a in actions:
        for name in ("Zebedee", "Quackenbush", factory["Surname"]):
            assert name not in a["message"]
        assert factory["Forename"] not in a["message"].split()
    text = json.dumps(summary)
    assert "Zebedee" not in text and "Quackenbush" not in text and factory["Surname"] not in text
