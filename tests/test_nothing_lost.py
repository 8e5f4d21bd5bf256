"""Nothing lost (contract §1, §8, §9): the school's files are never changed, an interrupted run leaves
the previous reports whole, and a very large sheet is handled within bounded time and memory.

(a) Every input file is byte-identical, with the same modification time, after a weekly run, a rerun
    and the governor pack; nothing is created or removed inside --data (directory times included, so
    a file made and deleted again is caught); with `[paths] cache` and --out pointed inside --data,
    only those two folders change.
(b) A run killed with SIGKILL part-way through (at the n-th change seen in the output folder, such as
    a `.tmp` file appearing, or after a delay) leaves every report under its final name whole: each
    equals the previous complete version or the new complete version, and opens. A following complete
    run writes exactly the new version; `.*.tmp` leftovers are never taken for reports (they are not
    removed either, except under annotated/: see the test's output).
(c) A placements.xlsx with a 100,000-row Placements sheet, written with xlsxwriter in constant_memory
    mode: read_registers, then the whole compute_facts, each in a child whose wall time and peak RSS
    (getrusage of that child) are printed and bounded. Both are marked slow and stay in the default run.
"""
from __future__ import annotations

import datetime as dt
import email
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.stable_output import stable_bytes

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo_school"
WEEK = dt.date(2026, 11, 23)
OLD = 1_600_000_000                     # 2020-09-13: every input's mtime, so any touch shows


# --- (a) the school folder is never written ----------------------------------------------------

def folder_state(folder: Path) -> dict:
    """relative path -> what can be seen of it without opening it for writing: for a file its sha256,
    size, mode and mtime (ns); for a directory its mode and mtime (which changes when an entry is
    created, renamed or deleted inside it)."""
    folder = Path(folder)
    out = {}
    for path in sorted([folder, *folder.rglob("*")]):
        st = path.lstat()
        rel = path.relative_to(folder).as_posix() or "."
        if path.is_dir():
            out[rel + "/"] = ("dir", st.st_mode, st.st_mtime_ns)
        else:
            out[rel] = ("file", hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mode, st.st_mtime_ns)
    return out


def age(folder: Path) -> None:
    """Set every file's and folder's times to OLD (deepest first, so folders keep theirs)."""
    for path in sorted(Path(folder).rglob("*"), key=lambda p: len(p.parts), reverse=True):
        os.utime(path, (OLD, OLD), follow_symlinks=False)
    os.utime(folder, (OLD, OLD))


def diff(before: dict, after: dict) -> list[str]:
    changed = [f"changed {k}" for k in before if k in after and before[k] != after[k]]
    return changed + [f"removed {k}" for k in before if k not in after] + [f"created {k}" for k in after if k not in before]


@pytest.fixture
def school(tmp_path) -> Path:
    """The demo school, plus what staff leave in returns/: an Excel lock file, a stray text file,
    a return that is not a workbook, and a sub-folder."""
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    (data / "returns" / "~$PRV1 week.xlsx").write_bytes(b"\x00" * 165)
    (data / "returns" / "read me.txt").write_text("Returns go in this folder.\n")
    (data / "returns" / "old" / "broken.xlsx").parent.mkdir()
    (data / "returns" / "old" / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    age(data)
    return data


def test_inputs_are_untouched_by_a_weekly_run_a_rerun_and_the_governor_pack(school, tmp_path):
    from pipeline.cli import main
    from pipeline.run import run_week

    out = tmp_path / "reports"
    before = folder_state(school)
    assert len([k for k in before if not k.endswith("/")]) > 20          # the demo's registers and returns

    outcome = run_week(school, out, WEEK, today=dt.date(2026, 11, 30))
    assert outcome.exit_code == 1                                        # the demo's planted errors, and ours
    assert diff(before, folder_state(school)) == []
    assert (out / WEEK.isoformat() / "summary.json").is_file()

    assert main(["--data", str(school), "--week", WEEK.isoformat(), "--out", str(out)], today=dt.date(2026, 11, 30)) == 1
    assert diff(before, folder_state(school)) == []                      # the rerun reads the cache

    assert main(["--data", str(school), "--governor-pack", "Autumn 2026", "--as-of", "2026-11-27",
                 "--out", str(out)], today=dt.date(2026, 11, 30)) == 0
    assert diff(before, folder_state(school)) == []
    assert (out / "governors" / "autumn-2026" / "governor_pack.xlsx").is_file()


def test_only_the_folders_the_settings_name_are_written_inside_data(school, tmp_path):
    from pipeline.cli import main

    plain_out = tmp_path / "plain"
    assert main(["--data", str(school), "--week", WEEK.isoformat(), "--out", str(plain_out)], today=dt.date(2026, 11, 30)) == 1
    toml = school / "school.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f'\n[paths]\ncache = "{(school / "run cache").as_posix()}"\n',
                    encoding="utf-8")
    age(school)
    before = folder_state(school)
    inside = school / "our reports"                                      # --out inside --data is refused (contract §8)
    assert main(["--data", str(school), "--week", WEEK.isoformat(), "--out", str(inside)], today=dt.date(2026, 11, 30)) == 2
    out = tmp_path / "our reports"
    for _ in range(2):                                                   # the second run finds the first one's reports there
        assert main(["--data", str(school), "--week", WEEK.isoformat(), "--out", str(out)], today=dt.date(2026, 11, 30)) == 1
    after = folder_state(school)
    allowed = ("run cache/",)
    outside = [d for d in diff(before, after) if not d.split(" ", 1)[1].startswith(allowed) and d != "changed ./"]
    assert outside == []
    assert any(k.startswith("run cache/") and not k.endswith("/") for k in after)    # the cache is where it was put
    assert not any(k.startswith(".cache") or "/.cache/" in k for k in after)          # and nowhere else
    # the reports written inside --data are not read back as inputs: the findings are those of a plain run
    summary = lambda o: json.loads((o / WEEK.isoformat() / "summary.json").read_text(encoding="utf-8"))
    assert summary(out)["findings"] == summary(plain_out)["findings"]


# --- (b) a run killed part-way through -----------------------------------------------------------

TMP_NAME = re.compile(r"^\..+\.tmp$")


def week_files(out: Path) -> dict[str, bytes]:
    """The reports of the week under their final names (hidden names left out)."""
    folder = Path(out) / WEEK.isoformat()
    return {p.relative_to(folder).as_posix(): stable_bytes(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def leftovers(out: Path) -> list[str]:
    folder = Path(out) / WEEK.isoformat()
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob(".*") if p.is_file())


def opens(rel: str, data: bytes) -> None:
    """The file is whole in its own format."""
    import io

    import openpyxl

    if rel.endswith(".xlsx"):
        openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()
    elif rel.endswith(".json"):
        json.loads(data.decode("utf-8"))
    elif rel.endswith(".html"):
        assert data.rstrip().endswith(b"</html>"), rel
    elif rel.endswith(".eml"):
        msg = email.message_from_bytes(data)
        assert any(part.get_filename() for part in msg.walk()), rel
    elif rel.endswith(".csv"):
        data.decode("utf-8-sig")


def run_cmd(data: Path, out: Path, as_of: str) -> list[str]:
    return [sys.executable, str(ROOT / "run_weekly.py"), "--data", str(data), "--week", WEEK.isoformat(),
            "--as-of", as_of, "--out", str(out)]


@pytest.fixture(scope="module")
def big_school(tmp_path_factory) -> Path:
    """A synthetic school big enough for a run to take a few seconds: 300 placements at 40 providers,
    12 weeks of returns (about 480 files); the run writes about 140 files."""
    folder = tmp_path_factory.mktemp("killed") / "data"
    subprocess.run([sys.executable, "-m", "tools.synth", "--placements", "300", "--providers", "40", "--weeks", "12",
                    str(folder)], cwd=ROOT, check=True, capture_output=True, timeout=300)
    return folder


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """path -> (size, mtime in ns) of every file under folder, hidden ones included."""
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except FileNotFoundError:          # renamed or removed between the listing and the stat
                continue
            out[path] = (st.st_size, st.st_mtime_ns)
    return out


def kill_partway(cmd: list[str], out: Path, trigger: tuple[str, float]) -> str:
    """Start the run and SIGKILL it: at the n-th change seen in the week's folder (a new temporary
    file, a new file, or a file whose size or time changed: with writes made in place, that is a
    report being written under its final name), or after a delay. Returns what happened."""
    folder = out / WEEK.isoformat()
    known = snapshot(folder)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kind, n = trigger
    changes: list[str] = []
    start = time.monotonic()
    try:
        while proc.poll() is None:
            if kind == "delay":
                if time.monotonic() - start >= n:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    return f"killed after {n} s"
            else:
                now = snapshot(folder)
                changes += [Path(p).name for p, sig in now.items() if known.get(p) != sig]
                known = now
                if len(changes) >= n:
                    proc.send_signal(signal.SIGKILL)
                    proc.wait()
                    return f"killed at change #{len(changes)} ({changes[-1]})"
            time.sleep(0.0002)
            if time.monotonic() - start > 120:
                raise AssertionError("the run took more than 120 s")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return f"finished (exit {proc.returncode}) before the trigger {trigger}"


def test_a_killed_run_leaves_every_report_whole(big_school, tmp_path):
    out, reference = tmp_path / "out", tmp_path / "reference"
    # the previous complete run (figures to Wednesday), then the new version it is replaced by (to Friday)
    assert subprocess.run(run_cmd(big_school, out, "2026-11-25"), cwd=ROOT, capture_output=True).returncode in (0, 1)
    assert subprocess.run(run_cmd(big_school, reference, "2026-11-27"), cwd=ROOT, capture_output=True).returncode in (0, 1)
    previous, new = week_files(out), week_files(reference)
    assert leftovers(out) == [] and leftovers(reference) == []
    differ = [rel for rel in previous if rel in new and previous[rel] != new[rel]]
    for rel in ("summary.json", "weekly_report.xlsx", "weekly_report.html"):
        assert rel in differ, f"{rel} is the same in both versions, so the test could not tell them apart"
    assert len(previous) > 100

    rng = random.Random(2026)
    triggers = [("change", 1), ("change", 2), ("change", rng.randrange(3, 10)), ("change", rng.randrange(10, 40)),
                ("change", rng.randrange(40, 120)), ("delay", round(rng.uniform(0.5, 3.0), 2)),
                # next week's returns come first, small and quick, from a child begun early (pipeline.delivery.ahead):
                # the reports and annotated copies, slower to write, are where a kill most often lands mid-write
                ("change", rng.randrange(60, 100)), ("change", rng.randrange(90, 130))]
    log, mid_write, left = [], 0, []
    for trigger in triggers:
        what = kill_partway(run_cmd(big_school, out, "2026-11-27"), out, trigger)
        new_left = sorted(set(leftovers(out)) - set(left))
        left = leftovers(out)
        mid_write += what.startswith("killed") and bool(new_left)      # killed with a file half-written
        log.append(f"{trigger}: {what}; half-written: {new_left}")
        problems = []
        for rel, data in week_files(out).items():
            if data != previous.get(rel) and data != new.get(rel):
                problems.append(f"{rel}: neither the previous nor the new version ({len(data)} bytes)")
                continue
            try:
                opens(rel, data)
            except Exception as exc:       # noqa: BLE001
                problems.append(f"{rel} does not open: {exc}")
        for rel in left:
            assert TMP_NAME.match(Path(rel).name), rel      # only the pipeline's own temporary names are hidden
        assert problems == [], f"after {trigger} ({what}): " + "; ".join(problems[:10])
    print("\n" + "\n".join(log))
    assert mid_write >= 2, "the run was not caught part-way through a write often enough:\n" + "\n".join(log)

    # the next complete run writes the new version exactly, and removes what the killed ones left half-written
    done = subprocess.run(run_cmd(big_school, out, "2026-11-27"), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    assert week_files(out) == new
    assert leftovers(out) == [] and not [p for p in (out / WEEK.isoformat()).rglob(".*") if p.is_dir()]
    left = leftovers(out)
    print(f"after the following complete run: {len(left)} .tmp files left over: {left[:5]}")
    assert not any(".tmp" in line for line in done.stdout.splitlines()), "a temporary file is listed as a report"
    assert all(TMP_NAME.match(Path(rel).name) for rel in left)


# --- (c) a 100,000-row Placements sheet ------------------------------------------------------------

ROWS = 100_000
# Bounds with room for a loaded 2-core CI machine. Measured there (2026-11-28): reading the registers
# 8 s and 0.9 GB; the whole compute_facts 29 s and 2.1 GB (about 21 KB a row). Before commit 8c3d869
# indexed the open actions in milestones.py, 100,000 rows did not finish in 15 minutes. Generating the
# sheet takes another 10-15 s.
READ_SECONDS, READ_MB = 120, 1536
WEEK_SECONDS, WEEK_MB = 120, 3072


def write_big_placements(folder: Path, rows: int = ROWS, providers: int = 50, seed: int = 1) -> Path:
    """A school folder whose placements.xlsx has `rows` valid-looking placements, written with
    xlsxwriter in constant_memory mode: distinct IDs and UPNs, start dates through the autumn term,
    a day pattern, every start duty done."""
    import xlsxwriter

    from pipeline import schema
    from pipeline.output import XLSX_OPTIONS
    from pipeline.upn import make_upn
    from tests.factories import SCHOOL_TOML, provider, rows_of, write_grid

    folder.mkdir(parents=True)
    (folder / "school.toml").write_text(SCHOOL_TOML, encoding="utf-8")
    (folder / "returns").mkdir()
    ids = [f"PRV{i}" for i in range(1, providers + 1)]
    write_grid(folder / "providers.xlsx", {"Providers": rows_of(schema.PROVIDERS, [provider(p) for p in ids])})
    rng = random.Random(seed)
    wb = xlsxwriter.Workbook(str(folder / "placements.xlsx"), {**XLSX_OPTIONS, "constant_memory": True})
    ws = wb.add_worksheet("Placements")
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    headers = [c.header for c in schema.PLACEMENTS.columns]
    col = {h: i for i, h in enumerate(headers)}
    ws.write_row(0, 0, headers)
    epoch = dt.date(1899, 12, 30)
    first = (dt.date(2026, 9, 3) - epoch).days
    duties = [col[h] for h in ("Parent letter sent", "Parents agreed", "Intervention plan agreed",
                               "Dual registered from", "Attainment data sent")]
    patterns = ["Full day", "AM", "PM", None, None]
    for r in range(1, rows + 1):
        start = first + rng.randrange(0, 86)
        ws.write_string(r, 0, f"P{r:06d}")
        ws.write_string(r, 1, make_upn(f"801200{r:06d}"))
        ws.write_string(r, 2, f"Pupil{r}")
        ws.write_string(r, 3, f"Surname{r % 997}")
        ws.write_string(r, col["Provider ID"], ids[r % providers])
        ws.write_string(r, col["Reason"], schema.REASONS[r % len(schema.REASONS)])
        ws.write_string(r, col["Arranged by"], "School" if r % 3 else "Local authority")
        ws.write_number(r, col["Start date"], start, date)
        ws.write_string(r, col["Mon"], "Full day")
        for day in ("Tue", "Wed", "Thu", "Fri"):
            p = patterns[rng.randrange(5)]
            if p:
                ws.write_string(r, col[day], p)
        for c in duties:
            ws.write_number(r, c, start - 3, date)
    wb.close()
    return folder


def measure(code: str, *args: str, timeout: float) -> dict:
    """Run `code` in a child; its wall time and peak RSS (getrusage of that child alone, via wait4)
    and the JSON it prints. A child still running at `timeout` is killed and reported."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            return {"timed_out": True, "seconds": round(time.monotonic() - started, 1), "peak_mb": usage.ru_maxrss // 1024}
        time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out, err = proc.stdout.read().decode(), proc.stderr.read().decode()
    assert proc.returncode == 0, err[-3000:]
    return {"timed_out": False, "seconds": round(time.monotonic() - started, 1), "peak_mb": usage.ru_maxrss // 1024,
            **json.loads(out.strip().splitlines()[-1])}


READ = """
import json, sys
from pathlib import Path
from pipeline.findings import Findings
from pipeline.read.registers import read_registers
findings = Findings()
regs = read_registers(Path(sys.argv[1]), findings)
print(json.dumps({"placements": len(regs.placements), "findings": len(findings)}))
"""

WEEKLY = """
import datetime as dt, json, sys
from pipeline.core import compute_facts
result = compute_facts(sys.argv[1], dt.date(2026, 11, 23))
print(json.dumps({"pupils": len(result.summary["pupils"]), "findings": len(result.summary["findings"]),
                  "actions": len(result.summary["actions"])}))
"""


@pytest.fixture(scope="module")
def big_sheet(tmp_path_factory) -> Path:
    started = time.monotonic()
    folder = write_big_placements(tmp_path_factory.mktemp("big") / "data")
    print(f"\nwrote a {ROWS:,}-row placements.xlsx ({(folder / 'placements.xlsx').stat().st_size / 1e6:.1f} MB) "
          f"in {time.monotonic() - started:.1f} s")
    return folder


@pytest.mark.slow
def test_a_100000_row_placements_sheet_is_read_within_bounds(big_sheet):
    m = measure(READ, str(big_sheet), timeout=READ_SECONDS)
    print(f"read_registers on {ROWS:,} rows: {m['seconds']} s, peak RSS {m['peak_mb']} MB")
    assert not m["timed_out"], f"more than {READ_SECONDS} s"
    assert m["placements"] == ROWS and m["findings"] == 0
    assert m["seconds"] < READ_SECONDS and m["peak_mb"] < READ_MB


@pytest.mark.slow
def test_a_100000_row_placements_sheet_goes_through_the_week_within_bounds(big_sheet):
    m = measure(WEEKLY, str(big_sheet), timeout=WEEK_SECONDS)
    print(f"compute_facts on {ROWS:,} rows: {m['seconds']} s, peak RSS {m['peak_mb']} MB"
          + (" (stopped: too slow)" if m["timed_out"] else f", {m.get('actions')} actions"))
    assert not m["timed_out"], f"more than {WEEK_SECONDS} s"
    assert m["pupils"] > 0.9 * ROWS
    assert m["seconds"] < WEEK_SECONDS and m["peak_mb"] < WEEK_MB
