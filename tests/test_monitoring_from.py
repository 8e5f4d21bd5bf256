"""`[rules] monitoring_from` (contract §2): the first day the tool is used for the school. A week counts when
its Friday is on or after it; earlier weeks raise no `missing-return` action, are not listed as missing
returns and are left out of the governor pack's count of returns, but their sessions still count as not
reported. In memory (tests/memory_school.py), no workbook written.

Factory calendar (tests/factories.py): Autumn 2026 Thu 03/09 - Fri 18/12, half term 26/10 - 30/10, INSET
Fri 13/11. P001 at PRV1 full days from Mon 07/09 and no return ever: a school that starts using the tool
mid-year. Its provider-weeks up to the reporting week of 23/11: 07/09, 14/09, 21/09, 28/09, 05/10, 12/10,
19/10, 02/11, 09/11, 16/11, 23/11 (11 weeks).
"""
from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from pipeline.calendar import SchoolCalendar
from pipeline.columns import Columns
from pipeline.governors.compliance import measure
from pipeline.read.registers import Registers
from pipeline.rules import CATALOGUE, RuleContext
from pipeline.rules.obligations import Span
from pipeline.sessions import COLUMNS
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML, placement
from tests.figure_factories import NOV_23, pupil, rules_of, summary_for
from tests.memory_school import school
from tests.record_factories import placement_record, provider_record
from tests.rule_factories import toml_with_rules

D = dt.date
WEEKS = ["2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28", "2026-10-05", "2026-10-12", "2026-10-19",
         "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]


def mid_year(toml: str = SCHOOL_TOML):
    return school([placement("P001", start=D(2026, 9, 7))], toml=toml)


def missing_weeks(summary: dict) -> list[str]:
    return [m["week_commencing"] for m in summary["missing_returns"]]


def test_without_it_every_week_of_the_year_is_a_missing_return():
    summary = summary_for(mid_year(), NOV_23)
    assert missing_weeks(summary) == WEEKS
    assert len(rules_of(summary, "missing-return")) == 11


def test_a_school_starting_mid_year_is_chased_only_from_monitoring_from():
    # Wed 18/11: the week of 16/11 counts (its Friday 20/11 is after), the weeks before do not
    before = summary_for(mid_year(), NOV_23)
    after = summary_for(mid_year(toml_with_rules(monitoring_from=D(2026, 11, 18))), NOV_23)
    assert [(a["provider_id"], a["due"], a["status"]) for a in rules_of(after, "missing-return")] == [
        ("PRV1", "2026-11-23", "overdue"), ("PRV1", "2026-11-30", "due")]
    assert missing_weeks(after) == ["2026-11-16", "2026-11-23"]
    # the sessions of the weeks before still count as not reported: the pupils' figures do not change
    assert after["pupils"] == before["pupils"]
    # 07/09 - 27/11: 54 school days (half term and the INSET Friday out), 108 sessions, none reported
    ytd = pupil(after, "P001")["year_to_date"]
    assert (ytd["possible"], ytd["not_reported"], ytd["percent"]) == (0, 108, None)
    # nothing else changes
    assert [a for a in after["actions"] if a["rule"] != "missing-return"] == [
        a for a in before["actions"] if a["rule"] != "missing-return"]


@pytest.mark.parametrize("monitoring_from, first_week", [
    (D(2026, 9, 1), "2026-09-07"),        # before the term: every week
    (D(2026, 11, 16), "2026-11-16"),      # the Monday of a week: that week
    (D(2026, 11, 20), "2026-11-16"),      # its Friday: that week still counts
    (D(2026, 11, 21), "2026-11-23"),      # the Saturday after: the next week
    (D(2026, 11, 27), "2026-11-23"),      # the reporting week's Friday
    (D(2026, 11, 28), None),              # after the reporting week: nothing is chased yet
])
def test_a_week_counts_when_its_friday_is_on_or_after_monitoring_from(monitoring_from, first_week):
    summary = summary_for(mid_year(toml_with_rules(monitoring_from=monitoring_from)), NOV_23)
    expected = WEEKS[WEEKS.index(first_week):] if first_week else []
    assert missing_weeks(summary) == expected
    assert [a["due"] for a in rules_of(summary, "missing-return")] == [
        (D.fromisoformat(w) + dt.timedelta(days=7)).isoformat() for w in expected]


def test_a_bad_monitoring_from_names_the_key():
    from pipeline.errors import RunError
    with pytest.raises(RunError, match=r"\[rules\] monitoring_from must be a date written like 2026-09-03"):
        parse_settings(tomllib.loads(toml_with_rules(monitoring_from="next week")))


# --- the governor pack: the same obligations, counted over the term --------------------------------

def context(toml: str, as_of: dt.date = D(2026, 12, 4), returned=()) -> RuleContext:
    settings = parse_settings(tomllib.loads(toml))
    full = {day: ("AM", "PM") for day in range(5)}
    p001 = placement_record(placement_id="P001", provider_id="PRV1", forename="Test", surname="P001",
                            start_date=D(2026, 9, 7), pattern=full)
    registers = Registers(providers={"PRV1": provider_record(provider_id="PRV1", name="Riverside")}, placements=[p001])
    returns = [_Return("PRV1", week) for week in returned]
    return RuleContext(settings, SchoolCalendar.from_settings(settings), as_of - dt.timedelta(days=4), as_of,
                       registers, Columns(COLUMNS), returns=returns)


class _Return:
    """What the term's count reads of an accepted return: its provider and week."""

    def __init__(self, provider_id: str, week: dt.date):
        self.provider_id, self.week = provider_id, week


AUTUMN = Span(D(2026, 9, 3), D(2026, 12, 18))


def test_the_governor_pack_counts_returns_only_from_monitoring_from():
    # As-of Fri 04/12: the term's provider-weeks 07/09 ... 14/12 are 14 (half term out); the weeks to 30/11
    # are due by 04/12 (12), 07/12 and 14/12 are not yet due (2). One return, for 30/11, is in.
    rule = CATALOGUE["missing-return"]
    everything = measure(rule, context(SCHOOL_TOML, returned=[D(2026, 11, 30)]), AUTUMN)
    assert everything == {"on_time": 1, "late": 0, "not_done": 11, "not_yet_due": 2, "alerts": 0}
    # From Wed 18/11: only 16/11, 23/11 and 30/11 are due (one returned); 07/12 and 14/12 not yet
    since = measure(rule, context(toml_with_rules(monitoring_from=D(2026, 11, 18)), returned=[D(2026, 11, 30)]),
                    AUTUMN)
    assert since == {"on_time": 1, "late": 0, "not_done": 2, "not_yet_due": 2, "alerts": 0}
