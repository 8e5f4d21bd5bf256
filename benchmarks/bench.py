"""Benchmark the weekly run on synthetic schools (S, M, L), a 100,000-row Placements register (P) and a
synthetic trust (T); print markdown tables and write them to benchmarks/results.md.

    .venv/bin/python benchmarks/bench.py              # everything: S, M, L, P and T
    .venv/bin/python benchmarks/bench.py [--sizes S,M,L,P,T] [--repeat 5] [--repeat-large 3] [--timeout 600]
                                         [--profile L]
                                         [--keep] [--openpyxl-sample 600] [--trust-schools 40] [--jobs N]

Every figure is the median of --repeat runs (default 5; of P and T, --repeat-large, default 3: a P run takes a
minute) with their min and max (five rounds, not three: with three, the median of L's warm / cold moved by 0.05
between two benchmarks of the same code ten minutes apart); CPU time (user + system of
the child process and everything it waited for) is given beside each wall time, and the 1-minute load
average at the start and end of each size (the machine is shared: a load above its core count inflates the
wall times, and the CPU times are then the steadier measure). Each run is a fresh child process, so that
imports and peak RSS are real, killed after --timeout seconds (reported TIMEOUT; the size's further
repeats of that run are skipped). Runs import the pipeline from its bytecode, as an installed copy does
(RUN_ENV: written once at the start, even where the machine is set not to write it).

S, M, L: generate a school with `tools.synth` (timed once) and a copy of it with one more school week of
returns (the warm runs' school), then --repeat rounds of, one after the other:
  cold      run_weekly.py for the last generated week into an empty OUT;
  calamine  every sheet of every .xlsx read with python_calamine, timed after the child's imports (the floor);
  warm      the run for the added week, on the copy, into a copy of the first cold run's OUT (whatever it
            cached there is reused);
then --repeat times guard, `pipeline.read.guard.scan` of every .xlsx's bytes (what a cold run does before
calamine opens one), and once openpyxl, every sheet read with pandas.read_excel(engine="openpyxl") (what a user
would write; a reference, not a target; above --openpyxl-sample returns on a seeded sample, extrapolated).
Paired ratios (cold_i / calamine_i, warm_i / cold_i) are summarised like the figures; each pair is of one
round, measured within seconds of each other: the machine's speed drifts by a tenth over minutes, and with
every cold run first and every warm run minutes later, two benchmarks of the same code gave warm / cold 0.33
and 0.39. With --profile L (the default), one more cold run timed phase by phase with
no profiler (benchmarks/phases.py) names the remaining bottleneck with its share of the run, and one more under
cProfile gives the largest parts of the run with their share of its profiled total (PROFILE_PARTS).
P: a school of 100,000 placements, 400 providers, 2 weeks (`tools.synth`, timed once), then --repeat-large cold runs.
T: a trust from `tools.synth --trust` (40 schools of 10-60 placements sharing 60 providers), then --repeat-large
times each, into an empty OUT: the trust run (`run_trust`, --jobs workers, default one per core) and the
separate runs (`run_week` for each school in turn in one child, the sum of their wall times; a school without
its own providers.xlsx given the trust's, as the trust run does). Peak RSS of the trust run is of the process
tree: the parent's peak plus the largest worker's.

The raw samples are kept in benchmarks/results.json by size; a run of some sizes replaces those sizes there
and results.md is written again from all of them (each size says when it was measured), so a partial run
never wipes the other sizes' tables.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PY = sys.executable
# Each measured run imports the pipeline as an installed copy does, from its bytecode (__pycache__, written by
# compile_pipeline before the first run): a machine set not to write bytecode (PYTHONDONTWRITEBYTECODE) would
# otherwise compile every module again in every run, a cost no school pays.
RUN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
RESULTS = ROOT / "benchmarks" / "results.md"
DATA = ROOT / "benchmarks" / "results.json"
GNU_TIME = Path("/usr/bin/time")
# placements, providers, weeks: 38 of the year's 40 school weeks, so that the week a warm run adds (the 39th,
# 12 July 2027) is a usual week, with next week's pre-filled returns to write. With 39 the warm run's week was the
# term's last (19 July), after which the synthetic school has no school day: it wrote no return, 0.9 s less at L.
SCHOOLS = {"S": (30, 8, 38), "M": (300, 40, 38), "L": (2000, 150, 38)}
REGISTER, TRUST = "P", "T"
REGISTER_SIZE = (100_000, 400, 2)
ALL = [*SCHOOLS, REGISTER, TRUST]
MB_LIMIT = 1024

# (size, target, limit, figure: a key of figures(), digits shown)
TARGETS = [
    ("L", "L cold ≤ 3 × the calamine read floor", 3.0, "cold / calamine", 2),
    ("L", "L warm ≤ 0.35 × L cold", 0.35, "warm / cold", 2),
    ("L", "L peak RSS ≤ 1 GB (MB)", MB_LIMIT, "peak RSS MB", 0),
    (REGISTER, "100,000-row register peak RSS ≤ 1 GB (MB)", MB_LIMIT, "peak RSS MB", 0),
    ("S", "S cold ≤ 2 s wall, imports included", 2.0, "cold s", 2),
]
TARGET_SIZES = {size for size, *_ in TARGETS}

# (part of the run, function name, file it is defined in): the largest steps of a cold run, for the profile
PROFILE_PARTS = [
    ("reading the registers", "read_registers", "pipeline/read/registers.py"),
    ("reading the returns (guard, calamine, checks, cache)", "read_returns", "pipeline/read/returns.py"),
    ("  of which the reader guard", "scan", "pipeline/read/guard.py"),
    ("sessions table", "build_sessions", "pipeline/sessions.py"),
    ("rules", "run_rules", "pipeline/rules/__init__.py"),
    ("weekly workbook", "write_xlsx_report", "pipeline/render/xlsx_report.py"),
    ("weekly page", "write_html_report", "pipeline/render/html_report.py"),
    ("annotated copies", "write_annotated", "pipeline/annotate.py"),
    ("letters", "write_letters", "pipeline/letters.py"),
    ("next week's pre-filled returns", "prepare_deliveries", "pipeline/delivery/prepare.py"),
]


# ---------------------------------------------------------------- pure parts: summaries, verdicts, results

def summary(values: list) -> dict:
    """Median, min and max of the values that are numbers (None: a run that timed out), and how many timed out."""
    done = [v for v in values if v is not None]
    timeouts = len(values) - len(done)
    if not done:
        return {"median": None, "min": None, "max": None, "n": 0, "timeouts": timeouts}
    return {"median": statistics.median(done), "min": min(done), "max": max(done), "n": len(done),
            "timeouts": timeouts}


def fmt(s: dict, digits: int = 1) -> str:
    """'10.3 (10.1–10.8)', '1.6' for a single run, 'TIMEOUT' when none finished."""
    if s["median"] is None:
        return "TIMEOUT" if s["timeouts"] else "-"
    text = f"{s['median']:,.{digits}f}"
    if s["n"] > 1:
        text += f" ({s['min']:,.{digits}f}–{s['max']:,.{digits}f})"
    if s["timeouts"]:
        text += f" +{s['timeouts']} TIMEOUT"
    return text


def verdict(s: dict, limit: float) -> str:
    """PASS or FAIL on the median; TIMEOUT when a run did not finish (its figure is unknown)."""
    if s["timeouts"] or s["median"] is None:
        return "TIMEOUT"
    return "PASS" if s["median"] <= limit else "FAIL"


def _walls(runs: list[dict], key: str = "wall") -> list:
    return [None if r.get("timeout") else r.get(key) for r in runs]


def _ratios(top: list, bottom: list) -> list:
    return [None if a is None or b in (None, 0) else a / b for a, b in zip(top, bottom)]


def figures(d: dict) -> dict[str, tuple[list, list]]:
    """A size's figures as (wall samples, CPU samples); None marks a run that timed out."""
    f = {}
    for run in ("cold", "warm", "calamine", "guard", "openpyxl", "trust", "separate"):
        if run in d:
            f[f"{run} s"] = (_walls(d[run]), _walls(d[run], "cpu"))
    if "cold" in d and "calamine" in d:
        f["cold / calamine"] = tuple(_ratios(f["cold s"][i], f["calamine s"][i]) for i in (0, 1))
    if "cold" in d and "warm" in d:
        f["warm / cold"] = tuple(_ratios(f["warm s"][i], f["cold s"][i]) for i in (0, 1))
    if "trust" in d and "separate" in d:
        f["separate / trust"] = tuple(_ratios(f["separate s"][i], f["trust s"][i]) for i in (0, 1))
    kinds = [_walls(d[run], "rss") for run in ("cold", "warm", "trust") if run in d]
    if kinds:
        # peak RSS of the i-th cold and warm runs (or trust run); unknown when one of them timed out
        peaks = [None if None in pair else max(pair) for pair in zip(*kinds)]
        f["peak RSS MB"] = (peaks, peaks)
    return f


def target_rows(data: dict) -> list[tuple[str, str, dict, float, dict, int]]:
    """(target, size, wall summary, limit, CPU summary, digits) for each target whose size has been measured."""
    rows = []
    for size, what, limit, key, digits in TARGETS:
        f = figures(data[size]) if size in data else {}
        if key in f:
            rows.append((what, size, summary(f[key][0]), limit, summary(f[key][1]), digits))
    return rows


def md_table(head: list[str], rows: list[list[str]]) -> str:
    """The one table writer: a markdown table."""
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def merge(old: dict, new: dict) -> dict:
    """The stored sizes with those measured now replacing theirs (the other sizes kept as they were)."""
    return {size: (new.get(size) or old[size]) for size in ALL if size in old or size in new}


def load_line(d: dict) -> str:
    start, end = d["load"]
    return (f"measured {d['when']}; 1-minute load average {start:.1f} at the start, {end:.1f} at the end, "
            f"on {d['cores']} cores{' (wall times inflated)' if max(start, end) > d['cores'] else ''}")


def school_section(data: dict) -> str:
    sizes = [s for s in SCHOOLS if s in data]
    head = ["figure"] + [f"{s} ({data[s]['placements']:,} placements, {data[s]['providers']} providers, "
                         f"{data[s]['returns']:,} returns)" for s in sizes]
    names = [("cold s", 2), ("warm s", 2), ("calamine s", 2), ("guard s", 2), ("openpyxl s", 1),
             ("cold / calamine", 1), ("warm / cold", 2)]
    rows = []
    for name, digits in names:
        figs = [figures(data[s]) for s in sizes]
        rows.append([f"{name} (wall)"] + [fmt(summary(f[name][0]), digits) if name in f else "-" for f in figs])
        rows.append([f"{name} (CPU)"] + [fmt(summary(f[name][1]), digits) if name in f else "-" for f in figs])
    rows.append(["peak RSS MB"] + [fmt(summary(figures(data[s])["peak RSS MB"][0]), 0) for s in sizes])
    rows.append(["generate s (once)"] + [f"{data[s]['gen']:.1f}" for s in sizes])
    rows.append(["exit codes (cold; warm)"] + [_codes(data[s], "cold", "warm") for s in sizes])
    notes = [f"{s}: {load_line(data[s])}; {data[s]['repeat']} runs of each." for s in sizes]
    notes += [f"{s}: openpyxl read once, on the registers and a seeded sample of {data[s]['opx_read'] - 2} of the "
              f"returns, extrapolated to all {data[s]['opx_files']} workbooks." for s in sizes
              if data[s]["opx_read"] < data[s]["opx_files"]]
    notes.append("Cold: `run_weekly.py --data D --week <last generated week> --out O`, O empty; warm: on a copy of D "
                 "with one more week of returns, the run for that week into a copy of the first cold run's O. Each "
                 "round runs a cold run, the calamine read and a warm run one after the other, and the ratios are of "
                 "one round's runs. Wall time of a "
                 "fresh process, imports included (from bytecode, as installed); CPU is its user + system time (with its children's); peak RSS is "
                 "the largest process's maximum resident set size over the cold and warm runs. Calamine, guard and "
                 "openpyxl are timed inside a child after its imports. Exit code 1 is expected (the synthetic "
                 "returns hold deliberate errors). Figures: median (min–max).")
    return _section("Schools S, M, L", md_table(head, rows), notes)


def register_section(d: dict) -> str:
    f = figures(d)
    rows = [["cold s (wall)", fmt(summary(f["cold s"][0]), 1)], ["cold s (CPU)", fmt(summary(f["cold s"][1]), 1)],
            ["peak RSS MB", fmt(summary(f["peak RSS MB"][0]), 0)], ["generate s (once)", f"{d['gen']:.1f}"],
            ["exit codes", _codes(d, "cold")]]
    notes = [f"{d['placements']:,} placements, {d['providers']} providers, {d['weeks']} weeks, {d['returns']:,} "
             f"returns; {load_line(d)}; {d['repeat']} cold runs, each to be stopped after {d['timeout']:.0f} s "
             f"(runs that timed out: {sum(bool(r.get('timeout')) for r in d['cold'])}).",
             "Cold run and peak RSS as for the schools."]
    return _section(f"{REGISTER}: a {d['placements']:,}-row Placements register", md_table(["figure", "value"], rows),
                    notes)


def trust_section(d: dict) -> str:
    f = figures(d)
    rows = [["trust run s (wall)", fmt(summary(f["trust s"][0]), 1)],
            ["trust run s (CPU, parent and workers)", fmt(summary(f["trust s"][1]), 1)],
            ["separate runs s (sum of wall)", fmt(summary(f["separate s"][0]), 1)],
            ["separate runs s (CPU)", fmt(summary(f["separate s"][1]), 1)],
            ["separate / trust (wall)", fmt(summary(f["separate / trust"][0]), 2)],
            ["separate / trust (CPU)", fmt(summary(f["separate / trust"][1]), 2)],
            ["trust peak RSS MB (process tree)", fmt(summary(f["peak RSS MB"][0]), 0)],
            ["separate runs peak RSS MB", fmt(summary(_walls(d["separate"], "rss")), 0)],
            ["workers", ", ".join(sorted({str(r.get("jobs")) for r in d["trust"] if not r.get("timeout")})) or "-"],
            ["exit codes (trust; separate runs)", _codes(d, "trust") + "; " + _codes(d, "separate")],
            ["generate s (once)", f"{d['gen']:.1f}"]]
    notes = [f"{d['schools']} schools, {d['placements']:,} placements, {d['returns']:,} returns, {d['weeks']} weeks; "
             f"{load_line(d)}; {d['repeat']} runs of each.",
             "Trust run: `run_trust` in a fresh child into an empty OUT, wall from before its imports to the trust "
             "report written; CPU is the child's and its workers' user + system time. Separate runs: `run_week` for "
             "each school in turn in one fresh child into empty folders, the sum of the calls' wall and CPU times "
             f"(imports not counted: as {d['schools']} --data processes they would be paid {d['schools']} times). "
             "Peak RSS of the trust run: the parent's peak plus the largest worker's (the workers run at once, so "
             "the tree's true peak may be up to a worker's peak more per further worker)."]
    return _section(f"{TRUST}: a trust of {d['schools']} schools", md_table(["figure", "value"], rows), notes)


def targets_section(data: dict) -> str:
    rows = [[what, size, fmt(wall, digits), f"{limit:g}", verdict(wall, limit), fmt(cpu, digits),
             verdict(cpu, limit)] for what, size, wall, limit, cpu, digits in target_rows(data)]
    notes = ["Judged on the median of the wall times, as the issue says; the CPU-based verdict is beside it (the "
             "steadier one when the load average was above the core count). Ratios are of paired runs "
             "(cold_i / calamine_i, warm_i / cold_i). Peak RSS has no CPU form: both columns give it."]
    head = ["target", "size", "measured (wall): median (min–max)", "limit", "result", "measured (CPU)",
            "result by CPU"]
    return _section("Targets (issue 18)", md_table(head, rows), notes)


def profile_section(size: str, d: dict) -> str:
    p = d["profile"]
    rows = [[part, f"{seconds:.1f}", f"{100 * seconds / p['total']:.0f}%"] for part, seconds in p["parts"]]
    rows.append(["whole run (profiled)", f"{p['total']:.1f}", "100%"])
    notes = [f"One more {size} cold run under cProfile (`python -m cProfile run_weekly.py ...`, which slows it): each "
             "part's cumulative time and its share of the profiled total. Imports, settings, the week's figures "
             "and the comparison with last week are the rest. Work done in worker processes is seen as the "
             "parent's wait.", f"Largest part: {p['parts'][0][0].strip()} "
             f"({100 * p['parts'][0][1] / p['total']:.0f}% of the profiled {size} cold run)." if p["parts"] else "",
             _guard_share(d)]
    return _section(f"Profile of the {size} cold run", md_table(["part", "cumulative s", "share"], rows), notes)


def phases_section(size: str, d: dict) -> str:
    p = d["phases"]
    rows = [[label, f"{wall:.2f}", f"{cpu:.2f}", f"{100 * wall / p['wall']:.0f}%", f"{calls:,}"]
            for label, wall, cpu, calls in p["phases"]]
    rows.append(["whole run (after imports)", f"{p['wall']:.2f}", f"{p['cpu']:.2f}", "100%", ""])
    top = [(label, wall) for label, wall, _, _ in p["phases"] if not label.startswith(" ")]
    label, wall = max(top, key=lambda t: t[1]) if top else ("", 0.0)
    notes = [f"One more {size} cold run with no profiler (`benchmarks/phases.py`): each phase's wall and CPU time, "
             "timed around its function; an indented phase is part of the one above. Imports, settings, the week's "
             "figures and the comparison with last week are the rest. Work done in worker processes (a cold run's "
             "returns opened, the pre-filled returns written, pipeline/pool.py) is in its phase's wall time and, "
             "once the workers have exited, its CPU time; its parts done in the workers show no calls here. The "
             "weekly workbook and page are written each in a child process while the run writes the other outputs "
             "(pipeline/beside.py): their wall time is only the run's wait for them at the end, their CPU the "
             "children's.",
             f"Remaining bottleneck: {label} ({wall:.1f} s, {100 * wall / p['wall']:.0f}% of the run's wall time)." if top else ""]
    return _section(f"Phases of the {size} cold run (no profiler)",
                    md_table(["phase", "wall s", "CPU s", "share of wall", "calls"], rows), notes)


def _guard_share(d: dict) -> str:
    """The reader guard timed alone against the cold run, both unprofiled (cProfile inflates the guard's many
    small calls, so its profiled share overstates it)."""
    f = figures(d)
    guard, cold, floor = (summary(f[k][0])["median"] for k in ("guard s", "cold s", "calamine s"))
    if None in (guard, cold, floor):
        return ""
    return (f"Unprofiled, the reader guard alone takes {guard:.1f} s, {100 * guard / cold:.0f}% of the median cold "
            f"run ({cold:.1f} s) and {guard / floor:.1f} × the calamine floor ({floor:.2f} s).")


def _codes(d: dict, *runs: str) -> str:
    out = []
    for run in runs:
        codes = ["TIMEOUT" if r.get("timeout") else str(r.get("code")) for r in d.get(run, [])]
        out.append(", ".join(f"{c} ×{codes.count(c)}" for c in sorted(set(codes))) or "-")
    return "; ".join(out)


def _section(title: str, table: str, notes: list[str]) -> str:
    return f"## {title}\n\n{table}\n" + "".join(f"{n}  \n" for n in notes if n)


def render(data: dict) -> str:
    """results.md, whole, from every stored size."""
    parts = ["# Benchmark results\n\nWritten by `benchmarks/bench.py` from the samples in `benchmarks/results.json` "
             "(each size as last measured; see the notes for when).\n"]
    if any(s in data for s in TARGET_SIZES):
        parts.append(targets_section(data))
    if any(s in data for s in SCHOOLS):
        parts.append(school_section(data))
    parts += [phases_section(size, data[size]) for size in SCHOOLS if data.get(size, {}).get("phases")]
    parts += [profile_section(size, data[size]) for size in SCHOOLS if data.get(size, {}).get("profile")]
    if REGISTER in data:
        parts.append(register_section(data[REGISTER]))
    if TRUST in data:
        parts.append(trust_section(data[TRUST]))
    machine = next(iter(data.values()), {}).get("machine", "")
    if machine:
        parts.append(f"Machine: {machine}.\n")
    return "\n".join(parts)


def profile_parts(stats: dict, total: float) -> dict:
    """The cumulative seconds of each PROFILE_PARTS function in a pstats table ({(file, line, name): (cc, nc,
    tt, ct, callers)}), largest first, and the total."""
    parts = []
    for label, name, file in PROFILE_PARTS:
        found = [v[3] for (path, _, fn), v in stats.items() if fn == name and path.replace("\\", "/").endswith(file)]
        if found:
            parts.append((label, max(found)))
    ranked = sorted((p for p in parts if not p[0].startswith(" ")), key=lambda p: -p[1])
    ordered = []
    for part in ranked:         # a sub-part ("  of which ...") stays under its part
        ordered.append(part)
        at = [p[0] for p in parts].index(part[0])
        ordered += [p for p in parts[at + 1:at + 2] if p[0].startswith(" ")]
    return {"parts": ordered, "total": total}


# ---------------------------------------------------------------- measuring (children, timeouts)

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

TRUST_SCRIPT = r'''
import datetime as dt, json, resource, sys, time
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from pipeline.trust.run import run_trust
data, out, week, jobs = sys.argv[2], sys.argv[3], dt.date.fromisoformat(sys.argv[4]), int(sys.argv[5]) or None
from pathlib import Path
outcome = run_trust(Path(data), Path(out), week=week, jobs=jobs)
mb = lambda who: resource.getrusage(who).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - start, "jobs": outcome.jobs, "exit": outcome.exit_code,
                  "ran": sum(s.ran for s in outcome.facts.schools),
                  "rss": mb(resource.RUSAGE_SELF) + mb(resource.RUSAGE_CHILDREN)}))
'''

SEPARATE_SCRIPT = r'''
import datetime as dt, json, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pipeline.run import run_week
from pipeline.trust.settings import load_trust
from pathlib import Path
data, out, week = Path(sys.argv[2]), Path(sys.argv[3]), dt.date.fromisoformat(sys.argv[4])
trust = load_trust(data)
who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
cpu = lambda: sum(u.ru_utime + u.ru_stime for u in map(resource.getrusage, who))
walls, codes, before = [], [], cpu()
for school in trust.schools:
    folder = trust.school_dir(school)
    shared = None if (folder / "providers.xlsx").is_file() else trust.shared_providers
    t = time.perf_counter()
    codes.append(run_week(folder, out / school, week, providers_file=shared).exit_code)
    walls.append(time.perf_counter() - t)
print(json.dumps({"seconds": sum(walls), "cpu": cpu() - before, "codes": codes,
                  "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
'''


def compile_pipeline() -> None:
    """The pipeline's and the tools' bytecode written once, as installing it would (see RUN_ENV)."""
    subprocess.run([PY, "-m", "compileall", "-q", "pipeline", "tools", "benchmarks"], cwd=ROOT, env=RUN_ENV,
                   stdout=subprocess.DEVNULL, check=False)


def measure(cmd: list[str], timeout: float) -> dict:
    """Run cmd in a fresh child (its own process group, killed whole after `timeout` seconds):
    {wall, cpu (user + system of cmd and what it waited for), rss (MB, its largest process), code, stdout,
    timeout}."""
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as usage:
        if GNU_TIME.exists():
            full = [str(GNU_TIME), "-f", "%M %U %S", "-o", usage.name, *cmd]
        else:   # a fresh child whose only child is cmd: its RUSAGE_CHILDREN is cmd's alone
            full = [PY, "-c", "import resource, subprocess, sys; r = subprocess.run(sys.argv[2:]).returncode; "
                    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
                    "open(sys.argv[1], 'w').write(f'{u.ru_maxrss} {u.ru_utime} {u.ru_stime}'); sys.exit(r)",
                    usage.name, *cmd]
        start = time.perf_counter()
        child = subprocess.Popen(full, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True, env=RUN_ENV)
        try:
            out, err = child.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)     # the child's own group: it and everything it started
            child.communicate()
            return {"wall": time.perf_counter() - start, "cpu": None, "rss": None, "code": None, "stdout": "",
                    "timeout": True}
        wall = time.perf_counter() - start
        last = (Path(usage.name).read_text().strip().splitlines() or [""])[-1].split()
    if child.returncode not in (0, 1):
        sys.stderr.write(err[-3000:])
    try:
        rss, cpu = int(last[0]) / 1024, float(last[1]) + float(last[2])
    except (IndexError, ValueError):
        rss = cpu = None
    return {"wall": wall, "cpu": cpu, "rss": rss, "code": child.returncode, "stdout": out, "timeout": False}


def repeat(what: str, times: int, run) -> list[dict]:
    """`run(i)` `times` times, printing each; after a TIMEOUT the further repeats are skipped (they would too)."""
    return rounds(times, {what: run})[what]


def rounds(times: int, runs: dict) -> dict[str, list[dict]]:
    """`times` rounds of each of `runs` (name -> run(i)) once, in order, printing each: the i-th runs of all of
    them are measured one after the other, under the same load. After a TIMEOUT the round's later runs and the
    further rounds are skipped (they would time out too, or have nothing to start from)."""
    done: dict[str, list[dict]] = {name: [] for name in runs}
    for i in range(times):
        for name, run in runs.items():
            r = run(i)
            done[name].append(r)
            cpu = "-" if r.get("cpu") is None else f"{r['cpu']:.2f}"
            print(f"    {name} {i + 1}/{times}: " + ("TIMEOUT" if r.get("timeout") else
                                                     f"{r['wall']:.2f} s wall, {cpu} s CPU, exit {r.get('code')}"),
                  flush=True)
            if r.get("timeout"):
                return done
    return done


def slim(r: dict) -> dict:
    return {k: v for k, v in r.items() if k != "stdout"}


def read_baseline(reader: str, data: Path, sample: int, timeout: float) -> dict:
    r = measure([PY, "-c", READ_SCRIPT, reader, str(data), str(sample), str(ROOT)], timeout)
    if r["timeout"]:
        return slim(r)
    if r["code"]:
        raise SystemExit(f"the {reader} read baseline failed (exit {r['code']})")
    got = json.loads(r["stdout"])
    return {"wall": got["seconds"], "cpu": got["cpu"], "rss": r["rss"], "code": 0, "timeout": False,
            "files": got["files"], "read": got["read"]}


def generate(args: list[str], timeout: float, what: str) -> float:
    r = measure([PY, "-m", "tools.synth", *args], timeout)
    if r["timeout"] or r["code"]:
        raise SystemExit(f"generating {what} failed ({'TIMEOUT' if r['timeout'] else 'exit ' + str(r['code'])})")
    return r["wall"]


def weekly(data: Path, out: Path, week: dt.date, timeout: float, profile: Path | None = None) -> dict:
    prefix = [PY, "-m", "cProfile", "-o", str(profile)] if profile else [PY]
    return slim(measure(prefix + ["run_weekly.py", "--data", str(data), "--out", str(out), "--week",
                                  week.isoformat()], timeout))


def profile_run(data: Path, work: Path, week: dt.date, timeout: float) -> dict | None:
    prof = work / "cold.prof"
    r = weekly(data, work / "out-profile", week, timeout, prof)
    if r["timeout"] or not prof.exists():
        return None
    s = pstats.Stats(str(prof))
    return profile_parts(s.stats, s.total_tt)


def phases_run(data: Path, work: Path, week: dt.date, timeout: float) -> dict | None:
    """benchmarks/phases.py on one more cold run: each phase's wall and CPU time, with no profiler."""
    out = work / "phases.json"
    r = measure([PY, str(ROOT / "benchmarks" / "phases.py"), str(out), "--data", str(data), "--out",
                 str(work / "out-phases"), "--week", week.isoformat()], timeout)
    if r["timeout"] or not out.exists():
        return None
    return json.loads(out.read_text(encoding="utf-8"))


def run_school(size: str, work: Path, args) -> dict:
    from tools.synth import add_week, last_week

    placements, providers, weeks = SCHOOLS[size]
    data = work / "data"
    gen = generate(["--placements", str(placements), "--providers", str(providers), "--weeks", str(weeks),
                    str(data)], args.timeout, size)
    week, load = last_week(data), os.getloadavg()[0]
    d = {"placements": placements, "providers": providers, "weeks": weeks, "gen": gen,
         "returns": sum(1 for _ in (data / "returns").rglob("*.xlsx"))}
    print(f"[{size}] generated {d['returns']} returns in {gen:.1f} s; load {load:.1f}", flush=True)
    warm_data = work / "data-warm"          # the same school with the next school week's returns
    shutil.copytree(data, warm_data)
    new_week, _ = add_week(warm_data)

    def warm(i: int) -> dict:
        out = work / f"warm-{i}"
        shutil.copytree(work / "out-0", out)
        return weekly(warm_data, out, new_week, args.timeout)
    d.update(rounds(args.repeat, {
        "cold": lambda i: weekly(data, work / f"out-{i}", week, args.timeout),
        "calamine": lambda i: read_baseline("calamine", data, 0, args.timeout),
        "warm": warm}))
    d["guard"] = repeat("guard", args.repeat, lambda i: read_baseline("guard", data, 0, args.timeout))
    d["openpyxl"] = repeat("openpyxl", 1, lambda i: read_baseline("openpyxl", data, args.openpyxl_sample,
                                                                    args.timeout))
    d["opx_read"], d["opx_files"] = d["openpyxl"][0].get("read", 0), d["openpyxl"][0].get("files", 0)
    if size in args.profile:
        d["phases"] = phases_run(data, work, week, args.timeout)
        d["profile"] = profile_run(data, work, week, args.timeout)
    d["load"] = (load, os.getloadavg()[0])
    return d


def run_register(work: Path, args) -> dict:
    from tools.synth import last_week

    placements, providers, weeks = REGISTER_SIZE
    data = work / "data"
    gen = generate(["--placements", str(placements), "--providers", str(providers), "--weeks", str(weeks),
                    str(data)], args.timeout, REGISTER)
    week, load = last_week(data), os.getloadavg()[0]
    d = {"placements": placements, "providers": providers, "weeks": weeks, "gen": gen, "timeout": args.timeout,
         "returns": sum(1 for _ in (data / "returns").rglob("*.xlsx"))}
    print(f"[{REGISTER}] generated {placements:,} placements, {d['returns']} returns in {gen:.1f} s; "
          f"load {load:.1f}", flush=True)
    d["cold"] = repeat("cold", args.repeat_large, lambda i: weekly(data, work / f"out-{i}", week, args.timeout))
    d["load"] = (load, os.getloadavg()[0])
    return d


def run_trust_size(work: Path, args) -> dict:
    from tools.synth import SCHOOL_NAME, SCHOOL_TARGET, SCHOOL_TOML, last_week
    from tools.synth_trust import build_trust, calendar_of

    data = work / "trust"
    gen = generate(["--trust", str(data), "--schools", str(args.trust_schools), "--weeks", str(args.trust_weeks)],
                   args.timeout, "the trust")
    params = json.loads((data / "synth.json").read_text(encoding="utf-8"))
    calendar = calendar_of(SCHOOL_TOML.format(name=SCHOOL_NAME, target=SCHOOL_TARGET, budget=0))
    model = build_trust(calendar, params["schools"], params["providers"], params["weeks"], params["seed"])
    week, load = last_week(data), os.getloadavg()[0]
    d = {"schools": args.trust_schools, "weeks": args.trust_weeks, "gen": gen,
         "placements": sum(len(s.model.placements) for s in model.schools),
         "returns": sum(1 for _ in data.rglob("returns/**/*.xlsx"))}
    print(f"[{TRUST}] generated {d['schools']} schools, {d['placements']} placements, {d['returns']} returns in "
          f"{gen:.1f} s; load {load:.1f}", flush=True)

    def child(script: str, out: str, *extra: str) -> dict:
        r = measure([PY, "-c", script, str(ROOT), str(data), str(work / out), week.isoformat(), *extra],
                    args.timeout)
        if r["timeout"]:
            return slim(r)
        if r["code"]:
            raise SystemExit(f"the {out} child failed (exit {r['code']})")
        got = json.loads(r["stdout"].strip().splitlines()[-1])
        codes = got.get("codes", [got.get("exit")])
        return dict(slim(r), wall=got["seconds"], cpu=got.get("cpu", r["cpu"]), rss=got["rss"],
                    jobs=got.get("jobs"), code=max(codes), codes=codes)
    d["trust"] = repeat("trust run", args.repeat_large, lambda i: child(TRUST_SCRIPT, f"out-trust-{i}", str(args.jobs)))
    d["separate"] = repeat("separate runs", args.repeat_large, lambda i: child(SEPARATE_SCRIPT, f"out-separate-{i}"))
    d["load"] = (load, os.getloadavg()[0])
    return d


def run_size(size: str, args) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"ap-bench-{size}-"))
    try:
        if size == REGISTER:
            d = run_register(work, args)
        elif size == TRUST:
            d = run_trust_size(work, args)
        else:
            d = run_school(size, work, args)
    finally:
        if args.keep:
            print(f"[{size}] kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    runs = args.repeat_large if size in (REGISTER, TRUST) else args.repeat
    return dict(d, repeat=runs, when=dt.datetime.now().strftime("%Y-%m-%d %H:%M"), cores=os.cpu_count(),
                machine=f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.machine()}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default=",".join(ALL), help=f"comma-separated, from {', '.join(ALL)} (default all)")
    ap.add_argument("--all", action="store_true", help="every size (the default)")
    ap.add_argument("--repeat", type=int, default=5, metavar="N", help="runs of each figure of S, M, L (default 5)")
    ap.add_argument("--repeat-large", type=int, default=3, metavar="N",
                    help="runs of each figure of P and T (default 3)")
    ap.add_argument("--timeout", type=float, default=600, metavar="S",
                    help="stop a run after S seconds (TIMEOUT; default 600)")
    ap.add_argument("--profile", default="L", metavar="SIZES", help="profile one more cold run of these school "
                    "sizes (default L; '' for none)")
    ap.add_argument("--trust-schools", type=int, default=40, metavar="N", help="schools in the trust T (default 40)")
    ap.add_argument("--trust-weeks", type=int, default=39, metavar="N", help="weeks of returns in T (default 39)")
    ap.add_argument("--jobs", type=int, default=0, metavar="N", help="the trust run's workers (default: one per core)")
    ap.add_argument("--keep", action="store_true", help="keep the generated folders and reports")
    ap.add_argument("--openpyxl-sample", type=int, default=600, metavar="N",
                    help="above N returns, time openpyxl on a random sample of N and extrapolate (0: read all)")
    args = ap.parse_args(argv)
    sizes = ALL if args.all else [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in ALL]
    if unknown:
        ap.error(f"unknown size {', '.join(unknown)}: choose from {', '.join(ALL)}")
    args.profile = {s.strip().upper() for s in args.profile.split(",") if s.strip()}
    start = time.perf_counter()
    compile_pipeline()
    measured = {size: run_size(size, args) for size in sizes}
    stored = json.loads(DATA.read_text(encoding="utf-8")) if DATA.exists() else {}
    data = merge(stored, measured)
    DATA.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    text = render(data)
    RESULTS.write_text(text, encoding="utf-8")
    print("\n" + text)
    kept = [s for s in data if s not in measured]
    print(f"Whole benchmark: {time.perf_counter() - start:.0f} s. Wrote {RESULTS.relative_to(ROOT)}"
          + (f" (sizes {', '.join(kept)} as measured before)." if kept else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
