"""Factories for the attendance, rules and command-line tests: a whole school folder with its
returns in one call, a week of marks by day, and the figure block of summary.json."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from pipeline import schema
from pipeline.core import compute_facts
from tests.factories import SCHOOL_TOML, provider, rows_of, write_grid, write_return, write_school
from tests.memory_school import MemorySchool, summary_in_memory

D = dt.date
SEP_03 = D(2026, 9, 3)           # first day of Autumn 2026, the academic year's first term
NOV_16 = D(2026, 11, 16)         # the week before it
NOV_23 = D(2026, 11, 23)         # an ordinary school week, Mon 23 - Fri 27 November 2026
NOV_27 = D(2026, 11, 27)
NOV_28 = D(2026, 11, 28)         # the Saturday after it: "today" for the command-line tests


def week_marks(default: str | None = "-", **days) -> list:
    """The 10 session cells Mon AM .. Fri PM; a day given as "B N" or ("B", "N") sets its AM and PM.

    week_marks(Mon="B N", Tue="B -")  ->  ['B', 'N', 'B', '-', '-', '-', '-', '-', '-', '-']"""
    cells = []
    for day in schema.WEEKDAYS:
        value = days.pop(day, (default, default))
        am, pm = value.split(" ") if isinstance(value, str) else value
        cells += [am, pm]
    if days:
        raise TypeError(f"unknown days {sorted(days)}")
    return cells


def school(folder: Path, placements: list[dict], returns=(), providers: list[dict] | None = None,
           toml: str = SCHOOL_TOML) -> Path:
    """A school folder: registers from the factories and one return file per (provider, monday, rows)."""
    providers = providers or [provider(p) for p in sorted({row["Provider ID"] for row in placements})]
    write_school(folder, placements, providers, toml=toml)
    for provider_id, monday, rows in returns:
        write_return(folder / "returns" / f"{provider_id}_{monday}.xlsx", provider_id, monday, rows)
    return folder


def fill_registers(folder: Path, placements: list[dict], providers: list[dict]) -> None:
    """Replace only the two registers (school.toml and returns/ are left as they are)."""
    write_grid(folder / "providers.xlsx", {"Providers": rows_of(schema.PROVIDERS, providers)})
    write_grid(folder / "placements.xlsx", {"Placements": rows_of(schema.PLACEMENTS, placements)})


def toml_with(target: float | None = None, extra_terms: str = "") -> str:
    """The factory school.toml with another target and/or extra [[terms]] tables placed first."""
    text = SCHOOL_TOML
    if target is not None:
        text = text.replace("target_percent = 96.0", f"target_percent = {target}")
    if extra_terms:
        text = text.replace("[[terms]]\nname = \"Autumn 2026\"", extra_terms + "\n[[terms]]\nname = \"Autumn 2026\"", 1)
    return text


def summary_for(folder: Path | MemorySchool, week: dt.date, as_of: dt.date | None = None) -> dict:
    """summary.json of the week: the whole run for a school folder, read in memory for a MemorySchool."""
    if isinstance(folder, MemorySchool):
        return summary_in_memory(folder, week, as_of)
    return compute_facts(folder, week, as_of).summary


def pupil(summary: dict, placement_id: str) -> dict:
    found = [p for p in summary["pupils"] if p["placement_id"] == placement_id]
    assert len(found) == 1, f"{placement_id} is in pupils {len(found)} times"
    return found[0]


def figures(possible, attended, authorised, unauthorised, not_reported, percent) -> dict:
    return {"possible": possible, "attended": attended, "authorised": authorised,
            "unauthorised": unauthorised, "not_reported": not_reported, "percent": percent}


def rules_of(summary: dict, rule: str) -> list[dict]:
    return [a for a in summary["actions"] if a["rule"] == rule]


def finding_rules(summary: dict, severity: str | None = None) -> list[str]:
    return [f["rule"] for f in summary["findings"] if severity is None or f["severity"] == severity]


def file_hashes(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under folder (directories listed with '/')."""
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel + "/" if path.is_dir() else rel] = "" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out
