"""The governor pack as a workbook (governor_pack.xlsx), with native Excel charts.

Sheets: "Summary" (the school, term, period, target, the summary and a contents list),
then one sheet per section named by its title, then a hidden "Chart data" sheet that the
charts draw from. Each table is an Excel table under a title row with its note below;
RAG cells carry their word on a red, amber or green fill; '<N' stays text. A column (or a
Measure/Value row) the figures declare a percentage is shown to one decimal, and one they
declare money is in pounds (Table.units, Table.row_units). Every text goes in
with write_string and the created time is pinned to the pack's as-of date, so a rerun
is byte-identical. Draws any GovernorPack from its shape alone.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import xlsxwriter

from ..output import XLSX_OPTIONS, atomic_path, pinned_datetime
from ..render.pages import uk_date
from .disclosure import privacy_text
from .model import Chart, GovernorPack, Section, Table
from .table_cells import is_count_like, is_total_row, money_pence, numeric_columns, rag_key
from .svg import PALETTE, TARGET_COLOUR, is_number, value_text, y_scale

SUMMARY, CHART_DATA = "Summary", "Chart data"
TABLE_STYLE = "Table Style Medium 2"
RAG_FILLS = {"red": ("#FFC7CE", "#9C0006", "Red"), "amber": ("#FFEB9C", "#7F4F00", "Amber"),
             "green": ("#C6EFCE", "#006100", "Green")}
MARKER_TYPES = ("circle", "square", "diamond", "triangle")
CHART_W, CHART_H, CHART_GAP = 600, 300, 12   # pixels; charts sit two to a row below the tables
ROW_PX = 20                                  # default row height (15 pt)
MAX_WIDTH, MIN_WIDTH = 48, 9                 # column widths, in characters
PAGE_W_PX, PAGE_H_PX = 1026, 640             # printable A4 landscape at 100% with the margins below


def write_pack_xlsx(pack: GovernorPack, path) -> None:
    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
        wb.set_properties({"title": pack.title or f"Alternative provision: report to governors, {pack.term}",
                           "subject": "Alternative provision", "company": pack.school,
                           "created": pinned_datetime(pack.as_of)})
        book = _Book(wb, pack)
        names = sheet_names([s.title for s in pack.sections])
        book.summary_sheet(names)
        for section, name in zip(pack.sections, names):
            book.section_sheet(section, name)
        book.chart_data_sheet()
        wb.close()


def sheet_names(titles: list[str]) -> list[str]:
    """A valid, unique Excel sheet name per section title: no []:*?/\\, at most 31 characters."""
    used, out = {SUMMARY.casefold(), CHART_DATA.casefold(), "history"}, []
    for title in titles:
        base = _short(re.sub(r"[\[\]:*?/\\\x00-\x1f]", "-", str(title)).strip().strip("'").strip(), 31) or "Section"
        name, n = base, 2
        while name.casefold() in used:
            suffix = f" ({n})"
            name, n = base[:31 - len(suffix)].rstrip() + suffix, n + 1
        used.add(name.casefold())
        out.append(name)
    return out


def _short(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when there is one (no trailing comma or dash)."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut.strip() and text[limit] != " ":
        cut = cut[:cut.rstrip().rfind(" ")]
    return cut.rstrip(" ,;:-'")


def _header_text(text: str) -> str:
    """A page header/footer part: '&' doubled (it starts a code), kept short."""
    return str(text).replace("&", "&&")[:70]


def _col_px(width: float) -> int:
    return int(width * 12 + 0.5) if width < 1 else int(width * 7 + 0.5) + 5


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a cell `width` characters wide (an estimate, words not split)."""
    per = max(int(width * 1.1) - 1, 1)
    total = 0
    for para in str(text).split("\n"):
        line, count = 0, 1
        for word in para.split():
            if line and line + 1 + len(word) > per:
                count, line = count + 1, len(word)
            else:
                line = line + 1 + len(word) if line else len(word)
            while line > per:
                count, line = count + 1, line - per
        total += count
    return max(total, 1)


class _Book:
    def __init__(self, wb, pack: GovernorPack):
        self.wb, self.pack = wb, pack
        self._formats: dict[tuple, object] = {}
        self.table_names: set[str] = set()
        self.data_blocks: list[tuple[int, Chart, list[list]]] = []   # (first row, chart, rows) on "Chart data"
        self.data_row = 2

    # formats ----------------------------------------------------------------------------------
    def fmt(self, **props):
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(dict(props))
        return self._formats[key]

    def cell_format(self, kind: str, value, pence: bool, bold: bool, rag: str | None):
        props = {"valign": "top"}
        if bold:
            props["bold"] = True
        if rag:
            bg, fg, _ = RAG_FILLS[rag]
            props.update(bg_color=bg, font_color=fg, bold=True, align="center")
        elif is_number(value):
            props["num_format"] = {"percent": '0.0"%"', "money": '"£"#,##0.00' if pence else '"£"#,##0'}.get(
                kind, "#,##0" if float(value).is_integer() else "#,##0.0#")
        elif is_count_like(value):
            props["align"] = "right"                    # '<3' lines up with the numbers, as text
        else:
            props["text_wrap"] = True
        return self.fmt(**props)

    # page setup -------------------------------------------------------------------------------
    def page_setup(self, ws, title: str) -> None:
        ws.set_landscape()
        ws.set_paper(9)                                  # A4
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        ws.fit_to_pages(1, 0)
        ws.set_header(f"&L{_header_text(self.pack.school)}&C{_header_text(title)}&R{_header_text(self.pack.term)}")
        ws.set_footer(f"&LFigures as of {self.pack.as_of:%d/%m/%Y}&RPage &P of &N")

    # the summary sheet ------------------------------------------------------------------------
    def summary_sheet(self, names: list[str]) -> None:
        pack, ws = self.pack, self.wb.add_worksheet(SUMMARY)
        label, wrap = self.fmt(bold=True, valign="top"), self.fmt(text_wrap=True, valign="top")
        ws.set_column(0, 0, 30)
        ws.set_column(1, 1, 95)
        ws.write_string(0, 0, pack.heading or "Alternative provision: report to governors",
                        self.fmt(bold=True, font_size=16))
        facts = pack.header or [("School", pack.school), ("Term", pack.term),
                                ("Period covered", f"{uk_date(pack.start, True)} to {uk_date(pack.end, True)}"),
                                ("Figures as of", uk_date(pack.as_of, True))]
        row = 2
        for name, value in facts:
            ws.write_string(row, 0, name, label)
            ws.write_string(row, 1, str(value), self.fmt(valign="top"))
            row += 1
        if not pack.header:
            ws.write_string(row, 0, "Attendance target", label)
            ws.write_number(row, 1, pack.target_percent, self.fmt(num_format='0.0"%"', align="left", valign="top"))
            row += 1
        privacy = privacy_text(int(pack.suppress_below or 0))
        ws.write_string(row, 0, "Privacy", label)
        ws.write_string(row, 1, privacy, wrap)
        ws.set_row(row, 15 * _lines(privacy, 95))
        row += 2
        ws.write_string(row, 0, "Summary", self.fmt(bold=True, font_size=13))
        row += 1
        for para in [p.strip() for p in re.split(r"\n\s*\n", pack.summary or "") if p.strip()] or ["No summary."]:
            ws.merge_range(row, 0, row, 1, "", wrap)
            ws.write_string(row, 0, para, wrap)
            ws.set_row(row, 15 * _lines(para, 125))
            row += 1
        row += 1
        ws.write_string(row, 0, "Contents", self.fmt(bold=True, font_size=13))
        row += 1
        head = self.fmt(bold=True, bottom=1, valign="top")
        ws.write_string(row, 0, "Sheet", head)
        ws.write_string(row, 1, "What it shows", head)
        contents_head = row
        for section, name in zip(pack.sections, names):
            row += 1
            ws.write_string(row, 0, name, wrap)
            shows = section.intro or section.title
            ws.write_string(row, 1, shows, wrap)
            ws.set_row(row, 15 * max(_lines(shows, 95), _lines(name, 30)))
        if not pack.sections:
            row += 1
            ws.write_string(row, 0, "No sections in this pack.")
        self.page_setup(ws, SUMMARY)
        if len(pack.sections) > 20:
            ws.repeat_rows(contents_head)
        ws.print_area(0, 0, row, 1)
        ws.activate()

    # one sheet per section --------------------------------------------------------------------
    def section_sheet(self, section: Section, name: str) -> None:
        ws = self.wb.add_worksheet(name)
        tables = list(section.tables)
        widths = self.column_widths(tables)
        span = max([len(t.columns) for t in tables] + [1])
        if len(widths) < span:
            widths += [MIN_WIDTH] * (span - len(widths))
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        heights: dict[int, float] = {}               # pixel height of rows set taller than the default

        def text_row(row: int, text: str, fmt, cols: int) -> None:
            """A sentence across the first `cols` columns, wrapped, its row tall enough for it."""
            if cols > 1:
                ws.merge_range(row, 0, row, cols - 1, "", fmt)
            ws.write_string(row, 0, text, fmt)
            n = _lines(text, sum(widths[:cols]))
            if n > 1:
                ws.set_row(row, 15 * n)
                heights[row] = 20 * n

        ws.write_string(0, 0, section.title, self.fmt(bold=True, font_size=14))
        heights[0] = 24
        ws.set_row(0, 18)
        row = 1
        if section.intro:
            text_row(row, section.intro, self.fmt(text_wrap=True, valign="top"), span)
            row += 1
        header_rows = []
        for t_index, table in enumerate(tables, start=1):
            row += 1
            ws.write_string(row, 0, table.title, self.fmt(bold=True, font_size=12))
            row += 1
            header_rows.append(row)
            row = self.write_table(ws, table, row, widths, heights, self.table_name(section, t_index))
            if table.note:
                text_row(row, table.note, self.fmt(italic=True, font_color="#505A5F", text_wrap=True, valign="top"),
                         span)
                row += 1
            elif not table.rows:
                ws.write_string(row, 0, f"Nothing to show for this {self.pack.span}.", self.fmt(italic=True))
                row += 1
        charts = [c for c in section.charts if c.series]        # Excel cannot draw a chart with no series
        for chart in section.charts:
            if not chart.series:
                row += 1
                ws.write_string(row, 0, f"{chart.title}: no figures to show.", self.fmt(italic=True))
        chart_blocks = []
        rows_per_chart = math.ceil(CHART_H / ROW_PX) + 2
        for i, chart in enumerate(charts):
            if i % 2 == 0:
                row += 1
                chart_blocks.append(row)
            ws.insert_chart(chart_blocks[-1], 0, self.native_chart(chart),
                            {"x_offset": 2 + (i % 2) * (CHART_W + CHART_GAP), "y_offset": 4, "object_position": 1})
            if i % 2 == 1 or i == len(charts) - 1:
                row += rows_per_chart
        last_row = max(row - 1, 0)
        chart_cols = self.columns_for(min(len(charts), 2) * (CHART_W + CHART_GAP), widths) if charts else 0
        last_col = max(span, chart_cols) - 1
        ws.print_area(0, 0, last_row, last_col)
        self.page_setup(ws, name)
        if len(tables) == 1 and not charts:
            ws.repeat_rows(header_rows[0])           # one long table: its header on every page
        else:
            ws.repeat_rows(0)                        # the section's title on every page
        self.keep_charts_whole(ws, chart_blocks, rows_per_chart, heights, widths, last_col)

    def column_widths(self, tables: list[Table]) -> list[float]:
        widths: list[float] = []
        for table in tables:
            for c, header in enumerate(table.columns):
                words = max((len(w) for w in str(header).split()), default=4)
                need = max(words + 2, min(len(str(header)) + 2, 16))
                for r, row in enumerate(table.rows):
                    if c < len(row) and row[c] not in (None, ""):
                        need = max(need, len(value_text(row[c], table.cell_kind(r, c))) + 3)
                while len(widths) <= c:
                    widths.append(MIN_WIDTH)
                widths[c] = max(widths[c], min(need, MAX_WIDTH))
        return widths

    def table_name(self, section: Section, index: int) -> str:
        base = re.sub(r"[^A-Za-z0-9_]", "_", str(section.id or "section"))
        if not re.match(r"[A-Za-z_]", base):
            base = "S_" + base
        name, n = f"{base}_{index}", 2
        while name.casefold() in self.table_names:
            name, n = f"{base}_{index}_{n}", n + 1
        self.table_names.add(name.casefold())
        return name

    def write_table(self, ws, table: Table, row: int, widths, heights, name: str) -> int:
        """Header at `row`, rows below; returns the first row after the table."""
        columns = _unique_headers(table.columns)
        if not columns:
            return row
        pence = money_pence(table)
        numeric = numeric_columns(table)
        rag = table.columns.index(table.rag_column) if table.rag_column in table.columns else None
        head = self.fmt(bold=True, text_wrap=True, valign="top", **({} if table.rows else
                                                                     {"bottom": 1, "bg_color": "#E8EAED"}))
        head_right = self.fmt(bold=True, text_wrap=True, valign="top", align="right",
                              **({} if table.rows else {"bottom": 1, "bg_color": "#E8EAED"}))
        header_lines = max(_lines(h, widths[c]) for c, h in enumerate(columns))
        if header_lines > 1:
            ws.set_row(row, 15 * header_lines)
            heights[row] = 20 * header_lines
        if not table.rows:
            for c, h in enumerate(columns):
                ws.write_string(row, c, h, head_right if numeric[c] else head)
            return row + 1
        for i, (r, values) in enumerate(enumerate(table.rows, start=row + 1)):
            bold = is_total_row(values)
            lines = 1
            for c in range(len(columns)):
                value = values[c] if c < len(values) else None
                key = rag_key(value) if c == rag else None
                kind = table.cell_kind(i, c)
                pennies = pence[c] if kind == table.column_kind(c) else is_number(value) and not float(value).is_integer()
                fmt = self.cell_format(kind, value, pennies, bold, key)
                if value is None or value == "":
                    ws.write_blank(r, c, None, fmt)
                elif key:
                    ws.write_string(r, c, RAG_FILLS[key][2], fmt)
                elif is_number(value):
                    ws.write_number(r, c, value, fmt)
                else:
                    text = value_text(value, kind, pennies)
                    ws.write_string(r, c, text, fmt)
                    lines = max(lines, _lines(text, widths[c]))
            if lines > 1:
                ws.set_row(r, 15 * lines)
                heights[r] = 20 * lines
        ws.add_table(row, 0, row + len(table.rows), len(columns) - 1, {
            "name": name, "style": TABLE_STYLE, "autofilter": False,
            "columns": [{"header": h, "header_format": head_right if numeric[c] else head}
                        for c, h in enumerate(columns)]})
        return row + len(table.rows) + 1

    @staticmethod
    def columns_for(px: int, widths: list[float]) -> int:
        total, c = 0, 0
        while total < px:
            total += _col_px(widths[c] if c < len(widths) else 8.43)
            c += 1
        return c

    def keep_charts_whole(self, ws, chart_rows: list[int], rows_per_chart: int, heights: dict, widths, last_col):
        """Manual page breaks so that no chart is cut across two printed pages (an estimate of where
        Excel's own breaks fall once the sheet is fitted to one page wide)."""
        if not chart_rows:
            return
        content_px = sum(_col_px(widths[c] if c < len(widths) else 8.43) for c in range(last_col + 1))
        scale = min(1.0, PAGE_W_PX / max(content_px, 1))
        page = PAGE_H_PX / scale * 0.92 - heights.get(0, ROW_PX)     # less the repeated title row

        def top(r: int) -> float:
            return sum(heights.get(i, ROW_PX) for i in range(r))

        breaks, page_start = [], 0.0
        for r in chart_rows:
            y0, y1 = top(r), top(r + rows_per_chart - 1)
            while y0 - page_start >= page:
                page_start += page
            if y1 - page_start > page:
                breaks.append(r)
                page_start = y0
        if breaks:
            ws.set_h_pagebreaks(breaks)

    # charts -----------------------------------------------------------------------------------
    def native_chart(self, chart: Chart):
        """A column or line chart drawing from a block of the hidden 'Chart data' sheet; the target is a
        dashed line series."""
        n = len(chart.categories)
        series = [(str(name), [(list(vals) + [None] * n)[i] for i in range(n)]) for name, vals in chart.series]
        has_target = is_number(chart.target)
        first = self.data_row
        header = ["Category"] + [name for name, _ in series] + (["Target"] if has_target else [])
        rows = [[str(cat)] + [vals[i] if is_number(vals[i]) else None for _, vals in series]   # '<N' is not plotted
                + ([chart.target] if has_target else []) for i, cat in enumerate(chart.categories)]
        self.data_blocks.append((first, chart, [header] + rows))
        self.data_row = first + 2 + len(rows) + 2
        head, lo, hi = first + 1, first + 2, first + 1 + max(n, 1)

        kind = "line" if chart.kind == "line" else "column"
        xl = self.wb.add_chart({"type": kind})
        numbers = [v for _, vals in series for v in vals if is_number(v)]
        whole = all(float(v).is_integer() for v in numbers)
        if chart.percent:
            label_fmt, axis_fmt = '0.0"%"', '0"%"'
        elif chart.money:
            label_fmt = axis_fmt = '"£"#,##0'
        else:
            label_fmt, axis_fmt = ("#,##0", "#,##0") if whole else ("#,##0.0", "General")
        labels = (len(series) * n <= 24) if kind == "column" else (len(series) == 1 and n <= 16)
        for s, (name, _) in enumerate(series):
            colour = PALETTE[s % len(PALETTE)]
            spec = {"name": [CHART_DATA, head, 1 + s],
                    "categories": [CHART_DATA, lo, 0, hi, 0], "values": [CHART_DATA, lo, 1 + s, hi, 1 + s]}
            if kind == "column":
                spec.update(fill={"color": colour}, border={"none": True}, gap=60)
            else:
                spec.update(line={"color": colour, "width": 2.25},
                            marker={"type": MARKER_TYPES[s % len(MARKER_TYPES)], "size": 6,
                                    "fill": {"color": colour}, "border": {"color": colour}})
            if labels:
                spec["data_labels"] = {"value": True, "num_format": label_fmt,
                                       "position": "outside_end" if kind == "column" else "above"}
            xl.add_series(spec)
        if has_target:
            col = 1 + len(series)
            target = {"name": [CHART_DATA, head, col], "categories": [CHART_DATA, lo, 0, hi, 0],
                      "values": [CHART_DATA, lo, col, hi, col],
                      "line": {"color": TARGET_COLOUR, "width": 2, "dash_type": "dash"},
                      "marker": {"type": "dash", "size": 14, "fill": {"color": TARGET_COLOUR},
                                 "border": {"color": TARGET_COLOUR}} if n == 1 else {"type": "none"}}
            if kind == "column":
                line = self.wb.add_chart({"type": "line"})
                line.add_series(target)
                xl.combine(line)
            else:
                xl.add_series(target)
        low, high, step = y_scale(numbers, chart.target, chart.percent)
        xl.set_title({"name": _chart_text(chart.title), "name_font": {"size": 12, "bold": True}})
        y_axis = {"min": low, "max": high, "major_unit": step, "num_format": axis_fmt,
                  "major_gridlines": {"visible": True, "line": {"color": "#DCDFE2"}}}
        if chart.y_title:
            y_axis["name"] = _chart_text(chart.y_title)
        xl.set_y_axis(y_axis)
        xl.set_x_axis({"num_font": {"rotation": -45}} if n > 8 else {})
        if len(series) > 1 or has_target or kind == "line":
            xl.set_legend({"position": "bottom"})
        else:
            xl.set_legend({"none": True})
        xl.show_blanks_as("gap")
        xl.set_size({"width": CHART_W, "height": CHART_H})
        return xl

    def chart_data_sheet(self) -> None:
        if not self.data_blocks:
            return
        ws = self.wb.add_worksheet(CHART_DATA)
        ws.write_string(0, 0, "The figures the charts are drawn from.", self.fmt(italic=True))
        bold = self.fmt(bold=True)
        widths = [30]
        for first, chart, rows in self.data_blocks:
            ws.write_string(first, 0, chart.title, bold)
            for r, values in enumerate(rows, start=first + 1):
                for c, value in enumerate(values):
                    while len(widths) <= c:
                        widths.append(12)
                    if r == first + 1:
                        ws.write_string(r, c, str(value), bold)
                        widths[c] = max(widths[c], min(len(str(value)) + 2, 40))
                    elif is_number(value):
                        ws.write_number(r, c, value)
                    elif value is not None:
                        ws.write_string(r, c, str(value))
                        widths[c] = max(widths[c], min(len(str(value)) + 2, 40))
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.hide()


def _unique_headers(columns: list) -> list[str]:
    """Excel table headers must be non-blank text and unique (ignoring case)."""
    seen, out = set(), []
    for i, h in enumerate(columns, start=1):
        base = str(h).strip() if h is not None and str(h).strip() else f"Column {i}"
        name, n = base, 2
        while name.casefold() in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name.casefold())
        out.append(name)
    return out


def _chart_text(text: str) -> str:
    """A chart or axis title: xlsxwriter reads a leading '=' as a cell reference, so never start with one."""
    text = str(text)
    return "\u200b" + text if text.startswith("=") else text

