"""The cache of parsed returns (pipeline.read.cache): it changes nothing the run writes, it notices
every edited, added or removed return, it never trusts a damaged file, and it lives beside the
outputs, never inside the school folder unless school.toml says so."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.findings import Findings
from pipeline.read import returns as returns_module
from pipeline.read.cache import FILENAME, VERSION, ReturnsCache, cache_folder, decode, encode
from pipeline.read.registers import read_registers
from pipeline.read.returns import read_returns
from pipeline.run import run_week
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML, full_week, placement, write_return
from tests.figure_factories import NOV_16, NOV_23, school
from tests.school_factories import encrypt_workbook
from tests.stable_output import stable_bytes

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo_school"
DEMO_WEEK = dt.date(2026, 11, 23)


def outputs(folder: Path) -> dict[str, str]:
    """Every file of a week's output folder (the cache lives outside it) -> sha256 of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(stable_bytes(p)).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def summary(out: Path, week: dt.date = NOV_23) -> dict:
    return json.loads((out / week.isoformat() / "summary.json").read_text(encoding="utf-8"))


def pupil(out: Path, pid: str, week: dt.date = NOV_23) -> dict:
    return next(p for p in summary(out, week)["pupils"] if p["placement_id"] == pid)


def entries(cache_file: Path) -> int:
    with sqlite3.connect(cache_file) as db:
        return db.execute("SELECT count(*) FROM entries").fetchone()[0]


class Parses:
    """Counts the workbooks really opened (not taken from the cache)."""

    def __init__(self, monkeypatch):
        self.files = []
        real = returns_module.open_workbook

        def counting(path, *args, **kwargs):
            self.files.append(Path(path).name)
            return real(path, *args, **kwargs)
        monkeypatch.setattr(returns_module, "open_workbook", counting)


# --- the demo school: with and without the cache -------------------------------------------------

@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """The demo run three ways: no cache; cold (filling the cache); warm (all from the cache)."""
    base = tmp_path_factory.mktemp("demo")
    data = base / "data"
    shutil.copytree(DEMO, data)
    plain, cached = base / "plain", base / "cached"
    run_week(data, plain, DEMO_WEEK, use_cache=False)
    run_week(data, cached, DEMO_WEEK)
    cold = outputs(cached / DEMO_WEEK.isoformat())
    run_week(data, cached, DEMO_WEEK)
    return {"data": data, "plain": plain, "cached": cached, "cold": cold,
            "warm": outputs(cached / DEMO_WEEK.isoformat()), "none": outputs(plain / DEMO_WEEK.isoformat())}


def test_a_run_with_the_cache_writes_exactly_what_a_run_without_it_writes(demo_runs):
    assert demo_runs["none"] == demo_runs["cold"] == demo_runs["warm"]
    assert "summary.json" in demo_runs["none"] and len(demo_runs["none"]) > 5


def test_the_cache_is_in_out_dot_cache_and_never_in_the_school_folder(demo_runs):
    assert (demo_runs["cached"] / ".cache" / FILENAME).is_file()
    assert not (demo_runs["plain"] / ".cache").exists()
    assert not [p for p in demo_runs["data"].rglob("*") if ".cache" in p.parts or p.suffix == ".sqlite"]
    returns = [p for p in (demo_runs["data"] / "returns").rglob("*.xlsx")]
    assert entries(demo_runs["cached"] / ".cache" / FILENAME) == len(returns)


def test_a_warm_run_opens_no_workbook_and_one_new_file_is_the_only_one_opened(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    parses = Parses(monkeypatch)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert parses.files == []
    source = next((data / "returns" / "PRV1").glob("*.xlsx"))
    shutil.copy(source, data / "returns" / "PRV1" / "copy of it.xlsx")      # a new file, known content
    (data / "returns" / "PRV4" / "note.xlsx").write_bytes(b"not a workbook")
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert parses.files == ["note.xlsx"]                # the copy's content is known: its hash is in the cache


# --- edits, additions and deletions --------------------------------------------------------------

def small_school(folder: Path) -> Path:
    """Two placements from 16/11, each at its own provider, and a return for each of their two weeks."""
    return school(folder, [placement("P001", start=NOV_16), placement("P002", "PRV2", start=NOV_16)], [
        ("PRV1", NOV_16, [("P001", full_week("B"))]),
        ("PRV1", NOV_23, [("P001", full_week("B"))]),
        ("PRV2", NOV_16, [("P002", full_week("B"))]),
        ("PRV2", NOV_23, [("P002", full_week("B"))]),
    ])


def test_an_edited_cell_is_read_again_and_changes_the_figures(tmp_path):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    run_week(data, out, NOV_23)
    assert pupil(out, "P001")["week"]["attended"] == 10
    write_return(data / "returns" / f"PRV1_{NOV_23}.xlsx", "PRV1", NOV_23, [("P001", ["N", "N"] + ["B"] * 8)])
    run_week(data, out, NOV_23)
    assert pupil(out, "P001")["week"]["attended"] == 8
    assert pupil(out, "P001")["week"]["unauthorised"] == 2
    run_week(data, tmp_path / "plain", NOV_23, use_cache=False)
    assert outputs(out / NOV_23.isoformat()) == outputs(tmp_path / "plain" / NOV_23.isoformat())
    assert entries(out / ".cache" / FILENAME) == 4      # the old content's entry is dropped


def test_an_added_return_is_picked_up(tmp_path):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    (data / "returns" / f"PRV2_{NOV_23}.xlsx").unlink()
    run_week(data, out, NOV_23)
    assert summary(out)["missing_returns"] == [{"provider_id": "PRV2", "week_commencing": NOV_23.isoformat()}]
    write_return(data / "returns" / "late" / "PRV2 this week.xlsx", "PRV2", NOV_23, [("P002", full_week("I"))])
    run_week(data, out, NOV_23)
    assert summary(out)["missing_returns"] == []
    assert pupil(out, "P002")["week"]["authorised"] == 10


def test_a_deleted_return_drops_out_and_its_week_becomes_missing(tmp_path):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    run_week(data, out, NOV_23)
    assert summary(out)["missing_returns"] == []
    (data / "returns" / f"PRV1_{NOV_16}.xlsx").unlink()
    run_week(data, out, NOV_23)
    assert summary(out)["missing_returns"] == [{"provider_id": "PRV1", "week_commencing": NOV_16.isoformat()}]
    assert pupil(out, "P001")["year_to_date"]["not_reported"] == 10
    assert entries(out / ".cache" / FILENAME) == 3


def test_a_return_with_findings_gives_the_same_findings_from_the_cache(tmp_path):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    write_return(data / "returns" / f"PRV1_{NOV_23}.xlsx", "PRV1", NOV_23,
                 [("P001", ["", "Q?", "H", "b", "B", "B", "B", "B", "B", "B"]), ("P009", full_week("B")),
                  ("P001", full_week("B"))])
    run_week(data, out, NOV_23)
    cold = summary(out)["findings"]
    run_week(data, out, NOV_23)
    assert summary(out)["findings"] == cold
    assert {f["rule"] for f in cold} >= {"blank-session", "unknown-code", "legacy-code", "wrong-placement", "duplicate-id"}


# --- a damaged or old cache is never trusted -----------------------------------------------------

def spoil_random(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def spoil_version(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'version'")


def spoil_truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def spoil_entry(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("UPDATE entries SET payload = ?", (b"\x78\x01garbage",))
        db.execute("UPDATE checked SET payload = ?", (b"\x78\x01garbage",))


def spoil_checked_entry(path: Path) -> None:
    """Only the checked result is damaged: the grids stored beside it are fine."""
    with sqlite3.connect(path) as db:
        db.execute("UPDATE checked SET payload = ?", (b"\x78\x01garbage",))


def spoil_entry_checksum(path: Path) -> None:
    """A flipped byte inside a still-compressed entry: zlib's checksum catches it."""
    with sqlite3.connect(path) as db:
        for table in ("entries", "checked"):
            blob = db.execute(f"SELECT payload FROM {table}").fetchone()[0]
            blob = bytearray(blob)
            blob[len(blob) // 2] ^= 0x01
            db.execute(f"UPDATE {table} SET payload = ?", (bytes(blob),))


def spoil_empty_sqlite(path: Path) -> None:
    path.unlink()
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE other (x)")


@pytest.mark.parametrize("spoil", [spoil_random, spoil_version, spoil_truncated, spoil_entry, spoil_checked_entry,
                                   spoil_entry_checksum, spoil_empty_sqlite])
def test_a_damaged_or_old_cache_is_rebuilt_with_a_notice_and_the_outputs_are_unchanged(tmp_path, spoil):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    write_return(data / "returns" / f"PRV1_{NOV_23}.xlsx", "PRV1", NOV_23, [("P001", ["I", "N"] + ["B"] * 8)])
    assert run_week(data, out, NOV_23).notes == []
    before = outputs(out / NOV_23.isoformat())
    spoil(out / ".cache" / FILENAME)
    notes = run_week(data, out, NOV_23).notes
    assert len(notes) == 1 and "returns cache" in notes[0] and "rebuilt" in notes[0]
    assert outputs(out / NOV_23.isoformat()) == before
    assert not [f for f in summary(out)["findings"] if "cache" in f["message"]]     # a notice, not a finding
    assert entries(out / ".cache" / FILENAME) == 4
    assert run_week(data, out, NOV_23).notes == []                                    # and it is good again


def test_the_notice_is_one_line_of_the_console_summary(tmp_path, capsys):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    assert main(["--data", str(data), "--week", NOV_23.isoformat(), "--out", str(out)]) == 0
    spoil_random(out / ".cache" / FILENAME)
    capsys.readouterr()
    assert main(["--data", str(data), "--week", NOV_23.isoformat(), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert len([line for line in captured.out.splitlines() if "returns cache" in line]) == 1


def test_a_cache_that_cannot_be_written_is_left_out_with_a_notice(tmp_path):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    out.mkdir()
    (out / ".cache").write_text("a file where the cache folder should be")
    notes = run_week(data, out, NOV_23).notes
    assert len(notes) == 1 and "not used" in notes[0]
    run_week(data, tmp_path / "plain", NOV_23, use_cache=False)
    assert outputs(out / NOV_23.isoformat()) == outputs(tmp_path / "plain" / NOV_23.isoformat())


# --- where it lives --------------------------------------------------------------------------------

def with_cache_setting(value: str) -> str:
    return SCHOOL_TOML + f'\n[paths]\ncache = "{value}"\n'


def test_the_paths_cache_setting_is_where_the_cache_goes(tmp_path, monkeypatch):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    elsewhere = tmp_path / "somewhere" / "cache"
    (data / "school.toml").write_text(with_cache_setting(elsewhere.as_posix()), encoding="utf-8")
    run_week(data, out, NOV_23)
    assert (elsewhere / FILENAME).is_file() and entries(elsewhere / FILENAME) == 4
    assert not (out / ".cache").exists()
    elsewhere_cwd = tmp_path / "cwd"
    elsewhere_cwd.mkdir()
    monkeypatch.chdir(elsewhere_cwd)        # a relative path is from the folder holding the school folder, not the cwd
    (data / "school.toml").write_text(with_cache_setting("relative/cache"), encoding="utf-8")
    run_week(data, out, NOV_23)
    assert (tmp_path / "relative" / "cache" / FILENAME).is_file()
    assert not (elsewhere_cwd / "relative").exists()


def test_the_setting_may_put_the_cache_inside_the_school_folder(tmp_path):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    (data / "school.toml").write_text(with_cache_setting((data / ".cache").as_posix()), encoding="utf-8")
    run_week(data, out, NOV_23)
    assert (data / ".cache" / FILENAME).is_file()


def test_an_out_folder_inside_the_school_folder_gets_no_cache_there(tmp_path):
    data = small_school(tmp_path / "data")
    run_week(data, data / "reports", NOV_23)
    assert (data / "reports" / NOV_23.isoformat() / "summary.json").is_file()
    assert not (data / "reports" / ".cache").exists()
    settings = parse_settings({"school": {"name": "X"}, "terms": [{"name": "T", "start": "2026-09-01", "end": "2026-12-01"}]})
    assert cache_folder(settings, data, data / "reports") is None
    assert cache_folder(settings, data, tmp_path / "out") == tmp_path / "out" / ".cache"
    assert cache_folder(settings, data, None) is None


# --- what is stored ---------------------------------------------------------------------------------

def test_every_kind_of_cell_comes_back_as_it_went_in():
    grid = [["Provider ID", "PRV1", "", 3.0, 7, True, False],
            [dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 9, 30, 5, 12), dt.time(12, 30), dt.timedelta(hours=26),
             "café ü", " - ", 0.1 + 0.2]]
    names, grids, modified, formulas = decode(encode(["Attendance", "Lists"], {"Attendance": grid, "Lists": None},
                                                     dt.datetime(2026, 11, 30, 8, 15), {"Attendance": frozenset({(1, 4), (0, 1)})}))
    assert names == ["Attendance", "Lists"] and grids["Lists"] is None and modified == dt.datetime(2026, 11, 30, 8, 15)
    assert formulas == {"Attendance": frozenset({(0, 1), (1, 4)})}
    back = grids["Attendance"]
    assert back == grid
    assert [type(v) for row in back for v in row] == [type(v) for row in grid for v in row]


def test_an_encrypted_return_is_read_but_never_stored(tmp_path):
    data = small_school(tmp_path / "data")
    plain = data / "returns" / f"PRV1_{NOV_23}.xlsx"
    encrypt_workbook(plain, data / "returns" / "locked.xlsx", "pw")
    plain.unlink()
    findings = Findings()
    regs = read_registers(data, findings)
    cache = ReturnsCache(tmp_path / "cache")
    accepted = read_returns(data, regs, findings, ("pw",), cache)
    assert any(r.file == "returns/locked.xlsx" for r in accepted)
    assert entries(tmp_path / "cache" / FILENAME) == 3
    cache = ReturnsCache(tmp_path / "cache")
    again = read_returns(data, regs, Findings(), ("pw",), cache)
    assert [(r.file, r.rows.keys()) for r in again] == [(r.file, r.rows.keys()) for r in accepted]


def test_the_cache_file_says_its_version_and_is_made_only_when_there_is_something_to_keep(tmp_path):
    cache = ReturnsCache(tmp_path / "cache")
    assert cache.get("0" * 64) is None
    cache.finish()
    assert not (tmp_path / "cache").exists()
    cache = ReturnsCache(tmp_path / "cache")
    cache.put("0" * 64, ["Attendance"], {"Attendance": [["x"]]}, None)
    cache.finish()
    with sqlite3.connect(tmp_path / "cache" / FILENAME) as db:
        assert dict(db.execute("SELECT key, value FROM meta"))["version"] == VERSION
    assert ReturnsCache(tmp_path / "cache").get("0" * 64) == (["Attendance"], {"Attendance": [["x"]]}, None, {})


def test_the_readers_versions_are_importlib_metadatas_without_parsing_metadata():
    """The cache file names the reader and writer versions its entries came from (a new version starts a new
    cache): found from the .dist-info folders' names, they must be what importlib.metadata says."""
    from importlib.metadata import version

    from pipeline.read.cache import _installed_version, _parser

    for package in ("python-calamine", "openpyxl", "numpy", "pandas", "xlsxwriter"):
        assert _installed_version(package) == version(package)
    assert _installed_version("no-such-package-here") is None
    assert _parser() == f"python-calamine {version('python-calamine')}; openpyxl {version('openpyxl')}"


def test_a_formula_where_a_code_belongs_is_the_same_finding_from_the_cache(tmp_path):
    from tests.corpus_factories import Formula, write_book
    from tests.school_factories import return_grid

    data = small_school(tmp_path / "data")
    grid = return_grid("PRV1", dt.date(2026, 11, 30), [("P001", [Formula('=IF(TRUE,"B","N")', "B")] + ["B"] * 9)])
    write_book(data / "returns" / "formula.xlsx", {"Attendance": grid})
    regs = read_registers(data, Findings())

    def read():
        findings = Findings()
        accepted = read_returns(data, regs, findings, cache=ReturnsCache(tmp_path / "cache"))
        mine = next(r for r in accepted if r.file == "returns/formula.xlsx")
        return ([(f.file, f.sheet, f.cell, f.rule) for f in findings if f.rule == "formula-in-cell"],
                mine.rows["P001"].marks[(0, "AM")])

    cold = read()
    assert cold == ([("returns/formula.xlsx", "Attendance", "D5", "formula-in-cell")], ("N", "D5"))
    assert read() == cold                      # from the cache: the formula cells were kept with the grids


def test_a_cache_of_the_version_before_formula_cells_is_rebuilt(tmp_path):
    cache = ReturnsCache(tmp_path / "cache")
    cache.put("0" * 64, ["Attendance"], {"Attendance": [["x"]]}, None)
    cache.finish()
    with sqlite3.connect(tmp_path / "cache" / FILENAME) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'version'")
    notices = []
    assert ReturnsCache(tmp_path / "cache", notices.append).get("0" * 64) is None
    assert len(notices) == 1 and "another version (cache 1" in notices[0]


def test_a_school_without_returns_gets_no_returns_cached_and_a_stale_cache_is_emptied(tmp_path):
    data, out = small_school(tmp_path / "data"), tmp_path / "out"
    returns = sorted((data / "returns").glob("*.xlsx"))
    for path in returns[1:]:
        path.unlink()
    run_week(data, out, NOV_23)
    assert entries(out / ".cache" / FILENAME) == 1
    returns[0].unlink()
    run_week(data, out, NOV_23)
    assert entries(out / ".cache" / FILENAME) == 0
    run_week(data, tmp_path / "fresh", NOV_23)
    assert entries(tmp_path / "fresh" / ".cache" / FILENAME) == 0     # only its registers are kept
