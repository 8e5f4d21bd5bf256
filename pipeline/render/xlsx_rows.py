"""A table's rows written into a row-by-row (constant_memory) xlsxwriter sheet as XML, a row in one piece.

xlsxwriter keeps each cell it is given as a record and, when the next row begins, writes that row's cells one at
a time through several calls each (its A1 check, its dimensions, the cell's type by name, its escaping): about
four fifths of the weekly workbook's time at L, whose tables hold some 115,000 cells. RowWriter writes the same
XML, a row at once, straight into the sheet's row file, and keeps the sheet's dimensions as xlsxwriter would. A
cell it does not write the same way itself (a number that is not finite, a text over Excel's length, a value of
another type, a cell without a format) sends its whole row back to xlsxwriter (RowWriter.write returns False),
so the workbook is the same, byte for byte, either way (tests/test_xlsx_rows.py writes both and compares), but
for a text xlsxwriter would write as XML (looks_rich): both ways write it as text, each in its own form.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from xlsxwriter.utility import _datetime_to_excel_datetime, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

_SPECIAL = re.compile("[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x")   # text xlsxwriter escapes or treats apart
_LONGEST = 32767 // 2      # longer text is measured in UTF-16 units and may be cut: left to xlsxwriter


@dataclass(frozen=True)
class Styled:
    """A value written with its own format (named in the workbook's formats) instead of its column's."""
    value: object
    fmt: str


class RowWriter:
    """Writes rows into `ws`, a constant_memory sheet, from the row after the last one it holds; `named` is the
    workbook's formats by name, for a Styled value."""

    def __init__(self, ws, named: dict):
        self.ws = ws
        self.named = named
        self.ready = (ws.constant_memory and ws.excel_version == 2007
                      and ws.default_row_height == ws.original_row_height)
        self.style = {}        # id(format) -> ' s="n"': its XF index, taken at first use, as xlsxwriter does
        self.formats = []      # the formats of self.style, kept alive so their ids stay theirs
        self.columns = {}      # column -> its letters
        self.days = {}         # date -> its Excel serial number

    def write(self, row: int, values, formats, height: float | None = None) -> bool:
        """Write `values` (None or '' for an empty cell, a Styled value with its own format) in columns 0, 1, ...
        of `row` with `formats` (one per column) and `height` in points (None: the default). Returns False when
        the row is one for xlsxwriter itself: then nothing of it is written (the row before it may have been, as
        xlsxwriter would at the row's first cell)."""
        ws = self.ws
        if not self.ready or row <= ws.previous_row or row >= ws.xls_rowmax or len(values) > ws.xls_colmax:
            return False
        number = str(row + 1)
        special = _SPECIAL.search
        cells = []
        first = last = None
        for col, value in enumerate(values):
            fmt = formats[col]
            kind = type(value)
            if kind is Styled:
                value, fmt = value.value, self.named[value.fmt]
                kind = type(value)
            if value is None or value == "":
                continue
            if fmt is None:
                return False
            if first is None:         # the row before, if xlsxwriter holds one, written now: its formats are
                ws._write_single_row(row)    # numbered first (and this row, with a cell, is the last)
                first = col
            style = self.style.get(id(fmt)) or self._style(fmt)
            ref = (self.columns.get(col) or self._column(col)) + number
            if kind is str:
                if len(value) > _LONGEST:
                    return False
                if special(value):
                    cells.append(_text_cell(ref, style, value))
                elif value[0].isspace() or value[-1].isspace():
                    cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
                else:                 # most cells: plain text
                    cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t>{value}</t></is></c>')
            elif kind is int or (kind is float and math.isfinite(value)):
                cells.append(f'<c r="{ref}"{style}><v>{value:.16G}</v></c>')
            elif kind is dt.date:
                day = self.days.get(value)
                if day is None:
                    day = self.days[value] = _datetime_to_excel_datetime(
                        dt.datetime(value.year, value.month, value.day), ws.date_1904, ws.remove_timezone)
                cells.append(f'<c r="{ref}"{style}><v>{day:.16G}</v></c>')
            elif kind is bool:
                cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t>{"Y" if value else "N"}</t></is></c>')
            else:
                return False
            last = col
        if first is None:
            return False
        ws._check_dimensions(row, first)
        ws._check_dimensions(row, last)
        ws.fh.write(_row_start(ws, row, height) + "".join(cells) + "</row>")
        return True

    def _style(self, fmt) -> str:
        self.formats.append(fmt)
        style = self.style[id(fmt)] = f' s="{fmt._get_xf_index()}"'
        return style

    def _column(self, col: int) -> str:
        name = self.columns[col] = xl_col_to_name(col)
        return name


def _row_start(ws, row: int, height: float | None) -> str:
    """The <row> tag xlsxwriter writes for a row set to `height` points (set_row) or left at the default."""
    if height is None:
        return f'<row r="{row + 1}">'
    pixels = int(height * 4.0 / 3.0 + 0.5)
    if pixels == ws.default_row_height:
        return f'<row r="{row + 1}">'
    return f'<row r="{row + 1}" ht="{pixels * 0.75:.16g}" customHeight="1">'


def looks_rich(text: str) -> bool:
    """Whether xlsxwriter would put this text into a row-by-row sheet as XML, as it is: it takes any text that
    starts with <r> and ends with </r> for a rich string of its own making, so a pupil's name or a provider's note
    written so would add cells of its own (a formula) to the workbook. Such text is never given to xlsxwriter's
    write_string (xlsx_report._string writes it as two plain runs of rich text; RowWriter escapes it)."""
    return text.startswith("<r>") and text.endswith("</r>")


def _text_cell(ref: str, style: str, text: str) -> str:
    """An inline text cell, escaped as xlsxwriter escapes one (control characters as _xHHHH_, then & < >); a
    text that looks like xlsxwriter's rich text is escaped too (looks_rich)."""
    text = XMLwriter._escape_control_characters(text)
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{escaped(text)}</t></is></c>'


def escaped(text: str) -> str:
    """Text as xlsxwriter writes it in an element: & < > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
