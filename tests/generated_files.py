"""What the example and synthetic generators' tests compare: a folder's files, the committed example against what
its generator writes now, and a second generation against the first."""
from __future__ import annotations

from pathlib import Path


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its path relative to it ('/' between parts): its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_committed_is_generated(committed: Path, fresh: Path, regenerate: str) -> None:
    """The committed folder holds exactly the files the generator wrote into `fresh`, byte for byte;
    `regenerate` tells the developer how to bring it up to date."""
    old, new = files_of(committed), files_of(fresh)
    assert sorted(old) == sorted(new), regenerate
    changed = [name for name in new if old[name] != new[name]]
    assert not changed, f"{regenerate} (differs: {', '.join(changed)})"


def assert_generated_again(written: list[Path], again: Path, first: Path) -> None:
    """A second generation into `again` wrote the same bytes as the first into `first`, and the paths it returned
    are every file it wrote."""
    assert files_of(again) == files_of(first)
    assert sorted(p.relative_to(again).as_posix() for p in written) == sorted(files_of(again))
