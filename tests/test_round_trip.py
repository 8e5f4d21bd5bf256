"""The round trip: the pipeline sends a pre-filled return, the provider fills it in and sends it back,
the attendance lead drops it anywhere in returns/, and the next run counts exactly what was typed.

Week N is the week of Monday 16 November 2026; its run writes the returns for 23 November, which the
run of week N+1 reads back. The provider types only into the cells the workbook leaves unlocked.
"""
from __future__ import annotations

import datetime as dt
import itertools
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from pipeline.run import run_week
from pipeline.upn import make_upn
from tests.factories import placement, provider, write_return, write_school

D = dt.date
WEEK_N, WEEK_N1 = D(2026, 11, 16), D(2026, 11, 23)
SESSIONS = ["Mon AM", "Mon PM", "Tue AM", "Tue PM", "Wed AM", "Wed PM", "Thu AM", "Thu PM", "Fri AM", "Fri PM"]
# what a provider types, cycled over the open cells; ' b ' is a lower-case B with spaces around it
TYPED = ["B", "I", " b ", "N", "L", "X", "B", "B", "I", "N", "L"]
# how each typed code counts (contract §7), written out here rather than taken from the pipeline
COUNTS_AS = {"B": "attended", "L": "attended", "I": "authorised", "N": "unauthorised", "X": "not_possible"}

NURSERY = D(2022, 9, 1)      # a date of birth below compulsory school age, so X is a valid mark
PLACEMENTS = [
    placement("P001", "PRV1", UPN=make_upn("801200000001"), Date_of_birth=NURSERY),                             # full week
    placement("P002", "PRV1", UPN=make_upn("801200000002"), days=None, Mon="AM", Date_of_birth=NURSERY),        # Monday morning
    placement("P003", "PRV1", UPN=make_upn("801200000003"), start=D(2026, 11, 25), Date_of_birth=NURSERY),      # from Wednesday
    placement("P004", "PRV1", UPN=make_upn("801200000004"), Actual_end_date=D(2026, 11, 25), Date_of_birth=NURSERY),  # to Wednesday
    placement("P005", "PRV1", UPN=make_upn("801200000005"), Parents_refused=D(2026, 9, 1), Parents_agreed=None, Date_of_birth=NURSERY),
    placement("P006", "PRV2", UPN=make_upn("801200000006"), days=None, Tue="Full day", Thu="PM", Date_of_birth=NURSERY),
]
PROVIDERS = [provider("PRV1"), provider("PRV2")]
# where the attendance lead saves each provider's filled return: other names, in sub-folders
SAVED_AS = {"PRV1": "returns/inbox/Re Attendance return (PRV1).xlsx",
            "PRV2": "returns/2026/november/attendance week 23-11 FINAL.xlsx"}
INCIDENT = {"Date": dt.datetime(2026, 11, 24), "Placement ID": "P001", "Category": "Safeguarding concern",
            "Reported to DSL": dt.datetime(2026, 11, 24), "Summary": "Disclosure at lunch, passed to DSL by phone."}


def fill(sent: Path, saved: Path, typed: itertools.cycle, incident: dict | None = None) -> dict:
    """Fill one returned workbook as a provider would, typing only into unlocked session cells.

    Returns {placement id: {session name: what was typed}}."""
    wb = openpyxl.load_workbook(sent)
    ws = wb["Attendance"]
    headers = [c.value for c in ws[4]]
    assert headers[3:13] == SESSIONS
    filled: dict[str, dict] = {}
    for row in ws.iter_rows(min_row=5):
        pid = row[0].value
        for cell, session in zip(row[3:13], SESSIONS):
            if cell.protection.locked is False:
                cell.value = next(typed)
                filled.setdefault(pid, {})[session] = cell.value
        if row[13].protection.locked is False:
            row[13].value = "all fine"
    if incident:
        inc = wb["Incidents"]
        columns = [c.value for c in inc[1]]
        for header, value in incident.items():
            inc.cell(2, columns.index(header) + 1, value)
    saved.parent.mkdir(parents=True, exist_ok=True)
    wb.save(saved)
    return filled


def week_figures(typed: dict) -> dict:
    """The week's figures for one pupil, worked out from what was typed."""
    counts = {"attended": 0, "authorised": 0, "unauthorised": 0, "not_possible": 0}
    for value in typed.values():
        counts[COUNTS_AS[value.strip().upper()]] += 1
    possible = len(typed) - counts["not_possible"]
    percent = None
    if possible:
        percent = float((Decimal(counts["attended"] * 100) / Decimal(possible)).quantize(Decimal("0.1"), ROUND_HALF_UP))
    return {"possible": possible, "attended": counts["attended"], "authorised": counts["authorised"],
            "unauthorised": counts["unauthorised"], "not_reported": 0, "percent": percent}


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    """(school folder, {placement id: typed sessions}) after week N's returns were filled and saved back."""
    root = tmp_path_factory.mktemp("round_trip")
    data = write_school(root / "school", PLACEMENTS, PROVIDERS)
    sent = run_week(data, root / "out", week=WEEK_N).folder / "returns_to_send"
    assert sorted(p.name for p in sent.iterdir()) == ["PRV1_2026-11-23.xlsx", "PRV2_2026-11-23.xlsx"]
    typed = itertools.cycle(TYPED)
    marks = {}
    for provider_id, rel in SAVED_AS.items():
        marks.update(fill(sent / f"{provider_id}_2026-11-23.xlsx", data / rel, typed,
                          INCIDENT if provider_id == "PRV1" else None))
    return data, marks


@pytest.fixture
def school(filled, tmp_path) -> tuple[Path, dict]:
    """A copy of the filled school folder, to change."""
    data, marks = filled
    copy = tmp_path / "school"
    shutil.copytree(data, copy)
    return copy, marks


def run_n1(data: Path, out: Path) -> dict:
    return run_week(data, out, week=WEEK_N1).result.summary


def week_of(summary, pid) -> dict:
    return next(p["week"] for p in summary["pupils"] if p["placement_id"] == pid)


def missing_this_week(summary) -> list[str]:
    return [m["provider_id"] for m in summary["missing_returns"] if m["week_commencing"] == WEEK_N1.isoformat()]


# --- the round trip ----------------------------------------------------------------------------------

def test_the_filled_returns_cover_every_expected_pupil_and_every_typed_code(filled):
    _, marks = filled
    assert {pid: len(s) for pid, s in marks.items()} == {"P001": 10, "P002": 1, "P003": 6, "P004": 6, "P006": 3}
    assert {v for s in marks.values() for v in s.values()} == set(TYPED)


def test_next_weeks_figures_are_what_the_providers_typed(filled, tmp_path):
    data, marks = filled
    summary = run_n1(data, tmp_path / "out")

    assert summary["findings"] == []
    assert missing_this_week(summary) == []
    for pid, typed in marks.items():
        assert week_of(summary, pid) == week_figures(typed), pid
    assert "P005" not in {p["placement_id"] for p in summary["pupils"]}


def test_the_incident_on_a_filled_return_is_an_alert(filled, tmp_path):
    data, _ = filled
    summary = run_n1(data, tmp_path / "out")

    incidents = [a for a in summary["actions"] if a["rule"] == "incident"]
    assert len(incidents) == 1
    assert (incidents[0]["placement_id"], incidents[0]["provider_id"], incidents[0]["status"]) == ("P001", "PRV1", "alert")
    assert incidents[0]["owner"] == "DSL"      # a safeguarding concern (contract §10)


def test_the_input_folder_is_left_as_it_was(filled, tmp_path):
    data, _ = filled
    before = {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}
    run_n1(data, tmp_path / "out")
    assert {p: p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()} == before


# --- a return that is not what it says it is ---------------------------------------------------------

def tamper(path: Path, cell: str, value) -> None:
    wb = openpyxl.load_workbook(path)
    wb["Attendance"][cell] = value
    wb.save(path)


@pytest.mark.parametrize("cell, value", [("B1", "PRV2"), ("B2", dt.datetime(2026, 11, 30))],
                         ids=["other-provider", "other-week"])
def test_a_return_whose_labels_no_longer_match_its_marker_is_left_out(school, tmp_path, cell, value):
    data, marks = school
    tamper(data / SAVED_AS["PRV1"], cell, value)

    summary = run_n1(data, tmp_path / "out")

    findings = [(f["file"], f["sheet"], f["cell"], f["severity"], f["rule"]) for f in summary["findings"]]
    assert findings == [(SAVED_AS["PRV1"], None, None, "error", "meta-mismatch")]
    assert missing_this_week(summary) == ["PRV1"]
    for pid, typed in marks.items():
        if pid == "P006":      # PRV2's own return is still counted
            assert week_of(summary, pid) == week_figures(typed)
        else:
            assert week_of(summary, pid) == {"possible": 0, "attended": 0, "authorised": 0, "unauthorised": 0,
                                             "not_reported": len(typed), "percent": None}, pid
    assert not [a for a in summary["actions"] if a["rule"] == "incident"]


def test_a_return_made_by_hand_to_the_contract_is_accepted(school, tmp_path):
    data, marks = school
    (data / SAVED_AS["PRV1"]).unlink()
    rows = []
    for pid in ("P001", "P002", "P003", "P004"):
        rows.append((pid, [marks[pid].get(s, "-") for s in SESSIONS]))
    write_return(data / "returns" / "typed by the office.xlsx", "PRV1", WEEK_N1, rows)

    summary = run_n1(data, tmp_path / "out")

    assert summary["findings"] == []
    assert missing_this_week(summary) == []
    for pid, typed in marks.items():
        assert week_of(summary, pid) == week_figures(typed), pid
