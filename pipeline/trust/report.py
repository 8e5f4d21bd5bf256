"""The trust report (contract §16): trust_report.xlsx, trust_report.html and trust_summary.json in OUT/<Monday>/.

All three are drawn from the same protected Sections (figures.trust_figures), so they can never disagree: the
workbook and the page by the governor pack's own writers, the JSON by turning each table's rows into objects
(keys in snake_case, dates ISO, '<N', 'hidden' and 'suppressed ...' kept as the text shown). Each file is written
under a temporary name and renamed (pipeline.output), so a reader never sees half a file.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from ..governors.disclosure import privacy_text
from ..governors.model import GovernorPack, Section
from ..governors.render_html import write_pack_html
from ..governors.render_xlsx import write_pack_xlsx
from ..governors.table_cells import is_total_row
from ..output import write_text
from ..labels import abbreviated_date
from .figures import JSON_NAMES, TrustFigures, trust_figures
from .model import TrustFacts

XLSX, HTML, JSON = "trust_report.xlsx", "trust_report.html", "trust_summary.json"
VERSION = 1
HEADING = "Alternative provision across the trust"
_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def write_trust_report(facts: TrustFacts, folder: Path, made: dt.date | dt.datetime | None = None) -> list[Path]:
    """Write the three files into `folder` (made if missing); returns their paths. `made`: when the report was
    made, as its header says: a day (the trust run gives the day it ran for, so that a rerun that day writes the
    same bytes) or a time (default: now, to the second)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made = made or dt.datetime.now().replace(microsecond=0)
    fig = trust_figures(facts)
    pack = trust_pack(facts, fig, made)
    paths = [folder / XLSX, folder / HTML, folder / JSON]
    write_pack_xlsx(pack, paths[0])
    write_pack_html(pack, paths[1])
    write_text(paths[2], json.dumps(trust_summary(facts, fig, made), indent=2, ensure_ascii=False) + "\n")
    return paths


def made_text(made: dt.date | dt.datetime) -> str:
    if isinstance(made, dt.datetime):
        return f"{abbreviated_date(made.date(), True)} at {made:%H:%M}"
    return abbreviated_date(made, True)


def trust_pack(facts: TrustFacts, fig: TrustFigures, made: dt.date | dt.datetime) -> GovernorPack:
    """The report in the governor pack's shape, for its writers."""
    name, week = facts.settings.name, facts.week
    header = [("Trust", name), ("Week beginning", abbreviated_date(week, True)),
              ("Figures as of", abbreviated_date(fig.as_of, True)),
              ("Made", made_text(made)), ("Schools", str(len(facts.schools)))]
    return GovernorPack(school=name, term=f"Week beginning {week:%d/%m/%Y}", start=week, end=fig.as_of,
                        as_of=fig.as_of, target_percent=0.0, summary=fig.summary, sections=fig.sections,
                        suppress_below=int(facts.settings.suppress_below or 0), heading=HEADING, header=header,
                        title=f"{name}: alternative provision across the trust, week beginning {week:%d/%m/%Y}",
                        span="week")


def snake(text: str) -> str:
    """'Full time with EHC plan or looked after' -> 'full_time_with_ehc_plan_or_looked_after';
    'Cost this year (£)' -> 'cost_this_year_gbp'; 'Attendance this week (%)' -> 'attendance_this_week_percent'."""
    text = str(text).replace("(£)", " gbp").replace("(%)", " percent").replace("%", " percent")
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


def _value(value):
    """A cell as JSON: numbers as numbers, a date as ISO, anything else (a '<3', 'hidden') as shown."""
    if value == "":
        return None
    if isinstance(value, str):
        m = _DATE.match(value)
        if m:
            return f"{m[3]}-{m[2]}-{m[1]}"
    return value


def _table_json(section: Section) -> dict:
    out = {}
    for table in section.tables:
        name = JSON_NAMES.get(table.title, snake(table.title))
        keys = [snake(c) for c in table.columns]
        rows = [dict(zip(keys, map(_value, row))) for row in table.rows]
        out[name] = [r for r, row in zip(rows, table.rows) if not is_total_row(row)]
        total = [r for r, row in zip(rows, table.rows) if is_total_row(row)]
        if total:
            out[f"{name}_total"] = total[0]
    return out


def trust_summary(facts: TrustFacts, fig: TrustFigures, made: dt.date | dt.datetime) -> dict:
    """trust_summary.json: the protected tables, plus each school's run status."""
    limit = int(facts.settings.suppress_below or 0)
    tables = {}
    for section in fig.sections:
        tables.update(_table_json(section))
    for row in tables.get("schools", []):
        status = fig.statuses.get(row.get("folder"))
        if status is not None:
            row["run"] = {"status": status.code, "exit_code": status.exit_code, "reason": status.reason or None}
    return {"version": VERSION, "kind": "trust_report", "trust": facts.settings.name,
            "week": facts.week.isoformat(), "as_of": fig.as_of.isoformat(), "made": made.isoformat(),
            "suppress_below": limit, "privacy": privacy_text(limit), "summary": fig.summary, **tables}
