"""The placement rules of contract §10: incident, reintegration, past-planned-end.

Reporting week Mon 23/11/2026 - Sun 29/11/2026 (school days Mon-Fri), as-of Fri 27/11 unless a test
says otherwise.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.factories import full_week, placement, provider, write_return
from tests.figure_factories import D, NOV_23, NOV_27, finding_rules, rules_of, summary_for
from tests.figure_factories import school as school_folder
from tests.memory_school import MemorySchool, school

NOV_16 = D(2026, 11, 16)
NOV_20 = D(2026, 11, 20)
NOV_25 = D(2026, 11, 25)
NOV_30 = D(2026, 11, 30)
SEP_07 = D(2026, 9, 7)


def incident_row(day=NOV_25, pid="P001", category="Serious behaviour", reported=NOV_25) -> dict:
    return {"Date": day, "Placement ID": pid, "Category": category, "Reported to DSL": reported}


def with_return(folder, incidents, provider_id="PRV1", monday=NOV_23, name=None, rows=None, created=None):
    rows = [("P001", full_week("B"))] if rows is None else rows
    if isinstance(folder, MemorySchool):
        return folder.add_return(provider_id, monday, rows, incidents, created, name)
    return write_return(folder / "returns" / (name or f"{provider_id}_{monday}.xlsx"), provider_id, monday, rows,
                        incidents=incidents, created=created)


def brief(actions: list[dict]) -> list[tuple]:
    return [(a["rule"], a["placement_id"], a["provider_id"], a["due"], a["status"], a["owner"]) for a in actions]


# --- incident -------------------------------------------------------------------------------------

def test_incident_in_the_weeks_return_is_an_alert_for_the_ap_lead(tmp_path):
    folder = school_folder(tmp_path, [placement("P001", start=SEP_07)])
    with_return(folder, [incident_row()])
    [action] = rules_of(summary_for(folder, NOV_23), "incident")
    assert {k: v for k, v in action.items() if k != "message"} == {
        "rule": "incident", "section": "14.5, 13.4", "placement_id": "P001", "provider_id": "PRV1", "upn": None,
        "due": None, "status": "alert", "owner": "AP lead"}
    message = action["message"]
    assert "P001" in message and "Serious behaviour" in message and "25/11/2026" in message
    assert "reported to the DSL on 25/11/2026" in message
    assert "Decide" in message                      # what to do


@pytest.mark.parametrize("category, owner", [
    ("Serious behaviour", "AP lead"),
    ("Safeguarding concern", "DSL"),
    ("safeguarding CONCERN", "DSL"),   # a list value is read case-insensitively
    ("Injury", "AP lead"),
    ("Other", "AP lead"),
])
def test_incident_owner_is_the_dsl_only_for_a_safeguarding_concern(category, owner):
    folder = school([placement("P001", start=SEP_07)])
    with_return(folder, [incident_row(category=category)])
    [action] = rules_of(summary_for(folder, NOV_23), "incident")
    assert action["owner"] == owner
    if owner == "DSL":
        assert "Safeguarding concern" in action["message"] and "DSL" in action["message"]


def test_incident_not_reported_to_the_dsl_says_so():
    folder = school([placement("P001", start=SEP_07)])
    with_return(folder, [incident_row(category="Safeguarding concern", reported=None)])
    [action] = rules_of(summary_for(folder, NOV_23), "incident")
    assert "not recorded as reported to the DSL" in action["message"]
    assert "Check that the DSL has it" in action["message"]


@pytest.mark.parametrize("day, listed", [
    (D(2026, 11, 22), False),   # Sunday before the reporting week
    (NOV_23, True),             # its Monday
    (NOV_27, True),             # its Friday
    (D(2026, 11, 29), True),    # its Sunday: the week runs Mon..Sun
    (NOV_30, False),            # the next Monday
    (NOV_16, False),            # a week earlier
])
def test_incident_only_when_dated_in_the_reporting_week(day, listed):
    folder = school([placement("P001", start=SEP_07)])
    with_return(folder, [incident_row(day=day)])
    assert len(rules_of(summary_for(folder, NOV_23), "incident")) == (1 if listed else 0)


def test_incident_in_any_accepted_return_counts_by_its_own_date():
    # An incident of Wed 25/11 sent in with the return for the week of 30/11 still belongs to the
    # week of 23/11; one of 18/11 sent with the week of 23/11 belongs to the week of 16/11.
    folder = school([placement("P001", start=SEP_07)])
    with_return(folder, [incident_row(day=D(2026, 11, 18), category="Injury")], monday=NOV_23)
    with_return(folder, [incident_row(day=NOV_25, category="Other")], monday=NOV_30)
    assert [a["message"].split(" incident")[0] for a in rules_of(summary_for(folder, NOV_23), "incident")] == ["Other"]
    assert [a["message"].split(" incident")[0] for a in rules_of(summary_for(folder, NOV_16), "incident")] == ["Injury"]


def test_one_action_per_incident():
    folder = school([placement("P001", start=SEP_07), placement("P002", start=SEP_07)])
    with_return(folder, [incident_row(pid="P001"), incident_row(pid="P002", category="Safeguarding concern"),
                         incident_row(pid="P001", day=NOV_27, category="Injury")],
                rows=[("P001", full_week("B")), ("P002", full_week("B"))])
    actions = rules_of(summary_for(folder, NOV_23), "incident")
    assert sorted((a["placement_id"], a["owner"]) for a in actions) == [
        ("P001", "AP lead"), ("P001", "AP lead"), ("P002", "DSL")]


def test_no_incident_from_a_return_rejected_for_an_unknown_provider():
    folder = school([placement("P001", start=SEP_07)])
    with_return(folder, [incident_row(category="Safeguarding concern")], provider_id="PRV9")
    summary = summary_for(folder, NOV_23)
    assert rules_of(summary, "incident") == []
    assert any(f["file"] == "returns/PRV9_2026-11-23.xlsx" and f["severity"] == "error" for f in summary["findings"])


def test_no_incident_from_a_return_left_out_for_a_later_one():
    # Two returns from PRV1 for the same week: the one saved later wins and the other is left out whole,
    # incidents included.
    folder = school([placement("P001", start=SEP_07)])
    with_return(folder, [incident_row(category="Injury")], name="early.xlsx", created=dt.datetime(2026, 11, 27, 9))
    with_return(folder, [], name="late.xlsx", created=dt.datetime(2026, 11, 27, 16))
    summary = summary_for(folder, NOV_23)
    assert "duplicate-return" in finding_rules(summary, "warning")
    assert rules_of(summary, "incident") == []


def test_incident_from_the_winning_duplicate_is_listed():
    folder = school([placement("P001", start=SEP_07)])
    with_return(folder, [], name="early.xlsx", created=dt.datetime(2026, 11, 27, 9))
    with_return(folder, [incident_row(category="Injury")], name="late.xlsx", created=dt.datetime(2026, 11, 27, 16))
    assert len(rules_of(summary_for(folder, NOV_23), "incident")) == 1


def test_incident_for_a_pupil_of_another_provider_is_left_out():
    folder = school([placement("P001", start=SEP_07), placement("P002", "PRV2", start=SEP_07)])
    with_return(folder, [incident_row(pid="P002")])
    summary = summary_for(folder, NOV_23)
    assert rules_of(summary, "incident") == []
    assert "wrong-placement" in finding_rules(summary, "error")


# --- reintegration --------------------------------------------------------------------------------

ALL_FOUR = {"Final report received": NOV_20, "Pupil views recorded": NOV_20, "Reintegration plan agreed": NOV_20,
            "Destination": "Back at school full time"}


def ended(end=NOV_20, **cells) -> dict:
    p = placement("P001", start=SEP_07)
    p.update({"Actual end date": end, "Planned end date": end, **ALL_FOUR})
    p.update(cells)
    return p


def test_reintegration_fires_after_the_end_with_nothing_recorded():
    folder = school([ended(**{k: None for k in ALL_FOUR})])
    [action] = rules_of(summary_for(folder, NOV_23), "reintegration")
    assert {k: v for k, v in action.items() if k != "message"} == {
        "rule": "reintegration", "section": "16.2–16.5", "placement_id": "P001", "provider_id": "PRV1",
        "upn": None, "due": "2026-11-20", "status": "overdue", "owner": "Governing board"}
    message = action["message"]
    assert "P001" in message and "20/11/2026" in message
    for item in ALL_FOUR:
        assert item in message
    assert "are not recorded" in message
    assert "agree the reintegration plan" in message   # what to do


@pytest.mark.parametrize("missing", list(ALL_FOUR))
def test_reintegration_lists_exactly_the_missing_item(missing):
    folder = school([ended(**{missing: None})])
    [action] = rules_of(summary_for(folder, NOV_23), "reintegration")
    assert f"but {missing} is not recorded" in action["message"]
    for other in set(ALL_FOUR) - {missing}:
        assert f"{other}" not in action["message"].split("but ")[1].split(" is not recorded")[0]


def test_reintegration_lists_two_missing_items():
    folder = school([ended(**{"Pupil views recorded": None, "Destination": "   "})])
    [action] = rules_of(summary_for(folder, NOV_23), "reintegration")
    assert "but Pupil views recorded, Destination are not recorded" in action["message"]


@pytest.mark.parametrize("item", ["Final report received", "Pupil views recorded", "Reintegration plan agreed"])
@pytest.mark.parametrize("recorded, listed", [(NOV_27, False), (D(2026, 11, 28), True)])
def test_reintegration_item_counts_only_if_dated_on_or_before_as_of(item, recorded, listed):
    folder = school([ended(**{item: recorded})])
    actions = rules_of(summary_for(folder, NOV_23), "reintegration")
    assert len(actions) == (1 if listed else 0)
    if listed:
        assert f"but {item} is not recorded" in actions[0]["message"]


def test_reintegration_quiet_when_all_four_are_recorded():
    folder = school([ended()])
    assert rules_of(summary_for(folder, NOV_23), "reintegration") == []


@pytest.mark.parametrize("end, status", [
    (NOV_20, "overdue"),          # ended before as-of
    (NOV_27, "due"),              # ended on as-of: due that day, not yet overdue
    (D(2026, 11, 30), None),      # ends after as-of: not yet
    (D(2026, 12, 4), None),
])
def test_reintegration_only_once_the_actual_end_is_on_or_before_as_of(end, status):
    folder = school([ended(end, **{k: None for k in ALL_FOUR})])
    assert [(a["due"], a["status"]) for a in rules_of(summary_for(folder, NOV_23), "reintegration")] == (
        [(end.isoformat(), status)] if status else [])


def test_reintegration_not_for_a_placement_without_an_actual_end():
    folder = school([placement("P001", start=SEP_07, Planned_end_date=NOV_20)])
    assert rules_of(summary_for(folder, NOV_23), "reintegration") == []


def test_reintegration_not_for_a_refused_placement():
    folder = school([ended(**{k: None for k in ALL_FOUR}, **{"Parents refused": D(2026, 9, 1)})])
    assert summary_for(folder, NOV_23)["actions"] == []


# --- past-planned-end -----------------------------------------------------------------------------

def test_past_planned_end_is_an_alert_for_the_ap_lead():
    folder = school([placement("P001", start=SEP_07, Planned_end_date=NOV_20)])
    [action] = rules_of(summary_for(folder, NOV_23), "past-planned-end")
    assert {k: v for k, v in action.items() if k != "message"} == {
        "rule": "past-planned-end", "section": "3.4", "placement_id": "P001", "provider_id": "PRV1", "upn": None,
        "due": None, "status": "alert", "owner": "AP lead"}
    message = action["message"]
    assert "P001" in message and "20/11/2026" in message
    assert "enter the Actual end date" in message    # what to do


@pytest.mark.parametrize("planned, listed", [
    (D(2026, 11, 26), True),      # the day before as-of
    (NOV_27, False),              # on as-of: the placement may end today
    (D(2026, 12, 4), False),      # after as-of
    (None, False),                # no planned end
])
def test_past_planned_end_only_when_the_planned_end_is_before_as_of(planned, listed):
    folder = school([placement("P001", start=SEP_07, Planned_end_date=planned)])
    assert len(rules_of(summary_for(folder, NOV_23), "past-planned-end")) == (1 if listed else 0)


@pytest.mark.parametrize("actual_end", [NOV_20, NOV_27, D(2026, 12, 4)])
def test_past_planned_end_quiet_with_an_actual_end_date(actual_end):
    # Ended (before or on as-of) or given a later end date (still active): either way someone decided.
    folder = school([placement("P001", start=SEP_07, Planned_end_date=D(2026, 11, 13),
                                         Actual_end_date=actual_end)])
    assert rules_of(summary_for(folder, NOV_23), "past-planned-end") == []


def test_past_planned_end_quiet_when_not_active():
    folder = school([placement("P001", start=SEP_07, Planned_end_date=NOV_20,
                                         Parents_refused=D(2026, 9, 1))])
    assert rules_of(summary_for(folder, NOV_23), "past-planned-end") == []


def test_past_planned_end_follows_as_of():
    # Planned end Fri 27/11: quiet at as-of 27/11, an alert at as-of Mon 30/11 (after the week's Friday).
    folder = school([placement("P001", start=SEP_07, Planned_end_date=NOV_27)])
    assert rules_of(summary_for(folder, NOV_23), "past-planned-end") == []
    assert len(rules_of(summary_for(folder, NOV_23, D(2026, 11, 30)), "past-planned-end")) == 1


# --- messages carry no names ----------------------------------------------------------------------

def test_placement_rule_messages_carry_no_pupil_names():
    placements = [placement("P001", start=SEP_07, Planned_end_date=NOV_20, Forename="Zebedee", Surname="Quackenbush")]
    p2 = ended(**{k: None for k in ALL_FOUR}, Forename="Ermintrude", Surname="Fotheringay")
    p2["Placement ID"] = "P002"
    placements.append(p2)
    placements.append(placement("P003", start=SEP_07))   # the factory's own names
    folder = school(placements)
    factory = placement("P003")
    # the provider's free-text Summary may name the pupil: it must not be copied into the action
    with_return(folder, [{**incident_row(pid="P001"), "Summary": "Zebedee Quackenbush threw a chair"},
                         {**incident_row(pid="P003", category="Safeguarding concern"),
                          "Summary": f"{factory['Forename']} {factory['Surname']} disclosed a concern"}],
                rows=[("P001", full_week("B")), ("P003", full_week("B"))])
    summary = summary_for(folder, NOV_23)
    got = {(a["rule"], a["placement_id"]) for a in summary["actions"]
           if a["rule"] in ("incident", "reintegration", "past-planned-end")}
    assert got == {("incident", "P001"), ("incident", "P003"), ("reintegration", "P002"),
                   ("past-planned-end", "P001")}
    for a in summary["actions"]:
        if a["placement_id"]:
            assert a["placement_id"] in a["message"]
        for name in ("Zebedee", "Quackenbush", "Ermintrude", "Fotheringay", factory["Surname"]):
            assert name not in a["message"]
        assert factory["Forename"] not in a["message"].split()
    text = json.dumps(summary)
    for name in ("Zebedee", "Quackenbush", "Ermintrude", "Fotheringay", factory["Surname"]):
        assert name not in text
