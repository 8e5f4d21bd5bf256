"""Attendance at provision over the term's sessions (contract §7, policy §15.5) for the governor pack."""
from __future__ import annotations

from ..attendance import below_target, counts_by_placement, figures, persistent_absence
from ..columns import Columns
from ..labels import provider_name
from ..model import Figures
from .context import TermContext
from .disclosure import Ledger
from .figures_base import TOTAL, pupil_count, week_label
from .model import PERCENT, Chart, Section, Table

FIGURE_COLUMNS = ["Possible sessions", "Attended", "Authorised absence", "Unauthorised absence", "Not reported",
                  "Attendance %"]
ALL = "All placements"
UNITS = {"Attendance %": PERCENT}


def _figures_of(part: Columns) -> Figures:
    return figures(part["category"].counts() if not part.empty else {})


def _pupils_of(tc: TermContext, part: Columns) -> int:
    """Distinct pupils with at least one session in `part`."""
    ids = set(part["placement_id"].counts()) if not part.empty else set()
    return pupil_count([p for p in tc.registers.placements if p.placement_id in ids])


def term_figures(tc: TermContext) -> dict:
    """The term's figures: 'overall', 'providers' {id: fig}, 'weeks' {monday: fig}, 'placements' {id: fig}, and
    'pupils' {'overall': n, 'providers': {id: n}, 'weeks': {monday: n}}: the pupils each figure is about."""
    s = tc.term_sessions
    mondays = tc.calendar.school_weeks(tc.start, tc.end)
    if s.empty:
        parts, weeks = {}, {monday: s for monday in mondays}
    else:
        parts, monday_of_row = s.split_by("provider_id"), s["day"] - s["weekday"]
        weeks = {monday: s.where(monday_of_row == monday.toordinal()) for monday in mondays}
    placements = {pid: figures(c) for pid, c in counts_by_placement(tc.sessions, tc.start, tc.end).items()}
    pupils = {"overall": _pupils_of(tc, s), "providers": {pid: _pupils_of(tc, part) for pid, part in parts.items()},
              "weeks": {monday: _pupils_of(tc, part) for monday, part in weeks.items()}}
    return {"overall": _figures_of(s), "providers": {pid: _figures_of(part) for pid, part in parts.items()},
            "weeks": {monday: _figures_of(part) for monday, part in weeks.items()}, "placements": placements,
            "pupils": pupils}


def pupil_flags(tc: TermContext, fig: dict) -> dict:
    """Placements with term sessions, and those below target or in persistent absence over the term."""
    placements = fig["placements"].values()
    return {"with_sessions": len(fig["placements"]),
            "below_target": sum(below_target(f, tc.settings.target_percent) for f in placements),
            "persistent_absence": sum(persistent_absence(f) for f in placements)}


def _row(labels: list, f: Figures) -> list:
    return [*labels, f.possible, f.attended, f.authorised, f.unauthorised, f.not_reported, f.percent]


OVERALL = "attendance.all"                  # the pupil group of the whole term's attendance figures


def provider_group(pid: str) -> str:
    return f"attendance.provider.{pid}"


def week_group(monday) -> str:
    return f"attendance.week.{monday:%Y-%m-%d}"


def attendance_section(tc: TermContext) -> Section:
    """True figures; Section.facts records the counts and, for each provider, week and the total, the number of
    pupils its figures are about, so that build_pack can suppress those of fewer than suppress_below pupils."""
    facts = Ledger()
    fig = term_figures(tc)
    pupils_of = fig["pupils"]
    target = tc.settings.target_percent
    ids = list(fig["providers"])
    rows = [_row([pid, provider_name(tc.registers.providers, pid)], f) for pid, f in fig["providers"].items()]
    rows.append(_row([TOTAL, ALL], fig["overall"]))
    by_provider = Table("Attendance by provider", ["Provider ID", "Provider"] + FIGURE_COLUMNS, rows, units=UNITS,
                        note="Attendance % = attended ÷ possible sessions; sessions not reported by a provider are "
                             "left out of the percentage and shown on their own.",
                        groups={**{r: provider_group(pid) for r, pid in enumerate(ids)}, len(ids): OVERALL})
    for pid in ids:
        facts.group(provider_group(pid), pupils_of["providers"][pid])
    facts.group(OVERALL, pupils_of["overall"])
    if ids:
        facts.group_line([provider_group(pid) for pid in ids], OVERALL)   # the rows' sessions add up to the total
    flags = pupil_flags(tc, fig)
    pupils = Table("Placements below target", ["Measure", "Placements"], [
        ["Placements with sessions in the term", flags["with_sessions"]],
        [f"Below the {target:g}% target", flags["below_target"]],
        ["In persistent absence (10% or more of possible sessions missed)", flags["persistent_absence"]],
    ], note="Worked out on each placement's sessions over the term.")
    facts.table_counts(pupils, {(0, 1): "attendance.with_sessions", (1, 1): "attendance.below_target",
                                (2, 1): "attendance.persistent_absence"})
    for monday, n in pupils_of["weeks"].items():
        facts.group(week_group(monday), n)
    trend = Chart("Attendance by week", "line", [week_label(m) for m in fig["weeks"]],
                  [(ALL, [f.percent for f in fig["weeks"].values()])], "Attendance %", target, True,
                  groups=[week_group(m) for m in fig["weeks"]])
    bars = Chart("Attendance by provider", "bar", [provider_name(tc.registers.providers, pid) for pid in ids],
                 [("Attendance %", [f.percent for f in fig["providers"].values()])], "Attendance %", target, True,
                 groups=[provider_group(pid) for pid in ids])
    intro = (f"Attendance at provision for the term's sessions from {tc.start:%d/%m/%Y} to {tc.end:%d/%m/%Y} "
             f"against the school's target of {target:g}% (policy §15.5).")
    return Section("attendance", "Attendance", intro, [by_provider, pupils], [trend, bars], facts=facts)
