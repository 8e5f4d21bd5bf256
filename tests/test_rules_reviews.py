"""The review rules of contract §10: agreement-review (§8.4), provider-report (§14.3), lead-visit (§14.4)
and formal-reviews (§14.7).

The factory school.toml, worked by hand (school days = weekdays in a term, outside its break, not a
closure or an England bank holiday):
  Autumn 2026  Thu 03/09 - Fri 18/12, half term Mon 26/10 - Fri 30/10, INSET Fri 13/11.
               Last school day Fri 18/12. First half 03/09-25/10, last school day Fri 23/10;
               second half 31/10-18/12, last school day Fri 18/12.
  Spring 2027  Tue 05/01 - Fri 26/03, half term 15/02-19/02. Easter Sunday 2027 is 28/03, so Fri 26/03
               is Good Friday, a bank holiday: the last school day is Thu 25/03.
  Summer 2027  Mon 12/04 - Wed 21/07, half term 31/05-04/06, bank holiday Mon 03/05.
               First half 12/04-30/05, last school day Fri 28/05.
The due window is the 10 school days after as-of (as-of itself not counted).
The factory placement starts Mon 07/09/2026, full days, at PRV1.
"""
from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import placement, write_school
from tests.memory_school import memory_school
from tests.rule_factories import actions_as_of, key_due_status, review_event, toml_with_rules

D = dt.date
AGREEMENT = "Agreement review"
REPORT = "Provider termly report"
VISIT = "AP lead visit"
FORMAL = "Formal progress review"
NS, SAT = "Not satisfactory", "Satisfactory"


def run(rule, as_of, placements=None, reviews=(), toml=None):
    folder = memory_school(placements or [placement()], reviews=list(reviews),
                           **({"toml": toml} if toml else {}))
    return key_due_status(actions_as_of(folder, rule, as_of))


# --- agreement-review ---------------------------------------------------------------------------

@pytest.mark.parametrize("as_of, expected", [
    # as-of Thu 03/12: window = Fri 04/12 (1), 07-11/12 (6), 14-17/12 (10) -> ends Thu 17/12;
    # Autumn's last school day Fri 18/12 is beyond it: not listed.
    (D(2026, 12, 3), []),
    # as-of Fri 04/12: window = 07-11/12 (5), 14-18/12 (10) -> ends Fri 18/12: due.
    (D(2026, 12, 4), [("P001", "2026-12-18", "due")]),
    # as-of Fri 11/12: window = 14-18/12 (5), Tue 05/01-Fri 08/01 (9), Mon 11/01 (10): due.
    (D(2026, 12, 11), [("P001", "2026-12-18", "due")]),
    # as-of the last school day itself: not yet overdue.
    (D(2026, 12, 18), [("P001", "2026-12-18", "due")]),
    # as-of Wed 06/01/2027: 18/12 is before as-of -> overdue. Spring's last school day (Thu 25/03)
    # is far beyond the window (ends Wed 20/01), so Spring is not listed.
    (D(2027, 1, 6), [("P001", "2026-12-18", "overdue")]),
])
def test_agreement_review_is_due_on_the_terms_last_school_day(as_of, expected):
    assert run("agreement-review", as_of) == expected


@pytest.mark.parametrize("window, expected", [
    # as-of Fri 27/11: the default 10 school days: 30/11-04/12 (5), 07-11/12 (10) -> ends Fri 11/12,
    # so 18/12 is not listed; 15 school days: ... 14-18/12 (15) -> ends Fri 18/12: due.
    (None, []),
    (15, [("P001", "2026-12-18", "due")]),
])
def test_agreement_review_window_comes_from_the_settings(window, expected):
    toml = toml_with_rules(due_window_school_days=window) if window else None
    assert run("agreement-review", D(2026, 11, 27), toml=toml) == expected


def test_agreement_review_action_fields(tmp_path):
    folder = write_school(tmp_path, [placement()], reviews=[])
    [a] = actions_as_of(folder, "agreement-review", D(2026, 12, 11))
    assert {k: a[k] for k in ("section", "owner", "placement_id", "provider_id", "upn")} == {
        "section": "8.4", "owner": "AP lead", "placement_id": "P001", "provider_id": "PRV1", "upn": None}
    assert "Autumn 2026" in a["message"] and "18/12/2026" in a["message"]


@pytest.mark.parametrize("review_date, type_, expected", [
    (D(2026, 9, 3), AGREEMENT, []),        # the term's first day counts, even before the placement started
    (D(2026, 10, 28), AGREEMENT, []),      # in the half-term break, but inside the term's dates
    (D(2026, 12, 11), AGREEMENT, []),      # on as-of: done
    (D(2026, 12, 14), AGREEMENT, [("P001", "2026-12-18", "due")]),   # inside the term but after as-of
    (D(2026, 9, 2), AGREEMENT, [("P001", "2026-12-18", "due")]),     # the day before the term starts
    (D(2026, 12, 1), REPORT, [("P001", "2026-12-18", "due")]),       # another type of event
    (D(2026, 12, 1), FORMAL, [("P001", "2026-12-18", "due")]),
])
def test_agreement_review_is_done_by_an_agreement_review_inside_the_term(review_date, type_, expected):
    reviews = [review_event("P001", review_date, type_)]
    assert run("agreement-review", D(2026, 12, 11), reviews=reviews) == expected


def test_agreement_review_of_another_placement_does_not_count():
    placements = [placement("P001"), placement("P002")]
    reviews = [review_event("P002", D(2026, 12, 1), AGREEMENT)]
    assert run("agreement-review", D(2026, 12, 11), placements, reviews) == [
        ("P001", "2026-12-18", "due")]


@pytest.mark.parametrize("spring_review, expected", [
    (None, [("P001", "2027-03-25", "due")]),
    (D(2026, 12, 18), [("P001", "2027-03-25", "due")]),   # Autumn's last day: the previous term
    (D(2027, 1, 4), [("P001", "2027-03-25", "due")]),     # Christmas holiday, the day before Spring starts
    (D(2027, 1, 5), []),                                   # Spring's first day
])
def test_agreement_review_in_the_previous_term_does_not_count(spring_review, expected):
    # as-of Fri 19/03/2027: window = 22-25/03 (4), Fri 26/03 is Good Friday, Easter holiday,
    # Mon 12/04-Fri 16/04 (9), Mon 19/04 (10). Spring's last school day Thu 25/03 is within it
    # (and is the due date, not the term's end date 26/03). Autumn is done by a review on 10/12.
    reviews = [review_event("P001", D(2026, 12, 10), AGREEMENT)]
    if spring_review:
        reviews.append(review_event("P001", spring_review, AGREEMENT))
    assert run("agreement-review", D(2027, 3, 19), reviews=reviews) == expected


@pytest.mark.parametrize("start, as_of, expected", [
    # Autumn: counting back from Fri 18/12, not counting it: 17,16,15,14 (4), 11,10,9,8,7 (9),
    # 4,3,2,1/12, 30/11 (14), 27,26,25,24,23/11 (19), Fri 20/11 (20). Cut-off Fri 20/11.
    (D(2026, 11, 20), D(2026, 12, 11), [("P001", "2026-12-18", "due")]),
    (D(2026, 11, 21), D(2026, 12, 11), []),     # the (Saturday) day after the cut-off
    (D(2026, 11, 23), D(2026, 12, 11), []),     # the next school day after the cut-off
    # Spring: counting back from Thu 25/03 (Good Friday 26/03 is not a school day): 24,23,22 (3),
    # 19-15 (8), 12-8 (13), 5-1/03 (18), Fri 26/02 (19), Thu 25/02 (20). Cut-off Thu 25/02.
    # (A placement starting in late February is not active on Autumn's last day, so only Spring shows.)
    (D(2027, 2, 25), D(2027, 3, 19), [("P001", "2027-03-25", "due")]),
    (D(2027, 2, 26), D(2027, 3, 19), []),
])
def test_agreement_review_needs_20_school_days_before_the_last_day(start, as_of, expected):
    assert run("agreement-review", as_of, [placement(start=start)]) == expected


@pytest.mark.parametrize("over, as_of, expected", [
    ({"Actual_end_date": D(2026, 12, 17)}, D(2026, 12, 11), []),          # ended the day before the last day
    ({"Actual_end_date": D(2026, 12, 18)}, D(2026, 12, 11), [("P001", "2026-12-18", "due")]),  # ends on it
    ({"Actual_end_date": D(2026, 12, 17)}, D(2027, 1, 6), []),
    ({"Actual_end_date": D(2026, 12, 18)}, D(2027, 1, 6), [("P001", "2026-12-18", "overdue")]),
    ({"Parents_refused": D(2026, 9, 1), "Parents_agreed": None}, D(2026, 12, 11), []),  # never runs
])
def test_agreement_review_needs_the_placement_active_on_the_last_day(over, as_of, expected):
    assert run("agreement-review", as_of, [placement(**over)]) == expected


@pytest.mark.parametrize("cadence, expected", [
    # as-of Fri 16/10: window = 19-23/10 (5), half term skipped, 02-06/11 (10) -> ends Fri 06/11.
    # Half-term cadence: the first half of Autumn ends at the break (26/10); its last school day is
    # Fri 23/10, within the window. Its cut-off: back from 23/10, 22-19/10 (4), 16-12 (9), 9-5 (14),
    # 2,1/10, 30,29,28/09 (19), Fri 25/09 (20); the placement started Mon 07/09: it qualifies.
    ("half-term", [("P001", "2026-10-23", "due")]),
    # Term cadence: Autumn's last school day 18/12 is far beyond the window.
    ("term", []),
])
def test_agreement_review_half_term_cadence_splits_each_term_at_its_break(cadence, expected):
    toml = toml_with_rules(review_cadence=cadence)
    assert run("agreement-review", D(2026, 10, 16), toml=toml) == expected


@pytest.mark.parametrize("cadence, reviews, expected", [
    # one review on Tue 20/10, in the first half of Autumn
    ("term", [D(2026, 10, 20)], []),
    ("half-term", [D(2026, 10, 20)], [("P001", "2026-12-18", "due")]),          # second half 02/11-18/12 not done
    ("half-term", [], [("P001", "2026-10-23", "overdue"), ("P001", "2026-12-18", "due")]),
    ("half-term", [D(2026, 10, 20), D(2026, 11, 2)], []),                       # one in each half
])
def test_agreement_review_half_term_cadence_needs_one_review_per_half(cadence, reviews, expected):
    toml = toml_with_rules(review_cadence=cadence)
    rows = [review_event("P001", d, AGREEMENT) for d in reviews]
    assert run("agreement-review", D(2026, 12, 11), reviews=rows, toml=toml) == expected


@pytest.mark.parametrize("start, expected", [
    # as-of Fri 21/05/2027: window = 24-28/05 (5), half term skipped, 07-11/06 (10) -> ends Fri 11/06.
    # First half of Summer: last school day Fri 28/05. Cut-off: back from 28/05, 27-24 (4), 21-17 (9),
    # 14-10 (14), 7,6,5,4 (18) - Mon 03/05 is a bank holiday - Fri 30/04 (19), Thu 29/04 (20).
    (D(2027, 4, 29), [("P001", "2027-05-28", "due")]),
    (D(2027, 4, 30), []),
])
def test_agreement_review_half_term_cut_off_skips_the_bank_holiday(start, expected):
    toml = toml_with_rules(review_cadence="half-term")
    assert run("agreement-review", D(2027, 5, 21), [placement(start=start)], toml=toml) == expected


# --- provider-report ----------------------------------------------------------------------------

@pytest.mark.parametrize("review, report_expected, agreement_expected", [
    (None, [("P001", "2026-12-18", "due")], [("P001", "2026-12-18", "due")]),
    # an Agreement review does not satisfy the provider report (nor the other way round)
    ((D(2026, 12, 1), AGREEMENT), [("P001", "2026-12-18", "due")], []),
    ((D(2026, 12, 1), REPORT), [], [("P001", "2026-12-18", "due")]),
    ((D(2026, 12, 14), REPORT), [("P001", "2026-12-18", "due")], [("P001", "2026-12-18", "due")]),  # after as-of
    ((D(2026, 7, 15), REPORT), [("P001", "2026-12-18", "due")], [("P001", "2026-12-18", "due")]),   # last year
])
def test_provider_report_needs_a_provider_termly_report_in_the_term(review, report_expected, agreement_expected):
    # as-of Fri 11/12: Autumn's last school day Fri 18/12 is within the window (ends Mon 11/01).
    folder = memory_school([placement()], reviews=[review_event("P001", *review)] if review else [])
    assert key_due_status(actions_as_of(folder, "provider-report", D(2026, 12, 11))) == report_expected
    assert key_due_status(actions_as_of(folder, "agreement-review", D(2026, 12, 11))) == agreement_expected


@pytest.mark.parametrize("as_of, expected", [
    (D(2026, 12, 3), []),                                    # window ends Thu 17/12
    (D(2026, 12, 4), [("P001", "2026-12-18", "due")]),        # window ends Fri 18/12
    (D(2027, 1, 6), [("P001", "2026-12-18", "overdue")]),
])
def test_provider_report_status_by_as_of(as_of, expected):
    assert run("provider-report", as_of) == expected


def test_provider_report_action_fields():
    folder = memory_school([placement()], reviews=[])
    [a] = actions_as_of(folder, "provider-report", D(2026, 12, 11))
    assert {k: a[k] for k in ("section", "owner", "placement_id", "provider_id", "upn")} == {
        "section": "14.3", "owner": "AP lead", "placement_id": "P001", "provider_id": "PRV1", "upn": None}


@pytest.mark.parametrize("as_of, reviews, report_expected, agreement_expected", [
    # as-of 16/10: the first half of Autumn (last school day 23/10) is a period for agreement-review
    # under half-term cadence, but never for provider-report.
    (D(2026, 10, 16), [], [], [("P001", "2026-10-23", "due")]),
    # as-of 11/12: one report on 20/10 (first half) covers the whole term for provider-report;
    # an agreement review on the same day leaves the second half undone.
    (D(2026, 12, 11), [(D(2026, 10, 20), REPORT), (D(2026, 10, 20), AGREEMENT)],
     [], [("P001", "2026-12-18", "due")]),
])
def test_provider_report_is_termly_even_with_half_term_cadence(as_of, reviews, report_expected, agreement_expected):
    folder = memory_school([placement()], reviews=[review_event("P001", d, t) for d, t in reviews],
                           toml=toml_with_rules(review_cadence="half-term"))
    assert key_due_status(actions_as_of(folder, "provider-report", as_of)) == report_expected
    assert key_due_status(actions_as_of(folder, "agreement-review", as_of)) == agreement_expected


@pytest.mark.parametrize("over, expected", [
    ({"start": D(2026, 11, 20)}, [("P001", "2026-12-18", "due")]),   # on the cut-off Fri 20/11 (see above)
    ({"start": D(2026, 11, 23)}, []),                                 # the next school day
    ({"Actual_end_date": D(2026, 12, 17)}, []),                       # not active on Fri 18/12
])
def test_provider_report_has_the_same_cut_off_and_activity_test(over, expected):
    assert run("provider-report", D(2026, 12, 11), [placement(**over)]) == expected


# --- lead-visit ---------------------------------------------------------------------------------

# Visits Mon 14/09 and Mon 12/10 (listed latest first in the sheet). From the latest, 12/10, not counting
# it: 13-16/10 (4), 19-23/10 (9), half term 26-30/10 skipped, 02-06/11 (14), 09-12/11 (18), Fri 13/11
# INSET skipped, 16-20/11 (23), 23-27/11 (28), Mon 30/11 (29), Tue 01/12 (30). Due Tue 01/12/2026.
VISITS = [review_event("P001", D(2026, 10, 12), VISIT), review_event("P001", D(2026, 9, 14), VISIT)]


@pytest.mark.parametrize("as_of, expected", [
    # as-of Mon 16/11: window = 17-20/11 (4), 23-27/11 (9), Mon 30/11 (10): 01/12 is beyond it.
    (D(2026, 11, 16), []),
    # as-of Tue 17/11: window = 18-20/11 (3), 23-27/11 (8), Mon 30/11 (9), Tue 01/12 (10): due.
    (D(2026, 11, 17), [("P001", "2026-12-01", "due")]),
    (D(2026, 12, 1), [("P001", "2026-12-01", "due")]),
    (D(2026, 12, 2), [("P001", "2026-12-01", "overdue")]),
])
def test_lead_visit_is_due_30_school_days_after_the_latest_visit(as_of, expected):
    assert run("lead-visit", as_of, reviews=VISITS) == expected


def test_lead_visit_action_fields():
    folder = memory_school([placement()], reviews=VISITS)
    [a] = actions_as_of(folder, "lead-visit", D(2026, 11, 17))
    assert {k: a[k] for k in ("section", "owner", "placement_id", "provider_id", "upn")} == {
        "section": "14.4", "owner": "AP lead", "placement_id": "P001", "provider_id": "PRV1", "upn": None}
    assert "12/10/2026" in a["message"]


@pytest.mark.parametrize("as_of, expected", [
    # the visit of Wed 18/11 is after as-of Tue 17/11: the count runs from 12/10 -> due Tue 01/12.
    (D(2026, 11, 17), [("P001", "2026-12-01", "due")]),
    # on as-of 18/11 it counts: 30 school days after it: 19,20 (2), 23-27/11 (7), 30/11-04/12 (12),
    # 7-11/12 (17), 14-18/12 (22), 05-08/01 (26), 11-14/01 (30) -> Thu 14/01/2027, far beyond the
    # window (ends Wed 02/12): not listed.
    (D(2026, 11, 18), []),
])
def test_lead_visit_dated_after_as_of_does_not_count(as_of, expected):
    reviews = VISITS + [review_event("P001", D(2026, 11, 18), VISIT)]
    assert run("lead-visit", as_of, reviews=reviews) == expected


@pytest.mark.parametrize("as_of, reviews, expected", [
    # No visit: from the Start date Mon 07/09: 08-11/09 (4), 14-18 (9), 21-25 (14), 28/09-02/10 (19),
    # 05-09/10 (24), 12-16/10 (29), Mon 19/10 (30). Due Mon 19/10.
    (D(2026, 10, 16), [], [("P001", "2026-10-19", "due")]),
    (D(2026, 10, 20), [], [("P001", "2026-10-19", "overdue")]),
    # events of other types, or another placement's visit, are not visits of P001
    (D(2026, 10, 20), [review_event("P001", D(2026, 10, 12), AGREEMENT),
                       review_event("P001", D(2026, 10, 12), FORMAL, SAT),
                       review_event("P002", D(2026, 10, 12), VISIT)], [("P001", "2026-10-19", "overdue")]),
])
def test_lead_visit_counts_from_the_start_date_without_a_visit(as_of, reviews, expected):
    placements = [placement("P001"), placement("P002", start=D(2026, 10, 5))]
    assert [x for x in run("lead-visit", as_of, placements, reviews) if x[0] == "P001"] == expected


@pytest.mark.parametrize("interval, visit, as_of, expected", [
    # Visit Tue 10/11, 5 school days: 11,12/11 (2), Fri 13/11 INSET skipped, 16,17,18/11 (5) -> Wed 18/11.
    (5, D(2026, 11, 10), D(2026, 11, 16), [("P001", "2026-11-18", "due")]),
    (4, D(2026, 11, 10), D(2026, 11, 16), [("P001", "2026-11-17", "due")]),
    # The default 30 from 10/11: 11,12 (2), 16-20 (7), 23-27 (12), 30/11-04/12 (17), 7-11/12 (22),
    # 14-18/12 (27), 05,06,07/01 (30) -> Thu 07/01/2027, beyond the window of 16/11 (ends Mon 30/11).
    (None, D(2026, 11, 10), D(2026, 11, 16), []),
    # Visit Wed 21/10, 5 school days: 22,23/10 (2), half term skipped, 02,03,04/11 (5) -> Wed 04/11;
    # as-of Fri 06/11 -> overdue.
    (5, D(2026, 10, 21), D(2026, 11, 6), [("P001", "2026-11-04", "overdue")]),
])
def test_lead_visit_interval_comes_from_the_settings(interval, visit, as_of, expected):
    toml = toml_with_rules(visit_interval_school_days=interval) if interval else None
    assert run("lead-visit", as_of, reviews=[review_event("P001", visit, VISIT)], toml=toml) == expected


@pytest.mark.parametrize("over, expected", [
    # as-of Fri 16/10; with no visit the duty is due Mon 19/10 (see above), inside the window.
    ({}, [("P001", "2026-10-19", "due")]),
    ({"Actual_end_date": D(2026, 10, 16)}, [("P001", "2026-10-19", "due")]),   # ends on as-of: still active
    ({"Actual_end_date": D(2026, 10, 15)}, []),                                # ended the day before as-of
    ({"start": D(2026, 10, 19)}, []),                                          # starts after as-of
    ({"Parents_refused": D(2026, 9, 1), "Parents_agreed": None}, []),          # never runs
])
def test_lead_visit_only_for_a_placement_active_on_as_of(over, expected):
    assert run("lead-visit", D(2026, 10, 16), [placement(**over)]) == expected


# --- formal-reviews -----------------------------------------------------------------------------

def formal(day: int, month: int, outcome: str | None) -> dict:
    return review_event("P001", D(2026, month, day), FORMAL, outcome)


@pytest.mark.parametrize("rows, alert", [
    pytest.param([formal(1, 10, NS), formal(2, 11, NS), formal(20, 11, NS)], True, id="three-not-satisfactory"),
    pytest.param([formal(1, 10, NS), formal(2, 11, NS), formal(20, 11, SAT)], False, id="latest-satisfactory"),
    pytest.param([formal(1, 10, NS), formal(2, 11, SAT), formal(20, 11, NS)], False, id="middle-satisfactory"),
    pytest.param([formal(1, 9, SAT), formal(1, 10, NS), formal(2, 11, NS), formal(20, 11, NS)], True,
                 id="satisfactory-older-than-the-latest-three"),
    # a review without an outcome is skipped, so the latest three rated are the three NS
    pytest.param([formal(1, 10, NS), formal(2, 11, NS), formal(20, 11, NS), formal(1, 12, None)], True,
                 id="blank-outcome-skipped"),
    pytest.param([formal(1, 10, SAT), formal(2, 11, NS), formal(20, 11, NS), formal(1, 12, None)], False,
                 id="blank-skipped-satisfactory-among-three"),
    pytest.param([formal(2, 11, NS), formal(20, 11, NS)], False, id="only-two"),
    pytest.param([formal(2, 11, NS), formal(20, 11, NS), formal(1, 12, None)], False, id="two-rated-one-blank"),
    # the third is dated after as-of (Fri 11/12): not done yet
    pytest.param([formal(2, 11, NS), formal(20, 11, NS), formal(14, 12, NS)], False, id="third-after-as-of"),
    # by date, not by sheet order: sorted, the latest three are 10/11, 20/11, 01/12, all NS
    pytest.param([formal(1, 12, NS), formal(20, 11, NS), formal(10, 11, NS), formal(1, 10, SAT)], True,
                 id="sheet-order-is-not-date-order"),
    # the same date: the later row is the later review. Rows 1-2 share 01/11.
    pytest.param([formal(1, 11, SAT), formal(1, 11, NS), formal(10, 11, NS), formal(20, 11, NS)], True,
                 id="tie-satisfactory-row-first"),
    pytest.param([formal(1, 11, NS), formal(1, 11, SAT), formal(10, 11, NS), formal(20, 11, NS)], False,
                 id="tie-satisfactory-row-second"),
    # other types of event are not formal progress reviews
    pytest.param([formal(2, 11, NS), formal(20, 11, NS), review_event("P001", D(2026, 12, 1), AGREEMENT, NS)],
                 False, id="agreement-review-not-counted"),
])
def test_formal_reviews_alert_after_three_not_satisfactory(rows, alert):
    folder = memory_school([placement()], reviews=rows)
    actions = actions_as_of(folder, "formal-reviews", D(2026, 12, 11))
    assert key_due_status(actions) == ([("P001", None, "alert")] if alert else [])


def test_formal_reviews_alert_fields():
    rows = [formal(1, 10, NS), formal(2, 11, NS), formal(20, 11, NS)]
    folder = memory_school([placement("P001"), placement("P002")], reviews=rows)
    [a] = actions_as_of(folder, "formal-reviews", D(2026, 12, 11))
    assert {k: a[k] for k in ("section", "owner", "status", "due", "placement_id", "provider_id", "upn")} == {
        "section": "14.7", "owner": "Headteacher", "status": "alert", "due": None,
        "placement_id": "P001", "provider_id": "PRV1", "upn": None}
    assert all(d in a["message"] for d in ("01/10/2026", "02/11/2026", "20/11/2026"))
