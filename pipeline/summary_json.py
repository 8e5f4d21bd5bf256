"""summary.json (contract §9): the one serializer of a run's Facts for other programs.

The only place where dates become ISO text. It carries no pupil name: findings quote a cell's text only
when it cannot be a name (findings.py), and a file named after a pupil gets a stand-in (private_paths.py).
"""
from __future__ import annotations

import json
from dataclasses import fields

from .model import Facts, Figures, MissingReturn, PupilFigures
from .private_paths import hide_names_in_paths

FIGURES = tuple(f.name for f in fields(Figures))
PIECES = 8192               # pieces of the text joined for one write (json.dump writes each of ~273,000 at L)


def summary_dict(facts: Facts) -> dict:
    """The contract's summary.json content, in its key order, with the reports' real file paths."""
    return {
        "school": facts.settings.school_name,
        "week_commencing": facts.week.isoformat(),
        "as_of": facts.as_of.isoformat(),
        "target_percent": facts.settings.target_percent,
        "pupils": [pupil_dict(p) for p in facts.pupils],
        "actions": [a.to_dict() for a in facts.actions],
        "missing_returns": [missing_dict(m) for m in facts.missing_returns],
        "findings": [f.to_dict() for f in facts.findings],
    }


def pupil_dict(p: PupilFigures) -> dict:
    return {"placement_id": p.placement_id, "provider_id": p.provider_id, "week": figures_dict(p.week),
            "year_to_date": figures_dict(p.year_to_date), "below_target": p.below_target,
            "persistent_absence": p.persistent_absence}


def figures_dict(f: Figures) -> dict:
    """dataclasses.asdict of the figures (numbers only), without its copying of each value."""
    return {name: getattr(f, name) for name in FIGURES}


def missing_dict(m: MissingReturn) -> dict:
    return {"provider_id": m.provider_id, "week_commencing": m.week_commencing.isoformat()}


def summary_json(facts: Facts) -> str:
    """The text of summary.json: UTF-8, indent 2, no file path that names a pupil."""
    summary = hide_names_in_paths(summary_dict(facts), facts.pupil_names.values())
    return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"


def write_summary_json(facts: Facts, path) -> None:
    """Write summary.json (the text summary_json gives) streamed to the file, never held whole as one string:
    for a register of 100,000 placements that string is hundreds of megabytes."""
    from .output import atomic_path, write_pieces

    summary = hide_names_in_paths(summary_dict(facts), facts.pupil_names.values())
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        write_pieces(f, json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(summary), PIECES)  # json.dump's text
        f.write("\n")
