"""How a warm run finds the stored checked results (pipeline.read.cache, pipeline.read.checked): every one read
with one query, each entry read by json without an object_hook unless it holds a tagged value, each question
of the registers answered once a run; and that none of it uses a result it should not."""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import zlib
from pathlib import Path

import pytest

from pipeline.findings import Finding
from pipeline.read import cache as cache_module
from pipeline.read import checked as checked_module
from pipeline.read.cache import FILENAME, ReturnsCache
from pipeline.read.returns import Return, listed_returns, return_files
from pipeline.records import Incident, ReturnRow, RowCells, RowMarks, Source, mark_layout
from pipeline.run import run_week
from tests.figure_factories import NOV_16, NOV_23
from tests.test_checked_cache import PRV1_FILES, Checks, assert_as_without_cache, warm

ALL_FILES = sorted(PRV1_FILES + [f"PRV2_{NOV_16}.xlsx", f"PRV2_{NOV_23}.xlsx"])


class Statements:
    """The SQL statements the run's cache sends to its file."""

    def __init__(self, monkeypatch):
        self.sql: list[str] = []
        real = ReturnsCache._connect

        def tracing(cache):
            db = real(cache)
            db.set_trace_callback(self.sql.append)
            return db
        monkeypatch.setattr(ReturnsCache, "_connect", tracing)

    def reading_checked(self) -> list[str]:
        return [s for s in self.sql if s.startswith("SELECT") and "payload FROM checked" in s]


def rewrite_checked(cache_file: Path, change) -> None:
    """Each stored checked result's JSON body replaced by change(body) (None: left as it is)."""
    with sqlite3.connect(cache_file) as db:
        for path, key, blob in db.execute("SELECT path, digest, payload FROM checked").fetchall():
            body = change(path, json.loads(zlib.decompress(blob)))
            if body is not None:
                text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
                db.execute("UPDATE checked SET payload = ? WHERE path = ? AND digest = ?",
                           (zlib.compress(text.encode("utf-8")), path, key))


def test_a_warm_run_reads_every_stored_checked_result_with_one_query(tmp_path, monkeypatch):
    data, out = warm(tmp_path)
    checks, statements = Checks(monkeypatch), Statements(monkeypatch)
    run_week(data, out, NOV_23)
    assert checks.files == []
    assert statements.reading_checked() == ["SELECT path, digest, payload FROM checked"]


def test_an_entry_of_the_format_before_is_not_used(tmp_path, monkeypatch):
    """Format 2 stored the week and the saved time tagged; such an entry (under this program's fingerprint, so
    only if it was tampered with) is not an entry of this version: the cache is rebuilt and every return
    checked again."""
    data, out = warm(tmp_path)

    def format_2(path, body):
        body["format"] = 2
        body["modified"] = None if body["modified"] is None else {cache_module.TAG: ["dt", body["modified"]]}
        if body["return"] is not None:
            body["return"]["week"] = {cache_module.TAG: ["d", body["return"]["week"]]}
            body["return"]["sessions"] = json.loads(body["return"]["sessions"])
        return body
    rewrite_checked(out / ".cache" / FILENAME, format_2)
    checks = Checks(monkeypatch)
    notes = run_week(data, out, NOV_23).notes
    assert len(notes) == 1 and "rebuilt" in notes[0]
    assert sorted(checks.files) == ALL_FILES
    assert_as_without_cache(data, out, tmp_path)


def test_a_checked_table_the_one_query_cannot_read_is_rebuilt(tmp_path, monkeypatch):
    data, out = warm(tmp_path)
    with sqlite3.connect(out / ".cache" / FILENAME) as db:
        db.execute("ALTER TABLE checked RENAME COLUMN payload TO something_else")
    checks = Checks(monkeypatch)
    notes = run_week(data, out, NOV_23).notes
    assert len(notes) == 1 and "rebuilt" in notes[0]
    assert sorted(checks.files) == ALL_FILES
    assert_as_without_cache(data, out, tmp_path)
    checks.files.clear()
    assert run_week(data, out, NOV_23).notes == [] and checks.files == []


def test_after_a_damaged_entry_no_result_read_before_the_rebuild_is_used(tmp_path, monkeypatch):
    """The results read with the one query came from a file found damaged: once it is rebuilt only the
    results used before are kept, and each later return is checked again, not taken from what was read."""
    data, out = warm(tmp_path)
    damaged = f"returns/PRV1_{NOV_23}.xlsx"
    with sqlite3.connect(out / ".cache" / FILENAME) as db:
        db.execute("UPDATE checked SET payload = ? WHERE path = ?", (b"\x78\x01garbage", damaged))
    checks = Checks(monkeypatch)
    notes = run_week(data, out, NOV_23).notes
    assert len(notes) == 1 and "rebuilt" in notes[0]
    assert sorted(checks.files) == [f"PRV1_{NOV_23}.xlsx", f"PRV2_{NOV_16}.xlsx", f"PRV2_{NOV_23}.xlsx"]
    assert_as_without_cache(data, out, tmp_path)


def test_a_damaged_question_is_a_damaged_entry(tmp_path, monkeypatch):
    data, out = warm(tmp_path)

    def damage(path, body):
        if path == f"returns/PRV2_{NOV_16}.xlsx":
            body["asked"][0][1] = 7          # a question asked with a number, not text
            return body
    rewrite_checked(out / ".cache" / FILENAME, damage)
    checks = Checks(monkeypatch)
    notes = run_week(data, out, NOV_23).notes
    assert len(notes) == 1 and "rebuilt" in notes[0]
    assert f"PRV2_{NOV_16}.xlsx" in checks.files
    assert_as_without_cache(data, out, tmp_path)


def test_each_question_is_put_to_the_registers_once_a_run(monkeypatch):
    put = []
    real = checked_module.answer
    monkeypatch.setattr(checked_module, "answer", lambda *a: put.append(a[:2]) or real(*a))
    answers = checked_module.Answers(None, {"prv1": "PRV1"})
    asked = [["fold", "prv1", "PRV1"], ["fold", "prv2", None]]
    assert checked_module.still_true(asked, answers) and checked_module.still_true(asked, answers)
    assert not checked_module.still_true([["fold", "prv1", "PRV9"]], answers)
    assert put == [("fold", "prv1"), ("fold", "prv2")]
    for damaged in ([["fold", 7, None]], [["another kind", "prv1", None]], [["fold", "prv1"]]):
        with pytest.raises(ValueError):
            checked_module.still_true(damaged, answers)


def test_the_questions_a_return_asks_are_freed_with_it_without_the_cycle_collector():
    """Each return read is checked through an Asked that writes down its questions: freed as soon as the return
    is stored, by reference counting, not left for the cycle collector (it walked 100,000 objects of them at
    the end of reading a cold run of 5,789 returns)."""
    import gc
    import weakref

    was = gc.isenabled()
    gc.disable()
    try:
        from pipeline.read.registers import Registers

        asked = checked_module.Asked(Registers(), {"prv1": "PRV1"})
        assert asked.by_fold.get("prv1") == "PRV1" and asked.ambiguous_providers.get("prv1", "none") == "none"
        assert asked.answers == {("fold", "prv1"): "PRV1", ("ambiguous", "prv1"): None}
        gone = weakref.ref(asked)
        del asked
        assert gone() is None
    finally:
        if was:
            gc.enable()


# --- the stored form ---------------------------------------------------------------------------------

def a_return(raws: tuple, notes: str | None = None) -> Return:
    layout = mark_layout([(0, "AM"), (0, "PM")], ["D", "E"])
    ret = Return("returns/a.xlsx", "PRV1", NOV_23, (), "Attendance")
    ret.rows["P001"] = ReturnRow(placement_id="P001", marks=RowMarks(layout, raws, 5), notes=notes,
                                 source=Source(ret.file, ret.sheet, 5, RowCells({"placement_id": "A"}, 5)))
    ret.incidents.append(Incident(date=NOV_23, placement_id="P001", category="Other", reported_to_dsl=None,
                                  summary="Left", provider_id="PRV1",
                                  source=Source(ret.file, "Incidents", 2, {"date": "A2"})))
    return ret


@pytest.mark.parametrize("raws, notes, hook", [
    (("B", 1.5), "text", False),
    ((dt.date(2026, 11, 23), dt.time(9, 30)), None, True),     # a date typed where a code belongs: tagged
    (("a\u0000b", "\\u0000"), "\u0000", True),                  # text that reads like a tag is only text
], ids=["plain", "dates-in-cells", "nul-text"])
def test_a_return_comes_back_as_it_was_stored_and_only_a_tagged_one_uses_the_object_hook(tmp_path, monkeypatch,
                                                                                           raws, notes, hook):
    ret = a_return(raws, notes)
    findings = [Finding(ret.file, "Attendance", "D5", "wrong-placement", "error", "P009", "A message")]
    blob = checked_module.encode(ret, findings, {("fold", "prv1"): "PRV1"}, dt.datetime(2026, 11, 24, 8, 5))
    calls = []
    real = checked_module._untag
    monkeypatch.setattr(checked_module, "_untag", lambda obj: calls.append(1) or real(obj))
    asked, back, found = checked_module.decode(blob, ret.file, tmp_path / "a.xlsx", Return, 12.5)
    assert bool(calls) == hook
    assert asked == [["fold", "prv1", "PRV1"]] and found == findings
    ret.saved = (dt.datetime(2026, 11, 24, 8, 5), 12.5, ret.file)
    assert back == ret
    assert [type(v) for v in back.rows["P001"].marks.raws] == [type(v) for v in raws]
    assert type(back.week) is dt.date and type(back.incidents[0].date) is dt.date


def test_a_week_stored_as_other_than_a_date_is_not_stored():
    ret = a_return(("B", "B"))
    ret.week = dt.datetime(2026, 11, 23)
    with pytest.raises(TypeError):
        checked_module.encode(ret, [], {}, None)


def test_a_file_is_read_once_for_its_bytes_and_its_time(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"content")
    os.utime(path, (1_000_000_000.25, 1_700_000_000.5))
    assert cache_module.content(path) == (b"content", os.stat(path).st_mtime)


@pytest.mark.parametrize("relative", [False, True])
def test_each_return_is_named_by_its_path_from_the_data_folder(tmp_path, monkeypatch, relative):
    for name in ("returns/a.xlsx", "returns/PRV1/b c.xlsx", "returns/x/y/z.xlsx"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    data_dir = tmp_path
    if relative:
        monkeypatch.chdir(tmp_path)
        data_dir = Path(".")
    files = return_files(data_dir)
    assert [rel for _, rel in listed_returns(data_dir)] == [p.relative_to(data_dir).as_posix() for p in files] == [
        "returns/PRV1/b c.xlsx", "returns/a.xlsx", "returns/x/y/z.xlsx"]
