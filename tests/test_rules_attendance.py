"""The attendance rules `missing-return` and `below-target` (contract §10), the catalogue, and action order."""
from __future__ import annotations

import datetime as dt
import re

import pytest

from pipeline import rules
from pipeline.model import Action
from pipeline.rules import CATALOGUE, Rule
from tests.factories import full_week, placement, provider
from tests.figure_factories import D, NOV_16, NOV_23, NOV_27, rules_of, summary_for, toml_with, week_marks
from tests.figure_factories import school as school_folder
from tests.memory_school import school

NOV_09 = D(2026, 11, 9)


def missing(summary: dict) -> list[tuple]:
    return [(a["provider_id"], a["due"], a["status"]) for a in rules_of(summary, "missing-return")]


# --- missing-return ------------------------------------------------------------------------------

def test_missing_return_is_one_action_per_provider_week():
    # P001 at PRV1 full days from Mon 09/11; only the week of 16/11 is returned. Reporting week 23/11,
    # as-of Fri 27/11:
    #   week 09/11 -> due Mon 16/11 < 27/11: overdue
    #   week 23/11 -> due Mon 30/11, within 10 school days of 27/11: due
    # P002 at PRV2 from 23/11, nothing returned -> its own action for week 23/11.
    folder = school([placement("P001", start=NOV_09), placement("P002", "PRV2", start=NOV_23)],
                    returns=[("PRV1", NOV_16, [("P001", full_week("B"))])])
    summary = summary_for(folder, NOV_23)
    assert missing(summary) == [("PRV1", "2026-11-16", "overdue"), ("PRV1", "2026-11-30", "due"),
                                ("PRV2", "2026-11-30", "due")]
    first = rules_of(summary, "missing-return")[0]
    assert {k: first[k] for k in ("section", "owner", "placement_id", "upn")} == {
        "section": "15.2, 15.4", "owner": "Attendance lead", "placement_id": None, "upn": None}
    assert "09/11/2026" in first["message"]
    assert summary["missing_returns"] == [{"provider_id": "PRV1", "week_commencing": "2026-11-09"},
                                          {"provider_id": "PRV1", "week_commencing": "2026-11-23"},
                                          {"provider_id": "PRV2", "week_commencing": "2026-11-23"}]


@pytest.mark.parametrize("as_of, status", [
    (NOV_27, "due"),             # due Mon 30/11 is after as-of and within the window
    (D(2026, 11, 30), "due"),    # due on as-of itself is not yet overdue
    (D(2026, 12, 1), "overdue"),  # due before as-of
])
def test_missing_return_status_follows_as_of(as_of, status):
    folder = school([placement("P001", start=NOV_23)])
    assert missing(summary_for(folder, NOV_23, as_of)) == [("PRV1", "2026-11-30", status)]


@pytest.mark.parametrize("window, start, as_of, listed", [
    # As-of Fri 23/10, the last day before half term: a 1-school-day window ends on Mon 02/11
    # (half term skipped), so the unreturned week of 19/10, due Mon 26/10, is listed as due.
    # (A window of one calendar day would end on Sat 24/10 and drop it.)
    (1, D(2026, 10, 19), D(2026, 10, 23), [("PRV1", "2026-10-26", "due")]),
    # As-of Mon 23/11: a 1-school-day window ends Tue 24/11; the week's due date, Mon 30/11, is later,
    # so it is not listed yet ...
    (1, NOV_23, NOV_23, []),
    # ... but a 5-school-day window ends Mon 30/11 and lists it.
    (5, NOV_23, NOV_23, [("PRV1", "2026-11-30", "due")]),
])
def test_missing_return_is_listed_only_within_the_due_window(window, start, as_of, listed):
    toml = toml_with() + f"\n[rules]\ndue_window_school_days = {window}\n"
    folder = school([placement("P001", start=start)], toml=toml)
    summary = summary_for(folder, start, as_of)
    assert missing(summary) == listed
    assert summary["missing_returns"] == [{"provider_id": "PRV1", "week_commencing": start.isoformat()}]


def test_no_missing_return_once_a_return_is_accepted():
    folder = school([placement("P001", start=NOV_23)], returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])
    summary = summary_for(folder, NOV_23)
    assert rules_of(summary, "missing-return") == [] and summary["missing_returns"] == []


def test_a_rejected_return_does_not_count_as_returned(tmp_path):
    folder = school_folder(tmp_path, [placement("P001", start=NOV_23)])
    (folder / "returns" / "PRV1_week.xlsx").write_text("not a workbook", encoding="utf-8")
    summary = summary_for(folder, NOV_23)
    assert missing(summary) == [("PRV1", "2026-11-30", "due")]
    assert [f["file"] for f in summary["findings"] if f["severity"] == "error"] == ["returns/PRV1_week.xlsx"]


def test_no_missing_return_for_a_half_term_week():
    # Full days from Mon 19/10 with returns for 19/10 and 02/11; the half-term week 26/10 owes nothing.
    folder = school([placement("P001", start=D(2026, 10, 19))], returns=[
        ("PRV1", D(2026, 10, 19), [("P001", full_week("B"))]), ("PRV1", D(2026, 11, 2), [("P001", full_week("B"))])])
    summary = summary_for(folder, D(2026, 11, 2))
    assert rules_of(summary, "missing-return") == []


def test_no_missing_return_for_a_week_of_only_closures():
    # A Friday-only pupil from Fri 06/11: Fri 13/11 is the INSET closure, so the week of 09/11 owes nothing.
    folder = school([placement("P001", start=D(2026, 11, 6), days=None, Fri="Full day")], returns=[
        ("PRV1", D(2026, 11, 2), [("P001", week_marks(Fri="B B"))]), ("PRV1", NOV_16, [("P001", week_marks(Fri="B B"))])])
    assert rules_of(summary_for(folder, NOV_16), "missing-return") == []


@pytest.mark.parametrize("actual_end, owes", [
    (D(2026, 11, 20), False),    # ended the Friday before: PRV2 has no pupil this week
    (D(2026, 11, 24), True),     # ended on the Tuesday: Mon-Tue were still expected
])
def test_missing_return_after_a_provider_s_placements_ended(actual_end, owes):
    # P002 at PRV2 from Mon 16/11, returned for that week; nothing returned for the week of 23/11.
    folder = school([placement("P001", start=NOV_23),
                               placement("P002", "PRV2", start=NOV_16, Actual_end_date=actual_end)],
                    returns=[("PRV1", NOV_23, [("P001", full_week("B"))]),
                             ("PRV2", NOV_16, [("P002", full_week("B"))])])
    assert missing(summary_for(folder, NOV_23)) == ([("PRV2", "2026-11-30", "due")] if owes else [])


def test_no_missing_return_for_a_placement_the_parents_refused():
    folder = school([placement("P001", start=NOV_23, Parents_refused=D(2026, 11, 1))])
    assert rules_of(summary_for(folder, NOV_23), "missing-return") == []


def test_no_missing_return_for_a_later_week():
    # Returns of weeks after the reporting week are never owed yet: reporting week 16/11 lists only 16/11.
    folder = school([placement("P001", start=NOV_16)])
    assert missing(summary_for(folder, NOV_16)) == [("PRV1", "2026-11-23", "due")]


# --- below-target ---------------------------------------------------------------------------------

def test_below_target_alerts_only_active_placements_under_target():
    # Target 90. Full days from Mon 23/11, as-of Fri 27/11:
    #   P001  8 B 2 N          80 %  active                         -> alert
    #   P002  9 B 1 N          90 %  at target                      -> quiet
    #   P003  10 B            100 %                                 -> quiet
    #   P004  Mon-Tue B B N N  50 %  ended Tue 24/11, before as-of  -> quiet
    #   P005  ended Fri 27/11 = as-of, still active that day, Mon-Fri 5 B 5 N = 50 % -> alert
    #   P006  at PRV2, no return: nothing possible, so not below    -> quiet
    placements = [placement("P001", start=NOV_23), placement("P002", start=NOV_23), placement("P003", start=NOV_23),
                  placement("P004", start=NOV_23, Actual_end_date=D(2026, 11, 24)),
                  placement("P005", start=NOV_23, Actual_end_date=NOV_27), placement("P006", "PRV2", start=NOV_23)]
    folder = school(placements, toml=toml_with(target=90.0), returns=[("PRV1", NOV_23, [
        ("P001", ["N", "N"] + ["B"] * 8), ("P002", ["N"] + ["B"] * 9), ("P003", full_week("B")),
        ("P004", week_marks(Mon="B B", Tue="N N")), ("P005", week_marks("N", Mon="B B", Tue="B B", Wed="B -", Thu="- -"))])])
    summary = summary_for(folder, NOV_23)
    alerts = rules_of(summary, "below-target")
    assert [(a["placement_id"], a["provider_id"], a["status"], a["due"]) for a in alerts] == [
        ("P001", "PRV1", "alert", None), ("P005", "PRV1", "alert", None)]
    assert {(a["section"], a["owner"], a["upn"]) for a in alerts} == {("15.5", "Attendance lead", None)}
    assert "80.0%" in alerts[0]["message"] and "8 of 10" in alerts[0]["message"]
    # P004 is still a pupil below target, just no longer an action
    assert {p["placement_id"]: p["below_target"] for p in summary["pupils"]} == {
        "P001": True, "P002": False, "P003": False, "P004": True, "P005": True, "P006": False}


def test_below_target_uses_the_year_to_date_not_the_week():
    # Week of 16/11 all B (10), week of 23/11 8 B 2 N: the week is 80 %, the year 18 / 20 = 90 %:
    # at a 90 target there is no alert.
    folder = school([placement("P001", start=NOV_16)], toml=toml_with(target=90.0), returns=[
        ("PRV1", NOV_16, [("P001", full_week("B"))]), ("PRV1", NOV_23, [("P001", ["N", "N"] + ["B"] * 8)])])
    assert rules_of(summary_for(folder, NOV_23), "below-target") == []


# --- order of actions -------------------------------------------------------------------------------

def test_actions_from_the_pipeline_are_sorted_overdue_due_alert(tmp_path):
    # Three providers, one pupil each, full days from Mon 16/11; reporting week 23/11, as-of 27/11.
    #   PRV1, PRV2: no return for 16/11 -> overdue, both due 23/11, so by key PRV1 then PRV2
    #   PRV3: no return for 23/11 -> due 30/11
    #   P001 (PRV1), P003 (PRV2): 23/11 returned 1 N + 9 B = 90 % < 96 -> alerts, by key
    #   P004 (PRV3): 16/11 returned all B = 100 % -> no alert
    placements = [placement("P003", "PRV2", start=NOV_16), placement("P004", "PRV3", start=NOV_16),
                  placement("P001", "PRV1", start=NOV_16)]
    folder = school_folder(tmp_path, placements, returns=[
        ("PRV2", NOV_23, [("P003", ["N"] + ["B"] * 9)]), ("PRV1", NOV_23, [("P001", ["N"] + ["B"] * 9)]),
        ("PRV3", NOV_16, [("P004", full_week("B"))])])
    summary = summary_for(folder, NOV_23)
    assert [(a["status"], a["due"], a["rule"], a["placement_id"] or a["provider_id"]) for a in summary["actions"]] == [
        ("overdue", "2026-11-23", "missing-return", "PRV1"),
        ("overdue", "2026-11-23", "missing-return", "PRV2"),
        ("due", "2026-11-30", "missing-return", "PRV3"),
        ("alert", None, "below-target", "P001"),
        ("alert", None, "below-target", "P003"),
    ]


def _action(rule_id, status, due, key):
    return Action(rule=rule_id, section="0", owner="Test", status=status, due=due, message=f"{rule_id} {key}",
                  placement_id=key)


def test_run_rules_sorts_by_status_then_due_then_rule_then_key(monkeypatch):
    later, sooner = D(2026, 12, 1), D(2026, 11, 30)
    scrambled = [
        _action("b-rule", "alert", None, "P001"), _action("a-rule", "alert", None, "P002"),
        _action("a-rule", "due", later, "P001"), _action("b-rule", "due", sooner, "P009"),
        _action("a-rule", "due", sooner, "P002"), _action("a-rule", "due", sooner, "P001"),
        _action("b-rule", "overdue", D(2026, 11, 2), "P001"), _action("a-rule", "overdue", D(2026, 11, 9), "P001"),
        _action("a-rule", "alert", None, "P001"),
    ]
    monkeypatch.setattr(rules, "CATALOGUE", {"test": Rule("test", "0", "Test", "placement", "", lambda ctx: iter(scrambled))})
    ordered = [(a.status, a.due, a.rule, a.placement_id) for a in rules.run_rules(ctx=None)]
    assert ordered == [
        ("overdue", D(2026, 11, 2), "b-rule", "P001"),
        ("overdue", D(2026, 11, 9), "a-rule", "P001"),
        ("due", sooner, "a-rule", "P001"),
        ("due", sooner, "a-rule", "P002"),
        ("due", sooner, "b-rule", "P009"),
        ("due", later, "a-rule", "P001"),
        ("alert", None, "a-rule", "P001"),
        ("alert", None, "a-rule", "P002"),
        ("alert", None, "b-rule", "P001"),
    ]


# --- the catalogue ------------------------------------------------------------------------------

@pytest.mark.parametrize("rule_id", sorted(CATALOGUE))
def test_every_rule_has_an_id_section_owner_and_key(rule_id):
    r = CATALOGUE[rule_id]
    assert r.id == rule_id and re.fullmatch(r"[a-z]+(-[a-z]+)*", r.id)
    assert re.fullmatch(r"\d+\.\d+([–-]\d+\.\d+)?(, \d+\.\d+([–-]\d+\.\d+)?)*", r.section), r.section
    assert r.owner.strip() and r.owner[0].isupper()
    assert r.key in ("placement", "provider", "upn")
    assert callable(r.check)


@pytest.mark.parametrize("rule_id, section, owner, key", [
    ("missing-return", "15.2, 15.4", "Attendance lead", "provider"),
    ("below-target", "15.5", "Attendance lead", "placement"),
])
def test_attendance_rules_are_catalogued_as_the_contract_says(rule_id, section, owner, key):
    r = CATALOGUE[rule_id]
    assert (r.section, r.owner, r.key) == (section, owner, key)
