"""Files written in a child process beside the run, while the run writes its other outputs: the weekly
workbook in one child and the page in another (pipeline.run.reports_written) while the run writes summary.json,
the annotated copies, the letters and next week's returns.

The child is forked from the run, so it has the run's facts as they are: nothing is copied or pickled (pickling an
L school's facts and reading them back costs more than writing the workbook). Only on Linux, with two cores or
more, and never in a process that is itself a worker (a trust run's school: the trust run already keeps every
core busy). Elsewhere, on Windows (which cannot fork) and macOS (where a forked child may hang in the system's
libraries), the run writes the files itself, at once, before its other outputs: the same bytes either way.

The child shares the run's memory only until one of them touches an object (Python counts every reference in
the object itself, so the page holding it is copied): the run and a child writing a 100,000-placement school's
workbook and page held 1.8 GB together (proportional set size) against 1.1 GB with no child, where at 20,000
placements they held the same with or without (0.32 GB). So the caller says when its data is too large to share.

A child that fails or dies leaves the files to `finish`, which writes them in the run, so a full disk or a file
open in Excel is raised there, with the run's own message. A run that stops before `finish` (an error, Ctrl+C)
stops the child. Either way what the child left half-written is removed (pipeline.output: atomic_path's
temporary files, temporary_folder's folders). A run killed outright takes its children with it (`fork`), and
the next run removes what they left. The child never prints: the run says what went wrong.
"""
from __future__ import annotations

import functools
import os
import signal
import sys
from pathlib import Path
from typing import Callable

from .heap import freeze


def forks() -> bool:
    """Whether this process writes beside itself in a forked child (see the module's note)."""
    from .pool import pool_size

    return sys.platform.startswith("linux") and hasattr(os, "fork") and pool_size(2) > 1


class Beside:
    """`fn(*args)`, which writes the files `paths`, done in a child process while the run goes on (or, where there is
    none, in the run when it is made)."""

    def __init__(self, fn: Callable, args: tuple, paths: list[Path], fork: bool = True):
        """Begin: in a child, or (`fork=False`, or where the system has none) here and now, while the run's memory
        is lowest (and raise what writing raises). `fork=False`: the caller's data is too large to share (see the
        module's note)."""
        self.fn, self.args, self.paths = fn, args, [Path(p) for p in paths]
        self.pid: int | None = None
        if fork and forks():
            self.pid = _fork(fn, args)
        if self.pid is None:
            fn(*args)

    def finish(self) -> None:
        """Wait for the child, if any; when it did not write every file, write them here (and raise what writing
        them raises)."""
        pid, self.pid = self.pid, None
        if pid is None or exit_code(pid) == 0:
            return
        _remove_temporaries(self.paths)
        self.fn(*self.args)

    def stop(self) -> None:
        """Stop the child, if any, and remove what it was writing (the run stops before `finish`)."""
        pid, self.pid = self.pid, None
        if pid is None:
            return
        stop(pid)
        _remove_temporaries(self.paths)


def _fork(fn: Callable, args: tuple) -> int | None:
    """The child's process ID, or None when no child could be started (then the run writes the files at once)."""
    pid = fork()
    if pid != 0:
        return pid
    code = 1                          # the child: the run's own exceptions and exit handlers are not its to run
    try:
        fn(*args)
        code = 0
    except BaseException:  # noqa: BLE001 - the run writes the file itself and says what is wrong
        pass
    finally:
        os._exit(code)


def fork() -> int | None:
    """os.fork() for a child that works beside the run: the child's ID in the run, 0 in the child, None when no
    child could be started (no memory or no process slot left). What is buffered for the console is written
    first (else both would write it). The child is killed when the run is (Linux's PR_SET_PDEATHSIG), so that a
    run killed outright (out of memory, the scheduler's time limit, kill -9) leaves no child writing on after it;
    where the system cannot say so, the child goes on to finish its files, whole."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    parent, prctl = os.getpid(), _prctl()
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        # What the child has of the run is the run's: its collector is not to walk it (the weekly page's child spent
        # 0.05 s doing so at L, and each walk copies the pages it touches from the run's memory)
        freeze()
        if prctl is not None:
            prctl(1, signal.SIGKILL, 0, 0, 0)       # 1: PR_SET_PDEATHSIG
            if os.getppid() != parent:              # the run was killed before the line above
                os._exit(1)
    return pid


def stop(pid: int) -> None:
    """Kill the child `pid` (forked by `fork`) if it is still running, and reap it."""
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass      # it had ended already
    exit_code(pid)


@functools.cache
def _prctl():
    """libc's prctl, or None where there is none (looked up in the run, once, before it forks)."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def exit_code(pid: int) -> int | None:
    """The child's exit code once it has ended (None when killed by a signal, or already reaped)."""
    while True:
        try:
            _, status = os.waitpid(pid, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            return None
        return os.WEXITSTATUS(status) if os.WIFEXITED(status) else None


def _remove_temporaries(paths: list[Path]) -> None:
    from .output import remove_temporaries

    try:
        remove_temporaries(paths)
    except OSError:
        pass      # the run goes on; the files themselves are written again by finish
