"""The synthetic trust (python -m tools.synth --trust): seeded, laid out as contract §16 says, and with the two
arranged provider-registration cases, counted here from the placements.xlsx files it wrote, read back."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from pipeline.run import run_week
from pipeline.trust.settings import load_trust
from tests.generated_files import assert_generated_again, files_of
from tools import synth
from tools.synth_trust import generate_trust

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(schools=12, providers=60, weeks=2, seed=4)
FULL_DAY = "Full day"


def rows(path: Path, sheet: str) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    grid = list(book[sheet].iter_rows(values_only=True))
    book.close()
    return [dict(zip(grid[0], r)) for r in grid[1:] if any(v is not None for v in r)]


def day(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.fixture(scope="module")
def trust(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("trust") / "trust"
    generate_trust(folder, **SMALL)
    return folder


@pytest.fixture(scope="module")
def as_of(trust) -> dt.date:
    return synth.last_week(trust) + dt.timedelta(days=4)


def full_time_on(trust: Path, as_of: dt.date) -> dict[str, Counter]:
    """provider id -> Counter(school folder -> pupils placed full time, Full day Monday to Friday, active on
    as-of), with the key (school, 'priority') for those with an EHC plan or looked after."""
    found: dict[str, Counter] = {}
    for school in load_trust(trust).schools:
        for p in rows(trust / school / "placements.xlsx", "Placements"):
            active = (not p["Parents refused"] and day(p["Start date"]) <= as_of
                      and (p["Actual end date"] is None or day(p["Actual end date"]) >= as_of))
            if active and all(p[d] == FULL_DAY for d in ("Mon", "Tue", "Wed", "Thu", "Fri")):
                count = found.setdefault(p["Provider ID"], Counter())
                count[school] += 1
                if "Y" in (p["EHC plan"], p["Looked after"]):
                    count[(school, "priority")] += 1
    return found


def test_the_same_seed_gives_identical_bytes_and_another_seed_does_not(trust, tmp_path):
    written = generate_trust(tmp_path / "again", **SMALL, jobs=2)
    assert_generated_again(written, tmp_path / "again", trust)
    generate_trust(tmp_path / "other", **dict(SMALL, seed=5))
    assert files_of(tmp_path / "other") != files_of(trust)


def test_the_trust_folder_is_laid_out_as_contract_16_says(trust):
    settings = load_trust(trust)
    assert (settings.name, settings.suppress_below, settings.warnings) == ("Synthtown Learning Trust (synthetic)", 3, ())
    assert len(settings.schools) == 12 == len(set(settings.schools))
    assert sorted(p.name for p in trust.iterdir() if p.is_dir()) == sorted(settings.schools)
    assert settings.schools[:3] == ("riverside-primary", "oak-farm-primary", "hilltop-primary")
    shared = rows(trust / "providers.xlsx", "Providers")
    assert [p["Provider ID"] for p in shared] == [f"PRV{i:03d}" for i in range(1, 61)]
    by_id = {p["Provider ID"]: p for p in shared}
    own = [s for s in settings.schools if (trust / s / "providers.xlsx").exists()]
    assert own == ["willow-lane-primary", "southfield-primary"] == [settings.schools[5], settings.schools[11]]
    upns = []
    for school in settings.schools:
        folder = trust / school
        assert {"school.toml", "placements.xlsx", "returns"} <= {p.name for p in folder.iterdir()}
        placements = rows(folder / "placements.xlsx", "Placements")
        assert 10 <= len(placements) <= 60
        register = rows(folder / "providers.xlsx", "Providers") if school in own else shared
        ids = {p["Provider ID"] for p in register}
        assert {p["Provider ID"] for p in placements} <= ids          # each pupil's provider is in its register
        if school in own:                                             # the same rows as the trust's: one ID, one provider
            assert all(p == by_id[p["Provider ID"]] for p in register)
            assert ids == {p["Provider ID"] for p in placements}
        returned = {p.parent.name for p in (folder / "returns").rglob("*.xlsx")}
        assert returned <= {p["Provider ID"] for p in placements} and returned
        upns += [p["UPN"] for p in placements]
    assert len(upns) == len(set(upns))                                # no pupil in two schools


def test_only_the_two_arranged_providers_are_unregistered(trust):
    unregistered = [p["Provider ID"] for p in rows(trust / "providers.xlsx", "Providers") if p["Registered"] != "Y"]
    assert unregistered == ["PRV059", "PRV060"]


def test_five_full_time_pupils_at_an_unregistered_provider_are_spread_so_that_no_school_has_five(trust, as_of):
    five = full_time_on(trust, as_of)["PRV059"]
    assert five == Counter({"riverside-primary": 2, "oak-farm-primary": 2, "hilltop-primary": 1})
    assert sum(five.values()) == 5 and max(five.values()) < 5


def test_the_other_has_exactly_four_and_a_pupil_who_is_not_full_time(trust, as_of):
    four = full_time_on(trust, as_of)["PRV060"]
    assert four == Counter({"oak-farm-primary": 2, "hilltop-primary": 1, "meadowbank-primary": 1})
    at_prv060 = [p for s in load_trust(trust).schools for p in rows(trust / s / "placements.xlsx", "Placements")
                 if p["Provider ID"] == "PRV060"]
    assert len(at_prv060) == 5
    [part_time] = [p for p in at_prv060 if p["Fri"] != FULL_DAY]
    assert [part_time[d] for d in ("Mon", "Tue", "Wed", "Thu", "Fri")] == [FULL_DAY] * 4 + [None]


def test_a_schools_own_run_does_not_raise_the_alert(trust, tmp_path):
    # riverside-primary has 2 of PRV059's 5: run alone (with the trust's register, as the trust run does) it
    # cannot see the other 3, so provider-registration does not fire there.
    summary = run_week(trust / "riverside-primary", tmp_path / "out", week=synth.last_week(trust),
                       providers_file=trust / "providers.xlsx").result.summary
    assert summary["pupils"]
    assert "PRV059" in {p["provider_id"] for p in summary["pupils"]}
    assert [a for a in summary["actions"] if a["rule"] == "provider-registration"] == []
    assert {a["provider_id"] for a in summary["actions"] if a["rule"] == "provider-checks"} >= {"PRV059"}


def test_add_week_adds_the_next_week_to_every_school(trust, tmp_path):
    folder = tmp_path / "trust"
    shutil.copytree(trust, folder)
    before = files_of(folder)
    monday, written = synth.add_week(folder)
    assert monday == synth.last_week(folder) == synth.last_week(trust) + dt.timedelta(days=7)
    added = set(files_of(folder)) - set(before)
    assert added == {p.relative_to(folder).as_posix() for p in written}
    assert {n.split("/")[0] for n in added} == set(load_trust(folder).schools)
    assert all(n.split("/")[1] == "returns" for n in added)


def test_the_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "tools.synth", "--trust", str(tmp_path / "t"), "--schools", "2",
                           "--weeks", "1", "--seed", "7"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wrote ") and done.stdout.rstrip().endswith(f"for a trust of 2 schools to {tmp_path / 't'}")
    assert load_trust(tmp_path / "t").schools == ("riverside-primary", "oak-farm-primary")
    assert [s for s in ("riverside-primary", "oak-farm-primary") if (tmp_path / "t" / s / "providers.xlsx").exists()] \
        == ["oak-farm-primary"]
    refused = subprocess.run([sys.executable, "-m", "tools.synth", "--trust", str(tmp_path / "u"), "--schools", "1"],
                             cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2
    assert "--schools must be 2 or more" in refused.stderr and not (tmp_path / "u").exists()
