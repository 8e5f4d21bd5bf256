"""Disclosure control of the governor pack (contract §13): the method on small tables, then an attack on a
whole pack of a small infant school, xlsx and html, by a reader who subtracts."""
from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import openpyxl
import pytest

from pipeline.governors.disclosure import (BLANKET, HIDDEN, PRIMARY, SECONDARY, Ledger, _determined, off_warning,
                                           protect, protect_ledger, privacy_text)
from pipeline.governors.run import run_governor_pack
from pipeline.upn import make_upn
from tests.factories import SCHOOL_TOML, placement, provider, write_return, write_school

D = dt.date


# --- the method on small tables ------------------------------------------------------------------

def test_one_hidden_cell_in_a_line_hides_the_next_smallest_non_zero_one():
    values = {"a": 1, "b": 5, "c": 7, "z": 0, "T": 13}
    assert protect(values, [(("a", "z", "b", "c"), "T")], 3) == {"a": PRIMARY, "b": SECONDARY}


def test_zeros_are_never_hidden_and_a_line_without_small_numbers_is_left_alone():
    values = {"a": 0, "b": 0, "c": 5, "T": 5}
    assert protect(values, [(("a", "b", "c"), "T")], 3) == {}
    values = {"a": 0, "b": 1, "c": 4, "T": 5}
    assert protect(values, [(("a", "b", "c"), "T")], 3) == {"b": PRIMARY, "c": SECONDARY}


def test_hidden_parts_that_can_only_be_all_the_largest_small_number_hide_one_more():
    # '<3' + '<3' + 3 = 7: the two hidden cells add up to 4, so both are 2; hide the 3 too
    values = {"a": 2, "b": 2, "c": 3, "T": 7}
    assert protect(values, [(("a", "b", "c"), "T")], 3) == {"a": PRIMARY, "b": PRIMARY, "c": SECONDARY}
    # '<3' + '<3' + 5 = 7: they add up to 2, so both are 1
    values = {"a": 1, "b": 1, "c": 5, "T": 7}
    assert protect(values, [(("a", "b", "c"), "T")], 3) == {"a": PRIMARY, "b": PRIMARY, "c": SECONDARY}
    # '<3' + '<3' + 5 = 8: 1 + 2 or 2 + 1: safe as it is
    values = {"a": 1, "b": 2, "c": 5, "T": 8}
    assert protect(values, [(("a", "b", "c"), "T")], 3) == {"a": PRIMARY, "b": PRIMARY}


def test_a_line_with_no_other_non_zero_part_hides_its_total():
    # x is hidden in line 1, which hides y; in line 2, y is then alone and z is 0: the total S2 goes
    values = {"x": 1, "y": 5, "S1": 6, "z": 0, "S2": 5}
    lines = [(("x", "y"), "S1"), (("y", "z"), "S2")]
    assert protect(values, lines, 3) == {"x": PRIMARY, "y": SECONDARY, "S2": SECONDARY}


def test_chains_across_rows_and_columns_of_a_table_with_margins():
    #        c1  c2 | row total
    # r1      1   6 |  7
    # r2      5   8 | 13
    # total   6  14 | 20
    values = {"11": 1, "12": 6, "21": 5, "22": 8, "R1": 7, "R2": 13, "C1": 6, "C2": 14, "G": 20}
    lines = [(("11", "12"), "R1"), (("21", "22"), "R2"), (("11", "21"), "C1"), (("12", "22"), "C2"),
             (("R1", "R2"), "G"), (("C1", "C2"), "G")]
    hidden = protect(values, lines, 3)
    # row 1 hides 6, column 1 hides 5, then row 2 (5 alone) hides 8: the four inner cells, no total
    assert hidden == {"11": PRIMARY, "12": SECONDARY, "21": SECONDARY, "22": SECONDARY}
    assert _determined(sorted(hidden), lines, set()) == []


def test_lines_taken_together_as_equations():
    # a + b = 6, b + c = 11, a + c = 7: each line alone allows two values, together a = 1
    values = {"a": 1, "b": 5, "c": 6, "T1": 6, "T2": 11, "T3": 7}
    lines = [(("a", "b"), "T1"), (("b", "c"), "T2"), (("a", "c"), "T3")]
    assert _determined(["a", "b", "c"], lines, set()) == ["a", "b", "c"]
    hidden = protect(values, lines, 3)
    assert hidden == {"a": PRIMARY, "b": SECONDARY, "c": SECONDARY, "T1": SECONDARY}
    assert _determined(sorted(hidden), lines, set()) == []


def test_a_known_total_is_never_hidden_and_a_line_that_cannot_be_saved_is_hidden_whole():
    # parent letters: 7 on time, 0 late, 1 not done, 8 due (a reader knows the 8 from the placements started)
    values = {"on": 7, "late": 0, "not": 1, "due": 8}
    assert protect(values, [(("on", "late", "not"), "due")], 3, known={"due"}) == {"not": PRIMARY, "on": SECONDARY}
    # one obligation due, not done: the total gives it away whatever is hidden, so every cell is 'hidden'
    values = {"on": 0, "late": 0, "not": 1, "due": 1}
    assert protect(values, [(("on", "late", "not"), "due")], 3, known={"due"}) == {
        "on": BLANKET, "late": BLANKET, "not": BLANKET, "due": PRIMARY}


def test_suppression_off_and_the_shown_values():
    values = {"a": 1, "b": 5, "T": 6}
    assert protect(values, [(("a", "b"), "T")], 0) == {}
    assert off_warning(0).startswith("[governors] suppress_below = 0 in school.toml")
    assert off_warning(3) is None
    ledger = Ledger()
    for k, v in values.items():
        ledger.count(k, v)
    ledger.line(["a", "b"], "T")
    pr = protect_ledger(ledger, 3)
    assert [pr.show(k) for k in ("a", "b", "T")] == ["<3", HIDDEN, 6]
    assert [protect_ledger(ledger, 0).show(k) for k in ("a", "b", "T")] == [1, 5, 6]
    assert "shown as \u201c<3\u201d" in privacy_text(3) and "<" not in privacy_text(0)


def test_attendance_groups_hide_a_second_row_when_the_total_would_give_one_away():
    sizes = {"p1": 2, "p2": 4, "p3": 6, "all": 12}
    assert protect(sizes, [(("p1", "p2", "p3"), "all")], 3, bounded=False) == {"p1": PRIMARY, "p2": SECONDARY}
    # two hidden rows: safe, whatever their sizes (their sessions are not bounded)
    sizes = {"p1": 2, "p2": 1, "p3": 6, "all": 9}
    assert protect(sizes, [(("p1", "p2", "p3"), "all")], 3, bounded=False) == {"p1": PRIMARY, "p2": PRIMARY}


# --- the attack on a whole pack ------------------------------------------------------------------

PLANTED = "Isla Fairweather (UPN A123456789012) back in Year 2"
NAMES = ("Isla", "Fairweather", "Zebedee", "Quimby", "Ottoline", "A123456789012")
AS_OF = D(2026, 9, 25)
W1, W2, W3 = D(2026, 9, 7), D(2026, 9, 14), D(2026, 9, 21)


def _p(n, provider_id, **over):
    return placement(f"P{n:03d}", provider_id, D(2026, 9, 7), UPN=make_upn(f"8012000061{n:02d}"), Cost_per_day=50.0,
                     Forename="Zebedee" if n % 2 else "Ottoline", Surname="Quimby", **over)


def infant_school(folder):
    """Six placements at three providers: 3, 2 and 1 pupils; one looked after, one EHC plan, one ended with a
    name typed in its Destination, one incident whose summary names a pupil."""
    placements = [
        _p(1, "PRV1"), _p(2, "PRV1"), _p(3, "PRV1", SEND="Y"),
        _p(4, "PRV2", Reason="Illness or medical need", Arranged_by="Local authority", EHC_plan="Y", SEND="Y"),
        _p(5, "PRV2", Reason="Personalised curriculum", Looked_after="Y", Parent_letter_sent=None),
        _p(6, "PRV3", Reason="Personalised curriculum", Actual_end_date=D(2026, 9, 18), Destination=PLANTED,
           Destination_type="Returned to this school full-time", Objectives="Help Isla Fairweather settle",
           Reintegration_plan_agreed=D(2026, 9, 17)),
    ]
    write_school(folder, placements, [provider("PRV1", Name="Alpha"), provider("PRV2", Name="Beta"),
                                      provider("PRV3", Name="Gamma")], toml=SCHOOL_TOML)
    full = ["B"] * 10
    for monday in (W1, W2, W3):
        write_return(folder / "returns" / f"prv1_{monday}.xlsx", "PRV1", monday,
                     [("P001", full), ("P002", full), ("P003", ["B"] * 8 + ["N", "N"])])
        write_return(folder / "returns" / f"prv2_{monday}.xlsx", "PRV2", monday, [("P004", full), ("P005", full)],
                     incidents=[{"Date": W1 + dt.timedelta(days=1), "Placement ID": "P004",
                                 "Category": "Serious behaviour", "Reported to DSL": W1,
                                 "Summary": "Isla Fairweather threw a chair"}] if monday == W1 else None)
    write_return(folder / "returns" / "prv3.xlsx", "PRV3", W1, [("P006", full)])
    write_return(folder / "returns" / "prv3b.xlsx", "PRV3", W2, [("P006", ["B"] * 10)])
    return folder


@pytest.fixture(scope="module")
def pack_files(tmp_path_factory):
    school = infant_school(tmp_path_factory.mktemp("infant"))
    out = tmp_path_factory.mktemp("out")
    xlsx, html = run_governor_pack(school, "Autumn 2026", as_of=AS_OF, out_dir=out)
    return xlsx, html


def xlsx_tables(path) -> dict[str, list[list]]:
    """Every Excel table of the workbook: title -> rows (header first), values as openpyxl reads them."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for name, ref in ws.tables.items():
            cells = ws[ref]
            title = ws.cell(cells[0][0].row - 1, 1).value
            out[title] = [[c.value for c in row] for row in cells]
    return out


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.cell, self.title, self.in_h3 = {}, None, None, False

    def handle_starttag(self, tag, attrs):
        if tag == "h3":
            self.in_h3, self.title = True, ""
        elif tag == "table":
            self.tables[self.title] = []
        elif tag == "tr":
            self.tables[self.title].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "h3":
            self.in_h3 = False
        elif tag in ("td", "th") and self.cell is not None:
            self.tables[self.title][-1].append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.in_h3:
            self.title += data
        elif self.cell is not None:
            self.cell += data


def html_tables(path) -> dict[str, list[list]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return {t: rows for t, rows in parser.tables.items() if rows}


def number(value):
    """A cell as a whole number when it reads as one ('4', 4, '£1,200' is not a count), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    text = str(value or "").strip()
    return int(text) if re.fullmatch(r"\d+", text) else None


def lines_of(rows: list[list]) -> list[tuple[list, object]]:
    """(parts, total) for each column down to a 'Total' row and each row across to a 'Total' column."""
    header, body = rows[0], rows[1:]
    out = []
    total_rows = [r for r in body if str(r[0]).strip() == "Total"]
    parts_rows = [r for r in body if str(r[0]).strip() != "Total"]
    for t in total_rows:
        for c in range(1, len(header)):
            out.append(([r[c] for r in parts_rows], t[c]))
    if "Total" in header:
        c = header.index("Total")
        for r in body:
            out.append(([r[i] for i in range(2, c)], r[c]))
    return out


COUNT_TABLES = ("Placements this term", "Placements by reason", "Placements by provider",
                "Placements by who arranged them", "Placements of pupils with SEND, an EHC plan or looked after",
                "Incidents by category", "Incidents by provider", "Ended placements",
                "Destinations of ended placements", "Placements below target")


def attack(tables: dict[str, list[list]]) -> list[str]:
    """Each '<3' cell recovered by subtracting the numbers of its line from its total, or pinned down because
    the hidden cells of the line can only be all 1s or all 2s."""
    found = []
    for title, rows in tables.items():
        for parts, total in lines_of(rows):
            t = number(total)
            if t is None:
                continue
            hidden = [p for p in parts if number(p) is None]
            rest = t - sum(number(p) for p in parts if number(p) is not None)
            small = [p for p in hidden if str(p).strip() == "<3"]
            if len(hidden) == 1 and small:
                found.append(f"{title}: a <3 is {rest}")
            elif small and len(small) == len(hidden) and rest in (len(small), 2 * len(small)):
                found.append(f"{title}: {len(small)} cells of <3 add up to {rest}")
    return found


def test_no_small_count_can_be_recovered_from_the_workbook_or_the_page(pack_files):
    xlsx, html = pack_files
    for tables in (xlsx_tables(xlsx), html_tables(html)):
        assert set(COUNT_TABLES) <= set(tables)
        assert attack(tables) == []
        # the attack has something to work on: small counts are there, hidden as '<3'
        assert sum(str(v) == "<3" for rows in tables.values() for r in rows for v in r) >= 10


def test_no_count_of_pupils_or_placements_shows_1_or_2(pack_files):
    xlsx, html = pack_files
    for tables in (xlsx_tables(xlsx), html_tables(html)):
        for title in COUNT_TABLES:
            for row in tables[title][1:]:
                if str(row[0]) == "Providers used":
                    continue                                   # providers are not pupils
                assert not [v for v in row[1:] if number(v) in (1, 2)], (title, row)
        compliance = next(rows for t, rows in tables.items() if t.startswith("Compliance by rule"))
        counts = [v for r in compliance[1:] for v in r[4:9]]
        assert not [v for v in counts if number(v) in (1, 2)]
        # cost: Beta's and Gamma's sessions would give their number of placements away: suppressed
        cost = tables["Cost by provider"]
        assert [[str(v).replace("£", "").replace(",", "") for v in r[2:5]] for r in cost[1:]] == [
            ["3", "90", "2250"], ["<3", "suppressed", "suppressed"], ["<3", "suppressed", "suppressed"],
            ["6", "170", "4250"]]


def test_attendance_of_fewer_than_3_pupils_is_suppressed_with_the_row_that_gives_it_away(pack_files):
    xlsx, html = pack_files
    rows = xlsx_tables(xlsx)["Attendance by provider"]
    # Alpha has 3 pupils, Beta 2, Gamma 1: Beta and Gamma are suppressed; two hidden rows with the total shown
    # Alpha: 3 pupils x 3 weeks x 10 = 90 possible, P003 absent (N) on 3 Friday afternoons and mornings: 84
    # all: + Beta 2 x 30 + Gamma 2 weeks x 10 = 170 possible, 164 attended = 96.5%
    assert [r[0] for r in rows[1:]] == ["PRV1", "PRV2", "PRV3", "Total"]
    assert rows[1][2:] == [90, 84, 0, 6, 0, 93.3]
    assert rows[2][2:] == ["suppressed"] * 5 + ["suppressed (fewer than 3 pupils)"]
    assert rows[3][2:] == ["suppressed"] * 5 + ["suppressed (fewer than 3 pupils)"]
    assert rows[4][2:] == [170, 164, 0, 6, 0, 96.5]
    wb = openpyxl.load_workbook(xlsx)
    data = [[c.value for c in r] for r in wb["Chart data"].iter_rows()]
    assert ["Beta", None, 96] in data and ["Gamma", None, 96] in data and ["Alpha", 93.3, 96] in data
    page = html.read_text(encoding="utf-8")
    assert "Beta suppressed" in page                          # the chart's description, no figure


def test_no_free_text_from_the_registers_reaches_the_pack(pack_files):
    xlsx, html = pack_files
    texts = [str(v) for rows in xlsx_tables(xlsx).values() for r in rows for v in r]
    wb = openpyxl.load_workbook(xlsx)
    texts += [str(c.value) for ws in wb.worksheets for r in ws.iter_rows() for c in r if c.value is not None]
    page = html.read_text(encoding="utf-8")
    for name in NAMES:
        assert not [t for t in texts if name in t], name
        assert name not in page, name
    assert "back in Year 2" not in page and not [t for t in texts if "back in Year 2" in t]
    # the destination is counted by its type
    dest = xlsx_tables(xlsx)["Destinations of ended placements"]
    assert dest[1] == ["Returned to this school full-time", "<3"]
    assert dest[-2:] == [["Not recorded", 0], ["Total", "<3"]]
