"""Assemble the termly governor pack (policy §7.2, §7.3, §17) from the term context.

The summary paragraph comes first (it is not a section), then Placements, Attendance, Compliance,
Incidents, Outcomes and Cost.
"""
from __future__ import annotations

from typing import Callable

from .context import TermContext
from .figures import (attendance_section, cost_section, incidents_section, outcomes_section, placements_section,
                      summary_paragraph)
from .model import GovernorPack, Section

ComplianceFn = Callable[[TermContext], "tuple[Section, dict]"]


def _compliance_section() -> ComplianceFn:
    """compliance.compliance_section(tc) -> (Section, {rule id: {'on_time', 'late', 'not_done', 'not_yet_due'}})."""
    from .compliance import compliance_section
    return compliance_section


def build_pack(tc: TermContext, compliance: ComplianceFn | None = None) -> GovernorPack:
    """The whole pack; `compliance` replaces compliance.compliance_section (tests pass a fake)."""
    compliance_sec, compliance_counts = (compliance or _compliance_section())(tc)
    sections = [placements_section(tc), attendance_section(tc), compliance_sec, incidents_section(tc),
                outcomes_section(tc), cost_section(tc)]
    return GovernorPack(
        school=tc.settings.school_name, term=tc.term.name, start=tc.start, end=tc.end, as_of=tc.as_of,
        target_percent=tc.settings.target_percent, summary=summary_paragraph(tc, compliance_counts),
        sections=sections, suppress_below=int(tc.settings.get("governors", "suppress_below") or 0))
