"""summary.json (contract §9): the one serializer of a run's Facts for other programs.

The only place where dates become ISO text. It carries no pupil name: findings quote a cell's text only
when it cannot be a name (findings.py), and a file named after a pupil gets a stand-in (private_paths.py).
"""
from __future__ import annotations

import json
import math
from dataclasses import fields

from .model import Facts, Figures, MissingReturn, PupilFigures
from .private_paths import hide_names_in_paths

FIGURES = tuple(f.name for f in fields(Figures))
PIECES = 8192               # pieces of the text joined for one write
_TEXT = json.encoder.encode_basestring          # a str as JSON, non-ASCII kept (ensure_ascii=False)
_FLOATS = {math.inf: "Infinity", -math.inf: "-Infinity"}


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
    from .output import atomic_path

    summary = hide_names_in_paths(summary_dict(facts), facts.pupil_names.values())
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        try:
            pieces: list[str] = []
            _encode(summary, pieces, "\n", f)
            f.write("".join(pieces))
        except _Unusual:            # a value _encode leaves to json: the whole file again, by json
            f.seek(0)
            f.truncate()
            json.dump(summary, f, indent=2, ensure_ascii=False)
        f.write("\n")


class _Unusual(Exception):
    """A value _encode does not write itself."""


def _encode(value, pieces: list, newline: str, f) -> None:
    """Append to `pieces` the text json.dump(value, indent=2, ensure_ascii=False) writes, with `newline` the
    line break and indent the value starts at; write what is gathered to `f` every PIECES pieces. json writes
    an indented file in pure Python, a generator and a write for each piece (about 0.05 s at L, 273,000 pieces);
    this writes the plain types summary_dict makes (dict with text keys, list, text, int, float, True, False,
    None) and raises _Unusual at any other."""
    kind = type(value)
    if kind is str:
        pieces.append(_TEXT(value))
    elif value is None:
        pieces.append("null")
    elif value is True:
        pieces.append("true")
    elif value is False:
        pieces.append("false")
    elif kind is int:
        pieces.append(int.__repr__(value))
    elif kind is float:
        pieces.append(float.__repr__(value) if math.isfinite(value) else _FLOATS.get(value, "NaN"))
    elif kind is dict or kind is list:
        if not value:
            pieces.append("{}" if kind is dict else "[]")
            return
        inner = newline + "  "
        pieces.append("{" if kind is dict else "[")
        between = inner
        for item in (value.items() if kind is dict else value):
            if kind is dict:
                if type(item[0]) is not str:
                    raise _Unusual
                pieces.append(between + _TEXT(item[0]) + ": ")
                item = item[1]
            else:
                pieces.append(between)
            _encode(item, pieces, inner, f)
            between = "," + inner
            if len(pieces) >= PIECES:
                f.write("".join(pieces))
                pieces.clear()
        pieces.append(newline + ("}" if kind is dict else "]"))
    else:
        raise _Unusual
