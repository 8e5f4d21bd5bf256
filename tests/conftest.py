"""Tests marked `browser` (Debian's chromium, driven by Playwright) or `office` (LibreOffice headless) need a
real client. Without it they are skipped on a developer's machine, but when CI is set a missing client, or any
skip of such a test, is a failure: CI always runs them."""
from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CLIENT_MARKERS = ("browser", "office")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_client(marker: str) -> str | None:
    """Why the client for `marker` cannot run here, or None if it can."""
    if marker == "browser":
        if importlib.util.find_spec("playwright") is None or importlib.util.find_spec("pypdf") is None:
            return 'playwright or pypdf is not installed: pip install -e ".[test]"'
        if not os.access(CHROMIUM, os.X_OK):
            return f"no {CHROMIUM}: apt-get install chromium"
    if marker == "office" and shutil.which("soffice") is None:
        return "no soffice: apt-get install libreoffice-calc-nogui"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    for marker in CLIENT_MARKERS:
        if item.get_closest_marker(marker) and (reason := missing_client(marker)):
            if in_ci():
                pytest.fail(f"CI is set but the {marker} client is missing ({reason})", pytrace=False)
            pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a `browser` or `office` test that skips itself (importorskip, a skip in a fixture) fails instead."""
    report = (yield).get_result()
    client_test = any(item.get_closest_marker(m) for m in CLIENT_MARKERS)
    if report.skipped and client_test and in_ci() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every {'/'.join(CLIENT_MARKERS)} test: {report.longrepr}"


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory) -> SimpleNamespace:
    """The demo school's weekly outputs and governor pack, generated once per session into a tmp folder."""
    from pipeline.cli import main
    from pipeline.governors.run import run_governor_pack

    out = tmp_path_factory.mktemp("demo_outputs")
    demo, today = ROOT / "examples" / "demo_school", dt.date(2026, 11, 28)
    # exit 1: the demo's workbooks hold deliberate mistakes, and the reports are still written
    assert main(["--data", str(demo), "--week", "2026-11-23", "--out", str(out)], today=today) in (0, 1)
    pack_files = run_governor_pack(demo, "Autumn 2026", as_of=today, out_dir=out, today=today)
    week = out / "2026-11-23"
    return SimpleNamespace(week=week, weekly_html=week / "weekly_report.html", weekly_xlsx=week / "weekly_report.xlsx",
                           letter_html=week / "letters" / "P008_letter.html",
                           returns=sorted((week / "returns_to_send").glob("*.xlsx")),
                           pack_html=pack_files[1], pack_xlsx=pack_files[0], pack=pack_files.pack)


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The register files opened (rather than kept in the cache: tests/test_registers_kept.py) in the runs that
    follow."""
    import pipeline.read.registers as registers

    seen: list[str] = []
    real = registers._open_required

    def counted(path, name, data=None):
        seen.append(name)
        return real(path, name, data)
    monkeypatch.setattr(registers, "_open_required", counted)
    return seen
