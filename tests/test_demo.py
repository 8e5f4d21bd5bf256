"""The bundled demo school (examples/demo_school): committed files match the seeded generator."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline import demo
from pipeline.run import compute_week

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "examples" / "demo_school"
REGENERATE = "the demo school is out of date: run `python -m pipeline.demo` and commit examples/demo_school"


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    demo.generate(folder)
    return folder


def test_committed_demo_matches_the_generator(generated):
    committed, fresh = files_of(COMMITTED), files_of(generated)
    assert sorted(committed) == sorted(fresh), REGENERATE
    changed = [name for name in fresh if committed[name] != fresh[name]]
    assert not changed, f"{REGENERATE} (differs: {', '.join(changed)})"


def test_generating_twice_gives_identical_bytes(generated, tmp_path):
    written = demo.generate(tmp_path)
    assert files_of(tmp_path) == files_of(generated)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(files_of(tmp_path))


def test_the_weekly_run_finds_exactly_the_documented_problems(generated):
    summary = compute_week(generated, week=dt.date(2026, 11, 23)).summary
    found = [(f["file"], f["sheet"], f["cell"], f["rule"], f["severity"]) for f in summary["findings"]]
    assert found == [
        ("returns/PRV1/Riverside w-c 2026-11-23.xlsx", "Attendance", "M6", "blank-session", "error"),
        ("returns/PRV3/Nurture Hub attendance 2 Nov 2026.xlsx", "Attendance", "J7", "legacy-code", "warning"),
    ]
    assert summary["missing_returns"] == [{"provider_id": "PRV2", "week_commencing": "2026-11-16"}]
    assert [p["placement_id"] for p in summary["pupils"]] == ["P001", "P002", "P003", "P004", "P005", "P006", "P007", "P010"]
    assert [p["placement_id"] for p in summary["pupils"] if p["below_target"] or p["persistent_absence"]] == ["P004"]
