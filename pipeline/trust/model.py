"""What a trust run knows: each school's result (a digest of counts, or why it could not be run)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .digest import SchoolDigest
from .settings import TrustSettings


@dataclass(frozen=True)
class SchoolResult:
    """One school of the trust after its run: its exit meaning and digest, or the one-line reason it could not
    be run. `console` is the school's own console summary (names its files; never put in the trust report)."""
    folder: str
    exit_code: int | None           # 0, 1 or 3 as a --data run; None: the school could not be run
    reason: str = ""                # why it could not be run, in one line
    digest: SchoolDigest | None = None
    console: str = ""
    report_reason: str = ""         # the reason as the trust report gives it: no path but the school's folder name

    @property
    def shared_reason(self) -> str:
        return self.report_reason or self.reason

    @property
    def ran(self) -> bool:
        return self.exit_code is not None


@dataclass(frozen=True)
class TrustFacts:
    """The trust run: what the trust report is drawn from."""
    settings: TrustSettings
    week: dt.date                   # Monday of the trust report's folder OUT/<Monday>/
    schools: tuple[SchoolResult, ...]    # in trust.toml's order
