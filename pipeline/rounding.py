"""Rounding half up, as people do by hand and as the contract defines its figures (§9: 83.25 -> 83.3).

Python's round() and Decimal's default round half to even: 83.25% would show as 83.2%, where a person checking
the figure with a calculator expects 83.3%. Every figure the outputs show is rounded here.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def half_up(value, places: int = 1) -> Decimal:
    """`value` (an int, a Decimal, or a float as it is written: 2.675 is 2.675) to `places` decimals, half up."""
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(part, whole) -> float | None:
    """part / whole x 100 to one decimal place, half up; None when whole is 0 (nothing to divide by)."""
    if not whole:
        return None
    return float(half_up(Decimal(part) * 100 / Decimal(whole), 1))


def money(value) -> float:
    """Pounds to the penny, half up."""
    return float(half_up(value, 2))
