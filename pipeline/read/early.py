"""A run's returns hashed or opened in a child while the run reads the registers: a warm run's all hashed and
its few new ones opened; a cold run's opened from the last backwards (below).

A warm run finds each return's checked result in the cache by the file's content hash (pipeline.read.cache), so
it reads and hashes every file (at L, 5,639 of them: 0.08 s) and opens the week's new ones itself (150 at L, the
guard and calamine: about 0.1 s), all on one core, while the machine's other core waits. So, when the cache
already holds returns and there are many files (MIN_FILES), the run forks a child as soon as it has listed
returns/ (core.compute_facts), before it reads the registers: the child hashes every file and opens those whose
content the cache does not hold (prefetch.snapshot_of), up to MAX_OPENED of them (more are a cold run's:
pipeline.read.prefetch's workers open them, knowing the hashes), and sends back each file's (digest,
modification time, snapshot or None) through a pipe: every hash as soon as it has them, then the new files'
snapshots. The run takes them when it reads the returns (read_returns), checking the unchanged files first and
the ones still being opened last: the files as they were a moment before, as a prefetch worker's are; a file
whose grids the cache turns out not to hold after all is read again in the run.

Only where the run forks its children (pipeline.beside.forks: Linux, two cores, not a trust run's school). A
child that fails, dies or sends nothing usable leaves every file to the run, which reads them as it always did;
a run that stops first stops the child, and a run killed outright takes it with it (beside.fork). The child never
prints, and never touches the cache: the stored hashes it needs are read before it starts.

A cold run's child (the cache holds no returns yet, and there are MIN_FILES or more) opens returns instead, from
the last file listed backwards, each as a prefetch worker does (prefetch._one), while the run reads the registers
on the other core: until the run reaches its returns and tells it to stop (a byte on a second pipe, looked at
between files). It then sends what it has opened, and prefetch's workers open the rest from the first file on:
the run takes the files in order, so the child's are wanted last. At L it opens about a thousand of 5,789
returns in what was idle time.
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
    pipe `fd`; take(path) is what it read of the file. `stop_fd`: a cold run's child (see the module's note) is
    told to stop by a byte written there.

    The child sends what it found in two parts (see _hashed): every file's hash first, then what it opened of the
    new ones. The run takes the first when it begins reading the returns and the second when it first wants a file
    still being opened (`later`): it reads those after the others, so that it checks the unchanged returns while
    the child opens the new ones, instead of waiting for both (at L, 0.07-0.13 s of a warm run)."""

    def __init__(self, listed: list[tuple[Path, str]], pid: int | None = None, fd: int | None = None,
                 stop_fd: int | None = None):
        self.listed, self.pid, self.fd, self.stop_fd = listed, pid, fd, stop_fd
        self._got: dict[str, tuple] | None = None if pid is not None else {}
        self._opening: set[str] = set()      # the files whose snapshots the child has still to send
        self._pipe = None

    def _stop_opening(self) -> None:
        """Tell a cold run's child to send what it has opened now."""
        if self.stop_fd is not None:
            try:
                os.write(self.stop_fd, b"s")
            except OSError:
                pass      # it has ended already
            os.close(self.stop_fd)
            self.stop_fd = None

    def _results(self) -> dict[str, tuple]:
        """What the child sent first: (digest, modification time, snapshot or None) of each file it read."""
        if self._got is None:
            self._stop_opening()
            got, opening = {}, set()
            try:
                self._pipe, self.fd = os.fdopen(self.fd, "rb"), None
                loaded = pickle.load(self._pipe)      # the run's own child: a pipe nothing else can write to
                if type(loaded) is tuple and len(loaded) == 2 and type(loaded[0]) is dict:
                    got, opening = loaded[0], set(loaded[1])
            except Exception:  # noqa: BLE001 - a child that died or sent nothing usable: the run reads every file
                got, opening = {}, set()
            self._got, self._opening = got, opening
            if not opening:
                self._end()
        return self._got

    def _snapshots(self) -> None:
        """What the child sends last: its snapshots of the files in `_opening` (a file it could not open, or every
        file when it died, stays only hashed: the run opens it)."""
        opening, self._opening = self._opening, set()
        try:
            loaded = pickle.load(self._pipe)
            if type(loaded) is dict:
                self._got.update((path, loaded[path]) for path in opening if path in loaded)
        except Exception:  # noqa: BLE001 - as in _results
            pass
        self._end()

    def _end(self) -> None:
        """Close the pipe and reap the child, which has sent everything."""
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            beside.exit_code(pid)

    def take(self, path: Path) -> tuple | None:
        """(content digest, modification time, snapshot or None) of the file as the child read it; None when it
        did not (the run reads it itself)."""
        key = str(path)
        found = self._results().get(key)
        if key in self._opening:
            self._snapshots()
            found = self._got.get(key)
        return found

    def later(self, path: Path) -> bool:
        """Whether the child is still opening the file (the run reads it after the others)."""
        self._results()
        return str(path) in self._opening

    def digests(self) -> dict[str, str]:
        """Each file's content digest, by str(path), as the child hashed it."""
        return {path: found[0] for path, found in self._results().items()}

    def opened(self) -> set[str]:
        """The files, by str(path), that the child opened (not only hashed), or is opening."""
        return {path for path, found in self._results().items() if found[2] is not None} | self._opening

    def close(self) -> None:
        """Stop the child if it is still running (the run stopped first) and reap it."""
        if self.stop_fd is not None:
            os.close(self.stop_fd)
            self.stop_fd = None
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self.pid is not None:
            pid, self.pid = self.pid, None
            beside.stop(pid)
        if self._got is None:
            self._got = {}
        self._opening = set()


def start(data_dir: Path, cache=None) -> Early:
    """The returns of `data_dir` listed, and hashed or opened in a child when that pays (see the module's note)."""
    from .returns import listed_returns

    listed = listed_returns(data_dir)
    if cache is None or not cache.enabled or len(listed) < MIN_FILES or not beside.forks():
        return Early(listed)
    stored = cache.digests()
    read_end, write_end = os.pipe()
    stop_read, stop_write = os.pipe() if not stored else (None, None)
    pid = beside.fork()
    if pid is None:
        for fd in (read_end, write_end, stop_read, stop_write):
            if fd is not None:
                os.close(fd)
        return Early(listed)
    if pid:
        os.close(write_end)
        if stop_read is not None:
            os.close(stop_read)
        return Early(listed, pid, read_end, stop_write)
    code = 1                        # the child: the run's exceptions and exit handlers are not its to run
    try:
        os.close(read_end)
        if stop_write is not None:
            os.close(stop_write)
        paths = [path for path, _ in listed]
        with os.fdopen(write_end, "wb") as pipe:
            if stored:
                _hashed(paths, stored, pipe)
            else:
                pickle.dump((_opened_until_stopped(paths, stop_read), []), pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    except BaseException:  # noqa: BLE001 - the run reads every file itself
        pass
    finally:
        os._exit(code)


def _opened_until_stopped(paths: list[Path], stop: int) -> dict[str, tuple]:
    """str(path) -> (digest, modification time, snapshot) of the files opened, from the last backwards, until a
    byte can be read from the file descriptor `stop` (or every file but the first prefetch.MIN_FILES is opened)."""
    import gc
    import select

    from .prefetch import MIN_FILES as POOLED, _one

    gc.disable()                    # nothing made here outlives the child
    out = {}
    for path in reversed(paths[POOLED:]):      # at least prefetch's share is left, so that its workers still start
        if select.select([stop], [], [], 0)[0]:
            break
        found = _one(path)
        if found is not None:
            out[str(path)] = found
    return out


def _hashed(paths: list[Path], stored: set[str], pipe) -> None:
    """Send through `pipe` str(path) -> (digest, modification time, None) of each file that could be read, with
    the list of the files whose content is not `stored` that it opens next (all of them, when there are at most
    MAX_OPENED; else none); then str(path) -> (digest, modification time, snapshot) of each of those it could open."""
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
    new = new if len(new) <= MAX_OPENED else []
    pickle.dump((out, [str(path) for path, *_ in new]), pipe, protocol=pickle.HIGHEST_PROTOCOL)
    if not new:
        return
    pipe.flush()                    # the run checks the unchanged returns while the new ones are opened here
    opened = {}
    for path, data, key, mtime in new:
        snapshot = snapshot_of(path, data)
        if snapshot is not None:
            opened[str(path)] = (key, mtime, snapshot)
    pickle.dump(opened, pipe, protocol=pickle.HIGHEST_PROTOCOL)
