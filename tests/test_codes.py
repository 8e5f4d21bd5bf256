"""Register codes and how they count (contract §7)."""
from __future__ import annotations

import pytest

from pipeline.codes import (ATTENDED, AUTHORISED, NOT_POSSIBLE, UNAUTHORISED, Mark, normalise, read_code,
                            valid_codes)

# Contract §7, written out here by hand (not taken from codes.py).
TABLE = {
    "attended": "/ \\ L K V P W B",
    "authorised": "C1 M J1 S C2 C T R I E",
    "unauthorised": "G N O U",
    "not_possible": "D X Q Y1 Y2 Y3 Y4 Y5 Y6 Y7 Z #",
}
CATEGORY = {"attended": ATTENDED, "authorised": AUTHORISED, "unauthorised": UNAUTHORISED,
            "not_possible": NOT_POSSIBLE}
CURRENT = [(code, category) for category, codes in TABLE.items() for code in codes.split()]
LEGACY = [("H", "authorised"), ("F", "authorised"), ("J", "attended"), ("Y", "not_possible")]


def test_the_table_has_every_code_once():
    codes = [c for c, _ in CURRENT]
    assert len(codes) == len(set(codes)) == 8 + 10 + 4 + 12


@pytest.mark.parametrize("code, category", CURRENT)
def test_current_code_counts_as_the_contract_says(code, category):
    assert read_code(code) == Mark(code, CATEGORY[category], legacy=False)


@pytest.mark.parametrize("code, category", LEGACY)
def test_legacy_code_counts_and_is_flagged(code, category):
    mark = read_code(code)
    assert mark is not None
    assert mark.category == CATEGORY[category]
    assert mark.legacy is True
    assert mark.code == code


def test_j1_is_authorised_but_legacy_j_is_attended():
    assert read_code("J1").category == AUTHORISED and not read_code("J1").legacy
    assert read_code("J").category == ATTENDED and read_code("J").legacy


def test_y1_to_y7_are_current_but_plain_y_is_legacy():
    assert all(not read_code(f"Y{i}").legacy for i in range(1, 8))
    assert read_code("Y").legacy


def test_providers_may_enter_every_current_code_and_no_legacy_one():
    assert set(valid_codes()) == {c for c, _ in CURRENT}
    assert not {c for c, _ in LEGACY} & set(valid_codes())


@pytest.mark.parametrize("raw, code, category", [
    (" b ", "B", ATTENDED),
    ("b", "B", ATTENDED),
    ("i", "I", AUTHORISED),
    ("y3", "Y3", NOT_POSSIBLE),
    (" Y3", "Y3", NOT_POSSIBLE),
    ("c1", "C1", AUTHORISED),
    ("j1 ", "J1", AUTHORISED),
    ("n", "N", UNAUTHORISED),
    ("\t/ ", "/", ATTENDED),
    ("\\", "\\", ATTENDED),
    (" # ", "#", NOT_POSSIBLE),
])
def test_lower_case_and_spaces_are_accepted(raw, code, category):
    assert read_code(raw) == Mark(code, category)


@pytest.mark.parametrize("raw, category", [(" h", AUTHORISED), ("f ", AUTHORISED), ("j", ATTENDED), (" y ", NOT_POSSIBLE)])
def test_legacy_codes_in_lower_case(raw, category):
    mark = read_code(raw)
    assert mark.category == category and mark.legacy


def test_morning_and_afternoon_marks_both_count_as_attended():
    assert read_code("/").category == read_code("\\").category == ATTENDED


@pytest.mark.parametrize("raw", ["A", "BB", "", "   ", None, "Y8", "Y0", "J2", "C3", "-", "//", "1", 1, "present", "B/"])
def test_unknown_code_is_none(raw):
    assert read_code(raw) is None


@pytest.mark.parametrize("raw, expected", [(None, ""), ("", ""), (" b ", "B"), ("y3", "Y3"), (1.0, "1"), (2, "2")])
def test_normalise(raw, expected):
    assert normalise(raw) == expected
