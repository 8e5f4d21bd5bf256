"""Unique pupil numbers: form and check letter (domain notes)."""
from __future__ import annotations

import pytest

from pipeline.upn import check_letter, make_upn, upn_problem

LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"   # from the domain notes; no I, O or S


def expected_check_letter(body: str) -> str:
    """The domain-notes algorithm, written independently of pipeline.upn."""
    assert len(body) == 12
    total = 0
    for position, ch in enumerate(body, start=2):           # characters 2..13, weights 2..13
        value = LETTERS.index(ch) if ch.isalpha() else int(ch)
        total += position * value
    return LETTERS[total % 23]


# Worked by hand for B801200005001:
#   8*2 + 0*3 + 1*4 + 2*5 + 0*6 + 0*7 + 0*8 + 0*9 + 5*10 + 0*11 + 0*12 + 1*13
#   = 16 + 4 + 10 + 50 + 13 = 93;  93 mod 23 = 1  ->  'B'
WORKED_EXAMPLE = "B801200005001"

# A temporary UPN, worked by hand: body 80120002600K, the final K being index 9 in LETTERS.
#   8*2 + 0*3 + 1*4 + 2*5 + 0*6 + 0*7 + 0*8 + 2*9 + 6*10 + 0*11 + 0*12 + 9*13
#   = 16 + 4 + 10 + 18 + 60 + 117 = 225;  225 mod 23 = 18  ->  LETTERS[18] = 'V'
TEMPORARY = "V80120002600K"


def test_the_independent_algorithm_agrees_with_the_worked_examples():
    assert expected_check_letter(WORKED_EXAMPLE[1:]) == "B"
    assert expected_check_letter(TEMPORARY[1:]) == "V"


@pytest.mark.parametrize("upn", [WORKED_EXAMPLE, TEMPORARY])
def test_valid_upn(upn):
    assert upn_problem(upn) is None


@pytest.mark.parametrize("body", [
    "801200005001", "938401112023", "000000000000", "999999999999", "201345617123",
    "80120002600A", "80120002600Z", "93840111202H", "20134561712T",
])
def test_check_letter_matches_the_algorithm(body):
    letter = expected_check_letter(body)
    assert check_letter(body) == letter
    assert make_upn(body) == letter + body
    assert upn_problem(letter + body) is None


@pytest.mark.parametrize("upn, right", [
    ("A801200005001", "B"),
    ("C801200005001", "B"),
    ("Z801200005001", "B"),
    ("B80120002600K", "V"),
    ("V801200005002", expected_check_letter("801200005002")),
])
def test_wrong_check_letter_names_the_right_one(upn, right):
    assert right != upn[0]
    message = upn_problem(upn)
    assert message is not None
    assert "check letter" in message
    assert f"should be {right}" in message
    assert upn[0] in message


@pytest.mark.parametrize("upn", ["", "B80120000500", "B8012000050011", "B801200005001 X", "B8012", None])
def test_wrong_length(upn):
    message = upn_problem(upn)
    assert message is not None
    assert "13" in message


def test_wrong_length_says_how_many_characters():
    assert "12" in upn_problem("B80120000500")


@pytest.mark.parametrize("upn", ["b801200005001", " B801200005001 ", "v80120002600k", "V80120002600k"])
def test_lower_case_and_surrounding_spaces_accepted(upn):
    assert upn_problem(upn) is None


@pytest.mark.parametrize("final", ["I", "O", "S"])
def test_temporary_upn_cannot_end_in_i_o_or_s(final):
    body = "80120002600" + final
    # whatever check letter is put in front, the UPN is rejected (and reading it does not crash)
    for letter in LETTERS:
        message = upn_problem(letter + body)
        assert message is not None
        assert "check letter" not in message


@pytest.mark.parametrize("upn", [
    "8801200005001",    # first character must be a letter
    "B80120000500A1",   # 14 characters
    "B8012000050A1",    # a letter in the middle
    "B801200005-01",    # punctuation
    "B80120000500?",
])
def test_wrong_form(upn):
    assert upn_problem(upn) is not None
