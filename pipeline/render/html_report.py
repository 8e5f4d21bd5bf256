"""The attendance lead's weekly web page (contract §9: weekly_report.html).

One self-contained file: inline CSS, no links, scripts, fonts or images, so it can be
e-mailed, opened on a phone and printed. Deterministic: no wall-clock time.
"""
from __future__ import annotations

from itertools import groupby
from pathlib import Path

from markupsafe import Markup, escape

from ..milestones import MILESTONE_HEADERS
from ..model import Facts
from ..output import atomic_path, write_pieces
from ..schema import PROVIDER_CHECKS
from ..trend import trend_text
from .changes_wording import change_rows, changes_sentence
from ..heap import writer
from .pages import ENV
from .wording import actions_by_person, first_step, owner_heading, reconciliation_note, report_actions, safeguarding_first, summary_counts

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
PIECES = 4096       # pieces of the page joined for one write


SPARK_W, SPARK_H, SPARK_PAD = 96, 30, 3
SPARK_INK, SPARK_TARGET = "#1d70b8", "#505a5f"


def sparkline(values, target: float) -> Markup:
    """A small inline SVG of a pupil's weekly percentages (0-100%, oldest first): a line through the weeks with
    something possible (broken where a week has none), a dot on each, the target as a dashed line, and the
    figures in words as its text alternative."""
    n = len(values)
    def x(i):
        return SPARK_PAD + (SPARK_W - 2 * SPARK_PAD) * (i / (n - 1) if n > 1 else 0.5)

    # 50-100% unless a point is lower (then 0-100%), so a fall of a few points still shows
    low = 50.0 if all(v is None or v >= 50 for v in values) and target >= 50 else 0.0

    def y(v):
        return SPARK_PAD + (SPARK_H - 2 * SPARK_PAD) * (1 - (max(low, min(100.0, v)) - low) / (100 - low))
    label = escape(trend_text(values))
    parts = [f'<svg class="spark" role="img" aria-label="{label}" width="{SPARK_W}" height="{SPARK_H}" '
             f'viewBox="0 0 {SPARK_W} {SPARK_H}"><title>{label}</title>',
             f'<line class="spark-target" x1="0" x2="{SPARK_W}" y1="{y(target):.1f}" y2="{y(target):.1f}" '
             f'stroke="{SPARK_TARGET}" stroke-width="1" stroke-dasharray="3 2" />']
    runs, run = [], []
    for i, v in enumerate(values):
        if v is not None:
            run.append(f"{x(i):.1f},{y(v):.1f}")
        elif run:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    parts += [f'<polyline class="spark-line" points="{" ".join(r)}" fill="none" stroke="{SPARK_INK}" '
              'stroke-width="1.5" />' for r in runs if len(r) > 1]
    parts += [f'<circle class="spark-dot" cx="{x(i):.1f}" cy="{y(v):.1f}" r="1.8" fill="{SPARK_INK}" />'
              for i, v in enumerate(values) if v is not None]
    return Markup("".join(parts) + "</svg>")


class MilestoneCells:
    """A placement's milestone cells on the page, each a line made by the macro in the partial
    _milestone_cell.html.j2, and each different cell made once: the placements share their cells (one dict for
    each milestone, text and state: milestones.py), a few thousand different ones where the page shows 13 a
    placement."""

    def __init__(self):
        self.cell = ENV.get_template("_milestone_cell.html.j2").module.milestone_cell
        self.made: dict[int, str] = {}      # id of a cell's dict (alive while the page is made) -> its line

    def __call__(self, milestones) -> Markup:
        made = self.made
        return Markup("".join([made.get(id(m)) or self._make(m) for m in milestones]))

    def _make(self, m) -> str:
        line = self.made[id(m)] = str(self.cell(m))
        return line


def _context(result: Facts) -> dict:
    pupils = [(p, result.pupil_names.get(p.placement_id, ""), result.provider_names.get(p.provider_id, ""),
               result.provider_notes.get(p.placement_id, "")) for p in result.pupils]
    trend = result.trend
    trends = {p.placement_id: (sparkline(trend.of(p.placement_id), result.settings.target_percent),
                               trend_text(trend.of(p.placement_id)), trend.falling(p.placement_id))
              for p in result.pupils} if trend is not None else {}
    by_owner = [(owner, owner_heading(result, owner, len(items)), items)
                for owner, items in ((o, list(g)) for o, g in groupby(report_actions(result), key=lambda a: a.owner))]
    missing = [(m, result.provider_names.get(m.provider_id, ""), *result.provider_contacts.get(m.provider_id, ("", "", "")))
               for m in result.missing_returns]
    findings = sorted(result.findings, key=lambda x: (x.file, SEVERITY_ORDER.get(x.severity, 9)))
    by_file = [(file, list(group)) for file, group in groupby(findings, key=lambda x: x.file)]
    return {"school": result.settings.school_name, "week": result.week, "as_of": result.as_of,
            "target": result.settings.target_percent,
            "window": result.settings.options.get(("rules", "due_window_school_days"), 10),
            "counts": summary_counts(result), "first_step": first_step(result),
            "pupils": pupils, "actions_by_owner": by_owner, "actions_by_person": actions_by_person(result), "missing": missing, "findings_by_file": by_file,
            "placements": result.placements, "milestone_headers": MILESTONE_HEADERS, "milestone_cells": MilestoneCells(),
            "providers": result.providers, "check_headers": PROVIDER_CHECKS,
            "reconciliation": safeguarding_first(result), "reconciliation_note": reconciliation_note(result),
            "register_files": result.register_files, "trends": trends, "trend_weeks": trend.weeks if trend else (),
            "changes_sentence": changes_sentence(result), "changes": change_rows(result)}


def render_html_report(result: Facts) -> str:
    return ENV.get_template("weekly_report.html.j2").render(**_context(result))


@writer
def write_html_report(result: Facts, path) -> None:
    """The page written as Jinja makes it (the same bytes as render_html_report), never held whole: its pieces
    (a few hundred thousand at L, most a few letters) joined and written PIECES at a time."""
    pieces = ENV.get_template("weekly_report.html.j2").generate(**_context(result))
    with atomic_path(Path(path)) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as out:
        write_pieces(out, pieces, PIECES)
