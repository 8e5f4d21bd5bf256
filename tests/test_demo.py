"""The bundled demo school (examples/demo_school): committed files match the seeded generator."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.core import compute_facts
from pipeline.render.wording import safeguarding_first
from tests.generated_files import assert_committed_is_generated, assert_generated_again
from tools import demo

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "examples" / "demo_school"
REGENERATE = "the demo school is out of date: run `python -m tools.demo` and commit examples/demo_school"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    demo.generate(folder)
    return folder


def test_committed_demo_matches_the_generator(generated):
    assert_committed_is_generated(COMMITTED, generated, REGENERATE)


def test_generating_twice_gives_identical_bytes(generated, tmp_path):
    assert_generated_again(demo.generate(tmp_path), tmp_path, generated)


def test_the_weekly_run_finds_exactly_the_documented_problems(generated):
    summary = compute_facts(generated, week=dt.date(2026, 11, 23)).summary
    found = [(f["file"], f["sheet"], f["cell"], f["rule"], f["severity"]) for f in summary["findings"]]
    assert found == [
        ("returns/PRV1/Riverside w-c 2026-11-23.xlsx", "Attendance", "M6", "blank-session", "error"),
        ("returns/PRV3/Nurture Hub attendance 2 Nov 2026.xlsx", "Attendance", "J7", "legacy-code", "warning"),
    ]
    assert summary["missing_returns"] == [{"provider_id": "PRV2", "week_commencing": "2026-11-16"}]
    assert [p["placement_id"] for p in summary["pupils"]] == ["P001", "P002", "P003", "P004", "P005", "P006", "P007", "P010"]
    assert [p["placement_id"] for p in summary["pupils"] if p["below_target"] or p["persistent_absence"]] == ["P004"]


# The eight owner roles of contract §10: the demo's reporting week has at least one action for each.
EIGHT_OWNERS = {"Headteacher", "AP lead", "DSL", "SENCO", "Attendance lead", "Assessment lead", "Governing board",
                "Local authority"}


def readme_actions(readme: str) -> tuple[list[tuple], list[str]]:
    """The README's table of actions (rule, owner, key, status, due as ISO) and its 'Rules that fire' list."""
    section = readme.split("## Actions for `--week 2026-11-23`", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 6 and cells[0].startswith("`"):
            due = dt.datetime.strptime(cells[4], "%d/%m/%Y").date().isoformat() if cells[4] else None
            rows.append((cells[0].strip("`"), cells[1], cells[2], cells[3], due))
    listed = section.split("Rules that fire:", 1)[1].split("\n", 1)[0]
    return rows, [r.strip(" `.") for r in listed.split(",")]


def test_the_weekly_run_has_an_action_for_every_owner(generated):
    # Governing board: reintegration (P007); Local authority: sixth-day for the permanent exclusion from
    # Tue 17/11/2026, whose school days are 17, 18, 19, 20, 23, 24/11 -> due Tue 24/11, before as-of 27/11.
    summary = compute_facts(generated, week=dt.date(2026, 11, 23)).summary
    assert {a["owner"] for a in summary["actions"]} >= EIGHT_OWNERS
    [la] = [a for a in summary["actions"] if a["owner"] == "Local authority"]
    assert (la["rule"], la["due"], la["status"], la["placement_id"]) == ("sixth-day", "2026-11-24", "overdue", None)
    assert la["upn"] not in {p["UPN"] for p in demo.PLACEMENTS}
    [fr] = [a for a in summary["actions"] if a["rule"] == "formal-reviews"]
    assert (fr["owner"], fr["placement_id"], fr["status"]) == ("Headteacher", "P004", "alert")


def test_the_actions_are_exactly_those_the_readme_lists(generated):
    summary = compute_facts(generated, week=dt.date(2026, 11, 23)).summary
    rows, listed = readme_actions((COMMITTED / "README.md").read_text(encoding="utf-8"))
    actual = [(a["rule"], a["owner"], a["placement_id"] or a["provider_id"] or a["upn"], a["status"], a["due"])
              for a in summary["actions"]]
    assert sorted(listed) == sorted({a[0] for a in actual}) and len(listed) == len(set(listed))
    assert rows == actual


def test_the_register_export_has_exactly_the_two_documented_disagreements(generated):
    # register/mis_export.csv: P002 Fri 27/11 PM school B, return blank (safeguarding risk); P006 Thu 26/11 AM
    # school N, return B. Every other session of the week agrees, and the export adds no finding.
    result = compute_facts(generated, week=dt.date(2026, 11, 23))
    alerts = [a for a in result.summary["actions"] if a["rule"] == "register-mismatch"]
    assert [(a["placement_id"], a["provider_id"], a["owner"], a["status"]) for a in alerts] == [
        ("P002", "PRV1", "Attendance lead", "alert"), ("P006", "PRV3", "Attendance lead", "alert")]
    assert alerts[0]["message"].startswith("Safeguarding risk:")
    assert "Safeguarding" not in alerts[1]["message"]
    assert [(r["risk"], r["placement_id"], r["date"], r["session"]) for r in safeguarding_first(result)] == [
        ("Safeguarding risk", "P002", demo.REGISTER_SAFEGUARDING[1], "PM"),
        ("Disagreement", "P006", demo.REGISTER_DISAGREEMENT[1], "AM")]
    assert result.register_files == [demo.REGISTER_EXPORT]
    assert not [f for f in result.summary["findings"] if f["file"].startswith("register/")]


def test_p008_has_every_fact_its_parents_letter_needs():
    p008 = next(p for p in demo.PLACEMENTS if p["Placement ID"] == "P008")
    for fact in ("Start time", "Hours per day", "Provider contact", "Planned end date", "Objectives"):
        assert p008.get(fact), fact
    assert not p008.get("Parent letter sent")
    assert next(p for p in demo.PROVIDERS if p["Provider ID"] == p008["Provider ID"]).get("Address")
