"""The governor pack's short plain-English summary paragraph, written from the figures (suppression respected)."""
from __future__ import annotations

from .context import TermContext
from .figures_attendance import pupil_flags, term_figures
from .figures_base import active_in_term, money, provider_ids, pupil_count
from .figures_cost import budget_figures, cost_figures

LETTER_RULE = "parent-letter"


def _n(tc: TermContext, n: int) -> str:
    """A count as words may show it: 'fewer than 3' when suppressed."""
    shown = tc.suppress(n)
    return f"fewer than {shown[1:]}" if isinstance(shown, str) else str(n)


def _noun(tc: TermContext, n: int, one: str, many: str) -> str:
    return f"{_n(tc, n)} {one if tc.suppress(n) == 1 else many}"


def _pounds(value) -> str:
    return f"£{money(value):,.2f}"


def _placements_sentence(tc: TermContext) -> tuple[str, str]:
    """The opening sentence, and the word ('pupils' or 'placements') the attendance sentence counts in."""
    active = active_in_term(tc)
    pupils = pupil_count(active)
    where = f"In {tc.term.name} (to {tc.end:%d/%m/%Y})"
    if not active:
        return f"{where} no pupils were in alternative provision.", "placements"
    who = _noun(tc, pupils, "pupil", "pupils")
    if pupils != len(active):
        who += f" ({_noun(tc, len(active), 'placement', 'placements')})"
    verb = "was" if tc.suppress(pupils) == 1 else "were"
    n = len(provider_ids(active))
    providers = f"{n} provider{'' if n == 1 else 's'}"
    return f"{where} {who} {verb} in alternative provision at {providers}.", (
        "pupils" if pupils == len(active) else "placements")


def _attendance_sentence(tc: TermContext, unit: str) -> str:
    fig = term_figures(tc)
    percent = fig["overall"]["percent"]
    if percent is None:
        return "No attendance at provision was reported for the term."
    flags = pupil_flags(tc, fig)
    below, pa = flags["below_target"], flags["persistent_absence"]
    one = unit[:-1]
    return (f"Attendance at provision was {percent:.1f}% against a target of {tc.settings.target_percent:g}%; "
            f"{_noun(tc, below, one, unit)} {'was' if tc.suppress(below) == 1 else 'were'} below target and "
            f"{_n(tc, pa)} {'was' if tc.suppress(pa) == 1 else 'were'} in persistent absence.")


def _letters_sentence(tc: TermContext, compliance_counts: dict) -> str:
    c = (compliance_counts or {}).get(LETTER_RULE) or {}
    due = sum(int(c.get(k, 0)) for k in ("on_time", "late", "not_done"))
    if not due:
        return ""
    on_time = int(c.get("on_time", 0))
    if isinstance(tc.suppress(due), str):
        return f"{_n(tc, due).capitalize()} parent letters were due; the Compliance section gives the detail."
    if due == 1:
        return f"The 1 parent letter due was {'' if on_time else 'not '}sent on time."
    if on_time == due:
        return f"All {due} parent letters were sent on time."
    verb = "was" if tc.suppress(on_time) == 1 else "were"
    return f"{_n(tc, on_time).capitalize()} of {due} parent letters {verb} sent on time."


def _cost_sentence(tc: TermContext) -> str:
    fig = cost_figures(tc)
    b = budget_figures(fig)
    text = f"The term's provision cost {_pounds(fig['total']['term_cost'])}; "
    if b["budget"] is None:
        text += f"{_pounds(b['spent'])} has been spent this academic year (no budget set)."
    else:
        text += f"{_pounds(b['spent'])} of the {_pounds(b['budget'])} budget for the year is spent"
        text += f", {_pounds(-b['remaining'])} over budget." if b["remaining"] < 0 else "."
    unknown = fig["unknown"]["placements"]
    if unknown:
        text += (f" {_noun(tc, unknown, 'placement has', 'placements have').capitalize()} no cost per day recorded, "
                 "so the true cost is higher.")
    return text


def summary_paragraph(tc: TermContext, compliance_counts: dict | None = None) -> str:
    """A few plain sentences: pupils and providers, attendance, parent letters, cost and budget."""
    opening, unit = _placements_sentence(tc)
    sentences = [opening, _attendance_sentence(tc, unit), _letters_sentence(tc, compliance_counts or {}),
                 _cost_sentence(tc)]
    return " ".join(s for s in sentences if s)
