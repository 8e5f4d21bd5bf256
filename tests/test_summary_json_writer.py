"""summary.json written by its own encoder is the text json.dump writes (indent 2, non-ASCII kept)."""
from __future__ import annotations

import enum
import io
import json
import math

import pytest

from pipeline import summary_json
from pipeline.summary_json import _encode, _Unusual

PLAIN = {"school": "Ünïcode \"quoted\" \\ back\nline\t\x01 😀", "empty_list": [], "empty_dict": {},
         "numbers": [0, -1, 10**20, 0.1, 1e-7, 1e22, -0.0, 92.5, math.nan, math.inf, -math.inf],
         "flags": [True, False, None], "nested": [{"a": [{"b": {}}], "c": [[]]}, [1, [2, [3]]]],
         "pupils": [{"placement_id": f"P{i:04d}", "week": {"possible": i, "percent": i / 3}} for i in range(3000)]}


class Level(enum.IntEnum):
    HIGH = 1


def _text(value) -> str:
    out, pieces = io.StringIO(), []
    _encode(value, pieces, "\n", out)
    return out.getvalue() + "".join(pieces)


def test_the_same_text_as_json():
    assert _text(PLAIN) == json.dumps(PLAIN, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("odd", [(1, 2), {1: "a"}, Level.HIGH, b"x", {"s": {1, 2}}])
def test_any_other_value_is_left_to_json(odd):
    with pytest.raises(_Unusual):
        _text({"fine": [1, "two"], "odd": odd})


def test_a_file_with_another_value_is_written_by_json(tmp_path, monkeypatch):
    document = {"ok": "yes", "pairs": [(1, 2)], "level": Level.HIGH}
    monkeypatch.setattr(summary_json, "summary_dict", lambda facts: document)
    monkeypatch.setattr(summary_json, "hide_names_in_paths", lambda summary, names: summary)
    monkeypatch.setattr(summary_json, "PIECES", 1)         # a part written before the odd value is met

    class Facts:
        pupil_names: dict = {}
    path = tmp_path / "summary.json"
    summary_json.write_summary_json(Facts(), path)
    assert path.read_text("utf-8") == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
