"""`run_weekly.py --governor-pack TERM` on the demo school (contract §8, §9): the files, the exit codes,
reruns, and that no pupil's name, UPN or date of birth reaches the governors."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from pipeline.cli import main

pytest.importorskip("pipeline.governors.pack")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo_school"
FILES = ("governor_pack.xlsx", "governor_pack.html")
NOV_28 = dt.date(2026, 11, 28)


def run(capsys, *args, today=NOV_28) -> tuple[int, str, str]:
    code = main([str(a) for a in args], today=today)
    out = capsys.readouterr()
    return code, out.out, out.err


def hashes(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES}


@pytest.fixture(scope="module")
def pack_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("out")
    assert main(["--data", str(DEMO), "--governor-pack", "Autumn 2026", "--as-of", "2026-11-28",
                 "--out", str(out)], today=NOV_28) == 0
    return out / "governors" / "autumn-2026"


def test_writes_both_files_and_says_where(tmp_path, capsys):
    code, out, err = run(capsys, "--data", DEMO, "--governor-pack", "Autumn 2026", "--as-of", "2026-11-28",
                         "--out", tmp_path)
    assert code == 0 and err == ""
    folder = tmp_path / "governors" / "autumn-2026"
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    assert "Autumn 2026" in out and "3 Sep 2026 to 28 Nov 2026" in out and str(folder) in out


def test_unknown_term_is_exit_2_naming_the_terms(tmp_path, capsys):
    code, out, err = run(capsys, "--data", DEMO, "--governor-pack", "Winter 2026", "--out", tmp_path)
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    for name in ("Winter 2026", "Autumn 2026", "Spring 2027", "Summer 2027"):
        assert name in lines[0]
    assert not (tmp_path / "governors").exists()


def test_term_name_is_case_insensitive(tmp_path, capsys):
    code, out, _ = run(capsys, "--data", DEMO, "--governor-pack", "  AUTUMN 2026 ", "--as-of", "2026-11-28",
                       "--out", tmp_path)
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "governors" / "autumn-2026").iterdir()) == sorted(FILES)


def test_as_of_defaults_to_today(tmp_path, capsys):
    code, out, _ = run(capsys, "--data", DEMO, "--governor-pack", "Autumn 2026", "--out", tmp_path,
                       today=dt.date(2026, 10, 9))
    assert code == 0 and "3 Sep 2026 to 9 Oct 2026" in out
    ws = openpyxl.load_workbook(tmp_path / "governors" / "autumn-2026" / FILES[0])["Summary"]
    assert "Friday 9 Oct 2026" in [c.value for row in ws.iter_rows() for c in row]


def test_a_term_not_yet_started_is_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "--data", DEMO, "--governor-pack", "Spring 2027", "--as-of", "2026-11-28",
                       "--out", tmp_path)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Spring 2027" in err


def test_unwritable_out_is_exit_2(tmp_path, capsys):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    code, _, err = run(capsys, "--data", DEMO, "--governor-pack", "Autumn 2026", "--as-of", "2026-11-28",
                       "--out", blocker)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--out" in err


def test_rerun_is_byte_identical(tmp_path, capsys):
    args = ("--data", DEMO, "--governor-pack", "Autumn 2026", "--as-of", "2026-11-28", "--out", tmp_path)
    assert run(capsys, *args)[0] == 0
    first = hashes(tmp_path / "governors" / "autumn-2026")
    assert run(capsys, *args)[0] == 0
    assert hashes(tmp_path / "governors" / "autumn-2026") == first


def test_the_pack_has_its_sections_and_native_charts(pack_dir):
    wb = openpyxl.load_workbook(pack_dir / FILES[0])
    assert wb.sheetnames[0] == "Summary" and len(wb.sheetnames) > 2
    assert any(ws._charts for ws in wb.worksheets)
    html = (pack_dir / FILES[1]).read_text(encoding="utf-8")
    assert "<script" not in html.lower() and "http://" not in html and "https://" not in html
    charts = sum(len(ws._charts) for ws in wb.worksheets)
    assert len(re.findall(r'<div class="wide"><svg ', html)) == charts


# --- nothing personal reaches the governors -----------------------------------------------------------

def demo_pupils() -> list[dict]:
    ws = openpyxl.load_workbook(DEMO / "placements.xlsx", read_only=True)["Placements"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and "Forename" in r)
    cols = {name: rows[head].index(name) for name in ("UPN", "Forename", "Surname", "Date of birth")}
    pupils = [{k: r[c] for k, c in cols.items()} for r in rows[head + 1:] if r and r[cols["Forename"]]]
    assert len(pupils) >= 8
    return pupils


def forbidden() -> tuple[list[re.Pattern], set]:
    """Patterns for every name, UPN and written form of every date of birth; and the dates themselves."""
    words, dates = set(), set()
    for p in demo_pupils():
        words |= {str(p["Forename"]).strip(), str(p["Surname"]).strip(), str(p["UPN"]).strip()}
        dob = p["Date of birth"]
        if isinstance(dob, dt.datetime):
            dob = dob.date()
        if isinstance(dob, dt.date):
            dates.add(dob)
            words |= {f"{dob:%d/%m/%Y}", dob.isoformat(), f"{dob.day} {dob:%b %Y}", f"{dob.day} {dob:%B %Y}",
                      f"{dob:%d/%m/%y}"}
    words.discard("")
    return [re.compile(rf"(?<!\w){re.escape(w)}(?!\w)", re.IGNORECASE) for w in sorted(words)], dates


def leaks(text: str, patterns) -> list[str]:
    return [p.pattern for p in patterns if p.search(text)]


def test_no_pupil_data_in_any_cell_or_chart(pack_dir):
    patterns, dates = forbidden()
    path = pack_dir / FILES[0]
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:                                             # hidden 'Chart data' too
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, dt.datetime):
                    assert v.date() not in dates, (ws.title, cell.coordinate)
                elif v is not None:
                    assert not leaks(str(v), patterns), (ws.title, cell.coordinate, v)
        assert not leaks(f"{ws.oddHeader.center.text} {ws.oddHeader.left.text} {ws.oddHeader.right.text}", patterns)
    with zipfile.ZipFile(path) as z:                                     # chart XML, shared strings, properties
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                assert not leaks(z.read(name).decode("utf-8"), patterns), name


class _Texts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        self.parts += [v for _, v in attrs if v]


def test_no_pupil_data_in_the_page(pack_dir):
    patterns, _ = forbidden()
    parser = _Texts()
    parser.feed((pack_dir / FILES[1]).read_text(encoding="utf-8"))
    assert parser.parts
    for text in parser.parts:                                            # every text node and attribute value
        assert not leaks(text, patterns), text


def test_the_scan_finds_what_it_looks_for():
    patterns, dates = forbidden()
    pupil = demo_pupils()[0]
    dob = pupil["Date of birth"]
    dob = dob.date() if isinstance(dob, dt.datetime) else dob
    assert leaks(f"Placement for {pupil['Forename']}.", patterns)
    assert leaks(str(pupil["Surname"]).upper(), patterns)
    assert leaks(f"UPN {pupil['UPN']}", patterns)
    assert leaks(f"born {dob:%d/%m/%Y}", patterns) and dob in dates
    assert not leaks("Hilltop Infant School: Autumn 2026, 8 pupils", patterns)
