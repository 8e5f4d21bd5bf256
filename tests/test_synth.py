"""The synthetic school generator (tools.synth): seeded, complete, valid, with its deliberate problems."""
from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from pipeline.run import run_week
from tests.generated_files import assert_generated_again, files_of
from tools import synth

# small, and a seed whose returns hold both kinds of deliberate error and one missing return
SMALL = dict(placements=16, providers=3, weeks=4, seed=2)
PROVIDER_WEEKS = 3 * 4


def returns_of(folder: Path) -> list[str]:
    return [n for n in files_of(folder) if n.startswith("returns/")]


@pytest.fixture(scope="module")
def school(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("synth") / "school"
    synth.generate(folder, **SMALL)
    return folder


@pytest.fixture(scope="module")
def outcome(school, tmp_path_factory):
    return run_week(school, tmp_path_factory.mktemp("out"), week=synth.last_week(school))


def test_the_same_seed_gives_identical_bytes_and_another_seed_does_not(school, tmp_path):
    written = synth.generate(tmp_path / "again", **SMALL, jobs=2)     # the same over two processes
    assert_generated_again(written, tmp_path / "again", school)
    synth.generate(tmp_path / "other", **dict(SMALL, seed=3))
    assert files_of(tmp_path / "other") != files_of(school)


def test_the_folder_is_complete(school):
    assert {"school.toml", "providers.xlsx", "placements.xlsx", "synth.json"} <= set(files_of(school))
    returns = returns_of(school)
    assert {n.split("/")[1] for n in returns} == {"PRV001", "PRV002", "PRV003"}
    assert len({n.rsplit("/", 1)[1].split(" ")[0] for n in returns}) > 1      # each provider names files its way


def test_it_refuses_a_folder_that_is_not_empty(school):
    with pytest.raises(ValueError, match="not empty"):
        synth.generate(school, **SMALL)


def test_the_weekly_run_reads_every_pupil_and_every_return(school, outcome):
    summary = outcome.result.summary
    assert summary["week_commencing"] == "2026-09-21"         # the 4th school week from Thursday 3 September
    assert outcome.exit_code == 1                             # the deliberate errors
    model = synth._model(school, json.loads((school / "synth.json").read_text()))
    expected_pupils = sorted(p["Placement ID"] for p in model.placements
                             if any(model.expected(p, monday) for monday in model.weeks[:4]))
    assert [p["placement_id"] for p in summary["pupils"]] == expected_pupils
    # every provider has pupils every week: a provider-week has its return or is a missing one
    assert len(returns_of(school)) + len(summary["missing_returns"]) == PROVIDER_WEEKS
    assert len(summary["missing_returns"]) == 1


def test_the_deliberate_errors_are_the_only_findings(school, outcome):
    findings = outcome.result.summary["findings"]
    assert {f["rule"] for f in findings} == {"blank-session", "unknown-code"}
    assert all(f["severity"] == "error" and f["file"] in returns_of(school) and f["cell"] for f in findings)
    assert {f["value"] for f in findings if f["rule"] == "unknown-code"} <= {"A", "PR", "?"}


def test_add_week_adds_exactly_the_next_school_week(school, tmp_path):
    folder = tmp_path / "school"
    shutil.copytree(school, folder)
    before = files_of(folder)
    monday, written = synth.add_week(folder)
    after = files_of(folder)
    assert monday == dt.date(2026, 9, 28) == synth.last_week(folder)
    added = set(after) - set(before)
    assert added == {p.relative_to(folder).as_posix() for p in written}
    assert added and all(n.startswith("returns/") for n in added)
    assert [n for n in before if before[n] != after[n]] == ["synth.json"]   # the registers are unchanged
    summary = run_week(folder, tmp_path / "out", week=monday).result.summary
    missing_now = [m for m in summary["missing_returns"] if m["week_commencing"] == "2026-09-28"]
    assert len(added) + len(missing_now) == 3                 # each provider: its return, or a missing one
