"""Pupils' names in the names of files, kept out of summary.json (contract §9, §13).

A provider may save a return under the pupil's name ("returns/Isla Fairweather.xlsx"). Findings name their
file, and summary.json must carry no personal name, so before it is written every file path whose name holds
a pupil's forename or surname (as a word, or the two run together, in any capitals) is replaced by a stand-in
that keeps the folder and the extension and stays distinct for each file: "returns/(file 1 named after a
pupil).xlsx". The same replacement is made wherever that path is quoted in a message. The attendance lead's
own reports keep the real path, since the report is internal and the file must be found.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W_]+")


def name_words(full_names: Iterable[str]) -> frozenset[str]:
    """Each forename and surname word (two letters or more), and each full name run together, casefolded."""
    words: set[str] = set()
    for name in full_names:
        parts = [w.casefold() for w in _WORD.findall(name or "") if not w.isdigit()]
        words.update(w for w in parts if len(w) >= 2)
        if len(parts) > 1:
            words.add("".join(parts))
    return frozenset(words)


def names_a_pupil(path: str, words: frozenset[str]) -> bool:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    found = [w.casefold() for w in _WORD.findall(stem)]
    return any(w in words for w in found) or "".join(found) in words


def hide_names_in_paths(summary: dict, full_names: Iterable[str]) -> dict:
    """A copy of `summary` whose findings name no file after a pupil; `summary` itself is unchanged."""
    words = name_words(full_names)
    paths = sorted({f["file"] for f in summary.get("findings", []) if f.get("file") and names_a_pupil(f["file"], words)})
    if not paths:
        return summary
    stand_in = {p: _stand_in(p, i) for i, p in enumerate(paths, 1)}
    by_length = sorted(paths, key=len, reverse=True)

    def clean(text):
        if not isinstance(text, str):
            return text
        for p in by_length:
            text = text.replace(p, stand_in[p])
        return text

    copy = dict(summary)
    copy["findings"] = [{**f, "file": stand_in.get(f["file"], f["file"]), "message": clean(f["message"])}
                        for f in summary["findings"]]
    copy["actions"] = [{**a, "message": clean(a["message"])} for a in summary.get("actions", [])]
    return copy


def _stand_in(path: str, number: int) -> str:
    folder, _, name = path.rpartition("/")
    extension = name.rsplit(".", 1)[1] if "." in name else ""
    return (f"{folder}/" if folder else "") + f"(file {number} named after a pupil)" + (f".{extension}" if extension else "")
