"""Work spread over the machine's cores in worker processes: the trust run's schools (pipeline.trust.run),
a cold run's returns (pipeline.read.prefetch), many pre-filled returns (pipeline.delivery.prepare).

Each use gives a function and a list of items and takes the results back in the items' order, as soon as each
is known. A worker that dies (killed, out of memory) breaks the pool: every item not finished is then given
to the caller's `fallback` (run again in a process of its own, or in the run's own process), so a dead worker
never loses an item. `start_method` is how workers start: 'spawn' as on Windows (a new interpreter that
imports the pipeline afresh), 'fork'; by default the system's own.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, Iterable, Iterator

WINDOWS_MAX_WORKERS = 61     # ProcessPoolExecutor refuses more on Windows; no school office has that many cores


def cores() -> int:
    """The cores this process may use (fewer than the machine's when it is limited to some)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):      # Windows, macOS
        return max(1, os.cpu_count() or 1)


def pool_size(limit: int) -> int:
    """How many workers a pool of this process may have, at most `limit`: 1 (no pool) in a process that is
    itself a worker (a trust run's school: the trust run already keeps every core busy)."""
    # A worker has multiprocessing loaded (it started the worker, or the worker inherited it); a process without
    # it is none, and is spared importing it (10 ms of every run).
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is not None and multiprocessing.parent_process() is not None:
        return 1
    return min(cores(), limit)


def process_pool(workers: int, start_method: str | None = None):
    """A ProcessPoolExecutor of `workers` processes started by `start_method`."""
    import concurrent.futures as cf
    import multiprocessing

    return cf.ProcessPoolExecutor(max_workers=max(1, min(workers, WINDOWS_MAX_WORKERS)),
                                  mp_context=multiprocessing.get_context(start_method))


def in_order(pool, fn: Callable, items: Iterable, fallback: Callable, errors: tuple | None = None) -> Iterator:
    """fn(item) of each item, computed in `pool`, in the items' order; fallback(item) for an item whose
    worker died (the pool is then broken: so is every item after it) or that raised one of `errors`
    (default: only a broken pool; an error fn raises is raised here)."""
    import concurrent.futures as cf

    errors = errors or (cf.process.BrokenProcessPool,)
    items = list(items)
    futures = []
    for item in items:
        try:
            futures.append(pool.submit(fn, item))
        except (cf.process.BrokenProcessPool, RuntimeError):    # broken, or shut down, already
            futures.append(None)
    try:
        for item, future in zip(items, futures):
            if future is None:
                yield fallback(item)
                continue
            try:
                result = future.result()
            except errors:
                result = fallback(item)
            yield result
    finally:            # stopped early (the caller's error): the items not started are not worked on
        for future in futures:
            if future is not None:
                future.cancel()
