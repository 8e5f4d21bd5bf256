"""The governor pack's short plain-English summary paragraph, written from the figures as governors see them:
every count goes through the pack's disclosure protection (disclosure.py), so a sentence never shows a
number that a table hides."""
from __future__ import annotations

from ..rounding import money
from ..rules import rule_for_column
from .context import TermContext
from .disclosure import HIDDEN, Ledger, Protection
from .figures_attendance import OVERALL, term_figures
from .figures_base import active_in_term, provider_ids
from .figures_cost import UNKNOWN_KEY, budget_figures, cost_figures

LETTER_RULE = rule_for_column("parent_letter_sent").id      # the duty the summary sentence reports


def _n(pr: Protection, key: str, noun: str = "") -> str:
    """A count as words: '9', 'fewer than 3' or 'some' (hidden), with `noun` after it."""
    shown = pr.show(key)
    text = str(shown) if isinstance(shown, int) else "some" if shown == HIDDEN else f"fewer than {shown[1:]}"
    return f"{text} {noun}" if noun else text


def _noun(pr: Protection, key: str, one: str, many: str) -> str:
    return _n(pr, key, one if pr.show(key) == 1 else many)


def _verb(pr: Protection, key: str, one: str = "was", many: str = "were") -> str:
    return one if pr.show(key) == 1 else many


def _pounds(value) -> str:
    return f"£{money(value):,.2f}"


def _placements_sentence(tc: TermContext, pr: Protection) -> tuple[str, str]:
    """The opening sentence, and the word ('pupils' or 'placements') the attendance sentence counts in."""
    active = active_in_term(tc)
    where = f"In {tc.term.name} (to {tc.end:%d/%m/%Y})"
    if not active:
        return f"{where} no pupils were in alternative provision.", "placements"
    same = pr.values["pupils.active"] == pr.values["placements.active"]
    who = _noun(pr, "pupils.active", "pupil", "pupils")
    if not same:
        who += f" ({_noun(pr, 'placements.active', 'placement', 'placements')})"
    n = len(provider_ids(active))
    providers = f"{n} provider{'' if n == 1 else 's'}"
    return (f"{where} {who} {_verb(pr, 'pupils.active')} in alternative provision at {providers}.",
            "pupils" if same else "placements")


def _attendance_sentence(tc: TermContext, pr: Protection, unit: str) -> str:
    percent = term_figures(tc)["overall"].percent
    if percent is None:
        return "No attendance at provision was reported for the term."
    if pr.group(OVERALL):
        return (f"Attendance at provision is not shown: fewer than {pr.limit} pupils had sessions in the term."
                if pr.group(OVERALL) == "primary" else "Attendance at provision is not shown for this term.")
    below, pa = "attendance.below_target", "attendance.persistent_absence"
    return (f"Attendance at provision was {percent:.1f}% against a target of {tc.settings.target_percent:g}%; "
            f"{_noun(pr, below, unit[:-1], unit)} {_verb(pr, below)} below target and "
            f"{_n(pr, pa)} {_verb(pr, pa)} in persistent absence.")


def _letters_sentence(pr: Protection) -> str:
    key = f"compliance.{LETTER_RULE}"
    due = pr.values.get(f"{key}.due", 0)
    if not due:
        return ""
    shown_due, on_time = pr.show(f"{key}.due"), pr.show(f"{key}.on_time")
    if not isinstance(shown_due, int):
        return f"{_n(pr, f'{key}.due').capitalize()} parent letters were due; the Compliance section gives the detail."
    if due == 1:
        return f"The 1 parent letter due was {'' if pr.values[f'{key}.on_time'] else 'not '}sent on time."
    if on_time == HIDDEN:
        return f"Not all of the {due} parent letters due were sent on time; the Compliance section gives the detail."
    if on_time == due:
        return f"All {due} parent letters were sent on time."
    return f"{_n(pr, f'{key}.on_time').capitalize()} of {due} parent letters {_verb(pr, f'{key}.on_time')} sent on time."


def _cost_sentence(tc: TermContext, pr: Protection) -> str:
    fig = cost_figures(tc)
    b = budget_figures(fig)
    text = f"The term's provision cost {_pounds(fig['total']['term_cost'])}; "
    if b["budget"] is None:
        text += f"{_pounds(b['spent'])} has been spent this academic year (no budget set)."
    else:
        text += f"{_pounds(b['spent'])} of the {_pounds(b['budget'])} budget for the year is spent"
        text += f", {_pounds(-b['remaining'])} over budget." if b["remaining"] < 0 else "."
    if fig["unknown"]["placements"]:
        text += (f" {_noun(pr, UNKNOWN_KEY, 'placement has', 'placements have').capitalize()} no cost per day "
                 "recorded, so the true cost is higher.")
    return text


def letter_facts(compliance_counts: dict) -> Ledger:
    """The parent-letter counts the summary quotes, as disclosure facts (the same keys as the Compliance table)."""
    from .compliance import record_due
    facts = Ledger()
    c = (compliance_counts or {}).get(LETTER_RULE)
    if c:
        record_due(facts, LETTER_RULE, c)
    return facts


def summary_paragraph(tc: TermContext, compliance_counts: dict | None = None,
                      protection: Protection | None = None) -> str:
    """A few plain sentences: pupils and providers, attendance, parent letters, cost and budget. `protection`
    is the pack's (pack.build_pack passes it); without it, the pack's protection is worked out here."""
    if protection is None:
        from .pack import protection_of
        protection = protection_of(tc, compliance_counts or {})
    opening, unit = _placements_sentence(tc, protection)
    sentences = [opening, _attendance_sentence(tc, protection, unit), _letters_sentence(protection),
                 _cost_sentence(tc, protection)]
    return " ".join(s for s in sentences if s)
