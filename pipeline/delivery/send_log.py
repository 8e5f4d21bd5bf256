"""send_log.csv: one row per attempt to e-mail a provider (provider, address, file, time, result).

Rows are only ever appended, and each is on disk before the next provider is tried, so the log
says what happened even if a run is stopped half-way. `time` is the real clock time: this is the
one output where it belongs. A rerun reads the log back to skip what was already sent.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path

from ..errors import RunError

LOG_NAME = "send_log.csv"
FIELDS = ("provider", "address", "file", "time", "result")
SENT = "sent"
ENCODING = "utf-8-sig"   # so Excel shows any accented names correctly
_FORMULA_START = ("=", "+", "-", "@")


def _cell(value) -> str:
    """Text for a CSV cell; a leading formula character is quoted so Excel shows it as text."""
    text = " ".join(str(value or "").split())
    return "'" + text if text.startswith(_FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def open_log(log_path: Path) -> None:
    """Make sure the log can be written (creating it with its header) before anything is sent."""
    log_path = Path(log_path)
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        if not log_path.exists() or log_path.stat().st_size == 0:
            with open(log_path, "w", encoding=ENCODING, newline="") as f:
                csv.writer(f).writerow(FIELDS)
        else:
            with open(log_path, "a", encoding=ENCODING, newline=""):
                pass
    except OSError as exc:
        raise RunError(f"The send log {log_path} cannot be written ({exc.strerror or exc}): "
                       "close it if it is open in Excel, then run again.") from None


def append(log_path: Path, provider: str, address: str | None, file: str, result: str) -> None:
    """Add one row and flush it to disk."""
    open_log(log_path)
    try:
        with open(log_path, "a", encoding=ENCODING, newline="") as f:
            csv.writer(f).writerow([_cell(provider), _cell(address), _cell(file), now(), _cell(result)])
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise RunError(f"The send log {log_path} cannot be written ({exc.strerror or exc}): "
                       "close it if it is open in Excel, then run again.") from None


def read_rows(log_path: Path) -> list[dict[str, str]]:
    """The log's rows as dicts (empty when there is no log yet)."""
    log_path = Path(log_path)
    if not log_path.exists():
        return []
    try:
        with open(log_path, encoding=ENCODING, errors="replace", newline="") as f:
            return [{k: _uncell(v or "") for k, v in row.items() if k} for row in csv.DictReader(f)]
    except OSError as exc:
        raise RunError(f"The send log {log_path} cannot be read ({exc.strerror or exc}): "
                       "close it if it is open in Excel, then run again.") from None


def already_sent(log_path: Path) -> set[tuple[str, str]]:
    """(provider, file) of every row whose result is `sent`."""
    return {(row.get("provider", ""), row.get("file", "")) for row in read_rows(log_path)
            if row.get("result", "").strip() == SENT}
