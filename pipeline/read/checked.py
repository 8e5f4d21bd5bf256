"""The checked result of a return, stored so that an unchanged return against unchanged registers costs a lookup.

return_from_book reads the registers only through three questions, and this module is how it is asked them
when its result is to be stored:
- which Provider ID a typed ID's fold key matches (`by_fold`: the Provider IDs of providers.xlsx);
- which spellings share that fold key (`ambiguous_providers`);
- which placement a typed Placement ID is, and at which provider (`placement`: only those two fields).
`Asked` answers them from the registers and writes down each question with its answer; the stored entry keeps
that list. A later run asks the same questions of its own registers: only if every answer is the same is the
stored result used, so it is used again exactly when the return's bytes (the entry's key) and the registers'
content it read are unchanged. Nothing else of the registers, of school.toml, the calendar or the passwords
is read by return_from_book (an encrypted return is never stored). `Asked` has no other attribute and the
placement it gives has only those two fields: a change to return_from_book that reads more of the registers
fails at once instead of using a stale result.

An entry is JSON (dates and times tagged as in pipeline.read.cache), zlib-compressed: the checksum catches a
damaged entry, and `decode` raises ValueError on anything that is not an entry. Never pickle: the cache sits in
the reports folder and is not trusted.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zlib
from dataclasses import dataclass, fields
from pathlib import Path

from ..findings import Finding
from ..records import Incident, ReturnRow, RowCells, RowMarks, Source, mark_layout
from .cache import _tag, _untag

FORMAT = 2          # 2: a row's marks as its values only, the cells from the sheet's column letters
_INCIDENT_FIELDS = tuple(f.name for f in fields(Incident) if f.name != "source")


@dataclass(frozen=True)
class PlacementSeen:
    """What return_from_book may read of a placement: its ID as the register spells it and its provider."""
    placement_id: str
    provider_id: str


def answer(kind: str, query: str, regs, by_fold: dict):
    """The answer of the registers to one question, in the form it is stored (JSON: str, list or None)."""
    if kind == "fold":
        return by_fold.get(query)
    if kind == "ambiguous":
        found = regs.ambiguous_providers.get(query)
        return None if found is None else list(found)
    if kind == "placement":
        p = regs.placement(query)
        return None if p is None else [p.placement_id, p.provider_id]
    raise ValueError(f"unknown question {kind!r}")


class _AskedDict:
    def __init__(self, asked: "Asked", kind: str):
        self._asked, self._kind = asked, kind

    def get(self, key, default=None):
        found = self._asked.ask(self._kind, key)
        return default if found is None else found


class Asked:
    """The registers as return_from_book sees them, writing down every question asked and its answer."""

    def __init__(self, regs, by_fold: dict):
        self._regs, self._by_fold = regs, by_fold
        self.answers: dict[tuple[str, str], object] = {}
        self.by_fold = _AskedDict(self, "fold")
        self.ambiguous_providers = _AskedDict(self, "ambiguous")

    def ask(self, kind: str, query: str):
        if type(query) is not str:
            raise TypeError("a question about the registers is asked with text")
        found = answer(kind, query, self._regs, self._by_fold)
        self.answers[(kind, query)] = found
        return found

    def placement(self, placement_id: str) -> PlacementSeen | None:
        found = self.ask("placement", placement_id)
        return None if found is None else PlacementSeen(*found)


def still_true(asked: list, regs, by_fold: dict) -> bool:
    """Whether the registers give every stored answer again."""
    return all(answer(kind, query, regs, by_fold) == found for kind, query, found in asked)


def code_fingerprint() -> str:
    """A hash of the program's own source (pipeline/**/*.py): a stored result is never used by another
    version of the checks, even one whose cache version was not changed."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    try:
        for path in sorted(root.rglob("*.py")):
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return "unknown"
    return h.hexdigest()


# --- the stored form ---------------------------------------------------------------------------------

def _source(s: Source) -> list:
    return [s.file, s.sheet, s.row, dict(s.cells)]


def encode(ret, findings: list[Finding], answers: dict, modified: dt.datetime | None) -> bytes:
    """The stored bytes of one return's checked result: the Return (or None), its own findings, the questions
    asked of the registers with their answers and the workbook's saved time. Raises TypeError for a value it
    cannot store."""
    body = {
        "format": FORMAT,
        "asked": [[k, q, a] for (k, q), a in answers.items()],
        "findings": [[f.file, f.sheet, f.cell, f.rule, f.severity, f.value, f.message] for f in findings],
        "modified": modified,
        "return": None if ret is None else {
            "provider": ret.provider_id, "week": ret.week, "sheet": ret.sheet,
            **_layout(ret),
            "rows": [[r.placement_id, r.source.row, list(r.marks.raws), r.notes] for r in ret.rows.values()],
            "incidents": [[[getattr(i, k) for k in _INCIDENT_FIELDS], _source(i.source)] for i in ret.incidents],
        },
    }
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_tag, check_circular=False)
    return zlib.compress(text.encode("utf-8"), 1)


def _layout(ret) -> dict:
    """The sessions of the return's rows with their column letters ([weekday, 'AM'|'PM', 'D'], in order) and the
    letters of the Placement ID column: every row has the same, from the columns of its sheet, and its cells
    are those letters and its row number (raises TypeError otherwise, and the result is not stored)."""
    layout = id_letters = None
    for r in ret.rows.values():
        marks, cells = r.marks, r.source.cells
        if r.source.file != ret.file or r.source.sheet != ret.sheet:
            raise TypeError("a row from another sheet")
        if type(marks) is not RowMarks or marks.row != r.source.row:
            raise TypeError("marks not as read from a sheet")
        if type(cells) is not RowCells or cells.row != r.source.row or set(cells.letters) != {"placement_id"}:
            raise TypeError("cells not as read from a sheet")
        if layout is None:
            layout, id_letters = marks.layout, cells.letters["placement_id"]
        elif marks.layout != layout or cells.letters["placement_id"] != id_letters:
            raise TypeError("rows with different sessions")
    return {"sessions": [[d, s, letters] for (d, s), letters in zip(layout.keys, layout.letters)] if layout else [],
            "id": id_letters}


def _str(v, none: bool = False):
    if type(v) is str or (none and v is None):
        return v
    raise ValueError("a damaged entry")


def _src(v) -> Source:
    if type(v) is not list or len(v) != 4 or type(v[2]) is not int or type(v[3]) is not dict:
        raise ValueError("a damaged source")
    return Source(_str(v[0]), _str(v[1]), v[2], {_str(k): _str(c) for k, c in v[3].items()})


def decode(blob: bytes, rel: str, path: Path, make_return):
    """(asked, Return or None, findings) from stored bytes; raises ValueError (or zlib.error, KeyError,
    TypeError) if damaged. `make_return(file, provider, week, saved, sheet)` is the Return class."""
    body = json.loads(zlib.decompress(blob).decode("utf-8"), object_hook=_untag)
    if type(body) is not dict or body.get("format") != FORMAT:
        raise ValueError("not an entry")
    asked = body["asked"]
    if type(asked) is not list or not all(type(a) is list and len(a) == 3 and type(a[0]) is str and type(a[1]) is str
                                          for a in asked):
        raise ValueError("the questions are damaged")
    found = []
    for f in body["findings"]:
        if type(f) is not list or len(f) != 7:
            raise ValueError("a damaged finding")
        found.append(Finding(_str(f[0]), _str(f[1], True), _str(f[2], True), _str(f[3]), _str(f[4]),
                             _str(f[5], True), _str(f[6])))
    modified = body["modified"]
    if modified is not None and type(modified) is not dt.datetime:
        raise ValueError("the saved time is damaged")
    stored = body["return"]
    if stored is None:
        return asked, None, found
    week = stored["week"]
    if type(week) is not dt.date:
        raise ValueError("the week is damaged")
    ret = make_return(rel, _str(stored["provider"]), week, saved_key(modified, path, rel), _str(stored["sheet"]))
    sessions = stored["sessions"]
    if not all(type(k) is list and len(k) == 3 and type(k[0]) is int and type(k[1]) is str and type(k[2]) is str
               for k in sessions):
        raise ValueError("the sessions are damaged")
    layout = mark_layout([(d, s) for d, s, _ in sessions], [letters for _, _, letters in sessions])
    id_cells = {"placement_id": _str(stored["id"], True)}
    sheet, width = ret.sheet, len(sessions)
    for pid, number, raws, notes in stored["rows"]:
        if type(raws) is not list or len(raws) != width or type(number) is not int or id_cells["placement_id"] is None:
            raise ValueError("a damaged row")
        ret.rows[_str(pid)] = ReturnRow(placement_id=pid, marks=RowMarks(layout, tuple(raws), number),
                                        source=Source(rel, sheet, number, RowCells(id_cells, number)),
                                        notes=_str(notes, True))
    for values, source in stored["incidents"]:
        if type(values) is not list or len(values) != len(_INCIDENT_FIELDS):
            raise ValueError("a damaged incident")
        ret.incidents.append(Incident(**dict(zip(_INCIDENT_FIELDS, values)), source=_src(source)))
    return asked, ret, found


def saved_key(modified: dt.datetime | None, path: Path, rel: str) -> tuple:
    """A Return's `saved`: the workbook's saved time, the file's time and its path (the later wins)."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        mtime = 0.0
    return (modified or dt.datetime.min, mtime, rel)
