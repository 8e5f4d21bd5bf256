"""The attendance lead's weekly workbook (contract §9: weekly_report.xlsx).

Written cell by cell with xlsxwriter so that every text from the inputs stays text
(never a formula), and with a pinned 'created' time so a rerun is byte-identical; row by row, in
order (constant_memory, see open_workbook), so that its size in memory does not grow with the school.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter

from ..milestones import MILESTONE_HEADERS
from ..model import Facts
from ..output import XLSX_OPTIONS, atomic_path, pinned_datetime, temporary_folder
from ..schema import PROVIDER_CHECKS
from ..heap import writer
from .xlsx_rows import RowWriter, Styled, looks_rich   # Styled: a coloured status cell
from .changes_wording import change_rows, changes_sentence
from .wording import first_step, reconciliation_note, report_actions, safeguarding_first, summary_counts

FIGURES = ("possible", "attended", "authorised", "unauthorised", "not_reported", "percent")
FIGURE_LABELS = ("possible", "attended", "authorised", "unauthorised", "not reported", "%")
ATTENDANCE_HEADERS = (["Placement ID", "Pupil", "Provider ID", "Provider"]
                      + [f"Week {x}" for x in FIGURE_LABELS]
                      + [f"Year to date {x}" for x in FIGURE_LABELS]
                      + ["Below target", "Persistent absence"])
NOTES = "Provider notes"          # last column: the reporting week's Notes from the return, free text kept as text
ACTION_HEADERS = ["Owner", "Status", "Due", "Days overdue", "Pupil or provider", "What to do", "Policy §", "Rule",
                  "Placement ID", "Provider ID", "UPN", "Who"]   # Who: the person holding the Owner role ([people])
PLACEMENT_HEADERS = (["Placement ID", "Pupil", "Provider ID", "Provider", "Start date", "Planned end date",
                      "Actual end date"] + list(MILESTONE_HEADERS))
PROVIDER_HEADERS = (["Provider ID", "Name", "Registered", "Status", "Pupils now or starting soon"]
                    + [f"{check} {part}" for check in PROVIDER_CHECKS for part in ("date", "expires", "status")]
                    + ["Overall"])
FALLING = "Falling"               # Y: weekly attendance fell three weeks running (trend.Trend.falling)
CHANGE_HEADERS = ["Change", "Pupil or provider: what changed", "Rule", "ID", "Due"]
MISSING_HEADERS = ["Provider ID", "Provider", "Week commencing", "Contact name", "Contact email", "Phone"]
FINDING_HEADERS = ["Severity", "File", "Sheet", "Cell", "Rule", "Value", "Message"]
RECONCILIATION_HEADERS = ["Risk", "Placement ID", "Pupil", "Provider", "Date", "Session", "School code",
                          "Provider code", "What to do"]
WIDE = {"Provider notes": 30, "What to do": 48, "Message": 48, "Value": 22, "File": 24, "Overall": 24,
        "Pupil or provider": 20, "Pupil": 15, "Provider": 16, "Name": 20, "Contact email": 28, "Who": 14,
        "Rule": 16, "Owner": 16, **{h: 10.5 for h in MILESTONE_HEADERS}}      # wrapped text columns: width at most
SUMMARY_WIDTHS = (40, 82, 20, 8, 11)     # label, text (wrapped), then a change's rule, ID and due date
SUMMARY_PAGE_LINES = 32                  # 15-point lines on a landscape A4 page at 100 %
BOLD = 0.92                              # bold letters are wider: a bold wrapped cell holds fewer
TURN = 11           # a column whose values are at most this wide gets its header turned upright, so it stays narrow
LINE = 15           # points per line of 11 pt Calibri (xlsxwriter's default row height)
COUNTED = 20_000    # texts whose wrapped lines a table keeps while it is written (most recur: milestones, names)
# colour of a cell by its state (the words are always in the cell too): milestones, provider checks, actions
STATE_FORMAT = {"done": "green", "overdue": "red", "due": "amber", "refused": "grey",
                "green": "green", "red": "red", "amber": "amber"}


@writer
def write_xlsx_report(result: Facts, path) -> None:
    path = Path(path)
    with atomic_path(path) as tmp, temporary_folder(path) as rows:    # its rows hold pupils' names: kept beside it
        wb = open_workbook(tmp, rows)
        wb.set_properties({"title": "Alternative provision weekly report",
                           "created": pinned_datetime(result.as_of)})
        f = _formats(wb)
        _summary_sheet(wb, f, result)
        _attendance_sheet(wb, f, result)
        _actions_sheet(wb, f, result)
        _placements_sheet(wb, f, result)
        _providers_sheet(wb, f, result)
        _missing_sheet(wb, f, result)
        _reconciliation_sheet(wb, f, result)
        _findings_sheet(wb, f, result)
        wb.close()


def open_workbook(path: Path, rows: Path | None = None):
    """The workbook written row by row (constant_memory): each row goes to a temporary file in the folder `rows`
    (None: the system's temporary folder) as the next begins, so a 100,000-pupil report never holds its cells (a
    record each, hundreds of MB) in memory. Text is then stored in each cell rather than in a shared list: the
    same values, a larger file."""
    options = {**XLSX_OPTIONS, "in_memory": False, "constant_memory": True}
    if rows is not None:
        options["tmpdir"] = str(rows)
    return xlsxwriter.Workbook(str(path), options)


def _formats(wb) -> dict:
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "bold": wb.add_format({"bold": True, "valign": "top"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "top": wb.add_format({"valign": "top"}),
        "head": wb.add_format({"bold": True, "text_wrap": True, "valign": "bottom", "font_color": "#FFFFFF",
                               "bg_color": "#4472C4"}),
        "turned": wb.add_format({"bold": True, "rotation": 90, "valign": "bottom", "align": "center",
                                 "text_wrap": True, "font_color": "#FFFFFF", "bg_color": "#4472C4"}),
        "date": wb.add_format({"num_format": "dd/mm/yyyy", "align": "left", "valign": "top"}),
        "longdate": wb.add_format({"num_format": "dddd d mmmm yyyy", "align": "left"}),
        "pct": wb.add_format({"num_format": '0.0"%"', "valign": "top"}),
        "pct_left": wb.add_format({"num_format": '0.0"%"', "align": "left"}),
        "int_left": wb.add_format({"align": "left", "valign": "top"}),
        "first": wb.add_format({"bold": True, "text_wrap": True, "bg_color": "#FFF2CC", "border": 1, "valign": "top"}),
        "amber": wb.add_format({"bg_color": "#FFEB9C", "font_color": "#7F4F00"}),
        "red": wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
        # static fills for status cells (Excel tables keep them; the words say the same)
        **{f"cell_{name}": wb.add_format({"bg_color": bg, "font_color": fg, "text_wrap": True, "valign": "top"})
           for name, bg, fg in (("green", "#C6EFCE", "#006100"), ("amber", "#FFEB9C", "#7F4F00"),
                                ("red", "#FFC7CE", "#9C0006"), ("grey", "#E7E6E6", "#3A3838"))},
    }


def _page_setup(ws, result: Facts, sheet: str) -> None:
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.3, right=0.3, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    school = result.settings.school_name.replace("&", "&&")[:120]
    ws.set_header(f"&L{school}&R{sheet}, week commencing {result.week:%d/%m/%Y}")
    ws.set_footer("&CPage &P of &N")


class _NoOverlapCheck(dict):
    """A sheet's record of the cells under its tables (xlsxwriter's Worksheet.table_cells) that records nothing.
    xlsxwriter keeps a (row, column) entry for every cell of a table, only to refuse a second table or a merged
    range over it; these sheets have one table each and no merged cells, and at 100,000 pupils that record would
    be millions of entries (hundreds of MB) kept until the workbook is written."""

    def __setitem__(self, key, value) -> None:
        pass


def _put(ws, row: int, col: int, value, fmt=None) -> None:
    """Write one value: text always as text, dates as real dates, None as nothing."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        ws.write_string(row, col, "Y" if value else "N", fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt)
    else:
        _string(ws, row, col, str(value), fmt)


def _string(ws, row: int, col: int, text: str, fmt=None) -> None:
    """Write a text as text. One that xlsxwriter would write into the row-by-row sheet as XML, as it is
    (xlsx_rows.looks_rich: '<r>...</r>', which could hold a formula cell), is given to it as three plain runs of
    rich text (it takes no fewer), which it escapes: the cell shows the same text."""
    if looks_rich(text):
        ws.write_rich_string(row, col, text[:1], text[1:2], text[2:], *([fmt] if fmt is not None else []))
    else:
        ws.write_string(row, col, text, fmt)


def put_row(ws, r: int, row: list, formats: list, named: dict, height: float | None = None) -> None:
    """Write a table's row cell by cell through xlsxwriter (a row the rows' writer leaves to it): `formats` one per
    column, `named` the formats by name for a Styled value, `height` in points (None: the default)."""
    if height:
        ws.set_row(r, height)
    for c, value in enumerate(row):
        if isinstance(value, Styled):
            _put(ws, r, c, value.value, named[value.fmt])
        else:
            _put(ws, r, c, value, formats[c])


def _table_sheet(wb, f, result, name: str, headers: list[str], rows: list[list],
                 formats: dict[int, str] | None = None, empty: str = ""):
    """A sheet holding one Excel table with a frozen, repeated header row."""
    ws = wb.add_worksheet(name)
    ws.table_cells = _NoOverlapCheck()
    formats = formats or {}
    column_formats = [f[formats.get(c, "wrap" if h in WIDE else "top")] for c, h in enumerate(headers)]
    widths, turned = _widths(headers, rows)
    header_formats = [f["turned" if c in turned else "head"] for c in range(len(headers))]
    row_by_row, ws.constant_memory = ws.constant_memory, 0    # xlsxwriter refuses add_table row by row: its
    try:                                                         # header row is written again below
        ws.add_table(0, 0, max(len(rows), 1), len(headers) - 1, {
            "name": name.replace(" ", ""), "style": "Table Style Medium 2", "autofilter": True,
            "columns": [{"header": h, "header_format": header_formats[c]} for c, h in enumerate(headers)]})
    finally:
        ws.constant_memory = row_by_row
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, header_formats[c])
        ws.set_column(c, c, widths[c], f["wrap"] if h in WIDE else None)
    ws.set_row(0, _header_height(headers, widths, turned))
    wide = [(c, widths[c], _room(widths[c])) for c, h in enumerate(headers) if h in WIDE]
    rows_xml = RowWriter(ws, f)
    counted = {}                    # (value, width) -> its lines: the same texts recur (milestones, owners, names)
    for r, row in enumerate(rows, start=1):
        lines = 1
        for c, width, room in wide:
            value = row[c]
            if type(value) is str and len(value) <= room and "\n" not in value:
                continue            # one line: what _lines says, without its calls
            value = _plain(value)
            n = counted.get((value, width))
            if n is None:
                if len(counted) >= COUNTED:
                    counted.clear()
                n = counted[value, width] = _lines(value, width)
            if n > lines:
                lines = n
        height = LINE * lines if lines > 1 else None
        if not rows_xml.write(r, row, column_formats, height):
            put_row(ws, r, row, column_formats, f, height)
    if not rows and empty:
        ws.write_string(3, 0, empty)
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)
    _page_setup(ws, result, name)
    return ws


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return "00/00/000"        # dd/mm/yyyy: ten characters, two of them narrow slashes
    if isinstance(value, float):
        return _percent(value)
    return str(value)


_percent = "{:.1f}%".format       # a figure as _text shows it: 92.5%


def _widths(headers: list[str], rows: list[list]) -> tuple[list[float], set[int]]:
    """Each column's width in characters, and the columns whose header is turned upright. Short values (counts,
    percentages, dates, IDs) keep a narrow column under an upright header; text columns wrap at WIDE's width.
    An empty table keeps its headings level, wide enough to read."""
    widths, turned = [], set()
    for c, h in enumerate(headers):
        data = _longest([row[c] for row in rows])
        if h in WIDE:
            words = max(len(w) for w in h.split())
            width = max(min(max(data, len(h)) + 1, WIDE[h]), 8 if rows else len(h) + 2)
            if rows and (words + 1 > width or len(_wrap(h, width)) > 2):
                turned.add(c)       # a long heading over a narrow wrapped column (the milestones) stands upright
            widths.append(width)
        elif rows and data <= TURN and len(h) > data + 1:
            widths.append(max(data + 2, 4.5))
            turned.add(c)
        else:
            widths.append(min(max(data, len(h)) + 2, 30))
    return widths, turned


def _longest(values: list) -> int:
    """The length of the longest text _text makes of `values`, at least 1; a column of one type (and blanks)
    measured without a call of _text for each value."""
    present = [v for v in values if v is not None]        # None: no text
    kinds = set(map(type, present))
    if kinds <= {str}:
        lengths = map(len, present)
    elif kinds <= {int}:
        lengths = map(len, map(str, present))
    elif kinds <= {float}:
        lengths = map(len, map(_percent, present))
    else:
        lengths = (len(_text(_plain(v))) for v in present)
    return max(max(lengths, default=1), 1)


def _wrap(text: str, width: float) -> list[str]:
    """The lines a wrapped cell of `width` characters shows `text` in (a greedy estimate: Calibri's average
    letter is a little narrower than the width unit, wide capitals and bold a little wider)."""
    room = _room(width)
    lines = []
    for para in str(text).split("\n"):
        line = ""
        for word in para.split():
            while len(word) > room:
                if line:
                    lines.append(line)
                    line = ""
                lines.append(word[:room])
                word = word[room:]
            if not line:
                line = word
            elif len(line) + 1 + len(word) <= room:
                line += " " + word
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _room(width: float) -> int:
    """The letters a line of a wrapped cell `width` characters wide holds (see _wrap)."""
    return max(int(width * 1.15) - 1, 1)


def _lines(value, width: float) -> int:
    if value is None or value == "":
        return 1
    text = _text(value)
    if len(text) <= _room(width) and "\n" not in text:
        return 1        # fits on one line: what _wrap would say, without wrapping it word by word
    return len(_wrap(text, width))


def _upright(header: str, width: float) -> int:
    """The letters in the longest line of an upright header wrapped across a column of `width` characters
    (one 15-point line per 20 points of width, about 3 characters)."""
    lines = max(int(width / 3), 1)
    for room in range(max(len(w) for w in header.split()), len(header) + 1):
        if len(_wrap(header, (room + 1.5) / 1.15)) <= lines:
            return room
    return len(header)


def _header_height(headers, widths, turned) -> float:
    """Tall enough for the longest upright header (about 5 points a bold letter, 4 in Calibri) and for the
    deepest wrapped one."""
    upright = max([_upright(headers[c], widths[c]) * 5 + 12 for c in turned] + [0])
    flat = max(len(_wrap(h, widths[c])) * LINE for c, h in enumerate(headers) if c not in turned)
    return max(upright, flat, LINE)


def _plain(value):
    return value.value if isinstance(value, Styled) else value


def _coloured(text: str, state: str):
    """A status cell: its words, on the colour of its state (no colour for blank or n/a)."""
    fmt = STATE_FORMAT.get(state)
    return Styled(text, f"cell_{fmt}") if fmt and text else (text or None)


def _summary_sheet(wb, f, result: Facts) -> None:
    ws = wb.add_worksheet("Summary")
    c = summary_counts(result)
    window = result.settings.options.get(("rules", "due_window_school_days"), 10)
    ws.write_string(0, 0, "Alternative provision: weekly report", f["title"])
    lines = [
        ("School", result.settings.school_name, None),
        ("Week commencing", result.week, "longdate"),
        ("Figures up to", result.as_of, "longdate"),
        ("Attendance target", result.settings.target_percent, "pct_left"),
    ]
    for r, (label, value, fmt) in enumerate(lines, start=2):
        ws.write_string(r, 0, label, f["bold"])
        _put(ws, r, 1, value, f[fmt] if fmt else None)
    # what changed in one sentence, then the first instruction and the counts: those always print on page 1;
    # the changes one by one follow, as long as they need to be
    ws.write_string(7, 0, "Changes since last week", f["bold"])
    _string(ws, 7, 1, changes_sentence(result), f["wrap"])
    ws.set_row(7, LINE * len(_wrap(changes_sentence(result), SUMMARY_WIDTHS[1])))
    ws.write_string(9, 0, "What to do first", f["bold"])
    _string(ws, 9, 1, first_step(result), f["first"])
    ws.set_row(9, LINE * len(_wrap(first_step(result), SUMMARY_WIDTHS[1] * BOLD)) + 4)
    ws.write_string(11, 0, "This week in numbers", f["bold"])
    counts = [
        ("Pupils in alternative provision", c["pupils"]),
        ("Below the attendance target (year to date)", c["below_target"]),
        ("Persistent absence (year to date)", c["persistent_absence"]),
        ("Actions overdue", c["overdue"]),
        (f"Actions due in the next {window} school days", c["due"]),
        ("Alerts needing a decision", c["alert"]),
        ("Missing attendance returns", c["missing_returns"]),
        ("Errors in the workbooks", c["errors"]),
        ("Warnings about the workbooks", c["warnings"]),
    ]
    for r, (label, n) in enumerate(counts, start=12):
        ws.write_string(r, 0, label)
        ws.write_number(r, 1, n, f["int_left"])
    lines = _change_list(ws, f, result, r + 2) + r + 2
    for c, width in enumerate(SUMMARY_WIDTHS):
        ws.set_column(c, c, width)
    _page_setup(ws, result, "Summary")
    # the whole Summary on one page while its text stays legible (at least 70 %, about 8 pt); a longer list of
    # changes goes on over further pages, one page wide
    ws.fit_to_pages(1, 1 if lines <= SUMMARY_PAGE_LINES / 0.7 else 0)


def _change_list(ws, f, result: Facts, row: int) -> int:
    """The changes since last week one by one from `row`, under a header row. Returns the lines they take."""
    changes = change_rows(result)
    if not changes:
        return 0
    for c, h in enumerate(CHANGE_HEADERS):
        ws.write_string(row, c, h, f["bold"])
    taken = 1
    rows_xml = RowWriter(ws, f)
    formats = [f["top"], f["wrap"], f["top"], f["top"], f["date"]]
    for r, ch in enumerate(changes, start=row + 1):
        text = _change_text(ch)
        lines = _lines(text, SUMMARY_WIDTHS[1])
        taken += lines
        height = LINE * lines if lines > 1 else None
        if ch.kind and text and rows_xml.write(r, [ch.kind, text, ch.rule, ch.ref, ch.due], formats, height):
            continue                # (a blank kind or text is written below, as an empty text cell)
        _string(ws, r, 0, ch.kind, f["top"])
        _string(ws, r, 1, text, f["wrap"])
        if height:
            ws.set_row(r, height)
        _put(ws, r, 2, ch.rule, f["top"])
        _put(ws, r, 3, ch.ref, f["top"])
        _put(ws, r, 4, ch.due, f["date"])
    return taken


def _change_text(ch) -> str:
    return f"{ch.subject}: {ch.text}" if ch.subject else ch.text


def _attendance_sheet(wb, f, result: Facts) -> None:
    trend = result.trend
    weeks = trend.weeks if trend is not None else ()
    headers = ATTENDANCE_HEADERS + [f"w/c {w:%d/%m}" for w in weeks] + ([FALLING] if trend is not None else []) + [NOTES]
    rows = []
    for p in result.pupils:
        row = ([p.placement_id, result.pupil_names.get(p.placement_id),
                p.provider_id, result.provider_names.get(p.provider_id)]
               + [getattr(p.week, k) for k in FIGURES] + [getattr(p.year_to_date, k) for k in FIGURES]
               + ["Y" if p.below_target else "N", "Y" if p.persistent_absence else "N"])
        if trend is not None:
            row += ["n/a" if v is None else v for v in trend.of(p.placement_id)]
            row.append("Y" if trend.falling(p.placement_id) else "N")
        rows.append(row + [result.provider_notes.get(p.placement_id)])
    pct_cols = {ATTENDANCE_HEADERS.index("Week %"): "pct", ATTENDANCE_HEADERS.index("Year to date %"): "pct",
                **{len(ATTENDANCE_HEADERS) + i: "pct" for i in range(len(weeks))}}
    ws = _table_sheet(wb, f, result, "Attendance", headers, rows, pct_cols,
                      "No pupils in alternative provision so far this year.")
    if rows:
        last = len(rows)
        span = f"A2:{xlsxwriter.utility.xl_col_to_name(len(headers) - 1)}{last + 1}"
        pa = xlsxwriter.utility.xl_col_to_name(ATTENDANCE_HEADERS.index("Persistent absence"))
        below = xlsxwriter.utility.xl_col_to_name(ATTENDANCE_HEADERS.index("Below target"))
        # Added first, so it wins: red for persistent absence, then amber for below target.
        ws.conditional_format(span, {"type": "formula", "criteria": f'=${pa}2="Y"', "format": f["red"]})
        ws.conditional_format(span, {"type": "formula", "criteria": f'=${below}2="Y"', "format": f["amber"]})


def _actions_sheet(wb, f, result: Facts) -> None:
    """Grouped by owner (wording.OWNER_ORDER), then overdue, due, alert, then due date."""
    rows = [[a.owner, _coloured(a.status.capitalize(), a.status), a.due,
             a.days_overdue, a.subject, a.message, a.section, a.rule,
             a.placement_id, a.provider_id, a.upn, a.person]
            for a in report_actions(result)]
    _table_sheet(wb, f, result, "Actions", ACTION_HEADERS, rows,
                 {ACTION_HEADERS.index("Due"): "date", ACTION_HEADERS.index("Days overdue"): "int_left"},
                 "No actions: nothing is overdue, due soon or waiting for a decision.")


def _placements_sheet(wb, f, result: Facts) -> None:
    """One row per placement: its dates and where each milestone stands (done, overdue, due, n/a)."""
    coloured = {}       # (text, state) -> its cell: a few hundred different ones in 13 cells a placement
    rows = [[p["placement_id"], p.get("pupil"), p["provider_id"], p.get("provider"),
             p["start_date"], p.get("planned_end_date"), p.get("actual_end_date")]
            + [coloured.get(key) or coloured.setdefault(key, _coloured(*key))
               for key in [(m["text"], m["state"]) for m in p["milestones"]]]
            for p in result.placements]
    dates = {PLACEMENT_HEADERS.index(h): "date" for h in ("Start date", "Planned end date", "Actual end date")}
    ws = _table_sheet(wb, f, result, "Placements", PLACEMENT_HEADERS, rows, dates,
                      "No placements in the register.")
    ws.freeze_panes(1, 2)      # keep the placement and the pupil in view while scrolling across


def _providers_sheet(wb, f, result: Facts) -> None:
    """One row per provider: registration, status and each dated check with its expiry and status."""
    rows = []
    for p in result.providers:
        row = [p["provider_id"], p.get("name"),
               _coloured(p.get("registered") or "blank", "green" if p["registered_ok"] else "red"),
               _coloured(p.get("status") or "blank", "green" if p["status_ok"] else "red"),
               p.get("placements", 0)]
        for c in p["checks"]:
            row += [c["date"], c["expiry"], _coloured(c["state"], c["rag"])]
        rows.append(row + [_coloured(p["overall_text"], p["overall"])])
    dates = {i: "date" for i, h in enumerate(PROVIDER_HEADERS) if h.endswith((" date", " expires"))}
    ws = _table_sheet(wb, f, result, "Providers", PROVIDER_HEADERS, rows,
                      {**dates, PROVIDER_HEADERS.index("Pupils now or starting soon"): "int_left"},
                      "No providers in the register.")
    ws.freeze_panes(1, 2)


def _missing_sheet(wb, f, result: Facts) -> None:
    rows = [[m.provider_id, result.provider_names.get(m.provider_id), m.week_commencing,
             *result.provider_contacts.get(m.provider_id, ("", "", ""))]
            for m in result.missing_returns]
    _table_sheet(wb, f, result, "Missing returns", MISSING_HEADERS, rows, {2: "date"},
                 "No missing returns this week.")


def _reconciliation_sheet(wb, f, result: Facts) -> None:
    """The school's register export against the providers' returns: one row per session, safeguarding first."""
    rows = [[_coloured(r["risk"], "red" if r["risk"] == "Safeguarding risk" else "amber"), r["placement_id"],
             r.get("pupil"), r.get("provider"), r["date"], r["session"], r["school_code"],
             r["provider_code"], r["what_to_do"]] for r in safeguarding_first(result)]
    _table_sheet(wb, f, result, "Reconciliation", RECONCILIATION_HEADERS, rows,
                 {RECONCILIATION_HEADERS.index("Date"): "date"}, reconciliation_note(result))


def _findings_sheet(wb, f, result: Facts) -> None:
    rows = [[x.severity.capitalize(), x.file, x.sheet, x.cell, x.rule, x.value, x.message]
            for x in result.findings]
    _table_sheet(wb, f, result, "Findings", FINDING_HEADERS, rows, {},
                 "No problems found in the workbooks.")
