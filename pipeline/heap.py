"""Python's cyclic garbage collector kept off the run's own long-lived objects: while the modules are imported
(imports_uncollected), while the registers and returns are read and the facts worked out (collector_paused),
while the writers write (facts_frozen, @writer), and in a forked child (pipeline.beside.fork freezes what it has of
the run). Reference counting frees them as usual.

Writers leave the run's facts out of Python's cyclic garbage collection while they write.

By the time the reports are written, the run holds its facts: at L (2,000 placements) several hundred
thousand objects. A writer makes as many again (xlsxwriter keeps a record per cell, Jinja a string per piece
of the page), and Python's collector, counting them, walks the whole heap again and again: a third of the
weekly workbook's time and half the page's. `facts_frozen` moves the objects that exist when a writer starts
out of the collector's sight (gc.freeze) and gives them back when it ends (gc.unfreeze): what the writer
itself leaves as cyclic garbage is still collected as usual.
"""
from __future__ import annotations

import contextlib
import functools
import gc


_frozen = False     # what the process holds was frozen here (a pause, the imports, a forked child: freeze)


def freeze() -> None:
    """Every object the process holds set aside from the collector (gc.freeze), and this module told so."""
    global _frozen
    gc.freeze()
    _frozen = True


def give_back() -> None:
    """Every frozen object given back to the collector (gc.unfreeze), and this module told so."""
    global _frozen
    gc.unfreeze()
    _frozen = False


def _managed_elsewhere() -> bool:
    """Whether objects are frozen (here, or by something else) or the collector is off: then it is left as it is.
    What this module froze it knows without asking gc.get_freeze_count(), which walks every frozen object (at L a
    million of them: 15-30 ms in each writer, the run's and its children's). A gc.unfreeze() made elsewhere is not
    seen: the writers then leave the collector as it is, as with anything frozen (slower, never wrong)."""
    return _frozen or not gc.isenabled() or bool(gc.get_freeze_count())


@contextlib.contextmanager
def facts_frozen():
    """While the body runs, the collector ignores the objects that existed before it. Nested, or when something
    else has frozen objects or switched the collector off, it leaves things as they are."""
    if _managed_elsewhere():
        yield
        return
    freeze()
    try:
        yield
    finally:
        give_back()


def writer(fn):
    """Decorate a writer: it runs inside facts_frozen()."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with facts_frozen():
            return fn(*args, **kwargs)
    return wrapped


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while the registers and returns are read and the facts worked out from them,
    and what the body made set aside from the collector (gc.freeze) until the next pause. Reading makes a few
    hundred thousand small objects (rows, marks, sources) that hold no cycles and live until the run ends; each
    full sweep of the collector would walk them all again in every later step of the run (measured on a warm run
    of 5,937 returns: about 0.7 s of 7 s of CPU). Frozen objects are still freed by reference counting as usual.

    No collection is made before the freeze: at L it walked every object reading had made (0.1 s of a cold run,
    0.06 s of a warm one) and found no garbage at all in the registers or the returns, and 29 objects in the
    facts. What garbage with cycles a pause leaves (an exception's frame, say) is frozen with the rest: a few dozen
    objects a run, kept until the process ends or, in a process that runs on (a worker of a trust run, the tests),
    until a collection after the next pause has given everything frozen back (gc.unfreeze, as each pause begins)."""
    was = gc.isenabled()
    give_back()
    gc.disable()
    try:
        yield
    finally:
        freeze()
        if was:
            gc.enable()


@contextlib.contextmanager
def imports_uncollected():
    """The collector off while the body imports the program's modules (numpy, Jinja, xlsxwriter: some hundred
    thousand objects, every one of them kept), then what exists frozen out of its sight (gc.freeze) and the
    collector as it was. With it on, its sweeps over the new modules' objects were a ninth of the imports' time
    (0.06 of 0.5 s, when pandas was among them), in every run. Where the collector is off already, or objects are frozen, the body just runs."""
    if _managed_elsewhere():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        freeze()
        gc.enable()
