"""The registers kept in the run's cache (pipeline.read.registers, pipeline.read.cache): registers whose two files
are unchanged are not read again, and give the same records and findings as reading them; a changed
placements.xlsx or providers.xlsx, another version of the program (tests/test_annotate_kept.py), or a damaged or
foreign entry reads them again, and an entry that names anything but the program's records is never loaded."""
from __future__ import annotations

import datetime as dt
import json
import pickle
import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

import pipeline.read.registers as registers
from pipeline.findings import Findings
from pipeline.read.cache import ReturnsCache
from pipeline.run import run_week
from tests.factories import placement, provider, write_school
from tests.test_annotate import WEEK, bad_school

ROOT = Path(__file__).resolve().parents[1]


def findings_of(out: Path, week: dt.date = WEEK) -> list[dict]:
    return json.loads((out / week.isoformat() / "summary.json").read_text(encoding="utf-8"))["findings"]


def kept_payload(out: Path) -> bytes:
    with sqlite3.connect(out / ".cache" / "returns.sqlite") as db:
        [(payload,)] = db.execute("SELECT payload FROM registers").fetchall()
    db.close()
    return payload


def keep_payload(out: Path, payload: bytes) -> None:
    with sqlite3.connect(out / ".cache" / "returns.sqlite") as db:
        db.execute("UPDATE registers SET payload = ?", (payload,))
    db.close()


def test_unchanged_registers_are_not_read_again_and_give_what_reading_them_gives(tmp_path, opened):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    assert opened == ["providers.xlsx", "placements.xlsx"]
    first = findings_of(out)
    assert any(f["file"] == "placements.xlsx" for f in first)       # the registers' own findings are kept too
    opened.clear()
    outcome = run_week(data, out, week=WEEK)
    assert opened == [] and outcome.notes == []
    assert findings_of(out) == first
    fresh = tmp_path / "fresh"
    run_week(data, fresh, week=WEEK, use_cache=False)
    for name in ("summary.json", "register_import.csv"):
        assert (out / WEEK.isoformat() / name).read_bytes() == (fresh / WEEK.isoformat() / name).read_bytes()


@pytest.mark.parametrize("school", ["demo", "synthetic"])
def test_kept_registers_are_the_same_records_as_read(tmp_path, school, opened):
    if school == "demo":
        data = shutil.copytree(ROOT / "examples" / "demo_school", tmp_path / "school")
    else:
        from tools.synth import main as synth
        data = tmp_path / "school"
        assert synth(["--placements", "60", "--providers", "9", "--weeks", "3", "--seed", "5", "--jobs", "1",
                      str(data)]) == 0
    cache = ReturnsCache(tmp_path / "cache")
    read_findings, kept_findings = Findings(), Findings()
    read = registers.read_registers(data, read_findings, cache=cache)
    cache.close()
    opened.clear()
    cache = ReturnsCache(tmp_path / "cache")
    kept = registers.read_registers(data, kept_findings, cache=cache)
    cache.close()
    assert opened == []          # the second came from the cache
    assert kept == read and kept_findings == read_findings
    assert [p.pattern for p in kept.placements] == [p.pattern for p in read.placements]   # int keys, tuples
    assert len(kept.placements) > 0 and len(kept.providers) > 0


@pytest.mark.parametrize("changed", ["placements.xlsx", "providers.xlsx"])
def test_a_changed_register_file_reads_both_again(tmp_path, opened, changed):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    places = [placement("P001"), placement("P002", UPN="B801200005002"), placement("P003", provider_id="PRV9"),
              placement("P004", provider_id="PRV2")]
    providers = [provider("PRV1"), provider("PRV2")]
    if changed == "placements.xlsx":
        places[1] = placement("P002")                   # the bad UPN mended
    else:
        providers.append(provider("PRV9"))              # P003's provider added
    write_school(data, places, providers)
    opened.clear()
    run_week(data, out, week=WEEK)
    assert opened == ["providers.xlsx", "placements.xlsx"]
    fresh = tmp_path / "fresh"
    run_week(data, fresh, week=WEEK, use_cache=False)
    assert findings_of(out) == findings_of(fresh)


class Planted:
    """What someone who can write to the cache file might put there: a pickle that runs a command when loaded."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_an_entry_naming_anything_but_the_records_is_never_loaded(tmp_path, opened):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    first = findings_of(out)
    marker = tmp_path / "ran"
    keep_payload(out, zlib.compress(pickle.dumps(Planted(marker))))
    opened.clear()
    outcome = run_week(data, out, week=WEEK)
    assert not marker.exists()
    assert opened == ["providers.xlsx", "placements.xlsx"]
    assert findings_of(out) == first
    [note] = outcome.notes
    assert "could not be used (an entry cannot be read (UnpicklingError)); it has been rebuilt" in note
    opened.clear()
    run_week(data, out, week=WEEK)        # the rebuilt cache holds the registers again
    assert opened == []


def test_a_damaged_entry_reads_them_again(tmp_path, opened):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    payload = kept_payload(out)
    keep_payload(out, payload[:40] + bytes(20) + payload[60:])
    opened.clear()
    outcome = run_week(data, out, week=WEEK)
    assert opened == ["providers.xlsx", "placements.xlsx"]
    assert "it has been rebuilt" in outcome.notes[0]


def test_an_entry_of_another_shape_reads_them_again(tmp_path, opened):
    """Records only, but not what read_registers keeps (written by hand, or by another version of the program)."""
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    first = findings_of(out)
    keep_payload(out, zlib.compress(pickle.dumps((dt.date(2026, 11, 23),))))
    opened.clear()
    run_week(data, out, week=WEEK)
    assert opened == ["providers.xlsx", "placements.xlsx"] and findings_of(out) == first
