"""Files, not cells: returns that are not readable workbooks, lock files, sub-folders, any file name,
missing or unreadable required files (exit 2), and a run that never changes the school folder (contract §1, §11)."""
from __future__ import annotations

import datetime as dt
import random
import shutil
import zipfile

import pytest

from pipeline.cli import main
from pipeline.errors import RunError
from pipeline.core import compute_facts
from pipeline.run import run_week
from tests.factories import full_week, placement, write_grid, write_return, write_school
from tests.school_factories import encrypt_workbook, folder_state, write_ole

WEEK = dt.date(2026, 11, 23)
NOT_REPORTED = (0, 0, 0, 0, 10)


def school(folder):
    return write_school(folder, [placement("P001", start=WEEK)])


def good_return(path):
    return write_return(path, "PRV1", WEEK, [("P001", full_week("B"))])


def run(folder):
    return compute_facts(folder, week=WEEK)


def where(result) -> list[tuple]:
    return [(f["file"], f["sheet"], f["cell"], f["rule"]) for f in result.summary["findings"]]


def counted(result, pid) -> tuple:
    week = next(p["week"] for p in result.summary["pupils"] if p["placement_id"] == pid)
    return tuple(week[k] for k in ("possible", "attended", "authorised", "unauthorised", "not_reported"))


# --- returns that are not readable workbooks -----------------------------------------------------


def random_bytes(path, tmp_path):
    path.write_bytes(random.Random(42).randbytes(4096))


def csv_renamed(path, tmp_path):
    path.write_text("Provider ID,PRV1\nWeek commencing,23/11/2026\nPlacement ID,Mon AM\nP001,B\n", encoding="utf-8")


def empty(path, tmp_path):
    path.write_bytes(b"")


def zip_not_workbook(path, tmp_path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")


def real_xls(path, tmp_path):
    # Not a complete .xls: the OLE magic and a directory naming a 'Workbook' stream in UTF-16-LE,
    # which is all the byte sniffer looks at before it refuses the file.
    write_ole(path, "Workbook")


def word_97_doc(path, tmp_path):
    write_ole(path, "WordDocument")       # an OLE file, but a Word document: no Workbook stream


def password_protected(path, tmp_path):
    encrypt_workbook(good_return(tmp_path / "plain.xlsx"), path)


@pytest.mark.parametrize("make, name, rule", [
    (random_bytes, "prv1.xlsx", "not-a-workbook"),
    (csv_renamed, "prv1.xlsx", "not-a-workbook"),
    (empty, "prv1.xlsx", "not-a-workbook"),
    (zip_not_workbook, "prv1.xlsx", "not-a-workbook"),
    (real_xls, "prv1.xls", "xls-file"),
    (real_xls, "prv1.xlsx", "xls-file"),              # the bytes decide, not the name
    (word_97_doc, "notes.doc", "not-a-workbook"),
    (password_protected, "prv1.xlsx", "password-protected"),
], ids=["random-bytes", "csv-renamed", "empty", "zip-not-workbook", "xls", "xls-named-xlsx", "word-doc", "password"])
def test_a_file_that_cannot_be_read_is_one_finding_on_the_whole_file(tmp_path, make, name, rule):
    school(tmp_path)
    make(tmp_path / "returns" / name, tmp_path)

    result = run(tmp_path)

    assert where(result) == [(f"returns/{name}", None, None, rule)]
    finding = result.summary["findings"][0]
    assert finding["severity"] == "error" and finding["value"] is None
    assert "save" in finding["message"].lower() and "left out" in finding["message"]
    assert counted(result, "P001") == NOT_REPORTED


def test_the_message_for_a_password_protected_return_says_how_to_fix_it(tmp_path):
    school(tmp_path)
    password_protected(tmp_path / "returns" / "prv1.xlsx", tmp_path)

    message = run(tmp_path).summary["findings"][0]["message"]

    assert "password" in message and "Save it again without a password" in message


def test_excel_lock_files_are_ignored_silently(tmp_path):
    school(tmp_path)
    good_return(tmp_path / "returns" / "prv1.xlsx")
    lock = b"\x0bAP Lead" + bytes(46) + b"\x0b\x00A\x00P\x00" + bytes(100)      # what Excel leaves while a file is open
    (tmp_path / "returns" / "~$prv1.xlsx").write_bytes(lock)
    (tmp_path / "returns" / "old").mkdir()
    (tmp_path / "returns" / "old" / "~$other.xlsx").write_bytes(lock)

    result = run(tmp_path)

    assert where(result) == []
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


def test_returns_in_sub_folders_are_found_and_named_by_their_path(tmp_path):
    school(tmp_path)
    write_return(tmp_path / "returns" / "2026-11" / "week 23" / "PRV1 attendance.xlsx", "PRV1", WEEK,
                 [("P001", ["Q?"] + ["B"] * 9)])

    result = run(tmp_path)

    assert where(result) == [("returns/2026-11/week 23/PRV1 attendance.xlsx", "Attendance", "D5", "unknown-code")]
    assert counted(result, "P001") == (10, 9, 0, 1, 0)


@pytest.mark.parametrize("name", ["PRV1 return", "prv1.XLSX", "prv1.xlsm", "prv1.xls", "prv1.xlsx.download"],
                         ids=["no-extension", "upper-case", "xlsm", "renamed-xls", "browser-download"])
def test_a_return_is_read_whatever_its_file_name(tmp_path, name):
    school(tmp_path)
    good_return(tmp_path / "returns" / "plain.tmp")
    shutil.move(tmp_path / "returns" / "plain.tmp", tmp_path / "returns" / name)

    result = run(tmp_path)

    assert where(result) == []
    assert counted(result, "P001") == (10, 10, 0, 0, 0)


# --- required files ------------------------------------------------------------------------------


def delete(name):
    return lambda folder, tmp_path: (folder / name).unlink()


def garbage(name):
    return lambda folder, tmp_path: random_bytes(folder / name, tmp_path)


def as_xls(name):
    return lambda folder, tmp_path: real_xls(folder / name, tmp_path)


def encrypted(name):
    return lambda folder, tmp_path: encrypt_workbook(shutil.copy(folder / name, tmp_path / "plain.xlsx"), folder / name)


def no_placements_sheet(folder, tmp_path):
    write_grid(folder / "placements.xlsx", {"Sheet1": [["Placement ID", "UPN"]]})


def no_header_row(folder, tmp_path):
    write_grid(folder / "placements.xlsx", {"Placements": [["AP register"], ["ID", "Pupil", "Start"]]})


def toml_syntax_error(folder, tmp_path):
    (folder / "school.toml").write_text('[school\nname = "Test"\n', encoding="utf-8")


def toml_not_text(folder, tmp_path):
    (folder / "school.toml").write_bytes(b"\xff\xfe\x00\x81\x00binary")


@pytest.mark.parametrize("spoil, named", [
    (delete("placements.xlsx"), "placements.xlsx"),
    (garbage("placements.xlsx"), "placements.xlsx"),
    (as_xls("placements.xlsx"), "placements.xlsx"),
    (encrypted("placements.xlsx"), "placements.xlsx"),
    (no_placements_sheet, "placements.xlsx"),
    (no_header_row, "placements.xlsx"),
    (delete("providers.xlsx"), "providers.xlsx"),
    (garbage("providers.xlsx"), "providers.xlsx"),
    (encrypted("providers.xlsx"), "providers.xlsx"),
    (delete("school.toml"), "school.toml"),
    (toml_syntax_error, "school.toml"),
    (toml_not_text, "school.toml"),
], ids=["placements-missing", "placements-garbage", "placements-xls", "placements-password", "no-placements-sheet",
        "no-header-row", "providers-missing", "providers-garbage", "providers-password", "toml-missing",
        "toml-syntax", "toml-binary"])
def test_a_missing_or_unreadable_required_file_stops_the_run_naming_it(tmp_path, capsys, spoil, named):
    folder = school(tmp_path / "school")
    spoil(folder, tmp_path)

    with pytest.raises(RunError) as stopped:
        run(folder)
    assert named in str(stopped.value)

    assert main(["--data", str(folder), "--week", WEEK.isoformat(), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


# --- the run changes nothing in the school folder ---------------------------------------------------


def test_a_run_modifies_no_input_file(tmp_path):
    folder = write_school(tmp_path / "school", [placement("P001", start=WEEK), placement("P002", start=WEEK),
                                                placement("P003", provider_id="PRV9", start=WEEK)])
    write_return(folder / "returns" / "a.xlsx", "PRV1", WEEK, [("P001", full_week("B")), ("P404", full_week("B"))],
                 created=dt.datetime(2026, 11, 27, 9))
    write_return(folder / "returns" / "sub" / "b.xlsx", "PRV1", WEEK, [("P001", ["A"] * 10)],
                 created=dt.datetime(2026, 11, 26, 9))
    password_protected(folder / "returns" / "locked.xlsx", tmp_path)
    random_bytes(folder / "returns" / "notes.xlsx", tmp_path)
    (folder / "returns" / "~$a.xlsx").write_bytes(b"\x0bAP Lead")
    before = folder_state(folder)

    result = compute_facts(folder, week=WEEK)
    run_week(folder, tmp_path / "out", week=WEEK)

    assert result.summary["findings"]          # the folder had plenty to complain about
    assert folder_state(folder) == before


def test_the_returns_are_every_file_below_returns_in_the_order_of_their_paths(tmp_path):
    """return_files: sub-folders at any depth, in the order of the path from the school folder ('/' between
    parts); Excel's lock files and hidden files left out; a link to a folder not followed, a link to a file kept."""
    import os

    from pipeline.read.returns import return_files

    returns = tmp_path / "school" / "returns"
    for rel in ("b.xlsx", "a/z.xlsx", "a/b/c.xlsx", "a b/x.xlsx", "~$b.xlsx", ".hidden.xlsx", "a/.DS_Store",
                ".cache/inside.xlsx"):
        (returns / rel).parent.mkdir(parents=True, exist_ok=True)
        (returns / rel).write_bytes(b"x")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "deep").mkdir(parents=True)
    (elsewhere / "deep" / "far.xlsx").write_bytes(b"x")
    os.symlink(elsewhere, returns / "linked folder")
    os.symlink(elsewhere / "deep" / "far.xlsx", returns / "linked.xlsx")
    found = [p.relative_to(tmp_path / "school").as_posix() for p in return_files(tmp_path / "school")]
    assert found == ["returns/.cache/inside.xlsx", "returns/a b/x.xlsx", "returns/a/b/c.xlsx", "returns/a/z.xlsx",
                     "returns/b.xlsx", "returns/linked.xlsx"]
    assert return_files(tmp_path / "no such school") == []
