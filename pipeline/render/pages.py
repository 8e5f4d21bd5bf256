"""The web pages' one Jinja environment (the weekly report, the governor pack): its templates, with
autoescaping on, and the filters that write dates and percentages the same way on every page."""
from __future__ import annotations

import datetime as dt

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape

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


def count_cells(period) -> Markup:
    """The full counts table's six cells of one period's counts (sessions possible, attended, authorised,
    unauthorised, not reported, and the percentage), each escaped as the template's {{ }} escapes: the same text
    as six cells written one by one in the template, made in one piece. The table is on the page twice, with two
    periods a pupil: at L its cells were a third of the pieces Jinja made for the page."""
    return Markup(f'<td class="num">{escape(period.possible)}</td><td class="num">{escape(period.attended)}</td>'
                  f'<td class="num">{escape(period.authorised)}</td><td class="num">{escape(period.unauthorised)}</td>'
                  f'<td class="num">{escape(period.not_reported)}</td>'
                  f'<td class="num">{escape(percent_text(period.percent))}</td>')


ENV = Environment(loader=PackageLoader("pipeline.render", "templates"), autoescape=True,
                  trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
ENV.filters.update(uk_date=uk_date, short_date=short_date, percent=percent_text, count_cells=count_cells)
ENV.globals.update(plural=plural)
