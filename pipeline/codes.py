"""Register codes and how they count (contract §7; DfE codes from August 2024)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ATTENDED, AUTHORISED, UNAUTHORISED, NOT_POSSIBLE = "attended", "authorised", "unauthorised", "not_possible"
NOT_REPORTED = "not_reported"

CODES: dict[str, str] = {}
for _c in ["/", "\\", "L", "K", "V", "P", "W", "B"]:
    CODES[_c] = ATTENDED
for _c in ["C1", "M", "J1", "S", "C2", "C", "T", "R", "I", "E"]:
    CODES[_c] = AUTHORISED
for _c in ["G", "N", "O", "U"]:
    CODES[_c] = UNAUTHORISED
for _c in ["D", "X", "Q", "Z", "#"] + [f"Y{i}" for i in range(1, 8)]:
    CODES[_c] = NOT_POSSIBLE

LEGACY: dict[str, str] = {"H": AUTHORISED, "F": AUTHORISED, "J": ATTENDED, "Y": NOT_POSSIBLE}

MEANINGS: dict[str, str] = {
    "/": "Present (morning)", "\\": "Present (afternoon)", "L": "Late, before the register closed",
    "K": "Attending provision arranged by the local authority", "V": "Educational visit or trip",
    "P": "Approved sporting activity", "W": "Work experience",
    "B": "Attending other education arranged by the school (off-site)",
    "C1": "Leave for a regulated performance or employment abroad", "M": "Medical or dental appointment",
    "J1": "Interview", "S": "Study leave", "C2": "Part-time timetable agreed", "C": "Exceptional circumstances (leave)",
    "T": "Parent travelling for work", "R": "Religious observance", "I": "Illness", "E": "Suspended or excluded, no provision",
    "G": "Holiday not authorised", "N": "Reason not yet given", "O": "Absent, not authorised", "U": "Arrived after the register closed",
    "D": "Dual registered, attending the other school", "X": "Not required to attend (non-compulsory age)",
    "Q": "Unable to attend: lack of access arrangements", "Y1": "Unable to attend: transport not provided",
    "Y2": "Unable to attend: widespread transport disruption", "Y3": "Unable to attend: part of the site closed",
    "Y4": "Unable to attend: whole school site closed", "Y5": "Unable to attend: in criminal justice detention",
    "Y6": "Unable to attend: public health guidance or law", "Y7": "Unable to attend: other unavoidable reason",
    "Z": "Not yet on roll", "#": "Planned whole-school closure",
}

CATEGORY_LABELS = {ATTENDED: "attended", AUTHORISED: "authorised absence", UNAUTHORISED: "unauthorised absence",
                   NOT_POSSIBLE: "not possible"}

NOT_EXPECTED = "-"


@dataclass(frozen=True)
class Mark:
    code: str          # the normalised code
    category: str      # one of the four categories
    legacy: bool = False


def normalise(raw) -> str:
    """Trim and upper-case a cell's text; '' for blank."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip().upper()


def read_code(raw) -> Mark | None:
    """The mark for a cell, or None for an unknown code. Blank is not handled here."""
    code = normalise(raw)
    if code in CODES:
        return Mark(code, CODES[code])
    if code in LEGACY:
        return Mark(code, LEGACY[code], legacy=True)
    return None


def valid_codes() -> list[str]:
    """The codes a provider may enter, in the order they appear in dropdowns."""
    return list(CODES)


# --- compulsory school age (contract §13; Education Act 1996 s8) -------------------------------

X_CODE = "X"                      # not required to attend: only below (or past) compulsory school age
PRESCRIBED_DAYS = ((3, 31), (8, 31), (12, 31))     # 31 March, 31 August, 31 December


def birthday(dob: dt.date, age: int) -> dt.date:
    """The day a pupil born on `dob` reaches `age`; born on 29 February, 1 March in a year that is not leap."""
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:            # 29 February, and the year is not a leap year
        return dt.date(dob.year + age, 3, 1)


def compulsory_from(dob: dt.date) -> dt.date:
    """The day compulsory school age starts: the first 31 December, 31 March or 31 August on or after
    the fifth birthday (a fifth birthday on one of those days gives that day)."""
    fifth = birthday(dob, 5)
    return next(day for day in (dt.date(fifth.year, m, d) for m, d in PRESCRIBED_DAYS) if day >= fifth)


def compulsory_until(dob: dt.date) -> dt.date:
    """The last day of compulsory school age: the school leaving date (the last Friday in June) of the
    summer in which the pupil turns 16, or of the next summer for a sixteenth birthday from 1 September on."""
    sixteenth = birthday(dob, 16)
    year = sixteenth.year if sixteenth < dt.date(sixteenth.year, 9, 1) else sixteenth.year + 1
    june_30 = dt.date(year, 6, 30)
    return june_30 - dt.timedelta(days=(june_30.weekday() - 4) % 7)


def is_compulsory(dob: dt.date, day: dt.date) -> bool:
    """True when a pupil born on `dob` is of compulsory school age on `day`."""
    if isinstance(dob, dt.datetime):
        dob = dob.date()
    if isinstance(day, dt.datetime):
        day = day.date()
    return compulsory_from(dob) <= day <= compulsory_until(dob)
