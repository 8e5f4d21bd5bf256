"""Benchmark the weekly run on synthetic schools of three sizes (S, M, L), and the trust run on a synthetic
trust (T), and print markdown tables.

    .venv/bin/python benchmarks/bench.py [--sizes S,M,L,T] [--keep] [--openpyxl-sample N]
                                         [--trust-schools 40] [--trust-weeks 39] [--jobs N]

For each size: generate a school with `tools.synth` (timed on its own), then, each in a fresh child
process so that imports and peak RSS are real:
  cold  run_weekly.py for the last generated week into an empty OUT;
  warm  add the next school week's returns, then run_weekly.py for that week into the same OUT
        (whatever the cold run cached there is reused);
  the two read baselines: every .xlsx of the folder, every sheet, read with pandas.read_excel(engine="openpyxl")
        (what a user would write) and with python_calamine directly (the floor).
The baselines read the folder as the cold run found it (before the warm run's week is added).

T: generate a trust with `tools.synth --trust` (40 schools of 10-60 placements sharing 60 providers), then, each
in a fresh child process, into an empty OUT:
  trust     `pipeline.trust.run.run_trust` for the last generated week (--jobs, default one worker per core);
  separate  `pipeline.run.run_week` for each school of the trust in turn, as --data runs it (a school without
            its own providers.xlsx given the trust's, as the trust run does), the sum of their wall times.
Peak RSS of the trust run is of the process tree: the parent's peak plus the largest worker's
(getrusage RUSAGE_SELF + RUSAGE_CHILDREN maxrss). The tables are printed and written to benchmarks/results.md.
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

TRUST = "T"

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


TRUST_SCRIPT = r'''
import datetime as dt, json, resource, sys, time
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from pipeline.trust.run import run_trust
imported = time.perf_counter() - start
data, out, week, jobs = sys.argv[2], sys.argv[3], dt.date.fromisoformat(sys.argv[4]), int(sys.argv[5]) or None
from pathlib import Path
outcome = run_trust(Path(data), Path(out), week=week, jobs=jobs)
mb = lambda who: resource.getrusage(who).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - start, "imports": imported, "run": outcome.wall_seconds,
                  "jobs": outcome.jobs, "exit": outcome.exit_code, "ran": sum(s.ran for s in outcome.facts.schools),
                  "rss_self": mb(resource.RUSAGE_SELF), "rss_children": mb(resource.RUSAGE_CHILDREN)}))
'''

SEPARATE_SCRIPT = r'''
import datetime as dt, json, resource, sys, time
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from pipeline.run import run_week
from pipeline.trust.settings import load_trust
imported = time.perf_counter() - start
from pathlib import Path
data, out, week = Path(sys.argv[2]), Path(sys.argv[3]), dt.date.fromisoformat(sys.argv[4])
trust = load_trust(data)
walls, codes = [], []
for school in trust.schools:
    folder = trust.school_dir(school)
    shared = None if (folder / "providers.xlsx").is_file() else trust.shared_providers
    t = time.perf_counter()
    codes.append(run_week(folder, out / school, week, providers_file=shared).exit_code)
    walls.append(time.perf_counter() - t)
print(json.dumps({"seconds": sum(walls), "imports": imported, "slowest": max(walls), "codes": codes,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def run_trust_size(work: Path, schools: int, weeks: int, jobs: int) -> dict:
    """The trust run against the sum of the same schools' separate runs (see the module's docstring)."""
    from tools.synth_trust import build_trust, calendar_of
    from tools.synth import SCHOOL_NAME, SCHOOL_TARGET, SCHOOL_TOML

    data = work / "trust"
    gen, _, _, code, _ = measure([PY, "-m", "tools.synth", "--trust", str(data), "--schools", str(schools),
                                  "--weeks", str(weeks)])
    if code:
        raise SystemExit(f"generating the trust failed (exit {code})")
    params = json.loads((data / "synth.json").read_text(encoding="utf-8"))
    calendar = calendar_of(SCHOOL_TOML.format(name=SCHOOL_NAME, target=SCHOOL_TARGET, budget=0))
    model = build_trust(calendar, params["schools"], params["providers"], params["weeks"], params["seed"])
    placements = sum(len(s.model.placements) for s in model.schools)
    returns = sum(1 for _ in data.rglob("returns/**/*.xlsx"))
    week = last_week(data)
    print(f"[{TRUST}] generated {schools} schools, {placements} placements, {returns} returns in {gen:.1f} s; "
          f"trust run for {week} ...", flush=True)
    load = os.getloadavg()[0]
    wall, cpu, _, code, out = measure([PY, "-c", TRUST_SCRIPT, str(ROOT), str(data), str(work / "out-trust"),
                                       week.isoformat(), str(jobs)])
    if code:
        raise SystemExit(f"the trust run's child failed (exit {code})")
    trust = json.loads(out.strip().splitlines()[-1])
    print(f"[{TRUST}] trust run {trust['seconds']:.1f} s with {trust['jobs']} workers (exit {trust['exit']}); "
          "separate runs ...", flush=True)
    _, sep_cpu, _, code, out = measure([PY, "-c", SEPARATE_SCRIPT, str(ROOT), str(data), str(work / "out-separate"),
                                        week.isoformat()])
    if code:
        raise SystemExit(f"the separate runs' child failed (exit {code})")
    separate = json.loads(out.strip().splitlines()[-1])
    print(f"[{TRUST}] separate runs {separate['seconds']:.1f} s in all (slowest {separate['slowest']:.1f} s)",
          flush=True)
    return {"schools": schools, "weeks": weeks, "placements": placements, "returns": returns, "gen": gen,
            "trust": trust, "trust_wall": wall, "trust_cpu": cpu, "separate": separate, "separate_cpu": sep_cpu,
            "load": (load, os.getloadavg()[0])}


def trust_table(r: dict) -> str:
    t, s = r["trust"], r["separate"]
    rss = t["rss_self"] + t["rss_children"]
    head = ("| schools | placements | returns | weeks | generate s | trust run s | workers | trust CPU s "
            "| separate runs s (sum) | separate CPU s | separate / trust | trust peak RSS MB | separate peak RSS MB "
            "| exits |")
    codes = s["codes"]
    exits = (f"trust {t['exit']} ({t['ran']} of {r['schools']} ran); separate "
             + ", ".join(f"{c}: {codes.count(c)}" for c in sorted(set(codes))))
    lines = [head, "|" + "---|" * (head.count("|") - 1),
             f"| {r['schools']} | {r['placements']} | {r['returns']} | {r['weeks']} | {r['gen']:.1f} "
             f"| {t['seconds']:.1f} | {t['jobs']} | {r['trust_cpu']:.1f} | {s['seconds']:.1f} | {r['separate_cpu']:.1f} "
             f"| {s['seconds'] / t['seconds']:.2f} | {rss:.0f} | {s['rss']:.0f} | {exits} |"]
    notes = [f"Trust run: `run_trust` in a fresh child process into an empty OUT, wall time from before its imports "
             f"({t['imports']:.1f} s) to the trust report written; CPU is the child's and its workers' user + "
             "system time. Separate runs: `run_week` for each school in turn in one fresh child process into "
             f"empty OUT folders, the sum of the calls' wall times (imports, {s['imports']:.1f} s, not counted: as "
             f"{r['schools']} separate --data processes they would be paid {r['schools']} times). Peak RSS of the "
             "trust run: the parent's peak plus the largest worker's (maxrss of RUSAGE_SELF + RUSAGE_CHILDREN; "
             "the workers run at once, so the tree's true peak may be up to a worker's peak more per further "
             f"worker); of the separate runs: their process's peak. 1-minute load average {r['load'][0]:.1f} "
             f"to {r['load'][1]:.1f} on {os.cpu_count()} cores."]
    return "\n".join(lines + [""] + [f"{n}  " for n in notes]) + "\n"


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
    ap.add_argument("--sizes", default="S,M,L", help="comma-separated, from S, M, L and T, the trust (default S,M,L)")
    ap.add_argument("--trust-schools", type=int, default=40, metavar="N", help="schools in the trust T (default 40)")
    ap.add_argument("--trust-weeks", type=int, default=39, metavar="N", help="weeks of returns in the trust T (default 39)")
    ap.add_argument("--jobs", type=int, default=0, metavar="N", help="the trust run's workers (default: one per core)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folders and reports")
    ap.add_argument("--openpyxl-sample", type=int, default=600, metavar="N",
                    help="above N returns, time openpyxl on a random sample of N and extrapolate (0: read all)")
    args = ap.parse_args(argv)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES and s != TRUST]
    if unknown:
        ap.error(f"unknown size {', '.join(unknown)}: choose from {', '.join(SIZES)}, {TRUST}")
    start, rows, trust = time.perf_counter(), [], None
    for size in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"ap-bench-{size}-"))
        try:
            if size == TRUST:
                trust = run_trust_size(work, args.trust_schools, args.trust_weeks, args.jobs)
            else:
                rows.append(run_size(size, work, args.openpyxl_sample))
        finally:
            if args.keep:
                print(f"[{size}] kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    text = table(rows, time.perf_counter() - start) if rows else ""
    if trust:
        text += ("\n" if text else "") + "## Trust run (T)\n\n" + trust_table(trust)
    print("\n" + text)
    (ROOT / "benchmarks" / "results.md").write_text("# Benchmark results\n\nWritten by `benchmarks/bench.py`.\n\n"
                                                   + text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
