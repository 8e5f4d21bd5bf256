"""The weekly job on the bundled demo school, end to end, against figures worked out by hand.

The demo's scenario is documented in examples/demo_school/README.md."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from tests.stable_output import stable_bytes

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo_school"


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(stable_bytes(p)).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    data = tmp_path_factory.mktemp("data") / "demo"
    shutil.copytree(DEMO, data)
    before = digest(data)
    out = tmp_path_factory.mktemp("out")
    code = main(["--data", str(data), "--week", "2026-11-23", "--out", str(out)])
    return {"code": code, "data": data, "before": before, "folder": out / "2026-11-23", "out": out}


def pupil(summary: dict, pid: str) -> dict:
    return next(p for p in summary["pupils"] if p["placement_id"] == pid)


def test_exit_status_is_1_because_the_demo_has_an_error_finding(run):
    assert run["code"] == 1


def test_every_report_is_written(run):
    names = sorted(p.relative_to(run["folder"]).as_posix() for p in run["folder"].rglob("*") if p.is_file())
    # next week (30/11): PRV1 (P001, P002), PRV2 (P004, P010), PRV3 (P003, P005, P006); PRV4 has none
    # (P007 ended 19/11, P008 starts 07/12), so no return and no e-mail for PRV4.
    # P008 (starting 07/12, Parent letter sent blank) has every fact its parents' letter needs: one letter.
    # The two returns with findings (the blank session, the legacy code) get annotated copies.
    assert names == ["annotated/returns/PRV1/Riverside w-c 2026-11-23.xlsx",
                     "annotated/returns/PRV3/Nurture Hub attendance 2 Nov 2026.xlsx",
                     "letters/P008_letter.html",
                     "outbox/PRV1_2026-11-30.eml", "outbox/PRV2_2026-11-30.eml", "outbox/PRV3_2026-11-30.eml",
                     "register_import.csv", "register_import_held.csv",
                     "returns_to_send/PRV1_2026-11-30.xlsx", "returns_to_send/PRV2_2026-11-30.xlsx",
                     "returns_to_send/PRV3_2026-11-30.xlsx",
                     "summary.json", "weekly_report.html", "weekly_report.xlsx"]


def test_p001_figures_match_the_hand_count(run):
    # P001: Mon-Fri full days from Mon 07/09/2026. School days to Fri 27/11/2026:
    # 07/09-23/10 is 7 weeks = 35 days; half term 26-30/10 none; 02/11-27/11 is 4 weeks = 20 days
    # less the INSET day 13/11 = 19. 35 + 19 = 54 days = 108 sessions, all reported.
    # Not B: I, I (29/09), M (15/10) -> 3 authorised; L (02/11) attended; N (20/11) unauthorised.
    # attended 108 - 3 - 1 = 104; 104 / 108 = 96.296...% -> 96.3, not below the 96% target.
    summary = json.loads((run["folder"] / "summary.json").read_text(encoding="utf-8"))
    p = pupil(summary, "P001")
    assert p["year_to_date"] == {"possible": 108, "attended": 104, "authorised": 3, "unauthorised": 1,
                                 "not_reported": 0, "percent": 96.3}
    assert p["week"] == {"possible": 10, "attended": 10, "authorised": 0, "unauthorised": 0,
                         "not_reported": 0, "percent": 100.0}
    assert (p["below_target"], p["persistent_absence"]) == (False, False)


def test_a_blank_session_counts_as_unauthorised(run):
    # P002: Mon, Wed, Fri full days = 6 sessions this week; Fri 27/11 PM is blank -> N.
    summary = json.loads((run["folder"] / "summary.json").read_text(encoding="utf-8"))
    assert pupil(summary, "P002")["week"] == {"possible": 6, "attended": 5, "authorised": 0, "unauthorised": 1,
                                              "not_reported": 0, "percent": 83.3}


def test_a_missing_return_leaves_its_sessions_not_reported(run):
    # PRV2 sent nothing for the week of 16/11: P004 (full week, 10 sessions) and P010 (Mon, Tue full
    # days, 4 sessions) are not reported for that week, and only that week.
    summary = json.loads((run["folder"] / "summary.json").read_text(encoding="utf-8"))
    assert summary["missing_returns"] == [{"provider_id": "PRV2", "week_commencing": "2026-11-16"}]
    assert pupil(summary, "P004")["year_to_date"]["not_reported"] == 10
    assert pupil(summary, "P010")["year_to_date"]["not_reported"] == 4
    missing = [a for a in summary["actions"] if a["rule"] == "missing-return"]
    assert [(a["provider_id"], a["due"], a["status"]) for a in missing] == [("PRV2", "2026-11-23", "overdue")]


def test_summary_json_carries_no_pupil_names(run):
    text = (run["folder"] / "summary.json").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(run["data"] / "placements.xlsx", read_only=True)
    rows = list(book["Placements"].iter_rows(values_only=True))
    header = rows[0]
    names = {r[header.index(h)] for r in rows[1:] for h in ("Forename", "Surname") if r[0]}
    assert names and not [n for n in names if n and n in text]


def test_the_workbook_shows_the_same_figures(run):
    book = openpyxl.load_workbook(run["folder"] / "weekly_report.xlsx")
    assert book.sheetnames == ["Summary", "Attendance", "Actions", "Placements", "Providers", "Missing returns",
                              "Reconciliation", "Findings"]
    sheet = book["Attendance"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "P001")
    assert row[header.index("Year to date possible")] == 108
    assert row[header.index("Year to date attended")] == 104
    findings = book["Findings"]
    cells = [(r[1], r[3], r[4]) for r in findings.iter_rows(min_row=2, values_only=True) if r[0]]
    assert ("returns/PRV1/Riverside w-c 2026-11-23.xlsx", "M6", "blank-session") in cells


def test_no_input_file_is_changed(run):
    assert digest(run["data"]) == run["before"]


def test_a_rerun_writes_byte_identical_reports(run, tmp_path):
    main(["--data", str(run["data"]), "--week", "2026-11-23", "--out", str(tmp_path)])
    assert digest(tmp_path / "2026-11-23") == digest(run["folder"])


def test_the_school_register_is_reconciled_with_the_returns(run):
    # register/mis_export.csv agrees with the returns but for two sessions (the demo README, problems 7 and 8):
    # P002 Fri 27/11 PM, school B where PRV1 left the cell blank (a safeguarding risk, listed first), and
    # P006 Thu 26/11 AM, school N where PRV3 has B.
    import datetime as dt

    book = openpyxl.load_workbook(run["folder"] / "weekly_report.xlsx")
    rows = [r for r in book["Reconciliation"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert [(r[0], r[1], r[4].date(), r[5], r[6], r[7]) for r in rows] == [
        ("Safeguarding risk", "P002", dt.date(2026, 11, 27), "PM", "B", "blank, counted as N"),
        ("Disagreement", "P006", dt.date(2026, 11, 26), "AM", "N", "B"),
    ]
    html = (run["folder"] / "weekly_report.html").read_text(encoding="utf-8")
    section = html[html.index("<h2>Reconciliation with the school's register</h2>"):]
    assert section.index("Safeguarding risk") < section.index("Disagreement")


def test_summary_json_streamed_to_the_file_is_the_text_of_summary_json(run):
    """run.py streams summary.json to the file (never one string for a big school): the same bytes."""
    import datetime as dt

    from pipeline.core import compute_facts
    from pipeline.summary_json import summary_json

    facts = compute_facts(run["data"], week=dt.date(2026, 11, 23))
    assert (run["folder"] / "summary.json").read_bytes() == summary_json(facts).encode("utf-8")
