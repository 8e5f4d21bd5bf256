"""Issue 16, deliverable 4: people and contacts in the weekly report (contract §2 [people], §15).

A real school folder, a real run: the xlsx read back with openpyxl, the html as written, summary.json
checked for the absence of every name and note."""
from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re

import openpyxl
import pytest

from pipeline.run import run_week
from pipeline.upn import make_upn
from tests.factories import SCHOOL_TOML, full_week, placement, provider, return_sheets, write_grid, write_school

WEEK = dt.date(2026, 11, 23)
AS_OF = dt.date(2026, 11, 27)
PLACED_UPN = "B801200005001"                 # P001's pupil, Test Pupil P001
OTHER_UPN = make_upn("801200006001")         # P003's pupil
UNKNOWN_UPN = make_upn("801200009991")       # no placement has it
LUNCH = "collected at lunch, no reason given"
FORMULA_NOTE = '=HYPERLINK("http://evil.example/x","click me")'
PEOPLE = '''
[rules]
monitoring_from = 2026-11-16

[people]
"AP lead" = "Mr Tom Baines"
DSL = "Mr Tom Baines"
SENCO = "Ms Priya Lal"
'''


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("people")
    data, out = root / "school", root / "out"
    write_school(data, [placement("P001"), placement("P002", provider_id="PRV2", UPN=make_upn("801200005002")),
                        placement("P003", UPN=OTHER_UPN)],
                 providers=[provider("PRV1"),
                            provider("PRV2", Contact_name="Ms Dee Okoro", Contact_email="dee@prv2.example.org",
                                     Phone="01632 960123", Approved=dt.date(2025, 1, 6))],
                 exclusions=[{"UPN": PLACED_UPN, "Type": "Suspension", "First day": dt.date(2026, 11, 2),
                              "School days": 2, "Work set": "N"},
                             {"UPN": UNKNOWN_UPN, "Type": "Suspension", "First day": dt.date(2026, 11, 3),
                              "School days": 1, "Work set": "N"}],
                 toml=SCHOOL_TOML + PEOPLE)
    for week in (WEEK - dt.timedelta(days=7), WEEK):           # last week's note is not this week's
        sheets = return_sheets("PRV1", week, [("P001", full_week()), ("P003", full_week())])
        notes = {"P001": "an old note from last week", "P003": None} if week != WEEK else {"P001": LUNCH, "P003": FORMULA_NOTE}
        for row in sheets["Attendance"][4:]:
            row[-1] = notes[row[0]]
            row[1] = PLACED_UPN if row[0] == "P001" else OTHER_UPN
        write_grid(data / "returns" / "PRV1" / f"PRV1 return {week:%d-%m-%Y}.xlsx", sheets)
    run_week(data, out, week=WEEK, as_of=AS_OF, use_cache=False)
    folder = out / WEEK.isoformat()
    return {"xlsx": openpyxl.load_workbook(folder / "weekly_report.xlsx"),
            "html": (folder / "weekly_report.html").read_text(encoding="utf-8"),
            "summary": (folder / "summary.json").read_text(encoding="utf-8")}


def _rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:] if any(v is not None for v in r)]


def _text(fragment: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _section(html: str, heading: str) -> str:
    start = html.index(f"<h2>{heading}</h2>")
    return html[start:html.index("</section>", start)]


def test_actions_sheet_has_who_beside_each_owner(report):
    rows = _rows(report["xlsx"]["Actions"])
    who = {(r["Owner"], r["Who"]) for r in rows}
    assert ("AP lead", "Mr Tom Baines") in who and ("DSL", "Mr Tom Baines") in who     # one person, two roles
    assert ("Headteacher", None) in who                  # not named in [people]: the role alone
    assert ("Attendance lead", None) in who
    assert list(next(report["xlsx"]["Actions"].iter_rows(values_only=True)))[:11] == [
        "Owner", "Status", "Due", "Days overdue", "Pupil or provider", "What to do", "Policy §", "Rule",
        "Placement ID", "Provider ID", "UPN"]                # the existing headers, unchanged


def test_html_owner_headings_and_one_line_per_person(report):
    section = _section(report["html"], "Actions")
    headings = [_text(h) for h in re.findall(r'<h3 class="owner">(.*?)</h3>', section)]
    ap = sum(1 for r in _rows(report["xlsx"]["Actions"]) if r["Owner"] == "AP lead")
    dsl = sum(1 for r in _rows(report["xlsx"]["Actions"]) if r["Owner"] == "DSL")
    assert f"AP lead: Mr Tom Baines — {ap} action{'s' if ap != 1 else ''}" in headings
    assert f"DSL: Mr Tom Baines — {dsl} action{'s' if dsl != 1 else ''}" in headings
    assert any(re.fullmatch(r"Headteacher: \d+ actions?", h) for h in headings)
    people = [_text(li) for li in re.findall(r'<ul class="people">(.*?)</ul>', section, re.S)[0].split("</li>") if _text(li)]
    assert f"Mr Tom Baines: AP lead, DSL ({ap + dsl} actions)" in people
    assert not any(p.startswith("Ms Priya Lal") for p in people)    # SENCO owns no action: not listed


def test_upn_actions_name_a_placed_pupil_and_keep_an_unknown_upn(report):
    work = {r["UPN"]: r["Pupil or provider"] for r in _rows(report["xlsx"]["Actions"]) if r["Rule"] == "work-set"}
    assert work == {PLACED_UPN: "Test Pupil P001", UNKNOWN_UPN: UNKNOWN_UPN}
    rows = [_text(r) for r in re.findall(r"<tr\b.*?</tr>", _section(report["html"], "Actions"), re.S) if "work-set" in r]
    assert any("Test Pupil P001" in r for r in rows) and any(UNKNOWN_UPN in r for r in rows)


def test_missing_return_lists_the_providers_contact(report):
    rows = _rows(report["xlsx"]["Missing returns"])
    assert [(r["Provider ID"], r["Week commencing"], r["Contact name"], r["Contact email"], r["Phone"]) for r in rows] == [
        ("PRV2", dt.datetime(2026, 11, 16), "Ms Dee Okoro", "dee@prv2.example.org", "01632 960123"),
        ("PRV2", dt.datetime(2026, 11, 23), "Ms Dee Okoro", "dee@prv2.example.org", "01632 960123")]
    html_rows = [_text(r) for r in re.findall(r"<tr\b.*?</tr>", _section(report["html"], "Missing returns"), re.S)]
    assert "Provider PRV2 PRV2 23 Nov 2026 Ms Dee Okoro dee@prv2.example.org 01632 960123" in html_rows


def test_provider_notes_beside_the_pupil_as_text(report):
    ws = report["xlsx"]["Attendance"]
    headers = list(next(ws.iter_rows(values_only=True)))
    assert headers[-1] == "Provider notes"
    notes = {r["Placement ID"]: r["Provider notes"] for r in _rows(ws)}
    assert notes == {"P001": LUNCH, "P002": None, "P003": FORMULA_NOTE}     # this week's only
    col = headers.index("Provider notes") + 1
    formula_cell = next(ws.cell(r, col) for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "P003")
    assert formula_cell.data_type == "s" and formula_cell.value == FORMULA_NOTE     # text, never a formula
    html = report["html"]
    pupil_cells = {_text(td) for td in re.findall(r'<td data-label="Pupil" class="lead">(.*?Test Pupil P00\d.*?)</td>',
                                              _section(html, "Attendance"), re.S)}
    assert f"Test Pupil P001 P001 Provider's note: {LUNCH}" in pupil_cells
    assert f"Test Pupil P003 P003 Provider's note: {FORMULA_NOTE}" in pupil_cells
    assert "&#34;http://evil.example/x&#34;" in html or "&quot;http://evil.example/x&quot;" in html   # escaped
    assert "an old note from last week" not in html


def test_summary_json_carries_no_name_contact_or_note(report):
    summary = report["summary"]
    for secret in ("Tom Baines", "Priya Lal", "Test Pupil", "Dee Okoro", "dee@prv2", "01632 960123", "lunch",
                   "HYPERLINK", "old note"):
        assert secret not in summary, secret
    data = json.loads(summary)
    work = [a for a in data["actions"] if a["rule"] == "work-set"]
    assert sorted(a["upn"] for a in work) == sorted([PLACED_UPN, UNKNOWN_UPN])
