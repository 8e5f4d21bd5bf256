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

An entry is JSON, zlib-compressed: the checksum catches a damaged entry, and `decode` raises ValueError on
anything that is not an entry. The dates it always holds (the week, the saved time, an incident's dates) are ISO
text at their known places; any other date, time or duration (a date typed where a code belongs) is tagged as in
pipeline.read.cache, and only an entry whose text has a tag is read with json's object_hook, which would
otherwise be called on every object of every entry of a warm run. Never pickle: the cache sits in the reports
folder and is not trusted.
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
from ..records import Incident, RowCells, RowMarks, Source, StoredRows, mark_layout
from .cache import TAG, _tag, _untag

FORMAT = 3          # 2: a row's marks as its values only, the cells from the sheet's column letters;
                    # 3: the week, the saved time and an incident's dates as ISO text, not tagged
_INCIDENT_FIELDS = tuple(f.name for f in fields(Incident) if f.name != "source")
_INCIDENT_DATES = frozenset(("date", "reported_to_dsl"))       # stored as ISO text (or null)
_DATE_PLACES = tuple(i for i, k in enumerate(_INCIDENT_FIELDS) if k in _INCIDENT_DATES)
_TAGGED = json.dumps(TAG)[1:-1]     # how a tag's key is written in JSON text ('\\u0000'): no tag without it


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
    """One kind of question (`kind`) as a dict's get, written down in `answers` (Asked's): it holds what Asked
    holds, not the Asked, so that neither is kept for Python's cycle collector to find (reading makes one a
    return)."""

    def __init__(self, answers: dict, regs, by_fold: dict, kind: str):
        self._answers, self._regs, self._by_fold, self._kind = answers, regs, by_fold, kind

    def get(self, key, default=None):
        found = _ask(self._answers, self._regs, self._by_fold, self._kind, key)
        return default if found is None else found


def _ask(answers: dict, regs, by_fold: dict, kind: str, query: str):
    if type(query) is not str:
        raise TypeError("a question about the registers is asked with text")
    found = answers[(kind, query)] = answer(kind, query, regs, by_fold)
    return found


class Asked:
    """The registers as return_from_book sees them, writing down every question asked and its answer."""

    def __init__(self, regs, by_fold: dict):
        self._regs, self._by_fold = regs, by_fold
        self.answers: dict[tuple[str, str], object] = {}
        self.by_fold = _AskedDict(self.answers, regs, by_fold, "fold")
        self.ambiguous_providers = _AskedDict(self.answers, regs, by_fold, "ambiguous")

    def ask(self, kind: str, query: str):
        return _ask(self.answers, self._regs, self._by_fold, kind, query)

    def placement(self, placement_id: str) -> PlacementSeen | None:
        found = self.ask("placement", placement_id)
        return None if found is None else PlacementSeen(*found)


class Answers:
    """The registers' answers (`answer`) worked out once each for a run: the returns of a year ask the same
    few thousand questions over and over (the registers do not change while it reads them)."""

    def __init__(self, regs, by_fold: dict):
        self._regs, self._by_fold = regs, by_fold
        self._known: dict[tuple[str, str], object] = {}

    def of(self, kind: str, query: str):
        """The answer to a question read from a stored entry; ValueError when it is not one (a damaged entry)."""
        key = (kind, query)
        try:
            return self._known[key]
        except KeyError:
            if type(kind) is not str or type(query) is not str:
                raise ValueError("a damaged question") from None
            found = self._known[key] = answer(kind, query, self._regs, self._by_fold)
            return found


def still_true(asked: list, answers: Answers) -> bool:
    """Whether the registers give every stored answer again (`asked` as `decode` gives it: ValueError or
    TypeError when a question is damaged)."""
    of = answers.of
    return all(of(kind, query) == found for kind, query, found in asked)


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
        "modified": None if modified is None else _iso(modified, dt.datetime),
        "return": None if ret is None else {
            "provider": ret.provider_id, "week": _iso(ret.week, dt.date), "sheet": ret.sheet,
            **_layout(ret),
            "rows": [[r.placement_id, r.source.row, list(r.marks.raws), r.notes] for r in ret.rows.values()],
            "incidents": [[[_incident_value(i, k) for k in _INCIDENT_FIELDS], _source(i.source)] for i in ret.incidents],
        },
    }
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_tag, check_circular=False)
    return zlib.compress(text.encode("utf-8"), 1)


def _iso(value, kind: type) -> str:
    if type(value) is not kind:
        raise TypeError(f"a {type(value).__name__} where a {kind.__name__} is stored")
    return value.isoformat()


def _incident_value(incident, name: str):
    value = getattr(incident, name)
    if name in _INCIDENT_DATES:
        return None if value is None else _iso(value, dt.date)
    return value


def _layout(ret) -> dict:
    """The sessions of the return's rows with their column letters (the JSON text of [[weekday, 'AM'|'PM', 'D'],
    ...], in order: a key that finds the layout read before, `_stored_layout`) and the
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
    sessions = [[d, s, letters] for (d, s), letters in zip(layout.keys, layout.letters)] if layout else []
    return {"sessions": json.dumps(sessions, separators=(",", ":")), "id": id_letters}


def _str(v, none: bool = False):
    if type(v) is str or (none and v is None):
        return v
    raise ValueError("a damaged entry")


def _src(v) -> Source:
    if type(v) is not list or len(v) != 4 or type(v[2]) is not int or type(v[3]) is not dict:
        raise ValueError("a damaged source")
    return Source(_str(v[0]), _str(v[1]), v[2], {_str(k): _str(c) for k, c in v[3].items()})


_LAYOUTS: dict[str, object] = {}      # stored sessions (JSON text) -> MarkLayout: a run's returns have a few


def _stored_layout(text) -> object:
    """The MarkLayout of a return's stored sessions, read once for each text there is."""
    found = _LAYOUTS.get(text) if type(text) is str else None
    if found is None:
        sessions = json.loads(_str(text))
        if type(sessions) is not list or not all(type(k) is list and len(k) == 3 and type(k[0]) is int
                                                 and type(k[1]) is str and type(k[2]) is str for k in sessions):
            raise ValueError("the sessions are damaged")
        found = _LAYOUTS[text] = mark_layout([(d, s) for d, s, _ in sessions], [letters for _, _, letters in sessions])
    return found


def _day(v, kind=dt.date, none: bool = False):
    """The date (or datetime) stored as ISO text at a known place."""
    if none and v is None:
        return None
    if type(v) is not str:
        raise ValueError("a damaged date")
    return kind.fromisoformat(v)


def decode(blob: bytes, rel: str, path: Path, make_return, mtime: float | None = None):
    """(asked, Return or None, findings) from stored bytes; raises ValueError (or zlib.error, KeyError,
    TypeError) if damaged. `make_return(file, provider, week, saved, sheet)` is the Return class; `mtime`: the
    file's modification time when known (else it is looked up)."""
    text = zlib.decompress(blob).decode("utf-8")
    body = json.loads(text, object_hook=_untag) if _TAGGED in text else json.loads(text)
    if type(body) is not dict or body.get("format") != FORMAT:
        raise ValueError("not an entry")
    asked = body["asked"]          # each question is checked as still_true asks it again
    if type(asked) is not list:
        raise ValueError("the questions are damaged")
    found = []
    for f in body["findings"]:
        if type(f) is not list or len(f) != 7:
            raise ValueError("a damaged finding")
        found.append(Finding(_str(f[0]), _str(f[1], True), _str(f[2], True), _str(f[3]), _str(f[4]),
                             _str(f[5], True), _str(f[6])))
    modified = _day(body["modified"], dt.datetime, none=True)
    stored = body["return"]
    if stored is None:
        return asked, None, found
    ret = make_return(rel, _str(stored["provider"]), _day(stored["week"]), saved_key(modified, path, rel, mtime),
                      _str(stored["sheet"]))
    layout = _stored_layout(stored["sessions"])
    id_letters = _str(stored["id"], True)
    id_cells = {"placement_id": id_letters}
    width, entries = len(layout.keys), stored["rows"]
    if type(entries) is not list:
        raise ValueError("the rows are damaged")
    for pid, number, raws, notes in entries:
        if (type(pid) is not str or type(number) is not int or type(raws) is not list or len(raws) != width
                or id_letters is None or (notes is not None and type(notes) is not str)):
            raise ValueError("a damaged row")
    ret.rows = StoredRows(rel, ret.sheet, layout, id_cells, entries)    # each ReturnRow made only if asked for
    for values, source in stored["incidents"]:
        if type(values) is not list or len(values) != len(_INCIDENT_FIELDS):
            raise ValueError("a damaged incident")
        for i in _DATE_PLACES:
            values[i] = _day(values[i], none=True)
        ret.incidents.append(Incident(**dict(zip(_INCIDENT_FIELDS, values)), source=_src(source)))
    return asked, ret, found


def saved_key(modified: dt.datetime | None, path: Path, rel: str, mtime: float | None = None) -> tuple:
    """A Return's `saved`: the workbook's saved time, the file's time (`mtime`, looked up when not given) and
    its path (the later wins)."""
    if mtime is None:
        try:
            mtime = os.stat(path).st_mtime
        except OSError:
            mtime = 0.0
    return (modified or dt.datetime.min, mtime, rel)
