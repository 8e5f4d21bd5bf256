"""The input templates, generated from the schema and the settings declaration.

`python -m pipeline.templates [FOLDER]` regenerates `input_templates/` (or FOLDER):
placements.xlsx, providers.xlsx, attendance_return.xlsx and school.toml.
The same `write_workbook` writes pre-filled workbooks when given rows and labels.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import xlsxwriter

from . import codes, schema
from .output import XLSX_OPTIONS, atomic_path, pinned_datetime, write_text
from .settings import PLACEHOLDER_NAME, ROLES, SETTINGS

CREATED = dt.date(2026, 1, 1)
LAST_ROW = 999                      # 0-based: validations reach Excel row 1000
LISTS = "Lists"
INSTRUCTIONS = "Instructions"
DATE_FORMAT = "dd/mm/yyyy"
DATE_MESSAGE = "Type a date, e.g. 03/09/2026"
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))
TEXT_KINDS = (schema.TEXT, schema.ID, schema.UPN, schema.EMAIL, schema.CHOICE, schema.CODE, schema.YN)
KIND_FORMATS = {schema.DATE: {"num_format": DATE_FORMAT}, schema.TIME: {"num_format": "hh:mm"},
                schema.MONEY: {"num_format": "£#,##0.00"}, **{k: {"num_format": "@"} for k in TEXT_KINDS}}
TEMPLATE_FILES = tuple(b.filename for b in schema.WORKBOOKS) + ("school.toml",)


def header_row(sheet: schema.Sheet) -> int:
    """0-based row of a sheet's header: under its labels and one blank row, else the first row."""
    return len(sheet.labels) + 1 if sheet.labels else 0


class Formats:
    """The workbook's cell formats, made once per workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.bold = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        self.required = wb.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1})
        self.date = wb.add_format({"num_format": DATE_FORMAT})
        self.time = wb.add_format({"num_format": "hh:mm"})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.kind = {kind: wb.add_format(spec) for kind, spec in KIND_FORMATS.items()}


class Lists:
    """The hidden sheet holding one column per dropdown list; identical lists share a column."""

    def __init__(self, ws):
        self.ws = ws
        self.ranges: dict[tuple[str, ...], str] = {}

    def source(self, column: schema.Column) -> str:
        if column.choices not in self.ranges:
            col = len(self.ranges)
            self.ws.write_string(0, col, list_name(column))
            for i, value in enumerate(column.choices, start=1):
                self.ws.write_string(i, col, value)
            first = xlsxwriter.utility.xl_rowcol_to_cell(1, col, True, True)
            last = xlsxwriter.utility.xl_rowcol_to_cell(len(column.choices), col, True, True)
            self.ranges[column.choices] = f"={LISTS}!{first}:{last}"
        return self.ranges[column.choices]


def list_name(column: schema.Column) -> str:
    """The heading over a dropdown's list on the Lists sheet."""
    return {schema.CODE: "Register code", schema.YN: "Y or N"}.get(column.kind, column.header)


def validate(ws, first_row: int, last_row: int, col: int, options: dict) -> None:
    result = ws.data_validation(first_row, col, last_row, col, options)
    if result != 0:
        raise RuntimeError(f"xlsxwriter refused the validation on {ws.name} column {col + 1}: {options}")


def list_validation(ws, lists: Lists, rows: tuple[int, int], col: int, column: schema.Column) -> None:
    validate(ws, rows[0], rows[1], col, {
        "validate": "list", "source": lists.source(column),
        "error_title": column.header[:32], "error_type": "stop",
        "error_message": f"Choose a value from the list. {column.help}"[:255],
    })


def date_validation(ws, rows: tuple[int, int], col: int, title: str) -> None:
    validate(ws, rows[0], rows[1], col, {
        "validate": "date", "criteria": "between", "minimum": DATE_RANGE[0], "maximum": DATE_RANGE[1],
        "input_title": title[:32], "input_message": DATE_MESSAGE,
        "error_title": title[:32], "error_type": "stop", "error_message": "This must be a date, e.g. 03/09/2026.",
    })


def write_value(ws, row: int, col: int, value, fmt: Formats) -> None:
    """Write one input value; text always as a plain string, never as a formula."""
    if value is None:
        return
    if isinstance(value, str):
        ws.write_string(row, col, value)
    elif isinstance(value, (dt.date, dt.datetime)):
        ws.write_datetime(row, col, value, fmt.date)
    elif isinstance(value, dt.time):
        ws.write_datetime(row, col, value, fmt.time)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value)
    else:
        raise TypeError(f"cannot write {type(value).__name__} value {value!r} to {ws.name}")


def _write_labels(ws, sheet: schema.Sheet, labels: dict, fmt: Formats) -> None:
    for r, lab in enumerate(sheet.labels):
        ws.write_string(r, 0, lab.label, fmt.bold)
        if lab.help:
            ws.write_comment(r, 0, lab.help, {"width": 300, "height": 60})
        if lab.kind == schema.DATE:
            ws.write_blank(r, 1, None, fmt.date)
            date_validation(ws, (r, r), 1, lab.label)
        write_value(ws, r, 1, labels.get(lab.label), fmt)


def write_sheet(ws, sheet: schema.Sheet, rows: list[dict], labels: dict, lists: Lists, fmt: Formats) -> None:
    if sheet.labels:
        _write_labels(ws, sheet, labels, fmt)
    hr = header_row(sheet)
    data = (hr + 1, max(LAST_ROW, hr + len(rows)))
    for c, column in enumerate(sheet.columns):
        width = max(column.display_width, 18) if sheet.labels and c == 0 else column.display_width
        ws.set_column(c, c, width, fmt.kind.get(column.kind))
        ws.write_string(hr, c, column.header, fmt.required if column.required else fmt.header)
        ws.write_comment(hr, c, column.help, {"width": 300, "height": 80})
        if column.choices:
            list_validation(ws, lists, data, c, column)
        elif column.kind == schema.DATE:
            date_validation(ws, data, c, column.header)
    ws.freeze_panes(hr + 1, 0)
    ws.autofilter(hr, 0, hr, len(sheet.columns) - 1)
    headers = {column.header: c for c, column in enumerate(sheet.columns)}
    for r, row in enumerate(rows, start=hr + 1):
        unknown = set(row) - set(headers)
        if unknown:
            raise ValueError(f"{sheet.name} has no column {sorted(unknown)}")
        for header, value in row.items():
            write_value(ws, r, headers[header], value, fmt)


def _instruction_lines(book: schema.Workbook) -> list[tuple[str, tuple]]:
    """The Instructions sheet as (style, cells) lines: style is title, text, heading, table or blank."""
    lines = [("title", (book.title,))] + [("text", (p,)) for p in book.instructions]
    lines += [("text", ("Columns with an orange header are required; hover over a header to see what it takes.",)),
              ("blank", ())]
    for sheet in book.sheets:
        need = "required" if sheet.required else "optional"
        lines += [("heading", (f"Sheet {sheet.name} ({need})",)), ("text", (sheet.help,))]
        for r, lab in enumerate(sheet.labels, start=1):
            lines.append(("text", (f"{lab.label} goes in cell B{r}: {schema.KIND_HELP[lab.kind]}. {lab.help}",)))
        lines.append(("table", ("Column", "Required", "Kind", "Help")))
        lines += [("row", (c.header, "yes" if c.required else "", schema.KIND_HELP[c.kind], c.help))
                  for c in sheet.columns]
        lines.append(("blank", ()))
    if any(c.kind == schema.CODE for s in book.sheets for c in s.columns):
        lines += code_key_lines()
    return lines


def code_key_lines() -> list[tuple[str, tuple]]:
    lines = [("heading", ("Register codes",)), ("table", ("Code", "Counts as", "Meaning", ""))]
    lines += [("row", (code, codes.CATEGORY_LABELS[cat], codes.MEANINGS.get(code, ""), ""))
              for code, cat in codes.CODES.items()]
    lines.append(("row", (codes.NOT_EXPECTED, "", "The pupil is not expected this session: leave it as it is.", "")))
    legacy = ", ".join(codes.LEGACY)
    lines.append(("text", (f"Old codes from before August 2024 ({legacy}) must not be used; "
                           "they are accepted with a warning only.",)))
    return lines


def write_instructions(ws, book: schema.Workbook, fmt: Formats, lines: list[tuple[str, tuple]] | None = None) -> None:
    """The Instructions sheet: the book's own lines, or the `lines` given."""
    for c, width in enumerate((30, 22, 26, 90)):
        ws.set_column(c, c, width, fmt.wrap if c == 3 else None)
    style = {"title": fmt.title, "heading": fmt.bold, "table": fmt.header}
    for r, (kind, cells) in enumerate(lines or _instruction_lines(book)):
        for c, text in enumerate(cells):
            if text:
                ws.write_string(r, c, text, style.get(kind))


def write_workbook(book: schema.Workbook, path, rows: dict[str, list[dict]] | None = None,
                   labels: dict[str, object] | None = None, created: dt.date = CREATED) -> None:
    """Write `book` to `path`: Instructions, the data sheets in order, then the hidden Lists sheet.

    `rows` maps a sheet name to its data rows ({header: value}); `labels` fills the values of
    labelled sheets (column B). The output is byte-identical for the same arguments."""
    rows, labels = rows or {}, labels or {}
    unknown = set(rows) - {s.name for s in book.sheets}
    if unknown:
        raise ValueError(f"{book.filename} has no sheet {sorted(unknown)}")
    unknown = set(labels) - {lab.label for s in book.sheets for lab in s.labels}
    if unknown:
        raise ValueError(f"{book.filename} has no label {sorted(unknown)}")
    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
        wb.set_properties({"title": book.title, "created": pinned_datetime(created)})
        fmt = Formats(wb)
        write_instructions(wb.add_worksheet(INSTRUCTIONS), book, fmt)
        sheets = [(wb.add_worksheet(s.name), s) for s in book.sheets]
        lists = Lists(wb.add_worksheet(LISTS))
        lists.ws.hide()
        for ws, sheet in sheets:
            sheet_labels = labels if sheet.labels else {}
            write_sheet(ws, sheet, rows.get(sheet.name, []), sheet_labels, lists, fmt)
        wb.close()


# The 2026-27 terms: the template, the demo school and the synthetic schools all use them
# (example_terms(2026) gives the same text: tests/test_init.py holds them together).
TERMS_2026_27 = '''[[terms]]
name = "Autumn 2026"
start = 2026-09-03
end = 2026-12-18
half_term = [2026-10-26, 2026-10-30]

[[terms]]
name = "Spring 2027"
start = 2027-01-05
end = 2027-03-25
half_term = [2027-02-15, 2027-02-19]

[[terms]]
name = "Summer 2027"
start = 2027-04-12
end = 2027-07-21
half_term = [2027-05-31, 2027-06-04]
'''

TEMPLATE_YEAR = 2026               # the academic year input_templates/school.toml shows (2026-27)


def easter(year: int) -> dt.date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (h + m - 7 * ((a + 11 * h + 22 * m) // 451) + 114)
    return dt.date(year, n // 31, n % 31 + 1)


def _weekday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=7 - day.weekday() if day.weekday() >= 5 else 0)


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=-day.weekday() % 7)


def _friday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=(day.weekday() - 4) % 7)


def _week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=4)


def _easter_break(year: int) -> tuple[dt.date, dt.date]:
    """The last day of Spring and the first of Summer around Easter: two weeks off, placed as most local
    authorities place them. An early Easter (Good Friday in March): the week of Good Friday and the week after;
    Good Friday 1-10 April: the week before Easter and the week after; a later Easter: the two weeks before."""
    good_friday = easter(year) - dt.timedelta(days=2)
    easter_monday = good_friday + dt.timedelta(days=3)
    if good_friday.month == 3:
        return good_friday - dt.timedelta(days=1), easter_monday + dt.timedelta(days=14)
    if good_friday.day <= 10:
        return good_friday - dt.timedelta(days=7), easter_monday + dt.timedelta(days=7)
    return good_friday - dt.timedelta(days=14), easter_monday + dt.timedelta(days=1)


def example_terms(year: int) -> str:
    """Typical English term dates for the academic year starting in September of `year`, as [[terms]]
    tables: examples for a school to check against its own, never its real dates.
    - Autumn from 3 September (or the Monday after a weekend) to the Friday on or before 22 December,
      half term the week of the last Monday in October;
    - Spring from 5 January (or the Monday after) to the Easter break (_easter_break), half term the
      week of the Monday on or after 12 February;
    - Summer from the Easter break to 21 July (or the Friday before, at a weekend), half term the week of
      the late May bank holiday (the last Monday in May)."""
    next_year = year + 1
    last_oct_monday = dt.date(year, 10, 31) - dt.timedelta(days=dt.date(year, 10, 31).weekday())
    last_may_monday = dt.date(next_year, 5, 31) - dt.timedelta(days=dt.date(next_year, 5, 31).weekday())
    spring_end, summer_start = _easter_break(next_year)
    july_21 = dt.date(next_year, 7, 21)
    terms = [
        (f"Autumn {year}", _weekday_on_or_after(dt.date(year, 9, 3)), _friday_on_or_before(dt.date(year, 12, 22)),
         _week_of(last_oct_monday)),
        (f"Spring {next_year}", _weekday_on_or_after(dt.date(next_year, 1, 5)), spring_end,
         _week_of(_monday_on_or_after(dt.date(next_year, 2, 12)))),
        (f"Summer {next_year}", summer_start, july_21 if july_21.weekday() < 5 else _friday_on_or_before(july_21),
         _week_of(last_may_monday)),
    ]
    return "\n".join(f'[[terms]]\nname = "{name}"\nstart = {start}\nend = {end}\nhalf_term = [{half[0]}, {half[1]}]\n'
                     for name, start, end, half in terms)


def academic_year_of(day: dt.date) -> int:
    """The year the academic year containing `day` starts in (it runs from 1 August to 31 July)."""
    return day.year if day.month >= 8 else day.year - 1


SCHOOL_TOML_HEAD = '''\
# school.toml: the school's settings, term dates and closures.
# Dates are written year-month-day, e.g. 2026-09-03. Text goes in "double quotes".
# Write folder paths with forward slashes, e.g. "C:/AP/reports".
# Fill in the school's name below and check every date: the term dates are examples.

[school]
name = "{placeholder}"               # the school's name, on every report and letter: replace it
address = ""                            # the school's address, for the letterhead of parents' letters
target_percent = 96.0                   # the school's attendance target in percent, policy §15.5
{{school_optional}}
[calendar]
closures = []                           # INSET days and other planned closures, e.g. [2026-11-13, 2027-01-04]

# One [[terms]] table per term, in date order. half_term is optional: the first and last weekday of the
# break. England's bank holidays are known already: do not list them.
# EXAMPLES ONLY: typical dates for {{years}}. Replace them with your school's own term dates
# (your local authority or trust publishes them).
{{terms}}
# ----------------------------------------------------------------------------
# Optional settings. Each has a default; to change one, remove the "# " at the
# start of its line and edit the value.
# ----------------------------------------------------------------------------
'''.format(placeholder=PLACEHOLDER_NAME)

# Example values shown for settings whose default is "not set".
EXAMPLES = {
    "from": '"ap.lead@school.example"', "smtp_host": '"smtp.school.example"',
    "username": '"ap.lead@school.example"', "secrets_file": '"C:/AP secrets/provider_passwords.toml"',
    "ap_budget": "25000", "phone": '"01632 960000"', "email": '"office@school.example"',
    "dsl_phone": '"01632 960009"', "cache": '"reports/.cache"', "letter_template": '"letter.html.j2"',
    "monitoring_from": "2026-09-03", "out": '"reports"',
    # [email] OAuth 2 sign-in (docs/email_setup.md)
    "token_command": '"oauth2l fetch --scope https://mail.google.com/"',
    "client_id": '"00000000-0000-0000-0000-000000000000"', "token_cache": '"C:/AP secrets/microsoft_sign_in.json"',
}

def toml_value(value) -> str:
    """A Python default written as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"no TOML form for {value!r}")


def _commented(setting, values: dict | None = None) -> str:
    """One optional setting as two lines: what it does, then its default or an example, commented out;
    a setting given in `values` is written set to that value instead."""
    if values and (setting.table, setting.key) in values:
        return f"# {setting.help}\n{setting.key} = {toml_value(values[(setting.table, setting.key)])}\n"
    if setting.default is None:
        note = "" if "default" in setting.help.lower() else " Default: not set."
        return f"# {setting.help}{note}\n# {setting.key} = {EXAMPLES.get(setting.key, '')}\n"
    return f"# {setting.help}\n# {setting.key} = {toml_value(setting.default)}\n"


# Who holds each role (policy §7); one person may hold several. Reports show the name beside the
# role, and letters to parents are signed with the Headteacher's name.
PEOPLE_EXAMPLE = "".join([
    "# Who holds each role of policy §7 (one person may hold several): reports show the name beside\n",
    "# the role, and letters to parents are signed with the Headteacher's name.\n",
    *(f'# "{role}" = "Full name"\n' for role in ROLES)])

# Tables the head already opens: their optional settings go inside them (TOML forbids a second [school]).
HEAD_TABLES = ("school",)


def school_toml_text(year: int = TEMPLATE_YEAR, monitoring_from: dt.date | None = None) -> str:
    """The commented school.toml: placeholders to fill in, example terms for the academic year starting in
    `year`, every optional setting commented out; `monitoring_from` (what --init gives: the day it ran) is
    written set."""
    values = {("rules", "monitoring_from"): monitoring_from} if monitoring_from else {}
    school_optional = "".join(_commented(s) for s in SETTINGS if s.table == "school")
    parts = [SCHOOL_TOML_HEAD.replace("{school_optional}", school_optional)
             .replace("{years}", f"{year}-{str(year + 1)[2:]}").replace("{terms}", example_terms(year))]
    tables = [t for t in dict.fromkeys(s.table for s in SETTINGS) if t not in HEAD_TABLES]
    for table in tables:
        parts.append(f"\n[{table}]\n")
        parts.extend(_commented(s, values) for s in SETTINGS if s.table == table)
        if table == "people":
            parts.append(PEOPLE_EXAMPLE)
    return "".join(parts)


def write_school_toml(path, year: int = TEMPLATE_YEAR, monitoring_from: dt.date | None = None) -> None:
    """Write the commented school.toml template (see school_toml_text)."""
    write_text(Path(path), school_toml_text(year, monitoring_from))


def generate_all(folder=Path("input_templates")) -> list[Path]:
    """Write the blank workbooks and school.toml into `folder`; return the paths written."""
    folder = Path(folder)
    paths = []
    for book in schema.WORKBOOKS:
        write_workbook(book, folder / book.filename)
        paths.append(folder / book.filename)
    write_school_toml(folder / "school.toml")
    return paths + [folder / "school.toml"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print("usage: python -m pipeline.templates [FOLDER]   (default: input_templates)", file=sys.stderr)
        return 2
    paths = generate_all(Path(args[0]) if args else Path("input_templates"))
    for p in paths:
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
