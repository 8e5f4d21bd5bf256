"""Workbooks open in Excel while the run reads them (issue 15).

Excel keeps a person's edits in memory until they save, so a run reads the file as it was last saved. While a
workbook is open Excel keeps a small hidden owner file beside it, named "~$" and the workbook's name without its
first two characters ("~$acements.xlsx" for placements.xlsx; some versions keep the whole name). Finding one is
a console note, never a finding and never a change to the exit status: the reports are still right for what
was saved. The owner files themselves are never read (contract §11).
"""
from __future__ import annotations

import os
from pathlib import Path

from .folders import folders_below

LOCK_PREFIX = "~$"
REGISTERS = ("placements.xlsx", "providers.xlsx")
SHOWN = 5          # at most this many workbooks named one by one; the rest are counted


def lock_names(name: str) -> tuple[str, ...]:
    """The names Excel gives the owner file of a workbook called `name`."""
    return (LOCK_PREFIX + name[2:], LOCK_PREFIX + name)


def open_workbooks(data_dir: Path) -> list[tuple[str, str]]:
    """The workbooks of the school folder that an Excel owner file shows are open: the two registers, then the
    returns and register exports, each as (path relative to `data_dir` with '/', the owner file's name).
    Never raises."""
    data_dir = Path(data_dir)
    returns = folders_below(data_dir / "returns")
    listed = {**returns, data_dir: _files(data_dir), data_dir / "register": _files(data_dir / "register")}
    found = []
    for folder in [data_dir, *sorted(returns), data_dir / "register"]:
        names = listed.get(folder)
        if names is None:        # no such folder, or it cannot be listed: the readers say so
            continue
        locks = {n for n in names if n.startswith(LOCK_PREFIX)}
        if not locks:
            continue
        candidates = REGISTERS if folder == data_dir else sorted(names - locks)
        for name in candidates:
            lock = next((lock for lock in lock_names(name) if lock in locks), None)
            if name in names and not name.startswith(".") and lock is not None:
                found.append(((folder / name).relative_to(data_dir).as_posix(), lock))
    return found


def _files(folder: Path) -> set[str] | None:
    """The names of the files in `folder`, or None when it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return {entry.name for entry in listing if entry.is_file()}
    except OSError:
        return None


def open_in_excel_notes(data_dir: Path) -> list[str]:
    """The console note for the workbooks open in Excel, or [] when none is."""
    found = open_workbooks(data_dir)
    if not found:
        return []
    files = [path for path, _ in found]
    named = ", ".join(files[:SHOWN]) + (f" and {len(files) - SHOWN} more" if len(files) > SHOWN else "")
    if len(found) == 1:
        return [f"{named} is open in Excel (here or on another computer), so changes not yet saved there are not "
                "included in this run. Save and close it, then run again. (If no one has it open, Excel left the "
                f"hidden file {found[0][1]} beside it when it closed: delete that file.)"]
    return [f"{named} are open in Excel (here or on another computer), so changes not yet saved there are not "
            "included in this run. Save and close them, then run again."]
