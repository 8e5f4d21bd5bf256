"""Attendance at provision over the term's sessions (contract §7, policy §15.5) for the governor pack."""
from __future__ import annotations

import pandas as pd

from ..attendance import below_target, counts_by_placement, figures, persistent_absence
from .context import TermContext
from .figures_base import TOTAL, provider_name, week_label
from .model import Chart, Section, Table

FIGURE_COLUMNS = ["Possible sessions", "Attended", "Authorised absence", "Unauthorised absence", "Not reported",
                  "Attendance %"]
ALL = "All placements"


def _figures_of(part: pd.DataFrame) -> dict:
    return figures(part["category"].value_counts().to_dict() if not part.empty else {})


def term_figures(tc: TermContext) -> dict:
    """The term's figures: 'overall', 'providers' {id: fig}, 'weeks' {monday: fig}, 'placements' {id: fig}."""
    s = tc.term_sessions
    providers = {pid: _figures_of(part) for pid, part in s.groupby("provider_id")} if not s.empty else {}
    weeks = {monday: _figures_of(s[s["week"] == monday]) if not s.empty else figures({})
             for monday in tc.calendar.school_weeks(tc.start, tc.end)}
    placements = {pid: figures(c) for pid, c in counts_by_placement(tc.sessions, tc.start, tc.end).items()}
    return {"overall": _figures_of(s), "providers": dict(sorted(providers.items())), "weeks": weeks,
            "placements": placements}


def pupil_flags(tc: TermContext, fig: dict) -> dict:
    """Placements with term sessions, and those below target or in persistent absence over the term."""
    placements = fig["placements"].values()
    return {"with_sessions": len(fig["placements"]),
            "below_target": sum(below_target(f, tc.settings.target_percent) for f in placements),
            "persistent_absence": sum(persistent_absence(f) for f in placements)}


def _row(labels: list, f: dict) -> list:
    return [*labels, f["possible"], f["attended"], f["authorised"], f["unauthorised"], f["not_reported"], f["percent"]]


def attendance_section(tc: TermContext) -> Section:
    fig = term_figures(tc)
    target = tc.settings.target_percent
    rows = [_row([pid, provider_name(tc, pid)], f) for pid, f in fig["providers"].items()]
    rows.append(_row([TOTAL, ALL], fig["overall"]))
    by_provider = Table("Attendance by provider", ["Provider ID", "Provider"] + FIGURE_COLUMNS, rows,
                        note="Attendance % = attended ÷ possible sessions; sessions not reported by a provider are "
                             "left out of the percentage and shown on their own.")
    flags = pupil_flags(tc, fig)
    pupils = Table("Placements below target", ["Measure", "Placements"], [
        ["Placements with sessions in the term", tc.suppress(flags["with_sessions"])],
        [f"Below the {target:g}% target", tc.suppress(flags["below_target"])],
        ["In persistent absence (10% or more of possible sessions missed)", tc.suppress(flags["persistent_absence"])],
    ], note="Worked out on each placement's sessions over the term.")
    trend = Chart("Attendance by week", "line", [week_label(m) for m in fig["weeks"]],
                  [(ALL, [f["percent"] for f in fig["weeks"].values()])], "Attendance %", target, True)
    bars = Chart("Attendance by provider", "bar", [provider_name(tc, pid) for pid in fig["providers"]],
                 [("Attendance %", [f["percent"] for f in fig["providers"].values()])], "Attendance %", target, True)
    intro = (f"Attendance at provision for the term's sessions from {tc.start:%d/%m/%Y} to {tc.end:%d/%m/%Y} "
             f"against the school's target of {target:g}% (policy §15.5).")
    return Section("attendance", "Attendance", intro, [by_provider, pupils], [trend, bars])
