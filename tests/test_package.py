"""Package hygiene: the runtime package holds what a run needs, starts light, never leans on the dev tools,
imports one way, and keeps each small helper (names of days and months, rounding, stale files) in one place."""
from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.delivery.prepare import STALE_PATTERN
from pipeline.labels import abbreviated_date, long_date, percent_text, provider_name
from pipeline.output import remove_stale
from pipeline.rounding import half_up, money, percent
from tests.record_factories import provider_record

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / "pipeline"
HEAVY = ("pandas", "numpy", "openpyxl", "xlsxwriter", "jinja2")
# Imports flow one way: core -> renderers -> delivery. The run, the command line and the governor pack drive
# all three; pipeline.core renders each parents' letter once, because a template that cannot be filled is a
# finding and every finding is made before the first report is written.
RENDERERS = ("pipeline.render", "pipeline.letters", "pipeline.annotate", "pipeline.register_import")
DELIVERY = ("pipeline.delivery",)
DRIVERS = ("pipeline.run", "pipeline.cli", "pipeline.governors", "pipeline.core", "pipeline.trust.run",
           "pipeline.trust.worker")


def imported_modules(importtime_log: str) -> set[str]:
    """The modules named in `python -X importtime` output ('import time: self | cumulative | name')."""
    return {line.rsplit("|", 1)[1].strip() for line in importtime_log.splitlines()
            if line.startswith("import time:") and line.count("|") == 2}


def imports_of(path: Path) -> set[str]:
    """The absolute names of the modules a pipeline module imports (relative imports resolved)."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(x for x in (base, node.module) if x)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def test_help_starts_without_pandas_or_any_writer():
    done = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "run_weekly.py"), "--help"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert done.stdout.startswith("usage: run_weekly.py")
    loaded = {name.split(".")[0] for name in imported_modules(done.stderr)}
    assert "pipeline" in loaded                       # the log was read: the command line itself is there
    assert sorted(loaded & set(HEAVY)) == []


def test_the_runtime_package_never_imports_the_dev_tools():
    users = sorted(str(p.relative_to(ROOT)) for p in PIPELINE.rglob("*.py")
                   if any(name == "tools" or name.startswith("tools.") for name in imports_of(p)))
    assert users == []


def test_the_wheel_holds_the_runtime_package_and_no_generator():
    include = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]["include"]
    setuptools = pytest.importorskip("setuptools")      # the build backend pyproject.toml names
    packages = setuptools.find_packages(ROOT, include=include)
    assert "pipeline" in packages and "tools" not in packages
    shipped = {p.name for package in packages for p in (ROOT / package.replace(".", "/")).glob("*.py")}
    assert sorted(shipped & {"demo.py", "synth.py", "synth_model.py"}) == []
    assert {"demo.py", "synth.py", "synth_model.py"} <= {p.name for p in (ROOT / "tools").glob("*.py")}


def test_imports_flow_from_the_core_to_the_renderers_to_delivery():
    backwards = {}
    for path in sorted(PIPELINE.rglob("*.py")):
        module = module_name(path)
        if within(module, DRIVERS):
            continue
        later = DELIVERY if within(module, RENDERERS) else () if within(module, DELIVERY) else RENDERERS + DELIVERY
        wrong = sorted(name for name in imports_of(path) if within(name, later))
        if wrong:
            backwards[module] = wrong
    assert backwards == {}


def test_dates_in_words_are_english_whatever_the_locale():
    assert long_date(dt.date(2026, 11, 30)) == "30 November 2026"
    assert long_date(dt.date(2026, 9, 7), weekday=True) == "Monday 7 September 2026"
    assert abbreviated_date(dt.date(2026, 11, 23)) == "23 Nov 2026"
    assert abbreviated_date(dt.date(2027, 6, 5), weekday=True) == "Saturday 5 Jun 2027"


def test_a_percentage_is_written_to_one_decimal_place_or_n_a():
    assert [percent_text(v) for v in (96.3, 100.0, 0.0, None)] == ["96.3%", "100.0%", "0.0%", "n/a"]


def test_a_provider_is_named_by_its_name_or_else_its_id():
    providers = {pid: provider_record(provider_id=pid, name=name)
                 for pid, name in (("PRV1", "Riverside Learning Centre"), ("PRV2", None), ("PRV3", ""))}
    assert [provider_name(providers, p) for p in ("PRV1", "PRV2", "PRV3", "PRV9")] == [
        "Riverside Learning Centre", "PRV2", "PRV3", "PRV9"]


def test_figures_round_half_up_as_by_hand():
    assert percent(333, 400) == 83.3              # 83.25: round() would give 83.2
    assert percent(1, 16) == 6.3                  # 6.25
    assert percent(Decimal("1500.00"), Decimal("4000")) == 37.5
    assert percent(5, 0) is None
    assert money(Decimal("2.345")) == 2.35
    assert half_up(2.675, 2) == Decimal("2.68")   # the float as written, not its binary 2.67499...
    assert half_up(1234.5, 0) == Decimal("1235")


def test_a_rerun_removes_only_stale_returns_of_the_pipelines_own_form(tmp_path):
    names = ["PRV1_2026-11-30.xlsx", "PRV2_2026-11-30.xlsx", ".PRV3_2026-11-30.xlsx", "notes.xlsx"]
    for name in names:
        (tmp_path / name).write_text("x")
    remove_stale(tmp_path, STALE_PATTERN.format(suffix=".xlsx"), [tmp_path / "PRV1_2026-11-30.xlsx"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".PRV3_2026-11-30.xlsx", "PRV1_2026-11-30.xlsx", "notes.xlsx"]
    remove_stale(tmp_path / "missing", "*.xlsx", [])              # no folder yet: nothing to do


WRITERS = ("pipeline.render.html_report", "pipeline.render.xlsx_report", "pipeline.render.provider_return",
           "pipeline.governors.render_html", "pipeline.governors.render_xlsx", "pipeline.letters",
           "pipeline.annotate", "pipeline.register_import")


def test_report_writers_share_wording_and_pages_but_never_import_one_another():
    leaning = {}
    for path in sorted(PIPELINE.rglob("*.py")):
        module = module_name(path)
        if module in WRITERS:
            others = sorted(name for name in imports_of(path) if within(name, tuple(w for w in WRITERS if w != module)))
            if others:
                leaning[module] = others
    assert leaning == {}
