"""An Incidents sheet that cannot be read is an error finding on that sheet (contract §12): a damaged sheet,
one whose headers were changed or deleted, or a formula where an incident's Date, Placement ID or Category
belongs; the incident is never dropped in silence, and the attendance of the return is still counted."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from pipeline.run import run_week
from tests.corpus_factories import Formula, corrupt_member, write_book
from tests.factories import full_week, placement, provider, write_return, write_school
from tests.school_factories import return_grid

WEEK = dt.date(2026, 11, 23)
RET = "returns/prv1.xlsx"
INCIDENT = {"Date": dt.date(2026, 11, 24), "Placement ID": "P001", "Category": "Injury", "Summary": "Fell in the yard"}
ASK = ("Ask the provider at once whether they reported an incident this week, and {fix}; the attendance in this "
       "return is read as usual.")
DAMAGED = ("The Incidents sheet could not be read (it is damaged), so any incident in it is not in this report and "
           "the school is not alerted to it. " + ASK.format(fix="for the return saved again from Excel"))
NO_HEADERS = ("The Incidents sheet could not be read (it has no header row with the columns Date, Placement ID, "
              "Category in its first 30 rows), so any incident in it is not in this report and the school is not "
              "alerted to it. " + ASK.format(fix="put the headers back exactly as in the return the school sent"))


def school(tmp_path: Path) -> Path:
    return write_school(tmp_path / "data", [placement("P001")], [provider("PRV1")])


def run(data: Path, out: Path):
    outcome = run_week(data, out, week=WEEK)
    summary = json.loads((out / WEEK.isoformat() / "summary.json").read_text(encoding="utf-8"))
    findings = [(f["file"], f["sheet"], f["cell"], f["rule"], f["severity"], f["message"]) for f in summary["findings"]]
    incidents = [a for a in summary["actions"] if a["rule"] == "incident"]
    attended = next(p for p in summary["pupils"] if p["placement_id"] == "P001")["week"]["attended"]
    return outcome.exit_code, findings, incidents, attended


def test_a_readable_incident_is_an_alert_with_no_finding(tmp_path):
    """The guard on the others: the same return with its Incidents sheet intact."""
    data = school(tmp_path)
    write_return(data / RET, "PRV1", WEEK, [("P001", full_week("B"))], incidents=[INCIDENT])
    code, findings, incidents, attended = run(data, tmp_path / "out")
    assert (code, findings, len(incidents), attended) == (0, [], 1, 10)


def test_a_damaged_incidents_sheet_is_an_error_on_that_sheet_and_stays_one_from_the_cache(tmp_path):
    data = school(tmp_path)
    write_return(data / RET, "PRV1", WEEK, [("P001", full_week("B"))], incidents=[INCIDENT])
    corrupt_member(data / RET, "xl/worksheets/sheet2.xml")
    expected = (1, [(RET, "Incidents", None, "unreadable-incidents", "error", DAMAGED)], [], 10)
    assert run(data, tmp_path / "out") == expected
    assert run(data, tmp_path / "out") == expected         # the second run reads the return from the cache


def test_an_incidents_sheet_without_its_headers_is_an_error_on_that_sheet(tmp_path):
    data = school(tmp_path)
    write_book(data / RET, {"Attendance": return_grid("PRV1", WEEK, [("P001", full_week("B"))]),
                            "Incidents": [["When", "Who", "What happened"],
                                          [dt.date(2026, 11, 24), "P001", "Hit a member of staff"]]})
    assert run(data, tmp_path / "out") == (1, [(RET, "Incidents", None, "unreadable-incidents", "error", NO_HEADERS)],
                                           [], 10)


def test_an_incident_written_as_a_note_with_no_table_is_an_error(tmp_path):
    data = school(tmp_path)
    write_book(data / RET, {"Attendance": return_grid("PRV1", WEEK, [("P001", full_week("B"))]),
                            "Incidents": [["P001 was hurt on Tuesday, we called mum"]]})
    assert run(data, tmp_path / "out") == (1, [(RET, "Incidents", None, "unreadable-incidents", "error", NO_HEADERS)],
                                           [], 10)


def test_a_formula_in_an_incident_says_the_incident_is_not_in_the_report(tmp_path):
    data = school(tmp_path)
    write_book(data / RET, {"Attendance": return_grid("PRV1", WEEK, [("P001", full_week("B"))]),
                            "Incidents": [["Date", "Placement ID", "Category", "Reported to DSL", "Summary"],
                                          [Formula("=TODAY()", dt.date(2026, 11, 24)), "P001", "Injury", None, "Fell"]]})
    assert run(data, tmp_path / "out") == (1, [(
        RET, "Incidents", "A2", "formula-in-cell", "error",
        "Date in cell A2 is a formula, not a typed value: what it shows can be out of date or missing, and it is not "
        "what anyone checked. Type the value itself, not a formula; until then this incident is not in the report "
        "and the school is not alerted to it.")], [], 10)


def test_an_empty_incidents_sheet_or_one_with_only_its_headers_is_no_finding(tmp_path):
    data = school(tmp_path)
    write_book(data / RET, {"Attendance": return_grid("PRV1", WEEK, [("P001", full_week("B"))]), "Incidents": []})
    write_return(data / "returns" / "prv1 again.xlsx", "PRV1", WEEK - dt.timedelta(days=7),
                 [("P001", full_week("B"))], incidents=[])
    code, findings, incidents, attended = run(data, tmp_path / "out")
    assert (code, [f for f in findings if f[0].startswith("returns/")], incidents, attended) == (0, [], [], 10)
