"""A cold run's returns opened on the machine's other cores while the run checks them (issue 18).

On a cold run every return is opened (the reader guard, then calamine) and its sheets read: about 1.5 ms a
file, independent of every other file, and most of what reading the returns costs. When many returns are
not in the cache, worker processes (pipeline.pool) open them and send back what return_from_book uses
(returns._snapshot: sheet names, grids, saved time, formula cells), in the files' order, while the run
checks each against the registers as before: the findings, the cache and every output are those of reading
them one by one. A file a worker does not snapshot (encrypted, unreadable, read in a child process, or its
worker died) is read in the run's own process, as it always was; passwords never go to a worker.

A few hundred returns are read faster than workers start: a school's run never uses the pool (MIN_FILES).
"""
from __future__ import annotations

from pathlib import Path

from ..pool import in_order, pool_size, process_pool

MIN_FILES = 1000       # returns to open before workers pay for themselves (measured: see the report of issue 18)
MAX_WORKERS = 4
CHUNK = 24             # files a worker opens per task: fewer tasks to send, and the first ones back soon
START_METHOD = None    # how workers start ('spawn' as on Windows, 'fork'); None: the system's own


class Prefetch:
    """What the workers read of each file, taken in the files' order: take(path) is (content digest, modification
    time, snapshot) or None when the run must open the file itself."""

    def __init__(self, files: list[Path], pool=None):
        self._want = {str(p) for p in files}
        self._pool = pool
        chunks = [[str(p) for p in files[i:i + CHUNK]] for i in range(0, len(files), CHUNK)]
        self._results = in_order(pool, snapshots, chunks, lambda chunk: [None] * len(chunk),
                                 errors=(Exception,)) if pool is not None and chunks else iter(())
        self._ready: dict[str, tuple | None] = {}
        self._chunks = iter(chunks)

    def take(self, path: Path) -> tuple | None:
        key = str(path)
        if key not in self._want:
            return None
        while key not in self._ready:
            chunk = next(self._chunks, None)
            if chunk is None:
                return None
            try:
                got = next(self._results)
            except StopIteration:
                got = [None] * len(chunk)
            self._ready.update(zip(chunk, got))
        self._want.discard(key)
        return self._ready.pop(key)

    def close(self) -> None:
        if self._pool is not None:
            self._results.close()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def prefetch(files: list[Path], cache=None, known: dict[str, str] | None = None) -> Prefetch:
    """Workers opening the returns among `files` that the cache does not hold, when there are enough of them
    and more than one core; else a Prefetch that has nothing (every file is opened by the run). `known`: each
    file's content digest (by str(path)) where another process hashed it already (pipeline.read.early)."""
    workers = pool_size(MAX_WORKERS)
    if workers < 2 or len(files) < MIN_FILES:
        return Prefetch([])
    todo = files
    if cache is not None and cache.enabled:
        stored = cache.digests()
        if len(files) - len(stored) < MIN_FILES:     # a warm run: at most a few new files (none hashed here)
            return Prefetch([])
        if stored:
            digest_of = (lambda p: known.get(str(p))) if known else _digest
            todo = [p for p in files if digest_of(p) not in stored]
        if len(todo) < MIN_FILES:
            return Prefetch([])
    from . import returns as _returns  # noqa: F401  imported before the pool starts: forked workers inherit it
    return Prefetch(todo, process_pool(min(workers, -(-len(todo) // CHUNK)), START_METHOD))


def _digest(path: Path) -> str | None:
    from .cache import digest
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def snapshots(paths: list[str]) -> list[tuple | None]:
    """(content digest, modification time, snapshot) of each file, in a worker; None for a file left to the run's
    own process."""
    import gc

    was = gc.isenabled()
    gc.disable()        # what is made here is freed as soon as it is sent: no cycles to look for
    try:
        return [_one(Path(p)) for p in paths]
    finally:
        if was:
            gc.enable()


def _one(path: Path) -> tuple | None:
    from .cache import content, digest

    try:
        data, mtime = content(path)
    except OSError:
        return None
    snapshot = snapshot_of(path, data)
    return None if snapshot is None else (digest(data), mtime, snapshot)


def snapshot_of(path: Path, data: bytes) -> tuple | None:
    """returns._snapshot of the workbook `data` (the bytes of `path`), or None when the run is to open it itself:
    encrypted, unreadable, or anything that went wrong."""
    from .returns import _snapshot
    from .workbook import Book, open_workbook

    try:
        book = open_workbook(path, (), data)
        if not isinstance(book, Book) or book.encrypted:
            return None
        return _snapshot(book)
    except Exception:  # noqa: BLE001 - whatever went wrong, the run's own process reads the file as before
        return None
