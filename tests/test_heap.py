"""Writers leave the run's facts out of the cyclic garbage collector's walks while they write (pipeline/heap.py)."""
from __future__ import annotations

import gc

import pytest

from pipeline import heap


@pytest.fixture(autouse=True)
def nothing_frozen():
    """Start as a fresh process does: a run read earlier in this process leaves its objects frozen (the reader's
    collector_paused keeps them so until the next read)."""
    heap.give_back()
    yield
    heap.give_back()


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


def test_a_writer_after_a_pause_leaves_its_objects_frozen_without_counting_them(monkeypatch):
    """gc.get_freeze_count() walks every frozen object (a million at L: 15-30 ms in each writer): what the pause
    froze is known without it, and left frozen as it was."""
    with heap.collector_paused():
        kept = [Cycle() for _ in range(100)]
    frozen = gc.get_freeze_count()
    counted = []
    real = gc.get_freeze_count
    monkeypatch.setattr(gc, "get_freeze_count", lambda: counted.append(1) or real())
    with heap.facts_frozen():
        assert not any(o is kept for o in gc.get_objects())
    assert counted == [] and real() == frozen >= len(kept)


def test_each_writer_runs_with_the_facts_frozen():
    from pipeline import annotate
    from pipeline.delivery import prepare
    from pipeline.render import html_report, xlsx_report

    wrapper = heap.writer(lambda: None).__code__
    for fn in (xlsx_report.write_xlsx_report, html_report.write_html_report, annotate.write_annotated,
               prepare.write_deliveries):
        assert fn.__code__ is wrapper and callable(fn.__wrapped__), fn.__name__


def test_the_pause_freezes_what_it_made_without_a_collection_and_the_next_pause_gives_it_back():
    """No collection walks what a pause made (at L it found nothing, for 0.1 s); garbage with cycles made in a
    pause stays frozen until the next pause gives it back, and a collection after that frees it."""
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
            made = [Cycle() for _ in range(50)]
            for _ in range(50):
                Cycle()                               # garbage made while reading
    finally:
        gc.callbacks.remove(seen)
    assert generations == []                          # no collection at all
    assert gc.isenabled() and gc.get_freeze_count() >= len(kept) + len(made) + 50
    with heap.collector_paused():
        assert gc.get_freeze_count() == 0             # given back before the next pause
    frozen = gc.get_freeze_count()
    gc.unfreeze()
    assert gc.collect() >= 50                         # the garbage of the first pause, freed once given back
    assert frozen >= len(kept) + len(made)


def collector_on_during(module, name: str, call) -> tuple[list[bool], object]:
    """Whether the collector was on each time `module.name` ran while `call()` ran, and what call() gave."""
    seen = []
    real = getattr(module, name)

    def watched(*args):
        seen.append(gc.isenabled())
        return real(*args)

    setattr(module, name, watched)
    try:
        return seen, call()
    finally:
        setattr(module, name, real)


def test_the_registers_are_read_with_the_collector_paused_and_left_frozen():
    """Reading the registers makes a record per row (28,000 at L) that lives as long as the run: with the
    collector on, its full sweeps over them doubled the time to load the kept registers of L (0.10 -> 0.2 s)."""
    from pipeline.findings import Findings
    from pipeline.read import registers as registers_module
    from tests.test_cache import DEMO

    collector_on_while_reading, regs = collector_on_during(
        registers_module, "_registers_of_folder", lambda: registers_module.read_registers(DEMO, Findings()))
    assert collector_on_while_reading == [False]
    assert gc.isenabled() and len(regs.placements) > 0
    assert not any(o is regs.placements for o in gc.get_objects())   # out of the collector's sight from now on


def test_the_facts_are_worked_out_with_the_collector_paused_and_left_frozen():
    """What work_out makes (sessions, figures, actions) lives as long as the run; the collector's sweeps over it
    were 0.09 s of a warm L run."""
    from pipeline import core
    from tests.test_cache import DEMO, DEMO_WEEK

    on_while_working, facts = collector_on_during(core, "_work_out", lambda: core.compute_facts(DEMO, DEMO_WEEK))
    assert on_while_working == [False] and gc.isenabled()
    assert gc.is_tracked(facts.pupils) and not any(o is facts.pupils for o in gc.get_objects())   # frozen


def test_imports_run_with_the_collector_off_and_what_they_made_is_frozen():
    with heap.imports_uncollected():
        assert not gc.isenabled()
        module_like = [Cycle()]                     # a module's objects: kept for good
    assert gc.isenabled() and gc.get_freeze_count() > 0
    assert gc.is_tracked(module_like) and not any(o is module_like for o in gc.get_objects())


def test_imports_with_objects_frozen_already_or_the_collector_off_leave_it_as_it_is():
    gc.freeze()
    with heap.imports_uncollected():
        assert gc.isenabled()
    gc.unfreeze()
    gc.disable()
    try:
        with heap.imports_uncollected():
            pass
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_the_command_line_imports_the_weekly_run_with_the_collector_off(tmp_path):
    """In a fresh process, numpy (and the rest of the weekly run) is imported inside imports_uncollected."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.test_cache import DEMO, DEMO_WEEK

    code = ("import contextlib, gc, sys\n"
            "from pipeline import cli, heap\n"
            "real = heap.imports_uncollected\n"
            "@contextlib.contextmanager\n"
            "def watched():\n"
            "    with real():\n"
            "        print('in', 'numpy' in sys.modules, gc.isenabled())\n"
            "        yield\n"
            "    print('out', 'numpy' in sys.modules, gc.isenabled())\n"
            "cli.imports_uncollected = watched\n"
            "cli.main(['--data', sys.argv[1], '--out', sys.argv[2], '--week', sys.argv[3]])\n")
    out = subprocess.run([sys.executable, "-c", code, str(DEMO), str(tmp_path / "out"), DEMO_WEEK.isoformat()],
                         cwd=Path(__file__).resolve().parents[1], capture_output=True, text=True).stdout
    assert [line for line in out.splitlines() if line.startswith(("in ", "out "))] == ["in False False", "out True True"]
