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
# The weekly report prints on A4 landscape (its @page rule), one section per page by design: page 1 holds the
# header and "What needs doing", and each of the 7 further sections (Actions, Attendance, Placements, Providers,
# Missing returns, Reconciliation, Findings) starts a new page (section { break-before: page }), so any school
# needs at least 8 pages. The demo school's 20 actions (8 owners' tables) and its 8-placement milestone grid each
# run onto one more page: 10 pages measured, with Liberation Sans (Arial's metrics) and with DejaVu Sans alike.
# N is that measurement, with no slack: a change that adds a page to the demo's print-out fails here.
WEEKLY_MAX_PAGES = 10


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
