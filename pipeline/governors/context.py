"""Everything the pack is computed from, for one term up to as-of."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..attendance import missing_returns, pupil_figures
from ..calendar import SchoolCalendar, monday_of
from ..delivery import load_passwords
from ..errors import RunError
from ..findings import Findings
from ..read.registers import Registers, read_registers
from ..read.returns import read_returns
from ..rules import RuleContext
from ..sessions import build_sessions
from ..settings import Settings, Term, load_settings


@dataclass
class TermContext:
    settings: Settings
    calendar: SchoolCalendar
    term: Term
    start: dt.date                 # the term's first day
    end: dt.date                   # the earlier of the term's last day and as-of
    as_of: dt.date
    year_start: dt.date
    registers: Registers
    returns: list                  # accepted returns (pipeline.read.returns.Return)
    sessions: pd.DataFrame         # expected sessions from the year's start to `end`, with marks
    findings: Findings
    rules: RuleContext             # the rule context evaluated at `end`

    @property
    def term_sessions(self) -> pd.DataFrame:
        s = self.sessions
        return s[(s["date"] >= self.start) & (s["date"] <= self.end)] if not s.empty else s

    def suppress(self, n: int):
        """A count as governors see it: '<N' below the suppress_below setting (0 = off)."""
        limit = int(self.settings.get("governors", "suppress_below") or 0)
        return f"<{limit}" if limit and 0 < n < limit else n


def term_slug(name: str) -> str:
    """'Autumn 2026' -> 'autumn-2026' (contract §9)."""
    return re.sub(r"\s+", "-", name.strip().lower())


def load_term(data_dir: Path, term_name: str, as_of: dt.date | None = None) -> TermContext:
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise RunError(f"The school folder {data_dir} does not exist. Check the --data path.")
    settings = load_settings(data_dir / "school.toml")
    calendar = SchoolCalendar.from_settings(settings)
    term = calendar.term_named(term_name)
    if term is None:
        names = ", ".join(f'"{t.name}"' for t in calendar.terms)
        raise RunError(f'There is no term called "{term_name}" in school.toml. The terms are: {names}.')
    as_of = as_of or dt.date.today()
    if as_of < term.start:
        raise RunError(f"{term.name} starts on {term.start:%d/%m/%Y}, after --as-of {as_of:%d/%m/%Y}: "
                       "there is nothing to report yet.")
    end = min(term.end, as_of)
    findings = Findings()
    registers = read_registers(data_dir, findings)
    returns = read_returns(data_dir, registers, findings, tuple(load_passwords(settings, data_dir).values()),
                           calendar=calendar)
    year_start = calendar.year_start(term.start)
    sessions = build_sessions(registers.placements, calendar, returns, year_start, monday_of(end), end, findings)
    week = monday_of(end)
    pupils = pupil_figures(sessions, week, year_start, end, settings.target_percent)
    rules = RuleContext(settings, calendar, week, end, registers, sessions, pupils, missing_returns(sessions, week), returns)
    return TermContext(settings, calendar, term, term.start, end, as_of, year_start, registers, returns, sessions,
                       findings, rules)
