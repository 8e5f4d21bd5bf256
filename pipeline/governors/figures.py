"""The governor pack's figures, one Section per part of the pack, and the summary paragraph.

The work is split over figures_*.py modules to keep each small; this module is the one to import.
"""
from __future__ import annotations

from .figures_attendance import attendance_section, pupil_flags, term_figures
from .figures_cost import budget_figures, cost_figures, cost_section
from .figures_placements import (incidents_section, outcome_figures, outcomes_section, placement_groups,
                                 placements_section, term_incidents)
from .figures_summary import summary_paragraph

__all__ = ["attendance_section", "budget_figures", "cost_figures", "cost_section", "incidents_section",
           "outcome_figures", "outcomes_section", "placement_groups", "placements_section", "pupil_flags",
           "summary_paragraph", "term_figures", "term_incidents"]
