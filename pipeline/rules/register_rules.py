"""Reconciling the school's own register with the providers' returns (§15.4).

The school's MIS export (register/*.csv, contract §6) is compared with the sessions table,
session by session, for the sessions of the reporting week a placement is expected at its
provider (up to as-of). Only sessions the export has a mark for, for that pupil's UPN, are
compared; the export covers the whole school, so its other rows (pupils not in provision,
sessions the pupil is not expected at the provider) are ignored.

A session disagrees when the two marks fall in different categories (attended / absent,
authorised or not / not possible), or when the school marks attended a session the provider
did not report. It is a *safeguarding risk* when the school marks the pupil attending
off-site provision (B, or K for provision the local authority arranged) and the provider's
return does not have the pupil there (absent, not possible, or not reported): nobody may
know where the child was.

There is one `register-mismatch` alert per placement, listing its sessions (safeguarding
risks first); the reports' reconciliation table has one row per session, safeguarding risks first.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import RuleContext, action, rule
from .obligations import ALERT
from .. import codes
from ..read.cells import is_blank, text
from ..findings import quotable

OFF_SITE = frozenset({"B", "K"})          # the school's codes for a pupil attending off-site provision
GROUP = {codes.ATTENDED: "attended", codes.AUTHORISED: "absent", codes.UNAUTHORISED: "absent",
         codes.NOT_POSSIBLE: "not possible"}
SAFEGUARDING, DISAGREEMENT = "Safeguarding risk", "Disagreement"


@dataclass(frozen=True)
class Mismatch:
    placement_id: str
    provider_id: str
    date: dt.date
    session: str                  # 'AM' | 'PM'
    school_code: str
    school_file: str
    school_line: int
    provider_code: str            # as the reports show it: 'N', 'blank (counted as N)', 'not reported'
    provider_category: str        # codes category or codes.NOT_REPORTED
    safeguarding: bool

    @property
    def risk(self) -> str:
        return SAFEGUARDING if self.safeguarding else DISAGREEMENT

    def sort_key(self):
        return (not self.safeguarding, self.date, self.session, self.placement_id)

    def describe(self) -> str:
        """'Fri 27/11/2026 PM (school B, provider blank, counted as N)'."""
        return f"{self.date:%a %d/%m/%Y} {self.session} (school {self.school_code}, provider {self.provider_code})"


def _upn_key(upn) -> str:
    return "".join(str(upn or "").split()).upper()


def reconcile(ctx: RuleContext) -> tuple[list[Mismatch], int]:
    """The disagreements of the reporting week (safeguarding risks first, then by date, session and
    placement) and how many expected sessions the school's export had a mark for."""
    if not ctx.register_marks:
        return [], 0
    school = {(_upn_key(m.upn), m.date, m.session): m for m in ctx.register_marks}
    friday = ctx.week + dt.timedelta(days=4)
    last = min(ctx.as_of, friday)
    found, compared = [], 0
    sessions = ctx.sessions
    if not sessions.empty:        # the reporting week's, up to as-of
        sessions = sessions.where((sessions["day"] >= ctx.week.toordinal()) & (sessions["day"] <= last.toordinal()))
    for s in sessions.itertuples():
        placement = ctx.registers.placement(s.placement_id)
        mark = school.get((_upn_key(placement.upn if placement else None), s.date, s.session))
        if mark is None:
            continue
        compared += 1
        school_attended = mark.category == codes.ATTENDED
        if s.category == codes.NOT_REPORTED:
            if not school_attended:
                continue                      # nothing to compare with; the missing return is its own action
        elif GROUP[mark.category] == GROUP[s.category]:
            continue
        safeguarding = mark.code in OFF_SITE and s.category != codes.ATTENDED
        found.append(Mismatch(s.placement_id, s.provider_id, s.date, s.session, mark.code, mark.file, mark.line,
                              _provider_code(ctx, s), s.category, safeguarding))
    return sorted(found, key=Mismatch.sort_key), compared


def _provider_code(ctx: RuleContext, s) -> str:
    """The provider's mark as the reports show it, saying when a blank or unknown code was counted as N."""
    if s.category == codes.NOT_REPORTED:
        return "not reported"
    ret = next((r for r in ctx.returns if r.file == s.file), None)
    row = ret.rows.get(s.placement_id) if ret else None
    raw = row.marks.get((s.weekday, s.session), ("", ""))[0] if row else None
    if row is not None and (is_blank(raw) or codes.normalise(raw) == codes.NOT_EXPECTED):
        return f"blank, counted as {s.code}"
    if row is not None and codes.read_code(raw) is None:
        typed = text(raw)
        return f"{_shown_code(typed)}, not a code, counted as {s.code}"
    return s.code


def what_to_do(m: Mismatch, provider: str) -> str:
    """The attendance lead's next step for one session."""
    if m.safeguarding:
        where = {codes.NOT_REPORTED: "has not reported the session",
                 codes.NOT_POSSIBLE: "records the session as not possible (the pupil could not attend)"
                 }.get(m.provider_category, "records the pupil absent")
        return (f"Safeguarding risk: the school's register has the pupil at {provider} but the provider {where}. "
                "Contact the provider today to find out where the pupil was; if nobody knows, tell the DSL at once. "
                "Then correct whichever register is wrong.")
    if m.provider_category == codes.NOT_REPORTED:
        return (f"The school marks the pupil attended but {provider} has not reported the session. Ask the provider "
                "for its return, then correct whichever register is wrong.")
    return (f"Ask {provider} which mark is right, then correct the school's register or ask the provider to "
            "correct its return.")


@rule("register-mismatch", "15.4", "Attendance lead", "placement",
      "The school's register export (register/*.csv) and the provider's return disagree in category (attended, "
      "absent, not possible) on a session of the reporting week, or the school marks attended a session the "
      "provider did not report: one alert per placement listing the sessions; a safeguarding risk when the school "
      "has the pupil attending (B or K) and the provider does not.",
      kind=ALERT, what="School register and provider returns agree")
def register_mismatch(ctx: RuleContext):
    mismatches, _ = ctx.reconciliation
    by_placement: dict[str, list[Mismatch]] = {}
    for m in mismatches:
        by_placement.setdefault(m.placement_id, []).append(m)
    for pid, items in sorted(by_placement.items()):
        provider_id = items[0].provider_id
        provider = ctx.provider_label(provider_id)
        risky = [m for m in items if m.safeguarding]
        other = [m for m in items if not m.safeguarding]
        parts = []
        if risky:
            parts.append(
                f"Safeguarding risk: the school's register has placement {pid} attending {provider}, but the "
                f"provider has not confirmed the pupil was there on {_listed(risky)}. Contact the provider today "
                "to find out where the pupil was; if nobody knows, tell the DSL at once. Then correct whichever "
                "register is wrong.")
        if other:
            parts.append(
                f"The school's register and the return from {provider} {'also ' if risky else ''}disagree for "
                f"placement {pid} on {_listed(other)}. Ask the provider which mark is right, then correct the school's "
                "register or ask the provider to correct its return.")
        yield action("register-mismatch", "alert", None, " ".join(parts), placement_id=pid, provider_id=provider_id)


def _listed(items: list[Mismatch]) -> str:
    texts = [m.describe() for m in items]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _shown_code(typed: str) -> str:
    """A provider's unknown code, quoted only when it cannot be a name (contract §13)."""
    return f"'{typed}'" if quotable(typed) else "text that is not a code"
