"""RowWriter writes a table's rows as xlsxwriter would write them cell by cell: the same sheet, byte for byte."""
from __future__ import annotations

import datetime as dt
import math
import zipfile

import pytest

from pipeline.render.xlsx_report import _put, open_workbook, put_row
from pipeline.render.xlsx_rows import RowWriter, Styled

ROWS = [
    ["P001", "Ann Able", 5, 92.5, dt.date(2026, 9, 7), True, None, ""],
    [" leading space", "trailing space ", "tab\tinside", "line\nbreak", "\x1cseparator", "&<>\"'", 0, -1.25],
    ["_x0041_ escaped", "control \x01\x08\x0b\x1f", "<b>not rich</b>", "</r><r>", "\ufffe\uffff", "é ü 中文 😀",
     1e20, 1 / 3],
    [None, "", None, "", None, "", None, ""],                                  # no cells: left to xlsxwriter
    [Styled("Overdue", "red"), Styled(None, "red"), Styled("", "red"), Styled(dt.date(1900, 2, 28), "red"),
     Styled(7, "red"), False, dt.date(1900, 3, 1), "=1+2"],
    ["x" * 20000, "a", 1, 2, 3, 4, 5, 6],                                         # over half Excel's length
    [math.nan, "b", math.inf, 2, 3, 4, 5, 6],                                     # not finite
    [dt.datetime(2026, 9, 7, 13, 30), "c", 1, 2, 3, 4, 5, 6],                    # another type
    ["last", "row", 1, 2, 3, 4, 5, 6],
]
HEIGHTS = [None, 45, 30, 60, None, 15, None, 90, 22.5]


def _sheet_xml(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml")


def _write(path, fast: bool) -> tuple[bytes, list[bool]]:
    wb = open_workbook(path)
    named = {"top": wb.add_format({"valign": "top"}), "date": wb.add_format({"num_format": "dd/mm/yyyy"}),
             "red": wb.add_format({"bg_color": "#FFC7CE"}), "head": wb.add_format({"bold": True})}
    formats = [named["top"], named["top"], named["top"], named["top"], named["date"], named["top"], named["top"],
               named["top"]]
    ws = wb.add_worksheet("Rows")
    for c in range(8):
        ws.write_string(0, c, f"Column {c}", named["head"])
    ws.set_row(0, 30)
    rows, done = RowWriter(ws, named), []
    for r, (row, height) in enumerate(zip(ROWS, HEIGHTS), start=1):
        done.append(fast and rows.write(r, row, formats, height))
        if not done[-1]:
            put_row(ws, r, row, formats, named, height)
    wb.close()
    return _sheet_xml(path), done


def test_rows_written_whole_are_the_rows_xlsxwriter_writes(tmp_path):
    fast, done = _write(tmp_path / "fast.xlsx", fast=True)
    slow, _ = _write(tmp_path / "slow.xlsx", fast=False)
    assert done == [True, True, True, False, True, False, False, False, True]
    assert fast == slow
    assert b'<c r="A2" s="' in fast and b"xml:space=\"preserve\">trailing space </t>" in fast


def test_text_like_xlsxwriters_rich_text_is_written_as_text_both_ways(tmp_path):
    """xlsxwriter writes a text from <r> to </r> into a row-by-row sheet as XML, as it is (a cell of its own could
    follow): the rows' writer escapes it, and _put gives it to xlsxwriter as plain runs of rich text."""
    import openpyxl

    text = '<r><t>a</t></r><c r="H1"><f>1+1</f></c><r><t>b</t></r>'
    for fast in (True, False):
        path = tmp_path / f"{fast}.xlsx"
        wb = open_workbook(path)
        fmt = wb.add_format({"valign": "top"})
        ws = wb.add_worksheet("Rows")
        ws.write_string(0, 0, "Name", fmt)
        if not (fast and RowWriter(ws, {}).write(1, [text, "<r>x</r>"], [fmt, fmt])):
            assert not fast
            _put(ws, 1, 0, text, fmt)
            _put(ws, 1, 1, "<r>x</r>")
        wb.close()
        assert b"<f>" not in _sheet_xml(path)
        cells = openpyxl.load_workbook(path)["Rows"]
        assert (cells["A2"].value, cells["B2"].value, cells["H1"].value) == (text, "<r>x</r>", None)


@pytest.mark.parametrize("row", [0, 3])
def test_a_row_not_after_the_last_is_left_to_xlsxwriter(tmp_path, row):
    wb = open_workbook(tmp_path / "x.xlsx")
    ws = wb.add_worksheet()
    fmt = wb.add_format()
    ws.write_string(3, 0, "held", fmt)
    assert RowWriter(ws, {}).write(row, ["a"], [fmt]) is False
    wb.close()
