"""Benchmark the weekly run on synthetic schools of three sizes (S, M, L) and print a markdown table.

    .venv/bin/python benchmarks/bench.py [--sizes S,M,L] [--keep] [--openpyxl-sample N]

For each size: generate a school with `tools.synth` (timed on its own), then, each in a fresh child
process so that imports and peak RSS are real:
  cold  run_weekly.py for the last generated week into an empty OUT;
  warm  add the next school week's returns, then run_weekly.py for that week into the same OUT
        (whatever the cold run cached there is reused);
  the two read baselines: every .xlsx of the folder, every sheet, read with pandas.read_excel(engine="openpyxl")
        (what a user would write) and with python_calamine directly (the floor).
The baselines read the folder as the cold run found it (before the warm run's week is added). The table
is printed and written to benchmarks/results.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tools.synth import add_week, last_week  # noqa: E402

PY = sys.executable
SIZES = {"S": (30, 8, 39), "M": (300, 40, 39), "L": (2000, 150, 39)}
GNU_TIME = Path("/usr/bin/time")
# (size, what, limit, how the measured value is worked out)
TARGETS = [
    ("L", "cold / calamine read", 3.0, lambda r: r["cold"] / r["calamine"]),
    ("L", "cold / openpyxl read", 0.25, lambda r: r["cold"] / r["openpyxl"]),
    ("L", "warm / cold", 0.35, lambda r: r["warm"] / r["cold"]),
    ("L", "peak RSS (MB)", 1024, lambda r: r["rss"]),
    ("S", "cold wall (s), imports included", 2.0, lambda r: r["cold"]),
]

READ_SCRIPT = r'''
import json, random, sys, time
from pathlib import Path
reader, data, sample = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
if reader == "guard":       # the reader guard's scan alone (pipeline.read.guard), from the file's bytes
    sys.path.insert(0, sys.argv[4])
    from pipeline.read.guard import scan
    read = lambda p: scan(p.read_bytes())
elif reader == "openpyxl":
    import pandas as pd
    read = lambda p: pd.read_excel(p, sheet_name=None, engine="openpyxl")
else:
    import python_calamine
    def read(p):
        book = python_calamine.CalamineWorkbook.from_path(str(p))
        return [book.get_sheet_by_name(s).to_python() for s in book.sheet_names]
files = sorted(data.rglob("*.xlsx"))
registers = [p for p in files if p.parent == data]
returns = [p for p in files if p.parent != data]
chosen = returns if not sample or len(returns) <= sample else random.Random(0).sample(returns, sample)
def timed(paths):
    wall, cpu = time.perf_counter(), time.process_time()
    for p in paths:
        read(p)
    return time.perf_counter() - wall, time.process_time() - cpu
scale = len(returns) / max(len(chosen), 1)
(w1, c1), (w2, c2) = timed(registers), timed(chosen)
print(json.dumps({"seconds": w1 + w2 * scale, "cpu": c1 + c2 * scale,
                  "files": len(files), "read": len(registers) + len(chosen)}))
'''


def measure(cmd: list[str]) -> tuple[float, float, float, int, str]:
    """Run cmd in a child: (wall seconds, CPU seconds (user + system), peak RSS in MB, exit code, stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as usage:
        if GNU_TIME.exists():
            full = [str(GNU_TIME), "-f", "%M %U %S", "-o", usage.name, *cmd]
        else:   # a fresh child whose only child is cmd: its RUSAGE_CHILDREN is cmd's alone
            full = [PY, "-c", "import resource, subprocess, sys; r = subprocess.run(sys.argv[2:]).returncode; "
                    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
                    "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime} {u.ru_stime}'); sys.exit(r)",
                    usage.name, *cmd]
        start = time.perf_counter()
        done = subprocess.run(full, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - start
        last = (Path(usage.name).read_text().strip().splitlines() or [""])[-1].split()
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stderr[-3000:])
    try:
        rss, cpu = int(last[0]) / 1024, float(last[1]) + float(last[2])
    except (IndexError, ValueError):
        rss = cpu = float("nan")
    return wall, cpu, rss, done.returncode, done.stdout


def read_baseline(reader: str, data: Path, sample: int) -> dict:
    _, _, rss, code, out = measure([PY, "-c", READ_SCRIPT, reader, str(data), str(sample), str(ROOT)])
    if code:
        raise SystemExit(f"the {reader} read baseline failed (exit {code})")
    return dict(json.loads(out), rss=rss)


def run_size(size: str, work: Path, sample: int) -> dict:
    placements, providers, weeks = SIZES[size]
    data, out = work / "data", work / "out"
    gen, _, _, code, _ = measure([PY, "-m", "tools.synth", "--placements", str(placements), "--providers",
                               str(providers), "--weeks", str(weeks), str(data)])
    if code:
        raise SystemExit(f"generating {size} failed (exit {code})")
    returns = sum(1 for _ in (data / "returns").rglob("*.xlsx"))
    week = last_week(data)
    print(f"[{size}] generated {returns} returns in {gen:.1f} s; cold run for {week} ...", flush=True)
    run = [PY, "run_weekly.py", "--data", str(data), "--out", str(out), "--week"]
    load = os.getloadavg()[0]
    cold, cold_cpu, cold_rss, cold_code, _ = measure(run + [week.isoformat()])
    print(f"[{size}] cold {cold:.1f} s (exit {cold_code}); read baselines ...", flush=True)
    opx = read_baseline("openpyxl", data, sample)          # the same workbooks the cold run read
    cal = read_baseline("calamine", data, 0)
    guard = read_baseline("guard", data, 0)
    print(f"[{size}] openpyxl {opx['seconds']:.1f} s ({opx['read']} of {opx['files']} files read), "
          f"calamine {cal['seconds']:.1f} s, reader guard {guard['seconds']:.1f} s", flush=True)
    new_week, added = add_week(data)
    print(f"[{size}] warm run for {new_week} (+{len(added)} returns) ...", flush=True)
    warm, warm_cpu, warm_rss, warm_code, _ = measure(run + [new_week.isoformat()])
    print(f"[{size}] warm {warm:.1f} s (exit {warm_code})", flush=True)
    return {"size": size, "placements": placements, "providers": providers, "returns": returns, "gen": gen,
            "cold": cold, "warm": warm, "rss": max(cold_rss, warm_rss), "openpyxl": opx["seconds"],
            "calamine": cal["seconds"], "guard": guard["seconds"], "guard_files": guard["files"],
            "codes": (cold_code, warm_code), "opx_read": opx["read"],
            "opx_files": opx["files"], "cpu": {"cold": cold_cpu, "warm": warm_cpu, "openpyxl": opx["cpu"],
                                              "calamine": cal["cpu"]}, "load": (load, os.getloadavg()[0])}


def verdicts(row: dict) -> list[tuple[str, float, float, float]]:
    """(target, measured on wall times, limit, measured on CPU times) for each target of the row's size."""
    by_cpu = dict(row, **row["cpu"])
    return [(what, value(row), limit, value(by_cpu)) for size, what, limit, value in TARGETS if size == row["size"]]


def verdict(value: float, limit: float) -> str:
    return "PASS" if value <= limit else "FAIL"


def table(rows: list[dict], total: float) -> str:
    head = ("| size | placements | providers | returns | generate s | cold s | cold CPU s | warm s | warm/cold "
            "| peak RSS MB | openpyxl read s | calamine read s | guard s | guard ms/file | cold/calamine | cold/openpyxl "
            "| targets |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    notes = []
    for r in rows:
        marks = "; ".join(f"{what} {verdict(v, limit)}" for what, v, limit, _ in verdicts(r)) or "-"
        sampled = r["opx_read"] < r["opx_files"]
        lines.append(f"| {r['size']} | {r['placements']} | {r['providers']} | {r['returns']} | {r['gen']:.1f} "
                     f"| {r['cold']:.1f} | {r['cpu']['cold']:.1f} | {r['warm']:.1f} | {r['warm'] / r['cold']:.2f} "
                     f"| {r['rss']:.0f} | {r['openpyxl']:.1f}{'*' if sampled else ''} | {r['calamine']:.2f} "
                     f"| {r['guard']:.2f} | {1000 * r['guard'] / max(r['guard_files'], 1):.1f} "
                     f"| {r['cold'] / r['calamine']:.1f} | {r['cold'] / r['openpyxl']:.2f} | {marks} |")
        if sampled:
            notes.append(f"\\* {r['size']}: the openpyxl baseline read the registers and a seeded random sample of "
                         f"{r['opx_read'] - 2} returns ({r['opx_read']} of {r['opx_files']} workbooks) and "
                         "extrapolated to all the returns.")
        if r["codes"] != (1, 1):
            notes.append(f"{r['size']}: run_weekly.py exited {r['codes'][0]} (cold) and {r['codes'][1]} (warm); "
                         "1 is expected (the synthetic returns have deliberate errors).")
    lines += ["", "| target | size | measured (wall) | limit | result | measured (CPU) | result by CPU |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        for what, value, limit, cpu in verdicts(r):
            lines.append(f"| {what} | {r['size']} | {value:.2f} | {limit:g} | {verdict(value, limit)} "
                         f"| {cpu:.2f} | {verdict(cpu, limit)} |")
    loads = ", ".join(f"{r['size']} {r['load'][0]:.1f} to {r['load'][1]:.1f}" for r in rows)
    notes += ["Cold: `run_weekly.py --data D --week <last generated week> --out O` with an empty O; warm: one more "
              "week of returns added, then the run for that week into the same O. Both are wall times of a fresh "
              "process, imports included; CPU is its user + system time; peak RSS is the larger of the two "
              "(maximum resident set size). Generate: `python -m tools.synth` in a child, wall time.",
              "Read baselines: every sheet of every .xlsx in the folder, timed inside a child process after its "
              "imports (`pandas.read_excel(sheet_name=None, engine=\"openpyxl\")`; "
              "`python_calamine.CalamineWorkbook.from_path(p).get_sheet_by_name(s).to_python()`). Guard: "
              "`pipeline.read.guard.scan` of every .xlsx's bytes (what each run does before calamine opens a "
              "workbook), in a child process; ms/file is its total over the number of workbooks.",
              f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}; "
              f"1-minute load average from the start of each cold run to the end of its size: {loads} "
              "(a load above the core count means other work shared the machine: wall times are then inflated and "
              "the CPU columns are the steadier measure). Whole benchmark: {total:.0f} s.".replace("{total:.0f}", f"{total:.0f}")]
    return "\n".join(lines + [""] + [f"{n}  " for n in notes]) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="S,M,L", help="comma-separated, from S, M, L (default all three)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folders and reports")
    ap.add_argument("--openpyxl-sample", type=int, default=600, metavar="N",
                    help="above N returns, time openpyxl on a random sample of N and extrapolate (0: read all)")
    args = ap.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        ap.error(f"unknown size {', '.join(unknown)}: choose from {', '.join(SIZES)}")
    start, rows = time.perf_counter(), []
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"ap-bench-{size}-"))
        try:
            rows.append(run_size(size, work, args.openpyxl_sample))
        finally:
            if args.keep:
                print(f"[{size}] kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    text = table(rows, time.perf_counter() - start)
    print("\n" + text)
    (ROOT / "benchmarks" / "results.md").write_text("# Benchmark results\n\nWritten by `benchmarks/bench.py`.\n\n"
                                                   + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
