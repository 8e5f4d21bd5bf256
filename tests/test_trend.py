"""The six-week trend (contract §15): falling three weeks running, and how both reports show it."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import openpyxl
import pytest

from pipeline.render.html_report import render_html_report, sparkline
from pipeline.render.xlsx_report import ATTENDANCE_HEADERS, NOTES, write_xlsx_report
from pipeline.trend import Trend, trend_text
from tests.test_xlsx_report import make_result

MONDAYS = tuple(dt.date(2026, 10, 12) + dt.timedelta(weeks=w) for w in (0, 1, 3, 4, 5, 6))   # half term skipped
REPORTING = MONDAYS[-1]


@pytest.mark.parametrize("values, falling", [
    ((100.0, 100.0, 95.0, 90.0, 85.0, 80.0), True),
    ((50.0, 60.0, 100.0, 90.0, 80.0, 70.0), True),       # three decreases ending with the reporting week
    ((100.0, 95.0, 90.0, 85.0, 85.0, 80.0), False),      # a level week breaks the run
    ((100.0, 95.0, 90.0, 85.0, 80.0, 90.0), False),      # it went up in the reporting week
    ((None, None, 95.0, 90.0, 85.0, 80.0), True),
    ((None, None, None, 90.0, 85.0, 80.0), False),       # only two decreases can be seen
    ((100.0, 90.0, None, 80.0, 70.0, 60.0), False),      # a week with nothing possible breaks the run
])
def test_falling_three_weeks_running(values, falling):
    assert Trend(MONDAYS, {"P001": values}, REPORTING).falling("P001") is falling


def test_not_falling_when_the_reporting_week_is_not_the_last_school_week():
    trend = Trend(MONDAYS, {"P001": (100.0, 95.0, 90.0, 85.0, 80.0, 75.0)}, REPORTING + dt.timedelta(weeks=1))
    assert trend.falling("P001") is False
    assert trend.of("P999") == (None,) * 6


def test_trend_in_words():
    assert trend_text((100.0, 90.0, None, 83.3, 0.0, 96.5)) == "Last six weeks: 100.0%, 90.0%, n/a, 83.3%, 0.0%, 96.5%"
    assert trend_text((100.0,)) == "Last week: 100.0%"


def test_sparkline_draws_the_points_the_target_and_says_them():
    svg = str(sparkline((100.0, 90.0, None, 80.0, 70.0, 60.0), 96.0))
    assert svg.startswith('<svg class="spark" role="img" aria-label="Last six weeks: 100.0%, 90.0%, n/a, 80.0%, '
                          '70.0%, 60.0%"')
    assert "<title>Last six weeks: 100.0%, 90.0%, n/a, 80.0%, 70.0%, 60.0%</title>" in svg
    lines = re.findall(r'<polyline class="spark-line" points="([^"]*)"', svg)
    assert [len(p.split()) for p in lines] == [2, 3]     # broken at the week with nothing possible
    assert svg.count('<circle class="spark-dot"') == 5
    target = re.findall(r'<line class="spark-target" ([^>]*)/>', svg)
    assert target == ['x1="0" x2="96" y1="4.9" y2="4.9" stroke="#505a5f" stroke-width="1" stroke-dasharray="3 2" ']
    # 96% on the 50-100% scale: 3 + 24 x (1 - 46/50); a point under 50% draws the whole 0-100% scale
    assert 'y1="4.0" y2="4.0"' in str(sparkline((100.0, 40.0), 96.0))


def trended(values):
    result = make_result()
    return replace(result, trend=Trend(MONDAYS, {"P001": values, "P002": (90.0,) * 6}, REPORTING))


def test_the_workbook_appends_six_week_columns_and_falling(tmp_path):
    write_xlsx_report(trended((100.0, 100.0, 95.0, 90.0, None, 80.0)), tmp_path / "a.xlsx")
    write_xlsx_report(trended((100.0, 99.0, 95.0, 90.0, 85.0, 80.0)), tmp_path / "b.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "a.xlsx")["Attendance"]
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == ATTENDANCE_HEADERS + ["w/c 12/10", "w/c 19/10", "w/c 02/11", "w/c 09/11", "w/c 16/11",
                                                  "w/c 23/11", "Falling", NOTES]
    assert rows[1][-8:-1] == (100.0, 100.0, 95.0, 90.0, "n/a", 80.0, "N")
    assert rows[3][-8:-1] == ("n/a",) * 6 + ("N",)        # P003: not in the trend, nothing possible
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")["Attendance"]
    assert [r[-2] for r in ws.iter_rows(min_row=2, values_only=True)] == ["Y", "N", "N"]


def test_the_page_tags_a_pupil_falling_three_weeks():
    html = render_html_report(trended((100.0, 99.0, 95.0, 90.0, 85.0, 80.0)))
    tags = re.findall(r'<span class="muted">(P00\d)</span></td>(.*?)</tr>', html, re.S)
    falling = {pid for pid, row in tags if "Falling 3 weeks" in row}
    assert falling == {"P001"}
    assert html.count('<td data-label="Trend" class="trend"><svg') == 3


def test_without_a_trend_the_reports_have_no_trend_columns(tmp_path):
    write_xlsx_report(make_result(), tmp_path / "r.xlsx")
    assert [c.value for c in openpyxl.load_workbook(tmp_path / "r.xlsx")["Attendance"][1]] == ATTENDANCE_HEADERS + [NOTES]
    assert "Trend" not in render_html_report(make_result())
