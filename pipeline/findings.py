"""Findings: every problem found in the inputs, as a person would locate it.

A finding goes into summary.json, which programs read and which must hold no personal data (contract §13):
it quotes a cell's text, in `value` or in its message, only when that text could not be a name or a note:
no space and at most QUOTABLE_LENGTH characters (a mistyped code, date, number or ID). Any other text is
dropped from `value` and, for a finding on a cell or row, taken out of the message, which names the cell
instead ("Start date in cell K7 is not a date"). Findings.add does this for every caller. A message may
still name the contract's own headers and labels ("The header 'Start date' is in J1 and again in AL1"):
they are the template's words, never a person's, though the value of such a finding is null all the same.

Every finding's rule is a code declared in the finding catalogue (pipeline/finding_types.py), with a
severity its type allows; Findings.add checks both.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache

from .finding_types import ERROR, INFO, WARNING, finding_type  # noqa: F401  (INFO: findings.INFO, as before)
from .identifiers import shown
from .schema import WORKBOOKS

QUOTABLE_LENGTH = 12


@dataclass(frozen=True)
class Finding:
    file: str                 # relative to --data, with '/'
    sheet: str | None         # None for a finding about a whole file
    cell: str | None          # 'E7' as Excel shows it; a row ('7') or None
    rule: str
    severity: str
    value: str | None
    message: str

    def to_dict(self) -> dict:
        return asdict(self)


class Findings(list):
    """A list of findings with helpers to add them tersely."""

    def add(self, file, sheet, cell, rule, severity, value, message) -> None:
        finding_type(rule, severity)        # ValueError for an undeclared code or a severity it does not allow
        if value is not None and not isinstance(value, str):
            value = _text(value)
        if value is not None and not quotable(value):
            if cell is not None and _folded(value) not in _CONTRACT_WORDS:
                message = unquoted(message, value, _place(file, cell))
            value = None
        self.append(Finding(file, sheet, cell, rule, severity, value, message))

    def error(self, file, sheet, cell, rule, value, message) -> None:
        self.add(file, sheet, cell, rule, ERROR, value, message)

    def warning(self, file, sheet, cell, rule, value, message) -> None:
        self.add(file, sheet, cell, rule, WARNING, value, message)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self if f.severity == ERROR]


def quotable(value: str) -> bool:
    """True when a cell's text may be quoted in a finding: no space of any kind (a line break, a tab and a
    non-breaking space count) and at most QUOTABLE_LENGTH characters once the outer spaces are trimmed."""
    s = value.strip()
    return len(s) <= QUOTABLE_LENGTH and not any(ch.isspace() for ch in s)


def unquoted(message: str, value: str, place: str) -> str:
    """`message` with every occurrence of the cell's text `value` replaced by words naming `place`
    ('cell K7'): quoted or bare, trimmed, with its spaces changed or removed, in other capitals, as repr()
    or identifiers.shown() writes it. The words fit where the text stood: after a word ("Start date 'x' is
    not a date") they are "in cell K7", at the start of a sentence "The text in cell K7", else "the text
    in cell K7"."""
    pattern = _pattern(value)
    if pattern is None:
        return message

    def words(m: re.Match) -> str:
        before = message[:m.start()].rstrip()
        if not before or before[-1] in ".!?":
            return f"The text in {place}"
        if before[-1].isalnum() and m.start() > len(before):
            return f"in {place}"
        return f"the text in {place}"

    return pattern.sub(words, message)


@lru_cache(maxsize=1024)       # a filled-down sheet repeats one text thousands of times
def _pattern(value: str) -> re.Pattern | None:
    forms = {value, value.strip(), shown(value.strip()), repr(value.strip())[1:-1]}
    alternatives = sorted({_loose(f) for f in forms if f.strip()}, key=len, reverse=True)
    if not alternatives:
        return None
    return re.compile(r"""['"‘“]?(?:%s)['"’”]?""" % "|".join(alternatives), re.IGNORECASE)


def _loose(form: str) -> str:
    """A regex for `form` in any capitals, with any run of spaces in it written as other spaces or none."""
    return r"\s*".join(re.escape(part) for part in form.split())


def _place(file: str, cell: str) -> str:
    """'cell K7', or for a finding on a whole row 'row 7' ('line 7' of a CSV file)."""
    if not cell.isdigit():
        return f"cell {cell}"
    return f"line {cell}" if str(file).lower().endswith(".csv") else f"row {cell}"


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


# Every header and label of the contract's workbooks, as _folded writes them.
_CONTRACT_WORDS = frozenset(_folded(name) for book in WORKBOOKS for sheet in book.sheets
                            for name in (*(c.header for c in sheet.columns), *(lb.label for lb in sheet.labels)))


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
