"""`trust.toml` (contract §16): the trust's name, its school folders and its small-number limit.

Any problem with the file is a RunError naming the key (exit 2): the trust run cannot start without it.
A school folder listed that is missing is not a problem of trust.toml: that school "cannot be run" and the
others still run (pipeline.trust.run).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ..errors import RunError
from ..settings import read_toml

FILENAME = "trust.toml"
SHARED_PROVIDERS = "providers.xlsx"       # TRUST_DIR/providers.xlsx: the trust's shared provider register
DEFAULT_SUPPRESS = 3
KEYS = {"name", "schools", "suppress_below", "out"}


@dataclass(frozen=True)
class TrustSettings:
    folder: Path                          # TRUST_DIR
    name: str
    schools: tuple[str, ...]              # school folders as written, relative to TRUST_DIR
    suppress_below: int = DEFAULT_SUPPRESS
    out: str | None = None                # [trust] out: where reports go without --out (relative: from TRUST_DIR's parent)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def school_dir(self, school: str) -> Path:
        return self.folder / school

    @property
    def shared_providers(self) -> Path | None:
        """TRUST_DIR/providers.xlsx when there is one."""
        path = self.folder / SHARED_PROVIDERS
        return path if path.is_file() else None

    def providers_for(self, school: str) -> Path | None:
        """The trust's register for a school folder without its own providers.xlsx (contract §16), else None:
        the school's own is then used whole."""
        return None if (self.school_dir(school) / SHARED_PROVIDERS).is_file() else self.shared_providers


def load_trust(trust_dir: Path) -> TrustSettings:
    """Read and check TRUST_DIR/trust.toml; any problem is a RunError naming the key."""
    trust_dir = Path(trust_dir)
    if not trust_dir.is_dir():
        raise RunError(f"The trust folder {trust_dir} does not exist. Check the --trust path.")
    path = trust_dir / FILENAME
    if not path.is_file():
        raise RunError(f"{path} is missing: a trust folder needs a trust.toml with [trust] name and schools "
                       "(see docs/trust_mode.md).")
    return parse_trust(trust_dir, read_toml(path))


def parse_trust(trust_dir: Path, raw: dict) -> TrustSettings:
    table = raw.get("trust")
    if not isinstance(table, dict):
        raise RunError("trust.toml has no [trust] table: start it with [trust], then name = \"...\" and "
                       "schools = [\"folder\", ...].")
    warnings = [f"trust.toml: [{key}] is not a table this tool reads; it is ignored." for key in raw if key != "trust"]
    for key in table:
        if key not in KEYS:
            near = difflib.get_close_matches(key, sorted(KEYS), n=1)
            warnings.append(f"trust.toml: [trust] {key} is not a setting this tool knows; it is ignored"
                            + (f" (did you mean {near[0]}?)." if near else "."))
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RunError("[trust] name in trust.toml must be the trust's name in quotes, e.g. name = \"Riverside Learning Trust\".")
    schools = table.get("schools")
    if not isinstance(schools, list) or not schools or not all(isinstance(s, str) and s.strip() for s in schools):
        raise RunError("[trust] schools in trust.toml must be a list of school folder names in quotes, e.g. "
                       "schools = [\"ashdown\", \"brookfield\"].")
    schools = [s.strip() for s in schools]
    for s in schools:
        pure = PurePath(s.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or len(pure.parts) != 1 or ":" in s:
            raise RunError(f"[trust] schools in trust.toml: '{s}' is not the name of a folder inside the trust folder. "
                           "List each school by its folder's name alone, e.g. \"ashdown\".")
    folded = {}
    for s in schools:
        if s.casefold() in folded:
            raise RunError(f"[trust] schools in trust.toml lists '{folded[s.casefold()]}' and '{s}': each school once.")
        folded[s.casefold()] = s
    limit = table.get("suppress_below", DEFAULT_SUPPRESS)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= 100:
        raise RunError(f"[trust] suppress_below in trust.toml must be a whole number from 0 to 100 (the default is "
                       f"{DEFAULT_SUPPRESS}), not {limit!r}.")
    out = table.get("out")
    if out is not None and (not isinstance(out, str) or not out.strip()):
        raise RunError("[trust] out in trust.toml must be a folder path in quotes, e.g. out = \"trust-reports\".")
    return TrustSettings(Path(trust_dir), name.strip(), tuple(schools), limit, out.strip() if out else None,
                         tuple(warnings))
