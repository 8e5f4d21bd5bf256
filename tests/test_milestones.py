"""The Placements and Providers tables of the weekly reports, on a small school run through compute_facts.

The week is Monday 23/11/2026; as-of is Friday 27/11/2026; the due window ends on Friday 11/12/2026.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from pipeline.milestones import EXPIRES_SOON_DAYS, MILESTONE_HEADERS
from pipeline.core import compute_facts
from tests.factories import SCHOOL_TOML, placement, provider, write_school

WEEK = dt.date(2026, 11, 23)
AS_OF = dt.date(2026, 11, 27)


def _school(tmp_path, toml=SCHOOL_TOML):
    placements = [
        # all start duties done (the factory's dates), one agreement review and a recent visit
        placement("P001"),
        # attainment data and SEND details never sent, no visit since the start: overdue
        placement("P002", "PRV2", SEND="Y", Attainment_data_sent=None),
        # starts next week; the letter is not sent, and the dual registration date is after as-of (so not done)
        placement("P003", start=dt.date(2026, 12, 1), Parent_letter_sent=None),
        # parents refused: never runs
        placement("P004", Parents_agreed=None, Parents_refused=dt.date(2026, 9, 1), Parent_letter_sent=None,
                  Dual_registered_from=None),
        # arranged by the local authority; ended, with the final report in but no destination or pupil views
        placement("P005", Arranged_by="Local authority", Parent_letter_sent=None, EHC_plan="Y",
                  SEND_details_sent=dt.date(2026, 9, 1), Actual_end_date=dt.date(2026, 11, 20),
                  Final_report_received=dt.date(2026, 11, 25), Reintegration_plan_agreed=dt.date(2026, 11, 18)),
    ]
    providers = [
        provider("PRV1"),                                               # every check 01/06/2026: current
        provider("PRV2", Registered="N",
                 Approved=dt.date(2025, 11, 1),                         # expired 01/11/2026
                 Safeguarding_policy_checked=dt.date(2025, 12, 20),     # expires 20/12/2026: soon
                 Staff_checks_confirmed=None,                           # missing
                 Child_protection_policy_acknowledged=dt.date(2026, 12, 1)),   # dated after as-of: missing
        provider("PRV3", Approved=dt.date(2025, 11, 27),                 # expires on as-of itself: soon, not expired
                 Health_and_safety_policy_checked=dt.date(2025, 12, 27),  # as-of + 30 days: soon
                 Staff_checks_confirmed=dt.date(2025, 12, 28)),          # as-of + 31 days: current
        provider("PRV4", Status="Suspended"),
    ]
    reviews = [
        {"Placement ID": "P001", "Date": dt.date(2026, 10, 15), "Type": "Agreement review"},
        {"Placement ID": "P001", "Date": dt.date(2026, 11, 10), "Type": "AP lead visit"},
        {"Placement ID": "P001", "Date": dt.date(2026, 9, 30), "Type": "AP lead visit"},
        {"Placement ID": "P001", "Date": dt.date(2026, 12, 2), "Type": "Provider termly report"},   # after as-of
    ]
    return write_school(tmp_path / "school", placements, providers, reviews=reviews, toml=toml)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return compute_facts(_school(tmp_path_factory.mktemp("milestones")), WEEK)


def _cells(result, pid: str) -> dict[str, tuple[str, str]]:
    row = next(p for p in result.placements if p["placement_id"] == pid)
    assert [m["milestone"] for m in row["milestones"]] == list(MILESTONE_HEADERS)
    return {m["milestone"]: (m["text"], m["state"]) for m in row["milestones"]}


def _provider(result, pid: str) -> dict:
    return next(p for p in result.providers if p["provider_id"] == pid)


def _check(result, pid: str, header: str) -> dict:
    return next(c for c in _provider(result, pid)["checks"] if c["check"] == header)


def test_one_row_per_placement_with_its_dates(result):
    assert [p["placement_id"] for p in result.placements] == ["P001", "P002", "P003", "P004", "P005"]
    p5 = result.placements[4]
    assert p5["pupil"] == "Test Pupil P005" and p5["provider"] == "Provider PRV1"
    assert (p5["start_date"], p5["actual_end_date"]) == (dt.date(2026, 9, 7), dt.date(2026, 11, 20))


def test_done_milestones_show_their_dates(result):
    cells = _cells(result, "P001")
    assert cells["Parent letter sent"] == ("done 31/08/2026", "done")
    assert cells["Dual registered from"] == ("done 07/09/2026", "done")
    assert cells["Latest agreement review"] == ("done 15/10/2026", "done")
    assert cells["Latest AP lead visit"] == ("done 10/11/2026", "done")        # the latest of the two
    assert cells["Latest provider termly report"] == ("", "")                   # dated after as-of: not done
    assert cells["SEND details sent"] == ("n/a", "n/a")                         # no SEND, no EHC plan
    assert cells["Final report received"] == ("", "") and cells["Destination"] == ("", "")


def test_open_actions_show_overdue_and_due(result):
    cells = _cells(result, "P002")
    assert cells["Attainment data sent"] == ("OVERDUE (due 07/09/2026)", "overdue")
    assert cells["SEND details sent"] == ("OVERDUE (due 07/09/2026)", "overdue")
    text, state = cells["Latest AP lead visit"]
    assert state == "overdue" and text.startswith("OVERDUE (due ") and "last" not in text
    visit = next(a for a in result.summary["actions"] if a["rule"] == "lead-visit" and a["placement_id"] == "P002")
    assert text == f"OVERDUE (due {dt.date.fromisoformat(visit['due']):%d/%m/%Y})"   # the action's own due date
    upcoming = _cells(result, "P003")
    assert upcoming["Parent letter sent"] == ("due 29/11/2026", "due")          # two days before the start
    assert upcoming["Dual registered from"] == ("due 01/12/2026", "due")        # 01/12 is after as-of: not done
    assert upcoming["Parents agreed"] == ("done 24/11/2026", "done")


def test_a_refused_placement_shows_the_refusal_and_nothing_due(result):
    cells = _cells(result, "P004")
    assert cells["Parents agreed"] == ("parents refused 01/09/2026", "refused")
    assert not [h for h, (_, state) in cells.items() if state in ("due", "overdue")]
    assert cells["Dual registered from"] == ("", "")


def test_local_authority_placement_and_reintegration(result):
    cells = _cells(result, "P005")
    assert cells["Parent letter sent"] == ("n/a", "n/a")                        # arranged by the local authority
    assert cells["SEND details sent"] == ("done 01/09/2026", "done")            # EHC plan Y
    assert cells["Final report received"] == ("done 25/11/2026", "done")
    assert cells["Reintegration plan agreed"] == ("done 18/11/2026", "done")
    assert cells["Pupil views recorded"] == ("OVERDUE (due 20/11/2026)", "overdue")
    assert cells["Destination"] == ("OVERDUE (due 20/11/2026)", "overdue")


def test_provider_checks_expired_missing_soon_current(result):
    assert _check(result, "PRV1", "Approved") == {
        "check": "Approved", "date": dt.date(2026, 6, 1), "expiry": dt.date(2027, 6, 1), "state": "current",
        "rag": "green"}
    assert (_check(result, "PRV2", "Approved")["state"], _check(result, "PRV2", "Approved")["expiry"]) \
        == ("expired", dt.date(2026, 11, 1))
    assert _check(result, "PRV2", "Safeguarding policy checked")["state"] == "expires soon"
    assert _check(result, "PRV2", "Staff checks confirmed")["state"] == "missing"
    future = _check(result, "PRV2", "Child protection policy acknowledged")
    assert (future["state"], future["rag"], future["expiry"]) == ("missing", "red", None)


def test_expires_soon_boundaries(result):
    assert EXPIRES_SOON_DAYS == 30
    assert _check(result, "PRV3", "Approved")["state"] == "expires soon"                      # expires on as-of
    assert _check(result, "PRV3", "Health and safety policy checked")["state"] == "expires soon"  # as-of + 30
    assert _check(result, "PRV3", "Staff checks confirmed")["state"] == "current"               # as-of + 31


def test_provider_overall_rag_with_reasons(result):
    assert (_provider(result, "PRV1")["overall"], _provider(result, "PRV1")["overall_text"]) \
        == ("green", "Green: all checks current")
    red = _provider(result, "PRV2")
    assert red["overall"] == "red" and not red["registered_ok"]
    assert red["overall_text"] == ("Red: Approved expired 01/11/2026; Staff checks confirmed missing; "
                                   "Child protection policy acknowledged missing; Registered is N; "
                                   "Safeguarding policy checked expires 20/12/2026")
    amber = _provider(result, "PRV3")
    assert amber["overall"] == "amber" and amber["overall_text"].startswith("Amber: Approved expires 27/11/2026")
    suspended = _provider(result, "PRV4")
    assert suspended["overall"] == "red" and suspended["overall_text"] == "Red: Status is Suspended"
    assert [p["placements"] for p in result.providers] == [2, 1, 0, 0]     # P001, P003 (P004 refused, P005 ended)


def test_check_period_setting_is_used(tmp_path):
    toml = SCHOOL_TOML + "\n[rules]\nprovider_check_months = 6\n"
    result = compute_facts(_school(tmp_path, toml), WEEK)
    check = _check(result, "PRV1", "Approved")                  # 01/06/2026 + 6 months
    assert (check["expiry"], check["state"]) == (dt.date(2026, 12, 1), "expires soon")


def test_tables_stay_out_of_summary_json(result):
    assert set(result.summary) == {"school", "week_commencing", "as_of", "target_percent", "pupils", "actions",
                                   "missing_returns", "findings"}
    assert "Test Pupil" not in json.dumps(result.summary)


def test_recomputing_gives_the_same_tables(tmp_path, result):
    again = compute_facts(_school(tmp_path), WEEK)
    assert again.placements == result.placements and again.providers == result.providers
