"""Unique pupil numbers: form and check letter (domain notes)."""
from __future__ import annotations

import re

ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"
_FORM = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it."""
    total = 0
    for weight, ch in enumerate(body, start=2):
        total += weight * (int(ch) if ch.isdigit() else ALPHABET.index(ch))
    return ALPHABET[total % 23]


def upn_problem(upn: str) -> str | None:
    """None for a valid (or valid temporary) UPN, else what is wrong, in plain English."""
    upn = (upn or "").strip().upper()
    if len(upn) != 13:
        return f"a UPN has 13 characters; this one has {len(upn)}"
    if not _FORM.match(upn) or (upn[-1].isalpha() and upn[-1] not in ALPHABET):
        return "a UPN is a letter, then 11 digits, then a digit (or a letter for a temporary UPN)"
    if upn[0] != check_letter(upn[1:]):
        return f"the check letter should be {check_letter(upn[1:])}, not {upn[0]}"
    return None


def make_upn(body: str) -> str:
    """A valid UPN for a 12-character body (used by the demo and test factories)."""
    return check_letter(body) + body
