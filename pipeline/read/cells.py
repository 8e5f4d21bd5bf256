"""Parse one cell's value by its schema kind. Each parser returns (value, problem):
value is None for a blank, problem is a plain-English reason the cell cannot be read."""
from __future__ import annotations

import datetime as dt
import math
import re

from .. import schema

EXCEL_EPOCH = dt.date(1899, 12, 30)
_NUMERIC_DATE = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4}|\d{2})$")
_ISO_DATE = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_TRAILING_TIME = re.compile(r"(?:[ T]|\s*,\s*)\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:\.\d+)?)?\s*(?:am|pm)?(?:Z|[+-]\d{2}:?\d{2})?$", re.I)
_MONTHS = {name: i + 1 for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december"))) for name in names}
_WEEKDAYS = {name: i for i, names in enumerate((
    ("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "wednesday"), ("thu", "thur", "thurs", "thursday"),
    ("fri", "friday"), ("sat", "saturday"), ("sun", "sunday"))) for name in names}
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_DAY_MONTH_YEAR = re.compile(rf"^{_ORDINAL}(?:\s*(?:of\s+)?|\s*[-/.]\s*)([a-z]+)\.?,?(?:\s*|\s*[-/.]\s*)(\d{{4}}|\d{{2}})$")
_MONTH_DAY_YEAR = re.compile(rf"^([a-z]+)\.?\s*{_ORDINAL},?\s*(\d{{4}})$")
_LEADING_WEEKDAY = re.compile(r"^([a-z]+)\.?,?\s+(?=\d|[a-z]+\.?\s*\d)")
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})\s*(am|pm)?$", re.I)
TYPE_IT = "type it as dd/mm/yyyy, e.g. 03/09/2026"


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value) -> str:
    if value.__class__ is str:          # most cells: str(value) would be value itself
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def parse_date(value):
    """A date typed any common UK way: an Excel date, a serial number in a General cell, 23/11/2026,
    23-11-26, 23.11.2026, 2026-11-23, 23 Nov 2026, Monday 23rd November 2026, 23-Nov-2026, with or
    without a time after it. Day before month always; a text date only valid in US order
    (11/23/2026) is refused with a message that says so."""
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, bool):
        return None, "is not a date; " + TYPE_IT
    if isinstance(value, (int, float)):
        if 18264 <= value <= 73051:  # a date (1950-2099) typed into a General cell arrives as its serial number
            return EXCEL_EPOCH + dt.timedelta(days=int(value)), None
        return None, "is a number, not a date"
    s = " ".join(str(value).split()).casefold()
    parsed, problem = _date_text(s)
    without_time = _TRAILING_TIME.sub("", s).strip()
    if parsed is None and without_time != s:
        parsed, problem = _date_text(without_time)
    if parsed is not None and parsed.year < 1900:
        # Excel holds no date before 1900: 01/01/0001 is a slip of the keyboard, and counting days
        # back from it (a duty due two days before a start) would fall off the calendar
        return None, "is before 1900: check the year; " + TYPE_IT
    return parsed, problem


def _date_text(s: str):
    m = _ISO_DATE.match(s)
    if m:
        return _real_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _NUMERIC_DATE.match(s)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), _full_year(m.group(3))
        if month > 12 and 1 <= day <= 12 and _is_real(year, day, month):
            return None, (f"is impossible in UK order (day/month/year): there is no month {month}. It looks like a "
                          f"US month/day/year date; type it as dd/mm/yyyy: {month:02d}/{day:02d}/{year}")
        return _real_date(year, month, day)
    return _text_date(s)


def _full_year(digits: str) -> int:
    return int(digits) + 2000 if len(digits) == 2 else int(digits)


def _is_real(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _real_date(year: int, month: int, day: int):
    if _is_real(year, month, day):
        return dt.date(year, month, day), None
    return None, "is not a real date; " + TYPE_IT


def _text_date(s: str):
    """'23 November 2026', 'Mon 23rd Nov 26', '23-Nov-2026', 'November 23, 2026', 'Monday, 23/11/2026'."""
    weekday = None
    m = _LEADING_WEEKDAY.match(s)
    if m and m.group(1) in _WEEKDAYS:
        weekday, s = _WEEKDAYS[m.group(1)], s[m.end():]
        m = _NUMERIC_DATE.match(s) or _ISO_DATE.match(s)
        if m:
            return _check_weekday(*_date_text(s), weekday)
    m = _DAY_MONTH_YEAR.match(s)
    if m and m.group(2) in _MONTHS:
        day, month, year = int(m.group(1)), _MONTHS[m.group(2)], _full_year(m.group(3))
        return _check_weekday(*_real_date(year, month, day), weekday)
    m = _MONTH_DAY_YEAR.match(s)
    if m and m.group(1) in _MONTHS:
        day, month, year = int(m.group(2)), _MONTHS[m.group(1)], int(m.group(3))
        return _check_weekday(*_real_date(year, month, day), weekday)
    try:
        return dt.date.fromisoformat(s), None      # the other ISO 8601 forms, such as 20261123
    except ValueError:
        return None, "is not a date; " + TYPE_IT


def _check_weekday(parsed, problem, weekday):
    if parsed is None or weekday is None or parsed.weekday() == weekday:
        return parsed, problem
    return None, f"names the wrong day of the week: {parsed:%d/%m/%Y} is a {parsed:%A}; {TYPE_IT}"


def parse_yn(value):
    if isinstance(value, bool):          # a TRUE/FALSE cell, as a ticked checkbox leaves it
        return (schema.YES if value else schema.NO), None
    s = text(value).upper()
    if s in (schema.YES, "YES"):
        return schema.YES, None
    if s in (schema.NO, "NO"):
        return schema.NO, None
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
    s = text(value).replace(",", "")
    if s.isdecimal() and len(s) <= 18:   # a number stored as text: '3', ' 3 ' (not 5,000 digits: int() refuses those)
        return int(s), None
    number, problem = parse_number(s)
    if problem is None and number.is_integer():   # '3.0', as some exports write whole numbers
        return int(number), None
    return None, "must be a whole number"


def parse_number(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value), None
    if isinstance(value, bool):
        return None, "must be a number"
    s = text(value).replace("£", "").replace(",", "").strip()   # a number stored as text: '5', '£1,200.50'
    try:
        number = float(s)
    except ValueError:
        return None, "must be a number"
    if not math.isfinite(number):        # float() also reads 'nan' and 'inf'
        return None, "must be a number"
    return number, None


def parse_time(value):
    if isinstance(value, dt.datetime):
        return value.time(), None
    if isinstance(value, dt.time):
        return value, None
    if isinstance(value, float) and 0 <= value < 1:
        minutes = min(round(value * 24 * 60), 24 * 60 - 1)   # 0.9999999 rounds to 24:00, which is no time of day
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
    return parser_for(column)(value)


def _parse_text(value):
    return text(value), None


def _parse_upn(value):
    return text(value).upper().replace(" ", ""), None


def parser_for(column: schema.Column):
    """The function of a cell's value that gives (parsed value, problem) for a non-blank cell of the column."""
    kind = column.kind
    if kind == schema.DATE:
        return parse_date
    if kind == schema.YN:
        return parse_yn
    if kind == schema.CHOICE:
        choices = column.choices
        return lambda value: parse_choice(value, choices)
    if kind == schema.INT:
        return parse_int
    if kind in (schema.NUMBER, schema.MONEY):
        return parse_number
    if kind == schema.TIME:
        return parse_time
    if kind == schema.UPN:
        return _parse_upn
    return _parse_text
