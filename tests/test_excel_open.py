"""A workbook open in Excel (issue 15): Excel keeps unsaved edits in memory, and its hidden owner file "~$..."
beside the workbook shows it is open. The run says so on the console: a note, never a finding, never a change
to the exit status or to any report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.read.open_in_excel import lock_names, open_in_excel_notes, open_workbooks
from tests.factories import full_week, placement
from tests.figure_factories import NOV_23, NOV_28, school

RETURN = "PRV1_2026-11-23.xlsx"      # the factory's name for PRV1's return of the week


def owner_file(path: Path, user: str = "Jo Whitby") -> Path:
    """An owner file as Excel writes it: 165 bytes, the user's name as a counted byte string padded to 54
    characters, then again in UTF-16 (the run never reads it; only its name matters)."""
    name = user.encode("ascii")
    data = bytes([len(name)]) + name.ljust(53, b" ") + b"\x00" + bytes([len(user), 0]) + user.encode("utf-16-le")
    path.write_bytes(data.ljust(165, b" "))
    return path


def clean_school(folder: Path) -> Path:
    return school(folder, [placement("P001", start=NOV_23)], returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])


def run(capsys, data: Path, out: Path) -> tuple[int, str, str]:
    code = main(["--data", str(data), "--out", str(out)], today=NOV_28)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def notes(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("  Note: ")]


def one_open(path: str, lock: str) -> str:
    return (f"  Note: {path} is open in Excel (here or on another computer), so changes not yet saved there are not "
            "included in this run. Save and close it, then run again. (If no one has it open, Excel left the hidden "
            f"file {lock} beside it when it closed: delete that file.)")


def test_the_names_excel_gives_its_owner_files():
    assert lock_names("placements.xlsx") == ("~$acements.xlsx", "~$placements.xlsx")
    assert lock_names("Riverside w-c 2026-11-23.xlsx") == ("~$verside w-c 2026-11-23.xlsx",
                                                           "~$Riverside w-c 2026-11-23.xlsx")


@pytest.mark.parametrize("lock", ["~$acements.xlsx", "~$placements.xlsx"])
def test_placements_open_is_a_note_and_changes_nothing_else(tmp_path, capsys, lock):
    data = clean_school(tmp_path / "school")
    code, shut, err = run(capsys, data, tmp_path / "closed")
    owner_file(data / lock)
    code_open, stdout, err_open = run(capsys, data, tmp_path / "open")
    assert (code, err, code_open, err_open) == (0, "", 0, "")
    assert notes(stdout) == [one_open("placements.xlsx", lock)]
    assert notes(shut) == []
    summaries = [json.loads((tmp_path / out / "2026-11-23" / "summary.json").read_text(encoding="utf-8"))
                 for out in ("closed", "open")]
    assert summaries[0] == summaries[1] and summaries[1]["findings"] == []
    assert (data / lock).is_file()                                   # the owner file is Excel's: left alone


def test_a_return_open_in_a_sub_folder(tmp_path, capsys):
    data = clean_school(tmp_path / "school")
    (data / "returns" / "PRV1").mkdir()
    (data / "returns" / RETURN).rename(data / "returns" / "PRV1" / RETURN)
    owner_file(data / "returns" / "PRV1" / ("~$" + RETURN[2:]))
    code, stdout, err = run(capsys, data, tmp_path / "out")
    assert (code, err) == (0, "")
    assert notes(stdout) == [one_open(f"returns/PRV1/{RETURN}", "~$V1_2026-11-23.xlsx")]


def test_several_open_workbooks_are_one_note(tmp_path, capsys):
    data = clean_school(tmp_path / "school")
    owner_file(data / "~$oviders.xlsx")
    owner_file(data / "~$placements.xlsx")
    owner_file(data / "returns" / ("~$" + RETURN))
    code, stdout, err = run(capsys, data, tmp_path / "out")
    assert (code, err) == (0, "")
    assert notes(stdout) == [
        f"  Note: placements.xlsx, providers.xlsx, returns/{RETURN} are open in Excel (here or on another computer), "
        "so changes not yet saved there are not included in this run. Save and close them, then run again."]


def test_an_owner_file_whose_workbook_is_gone_says_nothing(tmp_path):
    data = clean_school(tmp_path / "school")
    owner_file(data / "returns" / "~$V9_2026-11-23.xlsx")
    owner_file(data / "~$ool.toml")                      # only workbooks the run reads are looked for
    assert (open_workbooks(data), open_in_excel_notes(data)) == ([], [])


def test_the_errors_of_an_open_workbook_still_set_the_exit_status(tmp_path, capsys):
    data = school(tmp_path / "school", [placement("P001", start=NOV_23)],
                  returns=[("PRV1", NOV_23, [("P001", ["A"] + ["B"] * 9)])])       # an unknown code: exit 1
    owner_file(data / "returns" / ("~$" + RETURN[2:]))
    code, stdout, err = run(capsys, data, tmp_path / "out")
    assert (code, err) == (1, "")
    assert notes(stdout) == [one_open(f"returns/{RETURN}", "~$V1_2026-11-23.xlsx")]


def test_the_governor_pack_says_it_too(tmp_path, capsys):
    data = clean_school(tmp_path / "school")
    owner_file(data / "~$acements.xlsx")
    code = main(["--data", str(data), "--out", str(tmp_path / "out"), "--governor-pack", "Autumn 2026",
                 "--as-of", "2026-11-27"], today=NOV_28)
    captured = capsys.readouterr()
    assert code == 0
    assert captured.err == one_open("placements.xlsx", "~$acements.xlsx").replace("  Note: ", "Note: ") + "\n"
