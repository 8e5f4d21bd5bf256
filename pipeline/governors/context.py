"""Everything the pack is computed from, for one term up to as-of: the core's Facts at the term's end."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from ..calendar import SchoolCalendar, monday_of
from ..columns import Columns
from ..core import compute_facts
from ..errors import RunError
from ..model import Facts
from ..read.registers import Registers
from ..rules import RuleContext
from ..settings import Settings, Term, load_settings


@dataclass(frozen=True)
class TermContext:
    term: Term
    start: dt.date                 # the term's first day
    end: dt.date                   # the earlier of the term's last day and as-of
    as_of: dt.date
    facts: Facts                   # compute_facts for the week holding `end`, counted up to `end`

    @property
    def settings(self) -> Settings:
        return self.facts.settings

    @property
    def rules(self) -> RuleContext:
        """The rule context evaluated at `end`."""
        return self.facts.rules

    @property
    def calendar(self) -> SchoolCalendar:
        return self.rules.calendar

    @property
    def year_start(self) -> dt.date:
        return self.facts.year_start

    @property
    def registers(self) -> Registers:
        return self.rules.registers

    @property
    def returns(self) -> list:
        """Accepted returns (pipeline.read.returns.Return)."""
        return self.rules.returns

    @property
    def sessions(self) -> Columns:
        """Expected sessions from the year's start to `end`, with marks."""
        return self.rules.sessions

    @property
    def term_sessions(self) -> Columns:
        s = self.sessions
        return s.where((s["day"] >= self.start.toordinal()) & (s["day"] <= self.end.toordinal())) if not s.empty else s

    def suppress(self, n: int):
        """A count as governors see it: '<N' below the suppress_below setting (0 = off)."""
        limit = int(self.settings.get("governors", "suppress_below") or 0)
        return f"<{limit}" if limit and 0 < n < limit else n


def term_slug(name: str) -> str:
    """'Autumn 2026' -> 'autumn-2026' (contract §9)."""
    return re.sub(r"\s+", "-", name.strip().lower())


def load_term(data_dir: Path, term_name: str, as_of: dt.date | None = None, out_dir: Path | None = None) -> TermContext:
    """The term named `term_name` up to the earlier of its end and `as_of` (default today). RunError (one plain
    line) for a term that is not in school.toml, naming the terms that are, or one that has not started."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise RunError(f"The school folder {data_dir} does not exist. Check the --data path.")
    calendar = SchoolCalendar.from_settings(load_settings(data_dir / "school.toml"))
    term = calendar.term_named(term_name)
    if term is None:
        names = ", ".join(f'"{t.name}"' for t in calendar.terms)
        raise RunError(f'There is no term called "{term_name}" in school.toml. The terms are: {names}.')
    as_of = as_of or dt.date.today()
    if as_of < term.start:
        raise RunError(f"{term.name} starts on {term.start:%d/%m/%Y}, after --as-of {as_of:%d/%m/%Y}: "
                       "there is nothing to report yet.")
    end = min(term.end, as_of)
    return TermContext(term, term.start, end, as_of, compute_facts(data_dir, monday_of(end), end, out_dir=out_dir))
