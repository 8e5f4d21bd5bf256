"""Changes since last week and the six-week trend (contract §15), on the demo school run as a school would:
week 2026-11-16, then week 2026-11-23 into the same OUT. The expected changes are worked out here from the two
weeks' own summary.json files; the trend from single-week runs."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from pipeline.calendar import SchoolCalendar
from pipeline.changes import NO_EARLIER_REPORT
from pipeline.cli import main
from pipeline.render.changes_wording import BELOW, GONE, LATE, NEW, RECOVERED
from pipeline.settings import load_settings

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo_school"
FIRST, SECOND = "2026-11-16", "2026-11-23"


def demo_copy(tmp: Path) -> Path:
    data = tmp / "demo"
    shutil.copytree(DEMO, data)
    return data


def week(data: Path, out: Path, monday: str) -> int:
    return main(["--data", str(data), "--week", monday, "--out", str(out)])


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory):
    data = demo_copy(tmp_path_factory.mktemp("data"))
    out = tmp_path_factory.mktemp("out")
    codes = [week(data, out, FIRST), week(data, out, SECOND)]
    return {"data": data, "out": out, "codes": codes}


def summary(out: Path, monday: str) -> dict:
    return json.loads((out / monday / "summary.json").read_text(encoding="utf-8"))


def action_ids(s: dict) -> set:
    return {(a["rule"], a["placement_id"] or a["provider_id"] or a["upn"] or "", a["due"]) for a in s["actions"]}


def html_changes(path: Path) -> set:
    """(kind, ref, rule, due) of each change the html lists."""
    text = path.read_text(encoding="utf-8")
    return {tuple(htmllib.unescape(x) for x in m) for m in
            re.findall(r'<li data-change="([^"]*)" data-ref="([^"]*)" data-rule="([^"]*)" data-due="([^"]*)">', text)}


def section(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    start = text.index('<section class="changes"')
    return text[start:text.index("</section>", start)]


def xlsx_changes(path: Path) -> set:
    """(kind, ref, rule, due) of each change on the Summary sheet (the rows under the 'Change' header)."""
    ws = openpyxl.load_workbook(path)["Summary"]
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Change") + 1
    out = set()
    for r in rows[start:]:
        if not r[0]:
            break
        due = r[4].date().isoformat() if r[4] else ""
        out.add((r[0], r[3], r[2] or "", due))
    return out


def summary_line(path: Path) -> str:
    ws = openpyxl.load_workbook(path)["Summary"]
    return next(r[1] for r in ws.iter_rows(values_only=True) if r[0] == "Changes since last week")


def expected_changes(before: dict, now: dict) -> set:
    old, new = action_ids(before), action_ids(now)
    was_below = {p["placement_id"] for p in before["pupils"] if p["below_target"]}
    is_below = {p["placement_id"] for p in now["pupils"] if p["below_target"]}
    listed = {p["placement_id"] for p in now["pupils"]}
    still = {(m["provider_id"], m["week_commencing"]) for m in now["missing_returns"]}
    late = {(m["provider_id"], m["week_commencing"]) for m in before["missing_returns"]} - still
    return ({(NEW, k, r, d or "") for r, k, d in new - old} | {(GONE, k, r, d or "") for r, k, d in old - new}
            | {(BELOW, p, "", "") for p in is_below - was_below}
            | {(RECOVERED, p, "", "") for p in (was_below - is_below) & listed}
            | {(LATE, p, "", "") for p, _ in late})


def test_both_weeks_ran_with_their_usual_exit_codes(two_weeks):
    assert two_weeks["codes"] == [0, 1]


def test_the_changes_are_the_set_differences_of_the_two_summaries(two_weeks):
    out = two_weeks["out"]
    before, now = summary(out, FIRST), summary(out, SECOND)
    expected = expected_changes(before, now)
    assert html_changes(out / SECOND / "weekly_report.html") == expected
    assert xlsx_changes(out / SECOND / "weekly_report.xlsx") == expected
    # the demo's own story: P008 starts on 07/12 (five start actions), P010's next visit, an incident, P003 past
    # its planned end and two register mismatches are new; P001 is back on target, so its below-target action went
    assert sum(1 for c in expected if c[0] == NEW) == 10
    assert {c for c in expected if c[0] != NEW} == {(GONE, "P001", "below-target", ""), (RECOVERED, "P001", "", "")}


def test_the_sentence_says_what_is_compared_and_how_much_changed(two_weeks):
    out = two_weeks["out"]
    line = ("Since the report for the week commencing Monday 16 November 2026: 10 new actions, 1 no longer listed "
            "(done or expired), 0 pupils fell below target, 1 back on target, 0 late returns arrived.")
    assert summary_line(out / SECOND / "weekly_report.xlsx") == line
    assert f"<p>{line}</p>" in section(out / SECOND / "weekly_report.html")
    assert "Alfie Brennan</strong> <span class=\"muted\">(P001)</span>: Year to date 96.3% (last report 95.9%)" \
        in section(out / SECOND / "weekly_report.html")


def test_the_changes_come_first(two_weeks):
    text = (two_weeks["out"] / SECOND / "weekly_report.html").read_text(encoding="utf-8")
    h2 = re.findall(r"<h2>([^<]*)</h2>", text)
    assert h2[0] == "Changes since last week"
    ws = openpyxl.load_workbook(two_weeks["out"] / SECOND / "weekly_report.xlsx")["Summary"]
    labels = [r[0] for r in ws.iter_rows(values_only=True) if r[0]]
    assert labels.index("Changes since last week") < labels.index("What to do first")


def test_no_earlier_report_is_said_plainly(two_weeks):
    first = two_weeks["out"] / FIRST
    assert summary_line(first / "weekly_report.xlsx") == NO_EARLIER_REPORT
    assert f'<p class="empty">{NO_EARLIER_REPORT}</p>' in section(first / "weekly_report.html")
    assert html_changes(first / "weekly_report.html") == set()


def test_summary_json_keeps_its_keys(two_weeks):
    assert list(summary(two_weeks["out"], SECOND)) == ["school", "week_commencing", "as_of", "target_percent",
                                                       "pupils", "actions", "missing_returns", "findings"]


@pytest.mark.parametrize("damage", ["{not json", "[]", '{"week_commencing": "2026-11-16", "actions": "none"}',
                                    '{"week_commencing": "16/11/2026", "actions": [], "pupils": [], "missing_returns": []}',
                                    '{"week_commencing": "2026-11-16", "actions": [{"rule": 3}], "pupils": [], '
                                    '"missing_returns": []}'])
def test_a_damaged_earlier_summary_is_a_note_and_no_earlier_report(tmp_path, capsys, damage):
    data = demo_copy(tmp_path)
    out = tmp_path / "out"
    (out / FIRST).mkdir(parents=True)
    (out / FIRST / "summary.json").write_text(damage, encoding="utf-8")
    assert week(data, out, SECOND) == 1                  # the demo's week 23/11 has an error finding: exit 1 as always
    printed = capsys.readouterr().out
    assert f"Note: The previous report {out / FIRST / 'summary.json'} cannot be read (" in printed
    assert "Run the week commencing 2026-11-16 again to rewrite it, or delete that file." in printed
    assert summary_line(out / SECOND / "weekly_report.xlsx") == NO_EARLIER_REPORT
    assert NO_EARLIER_REPORT in section(out / SECOND / "weekly_report.html")


def test_the_week_before_half_term_is_the_previous_week_after_it(tmp_path):
    data = demo_copy(tmp_path)
    out = tmp_path / "out"
    week(data, out, "2026-10-19")
    (out / "2026-10-26").mkdir()                         # half term: no school day, so never the previous report
    shutil.copy(out / "2026-10-19" / "summary.json", out / "2026-10-26" / "summary.json")
    (out / "not-a-week").mkdir()
    week(data, out, "2026-11-02")
    assert summary_line(out / "2026-11-02" / "weekly_report.xlsx").startswith(
        "Since the report for the week commencing Monday 19 October 2026")


# --- the six-week trend ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def single_weeks(tmp_path_factory, two_weeks):
    """week.percent of each pupil from one single-week run of each of the six school weeks up to 23/11."""
    data = two_weeks["data"]
    calendar = SchoolCalendar.from_settings(load_settings(data / "school.toml"))
    mondays = calendar.school_weeks(dt.date(2026, 9, 1), dt.date(2026, 11, 27))[-6:]
    assert [m.isoformat() for m in mondays] == ["2026-10-12", "2026-10-19", "2026-11-02", "2026-11-09",
                                                "2026-11-16", "2026-11-23"]           # half term 26/10 skipped
    figures = {}
    for monday in mondays:
        out = tmp_path_factory.mktemp(f"single-{monday}")
        week(data, out, monday.isoformat())
        figures[monday] = {p["placement_id"]: p["week"]["percent"] for p in summary(out, monday.isoformat())["pupils"]}
    return mondays, figures


def test_the_trend_columns_are_the_single_week_figures(two_weeks, single_weeks):
    mondays, figures = single_weeks
    ws = openpyxl.load_workbook(two_weeks["out"] / SECOND / "weekly_report.xlsx")["Attendance"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    heads = [f"w/c {m:%d/%m}" for m in mondays]
    assert header[-8:] == heads + ["Falling", "Provider notes"]
    assert heads[0] == "w/c 12/10"
    seen = 0
    for row in rows[1:]:
        if not row[0]:
            continue
        got = [row[header.index(h)] for h in heads]
        want = [figures[m].get(row[0]) for m in mondays]
        assert got == ["n/a" if v is None else v for v in want], row[0]
        assert ws.cell(2, header.index(heads[0]) + 1).number_format == '0.0"%"'
        assert row[header.index("Falling")] == "N"           # no demo pupil fell three weeks running
        seen += 1
    assert seen == len(summary(two_weeks["out"], SECOND)["pupils"]) == 8


def test_the_html_trend_says_the_single_week_figures(two_weeks, single_weeks):
    mondays, figures = single_weeks
    text = (two_weeks["out"] / SECOND / "weekly_report.html").read_text(encoding="utf-8")
    assert "<th scope=\"col\">Trend" in text
    table = text[text.index('<table class="stack attendance">'):]
    for pid in summary(two_weeks["out"], SECOND)["pupils"]:
        pid = pid["placement_id"]
        words = ", ".join("n/a" if figures[m].get(pid) is None else f"{figures[m][pid]:.1f}%" for m in mondays)
        row = table[table.index(f'<span class="muted">{pid}</span>'):]
        row = row[:row.index("</tr>")]
        assert f'<svg class="spark" role="img" aria-label="Last six weeks: {words}"' in row
        assert f"<title>Last six weeks: {words}</title>" in row
    assert 'aria-label="Last six weeks: 80.0%, 100.0%, 80.0%, 0.0%, n/a, 100.0%"' in text      # P004


def test_returns_missing_last_week_and_accepted_now_are_late_returns_by_provider_then_week(tmp_path):
    import json
    import tomllib

    from pipeline.calendar import SchoolCalendar
    from pipeline.changes import compare
    from pipeline.model import MissingReturn
    from pipeline.settings import parse_settings
    from tests.factories import SCHOOL_TOML

    calendar = SchoolCalendar.from_settings(parse_settings(tomllib.loads(SCHOOL_TOML)))
    before = tmp_path / "2026-11-16"
    before.mkdir()
    (before / "summary.json").write_text(json.dumps({
        "week_commencing": "2026-11-16", "pupils": [], "actions": [],
        "missing_returns": [{"provider_id": "PRV2", "week_commencing": "2026-11-09"},
                            {"provider_id": "PRV1", "week_commencing": "2026-11-16"},
                            {"provider_id": "PRV3", "week_commencing": "2026-11-16"}]}), encoding="utf-8")
    returned = {("PRV2", dt.date(2026, 11, 9)), ("PRV1", dt.date(2026, 11, 16))}     # PRV3's is still missing
    changes = compare(tmp_path, calendar, dt.date(2026, 11, 23), [], [],
                      [MissingReturn("PRV3", dt.date(2026, 11, 16))], returned)
    assert changes.previous_week == dt.date(2026, 11, 16)
    assert changes.late_returns == (MissingReturn("PRV1", dt.date(2026, 11, 16)), MissingReturn("PRV2", dt.date(2026, 11, 9)))
