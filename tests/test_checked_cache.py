"""The cached checked result of each return (pipeline.read.checked): an unchanged return against unchanged
registers is not checked again, and each change that can alter the result makes it be checked again, with
the outputs of a run without the cache. One test per way in which a stored result stops being used."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from pipeline.findings import Findings
from pipeline.read import cache as cache_module
from pipeline.read import checked as checked_module
from pipeline.read import returns as returns_module
from pipeline.read.cache import FILENAME, ReturnsCache
from pipeline.read.registers import read_registers
from pipeline.read.returns import read_returns
from pipeline.run import run_week
from tests.factories import full_week, placement, provider, write_return
from tests.figure_factories import NOV_16, NOV_23, fill_registers, school, toml_with
from tests.test_cache import DEMO, Parses, outputs, summary

INCIDENT = {"Date": NOV_23, "Placement ID": "P001", "Category": "Other", "Summary": "Left the site"}


def placements(**over) -> list[dict]:
    return [placement("P001", start=NOV_16, **over.get("P001", {})),
            placement("P002", "PRV2", start=NOV_16, **over.get("P002", {}))]


def providers(*extra) -> list[dict]:
    return [provider("PRV1"), provider("PRV2"), *extra]


def a_school(folder: Path) -> Path:
    """P001 at PRV1 and P002 at PRV2 from 16/11, a return for each of their two weeks; PRV1's return of
    23/11 also has a row for P009, who is in no register (a finding), and an incident."""
    data = school(folder, placements(), [
        ("PRV1", NOV_16, [("P001", full_week("B"))]),
        ("PRV2", NOV_16, [("P002", full_week("B"))]),
        ("PRV2", NOV_23, [("P002", full_week("I"))]),
    ], providers())
    write_return(data / "returns" / f"PRV1_{NOV_23}.xlsx", "PRV1", NOV_23,
                 [("P001", ["N", "B"] + ["B"] * 8), ("P009", full_week("B"))], incidents=[INCIDENT])
    return data


class Checks:
    """Counts the returns checked against the registers (return_from_book), by file name."""

    def __init__(self, monkeypatch):
        self.files = []
        real = returns_module.return_from_book

        def counting(book, path, *args, **kwargs):
            self.files.append(Path(path).name)
            return real(book, path, *args, **kwargs)
        monkeypatch.setattr(returns_module, "return_from_book", counting)


def warm(tmp_path) -> tuple[Path, Path]:
    """A school and an OUT holding its cache, after one run."""
    data, out = a_school(tmp_path / "data"), tmp_path / "out"
    run_week(data, out, NOV_23)
    return data, out


def assert_as_without_cache(data: Path, out: Path, tmp_path: Path) -> None:
    """The week's outputs (findings, figures, every file) equal those of a run with no cache."""
    plain = tmp_path / "plain"
    shutil.rmtree(plain, ignore_errors=True)
    run_week(data, plain, NOV_23, use_cache=False)
    assert outputs(out / NOV_23.isoformat()) == outputs(plain / NOV_23.isoformat())
    assert summary(out) == summary(plain)


PRV1_FILES = sorted([f"PRV1_{NOV_16}.xlsx", f"PRV1_{NOV_23}.xlsx"])


def test_an_unchanged_warm_run_checks_nothing_again_and_opens_no_workbook(tmp_path, monkeypatch):
    data, out = warm(tmp_path)
    checks, parses = Checks(monkeypatch), Parses(monkeypatch)
    decoded = []
    real_decode = cache_module.decode
    monkeypatch.setattr(cache_module, "decode", lambda blob: decoded.append(1) or real_decode(blob))
    run_week(data, out, NOV_23)
    assert checks.files == [] and parses.files == [] and decoded == []     # no grid is even read from the cache
    assert {f["rule"] for f in summary(out)["findings"]} >= {"wrong-placement"}
    assert ("incident", "P001") in {(a["rule"], a["placement_id"]) for a in summary(out)["actions"]}
    assert_as_without_cache(data, out, tmp_path)


def test_a_return_whose_bytes_change_is_the_only_one_checked_again(tmp_path, monkeypatch):
    data, out = warm(tmp_path)
    checks = Checks(monkeypatch)
    write_return(data / "returns" / f"PRV2_{NOV_23}.xlsx", "PRV2", NOV_23, [("P002", ["N", "N"] + ["I"] * 8)])
    run_week(data, out, NOV_23)
    assert checks.files == [f"PRV2_{NOV_23}.xlsx"]
    assert_as_without_cache(data, out, tmp_path)


def test_a_change_to_a_placement_that_a_return_names_checks_that_return_again(tmp_path, monkeypatch):
    data, out = warm(tmp_path)
    checks = Checks(monkeypatch)
    fill_registers(data, placements(P001={"provider_id": "PRV2"}), providers())   # P001 moves to PRV2
    run_week(data, out, NOV_23)
    assert sorted(checks.files) == PRV1_FILES            # PRV2's returns do not name P001
    assert "P001" in {f["value"] for f in summary(out)["findings"] if f["rule"] == "wrong-placement"}
    assert_as_without_cache(data, out, tmp_path)


def test_the_spelling_of_a_placement_id_is_part_of_what_a_return_was_checked_with(tmp_path, monkeypatch):
    """The register's spelling of the ID is the one a return row is filed under: a change of case in the
    register changes the Return, though the same rows still match."""
    data, out = warm(tmp_path)
    checks = Checks(monkeypatch)
    fill_registers(data, [placement("p001", start=NOV_16), placements()[1]], providers())
    run_week(data, out, NOV_23)
    assert sorted(checks.files) == PRV1_FILES
    assert_as_without_cache(data, out, tmp_path)


def test_a_change_to_a_placement_no_return_asked_about_checks_nothing_again(tmp_path, monkeypatch):
    """Decided: a placement's other columns, and a placement of another provider, are not part of what a
    return is checked with; they do change the figures, which are worked out again on every run."""
    data, out = warm(tmp_path)
    checks = Checks(monkeypatch)
    fill_registers(data, placements(P001={"Surname": "Renamed", "days": "AM"}) +
                   [placement("P003", "PRV2", start=NOV_16)], providers())
    run_week(data, out, NOV_23)
    assert checks.files == []
    assert_as_without_cache(data, out, tmp_path)


def test_a_new_placement_of_another_provider_that_a_return_named_checks_that_return_again(tmp_path, monkeypatch):
    """PRV1's return has a row for P009, in no register: once P009 is placed at PRV2, the finding on that
    row says so, so that return (and only it) is checked again."""
    data, out = warm(tmp_path)
    before = [f["message"] for f in summary(out)["findings"] if f["value"] == "P009"]
    checks = Checks(monkeypatch)
    fill_registers(data, placements() + [placement("P009", "PRV2", start=NOV_16)], providers())
    run_week(data, out, NOV_23)
    assert checks.files == [f"PRV1_{NOV_23}.xlsx"]
    after = [f["message"] for f in summary(out)["findings"] if f["value"] == "P009"]
    assert before != after and "is not placed at PRV1" in after[0]
    assert_as_without_cache(data, out, tmp_path)


@pytest.mark.parametrize("change, checked_again", [
    # a provider row's other columns are not read when a return is checked
    (lambda: providers()[:1] + [provider("PRV2", Name="Another name", Contact_email="new@example.org")], []),
    # PRV2 gone from providers.xlsx: its returns name an unknown provider
    (lambda: providers()[:1], [f"PRV2_{NOV_16}.xlsx", f"PRV2_{NOV_23}.xlsx"]),
    # 'prv1' typed as well as 'PRV1': the fold key PRV1's returns name is now ambiguous
    (lambda: providers(provider("prv1")), PRV1_FILES),
], ids=["other-columns", "removed", "ambiguous-spelling"])
def test_a_provider_row_change_checks_again_exactly_the_returns_that_name_it(tmp_path, monkeypatch, change,
                                                                              checked_again):
    data, out = warm(tmp_path)
    checks = Checks(monkeypatch)
    fill_registers(data, placements(), change())
    run_week(data, out, NOV_23)
    assert sorted(checks.files) == sorted(checked_again)
    assert_as_without_cache(data, out, tmp_path)


def test_school_toml_is_not_read_by_the_checks_and_a_week_leaving_the_terms_still_counts(tmp_path, monkeypatch):
    """return_from_book reads no setting: a new target or new terms check nothing again, and what the
    calendar decides about a return (a week with no school day) is decided on every run, after the cache."""
    data, out = warm(tmp_path)
    checks = Checks(monkeypatch)
    text = toml_with(target=90.0)
    (data / "school.toml").write_text(text.replace("closures = [2026-11-13]",
                                                   "closures = [2026-11-13, 2026-11-16, 2026-11-17, 2026-11-18, "
                                                   "2026-11-19, 2026-11-20]"), encoding="utf-8")
    run_week(data, out, NOV_23)
    assert checks.files == []
    assert "week-outside-terms" in {f["rule"] for f in summary(out)["findings"]}
    assert_as_without_cache(data, out, tmp_path)


def test_a_new_cache_version_checks_and_reads_everything_again(tmp_path, monkeypatch):
    data, out = warm(tmp_path)
    with sqlite3.connect(out / ".cache" / FILENAME) as db:
        db.execute("UPDATE meta SET value = '2' WHERE key = 'version'")
    checks, parses = Checks(monkeypatch), Parses(monkeypatch)
    notes = run_week(data, out, NOV_23).notes
    assert len(notes) == 1 and "rebuilt" in notes[0]
    assert len(checks.files) == len(parses.files) == 4
    assert_as_without_cache(data, out, tmp_path)


def test_new_code_checks_every_return_again_from_the_stored_grids(tmp_path, monkeypatch):
    """A stored result is never used by another version of the program's checks (the 'checks' fingerprint
    of its code); the grids are what the files hold, so they are kept, and no workbook is opened."""
    data, out = warm(tmp_path)
    monkeypatch.setattr(checked_module, "code_fingerprint", lambda: "another program")
    checks, parses = Checks(monkeypatch), Parses(monkeypatch)
    assert run_week(data, out, NOV_23).notes == []
    assert len(checks.files) == 4 and parses.files == []
    checks.files.clear()
    run_week(data, out, NOV_23)
    assert checks.files == []
    assert_as_without_cache(data, out, tmp_path)


def test_a_return_from_the_cache_is_the_return_and_findings_checked_now(tmp_path):
    """read_returns gives equal Returns (rows, marks, sources, incidents, saved) and findings with no cache, with
    a cold cache and with a warm one, on the demo school (formulas, findings, incidents, duplicates)."""
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    write_return(data / "returns" / "extra.xlsx", "PRV1", NOV_23,
                 [("P001", ["N", "B"] + ["B"] * 8), ("P009", full_week("B"))], incidents=[INCIDENT])
    regs = read_registers(data, Findings())

    def read(cache):
        found = Findings()
        return read_returns(data, regs, found, cache=cache), list(found)

    plain = read(None)
    cold = read(ReturnsCache(tmp_path / "cache"))
    warm_cache = ReturnsCache(tmp_path / "cache")
    again = read(warm_cache)
    assert len(warm_cache.checked_used) == len(list((data / "returns").rglob("*.xlsx"))) and warm_cache.hits == 0
    assert plain == cold == again
    assert any(r.incidents for r in plain[0]) and plain[1]


def test_a_return_from_the_cache_gives_its_rows_as_a_dict_and_the_sessions_table_makes_none_of_them(tmp_path):
    """A return read back from the cache holds its rows as stored (records.StoredRows): they are the rows read from
    the workbook, in the same order, each made once when asked for, and the sessions table, which reads every row,
    makes none (a warm L run: 29,000 rows, four objects each)."""
    import datetime as dt
    import pickle

    from pipeline.calendar import SchoolCalendar
    from pipeline.records import StoredRows
    from pipeline.sessions import build_sessions
    from pipeline.settings import load_settings

    data = a_school(tmp_path / "data")
    regs = read_registers(data, Findings())
    plain = read_returns(data, regs, Findings())
    read_returns(data, regs, Findings(), cache=ReturnsCache(tmp_path / "cache"))
    stored = read_returns(data, regs, Findings(), cache=ReturnsCache(tmp_path / "cache"))
    assert [type(r.rows) for r in stored] == [StoredRows] * len(plain) and [type(r.rows) for r in plain] == [dict] * 4

    calendar = SchoolCalendar.from_settings(load_settings(data / "school.toml"))
    year_start = calendar.year_start(NOV_23)
    table = build_sessions(regs.placements, calendar, stored, year_start, NOV_23, NOV_23 + dt.timedelta(days=4),
                           Findings())
    assert [r.rows._made for r in stored] == [{}] * 4          # read straight from the stored values
    assert table.to_pandas().equals(build_sessions(regs.placements, calendar, plain, year_start, NOV_23,
                                                   NOV_23 + dt.timedelta(days=4), Findings()).to_pandas())

    for was, rows in zip(plain, (r.rows for r in stored)):
        assert list(rows) == list(was.rows) and len(rows) == len(was.rows) and rows == was.rows
        for pid, row in was.rows.items():
            assert rows[pid] == row and rows[pid] is rows[pid] and pid in rows
        assert "P404" not in rows and rows.get("P404") is None
        assert pickle.loads(pickle.dumps(rows)) == was.rows
    rows = stored[0].rows
    assert repr(rows) == repr(dict(rows)) and rows.by_id() == [
        (pid, rows[pid].source.row, list(rows[pid].marks.raws)) for pid in sorted(rows)]


def test_checks_that_read_more_of_the_registers_fail_at_once_rather_than_use_a_stale_result():
    """The registers as the stored checks see them answer only the questions they write down."""
    asked = checked_module.Asked(read_registers_like(), {"PRV1": "PRV1"})
    assert asked.placement("p001") == checked_module.PlacementSeen("P001", "PRV1")
    with pytest.raises(AttributeError):
        asked.placement("p001").surname
    with pytest.raises(AttributeError):
        asked.providers
    assert asked.answers == {("placement", "p001"): ["P001", "PRV1"]}


def read_registers_like():
    from pipeline.read.registers import Registers

    class One:
        placement_id, provider_id, surname = "P001", "PRV1", "Pupil"
    regs = Registers()
    regs.placements = [One()]
    return regs

