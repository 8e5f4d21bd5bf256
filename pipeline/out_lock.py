"""One run at a time per output folder (contract §8): a lock file OUT/.lock held while a run writes and sends.

    with out_lock(out_dir):          # waits up to `wait` seconds for another run, then RunError (exit 2)
        ...write the reports, send the e-mails...

POSIX uses fcntl.flock, Windows msvcrt.locking; both are let go by the system when the process ends, however
it ends, so a crashed or killed run never leaves the folder locked. The lock file is removed when the run is
done, and so is OUT itself when this run created it and nothing else was written there (a run that could not
be done leaves no trace)."""
from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path

from .errors import RunError

LOCK_NAME = ".lock"
WAIT_SECONDS = 600.0        # how long a second run waits for the first before giving up (exit 2)
POLL_SECONDS = 0.2

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _missing_folders(folder: Path) -> list[Path]:
    """`folder` and those of its parents that do not exist yet, deepest first."""
    missing = []
    for path in (folder, *folder.parents):
        if path.exists() or path.is_symlink():
            break
        missing.append(path)
    return missing


def _cannot_lock(out_dir: Path, exc: OSError) -> RunError:
    if out_dir.exists() and not out_dir.is_dir():
        return RunError(f"Cannot write reports to {out_dir}: it is a file, not a folder. Choose a folder with --out.")
    return RunError(f"Cannot write reports to {out_dir}: the folder cannot be made or written ({exc.strerror or exc}). "
                    "Choose another folder with --out.")


def _open_locked(out_dir: Path, wait: float, notice) -> int:
    """An open descriptor of OUT/.lock holding the lock; RunError when it cannot be had within `wait` seconds."""
    path = out_dir / LOCK_NAME
    deadline = time.monotonic() + wait
    told, misses = False, 0
    while True:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except FileNotFoundError as exc:   # the run before removed the folder it had made, just now
            misses += 1
            if misses > 20:
                raise _cannot_lock(out_dir, exc) from None
            continue
        except OSError as exc:
            raise _cannot_lock(out_dir, exc) from None
        if _try_lock(fd):
            if _still_the_lock_file(fd, path):
                return fd
            _unlock(fd)          # the run before removed the file as it finished: lock the new one
            os.close(fd)
            continue
        os.close(fd)
        if time.monotonic() >= deadline:
            raise RunError(f"Another run is still writing to {out_dir}. Wait for it to finish, then run again "
                           "(or choose another folder with --out).")
        if not told and notice is not None:
            notice(f"Another run is writing to {out_dir}; waiting for it to finish.")
            told = True
        time.sleep(POLL_SECONDS)


def _still_the_lock_file(fd: int, path: Path) -> bool:
    if sys.platform == "win32":  # pragma: no cover - an open file cannot be removed on Windows
        return True
    try:
        now, held = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)


@contextlib.contextmanager
def out_lock(out_dir: Path, wait: float = WAIT_SECONDS, notice=None):
    """Hold OUT/.lock for the body. `notice(line)` is called once if another run holds it and this one waits."""
    out_dir = Path(out_dir)
    created = _missing_folders(out_dir)
    fd = _open_locked(out_dir, wait, notice)
    try:
        yield out_dir / LOCK_NAME
    finally:
        _release(fd, out_dir / LOCK_NAME, created)


def _release(fd: int, path: Path, created: list[Path]) -> None:
    if sys.platform == "win32":  # pragma: no cover - remove only once closed; fails harmlessly if another waits
        _unlock(fd)
        os.close(fd)
        with contextlib.suppress(OSError):
            os.remove(path)
    else:                        # remove while still holding it: a waiter then sees the file is gone and retries
        with contextlib.suppress(OSError):
            os.remove(path)
    for folder in created:       # only folders this run made, and only if they are empty
        try:
            os.rmdir(folder)
        except OSError:
            break
    if sys.platform != "win32":
        _unlock(fd)
        os.close(fd)
