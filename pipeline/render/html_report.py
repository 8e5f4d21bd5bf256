"""The attendance lead's weekly web page (contract §9: weekly_report.html).

One self-contained file: inline CSS, no links, scripts, fonts or images, so it can be
e-mailed, opened on a phone and printed. Deterministic: no wall-clock time.
"""
from __future__ import annotations

from itertools import groupby
from pathlib import Path

from ..milestones import MILESTONE_HEADERS
from ..model import Facts
from ..output import write_text
from ..schema import PROVIDER_CHECKS
from .pages import ENV
from .wording import actions_by_person, first_step, owner_heading, reconciliation_note, report_actions, safeguarding_first, summary_counts

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def _context(result: Facts) -> dict:
    pupils = [(p, result.pupil_names.get(p.placement_id, ""), result.provider_names.get(p.provider_id, ""),
               result.provider_notes.get(p.placement_id, "")) for p in result.pupils]
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
            "placements": result.placements, "milestone_headers": MILESTONE_HEADERS,
            "providers": result.providers, "check_headers": PROVIDER_CHECKS,
            "reconciliation": safeguarding_first(result), "reconciliation_note": reconciliation_note(result),
            "register_files": result.register_files}


def render_html_report(result: Facts) -> str:
    return ENV.get_template("weekly_report.html.j2").render(**_context(result))


def write_html_report(result: Facts, path) -> None:
    write_text(Path(path), render_html_report(result))
