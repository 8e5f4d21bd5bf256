"""The pre-filled weekly return sent to each provider (contract §5): only its own pupils, locked
where nothing may be typed, a dropdown of valid codes where something must be.

Layout (read back by pipeline/read/returns.py):
  Attendance  A1 Provider ID / B1 the id, A2 Week commencing / B2 the Monday, header on row 4,
              one row per pupil from row 5; sessions D..M; '-' (locked) where not expected.
  Incidents   the schema's Incidents sheet, with a dropdown of this provider's placement IDs.
  Instructions, and the hidden sheets Lists and _meta (provider id, week, template version).

build_workbook writes it with xlsxwriter (7-8 ms of CPU); write_provider_return writes the same file, byte for
byte, as its zip's XML directly (provider_return_xml, about 1.2 ms), and leaves anything unusual to build_workbook.
The layout and wording both follow are in provider_return_layout.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from .. import codes, schema
from ..output import XLSX_OPTIONS, atomic_path, pinned_datetime
from ..provider_week import ReturnPupil
from ..schema import META_SHEET
from ..templates import LISTS, Formats, Lists, validate, write_instructions, write_sheet
from .provider_return_layout import (CODES_LIST, FIRST_SESSION_COL, HEADER_ROW, INCIDENT_ROWS, SESSION_KEYS, WIDTHS,
                                     day_label, hints, ids_list, instructions, meta_rows, page_header, title)
from .provider_return_xml import DirectWriter
from .xlsx_zip import write_zip


def write_provider_return(path: Path, provider_id: str, provider_name: str, monday: dt.date,
                          pupils: list[ReturnPupil], school: str, return_by: dt.date, created: dt.date) -> None:
    """Write one provider's pre-filled return for the week of `monday`; byte-identical for the same inputs.

    Its zip's parts are written directly (provider_return_xml) when nothing about the return is unusual; else by
    xlsxwriter (build_workbook): the same bytes either way."""
    args = (provider_id, provider_name, monday, pupils, school, return_by, created)
    parts = DIRECT.parts(*args)
    with atomic_path(Path(path)) as tmp:
        if parts is None:
            build_workbook(str(tmp), *args)
        else:
            write_zip(tmp, parts)


def write_with_xlsxwriter(path: Path, provider_id: str, provider_name: str, monday: dt.date,
                          pupils: list[ReturnPupil], school: str, return_by: dt.date, created: dt.date) -> None:
    """write_provider_return's file as xlsxwriter writes it: the reference for the direct writer, and its fallback."""
    with atomic_path(Path(path)) as tmp:
        build_workbook(str(tmp), provider_id, provider_name, monday, pupils, school, return_by, created)


def build_workbook(target, provider_id: str, provider_name: str, monday: dt.date, pupils: list[ReturnPupil],
                   school: str, return_by: dt.date, created: dt.date) -> dict:
    """The return written by xlsxwriter to `target` (a path or a binary file); its formats by name (_looks)."""
    wb = xlsxwriter.Workbook(target, XLSX_OPTIONS)
    wb.set_properties({"title": title(provider_id, monday), "created": pinned_datetime(created)})
    fmt = Formats(wb)
    look = _looks(wb)
    attendance = wb.add_worksheet(schema.ATTENDANCE.name)
    incidents = wb.add_worksheet(schema.INCIDENTS.name)
    write_instructions(wb.add_worksheet("Instructions"), schema.RETURN_BOOK, fmt,
                       instructions(provider_name, monday, return_by, school))
    lists = Lists(wb.add_worksheet(LISTS))
    lists.ws.hide()
    meta = wb.add_worksheet(META_SHEET)
    meta.hide()
    for r, (key, value) in enumerate(meta_rows(provider_id, monday)):
        meta.write_string(r, 0, key)
        meta.write_string(r, 1, value)
    codes_range = lists.source(CODES_LIST)
    ids_range = lists.source(ids_list(pupils))
    _attendance_sheet(attendance, provider_id, provider_name, monday, return_by, pupils, codes_range, look, fmt)
    write_sheet(incidents, schema.INCIDENTS, [], {}, lists, fmt)
    validate(incidents, 1, INCIDENT_ROWS, 1, {
        "validate": "list", "source": ids_range, "error_type": "stop", "error_title": "Placement ID",
        "error_message": "Choose one of your pupils' Placement IDs from the list."})
    attendance.activate()
    wb.close()
    return look


def _looks(wb) -> dict:
    border = {"border": 1, "border_color": "#8C8C8C"}
    return {
        "label": wb.add_format({"bold": True}),
        "value": wb.add_format({"bold": True, "locked": True}),
        "date": wb.add_format({"bold": True, "num_format": "dd/mm/yyyy", "align": "left"}),
        "header": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top", **border}),
        "fixed": wb.add_format({"bg_color": "#F2F2F2", **border}),
        "not_expected": wb.add_format({"bg_color": "#D9D9D9", "font_color": "#595959", "align": "center", **border}),
        "expected": wb.add_format({"locked": False, "bg_color": "#FFFFFF", "align": "center", **border}),
        "notes": wb.add_format({"locked": False, "text_wrap": True, **border}),
        "invalid": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True}),
        "hint": wb.add_format({"italic": True, "font_color": "#595959"}),
        "day": wb.add_format({"bold": True, "align": "center", "bg_color": "#DDEBF7", **border}),
    }


def _attendance_sheet(ws, provider_id, provider_name, monday, return_by, pupils, codes_range, look, fmt) -> None:
    provider_row, week_row = (schema.RETURN_LABEL_ROWS[label] for label in (schema.PROVIDER_LABEL, schema.WEEK_LABEL))
    ws.write_string(provider_row, 0, schema.PROVIDER_LABEL, look["label"])
    ws.write_string(provider_row, 1, provider_id, look["value"])
    ws.write_string(provider_row, 2, provider_name, look["hint"])
    ws.write_string(week_row, 0, schema.WEEK_LABEL, look["label"])
    ws.write_datetime(week_row, 1, dt.datetime(monday.year, monday.month, monday.day), look["date"])
    for r, hint in enumerate(hints(return_by)):
        ws.write_string(r, FIRST_SESSION_COL, hint, look["hint"])
    for i in range(5):  # the day's date over its two sessions (headers themselves stay exactly as §5 says)
        day = monday + dt.timedelta(days=i)
        col = FIRST_SESSION_COL + 2 * i
        ws.merge_range(HEADER_ROW - 1, col, HEADER_ROW - 1, col + 1, day_label(day), look["day"])
    headers = [c.header for c in schema.ATTENDANCE.columns]
    for c, header in enumerate(headers):
        ws.write_string(HEADER_ROW, c, header, look["header"])
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    expected_cells = []
    for r, pupil in enumerate(pupils, start=HEADER_ROW + 1):
        ws.write_string(r, 0, pupil.placement_id, look["fixed"])
        ws.write_string(r, 1, pupil.upn, look["fixed"])
        ws.write_string(r, 2, pupil.name, look["fixed"])
        for i, key in enumerate(SESSION_KEYS):
            col = FIRST_SESSION_COL + i
            if key in pupil.expected:
                ws.write_blank(r, col, None, look["expected"])
                expected_cells.append(xl_rowcol_to_cell(r, col))
            else:
                ws.write_string(r, col, codes.NOT_EXPECTED, look["not_expected"])
        ws.write_blank(r, FIRST_SESSION_COL + 10, None, look["notes"])
    last = HEADER_ROW + max(len(pupils), 1)
    if expected_cells:
        validate(ws, HEADER_ROW + 1, last, FIRST_SESSION_COL, {
            "validate": "list", "source": codes_range, "multi_range": " ".join(expected_cells),
            "input_title": "Register code", "input_message": "One code, e.g. B present, I illness, N no reason yet.",
            "error_type": "stop", "error_title": "Not a register code",
            "error_message": "Choose a code from the list; the key is on the Instructions sheet.",
        })
    first_cell = xl_rowcol_to_cell(HEADER_ROW + 1, FIRST_SESSION_COL)
    ws.conditional_format(HEADER_ROW + 1, FIRST_SESSION_COL, last, FIRST_SESSION_COL + 9, {
        "type": "formula", "format": look["invalid"],
        # an exact (case-insensitive, trimmed) comparison with every code: COUNTIF would read '*', '?',
        # '<' and '>' as wildcards or comparisons and let them through
        "criteria": f'=AND(TRIM({first_cell})<>"",TRIM({first_cell})<>"{codes.NOT_EXPECTED}",'
                    f'SUMPRODUCT(--(TRIM({first_cell})={codes_range.lstrip("=")}))=0)',
    })
    ws.freeze_panes(HEADER_ROW + 1, 3)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True})
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.print_area(0, 0, last, len(headers) - 1)
    ws.set_header(page_header(provider_id, monday))


DIRECT = DirectWriter(build_workbook)     # the direct writer, with xlsxwriter's return as its reference
