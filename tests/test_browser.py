"""The three web pages in a real browser: Debian's chromium package (/usr/bin/chromium), driven by Playwright
for Python; no browser is ever downloaded. For the demo school's weekly report, governor pack and a parent
letter: no console error and no network request; every table has header cells and a caption; lang is set and
the headings are in order; status is never shown by colour alone; nothing overflows a 375-pixel phone screen;
the page prints on A4. Screenshots and PDFs are kept in test-artifacts/browser/ (git ignores it)."""
from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import CHROMIUM, ROOT

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts" / "browser"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = {"weekly_report": "weekly_html", "governor_pack": "pack_html", "parent_letter": "letter_html"}
PHONE = 375
DESKTOP = 1280
A4_POINTS = (595.28, 841.89)
# The weekly report prints on A4 landscape (its @page rule): page 1 holds the header, "Changes since last week"
# and "What needs doing"; Actions, Attendance, Placements and Providers each start a new page (section
# { break-before: page }), and the short sections at the end (Missing returns, Reconciliation, Findings) follow on.
# The demo school's 20 actions (8 owners' tables) run to four pages, its Attendance to two (the six decisive
# columns with the trend charts, then the print-only "Full counts" table of sessions, issue 16), its 8-placement
# milestone grid to two: 11 pages measured (10 before issue 16's layout, which adds the Full counts page and lets
# the last three sections share pages). N is that measurement, with no slack: a change that adds a page fails here.
WEEKLY_MAX_PAGES = 11


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


def open_page(browser, path: Path, width: int, **context_options) -> SimpleNamespace:
    """Load `path` in a fresh context, recording console errors, page errors and every request but the page's own;
    a request for anything else is aborted, so nothing ever reaches the network."""
    url = path.resolve().as_uri()
    context = browser.new_context(viewport={"width": width, "height": 900}, **context_options)
    errors, requests = [], []

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url) if r.url != url else None)
    page.goto(url, wait_until="load")
    return SimpleNamespace(page=page, context=context, errors=errors, requests=requests)


@pytest.fixture(scope="module", params=list(PAGES))
def loaded(request, browser, demo_outputs):
    """One of the three pages, loaded once at desktop width."""
    name = request.param
    opened = open_page(browser, getattr(demo_outputs, PAGES[name]), DESKTOP)
    opened.name = name
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    opened.page.screenshot(path=str(ARTIFACTS / f"{name}-{DESKTOP}px.png"), full_page=True)
    yield opened
    opened.context.close()


def test_no_console_errors_and_no_network_requests(loaded):
    assert loaded.errors == []
    assert loaded.requests == []


def test_every_table_has_header_cells_and_a_caption(loaded):
    tables = loaded.page.evaluate("""() => [...document.querySelectorAll('table')].map(t => ({
        th: t.querySelectorAll('th').length,
        caption: t.caption ? t.caption.textContent.trim() : '',
        start: t.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60)}))""")
    assert tables, "expected tables on the page"
    assert [t for t in tables if t["th"] == 0] == []
    assert [t for t in tables if not t["caption"]] == []


def test_lang_and_headings_in_order(loaded):
    assert loaded.page.evaluate("document.documentElement.lang") == "en-GB"
    levels = loaded.page.evaluate(
        "() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]))")
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    jumps = [(i, a, b) for i, (a, b) in enumerate(zip(levels, levels[1:]), start=1) if b > a + 1]
    assert jumps == [], f"heading levels skip a level (index, from, to): {jumps}"


def test_status_is_never_shown_by_colour_alone(loaded):
    coloured = loaded.page.evaluate("""() => {
        const status = /^(badge|tag|rag|ms|status)(-|$)|^row-(below|pa)$/;
        return [...document.querySelectorAll('[class]')]
            .filter(e => [...e.classList].some(c => status.test(c)))
            .map(e => ({tag: e.tagName, cls: e.getAttribute('class'), text: (e.textContent || '').trim()}));
    }""")
    if loaded.name != "parent_letter":
        assert coloured, "expected status badges or coloured cells on the page"
    assert [e for e in coloured if not e["text"]] == []
    for e in coloured:                              # a coloured row repeats its meaning in words in the row
        if "row-pa" in e["cls"].split():
            assert "Persistent absence" in e["text"]
        if "row-below" in e["cls"].split():
            assert "Below target" in e["text"]
        for word in ("red", "amber", "green"):
            if f"rag-{word}" in e["cls"].split():
                assert e["text"] == word.capitalize()


def test_nothing_overflows_a_375_pixel_phone_screen(browser, loaded, demo_outputs):
    phone = open_page(browser, getattr(demo_outputs, PAGES[loaded.name]), PHONE, is_mobile=True, has_touch=True)
    try:
        phone.page.screenshot(path=str(ARTIFACTS / f"{loaded.name}-{PHONE}px.png"), full_page=True)
        widths = phone.page.evaluate("""() => ({viewport: window.innerWidth,
            html: document.documentElement.scrollWidth, body: document.body.scrollWidth})""")
        assert widths["viewport"] == PHONE
        assert widths["html"] <= PHONE and widths["body"] <= PHONE, widths
        assert phone.errors == [] and phone.requests == []
    finally:
        phone.context.close()


def test_prints_on_a4(loaded):
    from pypdf import PdfReader

    pdf = loaded.page.pdf(format="A4", print_background=True)
    (ARTIFACTS / f"{loaded.name}.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 1
    for page in pages:                              # A4, portrait or landscape (to Chromium's rounding)
        size = sorted((float(page.mediabox.width), float(page.mediabox.height)))
        assert abs(size[0] - A4_POINTS[0]) < 2 and abs(size[1] - A4_POINTS[1]) < 2, size
    if loaded.name == "weekly_report":
        assert len(pages) <= WEEKLY_MAX_PAGES
        assert float(pages[0].mediabox.width) > float(pages[0].mediabox.height)   # landscape, as @page says
    if loaded.name == "parent_letter":
        assert len(pages) == 1
        assert float(pages[0].mediabox.width) < float(pages[0].mediabox.height)   # portrait


# --- issue 16: the decisive figures in reach, print as a person would, and axe-core -----------------------------
PHONE_CARDS = 390


def test_attendance_fits_1280_pixels_without_horizontal_scroll(browser, demo_outputs):
    """At 1280 px every attendance header cell ends inside the viewport and the page does not scroll sideways;
    the full session counts are one click away (the "Full counts" details) and open on that click."""
    opened = open_page(browser, demo_outputs.weekly_html, DESKTOP)
    try:
        page = opened.page
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"weekly_report-top-{DESKTOP}px.png"))
        page.locator("#attendance").scroll_into_view_if_needed()
        page.locator("#attendance").screenshot(path=str(ARTIFACTS / f"weekly_report-attendance-{DESKTOP}px.png"))
        headers = page.evaluate("""() => [...document.querySelectorAll('#attendance table.attendance th')]
            .map(th => ({text: th.innerText.trim().replace(/\\s+/g, ' '), right: th.getBoundingClientRect().right}))""")
        assert [h["text"] for h in headers] == ["Pupil", "Provider", "This week %", "Year to date %",
                                               "Trend last 6 school weeks", "Flags"]
        assert [h for h in headers if h["right"] > DESKTOP] == []
        assert page.evaluate("document.scrollingElement.scrollWidth") <= DESKTOP
        assert page.evaluate("window.innerWidth") == DESKTOP
        # the counts: closed at first, open after one click on its summary, and then still inside the viewport
        assert page.locator("details.full-counts").get_attribute("open") is None
        page.locator("details.full-counts > summary").click()
        assert page.locator("details.full-counts").get_attribute("open") == ""
        counts = page.locator("details.full-counts table.counts")
        assert counts.is_visible()
        rows = counts.locator("tbody tr").count()
        assert rows == page.locator("#attendance table.attendance tbody tr").count() and rows > 0
        rights = page.evaluate("""() => [...document.querySelectorAll('details.full-counts th')]
            .map(th => th.getBoundingClientRect().right)""")
        assert rights and max(rights) <= DESKTOP
        assert page.evaluate("document.scrollingElement.scrollWidth") <= DESKTOP
        page.locator("#attendance").screenshot(path=str(ARTIFACTS / f"weekly_report-attendance-counts-{DESKTOP}px.png"))
        assert opened.errors == [] and opened.requests == []
    finally:
        opened.context.close()


def test_each_pupil_is_a_card_with_the_year_to_date_in_view_at_390_pixels(browser, demo_outputs):
    opened = open_page(browser, demo_outputs.weekly_html, PHONE_CARDS, is_mobile=True, has_touch=True)
    try:
        page = opened.page
        page.screenshot(path=str(ARTIFACTS / f"weekly_report-top-{PHONE_CARDS}px.png"))
        page.locator("#attendance").screenshot(path=str(ARTIFACTS / f"weekly_report-attendance-{PHONE_CARDS}px.png"))
        cells = page.evaluate("""() => [...document.querySelectorAll('#attendance table.attendance td.pct-ytd')]
            .map(td => {const r = td.getBoundingClientRect(), s = getComputedStyle(td);
                        return {text: td.textContent.trim(), label: getComputedStyle(td, '::before').content,
                                left: r.left, right: r.right, width: r.width, height: r.height,
                                display: s.display, visibility: s.visibility}})""")
        assert len(cells) == page.locator("#attendance table.attendance tbody tr").count() > 0
        for c in cells:
            assert c["display"] == "block" and c["visibility"] == "visible", c     # a card, not a table cell
            assert c["width"] > 0 and c["height"] > 0 and 0 <= c["left"] and c["right"] <= PHONE_CARDS, c
            assert c["text"].endswith("%") or c["text"] == "n/a" or c["text"], c
            assert c["label"] == '"Year to date: "', c
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE_CARDS
    finally:
        opened.context.close()


def test_printed_report_opens_with_the_heading_and_what_needs_doing(browser, demo_outputs):
    """Page 1 of the A4 print-out holds the report's heading and the first instruction: no nearly blank first page."""
    from pypdf import PdfReader

    opened = open_page(browser, demo_outputs.weekly_html, DESKTOP)
    try:
        pdf = opened.page.pdf(format="A4")
    finally:
        opened.context.close()
    (ARTIFACTS / "weekly_report-plain.pdf").write_bytes(pdf)
    pages = PdfReader(io.BytesIO(pdf)).pages
    first = " ".join(pages[0].extract_text().split())
    assert "Alternative provision: weekly report" in first
    assert "What needs doing" in first
    assert len(pages) <= WEEKLY_MAX_PAGES


def test_printed_tables_are_not_cut_at_the_right_edge(browser, demo_outputs):
    """In print media every table ends inside its section (the page's printable width)."""
    opened = open_page(browser, demo_outputs.weekly_html, DESKTOP)
    try:
        page = opened.page
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 1075, "height": 760})        # A4 landscape less 12 mm margins, in CSS px
        cut = page.evaluate("""() => [...document.querySelectorAll('table')]
            .filter(t => t.offsetParent !== null)
            .map(t => ({caption: t.caption ? t.caption.textContent.trim() : '', right: t.getBoundingClientRect().right,
                        edge: t.closest('section, header').getBoundingClientRect().right}))
            .filter(t => t.right > t.edge + 0.5)""")
        assert cut == []
        assert page.evaluate("document.scrollingElement.scrollWidth") <= 1075
    finally:
        opened.context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_axe_core_finds_no_serious_or_critical_violation(browser, demo_outputs, name):
    """WCAG 2.2 AA (the public sector accessibility regulations): axe-core, run in the same Chromium."""
    from axe_playwright_python.sync_playwright import Axe

    results = {}
    for width, options in ((DESKTOP, {}), (PHONE_CARDS, {"is_mobile": True, "has_touch": True})):
        opened = open_page(browser, getattr(demo_outputs, PAGES[name]), width, **options)
        try:
            results[width] = Axe().run(opened.page).response
        finally:
            opened.context.close()
    bad = [(width, v["impact"], v["id"], [n["target"] for n in v["nodes"]])
           for width, response in results.items() for v in response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == [], "\n".join(f"{w}px {impact} {rule}: {targets}" for w, impact, rule, targets in bad)
    assert all(r["passes"] for r in results.values())
