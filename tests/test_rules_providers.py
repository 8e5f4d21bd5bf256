"""The rule provider-checks of contract §10 (policy §5.3, §7.6) on the provider register of §4.

Worked by hand on the factory school.toml:
  as-of Fri 27/11/2026 (reporting week Mon 23/11). Window = the 10 school days after it:
  30/11-04/12 (5), 07-11/12 (10) -> ends Fri 11/12/2026.
  12 months before as-of is 27/11/2025: a check of that date is still current (it is exactly 12 months
  old); one dated 26/11/2025 is one day older than that: expired, due its date + 12 months = 26/11/2026.
The factory provider has all five checks dated 01/06/2026, Registered Y, Status Active: all current.
The factory placement starts Mon 07/09/2026 at PRV1.
"""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline.schema import PROVIDER_CHECKS
from tests.factories import placement, provider, write_school
from tests.memory_school import memory_school
from tests.rule_factories import actions_as_of, key_due_status, toml_with_rules

D = dt.date
AS_OF = D(2026, 11, 27)


def over(header: str, value) -> dict:
    """provider() keyword for a header: 'Staff checks confirmed' -> Staff_checks_confirmed."""
    return {header.replace(" ", "_"): value}


def checks(providers, placements=None, as_of=AS_OF, toml=None, folder=None) -> list[dict]:
    """The provider-checks actions, for a school held in memory (or written to `folder`)."""
    args = (placements or [placement()], providers)
    kwargs = {"toml": toml} if toml else {}
    folder = memory_school(*args, **kwargs) if folder is None else write_school(folder / "school", *args, **kwargs)
    return actions_as_of(folder, "provider-checks", as_of)


def test_provider_with_every_check_current_is_quiet():
    assert checks([provider()]) == []


@pytest.mark.parametrize("header", PROVIDER_CHECKS)
@pytest.mark.parametrize("checked, expected", [
    (D(2025, 11, 27), []),                                       # exactly 12 months old: still current
    (D(2025, 11, 26), [("PRV1", "2026-11-26", "overdue")]),      # a day more: expired, due its date + 12 months
])
def test_each_check_expires_after_12_months(header, checked, expected):
    actions = checks([provider(**over(header, checked))])
    assert key_due_status(actions) == expected
    if expected:
        assert header in actions[0]["message"] and "26/11/2025" in actions[0]["message"]


@pytest.mark.parametrize("header", PROVIDER_CHECKS)
def test_each_blank_check_is_due_at_the_placement_start(tmp_path, header):
    actions = checks([provider(**over(header, None))], folder=tmp_path)
    assert key_due_status(actions) == [("PRV1", "2026-09-07", "overdue")]
    assert header in actions[0]["message"]
    assert all(other not in actions[0]["message"] for other in PROVIDER_CHECKS if other != header)


@pytest.mark.parametrize("checked", [D(2026, 11, 28), D(2026, 12, 1)])
def test_check_dated_after_as_of_counts_as_blank(checked):
    # a blank check is due at the earliest start (07/09), not at some expiry date
    actions = checks([provider(Staff_checks_confirmed=checked)])
    assert key_due_status(actions) == [("PRV1", "2026-09-07", "overdue")]
    assert "Staff checks confirmed" in actions[0]["message"]


@pytest.mark.parametrize("field, value, text", [
    ("Registered", "N", "Registered"),
    ("Registered", None, "Registered"),
    ("Status", "Suspended", "Suspended"),
    ("Status", "Closed", "Closed"),
    ("Status", None, "Status"),
])
def test_registered_and_status_are_due_at_the_placement_start(field, value, text):
    actions = checks([provider(**{field: value})])
    assert key_due_status(actions) == [("PRV1", "2026-09-07", "overdue")]
    assert text in actions[0]["message"]


def test_one_action_lists_each_failing_item():
    # Approved 01/11/2025 expired (due 01/11/2026); Staff checks blank, Registered N, Status Suspended
    # (due the start, 07/09/2026). Two placements at PRV1: still one action. Due = the earliest, 07/09.
    prv = provider(Approved=D(2025, 11, 1), Staff_checks_confirmed=None, Registered="N", Status="Suspended")
    actions = checks([prv], [placement("P001"), placement("P002", start=D(2026, 10, 5))])
    assert key_due_status(actions) == [("PRV1", "2026-09-07", "overdue")]
    a = actions[0]
    assert {k: a[k] for k in ("rule", "section", "owner", "placement_id", "provider_id", "upn")} == {
        "rule": "provider-checks", "section": "5.3, 7.6", "owner": "DSL", "placement_id": None,
        "provider_id": "PRV1", "upn": None}
    for item in ("Approved", "01/11/2025", "Staff checks confirmed", "Registered", "Suspended"):
        assert item in a["message"], item
    for current in ("Safeguarding policy checked", "Health and safety policy checked",
                    "Child protection policy acknowledged"):
        assert current not in a["message"], current


def test_one_action_per_provider():
    providers = [provider("PRV1", Approved=None), provider("PRV2", Status="Closed"), provider("PRV3")]
    placements = [placement("P001", "PRV1"), placement("P002", "PRV2", start=D(2026, 9, 14)),
                  placement("P003", "PRV3")]
    assert key_due_status(checks(providers, placements)) == [
        ("PRV1", "2026-09-07", "overdue"), ("PRV2", "2026-09-14", "overdue")]


# Placements at PRV1 for the due-date tests: P000 started 07/09 but ended 20/11 (not active on as-of);
# P001 starts Mon 30/11 and P002 Wed 02/12, both inside the window; P003 starts Mon 14/12, after the
# window's last day 11/12. "Those placements" are P001 and P002: the earliest start is 30/11.
DUE_PLACEMENTS = [placement("P000", start=D(2026, 9, 7), Actual_end_date=D(2026, 11, 20)),
                  placement("P001", start=D(2026, 11, 30)), placement("P002", start=D(2026, 12, 2)),
                  placement("P003", start=D(2026, 12, 14))]


@pytest.mark.parametrize("provider_over, placements, expected", [
    # blank check only: the earliest start among active/starting placements -> 30/11, within the window
    ({"Approved": None}, DUE_PLACEMENTS, [("PRV1", "2026-11-30", "due")]),
    ({"Registered": "N"}, DUE_PLACEMENTS, [("PRV1", "2026-11-30", "due")]),
    # an expired check (20/11/2025 + 12 months = 20/11/2026) is earlier than the start 30/11
    ({"Approved": None, "Safeguarding_policy_checked": D(2025, 11, 20)}, DUE_PLACEMENTS,
     [("PRV1", "2026-11-20", "overdue")]),
    # expired checks only: the earliest expiry (05/10/2025 + 12 months), not the start 07/09
    ({"Safeguarding_policy_checked": D(2025, 11, 20), "Staff_checks_confirmed": D(2025, 10, 5)},
     [placement()], [("PRV1", "2026-10-05", "overdue")]),
    # expiry 20/11/2026 is later than the start 07/09 of the blank check's placement
    ({"Safeguarding_policy_checked": D(2025, 11, 20), "Status": "Suspended"}, [placement()],
     [("PRV1", "2026-09-07", "overdue")]),
])
def test_due_is_the_earliest_failing_date(provider_over, placements, expected):
    assert key_due_status(checks([provider(**provider_over)], placements)) == expected


@pytest.mark.parametrize("prv2_placement, expected", [
    # PRV2 has every check from 01/01/2024 (expired 01/01/2025), is not registered and is Closed.
    (placement("P002", "PRV2", start=D(2026, 9, 7), Actual_end_date=D(2026, 11, 20)), []),   # ended
    (placement("P002", "PRV2", start=D(2026, 12, 14)), []),                                # starts after the window
    (placement("P002", "PRV2", Parents_refused=D(2026, 9, 1), Parents_agreed=None), []),   # never runs
    # the counter-cases: active on as-of (ends on it), or starting on the window's last day 11/12
    (placement("P002", "PRV2", start=D(2026, 9, 7), Actual_end_date=AS_OF), [("PRV2", "2025-01-01", "overdue")]),
    (placement("P002", "PRV2", start=D(2026, 12, 11)), [("PRV2", "2025-01-01", "overdue")]),
])
def test_provider_without_an_active_or_starting_placement_is_quiet(prv2_placement, expected):
    old = {h.replace(" ", "_"): D(2024, 1, 1) for h in PROVIDER_CHECKS}
    providers = [provider("PRV1"), provider("PRV2", Registered="N", Status="Closed", **old),
                 provider("PRV3", Status="Closed", **old)]                # PRV3 has no placement at all
    assert key_due_status(checks(providers, [placement("P001"), prv2_placement])) == expected


@pytest.mark.parametrize("months, checked, expected", [
    # 6 months: 27/05/2026 is exactly 6 months before as-of 27/11: current; 26/05 is expired,
    # due 26/05/2026 + 6 months = 26/11/2026.
    (6, D(2026, 5, 27), []),
    (6, D(2026, 5, 26), [("PRV1", "2026-11-26", "overdue")]),
    (None, D(2026, 5, 26), []),                                  # the default 12 months: current
    # 24 months: 26/11/2025 (expired under 12) is current; 26/11/2024 is one day past 24 months.
    (24, D(2025, 11, 26), []),
    (24, D(2024, 11, 26), [("PRV1", "2026-11-26", "overdue")]),
])
def test_check_period_comes_from_the_settings(months, checked, expected):
    toml = toml_with_rules(provider_check_months=months) if months else None
    actions = checks([provider(Child_protection_policy_acknowledged=checked)], toml=toml)
    assert key_due_status(actions) == expected


# --- provider-registration (§5.3, §7.6): five full-time pupils, or one with an EHC plan or looked after -------

def registration(placements, providers=None, as_of=AS_OF) -> list[dict]:
    return actions_as_of(memory_school(placements, providers or [provider(Registered="N")]),
                         "provider-registration", as_of)


def full_time(n: int, **over) -> list[dict]:
    return [placement(f"P{i:03}", UPN=f"B8012000050{i:02}", **over) for i in range(1, n + 1)]


def test_five_full_time_pupils_at_an_unregistered_provider_is_one_alert():
    actions = registration(full_time(5))
    assert [(a["provider_id"], a["status"], a["due"], a["owner"], a["placement_id"]) for a in actions] == [
        ("PRV1", "alert", None, "DSL", None)]
    assert "educates full time 5 pupils from this school" in actions[0]["message"]
    assert "Pupil" not in actions[0]["message"]          # no pupil named


def test_four_full_time_pupils_is_quiet_and_a_fifth_part_time_does_not_count():
    assert registration(full_time(4)) == []
    assert registration(full_time(4) + [placement("P005", UPN="B801200005099", Fri="AM")]) == []


@pytest.mark.parametrize("flag", ["EHC plan", "Looked after"])
def test_one_full_time_pupil_with_an_ehc_plan_or_looked_after_is_enough(flag):
    actions = registration([placement(**{flag.replace(" ", "_"): "Y"})])
    assert [a["provider_id"] for a in actions] == ["PRV1"]
    assert "1 pupil from this school, 1 of them with an EHC plan or looked after" in actions[0]["message"]


def test_a_registered_provider_ended_or_refused_placements_are_quiet():
    assert registration(full_time(5), [provider(Registered="Y")]) == []
    ended = full_time(4) + [placement("P005", UPN="B801200005099", Actual_end_date=D(2026, 11, 20))]
    assert registration(ended) == []
    refused = full_time(4) + [placement("P005", UPN="B801200005099", Parents_refused=D(2026, 9, 1))]
    assert registration(refused) == []
    later = full_time(4) + [placement("P005", UPN="B801200005099", start=D(2026, 11, 30))]
    assert registration(later) == []                     # not yet active on as-of
