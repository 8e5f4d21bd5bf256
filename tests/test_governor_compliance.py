"""Compliance by rule in the governor pack (pipeline/governors/compliance.py), on terms worked by hand.

The factory school.toml (tests/factories.py), worked by hand (school days = weekdays in a term, outside
its break, not a closure or an England bank holiday):
  Autumn 2026  Thu 03/09 - Fri 18/12, half term Mon 26/10 - Fri 30/10, INSET Fri 13/11, no bank holiday.
The factory placement starts Mon 07/09/2026, full days, at PRV1, Arranged by School, with every start
duty done a week before the start (Dual registered from: the start date itself).
The pack covers Thu 03/09 to `end`, the earlier of Fri 18/12 and as-of.
"""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline.governors.compliance import COLUMNS, compliance_section
from pipeline.governors.context import load_term
from pipeline.governors.disclosure import apply_section, protect_ledger
from pipeline.rules import CATALOGUE
from tests.factories import SCHOOL_TOML, full_week, placement, provider, write_return, write_school
from tests.rule_factories import pupil_upn, review_event, suspension, toml_with_rules

D = dt.date
TERM = "Autumn 2026"
AGREEMENT, REPORT, VISIT = "Agreement review", "Provider termly report", "AP lead visit"


def compliance(folder, as_of):
    return compliance_section(load_term(folder, TERM, as_of=as_of))


def counts(result: dict, rule: str) -> tuple:
    c = result[rule]
    return c["on_time"], c["late"], c["not_done"], c["not_yet_due"]


def row_of(section, rule: str) -> dict:
    [table] = section.tables
    [row] = [r for r in table.rows if r[0] == rule]
    return dict(zip(table.columns, row))


# --- start duties -------------------------------------------------------------------------------

def start_duty_school(tmp_path, toml=SCHOOL_TOML):
    """As-of Fri 04/12. Parent letters (due Start date - 2 calendar days):
      P001 starts Mon 07/09, due Sat 05/09, letter Sat 05/09 (exactly two days before)  -> on time
      P002 starts Mon 07/09, due Sat 05/09, letter Sun 06/09 (one day before)           -> late
      P003 starts Mon 07/09, no letter                                                  -> not done
      P004 starts Mon 07/09, letter Thu 10/12: after end 04/12, so not done by end      -> not done
      P005 starts Mon 07/12, due Sat 05/12: after end 04/12, no letter                  -> not yet due
      P006 arranged by the Local authority, no letter: no parent-letter duty at all
      P007 parents refused: never runs, no duty at all
    Intervention plans (due the Start date; the factory's a week before):
      P002's agreed Tue 08/09, a day after its start 07/09 -> late; P001, P003, P004, P006 on time (4);
      P005's due 07/12 is after end -> not yet due (though already agreed on 30/11)."""
    start, late_start = D(2026, 9, 7), D(2026, 12, 7)
    placements = [
        placement("P001", start=start, Parent_letter_sent=D(2026, 9, 5)),
        placement("P002", start=start, Parent_letter_sent=D(2026, 9, 6), Intervention_plan_agreed=D(2026, 9, 8)),
        placement("P003", start=start, Parent_letter_sent=None),
        placement("P004", start=start, Parent_letter_sent=D(2026, 12, 10)),
        placement("P005", start=late_start, Parent_letter_sent=None),
        placement("P006", start=start, Arranged_by="Local authority", Parent_letter_sent=None),
        placement("P007", start=start, Parent_letter_sent=None, Parents_agreed=None, Parents_refused=D(2026, 9, 1)),
    ]
    return write_school(tmp_path / "school", placements, toml=toml)


def test_parent_letter_on_time_late_not_done_and_not_yet_due(tmp_path):
    _, result = compliance(start_duty_school(tmp_path), D(2026, 12, 4))
    # on time P001; late P002; not done P003, P004; not yet due P005
    assert counts(result, "parent-letter") == (1, 1, 2, 1)


def test_intervention_plan_late_makes_it_amber(tmp_path):
    section, result = compliance(start_duty_school(tmp_path), D(2026, 12, 4))
    # on time P001, P003, P004, P006 = 4; late P002 = 1; P005 not yet due; P007 refused
    assert counts(result, "intervention-plan") == (4, 1, 0, 1)
    assert row_of(section, "intervention-plan")["RAG"] == "Amber"
    assert row_of(section, "parent-letter")["RAG"] == "Red"          # 2 not done
    assert row_of(section, "dual-registration")["RAG"] == "Green"    # 5 on time (dated on the start day)
    assert counts(result, "dual-registration") == (5, 0, 0, 1)


def test_a_rule_with_nothing_due_is_green_with_a_note(tmp_path):
    section, result = compliance(start_duty_school(tmp_path), D(2026, 12, 4))
    # no placement has SEND or an EHC plan: send-details applies to none
    assert counts(result, "send-details") == (0, 0, 0, 0)
    row = row_of(section, "send-details")
    assert row["RAG"] == "Green" and row["Notes"] == "nothing due this term"
    assert row_of(section, "parent-letter")["Notes"] is None


def test_start_duty_due_after_end_is_not_counted_until_it_falls_due(tmp_path):
    folder = start_duty_school(tmp_path)
    # as-of Sat 05/12: P005's letter (due Sat 05/12) is now due and not done: not done 2 -> 3
    assert counts(compliance(folder, D(2026, 12, 5))[1], "parent-letter") == (1, 1, 3, 0)


def test_small_counts_are_suppressed_in_cells_but_not_in_the_dict(tmp_path):
    toml = SCHOOL_TOML + "\n[governors]\nsuppress_below = 3\n"
    raw, result = compliance(start_duty_school(tmp_path, toml), D(2026, 12, 4))
    assert row_of(raw, "parent-letter")["Late"] == 1                  # the section holds true counts ...
    section = apply_section(raw, protect_ledger(raw.facts, 3))         # ... the pack shows them protected
    row = row_of(section, "parent-letter")
    # 1 on time, 1 late, 2 not done, 1 not yet due: all below 3
    assert [row[c] for c in ("On time", "Late", "Not done", "Not yet due")] == ["<3", "<3", "<3", "<3"]
    assert counts(result, "parent-letter") == (1, 1, 2, 1)
    row = row_of(section, "intervention-plan")
    # 4 on time, 1 late, 0 not done, of 5 due (a number a reader can know from the placements started): the 4
    # would give the late one away, so it is hidden too; 0 is never suppressed
    assert [row[c] for c in ("On time", "Late", "Not done")] == ["hidden", "<3", 0]


def test_table_has_one_row_per_rule_in_catalogue_order(tmp_path):
    section, result = compliance(start_duty_school(tmp_path), D(2026, 12, 4))
    [table] = section.tables
    assert table.columns == COLUMNS and table.rag_column == "RAG"
    assert [r[0] for r in table.rows] == list(CATALOGUE)
    assert all(len(r) == len(COLUMNS) for r in table.rows)
    row = row_of(section, "parent-letter")
    assert (row["Policy §"], row["Owner"]) == ("12.2", "Headteacher")
    assert {row_of(section, r)["RAG"] for r in ("incident", "below-target", "past-planned-end", "formal-reviews")} == {"n/a"}
    assert all(isinstance(v, int) for c in result.values() for v in c.values())
    assert "on time" in table.note.lower()


# --- agreement reviews and provider reports -----------------------------------------------------

def test_termly_review_and_report(tmp_path):
    """As-of Fri 18/12, Autumn's last school day (due date of both rules). Qualifying: active on 18/12 and
    started on or before the 20th school day before it: 17,16,15,14 (4), 11,10,9,8,7 (9), 4,3,2,1 (13),
    Mon 30/11 (14), 27,26,25,24,23 (19), Fri 20/11 (20).
      P001 review Mon 02/11, report Fri 18/12 (inside the term)     -> both on time
      P002 review Sat 19/12: after end, so not done; no report       -> both not done
      P003 starts Fri 20/11 (= the cutoff), review and report 20/11  -> both on time
      P004 starts Mon 23/11: after the cutoff                       -> owes nothing"""
    placements = [placement("P001"), placement("P002"), placement("P003", start=D(2026, 11, 20)),
                  placement("P004", start=D(2026, 11, 23))]
    reviews = [review_event("P001", D(2026, 11, 2), AGREEMENT), review_event("P001", D(2026, 12, 18), REPORT),
               review_event("P002", D(2026, 12, 19), AGREEMENT),
               review_event("P003", D(2026, 11, 20), AGREEMENT), review_event("P003", D(2026, 11, 20), REPORT)]
    folder = write_school(tmp_path / "school", placements, reviews=reviews)
    section, result = compliance(folder, D(2026, 12, 18))
    assert counts(result, "agreement-review") == (2, 0, 1, 0)
    assert counts(result, "provider-report") == (2, 0, 1, 0)
    assert row_of(section, "agreement-review")["RAG"] == "Red"
    # a day earlier (Thu 17/12) the term's last school day is still to come: 3 not yet due
    # (P001, P002, P003 qualify), nothing counted
    assert counts(compliance(folder, D(2026, 12, 17))[1], "agreement-review") == (0, 0, 0, 3)


def test_half_termly_review_late_when_held_in_the_break(tmp_path):
    """review_cadence = "half-term": first half 03/09-25/10, last school day Fri 23/10, whose cutoff is the
    20th school day before it: 22,21,20,19 (4), 16..12 (9), 9..5 (14), 2,1, 30/09,29,28 (19), Fri 25/09 (20);
    second half 31/10-18/12, last school day Fri 18/12, cutoff Fri 20/11. As-of Fri 18/12.
      P001 review Wed 28/10 (in the break: after the first half, before the second)
           -> first half late, second half not done
      P002 reviews Thu 01/10 and Tue 01/12 -> both halves on time
      P003 starts Wed 07/10 (after 25/09: owes nothing for the first half), no review
           -> second half not done
    Total: on time 2, late 1, not done 2. The provider report stays termly: 3 placements, none -> 3 not done."""
    placements = [placement("P001"), placement("P002"), placement("P003", start=D(2026, 10, 7))]
    reviews = [review_event("P001", D(2026, 10, 28), AGREEMENT), review_event("P002", D(2026, 10, 1), AGREEMENT),
               review_event("P002", D(2026, 12, 1), AGREEMENT)]
    folder = write_school(tmp_path / "school", placements, reviews=reviews,
                          toml=toml_with_rules(review_cadence="half-term"))
    _, result = compliance(folder, D(2026, 12, 18))
    assert counts(result, "agreement-review") == (2, 1, 2, 0)
    assert counts(result, "provider-report") == (0, 0, 3, 0)


# --- lead visits --------------------------------------------------------------------------------

def test_lead_visits_walked_from_the_start(tmp_path):
    """visit_interval_school_days = 10, as-of Fri 23/10. All start Mon 07/09; the first visit is due the
    10th school day after it: 8,9,10,11 (4), 14-18 (9), Mon 21/09 (10).
      P001 visits Mon 21/09 (due 21/09: on time), Mon 05/10 (due 10 after 21/09: 22-25 (4), 28/09-02/10 (9),
           Mon 05/10 (10): on time), then Mon 02/11, after end: not counted.
           Due 10 after 05/10: 6-9 (4), 12-16 (9), Mon 19/10 (10): not done; the walk goes on from 19/10:
           20-23 (4), [half term], 2-6/11 (9), Mon 09/11: after end -> not yet due.
           -> on time 2, not done 1, not yet due 1
      P002 visits Tue 22/09 (due 21/09: late), Tue 06/10 (due 10 after 22/09: 23-25 (3), 28/09-02/10 (8),
           5,6/10 (10) = Tue 06/10: on time), Tue 20/10 (due 7-9 (3), 12-16 (8), 19,20 (10) = Tue 20/10:
           on time); next due 21-23 (3), 2-6/11 (8), 9,10 (10) = Tue 10/11 -> not yet due.
           -> on time 2, late 1, not yet due 1
      P003 no visit: 21/09, 05/10, 19/10 not done; 09/11 not yet due -> not done 3, not yet due 1
      P004 ended Thu 01/10, no visit: 21/09 not done; 05/10 is after its end -> nothing more
    Total: on time 4, late 1, not done 5, not yet due 3."""
    placements = [placement("P001"), placement("P002"), placement("P003"),
                  placement("P004", Actual_end_date=D(2026, 10, 1))]
    reviews = [review_event("P001", D(2026, 9, 21), VISIT), review_event("P001", D(2026, 10, 5), VISIT),
               review_event("P001", D(2026, 11, 2), VISIT),
               review_event("P002", D(2026, 9, 22), VISIT), review_event("P002", D(2026, 10, 6), VISIT),
               review_event("P002", D(2026, 10, 20), VISIT)]
    folder = write_school(tmp_path / "school", placements, reviews=reviews,
                          toml=toml_with_rules(visit_interval_school_days=10))
    section, result = compliance(folder, D(2026, 10, 23))
    assert counts(result, "lead-visit") == (4, 1, 5, 3)
    assert row_of(section, "lead-visit")["RAG"] == "Red"


def test_a_visit_before_the_start_starts_the_walk_as_the_weekly_rule_does(tmp_path):
    """visit_interval_school_days = 10, as-of Fri 18/09. P001 starts Mon 07/09, visited Mon 31/08 (before it
    starts; the weekly rule counts from the latest visit) and Fri 18/09.
    Due 10 school days after 31/08: 3,4 (2), 7-11 (7), 14,15,16 (10) = Wed 16/09; visit 18/09 -> late
    (counted from the start it would be due Mon 21/09 and on time).
    Next due 10 after 18/09: 21-25 (5), 28/09-02/10 (10) = Fri 02/10, after end -> not yet due."""
    reviews = [review_event("P001", D(2026, 8, 31), VISIT), review_event("P001", D(2026, 9, 18), VISIT)]
    folder = write_school(tmp_path / "school", [placement("P001")], reviews=reviews,
                          toml=toml_with_rules(visit_interval_school_days=10))
    section, result = compliance(folder, D(2026, 9, 18))
    assert counts(result, "lead-visit") == (0, 1, 0, 1)
    assert row_of(section, "lead-visit")["RAG"] == "Amber"


# --- provider checks ----------------------------------------------------------------------------

def test_provider_checks_per_provider_used_in_the_term(tmp_path):
    """As-of Fri 04/12; checks are current for 12 months.
      PRV1 all checks 01/06/2026 (current until 01/06/2027)                  -> on time
      PRV2 Safeguarding policy checked 01/10/2025, expired 01/10/2026        -> not done
      PRV3 Registered N                                                      -> not done
      PRV4 its only placement ran 01/06-20/07/2026, before the term, checks blank -> not counted
      PRV5 its only placement starts Mon 14/12, after end                    -> not yet due"""
    providers = [provider("PRV1"), provider("PRV2", Safeguarding_policy_checked=D(2025, 10, 1)),
                 provider("PRV3", Registered="N"),
                 provider("PRV4", **{h.replace(" ", "_"): None for h in
                                     ("Approved", "Safeguarding policy checked", "Staff checks confirmed")}),
                 provider("PRV5")]
    placements = [placement("P001", "PRV1"), placement("P002", "PRV2"), placement("P003", "PRV3"),
                  placement("P004", "PRV4", start=D(2026, 6, 1), Actual_end_date=D(2026, 7, 20),
                            Final_report_received=D(2026, 7, 20), Pupil_views_recorded=D(2026, 7, 20),
                            Reintegration_plan_agreed=D(2026, 7, 20), Destination="Mainstream"),
                  placement("P005", "PRV5", start=D(2026, 12, 14))]
    folder = write_school(tmp_path / "school", placements, providers)
    section, result = compliance(folder, D(2026, 12, 4))
    assert counts(result, "provider-checks") == (1, 0, 2, 1)
    row = row_of(section, "provider-checks")
    assert row["RAG"] == "Red" and "late not counted" in row["Notes"]


# --- sixth day and work set ---------------------------------------------------------------------

def test_sixth_day_and_work_set(tmp_path):
    """As-of Fri 04/12. Suspensions from Mon 05/10 for 6 school days: 5-9/10 (5), Mon 12/10 (6) = sixth day.
      A: placement from Mon 12/10 (the sixth day)            -> on time
      B: placement from Tue 13/10 (after it, before end)     -> late
      C: no placement                                         -> not done
      D: 5 school days only: no sixth day                     -> not counted
      E: from Mon 07/12 (after end), 6 days: sixth Mon 14/12 -> not yet due
    Work set (rows with First day in 03/09-04/12): A Y, B Y (on time 2); C N, D blank (not done 2);
    E's First day 07/12 is after end: not counted."""
    a, b, c, d, e = (pupil_upn(n) for n in range(1, 6))
    exclusions = [suspension(a, D(2026, 10, 5), 6), suspension(b, D(2026, 10, 5), 6),
                  suspension(c, D(2026, 10, 5), 6, work_set="N"), suspension(d, D(2026, 10, 5), 5, work_set=None),
                  suspension(e, D(2026, 12, 7), 6)]
    placements = [placement("P001", start=D(2026, 10, 12), UPN=a), placement("P002", start=D(2026, 10, 13), UPN=b)]
    folder = write_school(tmp_path / "school", placements, exclusions=exclusions)
    section, result = compliance(folder, D(2026, 12, 4))
    assert counts(result, "sixth-day") == (1, 1, 1, 1)
    assert (result["work-set"]["on_time"], result["work-set"]["not_done"], result["work-set"]["alerts"]) == (2, 2, 2)
    row = row_of(section, "work-set")
    assert (row["On time"], row["Not done"], row["Alerts in term"], row["RAG"]) == (2, 2, 2, "Red")
    # C's sixth day still not provided for; a placement for C from Mon 30/11 makes it late
    folder = write_school(tmp_path / "school2", placements + [placement("P003", start=D(2026, 11, 30), UPN=c)],
                          exclusions=exclusions)
    assert counts(compliance(folder, D(2026, 12, 4))[1], "sixth-day") == (1, 2, 0, 1)


# --- returns and alerts -------------------------------------------------------------------------

def test_missing_returns_and_alerts(tmp_path):
    """As-of Wed 23/09.
      P001 at PRV1 from Mon 07/09, planned to end Fri 18/09, no Actual end date.
      P002 at PRV2, Mon 14/09 - Fri 18/09 only.
    Provider-weeks with expected sessions (the week of Thu 03/09 has none: both start later):
      PRV1 w/c 07/09: return received           -> on time
      PRV1 w/c 14/09: no return                 -> not done
      PRV2 w/c 14/09: return received           -> on time
      PRV1 w/c 21/09: Thu 24, Fri 25 are after end -> not yet due, and so are PRV1's later weeks:
           28/09, 05/10, 12/10, 19/10 (4), [half term], 02/11 ... 14/12 (7 more) -> 12 not yet due.
    Alerts: incidents Tue 08/09 and Thu 10/09 in PRV1's return (2); P001's one N session in 10 gives
    9 attended of 10 possible (the rest not reported) = 90% < 96%: below target (1); P002 ended 18/09, not
    active at end; P001's planned end 18/09 is before as-of with no Actual end date: past planned end (1)."""
    placements = [placement("P001", "PRV1", Planned_end_date=D(2026, 9, 18)),
                  placement("P002", "PRV2", start=D(2026, 9, 14), Actual_end_date=D(2026, 9, 18))]
    folder = write_school(tmp_path / "school", placements, [provider("PRV1"), provider("PRV2")])
    incidents = [{"Date": D(2026, 9, 8), "Placement ID": "P001", "Category": "Injury"},
                 {"Date": D(2026, 9, 10), "Placement ID": "P001", "Category": "Other"}]
    write_return(folder / "returns" / "prv1_0709.xlsx", "PRV1", D(2026, 9, 7),
                 [("P001", ["N"] + full_week("/")[1:])], incidents=incidents)
    write_return(folder / "returns" / "prv2_1409.xlsx", "PRV2", D(2026, 9, 14), [("P002", full_week("/"))])
    section, result = compliance(folder, D(2026, 9, 23))
    assert counts(result, "missing-return") == (2, 0, 1, 12)
    assert row_of(section, "missing-return")["RAG"] == "Red"
    assert result["incident"]["alerts"] == 2 and row_of(section, "incident")["Alerts in term"] == 2
    assert result["below-target"]["alerts"] == 1
    assert result["past-planned-end"]["alerts"] == 1
    assert result["formal-reviews"]["alerts"] == 0
    assert row_of(section, "incident")["On time"] is None


# --- reintegration ------------------------------------------------------------------------------

@pytest.mark.parametrize("over, expected", [
    # all three dated on the end date Fri 23/10, destination set -> on time
    ({}, (1, 0, 0, 0)),
    # final report Mon 02/11: after the end date, before as-of -> late
    ({"Final_report_received": D(2026, 11, 2)}, (0, 1, 0, 0)),
    # destination blank -> not done
    ({"Destination": None}, (0, 0, 1, 0)),
    # pupil views Thu 10/12: after as-of Fri 04/12 -> not done
    ({"Pupil_views_recorded": D(2026, 12, 10)}, (0, 0, 1, 0)),
    # ends Fri 11/12, after as-of, in the term -> not yet due
    ({"Actual_end_date": D(2026, 12, 11)}, (0, 0, 0, 1)),
])
def test_reintegration(tmp_path, over, expected):
    ended = D(2026, 10, 23)
    row = dict(Actual_end_date=ended, Final_report_received=ended, Pupil_views_recorded=ended,
               Reintegration_plan_agreed=ended, Destination="Mainstream", **{"Planned_end_date": ended})
    row.update(over)
    # P002 runs on with no end: owes no reintegration
    folder = write_school(tmp_path / "school", [placement("P001", **row), placement("P002")])
    section, result = compliance(folder, D(2026, 12, 4))
    assert counts(result, "reintegration") == expected
    rag = "Red" if expected[2] else "Amber" if expected[1] else "Green"
    assert row_of(section, "reintegration")["RAG"] == rag


def test_a_rule_the_pack_does_not_measure_gets_a_blank_row(tmp_path, monkeypatch):
    from pipeline.rules import Rule
    monkeypatch.setitem(CATALOGUE, "made-up", Rule("made-up", "1.1", "AP lead", "placement", "A made-up rule.",
                                                   lambda ctx: iter(())))
    section, result = compliance(start_duty_school(tmp_path), D(2026, 12, 4))
    row = row_of(section, "made-up")
    assert [row[c] for c in ("On time", "Late", "Not done", "RAG", "Notes")] == [
        None, None, None, "n/a", "not measured in the pack"]
    assert "made-up" not in result
    assert section.tables[0].rows[-1][0] == "made-up"   # still in catalogue order (added last)
