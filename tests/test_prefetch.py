"""Work on the other cores (pipeline.pool): returns opened by workers (pipeline.read.prefetch) and next week's
pre-filled returns written by them (pipeline.delivery.prepare). A run with the pool writes exactly what a run
without it writes, whichever way its workers start, and a worker that dies loses no file."""
from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.delivery import prepare as prepare_module
from pipeline.findings import Findings
from pipeline.read import prefetch as prefetch_module
from pipeline.read.cache import FILENAME, ReturnsCache
from pipeline.read.registers import read_registers
from pipeline.read.returns import read_returns
from pipeline.run import run_week
from tests.dying_worker import killed_when
from tests.school_factories import encrypt_workbook
from tests.test_cache import DEMO, DEMO_WEEK, Parses, entries, outputs

WEEK = DEMO_WEEK.isoformat()


def demo_with_odd_files(folder: Path) -> Path:
    """The demo school with returns a worker leaves to the run: a password-protected one, one that is not
    a workbook, and one that is not a return."""
    shutil.copytree(DEMO, folder)
    returns = folder / "returns"
    encrypt_workbook(returns / "PRV1" / "Riverside w-c 2026-11-16.xlsx", returns / "PRV1" / "locked.xlsx", "pw")
    (returns / "PRV4" / "note.xlsx").write_bytes(b"not a workbook")
    shutil.copy(folder / "providers.xlsx", returns / "PRV3" / "providers copy.xlsx")
    return folder


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The run of the demo school (with odd files) without the pool: its outputs and its cache's entries."""
    base = tmp_path_factory.mktemp("serial")
    data = demo_with_odd_files(base / "data")
    run_week(data, base / "out", DEMO_WEEK)
    return data, outputs(base / "out" / WEEK), entries(base / "out" / ".cache" / FILENAME)


def pool_for(monkeypatch, files: int = 1):
    """The pool used for `files` returns or more, on a machine of any number of cores."""
    import pipeline.pool

    monkeypatch.setattr(pipeline.pool, "cores", lambda: 2)
    monkeypatch.setattr(prefetch_module, "MIN_FILES", files)
    monkeypatch.setattr(prefetch_module, "CHUNK", 4)
    return monkeypatch


@pytest.fixture
def pool_on(monkeypatch):
    """The pool used for any number of returns, on a machine of any number of cores."""
    return pool_for(monkeypatch)


def test_the_pool_is_not_used_for_a_school(serial):
    data = serial[0]
    from pipeline.read.returns import return_files
    ahead = prefetch_module.prefetch(return_files(data))
    assert ahead._pool is None


@pytest.mark.parametrize("start", [None, "spawn"])
def test_a_cold_run_with_the_pool_writes_what_a_run_without_it_writes(serial, pool_on, tmp_path, start):
    data, expected, stored = serial
    pool_on.setattr(prefetch_module, "START_METHOD", start)
    parses = Parses(pool_on)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert outputs(tmp_path / "out" / WEEK) == expected
    assert entries(tmp_path / "out" / ".cache" / FILENAME) == stored
    # the workers opened every return they could: the run opened only what they left to it
    assert sorted(parses.files) == ["locked.xlsx", "note.xlsx"]


def test_a_warm_run_after_a_pooled_cold_run_opens_nothing(serial, pool_on, tmp_path):
    data = serial[0]
    run_week(data, tmp_path / "out", DEMO_WEEK)
    parses = Parses(pool_on)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert parses.files == ["locked.xlsx", "note.xlsx"]      # never stored: opened every run, as without the pool
    assert outputs(tmp_path / "out" / WEEK) == serial[1]


def test_a_run_without_the_cache_with_the_pool_writes_the_same(serial, pool_on, tmp_path):
    data, expected, _ = serial
    run_week(data, tmp_path / "plain", DEMO_WEEK, use_cache=False)
    assert outputs(tmp_path / "plain" / WEEK) == expected


def test_only_files_the_cache_does_not_hold_go_to_the_workers(serial, pool_on, tmp_path):
    data = serial[0]
    regs = read_registers(data, Findings())
    read_returns(data, regs, Findings(), cache=ReturnsCache(tmp_path / "cache"))
    new = tmp_path / "more"
    shutil.copytree(data, new)
    shutil.copy(DEMO / "placements.xlsx", new / "returns" / "PRV2" / "a stray register.xlsx")     # new content
    from pipeline.read.returns import return_files
    cache = ReturnsCache(tmp_path / "cache")
    ahead = prefetch_module.prefetch(return_files(new), cache)
    try:
        # the new content, and the files never stored (the password-protected one and the one that is no workbook)
        assert sorted(Path(p).name for p in ahead._want) == ["a stray register.xlsx", "locked.xlsx", "note.xlsx"]
    finally:
        ahead.close()
        cache.close()


def test_a_password_protected_return_is_read_with_its_password_in_the_run(serial, pool_on, tmp_path):
    data = serial[0]
    regs = read_registers(data, Findings())
    alone, pooled = Findings(), Findings()
    pool_on.setattr(prefetch_module, "MIN_FILES", 10 ** 9)
    one = read_returns(data, regs, alone, ("pw",), ReturnsCache(tmp_path / "one"))
    pool_on.setattr(prefetch_module, "MIN_FILES", 1)
    two = read_returns(data, regs, pooled, ("pw",), ReturnsCache(tmp_path / "two"))
    assert any(r.file == "returns/PRV1/locked.xlsx" for r in two)
    assert [(r.file, r.rows, r.incidents, r.saved) for r in one] == [(r.file, r.rows, r.incidents, r.saved) for r in two]
    assert list(alone) == list(pooled)
    assert entries(tmp_path / "one" / FILENAME) == entries(tmp_path / "two" / FILENAME)


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patch reaches forked workers only")
def test_a_worker_killed_mid_run_loses_no_file(serial, pool_on, tmp_path):
    """A worker killed by a signal (as when the system runs out of memory) breaks the pool: every file not
    yet back is read in the run's own process, and the run writes what it writes without the pool."""
    data, expected, stored = serial
    dies_on_one = killed_when(prefetch_module._one, lambda path: path.name == "Nurture Hub attendance 5 Oct 2026.xlsx")
    pool_on.setattr(prefetch_module, "_one", dies_on_one)
    parses = Parses(pool_on)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert outputs(tmp_path / "out" / WEEK) == expected
    assert entries(tmp_path / "out" / ".cache" / FILENAME) == stored
    assert "Nurture Hub attendance 5 Oct 2026.xlsx" in parses.files


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patch reaches forked workers only")
def test_a_file_that_fails_in_a_worker_is_read_in_the_run(serial, pool_on, tmp_path):
    data, expected, _ = serial
    import pipeline.read.workbook as workbook

    real = workbook.open_workbook

    def fails_on_one(path, *args, **kwargs):
        if Path(path).name == "BFT return 12-10-2026.xlsx" and os.getpid() != parent:
            raise RuntimeError("a bug")
        return real(path, *args, **kwargs)

    parent = os.getpid()
    pool_on.setattr(workbook, "open_workbook", fails_on_one)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert outputs(tmp_path / "out" / WEEK) == expected



def _pre_filled_in_workers(monkeypatch, start=None) -> None:
    """Each pre-filled return written by a worker, on two cores, workers started by `start`."""
    monkeypatch.setattr("pipeline.pool.cores", lambda: 2)
    monkeypatch.setattr(prepare_module, "MIN_POOLED", 1)
    monkeypatch.setattr(prepare_module, "CHUNK", 1)
    monkeypatch.setattr(prepare_module, "START_METHOD", start)


@pytest.mark.parametrize("start", [None, "spawn"])
def test_pre_filled_returns_written_by_workers_are_the_same_bytes(serial, monkeypatch, tmp_path, start):
    data, expected, _ = serial
    _pre_filled_in_workers(monkeypatch, start)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert outputs(tmp_path / "out" / WEEK) == expected
    assert len(list((tmp_path / "out" / WEEK / "returns_to_send").glob("*.xlsx"))) == 3


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patch reaches forked workers only")
def test_pre_filled_returns_of_a_worker_that_dies_or_fails_are_written_by_the_run(serial, monkeypatch, tmp_path):
    data, expected, _ = serial
    parent = os.getpid()
    real = prepare_module.write_provider_return

    def dies_or_fails(path, provider_id, *args):
        if os.getpid() != parent and provider_id == "PRV1":
            raise RuntimeError("a bug")
        if os.getpid() != parent and provider_id == "PRV2":
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, provider_id, *args)

    _pre_filled_in_workers(monkeypatch)
    monkeypatch.setattr(prepare_module, "write_provider_return", dies_or_fails)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert outputs(tmp_path / "out" / WEEK) == expected


@pytest.mark.parametrize("start_method", [None, "spawn"])
def test_a_worker_process_starts_no_pool_of_its_own(start_method):
    """A school of a trust run runs in a worker: it opens its returns and writes its pre-filled returns itself
    (however the worker was started: forked here, spawned on Windows)."""
    from pipeline.pool import pool_size, process_pool

    with process_pool(1, start_method) as pool:
        assert pool.submit(pool_size, 4).result() == 1


def test_a_process_that_is_not_a_worker_does_not_import_multiprocessing_to_know_it():
    """Whether a process is a pool's worker is known without importing multiprocessing (10 ms of every run)."""
    code = ("import sys; from pipeline.pool import cores, pool_size\n"
            "print(pool_size(2) == min(cores(), 2), 'multiprocessing' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1], capture_output=True,
                         text=True, check=True).stdout
    assert out.split() == ["True", "False"]
