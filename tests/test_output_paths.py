"""Every output path is inside OUT and no provider gets another's pupils (contract §12), end to end: Provider
IDs and Placement IDs that look like paths, hold a line break or differ only in case are findings on their
cells, no file appears outside OUT, the school folder is untouched, and each provider's prepared return and
e-mail hold only its own pupils."""
from __future__ import annotations

import datetime as dt
import email
import io
import json
from email import policy
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main
from pipeline.delivery.prepare import write_returns
from pipeline.output import UnsafeOutputPath, output_path
from pipeline.provider_week import PlannedReturn
from tests.factories import full_week, placement, provider, write_return, write_school
from tests.school_factories import folder_state

WEEK, NEXT = dt.date(2026, 11, 23), dt.date(2026, 11, 30)
UNSAFE_PROVIDERS = ["../../x", "/abs/x", "a/b", "./PRV1", "PRV1\\x", "PRV\n1"]


def providers() -> list[dict]:
    """providers.xlsx rows 2-10: PRV1, the six unsafe IDs (rows 3-8), prv1 (row 9, PRV1 in other
    capitals, with its own address) and PRV2 (row 10)."""
    return ([provider("PRV1")] + [provider(p, Contact_email=f"unsafe{i}@example.org") for i, p in enumerate(UNSAFE_PROVIDERS)]
            + [provider("prv1", Contact_email="other-prv1@example.org"), provider("PRV2")])


def placements() -> list[dict]:
    """placements.xlsx rows 2-15: P001 at PRV1, P002 at PRV2; P003-P008 at the six unsafe providers
    (rows 4-9; 'PRV\n1' would be PRV1 if spaces and line breaks were ignored); P009 at 'prv1' (row 10: PRV1 or the provider of row 9?); P010 at 'PRV1' exactly
    (row 11); unsafe Placement IDs '../../y' (row 12), '/abs/y' (row 13), 'P\\n14' (row 14); and
    'p001' (row 15), P001 in other capitals, at PRV2."""
    return ([placement("P001", "PRV1"), placement("P002", "PRV2")]
            + [placement(f"P00{i + 3}", p) for i, p in enumerate(UNSAFE_PROVIDERS)]
            + [placement("P009", "prv1"), placement("P010", "PRV1"), placement("../../y", "PRV1"),
               placement("/abs/y", "PRV2"), placement("P\n14", "PRV1"), placement("p001", "PRV2")])


def tree(root: Path, skip: Path) -> dict[str, tuple]:
    """Every file and folder under root (outside `skip`) -> its size and modification time."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p == skip or skip in p.parents:
            continue
        st = p.lstat()
        out[p.relative_to(root).as_posix()] = (p.is_dir(), st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def run(tmp_path, capsys):
    data = write_school(tmp_path / "data", placements(), providers())
    write_return(data / "returns" / "prv1.xlsx", "PRV1", WEEK, [("P001", full_week("B")), ("P010", full_week("B"))])
    write_return(data / "returns" / "other.xlsx", "prv1", WEEK, [("P009", full_week("N"))])   # the 'prv1' provider's
    write_return(data / "returns" / "prv2.xlsx", "PRV2", WEEK, [("P002", full_week("B"))])
    out = tmp_path / "out"
    before, data_before = tree(tmp_path, out), folder_state(data)
    code = main(["--data", str(data), "--week", WEEK.isoformat(), "--out", str(out)])
    capsys.readouterr()
    folder = out / WEEK.isoformat()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return tmp_path, data, out, folder, summary, code, before, data_before


def located(summary, rules) -> list[tuple]:
    return [(f["file"], f["sheet"], f["cell"], f["rule"], f["severity"]) for f in summary["findings"] if f["rule"] in rules]


def test_unsafe_and_case_duplicate_ids_are_findings_on_their_cells(run):
    *_, summary, code, _, _ = run
    assert code == 1
    assert located(summary, {"unsafe-id", "duplicate-id", "ambiguous-provider", "unknown-provider"}) == [
        *[("placements.xlsx", "Placements", f"G{row}", "unknown-provider", "error") for row in range(4, 9)],
        ("placements.xlsx", "Placements", "G9", "unsafe-id", "error"),       # 'PRV\n1': PRV1 if line breaks were ignored
        ("placements.xlsx", "Placements", "G10", "ambiguous-provider", "error"),
        ("placements.xlsx", "Placements", "A12", "unsafe-id", "error"),
        ("placements.xlsx", "Placements", "A13", "unsafe-id", "error"),
        ("placements.xlsx", "Placements", "A14", "unsafe-id", "error"),
        ("placements.xlsx", "Placements", "A15", "duplicate-id", "error"),
        ("providers.xlsx", "Providers", "A3", "unsafe-id", "error"),
        ("providers.xlsx", "Providers", "A4", "unsafe-id", "error"),
        ("providers.xlsx", "Providers", "A5", "unsafe-id", "error"),
        ("providers.xlsx", "Providers", "A6", "unsafe-id", "error"),
        ("providers.xlsx", "Providers", "A7", "unsafe-id", "error"),
        ("providers.xlsx", "Providers", "A8", "unsafe-id", "error"),
        ("providers.xlsx", "Providers", "A9", "duplicate-id", "error"),
        ("returns/other.xlsx", None, None, "ambiguous-provider", "error")]
    by_cell = {(f["file"], f["cell"]): f for f in summary["findings"]}
    assert by_cell[("providers.xlsx", "A3")]["value"] == "../../x"
    assert "slash" in by_cell[("providers.xlsx", "A3")]["message"]
    assert "line break" in by_cell[("providers.xlsx", "A8")]["message"]
    assert "line break" in by_cell[("placements.xlsx", "G9")]["message"]      # never taken as PRV1
    assert "PRV1 and prv1" in by_cell[("placements.xlsx", "G10")]["message"]
    assert [p["placement_id"] for p in summary["pupils"]] == ["P001", "P002", "P010"]
    assert [m for m in summary["missing_returns"] if m["week_commencing"] == WEEK.isoformat()] == []   # PRV1's own return counted


def test_nothing_is_written_outside_out_and_the_school_folder_is_untouched(run):
    tmp_path, data, out, folder, summary, code, before, data_before = run
    assert tree(tmp_path, out) == before
    assert folder_state(data) == data_before
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts)
    assert [p for p in written if p.startswith(f"{WEEK}/returns_to_send/") or p.startswith(f"{WEEK}/outbox/")] == [
        f"{WEEK}/outbox/PRV1_{NEXT}.eml", f"{WEEK}/outbox/PRV2_{NEXT}.eml",
        f"{WEEK}/returns_to_send/PRV1_{NEXT}.xlsx", f"{WEEK}/returns_to_send/PRV2_{NEXT}.xlsx"]
    for p in out.rglob("*"):
        assert p.resolve().is_relative_to(out.resolve()) and not p.is_symlink()


def pupils_in_return(path: Path) -> list[str]:
    ws = openpyxl.load_workbook(path)["Attendance"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r[0] == "Placement ID")
    return [r[0] for r in rows[header + 1:] if r[0]]


def attachment_pupils(path: Path) -> tuple[str, list[str], list[str]]:
    """The e-mail's To address, its attachments' names and the pupils in its attached return."""
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    names, pupils = [], []
    for part in msg.iter_attachments():
        names.append(part.get_filename())
        if part.get_filename().endswith(".xlsx"):
            buffer = io.BytesIO(part.get_content())
            pupils += pupils_in_return(buffer)
    return msg["To"], names, pupils


def test_each_provider_gets_only_its_own_pupils(run):
    folder = run[3]
    assert pupils_in_return(folder / "returns_to_send" / f"PRV1_{NEXT}.xlsx") == ["P001", "P010"]
    assert pupils_in_return(folder / "returns_to_send" / f"PRV2_{NEXT}.xlsx") == ["P002"]
    assert attachment_pupils(folder / "outbox" / f"PRV1_{NEXT}.eml") == (
        "prv1@example.org", [f"PRV1_{NEXT}.xlsx"], ["P001", "P010"])
    assert attachment_pupils(folder / "outbox" / f"PRV2_{NEXT}.eml") == (
        "prv2@example.org", [f"PRV2_{NEXT}.xlsx"], ["P002"])


def test_write_returns_names_each_file_by_output_path(tmp_path):
    """A Provider ID that is not a file-name part never reaches the disk, even if a reader let it through."""
    plan = PlannedReturn("../x", "X", None, NEXT, NEXT)
    with pytest.raises(UnsafeOutputPath):
        write_returns([plan], tmp_path / "returns_to_send", "School", WEEK)
    assert list(tmp_path.rglob("*")) == []
    assert output_path(tmp_path, "PRV1_2026-11-30.xlsx") == tmp_path / "PRV1_2026-11-30.xlsx"


def test_annotated_copies_are_safe_names_and_never_share_a_file(tmp_path):
    """Input names Linux allows but Windows does not ('a:b.xlsx', 'x\\y.xlsx'), and names that differ only in
    case, each get their own copy under annotated/, named by output_path."""
    from pipeline.annotate import write_annotated
    from pipeline.findings import Finding

    data = tmp_path / "data"
    names = ["returns/PRV1.xlsx", "returns/prv1.xlsx", "returns/a:b.xlsx", "returns/a_b.xlsx", "returns/x\\y.xlsx"]
    for name in names:
        write_return(data / name, "PRV1", WEEK, [("P001", full_week("B"))])
    found = [Finding(name, "Attendance", "D5", "unknown-code", "error", "ZZ", "m") for name in names]
    folder = tmp_path / "out" / WEEK.isoformat()
    paths = write_annotated(data, found, folder)
    assert sorted(p.relative_to(folder / "annotated").as_posix() for p in paths) == [
        "returns/PRV1.xlsx", "returns/a_b (2).xlsx", "returns/a_b.xlsx", "returns/prv1 (2).xlsx", "returns/x_y.xlsx"]
    assert all(p.parent == folder / "annotated" / "returns" for p in paths)
