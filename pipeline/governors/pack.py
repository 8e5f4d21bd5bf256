"""Assemble the termly governor pack (policy §7.2, §7.3, §17) from the term context.

The summary paragraph comes first (it is not a section), then Placements, Attendance, Compliance,
Incidents, Outcomes and Cost. The sections hold true figures; disclosure.py protects every count of them
at once (one number shown in two tables is one number), and the summary is written from what it shows.
"""
from __future__ import annotations

from typing import Callable

from .context import TermContext
from .disclosure import Ledger, Protection, apply_section, protect_ledger
from .figures import (attendance_section, cost_section, incidents_section, outcomes_section, placements_section,
                      summary_paragraph)
from .figures_summary import letter_facts
from .model import GovernorPack, Section

ComplianceFn = Callable[[TermContext], "tuple[Section, dict]"]


def _compliance_section() -> ComplianceFn:
    """compliance.compliance_section(tc) -> (Section, {rule id: {'on_time', 'late', 'not_done', 'not_yet_due'}})."""
    from .compliance import compliance_section
    return compliance_section


def suppress_below(tc: TermContext) -> int:
    return int(tc.settings.get("governors", "suppress_below") or 0)


def raw_sections(tc: TermContext, compliance: ComplianceFn | None = None) -> tuple[list[Section], dict]:
    """The sections with their true figures, and the compliance counts."""
    compliance_sec, compliance_counts = (compliance or _compliance_section())(tc)
    return [placements_section(tc), attendance_section(tc), compliance_sec, incidents_section(tc),
            outcomes_section(tc), cost_section(tc)], compliance_counts


def _protect(tc: TermContext, sections: list[Section], compliance_counts: dict) -> Protection:
    ledger = Ledger()
    for s in sections:
        ledger.merge(s.facts)
    ledger.merge(letter_facts(compliance_counts))
    return protect_ledger(ledger, suppress_below(tc))


def protection_of(tc: TermContext, compliance_counts: dict) -> Protection:
    """What the pack hides of the figures the summary quotes, with the compliance counts given (the
    Compliance table itself is not rebuilt: the summary quotes only its parent-letter counts)."""
    sections, _ = raw_sections(tc, lambda _: (Section("compliance", "Compliance"), compliance_counts))
    return _protect(tc, sections, compliance_counts)


def build_pack(tc: TermContext, compliance: ComplianceFn | None = None) -> GovernorPack:
    """The whole pack; `compliance` replaces compliance.compliance_section (tests pass a fake)."""
    sections, compliance_counts = raw_sections(tc, compliance)
    protection = _protect(tc, sections, compliance_counts)
    return GovernorPack(
        school=tc.settings.school_name, term=tc.term.name, start=tc.start, end=tc.end, as_of=tc.as_of,
        target_percent=tc.settings.target_percent,
        summary=summary_paragraph(tc, compliance_counts, protection),
        sections=[apply_section(s, protection) for s in sections], suppress_below=suppress_below(tc))
