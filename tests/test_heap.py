"""Writers leave the run's facts out of the cyclic garbage collector's walks while they write (pipeline/heap.py)."""
from __future__ import annotations

import gc

import pytest

from pipeline import heap


@pytest.fixture(autouse=True)
def nothing_frozen():
    """Start as a fresh process does: a run read earlier in this process leaves its objects frozen (the reader's
    collector_paused keeps them so until the next read)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


class Cycle:
    def __init__(self):
        self.me = self


def test_objects_made_before_are_frozen_while_the_body_runs_and_given_back_after():
    assert gc.get_freeze_count() == 0
    before = [Cycle() for _ in range(100)]
    with heap.facts_frozen():
        assert gc.get_freeze_count() >= len(before)
    assert gc.get_freeze_count() == 0


def test_garbage_the_body_makes_is_still_collected():
    collected = []
    with heap.facts_frozen():
        gc.callbacks.append(lambda phase, info: collected.append(info.get("collected", 0)) if phase == "stop" else None)
        try:
            for _ in range(100):
                Cycle()
            gc.collect()
        finally:
            gc.callbacks.pop()
    assert sum(collected) >= 100


def test_nested_or_already_frozen_it_leaves_things_as_they_are():
    with heap.facts_frozen():
        outer = gc.get_freeze_count()
        with heap.facts_frozen():
            assert gc.get_freeze_count() == outer
        assert gc.get_freeze_count() == outer      # the inner one did not give the outer's objects back
    assert gc.get_freeze_count() == 0
    gc.disable()
    try:
        with heap.facts_frozen():
            assert gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_each_writer_runs_with_the_facts_frozen():
    from pipeline import annotate
    from pipeline.delivery import prepare
    from pipeline.render import html_report, xlsx_report

    wrapper = heap.writer(lambda: None).__code__
    for fn in (xlsx_report.write_xlsx_report, html_report.write_html_report, annotate.write_annotated,
               prepare.write_deliveries):
        assert fn.__code__ is wrapper and callable(fn.__wrapped__), fn.__name__


def test_the_reader_pause_collects_then_freezes_what_is_left_and_the_next_read_gives_it_back():
    kept = [Cycle() for _ in range(50)]
    generations = []

    def seen(phase, info):
        if phase == "start":
            generations.append(info["generation"])
    gc.collect()          # no automatic collection due before the pause begins (it would be counted here)
    gc.callbacks.append(seen)
    try:
        with heap.collector_paused():
            assert not gc.isenabled()
            for _ in range(50):
                Cycle()                               # garbage made while reading
    finally:
        gc.callbacks.remove(seen)
    assert generations == [0]                         # what reading made, not the older objects again
    assert gc.isenabled() and gc.get_freeze_count() >= len(kept)
    frozen = gc.get_freeze_count()
    with heap.collector_paused():
        assert gc.get_freeze_count() == 0             # given back before the next read
    assert 0 < gc.get_freeze_count() <= frozen + 10    # the 50 cycles were collected, not frozen


def test_the_registers_are_read_with_the_collector_paused_and_left_frozen(tmp_path):
    """Reading the registers makes a record per row (28,000 at L) that lives as long as the run: with the
    collector on, its full sweeps over them doubled the time to load the kept registers of L (0.10 -> 0.2 s)."""
    from pipeline.findings import Findings
    from pipeline.read import registers as registers_module
    from tests.test_cache import DEMO

    collector_on_while_reading = []
    real = registers_module._registers_of_folder

    def watched(*args):
        collector_on_while_reading.append(gc.isenabled())
        return real(*args)

    registers_module._registers_of_folder = watched
    try:
        regs = registers_module.read_registers(DEMO, Findings())
    finally:
        registers_module._registers_of_folder = real
    assert collector_on_while_reading == [False]
    assert gc.isenabled() and len(regs.placements) > 0
    assert gc.get_freeze_count() > 0                 # the records are out of the collector's sight from now on
