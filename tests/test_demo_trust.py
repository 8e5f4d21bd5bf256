"""The bundled demo trust (examples/demo_trust): committed files match the seeded generator, the demo school in
it is the demo school, and its provider-registration cases are as its README says."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from pipeline.rules.provider_rules import FullTime
from pipeline.run import run_week
from pipeline.trust.run import run_trust
from pipeline.trust.settings import load_trust
from tests.generated_files import assert_committed_is_generated, assert_generated_again, files_of
from tests.test_synth_trust import full_time_on, rows
from tools import demo_trust

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "examples" / "demo_trust"
DEMO_SCHOOL = ROOT / "examples" / "demo_school"
REGENERATE = "the demo trust is out of date: run `python -m tools.demo_trust` and commit examples/demo_trust"
AS_OF = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo_trust")
    demo_trust.generate(folder)
    return folder


def test_committed_demo_trust_matches_the_generator(generated):
    assert_committed_is_generated(COMMITTED, generated, REGENERATE)


def test_generating_twice_gives_identical_bytes(generated, tmp_path):
    assert_generated_again(demo_trust.generate(tmp_path), tmp_path, generated)


def test_the_demo_school_in_the_trust_is_the_demo_school_unchanged(generated):
    assert files_of(generated / "hilltop-infant") == files_of(DEMO_SCHOOL)


def test_trust_toml_and_the_shared_register(generated):
    settings = load_trust(generated)
    assert (settings.name, settings.schools, settings.suppress_below, settings.warnings) == (
        "Hilltop Learning Trust", ("hilltop-infant", "brookfield-primary", "kingsway-academy"), 3, ())
    assert [s for s in settings.schools if (generated / s / "providers.xlsx").exists()] == ["hilltop-infant"]
    shared = rows(generated / "providers.xlsx", "Providers")
    assert [p["Provider ID"] for p in shared] == [f"PRV{i}" for i in range(1, 10)]
    assert shared[:4] == rows(generated / "hilltop-infant" / "providers.xlsx", "Providers")   # one ID, one provider
    assert [p["Provider ID"] for p in shared if p["Registered"] != "Y"] == ["PRV8", "PRV9"]
    for school in settings.schools:
        used = {p["Provider ID"] for p in rows(generated / school / "placements.xlsx", "Placements")}
        assert used and used <= {p["Provider ID"] for p in shared}


def test_the_registration_cases_are_those_the_readme_gives(generated):
    counts = full_time_on(generated, AS_OF)
    assert counts["PRV9"] == Counter({"brookfield-primary": 3, "kingsway-academy": 2})
    assert counts["PRV8"] == Counter({"brookfield-primary": 2, "kingsway-academy": 2})
    readme = (generated / "README.md").read_text(encoding="utf-8")
    assert "| PRV9 | 3 | 2 | 5 | in the trust report only: neither school sees 5 |" in readme
    assert "| PRV8 | 2 | 2 | 4 | none |" in readme


@pytest.mark.parametrize("school", ["brookfield-primary", "kingsway-academy"])
def test_each_synthetic_school_runs_alone_without_the_alert(generated, tmp_path, school):
    # run as the trust run runs it: with the trust's register, as it has none of its own
    outcome = run_week(generated / school, tmp_path / "out", week=demo_trust.WEEK,
                       providers_file=generated / "providers.xlsx")
    summary = outcome.result.summary
    assert summary["week_commencing"] == "2026-11-23"
    assert {p["provider_id"] for p in summary["pupils"]} >= {"PRV8", "PRV9"}
    assert [a for a in summary["actions"] if a["rule"] == "provider-registration"] == []
    assert {a["provider_id"] for a in summary["actions"] if a["rule"] == "provider-checks"} >= {"PRV8", "PRV9"}


def test_the_trust_run_counts_prv9_across_the_schools_and_each_school_as_its_own_run(generated, tmp_path):
    outcome = run_trust(generated, tmp_path / "out", week=demo_trust.WEEK, jobs=2)
    assert outcome.exit_code == 1                                  # the deliberate errors in every school's returns
    assert outcome.folder == tmp_path / "out" / "2026-11-23"
    schools = outcome.facts.schools
    assert [(s.folder, s.exit_code) for s in schools] == [
        ("hilltop-infant", 1), ("brookfield-primary", 1), ("kingsway-academy", 1)]
    across: dict[str, FullTime] = {}
    for s in schools:
        for use in s.digest.providers:
            across[use.provider_id] = across.get(use.provider_id, FullTime()) + use.full_time
        assert not [a for a in s.digest.actions if a.rule == "provider-registration"]
        assert (outcome.folder / s.folder / "summary.json").is_file()
    assert across["PRV9"] == FullTime(5, 0) and across["PRV9"].must_register
    assert across["PRV8"] == FullTime(4, 0) and not across["PRV8"].must_register
    registered = {st.provider_id: st.registered for s in schools for st in s.digest.provider_states}
    assert [pid for pid, ft in sorted(across.items()) if ft.must_register and registered[pid] != "Y"] == ["PRV9"]
