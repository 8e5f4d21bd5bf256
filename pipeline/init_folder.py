"""`--init DIR`: a new school folder from the templates, never overwriting anything."""
from __future__ import annotations

from pathlib import Path

from .errors import RunError
from .schema import PLACEMENTS_BOOK, PROVIDERS_BOOK


def init_folder(folder: Path) -> list[Path]:
    from .templates import write_school_toml, write_workbook

    folder = Path(folder)
    targets = [folder / "school.toml", folder / PLACEMENTS_BOOK.filename, folder / PROVIDERS_BOOK.filename, folder / "returns"]
    existing = [p for p in targets if p.exists()]
    if existing:
        raise RunError(f"{existing[0]} already exists; --init never overwrites anything. Choose a new folder.")
    try:
        (folder / "returns").mkdir(parents=True)
        write_school_toml(folder / "school.toml")
        write_workbook(PLACEMENTS_BOOK, folder / PLACEMENTS_BOOK.filename)
        write_workbook(PROVIDERS_BOOK, folder / PROVIDERS_BOOK.filename)
    except OSError as exc:
        raise RunError(f"Cannot create the school folder {folder} ({exc.strerror or exc}).") from None
    return targets
