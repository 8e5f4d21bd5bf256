"""Parse one cell's value by its schema kind. Each parser returns (value, problem):
value is None for a blank, problem is a plain-English reason the cell cannot be read."""
from __future__ import annotations

import datetime as dt
import re

from .. import schema

EXCEL_EPOCH = dt.date(1899, 12, 30)
_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(am|pm)?$", re.I)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def parse_date(value):
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 18264 <= value <= 73051:  # a date (1950-2099) typed into a General cell arrives as its serial number
            return EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        return None, "is a number, not a date"
    s = str(value).strip()
    m = _UK_DATE.match(s)
    if m:
        day, month, year = (int(g) for g in m.groups())
        try:
            return dt.date(year, month, day), None
        except ValueError:
            return None, "is not a real date"
    try:
        return dt.date.fromisoformat(s[:10]) if len(s) in (10, 19) else dt.date.fromisoformat(s), None
    except ValueError:
        return None, "is not a date; type it as dd/mm/yyyy, e.g. 03/09/2026"


def parse_yn(value):
    s = text(value).upper()
    if s in ("Y", "YES"):
        return "Y", None
    if s in ("N", "NO"):
        return "N", None
    return None, "must be Y or N"


def parse_choice(value, choices):
    s = " ".join(text(value).split()).casefold()
    for c in choices:
        if c.casefold() == s:
            return c, None
    listed = ", ".join(choices) if len(choices) <= 8 else ", ".join(choices[:8]) + " ..."
    return None, f"is not one of the allowed values ({listed})"


def parse_int(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        return int(value), None
    s = text(value)
    if s.isdigit():
        return int(s), None
    return None, "must be a whole number"


def parse_number(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None
    s = text(value).replace("£", "").replace(",", "").strip()
    try:
        return float(s), None
    except ValueError:
        return None, "must be a number"


def parse_time(value):
    if isinstance(value, dt.datetime):
        return value.time(), None
    if isinstance(value, dt.time):
        return value, None
    if isinstance(value, float) and 0 <= value < 1:
        minutes = round(value * 24 * 60)
        return dt.time(minutes // 60, minutes % 60), None
    m = _TIME.match(text(value))
    if m:
        hour, minute, ampm = int(m.group(1)), int(m.group(2)), (m.group(3) or "").lower()
        if ampm == "pm" and hour < 12:
            hour += 12
        if hour < 24 and minute < 60:
            return dt.time(hour, minute), None
    return None, "must be a time of day, e.g. 09:00"


def parse_cell(column: schema.Column, value):
    """(parsed value, problem) for a non-blank cell of the given column."""
    kind = column.kind
    if kind == schema.DATE:
        return parse_date(value)
    if kind == schema.YN:
        return parse_yn(value)
    if kind == schema.CHOICE:
        return parse_choice(value, column.choices)
    if kind == schema.INT:
        return parse_int(value)
    if kind in (schema.NUMBER, schema.MONEY):
        return parse_number(value)
    if kind == schema.TIME:
        return parse_time(value)
    if kind == schema.UPN:
        return text(value).upper().replace(" ", ""), None
    return text(value), None
