"""When the tool itself fails (a bug, exit 4, contract §8): the details go to a log file, one plain line to the user.

The log is OUT/crash-YYYYmmdd-HHMMSS-<n>.log when OUT can be written (and is not inside the school folder,
where nothing is ever written), else the same name in the system's temporary folder."""
from __future__ import annotations

import datetime as dt
import platform
import sys
import tempfile
import traceback
from pathlib import Path

MESSAGE = ("The tool failed unexpectedly (this is a bug, not a problem with your files). "
           "The details are in {path}: please send that file to whoever supports the tool.")
NO_LOG = ("The tool failed unexpectedly (this is a bug, not a problem with your files: {kind}). "
          "No details could be saved: please tell whoever supports the tool what you ran.")


def crash_report(exc: BaseException, argv: list[str] | None) -> str:
    """The log's text: when, what was run, the versions, and the full traceback."""
    lines = [f"Time: {dt.datetime.now().isoformat(timespec='seconds')}",
             f"Command: run_weekly.py {' '.join(argv if argv is not None else sys.argv[1:])}",
             f"Python: {sys.version.split()[0]} on {platform.platform()}",
             "", *traceback.format_exception(type(exc), exc, exc.__traceback__)]
    return "\n".join(line.rstrip("\n") for line in lines) + "\n"


def log_folders(out_dir: Path | None, data_dir: Path | None) -> list[Path]:
    """Where the log may go, in order: OUT (unless it is, or is inside, the school folder), then the temp folder."""
    folders = []
    if out_dir is not None:
        out = Path(out_dir)
        inside = False
        if data_dir is not None:
            try:
                out_r, data_r = out.resolve(), Path(data_dir).resolve()
                inside = out_r == data_r or out_r.is_relative_to(data_r)
            except (OSError, RuntimeError):
                inside = True
        if not inside:
            folders.append(out)
    folders.append(Path(tempfile.gettempdir()))
    return folders


def write_crash_log(exc: BaseException, out_dir: Path | None = None, data_dir: Path | None = None,
                    argv: list[str] | None = None) -> Path | None:
    """Write the details of `exc` to a new log file and return its path (None if no folder would take it)."""
    text = crash_report(exc, argv)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    for folder in log_folders(out_dir, data_dir):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for n in range(1, 1000):
                path = folder / (f"crash-{stamp}.log" if n == 1 else f"crash-{stamp}-{n}.log")
                try:
                    with open(path, "x", encoding="utf-8", newline="\n") as f:   # never overwrites another log
                        f.write(text)
                    return path
                except FileExistsError:
                    continue
        except OSError:
            continue
    return None


def crash_line(exc: BaseException, path: Path | None) -> str:
    """The one line the user sees."""
    return MESSAGE.format(path=path) if path is not None else NO_LOG.format(kind=type(exc).__name__)
