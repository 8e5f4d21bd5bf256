"""The attendance lead's weekly web page: safe, self-contained, readable and deterministic."""
from __future__ import annotations

import datetime as dt
import re

from pipeline.render.html_report import render_html_report, uk_date, write_html_report
from tests.test_xlsx_report import EVIL_NAME, make_result

SECTIONS = ("What needs doing", "Actions", "Attendance", "Missing returns", "Findings")


def _row(html: str, text: str) -> str:
    """The one table row that contains `text`."""
    rows = [r for r in re.findall(r"<tr\b.*?</tr>", html, flags=re.S) if text in r]
    assert len(rows) == 1, rows
    return rows[0]


def test_names_are_escaped():
    html = render_html_report(make_result())
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()


def test_self_contained():
    html = render_html_report(make_result()).lower()
    for bad in ("http://", "https://", "<link", "src=", "@import", "url("):
        assert bad not in html, bad
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "@media print" in html and "size: a4 landscape" in html
    assert 'class="table-wrap"' in html


def test_header_and_sections():
    html = render_html_report(make_result())
    assert "Test School" in html
    assert "Monday 23 Nov 2026" in html                     # week commencing, UK style
    assert "Friday 27 Nov 2026" in html                     # as of
    assert "96.0%" in html
    for heading in SECTIONS:
        assert f"<h2>{heading}</h2>" in html, heading
    positions = [html.index(f"<h2>{h}</h2>") for h in SECTIONS]
    assert positions == sorted(positions)


def test_summary_box_counts_and_first_step():
    html = render_html_report(make_result())
    box = html[html.index("<h2>What needs doing</h2>"):html.index("<h2>Actions</h2>")]
    assert "Start with the 1 overdue action" in box
    assert "1 missing attendance return" in box
    assert "1 error and 1 warning" in box


def test_actions_overdue_first_with_text_badges():
    result = make_result()
    result.summary["actions"].reverse()                     # renderer must still put overdue first
    html = render_html_report(result)
    section = html[html.index("<h2>Actions</h2>"):html.index("<h2>Attendance</h2>")]
    order = [section.index(s) for s in ("Send the parents", "Dual register", "Make sure work")]
    assert order == sorted(order)
    assert '<span class="badge badge-overdue">Overdue</span>' in _row(section, "Send the parents")
    assert "20 Nov 2026" in _row(section, "Send the parents")
    assert "No deadline" in _row(section, "Make sure work")


def test_attendance_rows_carry_text_tags():
    html = render_html_report(make_result())
    html = html[html.index("<h2>Attendance</h2>"):html.index("<h2>Missing returns</h2>")]
    below = _row(html, "P001")
    assert "Below target" in below and "Persistent absence" not in below and 'class="row-below"' in below
    assert "83.3%" in below and "92.5%" in below
    pa = _row(html, "P002")
    assert "Persistent absence" in pa and 'class="row-pa"' in pa
    none = _row(html, "P003")
    assert "Below target" not in none and "n/a" in none and "0.0%" not in none


def test_findings_grouped_by_file_with_sheet_and_cell():
    html = render_html_report(make_result())
    section = html[html.index("<h2>Findings</h2>"):]
    assert section.index("<h3>placements.xlsx</h3>") < section.index("<h3>returns/prv2.xlsx</h3>")
    row = _row(section, "unknown-code")
    assert "Attendance" in row and "E7" in row and "=1+2" in row
    assert "Whole file" in _row(section, "old-file")


def test_empty_sections_say_so():
    html = render_html_report(make_result(pupils=[], actions=[], missing_returns=[], findings=[]))
    assert "No missing returns this week." in html
    assert "No actions: nothing is overdue, due soon or waiting for a decision." in html
    assert "No pupils in alternative provision so far this year." in html
    assert "No problems found in the workbooks." in html
    assert "<table" not in html


def test_deterministic(tmp_path):
    assert render_html_report(make_result()) == render_html_report(make_result())
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    write_html_report(make_result(), a)
    write_html_report(make_result(), b)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text(encoding="utf-8") == render_html_report(make_result())


def test_uk_date():
    assert uk_date("2026-11-23") == "23 Nov 2026"
    assert uk_date(dt.date(2026, 11, 23), weekday=True) == "Monday 23 Nov 2026"
    assert uk_date(None) == ""
