"""Small factories that build test workbooks cell by cell, so each test states its own data."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from pipeline.output import XLSX_OPTIONS


def write_grid(path: Path, sheets: dict[str, list[list]], created: dt.datetime | None = None) -> Path:
    """Write {sheet name: rows} to an xlsx, row 1 first; dates are written as real Excel dates.

    A value of None leaves the cell empty."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    wb.set_properties({"created": created or dt.datetime(2026, 1, 1)})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        ws = wb.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(r, c, value if isinstance(value, dt.datetime) else
                                      dt.datetime(value.year, value.month, value.day), date_fmt)
                elif isinstance(value, str):
                    ws.write_string(r, c, value)
                else:
                    ws.write(r, c, value)
    wb.close()
    return path


# --- a school folder, built from dicts keyed by the contract's header texts -------------------

from pipeline import schema  # noqa: E402
from pipeline.templates import TERMS_2026_27  # noqa: E402

# The factory school: its terms are the 2026-27 dates the templates and the demo use (one declaration, in
# pipeline.templates), plus one INSET day. Spring ends Thu 25/03/2027, the day before Good Friday.
SCHOOL_TOML = """\
[school]
name = "Test Infant School"
target_percent = 96.0

[calendar]
closures = [2026-11-13]

""" + TERMS_2026_27

ALL_CHECKS = {h: dt.date(2026, 6, 1) for h in schema.PROVIDER_CHECKS}


def provider(pid="PRV1", **over) -> dict:
    row = {"Provider ID": pid, "Name": f"Provider {pid}", "Contact email": f"{pid.lower()}@example.org",
           "Registered": "Y", "Status": "Active", **ALL_CHECKS}
    row.update({k.replace("_", " "): v for k, v in over.items()})
    return row


def placement(pid="P001", provider_id="PRV1", start=dt.date(2026, 9, 7), days="Full day", **over) -> dict:
    """A valid placement whose start duties are all done; `days` applies to Mon-Fri unless a day is given
    in `over` (Mon="AM"). Override a duty's date with None to leave it undone (Parent_letter_sent=None)."""
    day = start if isinstance(start, dt.date) else dt.date(2026, 9, 7)  # start may be typed as text
    week_before = day - dt.timedelta(days=7)
    row = {"Placement ID": pid, "UPN": "B801200005001", "Forename": "Test", "Surname": f"Pupil {pid}",
           "Provider ID": provider_id, "Reason": "Directed off-site to improve behaviour", "Arranged by": "School",
           "Start date": start, **{d: days for d in schema.WEEKDAYS},
           "Parent letter sent": week_before, "Parents agreed": week_before, "Intervention plan agreed": week_before,
           "Dual registered from": day, "Attainment data sent": week_before}
    row.update({k.replace("_", " "): v for k, v in over.items()})
    return row


def rows_of(sheet: schema.Sheet, records: list[dict], title_rows: int = 0) -> list[list]:
    headers = [c.header for c in sheet.columns]
    extra = [k for r in records for k in r if k not in headers]
    headers += list(dict.fromkeys(extra))
    grid = [[f"{sheet.name} (title row)"]] + [[]] * (title_rows - 1) if title_rows else []
    return grid + [headers] + [[r.get(h) for h in headers] for r in records]


def register_sheets(placements: list[dict], providers: list[dict] | None = None, reviews: list[dict] | None = None,
                    exclusions: list[dict] | None = None) -> dict[str, dict[str, list[list]]]:
    """{file name: {sheet name: rows}} of the two registers (a sheet given as None is left out)."""
    sheets = {"Placements": rows_of(schema.PLACEMENTS, placements)}
    if reviews is not None:
        sheets["Reviews"] = rows_of(schema.REVIEWS, reviews)
    if exclusions is not None:
        sheets["Exclusions"] = rows_of(schema.EXCLUSIONS, exclusions)
    return {"providers.xlsx": {"Providers": rows_of(schema.PROVIDERS, providers or [provider()])},
            "placements.xlsx": sheets}


def write_school(folder: Path, placements: list[dict], providers: list[dict] | None = None,
                 reviews: list[dict] | None = None, exclusions: list[dict] | None = None,
                 toml: str = SCHOOL_TOML) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "school.toml").write_text(toml, encoding="utf-8")
    for name, sheets in register_sheets(placements, providers, reviews, exclusions).items():
        write_grid(folder / name, sheets)
    (folder / "returns").mkdir(exist_ok=True)
    return folder


def write_return(path: Path, provider_id, week, rows: list[tuple], incidents: list[dict] | None = None,
                 created: dt.datetime | None = None) -> Path:
    """rows: (placement_id, [10 session values Mon AM .. Fri PM]); labels in A1:B2, header on row 4.

    So the session of row k (0-based), session s (0 = Mon AM) is at column D+s, Excel row 5+k."""
    return write_grid(path, return_sheets(provider_id, week, rows, incidents), created)


def return_sheets(provider_id, week, rows: list[tuple], incidents: list[dict] | None = None) -> dict[str, list[list]]:
    """{sheet name: rows} of the return write_return writes."""
    grid = [["Provider ID", provider_id], ["Week commencing", week], [],
            [c.header for c in schema.ATTENDANCE.columns]]
    for pid, marks in rows:
        grid.append([pid, "B801200005001", "Test Pupil", *marks, None])
    sheets = {"Attendance": grid}
    if incidents is not None:
        sheets["Incidents"] = rows_of(schema.INCIDENTS, incidents)
    return sheets


def full_week(code="B") -> list:
    return [code] * 10
