"""The governor pack's renderers on a pack built by hand: the workbook (native charts), the web page
(inline SVG) and the SVG charts on their own."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser

import openpyxl
import pytest

from pipeline.governors.model import MONEY, NUMBER, PERCENT, Chart, GovernorPack, Section, Table
from pipeline.governors.render_html import render_pack_html, write_pack_html
from pipeline.governors.render_xlsx import sheet_names, write_pack_xlsx
from pipeline.governors.svg import chart_svg, fits, value_text, wrap, y_scale

D = dt.date


def sample_pack(**changes) -> GovernorPack:
    by_provider = Table("Placements by provider", ["Provider ID", "Provider", "Placements", "Cost this term (£)"], [
        ["PRV1", "Riverside <b>Learning</b>", 4, 1234.5],
        ["PRV2", "=SUM(A1:A2)", "<3", 800],
        ["Total", "", 6, 2034.5],
    ], note="Counts below 3 are shown as <3.", units={"Cost this term (£)": MONEY})
    budget = Table("AP budget", ["Measure", "Value"], [["Spent so far (£)", 19770], ["Budget used (%)", 109.8],
                                                      ["Providers used", 4]], row_units={0: MONEY, 1: PERCENT})
    destinations = Table("Destinations", ["Destination", "Placements"], [], note="No placement ended in the term.")
    attendance = Table("Attendance by provider", ["Provider", "Attendance %"], [["Riverside", 93.25], ["Oak & Co", 100.0]],
                       units={"Attendance %": PERCENT})
    compliance = Table("Compliance by rule", ["Rule", "On time", "Late", "RAG"], [
        ["parent-letter", 7, 0, "Green"], ["lead-visit", 5, 1, "amber"], ["work-set", 2, 0, "Red"],
        ["incident", None, None, None]], rag_column="RAG")
    bar = Chart("Attendance by provider", "bar", ["Riverside", "Oak & Co"], [("Attendance %", [93.25, 100.0])],
                "Attendance %", 96.0, True)
    line = Chart("Attendance by week", "line", ["w/c 07/09", "w/c 14/09", "w/c 21/09"],
                 [("All placements", [95.0, None, 88.4])], "Attendance %", 96.0, True)
    counts = Chart("Placements by reason", "bar", ["Behaviour", "Medical", "Other"],
                   [("Autumn", [4, "<3", 0]), ("Spring", [2, 1, None])], "Placements")
    pack = GovernorPack(
        school="Hilltop <Infant> & Nursery School", term="Autumn 2026", start=D(2026, 9, 3), end=D(2026, 11, 27),
        as_of=D(2026, 11, 28), target_percent=96.0,
        summary="Eight pupils were in alternative provision. <script>alert(1)</script>\n\nSecond paragraph.",
        sections=[Section("placements", "Placements & cost", "Intro <i>text</i>.", [by_provider, budget, destinations]),
                  Section("attendance", "Attendance", "Attendance against the target.", [attendance],
                          [bar, line, counts]),
                  Section("compliance", "Compliance with the policy, rule by rule", "", [compliance])],
        suppress_below=3)
    for key, value in changes.items():
        setattr(pack, key, value)
    return pack


CHART_COUNT = 3
SHEETS = ["Summary", "Placements & cost", "Attendance", "Compliance with the policy", "Chart data"]


@pytest.fixture
def xlsx(tmp_path):
    path = tmp_path / "pack.xlsx"
    write_pack_xlsx(sample_pack(), path)
    return path


@pytest.fixture
def html_text():
    return render_pack_html(sample_pack())


# --- the workbook ---------------------------------------------------------------------------------

def rows_of(ws) -> list[list]:
    return [[c.value for c in row] for row in ws.iter_rows()]


def find(ws, value):
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not on sheet {ws.title}")


def test_sheets_in_order_with_chart_data_hidden(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == SHEETS
    assert wb["Chart data"].sheet_state == "hidden"
    assert all(wb[name].sheet_state == "visible" for name in SHEETS[:-1])


def test_summary_sheet(xlsx):
    ws = openpyxl.load_workbook(xlsx)["Summary"]
    values = [v for row in rows_of(ws) for v in row if v is not None]
    for text in ("Hilltop <Infant> & Nursery School", "Autumn 2026", "Thursday 3 Sep 2026 to Friday 27 Nov 2026",
                 "Saturday 28 Nov 2026", "Contents"):
        assert text in values
    target = find(ws, 96)
    assert target.number_format == '0.0"%"'
    summary = find(ws, "Eight pupils were in alternative provision. <script>alert(1)</script>")
    assert summary.alignment.wrap_text
    # the contents list names every section's sheet, with what it shows
    for name in SHEETS[1:-1]:
        assert name in values
    assert "Intro <i>text</i>." in values
    assert any("<3" in str(v) for v in values)                           # the small-number rule is stated


def test_tables_are_excel_tables_with_title_and_note(xlsx):
    ws = openpyxl.load_workbook(xlsx)["Placements & cost"]
    assert sorted(ws.tables) == ["placements_1", "placements_2"]          # the empty table is plain cells
    ref = ws.tables["placements_1"].ref
    first = ws[ref.split(":")[0]]
    assert [c.value for c in ws[first.row][:4]] == ["Provider ID", "Provider", "Placements", "Cost this term (£)"]
    assert ws.cell(first.row - 1, 1).value == "Placements by provider"   # title row above
    assert [c.value for c in ws[first.row + 1][:4]] == ["PRV1", "Riverside <b>Learning</b>", 4, 1234.5]
    assert ws.cell(first.row + 4, 1).value == "Counts below 3 are shown as <3."   # note below
    assert ws.cell(first.row + 3, 1).font.b                               # the Total row is bold


def test_values_text_percent_and_money_formats(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Placements & cost"]
    small = find(ws, "<3")
    assert small.data_type == "s"
    formula_like = find(ws, "=SUM(A1:A2)")
    assert formula_like.data_type == "s"                                 # text, never a formula
    assert find(ws, 1234.5).number_format == '"£"#,##0.00'               # a '£' column with pence
    assert find(ws, 800).number_format == '"£"#,##0.00'                  # the same column lines up
    assert find(ws, 19770).number_format == '"£"#,##0'                   # the row label says (£)
    assert find(ws, 109.8).number_format == '0.0"%"'                     # the row label says (%)
    assert find(ws, 4).number_format in ("#,##0", "General")
    assert find(wb["Attendance"], 93.25).number_format == '0.0"%"'       # a '%' column, one decimal
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row)


def test_empty_table_has_a_plain_header_and_its_note(xlsx):
    ws = openpyxl.load_workbook(xlsx)["Placements & cost"]
    head = find(ws, "Destination")
    assert ws.cell(head.row, 2).value == "Placements" and head.font.b
    assert ws.cell(head.row + 1, 1).value == "No placement ended in the term."


@pytest.mark.parametrize("word, fill", [("Green", "C6EFCE"), ("Amber", "FFEB9C"), ("Red", "FFC7CE")])
def test_rag_cells_carry_the_word_on_its_colour(xlsx, word, fill):
    ws = openpyxl.load_workbook(xlsx)["Compliance with the policy"]
    cell = find(ws, word)                                                # 'amber' is written as 'Amber'
    assert cell.fill.fgColor.rgb.upper().endswith(fill)
    assert cell.font.b


def test_charts_are_native_and_draw_from_real_cells(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Attendance"]
    assert [type(c).__name__ for c in ws._charts] == ["BarChart", "LineChart", "BarChart"]
    assert all(not wb[n]._charts for n in SHEETS if n != "Attendance")
    data = wb["Chart data"]
    values = [v for row in rows_of(data) for v in row if v is not None]
    for v in ("Attendance by provider", "Riverside", "Oak & Co", 93.25, 100, "Target", 96, "w/c 14/09", 88.4):
        assert v in values
    assert "<3" not in values                                            # a suppressed count is not plotted
    with zipfile.ZipFile(xlsx) as z:
        charts = [z.read(n).decode() for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    assert len(charts) == CHART_COUNT
    bar, line, counts = charts
    assert "<c:barChart>" in bar and "<c:lineChart>" in bar              # target drawn as a line over the bars
    assert '<a:prstDash val="dash"/>' in bar and '<a:prstDash val="dash"/>' in line
    assert "<c:lineChart>" in line and "<c:barChart>" not in line
    for xml in (bar, line):
        assert '<c:max val="100.0"/>' in xml and '<c:min val="0.0"/>' in xml
        assert "Attendance %" in xml                                     # the axis name
        assert "'Chart data'!$" in xml
    assert "Attendance by week" in line and "Placements by reason" in counts
    assert '<c:max val="100.0"/>' not in counts


def test_print_setup(xlsx):
    wb = openpyxl.load_workbook(xlsx)
    for name in SHEETS[:-1]:
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9                          # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.print_area
    compliance = wb["Compliance with the policy"]
    header = find(compliance, "Rule").row
    assert compliance.print_title_rows == f"${header}:${header}"        # one table: its header on every page
    assert wb["Attendance"].print_title_rows == "$1:$1"                  # the section title on every page


def test_charts_are_not_cut_by_a_page_break(tmp_path):
    """Tall tables above the charts: a manual break falls just before a row of charts."""
    pack = sample_pack()
    pack.sections[1].tables[0].rows = [[f"Provider {i}", 90.0] for i in range(40)]
    write_pack_xlsx(pack, tmp_path / "p.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "p.xlsx")["Attendance"]
    starts = {c.anchor._from.row for c in ws._charts}                    # 0-based rows where charts start
    assert ws.row_breaks.brk and {b.id for b in ws.row_breaks.brk} <= starts


def test_workbook_rerun_is_byte_identical(tmp_path):
    write_pack_xlsx(sample_pack(), tmp_path / "a.xlsx")
    write_pack_xlsx(sample_pack(), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_created_is_pinned_to_as_of(xlsx):
    assert openpyxl.load_workbook(xlsx).properties.created == dt.datetime(2026, 11, 28)


def test_sheet_names_are_valid_and_unique():
    names = sheet_names(["Compliance with the policy, rule by rule", "a/b: [c]?", "Summary", "Cost", "cost", ""])
    assert names == ["Compliance with the policy", "a-b- -c--", "Summary (2)", "Cost", "cost (2)", "Section"]
    assert all(len(n) <= 31 for n in names)


def test_any_pack_shape_renders(tmp_path):
    """No sections; a table with no columns; duplicate and blank headers; short rows; a chart with no series."""
    odd = GovernorPack("S", "Spring 2027", D(2027, 1, 5), D(2027, 1, 8), D(2027, 1, 8), 95.0, "", [
        Section("x", "X", "", [Table("No columns", [], []), Table("Dupes", ["A", "a", "", None], [[1], [2, 3, 4, 5, 6]])],
                [Chart("Empty", "bar", [], []), Chart("One", "line", ["Only"], [("s", [None])])])])
    write_pack_xlsx(odd, tmp_path / "odd.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "odd.xlsx")["X"]
    assert len(ws._charts) == 1 and len(ws.tables) == 1
    assert "Empty: no figures to show." in [c.value for row in ws.iter_rows() for c in row]
    assert "Empty" in render_pack_html(odd)
    empty = GovernorPack("S", "Spring 2027", D(2027, 1, 5), D(2027, 1, 8), D(2027, 1, 8), 95.0, "", [])
    write_pack_xlsx(empty, tmp_path / "empty.xlsx")
    assert openpyxl.load_workbook(tmp_path / "empty.xlsx").sheetnames == ["Summary"]
    assert "No summary" in render_pack_html(empty)


# --- the web page ---------------------------------------------------------------------------------

class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


def test_every_section_and_table_title_is_on_the_page(html_text):
    text = " ".join(parse(html_text).text)
    for title in ("Placements & cost", "Attendance", "Compliance with the policy, rule by rule",
                  "Placements by provider", "AP budget", "Destinations", "Compliance by rule", "Summary", "Contents"):
        assert title in text
    assert "Thursday 3 Sep 2026 to Friday 27 Nov 2026" in text
    assert "Second paragraph." in text


def test_one_svg_chart_per_chart_with_a_title_and_description(html_text):
    wide = re.findall(r'<div class="wide"><svg .*?</svg></div>', html_text, re.S)
    assert len(wide) == CHART_COUNT
    assert len(re.findall(r"<svg ", html_text)) == 2 * CHART_COUNT           # and a phone layout of each
    for svg, title in zip(wide, ("Attendance by provider", "Attendance by week", "Placements by reason")):
        assert f">{title}</title>" in svg and "<desc " in svg and 'role="img"' in svg
    ids = re.findall(r' id="([^"]+)"', html_text)
    assert len(ids) == len(set(ids))                                    # aria ids are unique in the page


def test_self_contained_and_escaped(html_text):
    assert "<script" not in html_text.lower()
    assert "http://" not in html_text and "https://" not in html_text
    assert "<link" not in html_text and "<img" not in html_text and "@import" not in html_text
    assert "<b>" not in html_text and "&lt;b&gt;Learning&lt;/b&gt;" in html_text
    assert "<i>" not in html_text and "&lt;i&gt;text&lt;/i&gt;" in html_text
    assert "Hilltop &lt;Infant&gt; &amp; Nursery School" in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "Oak &amp; Co" in html_text


def test_rag_badges_carry_the_word(html_text):
    for key, word in (("green", "Green"), ("amber", "Amber"), ("red", "Red")):
        assert f'<span class="rag rag-{key}">{word}</span>' in html_text


def test_values_read_as_in_the_workbook(html_text):
    text = parse(html_text).text
    for value in ("93.3%", "100.0%", "£1,234.50", "£800.00", "£19,770", "109.8%", "<3", "4"):
        assert value in text
    assert "&lt;3" in html_text


def test_print_and_phone_rules(html_text):
    assert "break-before: page" in html_text                           # a page per section (base template)
    assert "break-inside: avoid" in html_text                          # a chart is never split
    assert "@media (max-width: 600px)" in html_text
    assert 'name="viewport"' in html_text


def test_page_rerun_is_byte_identical(tmp_path):
    write_pack_html(sample_pack(), tmp_path / "a.html")
    write_pack_html(sample_pack(), tmp_path / "b.html")
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "b.html").read_bytes()


def test_suppression_is_explained_only_when_on():
    assert "is shown as “&lt;3”" in render_pack_html(sample_pack())
    assert "is shown as" not in render_pack_html(sample_pack(suppress_below=0))


# --- the svg charts -------------------------------------------------------------------------------

def svg_of(chart: Chart, **kw) -> ET.Element:
    text = chart_svg(chart, "t", **kw)
    assert "nan" not in text.lower() and "inf" not in text.replace("Info", "").lower()
    return ET.fromstring(text)                                           # well-formed, every text escaped


def texts(el: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in el.iter("text")]


def drawn(svg: ET.Element, tag: str) -> list[ET.Element]:
    """Bars, markers or lines of the data (not of the legend)."""
    series = svg.find("g[@class='series']")
    return list(series.iter(tag)) if series is not None else []


def test_svg_bar_chart_draws_bars_values_target_and_axes():
    chart = Chart("Attendance by provider", "bar", ["Riverside", "Oak & Co"], [("Attendance %", [93.25, 100.0])],
                  "Attendance %", 96.0, True)
    svg = svg_of(chart)
    assert svg.get("viewBox") == "0 0 600 360" and svg.get("aria-labelledby") == "t-title t-desc"
    assert svg.find("title").text == "Attendance by provider"
    desc = svg.find("desc").text
    assert "Riverside 93.3%" in desc and "Oak & Co 100.0%" in desc and "target is 96.0%" in desc
    assert len(drawn(svg, "rect")) == 2
    labels = texts(svg)
    for label in ("93.3%", "100.0%", "Target", "96.0%", "0%", "100%", "Riverside", "Oak & Co", "Attendance %"):
        assert label in labels
    target = [line for line in svg.iter("line") if line.get("class") == "target"]
    assert len(target) == 1 and target[0].get("stroke-dasharray")


def test_svg_all_values_missing():
    svg = svg_of(Chart("Nothing yet", "bar", ["A", "B"], [("x", [None, None])], "Placements"))
    assert "No figures to show yet" in texts(svg)
    assert not drawn(svg, "rect")
    line = svg_of(Chart("Nothing yet", "line", ["A", "B"], [("x", [None, None])], "Attendance %", 96.0, True))
    assert not drawn(line, "polyline") and not drawn(line, "circle")
    assert "100%" in texts(line)                                         # still a 0-100 axis
    assert "There are no figures to show yet." in line.find("desc").text


def test_svg_single_category():
    bar = svg_of(Chart("One", "bar", ["Only provider"], [("Attendance %", [88.0])], "", 96.0, True))
    assert len(drawn(bar, "rect")) == 1
    assert "Only provider" in texts(bar) and "88.0%" in texts(bar)
    line = svg_of(Chart("One", "line", ["w/c 07/09"], [("All", [88.0])], "", None, True))
    assert not drawn(line, "polyline")                                   # one point: a marker, no line
    assert len(drawn(line, "circle")) == 1 and "88.0%" in texts(line)


def test_svg_values_above_100_stretch_the_percent_axis():
    svg = svg_of(Chart("Over", "bar", ["A", "B"], [("Budget used %", [130.0, 90.0])], "Budget used %", 100.0, True))
    labels = texts(svg)
    assert "130.0%" in labels and "150%" in labels and "Target" in labels
    assert y_scale([130.0, 90.0], 100.0, True)[1] >= 130


def test_svg_gaps_and_suppressed_counts():
    line = svg_of(Chart("Trend", "line", ["a", "b", "c", "d"], [("s", [90.0, None, 80.0, 85.0])], "", None, True))
    assert len(drawn(line, "polyline")) == 1                             # a, then c-d: one run of two or more
    assert len(drawn(line, "circle")) == 3
    bars = svg_of(Chart("Counts", "bar", ["x", "y", "z"], [("n", [5, "<3", float("nan")])], "Placements"))
    assert "<3" in texts(bars)
    assert len(drawn(bars, "rect")) == 1


def test_svg_escapes_every_text():
    chart = Chart('<script>"x"</script> & co', "bar", ["<b>a</b>", "b & c"], [("<i>s</i>", [1, 2])], "<y>", 1.0)
    text = chart_svg(chart, 'id"><script>')
    assert "<script" not in text and "<b>" not in text and "<i>" not in text and "<y>" not in text
    svg = ET.fromstring(text)
    assert svg.find("title").text == '<script>"x"</script> & co'
    assert "<b>a</b>" in texts(svg) and "b & c" in texts(svg)
    assert svg.find("title").get("id") == "id---script--title"


def test_svg_is_deterministic_and_scales():
    chart = Chart("Weeks", "line", [f"w/c {d:02d}/09" for d in range(1, 16)],
                  [("A", [90.0 + i % 5 for i in range(15)]), ("B", [80.0 + i % 3 for i in range(15)])], "%", 96.0, True)
    assert chart_svg(chart, "a") == chart_svg(chart, "a")
    narrow = svg_of(chart, width=400, height=400)
    assert narrow.get("viewBox") == "0 0 400 400" and "width" not in narrow.attrib


def test_svg_many_long_bar_labels_are_all_shown():
    cats = [f"Provider with a long name {i}" for i in range(10)]
    svg = svg_of(Chart("Many", "bar", cats, [("n", list(range(10)))], "Placements"), width=400)
    shown = " ".join(texts(svg))
    assert all(c[:18] in shown for c in cats)                            # slanted, not skipped


# --- how values read ------------------------------------------------------------------------------

def test_a_cell_reads_as_the_figures_declared_it_never_from_its_header():
    table = Table("AP budget", ["Measure", "Value", "Cost this term (£)"],
                  [["Spent (£)", 1, 2], ["Budget used (%)", 1, 2], ["Below the 96% target", 1, 2]],
                  units={"Cost this term (£)": MONEY}, row_units={0: MONEY, 1: PERCENT})
    assert [table.column_kind(c) for c in range(3)] == [NUMBER, NUMBER, MONEY]
    assert [table.cell_kind(r, 1) for r in range(3)] == [MONEY, PERCENT, NUMBER]
    assert [table.cell_kind(r, 0) for r in range(3)] == [NUMBER] * 3        # the label column is words
    assert [table.cell_kind(r, 2) for r in range(3)] == [MONEY] * 3         # a declared column wins over its row
    assert Table("Costs", ["Total cost", "Attendance %"], []).column_kind(0) == NUMBER   # undeclared: a number


@pytest.mark.parametrize("value, kind, text", [(83.25, "percent", "83.3%"), (83.24, "percent", "83.2%"),
                                               (None, "percent", ""), ("<3", "number", "<3"),
                                               (1234.5, "money", "£1,234.50"), (-1770, "money", "-£1,770"),
                                               (12345, "number", "12,345"), (2.5, "number", "2.5"),
                                               (True, "number", "Yes"), (float("nan"), "percent", "")])
def test_value_text(value, kind, text):
    assert value_text(value, kind) == text


def test_wrap_and_fits():
    assert wrap("Hilltop Farm Learning Centre", 12, 2) == ["Hilltop Farm", "Learning Ce…"]
    assert wrap("Short", 12, 2) == ["Short"]
    assert fits("Oak Farm Outdoor Education", 9, 3) and not fits("Oak Farm Outdoor Education", 8, 3)
