"""The two registers the school keeps: placements.xlsx (contract §3) and providers.xlsx (§4).

Both files are required: one that is missing or cannot be read stops the run
(RunError, exit 2). Problems inside them are findings; contract §11 says which
rows are left out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import schema
from ..errors import RunError
from ..findings import Findings
from ..upn import upn_problem
from .table import Row, read_table, required_blank
from .workbook import Book, Unreadable, open_workbook

LEFT_OUT = "this placement is left out of every figure until it is fixed."
SESSIONS_OF = {"Full day": ("AM", "PM"), "AM": ("AM",), "PM": ("PM",)}


@dataclass
class Registers:
    providers: dict = field(default_factory=dict)    # provider_id -> dict of provider columns
    placements: list = field(default_factory=list)   # dicts of placement columns, plus 'pattern', '_row' and '_cells'
    reviews: list = field(default_factory=list)
    exclusions: list = field(default_factory=list)

    def placement(self, placement_id: str) -> dict | None:
        """The placement with this ID (ignoring case and outer spaces), or None."""
        key = (len(self.placements), id(self.placements))
        if getattr(self, "_index_key", None) != key:
            self._index = {p["placement_id"].casefold(): p for p in self.placements}
            self._index_key = key
        return self._index.get(placement_id.strip().casefold())


def _open_required(path: Path, name: str) -> Book:
    if not path.is_file():
        raise RunError(f"{name} is missing from the school folder ({path}). Copy it from input_templates/ or run --init for a new folder.")
    book = open_workbook(path)
    if isinstance(book, Unreadable):
        raise RunError(f"{name} cannot be read: {book.message}")
    return book


def _required_sheet(book: Book, name: str, sheet: schema.Sheet, findings: Findings):
    actual = book.find_sheet(sheet.name)
    if actual is None:
        raise RunError(f"{name} has no sheet called '{sheet.name}'. Rename the sheet back to '{sheet.name}' (see input_templates/{name}).")
    table = read_table(_grid(book, name, actual), sheet, name, actual, findings)
    if table is None:
        raise RunError(f"{name}, sheet {actual}: the header row is missing. It needs the columns "
                       f"{', '.join(sheet.required_headers)} exactly as in input_templates/{name}.")
    return actual, table


def _grid(book: Book, name: str, sheet: str):
    try:
        return book.grid(sheet)
    except Exception as exc:
        raise RunError(f"{name}, sheet {sheet} cannot be read ({exc}). Open it in Excel, save it again and rerun.") from None


def read_registers(data_dir: Path, findings: Findings) -> Registers:
    regs = Registers()
    regs.providers = read_providers(data_dir / "providers.xlsx", findings)
    book = _open_required(data_dir / "placements.xlsx", "placements.xlsx")
    sheet_name, table = _required_sheet(book, "placements.xlsx", schema.PLACEMENTS, findings)
    regs.placements = _placements(table.rows, sheet_name, regs.providers, findings)
    for spec, reader, target in ((schema.REVIEWS, _reviews, "reviews"), (schema.EXCLUSIONS, _exclusions, "exclusions")):
        actual = book.find_sheet(spec.name)
        if actual is None:
            continue
        optional = read_table(_grid(book, "placements.xlsx", actual), spec, "placements.xlsx", actual, findings)
        if optional is not None:
            setattr(regs, target, reader(optional.rows, actual, regs, findings))
    return regs


def read_providers(path: Path, findings: Findings) -> dict:
    book = _open_required(path, "providers.xlsx")
    sheet_name, table = _required_sheet(book, "providers.xlsx", schema.PROVIDERS, findings)
    providers = {}
    for row in table.rows:
        if required_blank(row, "provider_id", "Provider ID", "providers.xlsx", sheet_name, findings,
                          "this row is left out, so no placement can use it."):
            continue
        pid = row["provider_id"]
        if pid.casefold() in {p.casefold() for p in providers}:
            findings.error("providers.xlsx", sheet_name, row.cell("provider_id"), "duplicate-id", pid,
                           f"Provider ID {pid} appears twice. Give each provider its own ID; this later row is left out.")
            continue
        required_blank(row, "name", "Name", "providers.xlsx", sheet_name, findings, "the provider's name is used in reports and e-mails.")
        providers[pid] = dict(row.values, _row=row.number, _cells=dict(row.cells))
    return providers


def _placements(rows: list[Row], sheet: str, providers: dict, findings: Findings) -> list[dict]:
    file = "placements.xlsx"
    out, seen = [], set()
    provider_ids = {p.casefold(): p for p in providers}
    for row in rows:
        if required_blank(row, "placement_id", "Placement ID", file, sheet, findings, "the row is left out until it has one."):
            continue
        pid = row["placement_id"]
        if pid.casefold() in seen:
            findings.error(file, sheet, row.cell("placement_id"), "duplicate-id", pid,
                           f"Placement ID {pid} is used again in row {row.number}. Give this placement its own ID; "
                           "the first row with this ID is kept and this one is left out.")
            continue
        seen.add(pid.casefold())
        if _placement_ok(row, sheet, provider_ids, findings):
            values = dict(row.values, _row=row.number, _cells=dict(row.cells))  # _cells: key -> 'P7', for findings
            values["provider_id"] = provider_ids[row["provider_id"].casefold()]
            values["pattern"] = {i: SESSIONS_OF[row[day.lower()]] for i, day in enumerate(schema.WEEKDAYS)
                                 if row[day.lower()]}
            out.append(values)
    return out


def _placement_ok(row: Row, sheet: str, provider_ids: dict, findings: Findings) -> bool:
    file, pid, ok = "placements.xlsx", row["placement_id"], True
    for key, header in (("forename", "Forename"), ("surname", "Surname")):
        required_blank(row, key, header, file, sheet, findings, "reports and letters need the pupil's name.")
    if not required_blank(row, "upn", "UPN", file, sheet, findings, "the placement is still monitored.") and "upn" not in row.bad:
        problem = upn_problem(row["upn"])
        if problem:
            findings.error(file, sheet, row.cell("upn"), "bad-upn", row.raw.get("upn"),
                           f"UPN {row['upn']} for placement {pid} is not valid: {problem}. Check it against the school's MIS; "
                           "the placement is still monitored.")
    provider = row["provider_id"]
    if not required_blank(row, "provider_id", "Provider ID", file, sheet, findings, LEFT_OUT):
        if provider.casefold() not in provider_ids:
            findings.error(file, sheet, row.cell("provider_id"), "unknown-provider", provider,
                           f"Provider ID {provider} for placement {pid} is not in providers.xlsx. Add the provider to "
                           f"providers.xlsx or correct the ID; {LEFT_OUT}")
            ok = False
    else:
        ok = False
    for key, header in (("reason", "Reason"), ("arranged_by", "Arranged by"), ("start_date", "Start date")):
        if key in row.bad:  # blank (a finding now) or unreadable (read_table's finding)
            required_blank(row, key, header, file, sheet, findings, LEFT_OUT)
            ok = False
    start = row["start_date"]
    for key, header in (("planned_end_date", "Planned end date"), ("actual_end_date", "Actual end date")):
        end = row[key]
        if start and end and end < start:
            findings.error(file, sheet, row.cell(key), "end-before-start", end,
                           f"{header} {end:%d/%m/%Y} for placement {pid} is before its Start date {start:%d/%m/%Y}. "
                           f"Correct one of the two dates; {LEFT_OUT}")
            ok = False
    if not any(row[d.lower()] for d in schema.WEEKDAYS):
        findings.error(file, sheet, row.cell("mon"), "no-days", None,
                       f"Placement {pid} has no day set in Mon to Fri, so no session is expected. Set Full day, AM or PM "
                       f"for the days the pupil attends; {LEFT_OUT}")
        ok = False
    return ok


def _reviews(rows: list[Row], sheet: str, regs: Registers, findings: Findings) -> list[dict]:
    out = []
    for row in rows:
        if _event_problem(row, sheet, regs, findings, ("placement_id", "Placement ID"), ("date", "Date"), ("type", "Type")):
            continue
        if regs.placement(row["placement_id"]) is None:
            findings.error("placements.xlsx", sheet, row.cell("placement_id"), "unknown-placement", row["placement_id"],
                           f"Placement ID {row['placement_id']} is not on the Placements sheet. Correct it; this event is not counted until then.")
            continue
        out.append(dict(row.values, placement_id=regs.placement(row["placement_id"])["placement_id"], _row=row.number))
    return out


def _exclusions(rows: list[Row], sheet: str, regs: Registers, findings: Findings) -> list[dict]:
    out = []
    for row in rows:
        if _event_problem(row, sheet, regs, findings, ("upn", "UPN"), ("type", "Type"), ("first_day", "First day")):
            continue
        problem = upn_problem(row["upn"])
        if problem:
            findings.error("placements.xlsx", sheet, row.cell("upn"), "bad-upn", row["upn"],
                           f"UPN {row['upn']} is not valid: {problem}. Check it against the school's MIS.")
        if row["type"] == "Suspension" and not row["school_days"]:
            findings.error("placements.xlsx", sheet, row.cell("school_days"), "required-blank", None,
                           f"School days is blank for the suspension in row {row.number}. Enter how many school days it lasts; "
                           "until then it is not counted.")
            continue
        out.append(dict(row.values, _row=row.number))
    return out


def _event_problem(row: Row, sheet: str, regs: Registers, findings: Findings, *required) -> bool:
    """True (with findings) when a required cell of an event row is blank or unreadable."""
    bad = False
    for key, header in required:
        if key in row.bad:
            required_blank(row, key, header, "placements.xlsx", sheet, findings, "this row is not counted until then.")
            bad = True
    return bad
