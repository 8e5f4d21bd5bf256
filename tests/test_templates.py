"""The generated input templates and reference page: up to date, and built as the schema says."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import to_excel

from pipeline import codes, schema, templates
from pipeline.settings import SETTINGS, parse_settings
from tools import docs

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "input_templates"
SHEETS = [(book, sheet) for book in schema.WORKBOOKS for sheet in book.sheets]
SHEET_IDS = [f"{book.filename}:{sheet.name}" for book, sheet in SHEETS]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    templates.generate_all(folder)
    return folder


@pytest.fixture(scope="module")
def load(generated):
    cache = {}

    def _load(book: schema.Workbook) -> openpyxl.Workbook:
        if book.filename not in cache:
            cache[book.filename] = openpyxl.load_workbook(generated / book.filename)
        return cache[book.filename]
    return _load


def header_row(sheet: schema.Sheet) -> int:
    """1-based Excel row of the header: 4 under the Attendance labels, else 1."""
    return len(sheet.labels) + 2 if sheet.labels else 1


def validations_at(ws, coordinate: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


def only_validation(ws, column: int, row: int):
    found = validations_at(ws, f"{openpyxl.utils.get_column_letter(column)}{row}")
    assert len(found) == 1, f"{ws.title} column {column} row {row}: {len(found)} validations"
    return found[0]


def excel_serial(day: dt.date) -> str:
    """Excel's day number for a date, as a validation formula holds it (1900-01-01 is 1)."""
    return str(int(to_excel(day)))


def range_values(wb: openpyxl.Workbook, formula: str) -> list:
    sheet, cells = formula.lstrip("=").split("!")
    return [row[0].value for row in wb[sheet][cells.replace("$", "")]]


# (a) the committed files are what the generators make


@pytest.mark.parametrize("name", templates.TEMPLATE_FILES)
def test_committed_template_is_up_to_date(generated, name):
    committed = COMMITTED / name
    assert committed.is_file(), f"{committed} is missing: run `python -m pipeline.templates`"
    assert (generated / name).read_bytes() == committed.read_bytes(), (
        f"input_templates/{name} is out of date with the schema: run `python -m pipeline.templates`")


def test_generation_is_byte_identical_across_runs(generated, tmp_path):
    templates.generate_all(tmp_path)
    for name in templates.TEMPLATE_FILES:
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes(), name


def test_reference_page_is_up_to_date():
    page = ROOT / "docs" / "reference.md"
    assert page.is_file(), "docs/reference.md is missing: run `python -m tools.docs`"
    assert page.read_text(encoding="utf-8") == docs.reference_markdown(), (
        "docs/reference.md is out of date: run `python -m tools.docs`")


def test_reference_page_mentions_every_column_setting_and_code():
    page = docs.reference_markdown()
    assert "python -m tools.docs" in page.splitlines()[2]
    for book, sheet in SHEETS:
        assert f"Sheet {sheet.name} ({'required' if sheet.required else 'optional'})" in page
        for column in sheet.columns:
            assert f"| {column.header} | {schema.KIND_HELP[column.kind]} |" in page
    for s in SETTINGS:
        assert f"`[{s.table}] {s.key}`" in page
    for code in list(codes.CODES) + list(codes.LEGACY):
        assert f"| `{code}` |" in page


# (b) each template read back with openpyxl


@pytest.mark.parametrize("book", schema.WORKBOOKS, ids=lambda b: b.filename)
def test_sheet_order_and_hidden_lists(load, book):
    wb = load(book)
    assert wb.sheetnames == ["Instructions", *(s.name for s in book.sheets), "Lists"]
    assert wb["Instructions"]["A1"].value == book.title
    assert wb["Lists"].sheet_state == "hidden"
    assert all(wb[s.name].sheet_state == "visible" for s in book.sheets)


def test_return_instructions_have_the_code_key(load):
    column_a = {c.value for c in load(schema.RETURN_BOOK)["Instructions"]["A"]}
    assert set(codes.MEANINGS) <= column_a
    assert any(isinstance(v, str) and "must not be used" in v and "H, F, J, Y" in v for v in column_a)


@pytest.mark.parametrize("book,sheet", SHEETS, ids=SHEET_IDS)
def test_headers_comments_and_freeze(load, book, sheet):
    ws = load(book)[sheet.name]
    row = header_row(sheet)
    values = [c.value for c in ws[row]]
    assert values[:len(sheet.columns)] == [c.header for c in sheet.columns]
    assert all(v is None for v in values[len(sheet.columns):])
    assert all(v is None for r in range(row + 1, row + 3) for v in (c.value for c in ws[r]))
    for i, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row, i)
        assert cell.comment is not None and cell.comment.text == column.help, column.header
        assert cell.font.b, column.header
    assert ws.freeze_panes == f"A{row + 1}"


@pytest.mark.parametrize("book,sheet", SHEETS, ids=SHEET_IDS)
def test_labels_above_the_table(load, book, sheet):
    ws = load(book)[sheet.name]
    for r, lab in enumerate(sheet.labels, start=1):
        assert ws.cell(r, 1).value == lab.label
        assert ws.cell(r, 2).value is None
        if lab.kind == schema.DATE:
            assert only_validation(ws, 2, r).type == "date"
    if sheet.labels:
        assert all(c.value is None for c in ws[len(sheet.labels) + 1])
    if sheet is schema.ATTENDANCE:
        assert (ws["A1"].value, ws["A2"].value, header_row(sheet)) == ("Provider ID", "Week commencing", 4)


@pytest.mark.parametrize("book,sheet", SHEETS, ids=SHEET_IDS)
def test_choice_columns_have_dropdowns_from_the_lists_sheet(load, book, sheet):
    wb = load(book)
    ws = wb[sheet.name]
    for i, column in enumerate(sheet.columns, start=1):
        if not column.choices:
            continue
        for row in (header_row(sheet) + 1, 1000):
            dv = only_validation(ws, i, row)
            assert dv.type == "list", column.header
            assert dv.formula1.startswith("Lists!"), f"{column.header}: inline list {dv.formula1}"
            assert dv.showErrorMessage and dv.errorStyle in (None, "stop")
            assert range_values(wb, dv.formula1) == list(column.choices), column.header
        assert not validations_at(ws, f"{openpyxl.utils.get_column_letter(i)}1001")


@pytest.mark.parametrize("book,sheet", SHEETS, ids=SHEET_IDS)
def test_date_columns_have_date_validation(load, book, sheet):
    ws = load(book)[sheet.name]
    dated = [i for i, c in enumerate(sheet.columns, start=1) if c.kind == schema.DATE]
    for i in dated:
        for row in (header_row(sheet) + 1, 1000):
            dv = only_validation(ws, i, row)
            assert dv.type == "date" and dv.operator in (None, "between")  # between is the default
            assert (dv.formula1, dv.formula2) == (excel_serial(dt.date(1900, 1, 1)), excel_serial(dt.date(2100, 12, 31)))
            assert dv.prompt == templates.DATE_MESSAGE


def test_every_kind_of_column_is_covered():
    kinds = {c.kind for _, s in SHEETS for c in s.columns}
    assert {schema.DATE, schema.CHOICE, schema.YN, schema.CODE} <= kinds
    assert all(c.choices for _, s in SHEETS for c in s.columns if c.kind in (schema.YN, schema.CHOICE, schema.CODE))


# (c) rows and labels are written as values, never as formulas


def test_rows_are_written_as_plain_values(tmp_path):
    path = tmp_path / "placements.xlsx"
    formula = '=HYPERLINK("http://x")'
    templates.write_workbook(schema.PLACEMENTS_BOOK, path, rows={"Placements": [
        {"Placement ID": formula, "UPN": "00123", "Start date": dt.date(2026, 9, 3), "Hours per day": 5.5,
         "Surname": None},
    ]})
    ws = openpyxl.load_workbook(path)["Placements"]
    headers = [c.value for c in ws[1]]
    cell = {h: ws.cell(2, headers.index(h) + 1) for h in ("Placement ID", "UPN", "Start date", "Hours per day", "Surname")}
    assert (cell["Placement ID"].data_type, cell["Placement ID"].value) == ("s", formula)
    assert (cell["UPN"].data_type, cell["UPN"].value) == ("s", "00123")
    assert cell["Start date"].is_date and cell["Start date"].value == dt.datetime(2026, 9, 3)
    assert cell["Start date"].number_format == "dd/mm/yyyy"
    assert cell["Hours per day"].value == 5.5
    assert cell["Surname"].value is None


def test_labels_and_return_rows(tmp_path):
    path = tmp_path / "return.xlsx"
    templates.write_workbook(schema.RETURN_BOOK, path,
                             rows={"Attendance": [{"Placement ID": "P001", "Mon AM": "/", "Mon PM": "-"}]},
                             labels={"Provider ID": "=PRV1", "Week commencing": dt.date(2026, 11, 23)})
    ws = openpyxl.load_workbook(path)["Attendance"]
    assert (ws["B1"].data_type, ws["B1"].value) == ("s", "=PRV1")
    assert ws["B2"].value == dt.datetime(2026, 11, 23) and ws["B2"].number_format == "dd/mm/yyyy"
    assert [ws["A5"].value, ws["D5"].value, ws["E5"].value] == ["P001", "/", "-"]


@pytest.mark.parametrize("kwargs", [
    {"rows": {"Placements": [{"Placement id": "P1"}]}},
    {"rows": {"Nope": []}},
    {"labels": {"Provider ID": "PRV1"}},
    {"labels": {"Provider": "PRV1"}, "book": schema.RETURN_BOOK},
], ids=["unknown header", "unknown sheet", "no labelled sheet", "unknown label"])
def test_unknown_names_are_refused(tmp_path, kwargs):
    kwargs = dict(kwargs)
    book = kwargs.pop("book", schema.PLACEMENTS_BOOK)
    with pytest.raises(ValueError):
        templates.write_workbook(book, tmp_path / "x.xlsx", **kwargs)
    assert not (tmp_path / "x.xlsx").exists()


# (d) school.toml


def test_school_toml_parses_with_defaults(generated):
    text = (generated / "school.toml").read_text(encoding="utf-8")
    settings = parse_settings(tomllib.loads(text))
    assert [t.name for t in settings.terms] == ["Autumn 2026", "Spring 2027", "Summer 2027"]
    assert settings.terms[0].half_term == (dt.date(2026, 10, 26), dt.date(2026, 10, 30))
    assert settings.closures == frozenset()
    assert settings.school_name == "YOUR SCHOOL NAME" and settings.address == ""
    assert settings.options == {(s.table, s.key): s.default for s in SETTINGS} | {("people", "_roles"): {}}
    assert settings.people == {}


def test_school_toml_lists_every_setting_commented(generated):
    text = (generated / "school.toml").read_text(encoding="utf-8")
    for s in SETTINGS:
        table = text.index(f"\n[{s.table}]\n")
        line = re.search(rf"^# {re.escape(s.key)} = .*$", text, re.MULTILINE)
        assert line, f"[{s.table}] {s.key} is not in school.toml"
        assert line.start() > table, f"{s.key} is not under [{s.table}]"


def test_school_toml_settings_can_be_uncommented(generated):
    text = (generated / "school.toml").read_text(encoding="utf-8")
    for s in SETTINGS:
        text = re.sub(rf"^# ({re.escape(s.key)} = )", r"\1", text, flags=re.MULTILINE)
    settings = parse_settings(tomllib.loads(text))
    for s in SETTINGS:
        if s.default is not None:
            assert settings.get(s.table, s.key) == s.default, s.name
