"""Annotated copies kept in the run's cache (pipeline.annotate_kept): a copy whose workbook and findings have not
changed is not made again, in the same week or the next, and is the same file as one made afresh; a changed
workbook, changed findings, another version of the program or a damaged entry makes it again, and a copy that
could not be made is not kept: it is tried again."""
from __future__ import annotations

import datetime as dt
import sqlite3
import zipfile
from pathlib import Path

import pytest

from pipeline import annotate
from pipeline.run import run_week
from tests.factories import full_week, placement, provider, write_return, write_school
from tests.test_annotate import PRV1_RETURN, WEEK, bad_school

NEXT = WEEK + dt.timedelta(days=7)
BROKEN = "returns/broken.xlsx"    # bad_school's damaged xlsx: openpyxl cannot load it, so it has no copy, and
EVERY = sorted(["placements.xlsx", PRV1_RETURN, BROKEN])   # is tried again in every run


@pytest.fixture
def made(monkeypatch) -> list[str]:
    """The files whose copies openpyxl makes (rather than taken from the cache) in the runs that follow."""
    seen: list[str] = []
    real = annotate._annotated_bytes

    def counted(original, rel, findings, stamp):
        seen.append(rel)
        return real(original, rel, findings, stamp)
    monkeypatch.setattr(annotate, "_annotated_bytes", counted)
    return seen


def copies(out: Path, week: dt.date) -> dict[str, bytes]:
    root = out / week.isoformat() / "annotated"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.xlsx"))}


def fresh(tmp_path: Path, data: Path, week: dt.date) -> dict[str, bytes]:
    """The copies a run with no cache makes."""
    out = tmp_path / f"fresh-{week}"
    run_week(data, out, week=week, use_cache=False)
    return copies(out, week)


def created(copy: bytes) -> str:
    import io
    import re
    core = zipfile.ZipFile(io.BytesIO(copy)).read("docProps/core.xml").decode()
    return re.search(r"<dcterms:created[^>]*>([^<]*)<", core).group(1)


def damage_kept_copies(out: Path) -> None:
    """Every kept copy with 100 of its bytes, past its first entry's header, turned to zeros."""
    with sqlite3.connect(out / ".cache" / "returns.sqlite") as db:
        for key, data in db.execute("SELECT key, data FROM copies WHERE length(data) > 300").fetchall():
            db.execute("UPDATE copies SET data = ? WHERE key = ?", (data[:200] + bytes(100) + data[300:], key))
    db.close()


def kept_rows(out: Path) -> int:
    with sqlite3.connect(out / ".cache" / "returns.sqlite") as db:
        rows = db.execute("SELECT count(*) FROM copies").fetchone()[0]
    db.close()
    return rows


def test_next_weeks_run_makes_no_copy_again_and_its_copies_are_those_made_afresh(tmp_path, made):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    assert sorted(made) == EVERY
    made.clear()
    run_week(data, out, week=NEXT)
    assert made == [BROKEN]
    kept = copies(out, NEXT)
    assert sorted(kept) == ["placements.xlsx", "returns/PRV1/prv1 w-c 23-11-2026.xlsx"]
    assert kept == fresh(tmp_path, data, NEXT)
    assert {created(c) for c in kept.values()} == {"2026-11-30T00:00:00Z"}     # stamped with the week it is for
    assert copies(out, WEEK) != kept     # the week before's copies carry that week
    made.clear()
    run_week(data, out, week=NEXT)     # the same week again: the same files, none made again
    assert made == [BROKEN] and copies(out, NEXT) == kept


def test_a_changed_workbook_or_changed_findings_make_that_copy_again_and_only_that(tmp_path, made):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    marks = full_week("B")
    marks[2], marks[3], marks[4] = None, "ZZ", "ZZ"           # the return changed: Wed AM now an unknown code
    write_return(data / PRV1_RETURN, "PRV1", WEEK, [("P001", marks), ("P004", full_week("B"))])
    made.clear()
    run_week(data, out, week=WEEK)
    assert sorted(made) == [PRV1_RETURN, BROKEN]
    assert copies(out, WEEK) == fresh(tmp_path, data, WEEK)
    # placements.xlsx changed so that P004 is PRV1's: the PRV1 return is the same file with other findings
    write_school(data, [placement("P001"), placement("P002", UPN="B801200005002"), placement("P003", provider_id="PRV9"),
                        placement("P004", provider_id="PRV1")], [provider("PRV1"), provider("PRV2")])
    made.clear()
    run_week(data, out, week=NEXT)
    assert sorted(made) == ["placements.xlsx", PRV1_RETURN, BROKEN, "returns/prv2.xlsx"]    # P004's row is PRV2's no more
    assert copies(out, NEXT) == fresh(tmp_path, data, NEXT)
    assert kept_rows(out) == 3          # the copies no run uses any more are dropped


def test_another_version_of_the_program_makes_every_copy_and_reads_the_registers_again(tmp_path, made, opened,
                                                                                       monkeypatch):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    monkeypatch.setattr("pipeline.read.checked.code_fingerprint", lambda: "another version")
    made.clear()
    opened.clear()
    run_week(data, out, week=NEXT)
    assert sorted(made) == EVERY
    assert opened == ["providers.xlsx", "placements.xlsx"]


def test_a_damaged_kept_copy_is_made_again_the_same_as_afresh(tmp_path, made):
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    damage_kept_copies(out)
    made.clear()
    run_week(data, out, week=NEXT)
    assert sorted(made) == EVERY
    assert copies(out, NEXT) == fresh(tmp_path, data, NEXT)
    made.clear()
    run_week(data, out, week=NEXT)      # damaged in the same week: its checksums are checked too
    assert made == [BROKEN]
    damage_kept_copies(out)
    made.clear()
    run_week(data, out, week=NEXT)
    assert sorted(made) == EVERY
    assert copies(out, NEXT) == fresh(tmp_path, data, NEXT)


def test_a_copy_that_could_not_be_made_is_tried_again_next_run(tmp_path, made, monkeypatch):
    """A failure is not kept (it may have been a passing one, out of memory): the next run tries that copy again."""
    data, out = bad_school(tmp_path), tmp_path / "out"
    real = annotate._annotated_bytes
    monkeypatch.setattr(annotate, "_annotated_bytes",
                        lambda original, rel, findings, stamp: None if rel == PRV1_RETURN else real(original, rel, findings, stamp))
    run_week(data, out, week=WEEK)
    assert sorted(copies(out, WEEK)) == ["placements.xlsx"]
    monkeypatch.setattr(annotate, "_annotated_bytes", real)
    made = []
    monkeypatch.setattr(annotate, "_annotated_bytes",
                        lambda original, rel, findings, stamp: made.append(rel) or real(original, rel, findings, stamp))
    run_week(data, out, week=NEXT)
    assert sorted(made) == [PRV1_RETURN, BROKEN]
    assert copies(out, NEXT) == fresh(tmp_path, data, NEXT)


def _restamped_the_long_way(copy: bytes, stamp: dt.datetime) -> bytes:
    """Every entry unzipped and zipped again by zipfile, core.xml's times put right: what restamped gave before
    it copied the other entries' compressed bytes as they are."""
    import io
    from pipeline.annotate_kept import _TIMES, CORE

    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source, out = zipfile.ZipFile(io.BytesIO(copy)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as repacked:
        for info in source.infolist():
            body = source.read(info)
            repacked.writestr(info, _TIMES.sub(lambda m: m.group(1) + when + m.group(3), body) if info.filename == CORE else body)
    return out.getvalue()


def test_a_kept_copy_restamped_is_the_copy_zipped_again_with_the_new_times(tmp_path, monkeypatch):
    """The restamp copies every entry but core.xml as it is compressed: the same bytes as unzipping and zipping
    them again, for a week later and a week earlier; an entry stored without compression, or with an extra
    field, is zipped the long way, with the same result; a damaged entry gives None."""
    import io
    from pipeline import annotate_kept
    from pipeline.annotate_kept import restamped

    slowly = []
    real = annotate_kept._repacked_slowly
    monkeypatch.setattr(annotate_kept, "_repacked_slowly", lambda *a: slowly.append(1) or real(*a))
    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    kept = copies(out, WEEK)
    assert len(kept) == 2
    for copy in kept.values():
        for stamp in (dt.datetime(2026, 11, 30), dt.datetime(2025, 1, 6)):
            again = restamped(copy, WEEK.isoformat(), stamp)
            assert again == _restamped_the_long_way(copy, stamp) and again != copy
            assert created(again) == stamp.strftime("%Y-%m-%dT00:00:00Z")
            assert zipfile.ZipFile(io.BytesIO(again)).testzip() is None
        assert restamped(copy, WEEK.isoformat(), dt.datetime(2026, 11, 23)) == copy   # the week it was made for
    assert slowly == []
    copy = kept["placements.xlsx"]
    source, odd = zipfile.ZipFile(io.BytesIO(copy)), io.BytesIO()
    with zipfile.ZipFile(odd, "w", zipfile.ZIP_DEFLATED) as shaped:
        for n, info in enumerate(source.infolist()):
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_STORED if n == 0 else zipfile.ZIP_DEFLATED
            entry.extra = b"\xfe\xca\x00\x00" if n == 1 else b""        # an empty extra field (as jar files carry)
            shaped.writestr(entry, source.read(info))
    odd = odd.getvalue()
    stamp = dt.datetime(2026, 11, 30)
    assert restamped(odd, WEEK.isoformat(), stamp) == _restamped_the_long_way(odd, stamp)
    assert slowly == [1]
    info = zipfile.ZipFile(io.BytesIO(copy)).infolist()[2]
    at = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    damaged = copy[:at] + bytes([copy[at] ^ 0xFF]) + copy[at + 1:]
    assert restamped(damaged, WEEK.isoformat(), stamp) is None
    assert restamped(damaged, WEEK.isoformat(), dt.datetime(2026, 11, 23)) is None


def test_a_kept_copy_with_bytes_past_an_entrys_stream_is_made_again(tmp_path):
    """zipfile never writes bytes after the end of an entry's deflate stream: a kept copy that has some is not as
    it was made, and restamping it gives None (the copy is made afresh) rather than copying them on."""
    import io
    from pipeline.annotate_kept import _plain_parts, _repacked, restamped

    data, out = bad_school(tmp_path), tmp_path / "out"
    run_week(data, out, week=WEEK)
    copy = copies(out, WEEK)["placements.xlsx"]
    parts = _plain_parts(copy, zipfile.ZipFile(io.BytesIO(copy)))
    info, raw, body = parts[2]
    info.compress_size += 2
    parts[2] = (info, raw + b"\x00\x00", body)
    padded = _repacked(parts, b"2026-11-23T00:00:00Z")
    assert zipfile.ZipFile(io.BytesIO(padded)).testzip() is None        # zipfile reads it without a complaint
    assert restamped(padded, WEEK.isoformat(), dt.datetime(2026, 11, 30)) is None
    assert restamped(padded, WEEK.isoformat(), dt.datetime(2026, 11, 23)) is None
