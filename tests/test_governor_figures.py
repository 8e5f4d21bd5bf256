"""The governor pack's figures on a hand-worked term (Autumn 2026 up to Friday 18 September 2026).

School days from the term's start (Thu 03/09) to as-of (Fri 18/09): Thu 3, Fri 4, Mon 7 - Fri 11, Mon 14 - Fri 18
= 12 days, in the school weeks w/c 31/08, 07/09 and 14/09.

Providers PRV1 "Alpha Centre" and PRV2 "Beta Farm".

| id   | provider | start      | days                 | end        | reason / arranged by / needs         | cost/day |
|------|----------|------------|----------------------|------------|--------------------------------------|----------|
| P001 | PRV1     | Mon 07/09  | Full day Mon-Fri     |            | Directed off-site / School           | 100.00   |
| P002 | PRV1     | Thu 03/09  | AM Mon-Fri           |            | Illness / Local authority / SEND+EHC | 60.00    |
| P003 | PRV2     | Mon 14/09  | Full day Mon, Wed    |            | Personalised / School / looked after | 90.00    |
| P004 | PRV2     | 01/06/2026 | Full day Mon-Fri     | Thu 10/09  | Directed off-site / School           | 80.00    |
| P005 | PRV1     | Tue 08/09  | Full day Tue, Thu    | Thu 17/09  | Other / School / SEND                | (none)   |
| P006 | PRV2     | Mon 07/09  | Full day Mon-Fri     |            | parents refused: never counts        | 90.00    |
| P007 | PRV1     | 02/03/2026 | Full day Mon-Fri     | 17/07/2026 | ended before the term                | 100.00   |
| P008 | PRV2     | 05/10/2026 | Full day Mon-Fri     |            | starts after as-of                   | 90.00    |

P005 is the same pupil (same UPN) as P001, so 4 pupils hold the 5 placements active in the term.

Expected (booked) sessions 03/09-18/09:
  P001  7-11, 14-18 = 10 days x 2 = 20      P002  12 days x AM = 12      P003  Mon 14, Wed 16 = 2 days x 2 = 4
  P004  3, 4, 7, 8, 9, 10 = 6 days x 2 = 12  P005  Tue 8, Thu 10, Tue 15, Thu 17 = 4 days x 2 = 8
"""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline.governors.context import load_term
from pipeline.governors.figures import (attendance_section, cost_section, incidents_section, outcomes_section,
                                        placements_section, summary_paragraph)
from pipeline.governors.model import GovernorPack, Section, Table
from pipeline.governors.pack import build_pack
from pipeline.upn import make_upn
from tests.factories import SCHOOL_TOML, placement, provider, write_return, write_school

D = dt.date
AS_OF = D(2026, 9, 18)
BUDGET = "\n[budget]\nap_budget = 10000\n"
SUPPRESS = "\n[governors]\nsuppress_below = 3\n"
SUPPRESSION_OFF = "\n[governors]\nsuppress_below = 0\n"      # the true figures, as the sections compute them
W0, W1, W2 = D(2026, 8, 31), D(2026, 9, 7), D(2026, 9, 14)

PUPILS = {  # placement id -> (forename, surname, UPN, date of birth); P005 is P001's pupil again
    "P001": ("Xanthippe", "Quillfeather", make_upn("801200005101"), D(2019, 2, 11)),
    "P002": ("Bartholomew", "Zanzibarre", make_upn("801200005102"), D(2019, 7, 23)),
    "P003": ("Octavia", "Wrenbottle", make_upn("801200005103"), D(2020, 1, 30)),
    "P004": ("Percival", "Umbridgeton", make_upn("801200005104"), D(2019, 10, 5)),
    "P005": ("Xanthippe", "Quillfeather", make_upn("801200005101"), D(2019, 2, 11)),
    "P006": ("Rosalind", "Vexington", make_upn("801200005106"), D(2020, 4, 17)),
    "P007": ("Cornelius", "Yarrowmere", make_upn("801200005107"), D(2018, 12, 1)),
    "P008": ("Henrietta", "Tumblewick", make_upn("801200005108"), D(2021, 3, 9)),
}
NO_DAYS = {d: None for d in ("Mon", "Tue", "Wed", "Thu", "Fri")}


def pupil(pid, provider_id, start, days="Full day", **over):
    forename, surname, upn, dob = PUPILS[pid]
    return placement(pid, provider_id, start, days, Forename=forename, Surname=surname, UPN=upn,
                     Date_of_birth=dob, **over)


PLACEMENTS = [
    pupil("P001", "PRV1", D(2026, 9, 7), Cost_per_day=100.0),
    pupil("P002", "PRV1", D(2026, 9, 3), "AM", Reason="Illness or medical need", Arranged_by="Local authority",
          SEND="Y", EHC_plan="Y", Cost_per_day=60.0),
    pupil("P003", "PRV2", D(2026, 9, 14), Reason="Personalised curriculum", Looked_after="Y", Cost_per_day=90.0,
          **{**NO_DAYS, "Mon": "Full day", "Wed": "Full day"}),
    pupil("P004", "PRV2", D(2026, 6, 1), Actual_end_date=D(2026, 9, 10), Reintegration_plan_agreed=D(2026, 9, 9),
          Final_report_received=D(2026, 9, 11), Destination="Returned to mainstream", Destination_type="Returned to this school full-time",
          Cost_per_day=80.0),
    pupil("P005", "PRV1", D(2026, 9, 8), Reason="Other", SEND="Y", Actual_end_date=D(2026, 9, 17),
          Reintegration_plan_agreed=D(2026, 9, 21),  # after as-of: not yet counted as reintegrated
          **{**NO_DAYS, "Tue": "Full day", "Thu": "Full day"}),
    pupil("P006", "PRV2", D(2026, 9, 7), Parents_agreed=None, Parents_refused=D(2026, 9, 1), Cost_per_day=90.0),
    pupil("P007", "PRV1", D(2026, 3, 2), Actual_end_date=D(2026, 7, 17), Cost_per_day=100.0),
    pupil("P008", "PRV2", D(2026, 10, 5), Cost_per_day=90.0),
]
PROVIDERS = [provider("PRV1", Name="Alpha Centre"), provider("PRV2", Name="Beta Farm")]

SERIOUS = {"Date": D(2026, 9, 9), "Placement ID": "P001", "Category": "Serious behaviour",
           "Reported to DSL": D(2026, 9, 9), "Summary": "Xanthippe Quillfeather threw a chair."}


def write_returns(folder):
    """No return for w/c 31/08: P002's 2 sessions and P004's 4 sessions there are not reported."""
    r = folder / "returns"
    write_return(r / "prv1_w1.xlsx", "PRV1", W1, [
        ("P001", ["B", "B", "B", "B", "B", "N", "B", "B", "B", "B"]),   # 10 possible, 9 attended, 1 unauthorised
        ("P002", ["B", "-", "B", "-", "M", "-", "B", "-", "B", "-"]),   # 5 possible, 4 attended, 1 authorised
        ("P005", ["-", "-", "B", "B", "-", "-", "B", "B", "-", "-"]),   # 4 possible, 4 attended
    ], incidents=[SERIOUS, {"Date": D(2026, 9, 10), "Placement ID": "P005", "Category": "Injury"}])
    write_return(r / "prv1_w2.xlsx", "PRV1", W2, [
        ("P001", ["B", "B", "B", "B", "B", "B", "Y3", "B", "B", "B"]),  # Thu AM not possible: 9 possible, 9 attended
        ("P002", ["B", "-", "B", "-", "B", "-", "B", "-", "B", "-"]),   # 5 possible, 5 attended
        ("P005", ["-", "-", "B", "B", "-", "-", "B", "B", "-", "-"]),   # 4 possible, 4 attended
    ], incidents=[SERIOUS,                                               # the same incident again: counted once
                  {"Date": D(2026, 9, 2), "Placement ID": "P001", "Category": "Other"},    # before the term
                  {"Date": D(2026, 9, 21), "Placement ID": "P001", "Category": "Other"}])  # after as-of
    write_return(r / "prv2_w1.xlsx", "PRV2", W1, [
        ("P004", ["B", "B", "B", "B", "B", "B", "G", "B", "-", "-"]),   # 8 possible, 7 attended, 1 unauthorised
    ])
    write_return(r / "prv2_w2.xlsx", "PRV2", W2, [
        ("P003", ["B", "B", "-", "-", "B", "B", "-", "-", "-", "-"]),   # 4 possible, 4 attended
    ], incidents=[{"Date": D(2026, 9, 16), "Placement ID": "P003", "Category": "Safeguarding concern"}])


def make_school(folder, toml_extra=BUDGET):
    write_school(folder, PLACEMENTS, PROVIDERS, toml=SCHOOL_TOML + toml_extra)
    write_returns(folder)
    return folder


@pytest.fixture(scope="module")
def tc(tmp_path_factory):
    return load_term(make_school(tmp_path_factory.mktemp("school"), BUDGET + SUPPRESSION_OFF), "Autumn 2026",
                     as_of=AS_OF)


@pytest.fixture(scope="module")
def tc_suppressed(tmp_path_factory):
    return load_term(make_school(tmp_path_factory.mktemp("suppressed"), BUDGET + SUPPRESS), "Autumn 2026", as_of=AS_OF)


def table(section: Section, title: str) -> Table:
    return next(t for t in section.tables if t.title == title)


def rows(section: Section, title: str) -> list[list]:
    return table(section, title).rows


def chart(section: Section, kind: str):
    return next(c for c in section.charts if c.kind == kind)


def fake_compliance(counts):
    def compliance_section(tc):
        rules = Table("Compliance by rule", ["Rule"], [["parent-letter"]])
        return Section("compliance", "Compliance", tables=[rules]), counts
    return compliance_section


LETTERS = {"parent-letter": {"on_time": 2, "late": 1, "not_done": 0, "not_yet_due": 1}}


# --- placements ----------------------------------------------------------------------------------

def test_placements_active_started_ended_and_breakdowns(tc):
    sec = placements_section(tc)

    # active: P001-P005 (P006 refused, P007 ended in July, P008 starts after as-of); pupils: P005 is P001's pupil;
    # started 03/09-18/09: P001, P002, P003, P005 (P004 started in June); ended: P004 (10/09), P005 (17/09)
    assert rows(sec, "Placements this term") == [
        ["Pupils in alternative provision", 4], ["Placements active during the term", 5],
        ["Placements started in the term", 4], ["Placements ended in the term", 2], ["Providers used", 2]]
    assert table(sec, "Placements by reason").columns == [
        "Reason", "Active in the term", "Started in the term", "Ended in the term"]
    assert rows(sec, "Placements by reason") == [
        ["Directed off-site to improve behaviour", 2, 1, 1],   # P001 (started), P004 (ended)
        ["Suspension over five days", 0, 0, 0],
        ["Permanent exclusion", 0, 0, 0],
        ["Illness or medical need", 1, 1, 0],                  # P002
        ["Personalised curriculum", 1, 1, 0],                  # P003
        ["Other", 1, 1, 1],                                    # P005
        ["Total", 5, 4, 2]]
    assert rows(sec, "Placements by provider") == [
        ["PRV1", "Alpha Centre", 3, 3, 1],                     # P001, P002, P005
        ["PRV2", "Beta Farm", 2, 1, 1],                        # P003, P004
        ["Total", "", 5, 4, 2]]
    assert rows(sec, "Placements by who arranged them") == [
        ["School", 4, 3, 2], ["Local authority", 1, 1, 0], ["Total", 5, 4, 2]]
    assert rows(sec, "Placements of pupils with SEND, an EHC plan or looked after") == [
        ["SEND", 2, 2, 1],                                     # P002, P005 (ended)
        ["EHC plan", 1, 1, 0], ["Looked after", 1, 1, 0]]


# --- attendance ----------------------------------------------------------------------------------

def test_attendance_by_provider_and_overall_over_the_terms_sessions(tc):
    sec = attendance_section(tc)

    # PRV1: P001 19 possible (10 + 9; Y3 not possible), 18 attended, 1 N; P002 10 possible, 9 attended, 1 M,
    #       2 not reported (Thu 3, Fri 4 AM: no return for w/c 31/08); P005 8 possible, 8 attended
    #       -> 37 possible, 35 attended, 1 authorised, 1 unauthorised, 2 not reported, 35/37 = 94.59 -> 94.6
    # PRV2: P003 4/4; P004 8 possible, 7 attended, 1 G, 4 not reported (Thu 3, Fri 4) -> 11/12 = 91.67 -> 91.7
    # all:  49 possible, 46 attended, 1, 2, 6 -> 46/49 = 93.88 -> 93.9
    assert table(sec, "Attendance by provider").columns == [
        "Provider ID", "Provider", "Possible sessions", "Attended", "Authorised absence", "Unauthorised absence",
        "Not reported", "Attendance %"]
    assert rows(sec, "Attendance by provider") == [
        ["PRV1", "Alpha Centre", 37, 35, 1, 1, 2, 94.6],
        ["PRV2", "Beta Farm", 12, 11, 0, 1, 4, 91.7],
        ["Total", "All placements", 49, 46, 1, 2, 6, 93.9]]
    # per placement: P001 18/19 = 94.7 below, absent 1/19 = 5% no PA; P002 9/10 = 90.0 below, absent 1/10 = 10%
    # is PA (10% or more); P003 100; P004 7/8 = 87.5 below, 12.5% PA; P005 100 -> 3 below target, 2 PA
    assert rows(sec, "Placements below target") == [
        ["Placements with sessions in the term", 5], ["Below the 96% target", 3],
        ["In persistent absence (10% or more of possible sessions missed)", 2]]


def test_attendance_weekly_trend_and_provider_bars(tc):
    sec = attendance_section(tc)

    line = chart(sec, "line")
    # w/c 31/08: nothing reported -> None; w/c 07/09: 10+5+4+8 = 27 possible, 9+4+4+7 = 24 attended -> 88.9;
    # w/c 14/09: 9+5+4+4 = 22 possible, all attended -> 100.0
    assert line.categories == ["w/c 31/08", "w/c 07/09", "w/c 14/09"]
    assert line.series == [("All placements", [None, 88.9, 100.0])]
    assert (line.target, line.percent) == (96.0, True)
    bars = chart(sec, "bar")
    assert bars.categories == ["Alpha Centre", "Beta Farm"]
    assert bars.series == [("Attendance %", [94.6, 91.7])]
    assert (bars.target, bars.percent) == (96.0, True)


# --- incidents -----------------------------------------------------------------------------------

def test_incidents_dated_in_the_term_by_category_and_provider(tc):
    sec = incidents_section(tc)

    # counted: P001 09/09 serious (reported twice, once counted), P005 10/09 injury, P003 16/09 safeguarding;
    # left out: 02/09 (before the term) and 21/09 (after as-of)
    assert rows(sec, "Incidents by category") == [
        ["Serious behaviour", 1], ["Safeguarding concern", 1], ["Injury", 1], ["Other", 0], ["Total", 3]]
    assert table(sec, "Incidents by provider").columns == [
        "Provider ID", "Provider", "Serious behaviour", "Safeguarding concern", "Injury", "Other", "Total"]
    assert rows(sec, "Incidents by provider") == [
        ["PRV1", "Alpha Centre", 1, 0, 1, 0, 2], ["PRV2", "Beta Farm", 0, 1, 0, 0, 1]]


# --- outcomes ------------------------------------------------------------------------------------

def test_outcomes_ended_reintegrated_and_destinations(tc):
    sec = outcomes_section(tc)

    # ended: P004 (plan agreed 09/09, final report 11/09) and P005 (plan dated 21/09, after as-of: not counted)
    assert rows(sec, "Ended placements") == [
        ["Placements ended in the term", 2], ["Reintegration plan agreed", 1], ["Final report received", 1],
        ["Pupil views recorded", 0]]
    # counted by Destination type, every type listed (0 included); the Destination text is never shown
    assert rows(sec, "Destinations of ended placements") == [
        ["Returned to this school full-time", 1], ["Phased return to this school", 0], ["Another mainstream school", 0],
        ["Special school", 0], ["AP school or PRU", 0], ["Further education, employment or training", 0],
        ["Elective home education", 0], ["Other", 0], ["Not known", 0], ["Not recorded", 1], ["Total", 2]]
    assert "Returned to mainstream" not in repr(sec.tables)


# --- cost ----------------------------------------------------------------------------------------

def test_cost_by_provider_with_half_days_and_cost_not_recorded(tc):
    sec = cost_section(tc)

    # PRV1: P001 20 sessions / 2 x 100 = 1,000.00; P002 AM only: 12 sessions / 2 x 60 = 360.00 (not 720)
    #       -> 2 placements, 32 sessions, 1,360.00  (P005's 8 sessions have no Cost per day: own line)
    # PRV2: P003 4 / 2 x 90 = 180.00; P004 12 / 2 x 80 = 480.00 -> 2 placements, 16 sessions, 660.00
    # Total 4 placements, 48 sessions, 2,020.00. The term is the year's first, so the year so far is the same.
    # Every expected session is booked whatever its code: P004's not-reported and G sessions are paid for.
    assert rows(sec, "Cost by provider") == [
        ["PRV1", "Alpha Centre", 2, 32, 1360.0, 32, 1360.0],
        ["PRV2", "Beta Farm", 2, 16, 660.0, 16, 660.0],
        ["Total", "", 4, 48, 2020.0, 48, 2020.0],
        ["Cost not recorded", "not in the total", 1, 8, None, 8, None]]
    # budget 10,000: remaining 7,980.00, 2,020 / 10,000 = 20.2% used
    assert rows(sec, "AP budget") == [
        ["Spent so far this academic year (£)", 2020.0], ["AP budget for the year (£)", 10000.0],
        ["Remaining (£)", 7980.0], ["Budget used (%)", 20.2]]


def test_cost_for_the_year_so_far_includes_earlier_terms_and_no_budget(tmp_path):
    # one placement, full days Mon-Fri from Mon 14/12/2026 at 50.00 a day; no [budget] in school.toml
    write_school(tmp_path, [pupil("P001", "PRV1", D(2026, 12, 14), Cost_per_day=50.0)], PROVIDERS)
    spring = load_term(tmp_path, "Spring 2027", as_of=D(2027, 1, 8))

    # term: Tue 05/01 - Fri 08/01 = 4 days = 8 sessions -> 200.00
    # year: Autumn 14/12 - 18/12 = 5 days = 10 sessions, + 8 = 18 sessions -> 450.00
    sec = cost_section(spring)
    assert rows(sec, "Cost by provider") == [["PRV1", "Alpha Centre", 1, 8, 200.0, 18, 450.0],
                                             ["Total", "", 1, 8, 200.0, 18, 450.0]]
    assert rows(sec, "AP budget") == [
        ["Spent so far this academic year (£)", 450.0], ["AP budget for the year (£)", "no budget set"],
        ["Remaining (£)", None], ["Budget used (%)", None]]
    assert "The term's provision cost £200.00; £450.00 has been spent this academic year (no budget set)." \
        in summary_paragraph(spring, {})

    # --as-of after the term's end: the pack stops at the term's last day (18/12: 5 days = 10 sessions -> 250.00)
    autumn = load_term(tmp_path, "Autumn 2026", as_of=D(2027, 1, 8))
    assert autumn.end == D(2026, 12, 18)
    assert rows(cost_section(autumn), "Cost by provider")[0] == ["PRV1", "Alpha Centre", 1, 10, 250.0, 10, 250.0]


# --- the pack and its summary --------------------------------------------------------------------

def test_build_pack_orders_the_sections_and_writes_the_summary(tc):
    pack = build_pack(tc, compliance=fake_compliance(LETTERS))

    assert isinstance(pack, GovernorPack)
    assert [s.id for s in pack.sections] == ["placements", "attendance", "compliance", "incidents", "outcomes", "cost"]
    assert (pack.school, pack.term, pack.start, pack.end, pack.as_of) == (
        "Test Infant School", "Autumn 2026", D(2026, 9, 3), AS_OF, AS_OF)
    assert (pack.target_percent, pack.suppress_below) == (96.0, 0)
    assert pack.summary == (
        "In Autumn 2026 (to 18/09/2026) 4 pupils (5 placements) were in alternative provision at 2 providers. "
        "Attendance at provision was 93.9% against a target of 96%; 3 placements were below target and 2 were "
        "in persistent absence. 2 of 3 parent letters were sent on time. The term's provision cost £2,020.00; "
        "£2,020.00 of the £10,000.00 budget for the year is spent. 1 placement has no cost per day recorded, "
        "so the true cost is higher.")


def test_summary_skips_the_letters_sentence_when_nothing_was_due(tc):
    nothing_due = {"parent-letter": {"on_time": 0, "late": 0, "not_done": 0, "not_yet_due": 4}}

    assert "parent letter" not in summary_paragraph(tc, nothing_due)
    assert "parent letter" not in summary_paragraph(tc, {})
    assert "All 3 parent letters were sent on time." in summary_paragraph(
        tc, {"parent-letter": {"on_time": 3, "late": 0, "not_done": 0, "not_yet_due": 0}})


# --- small-number suppression --------------------------------------------------------------------

def test_suppression_hides_1_and_2_but_not_0_or_3(tc_suppressed):
    pack = build_pack(tc_suppressed, compliance=fake_compliance(LETTERS))
    sec = {s.id: s for s in pack.sections}

    assert pack.suppress_below == 3
    # 1 and 2 become '<3' (primary); 'hidden' (secondary) where a '<3' could be worked out by subtraction from
    # a total or the rest of its row or column; 0 is never hidden
    assert rows(sec["placements"], "Placements by provider") == [
        ["PRV1", "Alpha Centre", "hidden", 3, "hidden"], ["PRV2", "Beta Farm", "<3", "<3", "hidden"],
        ["Total", "", 5, "hidden", "hidden"]]
    assert rows(sec["placements"], "Placements by reason")[1] == ["Suspension over five days", 0, 0, "hidden"]
    assert rows(sec["incidents"], "Incidents by category") == [
        ["Serious behaviour", "<3"], ["Safeguarding concern", "<3"], ["Injury", "<3"], ["Other", "hidden"],
        ["Total", "hidden"]]
    assert rows(sec["outcomes"], "Ended placements")[:2] == [
        ["Placements ended in the term", "hidden"], ["Reintegration plan agreed", "<3"]]
    assert rows(sec["attendance"], "Placements below target")[1:] == [
        ["Below the 96% target", 3], ["In persistent absence (10% or more of possible sessions missed)", "<3"]]
    # a provider with fewer than 3 pupils: its attendance would be theirs, so its figures are not shown; the
    # school's total is (both providers are hidden, so neither can be worked out from it)
    few = ["suppressed"] * 5 + ["suppressed (fewer than 3 pupils)"]
    assert rows(sec["attendance"], "Attendance by provider") == [
        ["PRV1", "Alpha Centre", *few], ["PRV2", "Beta Farm", *few], ["Total", "All placements", 49, 46, 1, 2, 6, 93.9]]
    # the year's spending is shown; per provider it is a few pupils' sessions, so it is not
    assert rows(sec["cost"], "Cost by provider") == [
        ["PRV1", "Alpha Centre", "<3"] + ["suppressed"] * 4, ["PRV2", "Beta Farm", "<3"] + ["suppressed"] * 4,
        ["Total", "", "hidden", 48, 2020.0, 48, 2020.0],
        ["Cost not recorded", "not in the total", "<3"] + ["suppressed"] * 4]


def test_summary_respects_suppression(tc_suppressed):
    summary = summary_paragraph(tc_suppressed, LETTERS)

    assert "3 placements were below target and fewer than 3 were in persistent absence." in summary
    assert "Fewer than 3 of 3 parent letters were sent on time." in summary
    assert "Fewer than 3 placements have no cost per day recorded" in summary
    # providers are not pupils: their number is shown; no other 1 or 2 is left in the words
    assert "at 2 providers" in summary
    assert " 2 " not in summary.replace("at 2 providers", "") and " 1 " not in summary
    few = summary_paragraph(tc_suppressed, {"parent-letter": {"on_time": 1, "late": 1, "not_done": 0}})
    assert "Fewer than 3 parent letters were due" in few


# --- no personal data ----------------------------------------------------------------------------

def every_value(pack: GovernorPack):
    """Every value a renderer could draw: the pack's fields, every section, table and chart."""
    for f in dataclasses.fields(pack):
        if f.name != "sections":
            yield getattr(pack, f.name)
    for s in pack.sections:
        yield from (s.id, s.title, s.intro)
        for t in s.tables:
            yield from (t.title, t.note, t.rag_column, *t.columns)
            for row in t.rows:
                yield from row
        for c in s.charts:
            yield from (c.title, c.kind, c.y_title, c.target, *c.categories)
            for name, values in c.series:
                yield name
                yield from values


def test_no_name_upn_or_date_of_birth_anywhere_in_the_pack(tc, tc_suppressed):
    forbidden = set()
    for forename, surname, upn, dob in PUPILS.values():
        forbidden |= {forename.casefold(), surname.casefold(), upn.casefold(), f"{dob:%d/%m/%Y}", dob.isoformat(),
                      f"{dob:%d %B %Y}".casefold()}
    dobs = {dob for *_, dob in PUPILS.values()}
    for context in (tc, tc_suppressed):
        pack = build_pack(context, compliance=fake_compliance(LETTERS))
        values = list(every_value(pack))
        assert len(values) > 200
        for value in values:
            assert not isinstance(value, (dict, list, tuple, set)), value   # nothing nested for renderers to miss
            if isinstance(value, dt.date):
                assert value not in dobs
            text = str(value).casefold()
            assert not [f for f in forbidden if f in text], value
        # placements may only appear by Placement ID: no pupil-level row carries anything else
        assert "P00" not in pack.summary
