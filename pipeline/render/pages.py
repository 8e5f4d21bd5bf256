"""The web pages' one Jinja environment (the weekly report, the governor pack): its templates, with
autoescaping on, and the filters that write dates and percentages the same way on every page."""
from __future__ import annotations

import datetime as dt

from jinja2 import Environment, PackageLoader

from ..labels import abbreviated_date, percent_text
from .wording import plural


def uk_date(d: dt.date | None, weekday: bool = False) -> str:
    """'23 Nov 2026' (or 'Monday 23 Nov 2026'); '' for no date. Independent of the locale."""
    if not d:
        return ""
    return abbreviated_date(d, weekday)


def short_date(d: dt.date | None) -> str:
    """'07/09/2026', as the registers write dates; '' for no date."""
    return "" if not d else f"{d:%d/%m/%Y}"


ENV = Environment(loader=PackageLoader("pipeline.render", "templates"), autoescape=True,
                  trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
ENV.filters.update(uk_date=uk_date, short_date=short_date, percent=percent_text)
ENV.globals.update(plural=plural)
