"""England's bank holidays (contract §2: not school days), for the years of a school's terms.

They are the `holidays` library's, but asking it costs every run about 0.15 s (0.03 s to import it, 0.1 s more
because its first question imports every one of its 280 countries), a seventh of a school's whole run. So the
dates of FIRST..LAST are kept in pipeline/bank_holidays_table.py, written from the library by
`python -m tools.bank_holidays`; tests/test_bank_holidays.py fails when the installed library gives any year
otherwise (a one-off bank holiday announced since), so the table is written again. A year outside them is asked
of the library.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

FIRST, LAST = 2000, 2060


def england(years: Iterable[int]) -> frozenset[dt.date]:
    """The bank holidays in England of `years`."""
    years = sorted(set(years))
    if all(FIRST <= y <= LAST for y in years):
        from .bank_holidays_table import YEARS

        return frozenset(dt.date(y, int(day[:2]), int(day[3:])) for y in years for day in YEARS[y].split())
    import holidays

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years).keys())
