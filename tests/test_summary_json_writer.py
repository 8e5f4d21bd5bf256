"""summary.json is the text json.dump writes (indent 2, non-ASCII kept), written a batch of pieces at a time."""
from __future__ import annotations

import enum
import json
import math

import pytest

from pipeline import summary_json

PLAIN = {"school": "Ünïcode \"quoted\" \\ back\nline\t\x01 😀", "empty_list": [], "empty_dict": {},
         "numbers": [0, -1, 10**20, 0.1, 1e-7, 1e22, -0.0, 92.5, math.nan, math.inf, -math.inf],
         "flags": [True, False, None], "nested": [{"a": [{"b": {}}], "c": [[]]}, [1, [2, [3]]]],
         "pupils": [{"placement_id": f"P{i:04d}", "week": {"possible": i, "percent": i / 3}} for i in range(3000)]}


class Level(enum.IntEnum):
    HIGH = 1


@pytest.mark.parametrize("pieces", [1, 7, summary_json.PIECES])
@pytest.mark.parametrize("document", [PLAIN, {"ok": "yes", "pairs": [(1, 2)], "level": Level.HIGH}],
                         ids=["plain", "other types"])
def test_the_file_is_the_text_json_dump_writes(tmp_path, monkeypatch, document, pieces):
    monkeypatch.setattr(summary_json, "summary_dict", lambda facts: document)
    monkeypatch.setattr(summary_json, "hide_names_in_paths", lambda summary, names: summary)
    monkeypatch.setattr(summary_json, "PIECES", pieces)

    class Facts:
        pupil_names: dict = {}
    path = tmp_path / "summary.json"
    summary_json.write_summary_json(Facts(), path)
    assert path.read_text("utf-8") == json.dumps(document, indent=2, ensure_ascii=False) + "\n"
