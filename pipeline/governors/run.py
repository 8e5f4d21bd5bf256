"""Writing the governor pack (contract §8, §9): OUT/governors/<term slug>/governor_pack.xlsx and .html."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import RunError
from ..render.pages import uk_date
from .context import load_term, term_slug
from .model import GovernorPack
from .render_html import write_pack_html
from .render_xlsx import write_pack_xlsx

FILES = ("governor_pack.xlsx", "governor_pack.html")


class PackFiles(list):
    """The paths written (a list of Path), carrying the pack they came from for the console summary."""

    def __init__(self, paths, pack: GovernorPack):
        super().__init__(paths)
        self.pack = pack
        self.warnings: list[str] = []      # plain-English lines for the console (school.toml, suppression off)


def pack_folder(out_dir: Path, term: str) -> Path:
    return Path(out_dir) / "governors" / term_slug(term)


def write_pack(pack: GovernorPack, out_dir: Path) -> list[Path]:
    """Write both files of the pack; RunError (one plain line) if the folder cannot be written."""
    folder = pack_folder(out_dir, pack.term)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_pack_xlsx(pack, folder / FILES[0])
        write_pack_html(pack, folder / FILES[1])
    except OSError as exc:
        raise RunError(f"Cannot write the governor pack to {folder} ({exc.strerror or exc}): close the pack if "
                       "it is open in Excel, or choose another folder with --out.") from None
    return PackFiles([folder / name for name in FILES], pack)


def run_governor_pack(data_dir: Path, term: str, as_of: dt.date | None = None, out_dir: Path = Path("reports"),
                      today: dt.date | None = None) -> list[Path]:
    """The pack for `term` up to the earlier of its end and `as_of` (default: today). RunError for a term
    that is not in school.toml, naming the terms that are."""
    from .pack import build_pack                # written alongside; imported late so this module always imports

    from .disclosure import off_warning

    tc = load_term(Path(data_dir), term, as_of or today or dt.date.today(), Path(out_dir))
    files = write_pack(build_pack(tc), Path(out_dir))
    off = off_warning(int(tc.settings.get("governors", "suppress_below") or 0))
    files.warnings = list(tc.settings.warnings) + ([off] if off else [])
    return files


def pack_summary(files: list[Path]) -> str:
    """A few lines for the console: the term, the period covered and where the files are."""
    lines = []
    pack = getattr(files, "pack", None)
    if pack is not None:
        lines.append(f"Governor pack for {pack.term} at {pack.school}: "
                     f"{uk_date(pack.start)} to {uk_date(pack.end)}.")
    if files:
        lines.append(f"Written to {Path(files[0]).parent}:")
        lines += [f"  {Path(f).name}" for f in files]
    lines += [f"Warning: {w}" for w in getattr(files, "warnings", [])]
    return "\n".join(lines)
