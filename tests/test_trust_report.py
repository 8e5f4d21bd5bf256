"""The trust report (contract §16, §13): trust_report.xlsx, trust_report.html and trust_summary.json from
SchoolDigests made by tests/trust_factories.py; values read back from the files themselves (openpyxl, json)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest

from pipeline.trust.report import write_trust_report
from tests.trust_factories import digest, not_run, ran, state, trust, use

MADE = dt.datetime(2026, 11, 30, 7, 15)
NAMES = ("trust_report.xlsx", "trust_report.html", "trust_summary.json")


def write(tmp_path: Path, facts) -> dict:
    paths = write_trust_report(facts, tmp_path / "out", made=MADE)
    assert [p.name for p in paths] == list(NAMES)
    return json.loads(paths[2].read_text("utf-8"))


def sheet_rows(path: Path, sheet: str) -> list[list]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def table_rows(path: Path, sheet: str, first_header: str, second: str) -> list[list]:
    """The rows of the table whose header row starts with `first_header`, `second` on sheet `sheet`."""
    rows = sheet_rows(path, sheet)
    start = next(i for i, r in enumerate(rows) if r[:2] == [first_header, second])
    out = []
    for r in rows[start + 1:]:
        if r[0] is None or all(v is None for v in r[1:]):      # a blank row, or the table's note
            break
        out.append(r)
    return out


def provider(data: dict, pid: str) -> dict:
    return next(p for p in data["providers"] if p["provider_id"] == pid)


# --- the registration alert across the trust ------------------------------------------------------------

def test_alert_fires_for_five_full_time_pupils_over_two_schools_and_not_for_four(tmp_path):
    facts = trust(ran(digest("ashdown", providers=(use("P5", 3, 3), use("P4", 3, 2)))),
                  ran(digest("brookfield", providers=(use("P5", 3, 2), use("P4", 3, 2)))))
    data = write(tmp_path, facts)
    assert provider(data, "P5")["registration_alert"] == "Alert"
    assert provider(data, "P5")["full_time_pupils"] == 5
    assert provider(data, "P5")["schools_using_it"] == 2
    assert provider(data, "P4")["registration_alert"] == "No"
    assert provider(data, "P4")["full_time_pupils"] == 4
    assert [p["provider_id"] for p in data["providers"]] == ["P5", "P4"]          # alerted first
    xlsx = table_rows(tmp_path / "out" / NAMES[0], "Providers", "Provider ID", "Provider")
    assert [(r[0], r[2], r[4]) for r in xlsx] == [("P5", "Alert", 5), ("P4", "No", 4), ("Total", None, 9)]


def test_alert_fires_for_one_full_time_pupil_with_an_ehc_plan_and_shows_though_its_counts_are_suppressed(tmp_path):
    facts = trust(ran(digest("ashdown", providers=(use("P1", 1, 1, 1), use("P2", 6, 0)))),
                  ran(digest("brookfield", providers=(use("P2", 5, 0),))))
    data = write(tmp_path, facts)
    p1 = provider(data, "P1")
    assert (p1["registration_alert"], p1["pupils"], p1["full_time_pupils"],
            p1["full_time_with_ehc_plan_or_looked_after"]) == ("Alert", "<3", "<3", "<3")
    assert data["providers"][0]["provider_id"] == "P1"
    assert "Provider P1: it educates full time" in data["summary"]


def test_a_registered_provider_has_no_alert_unless_a_school_says_otherwise(tmp_path):
    facts = trust(ran(digest("ashdown", providers=(use("P1", 3, 3),), states=(state("P1", registered="Y"),))),
                  ran(digest("brookfield", providers=(use("P1", 3, 3),),
                             states=(state("P1", registered="N", overall="red", text="Red: Registered is N"),))),
                  ran(digest("carlton", providers=(use("P2", 6, 6),), states=(state("P2", registered="Y"),))))
    data = write(tmp_path, facts)
    p1, p2 = provider(data, "P1"), provider(data, "P2")
    assert (p1["registration_alert"], p1["registered"], p1["checks"]) == ("Alert", "N at Brookfield; Y at Ashdown", "Red")
    assert p1["state_of_its_checks"] == ("Red: Registered is N. The schools' registers disagree: Ashdown Green; "
                                         "Brookfield Red")
    assert (p2["registration_alert"], p2["registered"]) == ("No", "Y")


# --- the schools, worst first -------------------------------------------------------------------------------

def three_schools(**kw):
    return trust(
        ran(digest("ashdown", pupils=12, below_target=4, actions={"review-due": (3, 4, 0)}, year=(850, 1000),
                   target=90, budget="20000", providers=(use("P1", 6, cost="5000.50"),))),
        ran(digest("brookfield", pupils=20, below_target=5, actions={"review-due": (6, 3, 0), "provider-checks": (3, 0, 0)},
                   year=(950, 1000), target=92, providers=(use("P1", 10, cost="1200"),))),
        not_run("hilltop", "school.toml is missing: run ap-weekly --init in the folder."),
        ran(digest("carlton", pupils=15, below_target=3, actions={"review-due": (3, 5, 0)}, year=(800, 1000),
                   target=95, errors=4, providers=(use("P2", 15, cost="300"),))), **kw)


def test_a_school_that_could_not_be_run_is_first_with_its_reason_then_most_overdue_then_lowest_against_target(tmp_path):
    data = write(tmp_path, three_schools())
    assert [s["folder"] for s in data["schools"]] == ["hilltop", "brookfield", "carlton", "ashdown"]
    first = data["schools"][0]
    assert first["run_status"] == "Could not be run: school.toml is missing: run ap-weekly --init in the folder."
    assert first["run"] == {"status": "not_run", "exit_code": None,
                            "reason": "school.toml is missing: run ap-weekly --init in the folder."}
    # carlton and ashdown both have 3 overdue: carlton is 15 points under its target, ashdown 5
    brook = data["schools"][1]
    assert (brook["pupils_in_provision"], brook["attendance_this_year_percent"], brook["target_percent"],
            brook["overdue_actions"], brook["due_actions"], brook["run"]["status"]) == (20, 95.0, 92.0, 9, 3, "clean")
    assert data["schools"][2]["run_status"] == "Errors in its workbooks"
    assert data["schools_total"]["pupils_in_provision"] == 47
    assert data["schools_total"]["overdue_actions"] == 15
    assert (data["week"], data["version"], data["made"]) == ("2026-11-23", 1, "2026-11-30T07:15:00")
    assert all(s["week_beginning"] == "2026-11-23" for s in data["schools"][1:])
    xlsx = table_rows(tmp_path / "out" / NAMES[0], "Schools", "School", "Run status")
    assert [r[-1] for r in xlsx] == ["hilltop", "brookfield", "carlton", "ashdown", None]
    # what it is sorted by first: status, overdue, attendance this year against target
    assert xlsx[1][1:9] == ["Ran clean", 9, 95.0, 92.0, 20, 5, 90.0, 3]
    rules = {r["rule"]: r for r in data["actions_by_rule"]}
    assert (rules["review-due"]["overdue"], rules["review-due"]["due"], rules["review-due"]["schools_with_any"]) == (12, 12, 3)


def test_cost_per_provider_and_per_school_against_its_budget(tmp_path):
    data = write(tmp_path, three_schools())
    assert [(c["provider_id"], c["cost_this_year_gbp"]) for c in data["cost_by_provider"]] == [("P1", 6200.5), ("P2", 300.0)]
    by_school = {c["school"]: c for c in data["cost_by_school"]}
    assert by_school["Ashdown"] == {"school": "Ashdown", "spent_this_year_gbp": 5000.5, "ap_budget_gbp": 20000.0,
                                    "remaining_gbp": 14999.5, "budget_used_percent": 25.0}
    assert by_school["Brookfield"]["ap_budget_gbp"] == "no budget set"
    assert [c["school"] for c in data["cost_by_school"]] == ["Ashdown", "Brookfield", "Carlton"]
    xlsx = table_rows(tmp_path / "out" / NAMES[0], "Cost", "School", "Spent this year (£)")
    assert xlsx[0] == ["Ashdown", 5000.5, 20000, 14999.5, 25.0]


def test_a_cost_of_fewer_placements_than_the_limit_is_suppressed_with_a_partner_the_total_would_give_away(tmp_path):
    """P3's £450 is one placement: suppressed; the total is shown, so the next smallest cost (P2's) is hidden too.
    Brookfield's spending is that one placement: suppressed in the schools' table, and Carlton's with it."""
    facts = trust(ran(digest("ashdown", budget="10000", providers=(use("P1", 6, cost="6000"),))),
                  ran(digest("brookfield", pupils=1, budget="5000", providers=(use("P3", 1, cost="450"),))),
                  ran(digest("carlton", pupils=4, budget="8000", providers=(use("P2", 4, cost="2000"),))))
    data = write(tmp_path, facts)
    assert [(c["provider_id"], c["cost_this_year_gbp"]) for c in data["cost_by_provider"]] == [
        ("P1", 6000.0), ("P2", "hidden"), ("P3", "suppressed")]
    assert data["cost_by_provider_total"]["cost_this_year_gbp"] == 8450.0
    total = data["cost_by_school_total"]
    assert (total["spent_this_year_gbp"], total["ap_budget_gbp"], total["remaining_gbp"]) == (8450.0, 23000.0, 14550.0)
    assert [(c["school"], c["spent_this_year_gbp"], c["ap_budget_gbp"], c["remaining_gbp"], c["budget_used_percent"])
            for c in data["cost_by_school"]] == [
        ("Ashdown", 6000.0, 10000.0, 4000.0, 60.0), ("Brookfield", "suppressed", 5000.0, "suppressed",
                                                    "suppressed (fewer than 3 pupils)"),
        ("Carlton", "hidden", 8000.0, "hidden", "hidden")]
    xlsx = table_rows(tmp_path / "out" / NAMES[0], "Cost", "Provider ID", "Provider")
    assert [(r[0], r[3]) for r in xlsx] == [("P1", 6000), ("P2", "hidden"), ("P3", "suppressed"), ("Total", 8450)]


# --- suppression ---------------------------------------------------------------------------------------------

def small_trust(limit=3):
    return trust(
        ran(digest("ashdown", pupils=12, below_target=2, actions={"review-due": (4, 2, 0), "provider-checks": (1, 0, 0)},
                   errors=2, providers=(use("P1", 4, 3, 0, "5000"), use("P2", 5, 2, 0, "1200", cost_unknown=1)))),
        ran(digest("brookfield", pupils=2, missing_returns=1, actions={"review-due": (2, 1, 1)},
                   providers=(use("P1", 2, 2, 0, "300"), use("P3", 2, 1, 1, "100")))),
        ran(digest("carlton", pupils=7, below_target=1, actions={"review-due": (5, 0, 0)},
                   providers=(use("P2", 7, 0, 0, "900"),))),
        not_run("hilltop", "the folder hilltop does not exist."),
        suppress_below=limit)


COUNT_KEYS = {"pupils_in_provision", "pupils_below_target", "overdue_actions", "due_actions", "alerts",
              "missing_returns", "error_findings", "overdue", "due", "pupils", "full_time_pupils",
              "full_time_with_ehc_plan_or_looked_after", "placements_with_no_cost_per_day"}


def numbers_in(value):
    if isinstance(value, dict):
        for k, v in value.items():
            if k in COUNT_KEYS and isinstance(v, int) and not isinstance(v, bool):
                yield k, v
            yield from numbers_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers_in(v)


def lines_of(data: dict) -> list[tuple[list, object]]:
    """Every (parts, total) a reader can add up from the json."""
    out = []
    for table, key in (("schools", k) for k in ("pupils_in_provision", "pupils_below_target", "overdue_actions",
                                                "due_actions", "alerts", "missing_returns", "error_findings")):
        rows = [r for r in data["schools"] if r["run"]["status"] != "not_run"]
        out.append(([r[key] for r in rows], data["schools_total"][key]))
    for st, school_key in (("overdue", "overdue_actions"), ("due", "due_actions"), ("alerts", "alerts")):
        for s in data["schools"]:
            parts = [a[st] for a in data["actions"] if a["school"] == s["school"]]
            if parts:
                out.append((parts, s[school_key]))
        out.append(([r[st] for r in data["actions_by_rule"]], data["actions_by_rule_total"][st]))
        for r in data["actions_by_rule"]:
            out.append(([a[st] for a in data["actions"] if a["rule"] == r["rule"]], r[st]))
    for key in ("pupils", "full_time_pupils", "full_time_with_ehc_plan_or_looked_after"):
        out.append(([p[key] for p in data["providers"]], data["providers_total"][key]))
    out.append(([p["placements_with_no_cost_per_day"] for p in data["cost_by_provider"]],
                data["cost_by_provider_total"]["placements_with_no_cost_per_day"]))
    return out


def derivable(parts: list, total, limit: int) -> list:
    """Hidden cells of one line whose value a reader can work out: the others' ranges leave it one value."""
    def rng(v):
        if isinstance(v, int):
            return (v, v)
        if str(v).startswith("<"):
            return (1, limit - 1)
        return (0, 10 ** 9)
    cells = list(parts) + [total]
    found = []
    for i, v in enumerate(cells):
        if isinstance(v, int):
            continue
        others = [rng(c) for j, c in enumerate(cells) if j != i]
        lo_i, hi_i = rng(v)
        if i < len(parts):              # a part: total - the other parts
            t = others[-1]
            rest = others[:-1]
            lo, hi = t[0] - sum(h for _, h in rest), t[1] - sum(lo_ for lo_, _ in rest)
        else:                           # the total: the sum of the parts
            lo, hi = sum(l for l, _ in others), sum(h for _, h in others)
        if min(hi, hi_i) - max(lo, lo_i) < 1:
            found.append((i, v))
    return found


@pytest.mark.parametrize("limit", [3, 5])
def test_no_count_from_1_to_limit_less_1_in_any_file_and_none_can_be_worked_out_by_subtraction(tmp_path, limit):
    data = write(tmp_path, small_trust(limit))
    assert data["suppress_below"] == limit
    assert [(k, v) for k, v in numbers_in(data) if 0 < v < limit] == []
    for parts, total in lines_of(data):
        assert derivable(parts, total, limit) == [], (parts, total)
    small = [r for r in data["schools"] if r["folder"] == "brookfield"][0]
    assert small["pupils_in_provision"] == f"<{limit}"
    assert small["attendance_this_year_percent"] == f"suppressed (fewer than {limit} pupils)"
    assert small["target_percent"] == 90.0                  # the target is not about its pupils
    # the workbook: no number from 1 to limit-1 in a count column of any sheet
    wb = openpyxl.load_workbook(tmp_path / "out" / NAMES[0], data_only=True)
    count_headers = {"Pupils in provision", "Pupils below target", "Overdue actions", "Due actions", "Alerts",
                     "Missing returns", "Error findings", "Overdue", "Due", "Pupils", "Full-time pupils",
                     "Full time with EHC plan or looked after", "Placements with no cost per day"}
    for ws in wb.worksheets:
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        header = []
        for r in rows:
            if r and r[0] in ("School", "Provider ID", "Rule"):
                header = r
                continue
            for h, v in zip(header, r):
                if h in count_headers and isinstance(v, (int, float)):
                    assert not 0 < v < limit, (ws.title, h, r)
    # the page: every '<N' of the json is there, and no table cell of a count column is 1..limit-1
    page = (tmp_path / "out" / NAMES[1]).read_text("utf-8")
    cells = re.findall(r'<td data-label="([^"]+)"[^>]*>([^<]*)</td>', page)
    assert cells
    assert [(h, v) for h, v in cells if h in count_headers and v.isdigit() and 0 < int(v) < limit] == []
    assert f"&lt;{limit}" in page


def test_suppress_below_0_shows_every_number(tmp_path):
    data = write(tmp_path, small_trust(0))
    small = [r for r in data["schools"] if r["folder"] == "brookfield"][0]
    assert (small["pupils_in_provision"], small["missing_returns"], small["attendance_this_year_percent"]) == (2, 1, 90.0)
    assert provider(data, "P3")["full_time_with_ehc_plan_or_looked_after"] == 1
    assert all(not isinstance(v, str) for _, v in numbers_in(data))
    assert "<" not in json.dumps([data["schools"], data["providers"], data["actions"]])


def test_names_no_pupil_and_copies_no_message(tmp_path):
    write(tmp_path, small_trust())
    for name in NAMES:
        path = tmp_path / "out" / name
        text = path.read_text("utf-8", errors="ignore") if name != NAMES[0] else " ".join(
            str(v) for ws in openpyxl.load_workbook(path).worksheets for r in ws.iter_rows(values_only=True)
            for v in r if v is not None)
        assert "UPN" not in text and "Placement ID" not in text, name


def test_header_names_the_trust_week_and_privacy(tmp_path):
    write(tmp_path, small_trust())
    rows = sheet_rows(tmp_path / "out" / NAMES[0], "Summary")
    assert rows[0][0] == "Alternative provision across the trust"
    facts = {r[0]: r[1] for r in rows[2:8] if r[0]}
    assert facts["Trust"] == "Riverside Learning Trust"
    assert facts["Week beginning"] == "Monday 23 Nov 2026"
    assert facts["Made"] == "Monday 30 Nov 2026 at 07:15"
    assert facts["Privacy"].startswith("No pupil is named in this report")
    page = (tmp_path / "out" / NAMES[1]).read_text("utf-8")
    assert "<h1>Alternative provision across the trust</h1>" in page
    assert "<title>Riverside Learning Trust: alternative provision across the trust, week beginning 23/11/2026" in page
    assert "Governor" not in page and "governor" not in page


def test_rerun_is_byte_identical(tmp_path):
    write_trust_report(small_trust(), tmp_path / "a", made=MADE)
    write_trust_report(small_trust(), tmp_path / "b", made=MADE)
    for name in NAMES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


# --- in real clients (marked like tests/test_browser.py and test_libreoffice.py) ------------------------------

@pytest.mark.browser
def test_the_page_in_chromium_has_no_error_or_request_and_fits_a_phone(tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARTIFACTS, LAUNCH_ARGS, open_page
    from tests.conftest import CHROMIUM

    write(tmp_path, small_trust())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        try:
            for width in (1280, 375):
                opened = open_page(browser, tmp_path / "out" / NAMES[1], width)
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                opened.page.screenshot(path=str(ARTIFACTS / f"trust_report-{width}px.png"), full_page=True)
                assert opened.errors == [] and opened.requests == []
                assert opened.page.evaluate("document.documentElement.scrollWidth") <= width
                assert opened.page.inner_text("h1") == "Alternative provision across the trust"
                opened.context.close()
        finally:
            browser.close()


@pytest.mark.office
def test_the_workbook_converts_in_libreoffice_with_its_figures(tmp_path):
    from tests.test_libreoffice import Office

    write(tmp_path, small_trust())
    office = Office(tmp_path / "profile")
    done = office.convert(tmp_path / "out" / NAMES[0], "pdf", tmp_path / "pdf")
    assert done.returncode == 0, done.stderr
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "pdf" / "trust_report.pdf").pages)
    assert "Alternative provision across the trust" in text
    assert "Riverside Learning Trust" in text
    assert "Could not be run: the folder hilltop does not exist." in text


# --- from a real trust run ---------------------------------------------------------------------------------------

def test_a_real_trust_run_writes_the_report_with_the_alert_of_three_and_two_pupils_over_two_schools(tmp_path):
    """tests/test_trust_run.py's trust: brookfield (3 full-time pupils at PRV7) and cedars (2), PRV7 Registered N
    in the trust's register; northgate listed but missing; the demo school with its own register."""
    from pipeline.cli import main
    from tests.test_trust_run import TODAY, WEEK, make_trust

    trust_dir = make_trust(tmp_path)
    out = tmp_path / "reports"
    assert main(["--trust", str(trust_dir), "--week", WEEK, "--out", str(out), "--jobs", "1"], today=TODAY) == 1
    data = json.loads((out / WEEK / NAMES[2]).read_text("utf-8"))
    assert sorted(p.name for p in (out / WEEK).iterdir() if p.is_file()) == sorted(NAMES)
    first = data["schools"][0]
    assert (first["folder"], first["run"]["status"]) == ("northgate", "not_run")
    assert first["run_status"].startswith("Could not be run: ")
    prv7 = provider(data, "PRV7")
    assert (prv7["registration_alert"], prv7["schools_using_it"], prv7["pupils"], prv7["registered"]) == ("Alert", 2, 5, "N")
    assert data["providers"][0]["provider_id"] == "PRV7"
    assert [(k, v) for k, v in numbers_in(data) if 0 < v < 3] == []
    for parts, total in lines_of(data):
        assert derivable(parts, total, 3) == [], (parts, total)
    # the demo school's pupils, placements and UPNs are in no file
    placements = openpyxl.load_workbook(trust_dir / "hilltop-infants" / "placements.xlsx", read_only=True)["Placements"]
    rows = list(placements.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and "UPN" in r)
    pupils = [r for r in rows[header + 1:] if r[0]]
    assert len(pupils) >= 8
    texts = [(out / WEEK / NAMES[1]).read_text("utf-8"), (out / WEEK / NAMES[2]).read_text("utf-8"),
             " ".join(str(v) for ws in openpyxl.load_workbook(out / WEEK / NAMES[0]).worksheets
                      for r in ws.iter_rows(values_only=True) for v in r if v is not None)]
    for text in texts:
        assert re.findall(r"\b[A-Z]\d{12}\b", text) == []
        for placement_id, upn, forename, surname, *_ in pupils:
            assert upn not in text and f"{forename} {surname}" not in text and surname not in text
            assert re.search(rf"\b{placement_id}\b", text) is None, placement_id
