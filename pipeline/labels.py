"""Day and month names, dates in words, and the name a provider goes by: one home for each.

Dates are written with these English names, not strftime's %A and %B, so a letter, an e-mail or a report
reads the same whatever the locale of the computer that ran the job.
"""
from __future__ import annotations

import datetime as dt

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
MONTH_ABBREVIATIONS = tuple(name[:3] for name in MONTH_NAMES)          # "Jan" .. "Dec"


def long_date(day: dt.date, weekday: bool = False) -> str:
    """'30 November 2026', or 'Monday 30 November 2026'."""
    text = f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    return f"{DAY_NAMES[day.weekday()]} {text}" if weekday else text


def abbreviated_date(day: dt.date, weekday: bool = False) -> str:
    """'23 Nov 2026', or 'Monday 23 Nov 2026': where a table or a heading has less room."""
    text = f"{day.day} {MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"
    return f"{DAY_NAMES[day.weekday()]} {text}" if weekday else text


def percent_text(value: float | None) -> str:
    """'90.0%' (one decimal place, as the figures are rounded), or 'n/a' when nothing was possible."""
    return "n/a" if value is None else f"{value:.1f}%"


def provider_name(providers: dict, provider_id: str) -> str:
    """The provider's Name in providers.xlsx, or its Provider ID when the name is blank or the provider is
    not in the register: a line about a provider always names it somehow."""
    provider = providers.get(provider_id)
    return (provider.name if provider is not None else None) or provider_id
