"""The school's register export (contract §6) reconciled with the providers' returns (§10 register-mismatch, §15.4).

Each test writes its own register/*.csv by hand, as a school's MIS would export it."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from pipeline import codes
from pipeline.core import compute_facts
from pipeline.findings import Findings
from pipeline.read.register_export import read_register
from pipeline.render.html_report import render_html_report
from pipeline.render.wording import safeguarding_first
from pipeline.render.xlsx_report import write_xlsx_report
from pipeline.rules import CATALOGUE
from pipeline.upn import make_upn
from tests.factories import placement, provider, write_return, write_school

WEEK = dt.date(2026, 11, 23)          # the reporting week, Mon 23 - Fri 27/11/2026
MON, TUE, WED, THU, FRI = (WEEK + dt.timedelta(days=i) for i in range(5))
UPN1, UPN2, UPN_NOT_PLACED = make_upn("999241720101"), make_upn("999241720102"), make_upn("999241720199")


def write_csv(folder: Path, name: str, lines: list[str], bom: bool = True, encoding: str = "utf-8") -> Path:
    path = folder / "register" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


# --- reading the export -----------------------------------------------------------------------

def test_reads_bom_headers_in_any_case_and_order_and_both_date_forms(tmp_path):
    write_csv(tmp_path, "mis.csv", [
        "Surname, Session ,upn,DATE,Forename,  code ",
        f"Smith,am,{UPN1.lower()},23/11/2026,Ann,b",
        f"Smith,PM,{UPN1},2026-11-23,Ann,\\",
        f"Smith,AM,{UPN1},24/11/2026,Ann,",              # no mark taken yet: skipped quietly
        f"Smith,AM,{UPN1},25/11/2026,Ann,-",
        ",,,,,",                                          # a blank row
    ])
    findings = Findings()
    marks = read_register(tmp_path, findings)
    assert list(findings) == []
    assert [(m.upn, m.date, m.session, m.code, m.category, m.file, m.line) for m in marks] == [
        (UPN1, MON, "AM", "B", codes.ATTENDED, "register/mis.csv", 2),
        (UPN1, MON, "PM", "\\", codes.ATTENDED, "register/mis.csv", 3),
    ]
    assert marks.files == ["register/mis.csv"]


def test_reads_without_bom_every_csv_in_name_order_and_semicolons(tmp_path):
    write_csv(tmp_path, "b.csv", ["UPN;Date;Session;Code", f"{UPN2};24/11/2026;PM;I"], bom=False)
    write_csv(tmp_path, "a.CSV", ["UPN,Date,Session,Code", f"{UPN1},23/11/2026,AM,N"], bom=False)
    (tmp_path / "register" / "notes.txt").write_text("not an export", encoding="utf-8")
    (tmp_path / "register" / "~$a.csv").write_bytes(b"\x00lock")
    findings = Findings()
    marks = read_register(tmp_path, findings)
    assert list(findings) == []
    assert [(m.file, m.upn, m.code) for m in marks] == [("register/a.CSV", UPN1, "N"), ("register/b.csv", UPN2, "I")]


def test_bad_rows_are_findings_and_skipped(tmp_path):
    write_csv(tmp_path, "mis.csv", [
        "UPN,Date,Session,Code",
        f"{UPN1},23/11/2026,AM,B",                  # line 2: fine
        ",23/11/2026,AM,B",                         # line 3: no UPN
        f"{UPN1},31/02/2026,AM,B",                  # line 4: not a real date
        f"{UPN1},next monday,AM,B",                 # line 5: not a date
        f"{UPN1},23/11/2026,EV,B",                  # line 6: not AM or PM
        f"{UPN1},23/11/2026,PM,A",                  # line 7: not a register code
        f"{UPN1},24/11/2026,AM,H",                  # line 8: a legacy code: kept, with a warning
        f"{UPN1},23/11/2026,AM,N",                  # line 9: the session again, differently: ignored, warning
        f"{UPN1},25/11/2026,PM,/",                  # line 10: fine
    ])
    findings = Findings()
    marks = read_register(tmp_path, findings)
    assert [(m.line, m.code) for m in marks] == [(2, "B"), (8, "H"), (10, "/")]
    assert [(f.file, f.sheet, f.cell, f.rule, f.severity, f.value) for f in findings] == [
        ("register/mis.csv", None, "3", "register-bad-row", "error", None),
        ("register/mis.csv", None, "4", "register-bad-row", "error", "31/02/2026"),
        ("register/mis.csv", None, "5", "register-bad-row", "error", None),      # text with a space is never quoted
        ("register/mis.csv", None, "6", "register-bad-row", "error", "EV"),
        ("register/mis.csv", None, "7", "register-bad-row", "error", "A"),
        ("register/mis.csv", None, "8", "register-legacy-code", "warning", "H"),
        ("register/mis.csv", None, "9", "register-duplicate", "warning", "N"),
    ]
    assert all(f"Line {f.cell}" in f.message for f in findings)
    assert "not a register code" in findings[4].message


@pytest.mark.parametrize("content, why", [
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb5\x95\xfe\x8e", "not a UTF-8 text file"),   # an xlsx renamed
    ("UPN,Date,Code\r\nX,23/11/2026,B\r\n".encode("utf-8"), "no Session column"),
    ("Pupil,When,What\r\n".encode("utf-8"), "no UPN, Date, Session, Code column"),
    ("Nom,Séance\r\n".encode("cp1252"), "not a UTF-8 text file"),
    (b"", "is empty"),
])
def test_an_unreadable_file_is_one_finding(tmp_path, content, why):
    (tmp_path / "register").mkdir()
    (tmp_path / "register" / "mis.csv").write_bytes(content)
    findings = Findings()
    marks = read_register(tmp_path, findings)
    assert list(marks) == [] and marks.files == []
    [f] = findings
    assert (f.file, f.sheet, f.cell, f.rule, f.severity) == ("register/mis.csv", None, None, "register-unreadable",
                                                             "error")
    assert why in f.message and "CSV UTF-8" in f.message


def test_no_register_folder_reads_nothing(tmp_path):
    findings = Findings()
    marks = read_register(tmp_path, findings)
    assert list(marks) == [] and marks.files == [] and list(findings) == []


# --- reconciliation ----------------------------------------------------------------------------

def school(tmp_path: Path) -> Path:
    """P001 (UPN1) at PRV1 Mon-Fri full days, P002 (UPN2, arranged by the local authority) at PRV2 on Mondays,
    both starting on the reporting week's Monday. PRV1 sends a return; PRV2 sends none."""
    folder = write_school(tmp_path / "school", [
        placement("P001", "PRV1", start=MON, UPN=UPN1),
        placement("P002", "PRV2", start=MON, days=None, Mon="Full day", UPN=UPN2, Arranged_by="Local authority",
                  Parent_letter_sent=None),
    ], [provider("PRV1"), provider("PRV2")])
    #          Mon AM Mon PM Tue AM Tue PM Wed AM Wed PM Thu AM Thu PM Fri AM Fri PM
    marks = ["N", "B", "B", "B", "N", "B", "B", "B", None, "B"]
    write_return(folder / "returns" / "prv1.xlsx", "PRV1", WEEK, [("P001", marks)])
    return folder


EXPORT = [
    "UPN,Forename,Surname,Date,Session,Code",
    f"{UPN1},Test,Pupil P001,23/11/2026,AM,B",            # provider N: safeguarding risk
    f"{UPN1.lower()},Test,Pupil P001,23/11/2026,PM,N",    # provider B: disagreement (UPN matched ignoring case)
    f"{UPN1},Test,Pupil P001,24/11/2026,AM,X",            # provider B: not possible against attended
    f"{UPN1},Test,Pupil P001,24/11/2026,PM,B",            # provider B: agree
    f"{UPN1},Test,Pupil P001,25/11/2026,AM,I",            # provider N: both absent, agree
    f"{UPN1},Test,Pupil P001,25/11/2026,PM,/",            # provider B: both attended, agree
    f"{UPN1},Test,Pupil P001,27/11/2026,AM,B",            # provider blank (counted as N): safeguarding risk
    f"{UPN2},Test,Pupil P002,23/11/2026,AM,K",            # no return from PRV2: safeguarding risk
    f"{UPN2},Test,Pupil P002,23/11/2026,PM,N",            # no return, school absent: nothing to compare
    f"{UPN2},Test,Pupil P002,24/11/2026,AM,B",            # P002 is not expected on Tuesdays: ignored
    f"{UPN1},Test,Pupil P001,30/11/2026,AM,B",            # next week: ignored
    f"{UPN1},Test,Pupil P001,20/11/2026,AM,N",            # last week, before the placement: ignored
    f"{UPN_NOT_PLACED},Other,Child,23/11/2026,AM,N",       # a pupil with no placement: ignored
]


@pytest.fixture
def reconciled(tmp_path):
    folder = school(tmp_path)
    write_csv(folder, "mis_export.csv", EXPORT)
    return compute_facts(folder, WEEK)


def test_the_rule_is_catalogued_as_the_contract_says():
    r = CATALOGUE["register-mismatch"]
    assert (r.section, r.owner, r.key) == ("15.4", "Attendance lead", "placement")


def test_one_alert_per_placement_with_the_alert_fields(reconciled):
    alerts = [a for a in reconciled.summary["actions"] if a["rule"] == "register-mismatch"]
    assert [(a["placement_id"], a["provider_id"], a["section"], a["owner"], a["status"], a["due"], a["upn"])
            for a in alerts] == [("P001", "PRV1", "15.4", "Attendance lead", "alert", None, None),
                                 ("P002", "PRV2", "15.4", "Attendance lead", "alert", None, None)]
    p001, p002 = (a["message"] for a in alerts)
    assert p001.startswith("Safeguarding risk:")
    assert "Mon 23/11/2026 AM (school B, provider N)" in p001
    assert "Fri 27/11/2026 AM (school B, provider blank, counted as N)" in p001
    assert "also disagree" in p001
    assert "Mon 23/11/2026 PM (school N, provider B)" in p001 and "Tue 24/11/2026 AM (school X, provider B)" in p001
    assert p001.index("Safeguarding risk") < p001.index("also disagree")
    assert p002.startswith("Safeguarding risk:") and "Mon 23/11/2026 AM (school K, provider not reported)" in p002
    assert "disagree" not in p002 and "PM" not in p002
    assert "tell the DSL" in p001 and "Ask the provider which mark is right" in p001
    assert "Test" not in p001 + p002           # no pupil names in summary.json


def test_summary_keeps_the_contract_order(reconciled):
    actions = reconciled.summary["actions"]
    keys = [({"overdue": 0, "due": 1, "alert": 2}[a["status"]], a["due"] or "9999", a["rule"],
             a["placement_id"] or a["provider_id"] or a["upn"]) for a in actions]
    assert keys == sorted(keys)


def test_reconciliation_rows_safeguarding_first(reconciled):
    rows = [(r["risk"], r["placement_id"], r["date"], r["session"], r["school_code"], r["provider_code"])
            for r in safeguarding_first(reconciled)]
    assert rows == [
        ("Safeguarding risk", "P001", MON, "AM", "B", "N"),
        ("Safeguarding risk", "P002", MON, "AM", "K", "not reported"),
        ("Safeguarding risk", "P001", FRI, "AM", "B", "blank, counted as N"),
        ("Disagreement", "P001", MON, "PM", "N", "B"),
        ("Disagreement", "P001", TUE, "AM", "X", "B"),
    ]
    first = safeguarding_first(reconciled)[0]
    assert first["pupil"] == "Test Pupil P001" and first["provider"] == "Provider PRV1"
    assert first["what_to_do"].startswith("Safeguarding risk:")
    assert safeguarding_first(reconciled)[-1]["what_to_do"].startswith("Ask Provider PRV1 which mark is right")
    assert reconciled.register_files == ["register/mis_export.csv"]
    assert reconciled.register_compared == 9      # P001: 7 sessions with a school mark; P002: Mon AM and PM


def test_the_export_adds_no_findings_and_summary_has_no_reconciliation_names(reconciled):
    assert [f["rule"] for f in reconciled.summary["findings"]] == ["blank-session"]    # P001's Fri AM, in the return
    assert "reconciliation" not in reconciled.summary


def test_the_workbook_has_a_reconciliation_sheet_safeguarding_first(reconciled, tmp_path):
    write_xlsx_report(reconciled, tmp_path / "weekly_report.xlsx")
    book = openpyxl.load_workbook(tmp_path / "weekly_report.xlsx")
    assert book.sheetnames.index("Reconciliation") == book.sheetnames.index("Missing returns") + 1
    ws = book["Reconciliation"]
    header = [c.value for c in ws[1]]
    assert header == ["Risk", "Placement ID", "Pupil", "Provider", "Date", "Session", "School code", "Provider code",
                      "What to do"]
    assert list(ws.tables) == ["Reconciliation"]
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    assert [(r[0], r[1], r[4].date(), r[5], r[6], r[7]) for r in rows] == [
        ("Safeguarding risk", "P001", MON, "AM", "B", "N"),
        ("Safeguarding risk", "P002", MON, "AM", "K", "not reported"),
        ("Safeguarding risk", "P001", FRI, "AM", "B", "blank, counted as N"),
        ("Disagreement", "P001", MON, "PM", "N", "B"),
        ("Disagreement", "P001", TUE, "AM", "X", "B"),
    ]
    assert rows[0][2] == "Test Pupil P001" and rows[0][3] == "Provider PRV1"
    assert ws.cell(2, 5).number_format == "dd/mm/yyyy"


def test_the_web_page_has_a_reconciliation_section_safeguarding_first(reconciled):
    html = render_html_report(reconciled)
    start = html.index("<h2>Reconciliation with the school's register</h2>")
    section = html[start:html.index("</section>", start)]
    assert html.index("<h2>Missing returns</h2>") < start < html.index("<h2>Findings</h2>")
    assert "register/mis_export.csv" in section
    order = [section.index(s) for s in ("Monday 23 Nov 2026 AM</td>\n        <td data-label=\"School code\">B",
                                        "not reported", "blank, counted as N", ">Disagreement<")]
    assert order == sorted(order)
    assert section.count("badge-error") == 3 and section.count("badge-warning") == 2


# --- when nothing disagrees, or there is no export -------------------------------------------

def test_agreement_is_quiet(tmp_path):
    folder = school(tmp_path)
    write_csv(folder, "mis_export.csv", [
        "UPN,Date,Session,Code",
        f"{UPN1},23/11/2026,AM,I",          # provider N: both absent
        f"{UPN1},23/11/2026,PM,B",          # provider B
        f"{UPN1},24/11/2026,AM,L",          # provider B: late counts as attended
        f"{UPN1},25/11/2026,AM,O",          # provider N
        f"{UPN2},23/11/2026,PM,N",          # PRV2 sent no return; the school has the pupil absent
        f"{UPN_NOT_PLACED},23/11/2026,AM,B",
    ])
    result = compute_facts(folder, WEEK)
    assert [a for a in result.summary["actions"] if a["rule"] == "register-mismatch"] == []
    assert safeguarding_first(result) == [] and result.register_compared == 5
    html = render_html_report(result)
    assert "The school&#39;s register and the providers&#39; returns agree. 5 sessions compared." in html
    write_xlsx_report(result, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Reconciliation"]
    assert "The school's register and the providers' returns agree. 5 sessions compared." in [
        c.value for row in ws.iter_rows() for c in row]


def test_no_export_says_reconciliation_not_done(tmp_path):
    result = compute_facts(school(tmp_path), WEEK)
    assert [a for a in result.summary["actions"] if a["rule"] == "register-mismatch"] == []
    assert safeguarding_first(result) == [] and result.register_files == []
    assert "No register export in register/: reconciliation not done." in render_html_report(result)
    write_xlsx_report(result, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Reconciliation"]
    cells = [c.value for row in ws.iter_rows() for c in row]
    assert "No register export in register/: reconciliation not done." in cells


def test_an_export_of_another_week_compares_nothing(tmp_path):
    folder = school(tmp_path)
    write_csv(folder, "mis_export.csv", ["UPN,Date,Session,Code", f"{UPN1},16/11/2026,AM,B"])
    result = compute_facts(folder, WEEK)
    assert safeguarding_first(result) == [] and result.register_compared == 0
    assert "has no marks for the pupils in provision in this week" in render_html_report(result)


def test_sessions_after_as_of_are_not_compared(tmp_path):
    folder = school(tmp_path)
    write_csv(folder, "mis_export.csv", EXPORT)
    result = compute_facts(folder, WEEK, as_of=TUE)
    assert [(r["placement_id"], r["date"], r["session"]) for r in safeguarding_first(result)] == [
        ("P001", MON, "AM"), ("P002", MON, "AM"), ("P001", MON, "PM"), ("P001", TUE, "AM")]


def test_an_unreadable_export_does_not_stop_the_run(tmp_path):
    folder = school(tmp_path)
    (folder / "register").mkdir()
    (folder / "register" / "mis_export.csv").write_bytes(b"PK\x03\x04\x00\xff")
    result = compute_facts(folder, WEEK)
    found = [(f["file"], f["rule"]) for f in result.summary["findings"]]
    assert ("register/mis_export.csv", "register-unreadable") in found
    assert result.register_files == [] and safeguarding_first(result) == []
    assert "No register export in register/: reconciliation not done." in render_html_report(result)


def test_a_whole_week_not_reported_and_marked_b_is_one_alert(tmp_path):
    folder = school(tmp_path)
    write_csv(folder, "mis_export.csv", ["UPN,Date,Session,Code"]
              + [f"{UPN1},{d:%d/%m/%Y},{s},B" for d in (MON, TUE, WED, THU, FRI) for s in ("AM", "PM")])
    (folder / "returns" / "prv1.xlsx").unlink()                 # PRV1 sends nothing this week either
    result = compute_facts(folder, WEEK)
    [alert] = [a for a in result.summary["actions"] if a["rule"] == "register-mismatch"]
    assert alert["placement_id"] == "P001" and alert["message"].count("provider not reported") == 10
    assert len(safeguarding_first(result)) == 10 and {r["risk"] for r in safeguarding_first(result)} == {"Safeguarding risk"}
