"""A warm run's returns hashed, and its few new ones opened, in a child while the run reads the registers.

A warm run finds each return's checked result in the cache by the file's content hash (pipeline.read.cache), so
it reads and hashes every file (at L, 5,639 of them: 0.08 s) and opens the week's new ones itself (150 at L, the
guard and calamine: about 0.1 s), all on one core, while the machine's other core waits. So, when the cache
already holds returns and there are many files (MIN_FILES), the run forks a child as soon as it has listed
returns/ (core.compute_facts), before it reads the registers: the child hashes every file and opens those whose
content the cache does not hold (prefetch.snapshot_of), up to MAX_OPENED of them (more are a cold run's:
pipeline.read.prefetch's workers open them, knowing the hashes), and sends back each file's (digest,
modification time, snapshot or None) through a pipe. The run takes them when it reads the returns
(read_returns): the files as they were a moment before, as a prefetch worker's are; a file whose grids the cache
turns out not to hold after all is read again in the run.

Only where the run forks its children (pipeline.beside.forks: Linux, two cores, not a trust run's school). A
child that fails, dies or sends nothing usable leaves every file to the run, which reads them as it always did;
a run that stops first stops the child, and a run killed outright takes it with it (beside.fork). The child never
prints, and never touches the cache: the stored hashes it needs are read before it starts.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

from .. import beside

MIN_FILES = 1000        # returns to hash before a child pays for itself (a school's few hundred: 5 ms)
MAX_OPENED = 600        # new returns the child opens; more are left to the workers (pipeline.read.prefetch)


class Early:
    """The returns `listed` (returns.listed_returns' (path, rel) pairs), hashed by a child `pid` writing to the
    pipe `fd`; take(path) is what it read of the file."""

    def __init__(self, listed: list[tuple[Path, str]], pid: int | None = None, fd: int | None = None):
        self.listed, self.pid, self.fd = listed, pid, fd
        self._got: dict[str, tuple] | None = None if pid is not None else {}

    def _results(self) -> dict[str, tuple]:
        if self._got is None:
            got = {}
            try:
                with os.fdopen(self.fd, "rb") as pipe:
                    self.fd = None
                    loaded = pickle.load(pipe)      # the run's own child: a pipe nothing else can write to
                if type(loaded) is dict:
                    got = loaded
            except Exception:  # noqa: BLE001 - a child that died or sent nothing usable: the run reads every file
                got = {}
            pid, self.pid = self.pid, None
            beside.exit_code(pid)
            self._got = got
        return self._got

    def take(self, path: Path) -> tuple | None:
        """(content digest, modification time, snapshot or None) of the file as the child read it; None when it
        did not (the run reads it itself)."""
        return self._results().get(str(path))

    def digests(self) -> dict[str, str]:
        """Each file's content digest, by str(path), as the child hashed it."""
        return {path: found[0] for path, found in self._results().items()}

    def close(self) -> None:
        """Stop the child if it is still running (the run stopped first) and reap it."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            beside.stop(pid)
        if self._got is None:
            self._got = {}


def start(data_dir: Path, cache=None) -> Early:
    """The returns of `data_dir` listed, and hashed in a child when that pays (see the module's note)."""
    from .returns import listed_returns

    listed = listed_returns(data_dir)
    if cache is None or not cache.enabled or len(listed) < MIN_FILES or not beside.forks():
        return Early(listed)
    stored = cache.digests()
    if not stored:
        return Early(listed)        # a cold run: prefetch's workers open every file
    read_end, write_end = os.pipe()
    pid = beside.fork()
    if pid is None:
        os.close(read_end)
        os.close(write_end)
        return Early(listed)
    if pid:
        os.close(write_end)
        return Early(listed, pid, read_end)
    code = 1                        # the child: the run's exceptions and exit handlers are not its to run
    try:
        os.close(read_end)
        with os.fdopen(write_end, "wb") as pipe:
            pickle.dump(_hashed([path for path, _ in listed], stored), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    except BaseException:  # noqa: BLE001 - the run reads every file itself
        pass
    finally:
        os._exit(code)


def _hashed(paths: list[Path], stored: set[str]) -> dict[str, tuple]:
    """str(path) -> (digest, modification time, snapshot or None) of each file that could be read; the snapshot of
    each file whose content is not `stored`, when there are at most MAX_OPENED of them."""
    import gc

    from .cache import content, digest
    from .prefetch import snapshot_of

    gc.disable()                    # nothing made here outlives the child
    out, new = {}, []
    for path in paths:
        try:
            data, mtime = content(path)
        except OSError:
            continue
        key = digest(data)
        out[str(path)] = (key, mtime, None)
        if key not in stored:
            new.append((path, data, key, mtime))
    if len(new) <= MAX_OPENED:
        for path, data, key, mtime in new:
            snapshot = snapshot_of(path, data)
            if snapshot is not None:
                out[str(path)] = (key, mtime, snapshot)
    return out
