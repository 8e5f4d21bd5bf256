"""Findings: every problem found in the inputs, as a person would locate it."""
from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR, WARNING, INFO = "error", "warning", "info"


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
        if value is not None and not isinstance(value, str):
            value = _text(value)
        self.append(Finding(file, sheet, cell, rule, severity, value, message))

    def error(self, file, sheet, cell, rule, value, message) -> None:
        self.add(file, sheet, cell, rule, ERROR, value, message)

    def warning(self, file, sheet, cell, rule, value, message) -> None:
        self.add(file, sheet, cell, rule, WARNING, value, message)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self if f.severity == ERROR]


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
