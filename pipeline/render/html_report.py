"""The attendance lead's weekly web page (contract §9: weekly_report.html).

One self-contained file: inline CSS, no links, scripts, fonts or images, so it can be
e-mailed, opened on a phone and printed. Deterministic: no wall-clock time.
"""
from __future__ import annotations

import datetime as dt
from itertools import groupby
from pathlib import Path

from jinja2 import Environment, PackageLoader

from ..labels import abbreviated_date
from ..milestones import MILESTONE_HEADERS
from ..model import Facts
from ..output import write_text
from ..schema import PROVIDER_CHECKS
from .wording import first_step, plural, report_actions, summary_counts
from .xlsx_report import reconciliation_note, safeguarding_first

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def uk_date(d: dt.date | None, weekday: bool = False) -> str:
    """'23 Nov 2026' (or 'Monday 23 Nov 2026'); '' for no date. Independent of the locale."""
    if not d:
        return ""
    return abbreviated_date(d, weekday)


def short_date(d: dt.date | None) -> str:
    """'07/09/2026', as the registers write dates; '' for no date."""
    return "" if not d else f"{d:%d/%m/%Y}"


def percent(value) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


_ENV = Environment(loader=PackageLoader("pipeline.render", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_ENV.filters.update(uk_date=uk_date, short_date=short_date, percent=percent)
_ENV.globals.update(plural=plural)


def _context(result: Facts) -> dict:
    pupils = [(p, result.pupil_names.get(p.placement_id, ""), result.provider_names.get(p.provider_id, ""))
              for p in result.pupils]
    by_owner = [(owner, list(group)) for owner, group in groupby(report_actions(result), key=lambda a: a.owner)]
    missing = [(m, result.provider_names.get(m.provider_id, "")) for m in result.missing_returns]
    findings = sorted(result.findings, key=lambda x: (x.file, SEVERITY_ORDER.get(x.severity, 9)))
    by_file = [(file, list(group)) for file, group in groupby(findings, key=lambda x: x.file)]
    return {"school": result.settings.school_name, "week": result.week, "as_of": result.as_of,
            "target": result.settings.target_percent,
            "window": result.settings.options.get(("rules", "due_window_school_days"), 10),
            "counts": summary_counts(result), "first_step": first_step(result),
            "pupils": pupils, "actions_by_owner": by_owner, "missing": missing, "findings_by_file": by_file,
            "placements": result.placements, "milestone_headers": MILESTONE_HEADERS,
            "providers": result.providers, "check_headers": PROVIDER_CHECKS,
            "reconciliation": safeguarding_first(result), "reconciliation_note": reconciliation_note(result),
            "register_files": result.register_files}


def render_html_report(result: Facts) -> str:
    return _ENV.get_template("weekly_report.html.j2").render(**_context(result))


def write_html_report(result: Facts, path) -> None:
    write_text(Path(path), render_html_report(result))
