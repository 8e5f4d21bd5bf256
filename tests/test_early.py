"""A warm run's returns hashed, and its new ones opened, in a child while the registers are read
(pipeline.read.early): the run writes what it writes without the child, and loses no file when the child dies."""
from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import openpyxl
import pytest

import pipeline.beside as beside
import pipeline.core
from pipeline.errors import RunError
from pipeline.findings import Findings
from pipeline.read import early as early_module
from pipeline.read.cache import FILENAME, ReturnsCache, content, digest
from pipeline.read.registers import read_registers
from pipeline.read.returns import _by_fold, read_return
from pipeline.run import run_week
from tests.test_cache import DEMO, DEMO_WEEK, Parses, outputs

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the child is forked on Linux only")
WEEK = DEMO_WEEK.isoformat()
CHANGED = "Riverside w-c 2026-11-23.xlsx"


@pytest.fixture
def early_on(monkeypatch):
    """The child started for any number of returns, where the run would fork."""
    monkeypatch.setattr(early_module, "MIN_FILES", 1)
    monkeypatch.setattr(beside, "forks", lambda: True)
    return monkeypatch


def _started(monkeypatch) -> list:
    """The Early of each run, as core.compute_facts started it."""
    started = []
    real = pipeline.core.start_early
    monkeypatch.setattr(pipeline.core, "start_early", lambda *args: started.append(real(*args)) or started[-1])
    return started


def warm(folder: Path) -> Path:
    """The demo school run once (its cache filled), then one return saved again with a note: new content."""
    data = shutil.copytree(DEMO, folder / "data")
    run_week(data, folder / "out", DEMO_WEEK)
    path = data / "returns" / "PRV1" / CHANGED
    book = openpyxl.load_workbook(path)
    book["Attendance"]["N5"] = "Saved again"
    book.save(path)
    return data


@pytest.fixture(scope="module")
def without_child(tmp_path_factory):
    """The warm run's outputs with no child."""
    base = tmp_path_factory.mktemp("plain")
    data = warm(base)
    run_week(data, base / "out", DEMO_WEEK)
    return outputs(base / "out" / WEEK)


@linux_only
def test_the_child_opens_the_new_return_and_the_run_writes_the_same(tmp_path, early_on, without_child):
    data = warm(tmp_path)
    started = _started(early_on)
    parses = Parses(early_on)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert len(started) == 1 and started[0].pid is None         # forked, and reaped
    assert parses.files == []                                    # the run opened no return itself
    assert outputs(tmp_path / "out" / WEEK) == without_child


@linux_only
def test_without_the_child_the_run_opens_the_new_return_itself(tmp_path, monkeypatch, without_child):
    data = warm(tmp_path)
    monkeypatch.setattr(beside, "forks", lambda: True)
    parses = Parses(monkeypatch)
    run_week(data, tmp_path / "out", DEMO_WEEK)                  # the demo's 41 returns: fewer than MIN_FILES
    assert parses.files == [CHANGED]
    assert outputs(tmp_path / "out" / WEEK) == without_child


@linux_only
def test_a_child_that_dies_leaves_every_file_to_the_run(tmp_path, early_on, without_child):
    data = warm(tmp_path)
    early_on.setattr(early_module, "_hashed", lambda *args: os.kill(os.getpid(), signal.SIGKILL))
    parses = Parses(early_on)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert parses.files == [CHANGED]
    assert outputs(tmp_path / "out" / WEEK) == without_child


@linux_only
def test_a_run_that_stops_while_the_child_works_stops_it(tmp_path, early_on):
    data = warm(tmp_path)
    _started(early_on)
    early_on.setattr(early_module, "_hashed", lambda *args: time.sleep(60))
    children = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            children.append(pid)
        return pid
    early_on.setattr(early_module.os, "fork", fork)

    def stopped(*args, **kwargs):
        raise RunError("placements.xlsx cannot be read.")
    early_on.setattr(pipeline.core, "read_registers", stopped)
    begun = time.monotonic()
    with pytest.raises(RunError):
        run_week(data, tmp_path / "out", DEMO_WEEK)
    assert time.monotonic() - begun < 30 and len(children) == 1
    with pytest.raises(ChildProcessError):                       # stopped and reaped: no zombie left
        os.waitpid(children[0], os.WNOHANG)


def _read_order(monkeypatch) -> list:
    """The files the run reads, in the order it reads them."""
    import pipeline.read.returns as returns_module

    order, real = [], returns_module.read_return
    monkeypatch.setattr(returns_module, "read_return", lambda path, *args, **kw: order.append(path.name) or real(path, *args, **kw))
    return order


def _slow_in_the_child(monkeypatch, then=None) -> None:
    """The child's snapshot of a new return takes half a second (and then `then()`, in the child only)."""
    import pipeline.read.prefetch as prefetch_module

    run, real = os.getpid(), prefetch_module.snapshot_of

    def slow(path, data):
        if os.getpid() != run:
            time.sleep(0.5)
            if then is not None:
                then()
        return real(path, data)
    monkeypatch.setattr(prefetch_module, "snapshot_of", slow)


@linux_only
def test_the_run_checks_the_unchanged_returns_while_the_child_opens_the_new_one(tmp_path, early_on, without_child):
    """The child sends every hash first, then what it opened: the run reads the 40 unchanged returns from the cache
    before it takes the new one the child is still opening, and writes what it writes without the child."""
    data = warm(tmp_path)
    _slow_in_the_child(early_on)
    order, parses = _read_order(early_on), Parses(early_on)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    from pipeline.read.returns import listed_returns
    assert order == [path.name for path, _ in listed_returns(data) if path.name != CHANGED] + [CHANGED]
    assert parses.files == []                                    # the child's snapshot was used
    assert outputs(tmp_path / "out" / WEEK) == without_child


@linux_only
def test_a_child_that_dies_after_sending_the_hashes_leaves_the_new_return_to_the_run(tmp_path, early_on, without_child):
    data = warm(tmp_path)
    _slow_in_the_child(early_on, then=lambda: os.kill(os.getpid(), signal.SIGKILL))
    order, parses = _read_order(early_on), Parses(early_on)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert order[-1] == CHANGED and parses.files == [CHANGED]
    assert outputs(tmp_path / "out" / WEEK) == without_child


def test_a_school_forks_no_child(tmp_path, monkeypatch):
    monkeypatch.setattr(beside, "forks", lambda: True)
    data = warm(tmp_path)
    cache = ReturnsCache(tmp_path / "out" / ".cache")
    try:
        found = early_module.start(data, cache)
        assert found.pid is None and len(found.listed) == 41 and found.take(found.listed[0][0]) is None
    finally:
        cache.close()


def test_a_file_only_hashed_and_changed_since_is_read_again_in_the_run(tmp_path):
    """What the child hashed but did not open, and the cache holds nothing for (the file was saved again since the
    child hashed it): the run reads the file as it is now, and stores it under its own hash, not the child's."""
    data = shutil.copytree(DEMO, tmp_path / "data")
    path = data / "returns" / "PRV1" / CHANGED
    before, mtime = content(path)
    book = openpyxl.load_workbook(path)
    book["Attendance"]["N5"] = "Saved again"
    book.save(path)
    now = digest(content(path)[0])
    regs = read_registers(data, Findings())
    found = []
    for name, opened in (("hashed", (digest(before), mtime, None)), ("plain", None)):
        cache, findings = ReturnsCache(tmp_path / name), Findings()
        ret = read_return(path, f"returns/PRV1/{CHANGED}", regs, findings, _by_fold(regs), (), cache, opened)
        assert cache.digests() == {now}
        cache.finish()
        cache.close()
        found.append((ret.rows, ret.incidents, ret.saved, list(findings)))
    assert found[0] == found[1] and found[0][0]


# --- a cold run: the child opens returns from the last backwards while the registers are read ---------------------

@pytest.fixture(scope="module")
def cold_without_child(tmp_path_factory):
    """The demo school's cold run with no child: its outputs and its cache's entries."""
    from tests.test_cache import entries

    base = tmp_path_factory.mktemp("cold")
    data = shutil.copytree(DEMO, base / "data")
    run_week(data, base / "out", DEMO_WEEK)
    return outputs(base / "out" / WEEK), entries(base / "out" / ".cache" / FILENAME)


@pytest.fixture
def cold_child(early_on):
    """A cold run's child, and prefetch's workers for the first 10 returns, on a machine of any number of cores."""
    from tests.test_prefetch import pool_for

    return pool_for(early_on, 10)


def _opened_by_child(monkeypatch) -> list:
    """The files the child opens, as it tells them (through a pipe of the test's own: the child has no other way)."""
    import pickle

    read_end, write_end = os.pipe()
    real = early_module._opened_until_stopped

    def telling(paths, stop):
        found = real(paths, stop)
        os.write(write_end, pickle.dumps(sorted(Path(p).name for p in found)))
        return found
    monkeypatch.setattr(early_module, "_opened_until_stopped", telling)

    def told():
        os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        return pickle.loads(data) if data else []
    return told


@linux_only
def test_a_cold_runs_child_opens_the_last_returns_and_the_run_writes_and_stores_the_same(tmp_path, cold_child,
                                                                                        cold_without_child):
    from tests.test_cache import entries

    data = shutil.copytree(DEMO, tmp_path / "data")
    started, told, parses = _started(cold_child), _opened_by_child(cold_child), Parses(cold_child)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert len(started) == 1 and started[0].pid is None           # forked, and reaped
    opened = told()
    every = [Path(p).name for p, _ in started[0].listed]
    assert opened and set(opened) <= set(every[10:])               # never one of the first ten: prefetch's
    assert not set(opened) & set(parses.files)                     # the run opened none of the child's itself
    assert (outputs(tmp_path / "out" / WEEK), entries(tmp_path / "out" / ".cache" / FILENAME)) == \
        cold_without_child


@linux_only
def test_a_cold_runs_child_stops_when_told_and_the_rest_are_opened_by_the_workers(tmp_path, cold_child,
                                                                                   cold_without_child):
    """The child opens one file a second here: told to stop when the run reaches its returns, it sends the few it
    has opened (not all 31 it could), and the run goes on at once."""
    from pipeline.read import prefetch as prefetch_module

    data = shutil.copytree(DEMO, tmp_path / "data")
    real, real_until = prefetch_module._one, early_module._opened_until_stopped

    def slowly(paths, stop):          # in the child only: prefetch's workers open files as fast as ever
        prefetch_module._one = lambda path: time.sleep(1) or real(path)
        return real_until(paths, stop)
    cold_child.setattr(early_module, "_opened_until_stopped", slowly)
    told = _opened_by_child(cold_child)
    begun = time.monotonic()
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert time.monotonic() - begun < 20
    assert len(told()) < 10
    assert outputs(tmp_path / "out" / WEEK) == cold_without_child[0]


@linux_only
def test_a_cold_runs_child_that_dies_leaves_its_files_to_the_workers_and_the_run(tmp_path, cold_child,
                                                                                  cold_without_child):
    data = shutil.copytree(DEMO, tmp_path / "data")
    cold_child.setattr(early_module, "_opened_until_stopped", lambda *args: os.kill(os.getpid(), signal.SIGKILL))
    started = _started(cold_child)
    run_week(data, tmp_path / "out", DEMO_WEEK)
    assert started[0].opened() == set()
    assert outputs(tmp_path / "out" / WEEK) == cold_without_child[0]
