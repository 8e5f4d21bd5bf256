"""Writing outputs safely: to a temporary name in the same folder, then renamed."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from pathlib import Path

XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True,
                "in_memory": True}   # no temporary files: faster, and nothing left behind if a run is killed


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside `path`; on success it replaces `path` in one rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def pinned_datetime(day: dt.date) -> dt.datetime:
    """The fixed 'created' time written into workbooks, so reruns are byte-identical."""
    return dt.datetime(day.year, day.month, day.day, 0, 0, 0)


class UnsafeOutputPath(ValueError):
    """A file name part that would leave the output folder: a bug, since identifiers are checked on reading."""


def output_path(root: Path, *parts: str) -> Path:
    """The one way to name a file a run writes: `root` joined with `parts`, each a plain file-name part.

    Raises UnsafeOutputPath when a part is empty, '.', '..', absolute, holds a path separator or a control
    character, or when the result would not be inside `root` (contract §12). Identifiers are checked where
    the registers are read, so this raising means a bug, never bad input."""
    root = Path(root)
    path = root
    for part in parts:
        text = str(part)
        if (not text or text in (".", "..") or "/" in text or "\\" in text or ":" in text
                or any(ord(ch) < 32 or ord(ch) == 127 for ch in text)):
            raise UnsafeOutputPath(f"{text!r} is not a safe file name part")
        path = path / text
    resolved_root = root.resolve()
    resolved = path.resolve()
    if resolved != resolved_root and resolved_root not in resolved.parents:
        raise UnsafeOutputPath(f"{path} is not inside {root}")
    return path
