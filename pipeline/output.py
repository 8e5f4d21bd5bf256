"""Writing outputs safely: to a temporary name in the same folder, then renamed."""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
from itertools import islice
from pathlib import Path

XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": True,
                "in_memory": True}   # no temporary files: faster, and nothing left behind if a run is killed
_TEMPORARY = ".tmp"      # atomic_path's temporary file for NAME: .NAME.<random>.tmp beside it


@contextlib.contextmanager
def atomic_path(path: Path):
    """Yield a temporary path beside `path`; on success it replaces `path` in one rename.

    Any failure to write the file, in the body too (xlsxwriter's FileCreateError at Workbook.close() on a full
    disk or a folder that went away), comes out as an OSError whose strerror names the file, so the callers'
    `except OSError` turns it into one plain line and exit 2 (contract §8: an unwritable --out)."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMPORARY, dir=path.parent)
        os.close(fd)
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    except Exception as exc:
        error = _write_error(exc)
        if error is None:
            raise
        raise OSError(error.errno, f"{_reason(error)} when saving {path.name}", str(path)) from exc
    finally:
        if tmp is not None and os.path.exists(tmp):
            with contextlib.suppress(OSError):   # never hide the error that got us here
                os.unlink(tmp)


@contextlib.contextmanager
def temporary_folder(path: Path):
    """Yield a new empty folder beside `path` for the temporary files of writing it (the weekly workbook's rows,
    which hold pupils' names: in the reports folder, never the system's temporary folder), removed with what it
    holds when the body ends. One left by a process killed mid-write is found by remove_temporaries."""
    path = Path(path)
    folder = tempfile.mkdtemp(prefix=f".{path.name}.", suffix=_TEMPORARY, dir=path.parent)
    try:
        yield Path(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_pieces(out, pieces, batch: int = 8192) -> None:
    """Write the text `pieces` (a generator's: Jinja's page, json's summary) to the text file `out`, `batch` of
    them joined at a time: a few hundred thousand small writes cost more than the joining, and the whole text is
    never held at once."""
    pieces = iter(pieces)
    while chunk := list(islice(pieces, batch)):
        out.write("".join(chunk))


def remove_temporaries(paths: list[Path]) -> None:
    """The temporary files and folders atomic_path and temporary_folder made for `paths` and a process ended
    before it could remove them (a worker killed mid-write)."""
    for folder in {Path(p).parent for p in paths}:
        names = {Path(p).name for p in paths if Path(p).parent == folder}
        for left in folder.glob(f".*{_TEMPORARY}"):
            if left.name[1:].rsplit(".", 2)[0] in names:
                if left.is_dir() and not left.is_symlink():
                    shutil.rmtree(left, ignore_errors=True)
                else:
                    left.unlink(missing_ok=True)


def _write_error(exc: Exception) -> OSError | None:
    """The OSError behind a failure to write a file, or None when `exc` is something else (a bug: re-raised)."""
    if isinstance(exc, OSError):
        return exc
    try:
        from xlsxwriter.exceptions import FileCreateError
    except ImportError:  # pragma: no cover - xlsxwriter is a dependency
        return None
    if isinstance(exc, FileCreateError):
        inner = exc.args[0] if exc.args else None
        return inner if isinstance(inner, OSError) else OSError(None, str(inner or "the file could not be created"))
    return None


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def week_folder(out_dir: Path, monday: dt.date, school: str | None = None) -> Path:
    """Where a run's reports for the week go: OUT/<Monday>/, or OUT/<Monday>/<school>/ for a school of a trust
    run (contract §16)."""
    folder = Path(out_dir) / monday.isoformat()
    return folder / school if school else folder


DEFAULT_OUT = Path("reports")   # contract §8: where reports go when neither --out nor [paths] out says
CONFIGURED = "[paths] out in school.toml"


def out_folder(data_dir: Path, given: Path | None) -> tuple[Path, str]:
    """Where a run writes its reports, and what chose it ("--out" or CONFIGURED), for messages (contract §2, §8).

    --out wins; else [paths] out of DIR/school.toml, a relative path being taken from the folder that holds DIR
    (never the working directory, which is C:\\Windows\\System32 for a scheduled task); else reports/. A school
    folder without a school.toml gets reports/: the run then stops on the missing file with its own message."""
    if given is not None:
        return Path(given), "--out"
    data = Path(data_dir)
    if not (data / "school.toml").is_file():
        return DEFAULT_OUT, "--out"
    from .settings import load_settings

    configured = load_settings(data / "school.toml").get("paths", "out")
    if not configured:
        return DEFAULT_OUT, "--out"
    path = Path(str(configured).strip()).expanduser()
    if not path.is_absolute():
        path = Path(os.path.abspath(data)).parent / path   # abspath, not resolve: a mapped drive S: stays S:
    return path, CONFIGURED


def check_out_dir(data_dir: Path, out_dir: Path, option: str = "--out") -> None:
    """RunError (exit 2) when `out_dir` is the school folder or inside it: nothing is ever written there
    (contract §8, §12). A folder that holds the school folder is fine. `option` is what chose `out_dir`:
    "--out" or CONFIGURED."""
    from .errors import RunError

    data, out = Path(data_dir), Path(out_dir)
    try:
        data_r, out_r = data.resolve(), out.resolve()
    except (OSError, RuntimeError) as exc:   # a symlink loop, or a path the system will not resolve
        raise RunError(f"Cannot use the folder {out} given with {option} ({exc}). Choose another folder.") from None
    if out_r != data_r and not out_r.is_relative_to(data_r):
        return
    where = "the school folder itself" if out_r == data_r else f"inside the school folder {data}"
    if option == CONFIGURED:
        raise RunError(f"{option} is {out}, which is {where}; reports are never written there. Set it to a "
                       f'folder outside, such as out = "reports" (that is {data_r.parent / "reports"}).')
    raise RunError(f"{option} {out} is {where}; reports are never written there. "
                   f"Choose a folder outside it, such as {data_r.parent / 'reports'}.")


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


def remove_stale(folder: Path, pattern: str, keep: list[Path]) -> None:
    """Delete the files directly in `folder` that match the glob `pattern` and are not in `keep`.

    A rerun of the same week must leave exactly its own outputs: a letter no longer due or a return for a
    provider with no pupils now, left beside the new files, would be read or sent as this run's. `pattern`
    names only files of the pipeline's own form, so nothing a person put there is touched."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    names = {Path(p).name for p in keep}
    for path in folder.glob(pattern):
        if path.is_file() and path.name not in names:
            path.unlink()


def remove_stale_tree(folder: Path, keep: list[Path]) -> None:
    """Delete every file under `folder` (a folder the run owns whole) not in `keep`, then the folders left
    empty, `folder` itself too."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    wanted = {Path(p) for p in keep}
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_symlink() or path.is_file():
            if path not in wanted:
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()


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
