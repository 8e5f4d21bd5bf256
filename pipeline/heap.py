"""Python's cyclic garbage collector kept off the run's own long-lived objects: while the returns are read
(collector_paused) and while the writers write (facts_frozen, @writer). Reference counting frees them as usual.

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


@contextlib.contextmanager
def facts_frozen():
    """While the body runs, the collector ignores the objects that existed before it. Nested, or when something
    else has frozen objects or switched the collector off, it leaves things as they are."""
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def writer(fn):
    """Decorate a writer: it runs inside facts_frozen()."""
    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        with facts_frozen():
            return fn(*args, **kwargs)
    return wrapped


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off while the returns are read, then one collection of what reading made and what
    is left set aside from the collector (gc.freeze) until the next read. Reading makes a few hundred thousand small
    objects (rows, marks, sources) that hold no cycles and live until the run ends; each full sweep of the
    collector would walk them all again in every later step of the run (measured on a warm run of 5,937
    returns: about 0.7 s of 7 s of CPU). Frozen objects are still freed by reference counting as usual; the
    collection before the freeze leaves none of reading's garbage in it (about a thousand objects at L: an
    exception's frame, say), and the next read (another school of a trust run, another test) gives what was
    frozen back to the collector first. That collection is of the youngest generation only, where everything
    made with the collector off still is: a full one walks the older objects too, to find nothing (at L 0.07 s
    against 0.14 s)."""
    was = gc.isenabled()
    gc.unfreeze()
    gc.disable()
    try:
        yield
    finally:
        gc.collect(0)
        gc.freeze()
        if was:
            gc.enable()
