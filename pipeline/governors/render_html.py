"""The governor pack as one web page (governor_pack.html).

Self-contained like the weekly page: the base template's inline CSS, no script, no link
out, no font or image; every chart is inline SVG drawn by `svg.py`, in a wide layout for
screens and print and a narrow one for phones. Autoescaped: only the generated SVG is
marked safe. Draws any GovernorPack from its shape alone; deterministic.
"""
from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup

from ..output import write_text
from ..render.pages import ENV
from .disclosure import privacy_text
from .model import Chart, GovernorPack, Section, Table
from .svg import chart_svg, percent_text, value_text
from .table_cells import RAG_WORDS, is_total_row, money_pence, numeric_columns, rag_key

NARROW = 400                                 # viewBox width of a chart's phone layout


def _anchors(sections: list[Section]) -> list[str]:
    seen, out = set(), []
    for i, s in enumerate(sections, start=1):
        base = "section-" + (re.sub(r"[^a-z0-9]+", "-", str(s.id or s.title).casefold()).strip("-") or str(i))
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        out.append(anchor)
    return out


def _table(table: Table) -> dict:
    numeric, pence = numeric_columns(table), money_pence(table)
    rag = table.columns.index(table.rag_column) if table.rag_column in table.columns else None
    rows = []
    for r, row in enumerate(table.rows):
        cells = []
        for c, header in enumerate(table.columns):
            value = row[c] if c < len(row) else None
            key = rag_key(value) if c == rag else None
            kind = table.cell_kind(r, c)
            text = value_text(value, kind, pence[c] if kind == table.column_kind(c) else None)
            cells.append({"text": RAG_WORDS[key] if key else text, "rag": key,
                          "num": numeric[c], "label": header})
        rows.append({"cells": cells, "total": is_total_row(row)})
    return {"title": table.title, "columns": [{"text": h, "num": n} for h, n in zip(table.columns, numeric)],
            "rows": rows, "note": table.note, "stack": len(table.columns) > 3}


def _chart(chart: Chart, ident: str) -> dict:
    return {"title": chart.title,
            "wide": Markup(chart_svg(chart, ident)),                      # generated and escaped in svg.py
            "narrow": Markup(chart_svg(chart, f"{ident}-narrow", NARROW, 400))}


def context(pack: GovernorPack) -> dict:
    anchors = _anchors(pack.sections)
    sections = [{"anchor": a, "title": s.title, "intro": s.intro,
                 "charts": [_chart(c, f"{a}-chart-{i}") for i, c in enumerate(s.charts, start=1)],
                 "tables": [_table(t) for t in s.tables]}
                for a, s in zip(anchors, pack.sections)]
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", pack.summary or "") if p.strip()]
    return {"school": pack.school, "term": pack.term, "start": pack.start, "end": pack.end, "as_of": pack.as_of,
            "target": percent_text(pack.target_percent), "summary": paragraphs, "sections": sections,
            "suppress_below": int(pack.suppress_below or 0), "privacy": privacy_text(int(pack.suppress_below or 0)),
            "heading": pack.heading, "header": pack.header, "title": pack.title, "span": pack.span}


def render_pack_html(pack: GovernorPack) -> str:
    return ENV.get_template("governor_pack.html.j2").render(**context(pack))


def write_pack_html(pack: GovernorPack, path) -> None:
    write_text(Path(path), render_pack_html(pack))
