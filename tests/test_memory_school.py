"""The in-memory school of the rule tests (tests/memory_school.py) is the real run: the same school written to
xlsx files gives the grids calamine reads and the summary.json compute_facts works out."""
from __future__ import annotations

import datetime as dt

import pytest

from pipeline.read.workbook import open_workbook
from pipeline.core import compute_facts
from tests.factories import full_week, placement, provider, write_grid, write_return, write_school
from tests.figure_factories import week_marks
from tests.memory_school import MemorySchool, calamine_grid, memory_school, summary_in_memory
from tests.rule_factories import permanent_exclusion, pupil_upn, review_event, suspension, toml_with_rules

D = dt.date
NOV_16, NOV_23 = D(2026, 11, 16), D(2026, 11, 23)

ODD_ROWS = [
    [None, "", "x"],
    [],
    [1, 2.5, True, False, dt.datetime(2026, 1, 1, 9, 30), D(2026, 2, 3), dt.datetime(2026, 3, 4)],
    ["  spaced  ", "café", None, None, None, None, None, None, None],
    [None, 0, -3, 1e10, dt.time(9, 0)],
    [None, None],
]


def busy_school() -> MemorySchool:
    """A school with something for every rule and most findings: ended, refused, starting and unknown-provider
    placements, a provider with no e-mail, reviews, exclusions, incidents, duplicate, stray and holiday returns."""
    nothing_done = {c: None for c in ("Parent letter sent", "Parents agreed", "Intervention plan agreed",
                                      "Dual registered from", "Attainment data sent")}
    placements = [
        placement("P001", start=D(2026, 9, 7), Planned_end_date=D(2026, 11, 20)),
        placement("P002", "PRV2", start=D(2026, 11, 9), Mon="AM", Wed=None, SEND="Y", Date_of_birth=D(2021, 1, 5)),
        placement("P003", start=D(2026, 9, 7), Actual_end_date=D(2026, 11, 20), Final_report_received=D(2026, 11, 20)),
        placement("P004", start=D(2026, 12, 2), **nothing_done),
        placement("P005", start=D(2026, 11, 16), Parents_refused=D(2026, 11, 1), **nothing_done),
        placement("P006", "PRV9", start=D(2026, 9, 7)),
        placement("P007", start=D(2026, 9, 7), UPN="B80120000500X", Forename=None),
        placement("P008", start=D(2026, 11, 16), UPN=pupil_upn(1)),
    ]
    providers = [provider("PRV1"), provider("PRV2", Contact_email="", Registered="N", DBS_checked=None)]
    reviews = [review_event("P001", D(2026, 10, 1), "Agreement review", "Continue"),
               review_event("P002", D(2026, 11, 20), "AP lead visit"),
               review_event("P003", D(2026, 11, 20), "Parent contact"),
               review_event("P999", D(2026, 11, 20), "Formal progress review")]
    exclusions = [suspension(pupil_upn(1), D(2026, 11, 9), 7, None), permanent_exclusion(pupil_upn(2), D(2026, 11, 2))]
    school = memory_school(placements, providers, reviews, exclusions, toml=toml_with_rules(review_cadence="half-term"))
    incidents = [{"Date": D(2026, 11, 25), "Placement ID": "P001", "Category": "Safeguarding concern"},
                 {"Date": D(2026, 11, 26), "Placement ID": "P002", "Category": "Injury"},
                 {"Date": None, "Placement ID": "P001", "Category": "Other"}]
    school.add_return("PRV1", NOV_23, [("P001", week_marks("B", Tue="B N", Wed="X ?")), ("P008", full_week("B")),
                                       ("P404", full_week("B"))], incidents, created=dt.datetime(2026, 11, 27, 9))
    school.add_return("PRV1", NOV_23, [("P001", full_week("C"))], created=dt.datetime(2026, 11, 27, 8), name="old.xlsx")
    school.add_return("PRV1", NOV_16, [("P001", full_week("B"))])
    school.add_return("PRV2", NOV_23, [("P002", week_marks("-", Mon="B -", Tue="B U", Thu=("", None), Fri="L B"))])
    school.add_return("prv2 ", NOV_16, [("P002", full_week("B"))], name="sub/prv2.xlsx")
    school.add_return("PRV9", NOV_23, [("P006", full_week("B"))])
    school.add_return("PRV1", D(2026, 10, 26), [("P001", full_week("B"))])
    return school


def write(school: MemorySchool, folder) -> None:
    (folder / "returns").mkdir(parents=True)
    (folder / "school.toml").write_text(school.toml, encoding="utf-8")
    for rel, (sheets, saved) in school.workbooks.items():
        write_grid(folder / rel, sheets, saved)


def test_each_sheet_is_the_grid_calamine_reads_from_the_written_workbook(tmp_path):
    school = busy_school().put("odd.xlsx", {"Odd": ODD_ROWS, "Empty": [], "Blank": [[None, ""], []]})
    write(school, tmp_path)
    for rel, (sheets, _) in school.workbooks.items():
        book = open_workbook(tmp_path / rel)
        assert book.sheet_names == list(sheets)
        for name, rows in sheets.items():
            assert calamine_grid(rows) == book.grid(name), (rel, name)
            assert [[type(v) for v in row] for row in calamine_grid(rows)] == \
                [[type(v) for v in row] for row in book.grid(name)], (rel, name)


@pytest.mark.parametrize("week, as_of", [(NOV_23, None), (NOV_23, D(2026, 11, 25)), (NOV_23, D(2026, 12, 1)),
                                         (NOV_16, None), (D(2026, 12, 7), None)])
def test_the_summary_is_the_runs_for_the_same_school_written_to_files(tmp_path, week, as_of):
    school = busy_school()
    write(school, tmp_path)
    in_memory = summary_in_memory(school, week, as_of)
    assert in_memory == compute_facts(tmp_path, week, as_of).summary
    rules = {a["rule"] for a in in_memory["actions"]}
    findings = {f["rule"] for f in in_memory["findings"]}
    if (week, as_of) == (NOV_23, None):   # the school exercises what it is meant to
        assert {"incident", "missing-return", "below-target", "past-planned-end", "reintegration", "parent-letter",
                "agreement-review", "provider-checks", "sixth-day", "work-set"} <= rules, rules
        assert {"duplicate-return", "week-outside-terms", "unknown-provider", "wrong-placement", "no-contact-email",
                "letter-missing-fact", "bad-upn", "bad-choice", "unknown-placement", "incomplete-incident",
                "unknown-code"} <= findings, findings


def test_the_factory_folder_and_the_memory_school_agree(tmp_path):
    # write_school and write_return (the files most tests use) against memory_school and add_return
    rows = [placement("P001", start=NOV_16), placement("P002", "PRV2", start=NOV_16)]
    folder = write_school(tmp_path, rows, [provider("PRV1"), provider("PRV2")])
    write_return(folder / "returns" / f"PRV1_{NOV_23}.xlsx", "PRV1", NOV_23, [("P001", full_week("B"))])
    school = memory_school(rows, [provider("PRV1"), provider("PRV2")]).add_return("PRV1", NOV_23,
                                                                                  [("P001", full_week("B"))])
    assert summary_in_memory(school, NOV_23) == compute_facts(folder, NOV_23).summary
