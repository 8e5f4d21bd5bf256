"""The attendance lead's weekly web page: safe, self-contained, readable and deterministic."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from pipeline.render.html_report import MilestoneCells, render_html_report, write_html_report
from pipeline.render.pages import uk_date
from pipeline.rules.register_rules import Mismatch
from tests.test_xlsx_report import EVIL_NAME, _action, make_result

SECTIONS = ("What needs doing", "Actions", "Attendance", "Placements", "Providers", "Missing returns", "Findings")


def _row(html: str, text: str) -> str:
    """The one table row that contains `text`."""
    rows = [r for r in re.findall(r"<tr\b.*?</tr>", html, flags=re.S) if text in r]
    assert len(rows) == 1, rows
    return rows[0]


def _section(html: str, heading: str) -> str:
    """The text of one <section>, from its heading to the section's end."""
    start = html.index(f"<h2>{heading}</h2>")
    return html[start:html.index("</section>", start)]


def test_names_are_escaped():
    html = render_html_report(make_result())
    assert EVIL_NAME not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in _section(html, "Placements")      # the pupil's name in the milestones table too


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
    result = replace(result, actions=result.actions[::-1])  # renderer must still put overdue first
    html = render_html_report(result)
    section = _section(html, "Actions")
    order = [section.index(s) for s in ("Send the parents", "Make sure work", "Dual register")]
    assert order == sorted(order)                           # Headteacher's two, then the attendance lead's
    assert '<span class="badge badge-overdue">Overdue</span>' in _row(section, "Send the parents")
    assert "20 Nov 2026" in _row(section, "Send the parents")
    assert "No deadline" in _row(section, "Make sure work")


def _owner_headings(html: str) -> list[str]:
    return re.findall(r'<h3 class="owner">(.*?)</h3>', _section(html, "Actions"))


def test_one_heading_per_owner_with_a_count():
    html = render_html_report(make_result())
    assert _owner_headings(html) == ["Headteacher: 2 actions", "Attendance lead: 1 action"]


def test_owners_in_the_fixed_order_overdue_first_then_due_date():
    actions = [
        _action("missing-return", "Attendance lead", "overdue", "2026-11-09", provider_id="PRV2"),
        _action("lead-visit", "AP lead", "overdue", "2026-11-20", placement_id="P001", provider_id="PRV1"),
        _action("sixth-day", "Local authority", "due", "2026-12-01", upn="A123456789012"),
        _action("intervention-plan", "AP lead", "due", "2026-12-04", placement_id="P002", provider_id="PRV2"),
        _action("parents-agreement", "AP lead", "due", "2026-12-02", placement_id="P003", provider_id="PRV2"),
        _action("incident", "AP lead", "alert", None, placement_id="P001", provider_id="PRV1"),
        _action("formal-reviews", "Headteacher", "alert", None, placement_id="P001", provider_id="PRV1"),
    ]
    html = render_html_report(make_result(actions=actions))
    assert _owner_headings(html) == ["Headteacher: 1 action", "AP lead: 4 actions", "Attendance lead: 1 action",
                                     "Local authority: 1 action"]
    section = _section(html, "Actions")
    ap_lead = section[section.index("AP lead: 4 actions"):section.index("Attendance lead: 1 action")]
    order = [ap_lead.index(f"{rule} message.") for rule in ("lead-visit", "parents-agreement", "intervention-plan",
                                                            "incident")]
    assert order == sorted(order)


def test_action_items_show_days_overdue_subject_and_section():
    section = _section(render_html_report(make_result()), "Actions")
    overdue = _row(section, "Send the parents")
    assert "7 days" in overdue                              # due 20/11, as of 27/11
    assert "P003" in overdue                                # no name known: the placement ID
    assert "§12.2" in overdue and "parent-letter" in overdue
    due = _row(section, "Dual register")
    assert "Ann Able" in due and "days" not in due          # a due action has no days overdue
    assert "A123456789012" in _row(section, "Make sure work")   # an exclusion: the UPN


def test_placement_milestones_in_words_with_colour():
    section = _section(render_html_report(make_result()), "Placements")
    row = _row(section, "Ann Able")
    assert re.search(r'<td data-label="Latest AP lead visit" class="ms-overdue">OVERDUE \(due 20/10/2026\)</td>', row)
    assert re.search(r'<td data-label="Parent letter sent" class="ms-done">done 28/08/2026</td>', row)
    assert re.search(r'<td data-label="Dual registered from" class="ms-due">due 02/12/2026</td>', row)
    assert re.search(r'<td data-label="SEND details sent" class="ms-na">n/a</td>', row)
    assert '<td data-label="Final report received"></td>' in row          # blank: nothing recorded or due
    assert "Start 07/09/2026, planned end 18/12/2026" in row
    refused = _row(section, "P003")
    assert "parents refused 10/09/2026" in refused and "ms-due" not in refused and "ms-overdue" not in refused
    assert "ended 20/11/2026" in _row(section, "P002")
    for header in ("Parent letter sent", "Latest agreement review", "Destination"):
        assert f"<th>{header}</th>" in section


def test_provider_checks_with_rag_words():
    section = _section(render_html_report(make_result()), "Providers")
    amber = _row(section, "PRV1")
    assert '<td data-label="Overall" class="ms-amber">Amber: Staff checks confirmed expires 10/12/2026</td>' in amber
    assert re.search(r'class="ms-amber"><strong>expires soon</strong><br>checked 10/12/2025<br>expires 10/12/2026', amber)
    assert "<strong>current</strong>" in amber
    red = _row(section, "PRV2")
    assert 'class="ms-red">Red: Approved expired 01/11/2026' in red
    assert "<strong>expired</strong><br>checked 01/11/2025<br>expired 01/11/2026" in red
    assert re.search(r'data-label="Safeguarding policy checked" class="ms-red"><strong>missing</strong></td>', red)
    assert '<td data-label="Registered" class="ms-red">N</td>' in red
    assert "=cmd|&#39; /C calc&#39;!A0" in red                # the provider's name, escaped, never live


def test_attendance_rows_carry_text_tags():
    html = render_html_report(make_result())
    html = _section(html, "Attendance")
    compact = html[html.index('<table class="stack attendance">'):html.index("</table>")]
    counts = html[html.index('<details class="full-counts">'):html.index("</details>")]
    printed = html[html.index('<div class="print-only">'):]
    assert counts.count("<tr") == printed[:printed.index("</table>")].count("<tr") == 2 + 3   # two header rows
    html = compact                       # the six columns a reader sees: pupil, provider, %, %, (trend), flags
    below = _row(html, "P001")
    assert "Below target" in below and "Persistent absence" not in below and 'class="row-below"' in below
    assert "83.3%" in below and "92.5%" in below
    full = _row(counts, "P001")          # the session counts behind the two percentages, one click away
    assert "83.3%" in full and "92.5%" in full and '<td class="num">37</td>' in full
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
    html = render_html_report(make_result(pupils=[], actions=[], missing_returns=[], findings=[],
                                          placements=[], providers=[]))
    assert "No missing returns this week." in html
    assert "No placements in the register." in html and "No providers in the register." in html
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
    assert uk_date(dt.date(2026, 11, 23)) == "23 Nov 2026"
    assert uk_date(dt.date(2026, 11, 23), weekday=True) == "Monday 23 Nov 2026"
    assert uk_date(None) == ""


def test_a_safeguarding_risk_in_the_reconciliation_is_the_first_thing_to_do():
    from pipeline.render.wording import first_step

    calm = make_result()
    mismatch = Mismatch("P001", "PRV1", dt.date(2026, 11, 23), "AM", "B", "register/mis.csv", 2, "not reported",
                        "not_reported", True)
    risky = replace(make_result(), mismatches=(mismatch, replace(mismatch, placement_id="P002", safeguarding=False)))
    assert "safeguarding" not in first_step(calm).lower()
    step = first_step(risky)
    assert step.startswith("First check the 1 session ") and "safeguarding risk" in step
    assert "First check the 1 session" in render_html_report(risky)


def test_a_milestone_cell_shared_by_placements_is_made_once():
    cells = MilestoneCells()
    made = []
    macro = cells.cell
    cells.cell = lambda m: made.append(m) or macro(m)
    done = {"milestone": "Parent letter sent", "text": "done 28/08/2026", "state": "done"}
    markup = {"milestone": "Destination", "text": "<b>&</b>", "state": "n/a"}
    blank = {"milestone": "Final report received", "text": "", "state": ""}
    first, second = cells([done, markup, blank]), cells([done, blank, done])
    assert made == [done, markup, blank]
    assert first == ('        <td data-label="Parent letter sent" class="ms-done">done 28/08/2026</td>\n'
                     '        <td data-label="Destination" class="ms-na">&lt;b&gt;&amp;&lt;/b&gt;</td>\n'
                     '        <td data-label="Final report received"></td>\n')
    assert second == first.splitlines(True)[0] + first.splitlines(True)[2] + first.splitlines(True)[0]


def test_the_full_counts_cells_are_the_text_the_template_wrote_cell_by_cell():
    """count_cells makes in one piece the six cells the full counts table wrote one by one (0.42 -> 0.28 s of
    CPU for the page at L): the same text, escaped the same, for every kind of figure."""
    from pipeline.attendance import figures
    from pipeline.model import Figures
    from pipeline.render.pages import ENV

    cell_by_cell = ENV.from_string(
        '<td class="num">{{ period.possible }}</td><td class="num">{{ period.attended }}</td><td class="num">'
        '{{ period.authorised }}</td><td class="num">{{ period.unauthorised }}</td><td class="num">'
        '{{ period.not_reported }}</td><td class="num">{{ period.percent|percent }}</td>')
    one_piece = ENV.from_string("{{ period|count_cells }}")
    periods = [figures({}), figures({"/": 7, "O": 3, "N": 2}), figures({"N": 5}),
               Figures(10, 10, 0, 0, 0, None), Figures(3, 1, 1, 1, 4, 33.3), Figures("<b>", "&", 0, 0, 0, None)]
    for period in periods:
        assert one_piece.render(period=period) == cell_by_cell.render(period=period)
    assert "&lt;b&gt;" in one_piece.render(period=periods[-1])      # escaped, as {{ }} escapes
