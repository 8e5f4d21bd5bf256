"""Time the phases of one weekly run without a profiler: the wall and CPU time of each named step.

    .venv/bin/python benchmarks/phases.py PHASES.json --data DIR --out OUT --week YYYY-MM-DD

Runs the weekly run (pipeline.cli.main, as run_weekly.py does) in this process with each function of PHASES
wrapped in a timer, then writes {"phases": [[label, wall, cpu, calls], ...], "wall": ..., "cpu": ..., "code": ...}
to PHASES.json. cProfile charges every Python call, so it overstates steps made of many small calls (the
reader guard's share of a profiled run was 42%, of the same run unprofiled 26%); here only the phases are
timed. A phase's time is counted once however deep it recurses; CPU is this process's and its finished
children's user + system time (a worker pool's share shows there once its workers have exited). The weekly
workbook and page are written each in a child process beside the run's other writers, and next week's returns
and e-mails in one begun when the registers are read (pipeline.beside, pipeline.delivery.ahead): their phase is
the run's wait for those children at the end (or, where there are none, the writing itself), and its CPU the
children's.
"""
from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (label, module, function): a label starting with spaces is a part of the phase above it
PHASES = [
    ("reading the registers", "pipeline.read.registers", "read_registers"),
    ("reading the returns", "pipeline.read.returns", "read_returns"),
    ("  the reader guard", "pipeline.read.guard", "scan"),
    ("  calamine: the sheets' grids", "pipeline.read.returns", "_snapshot"),
    ("  checking each return", "pipeline.read.returns", "return_from_book"),
    ("  the saved time", "pipeline.read.workbook", "saved_time"),
    ("  storing checked returns in the cache", "pipeline.read.checked", "encode"),
    ("sessions table", "pipeline.sessions", "build_sessions"),
    ("figures and rules", "pipeline.core", "work_out"),
    ("children: workbook, page, next week's", "pipeline.beside", "Beside.finish"),   # the run's wait for them (or writing them in it)
    ("  next week's returns and e-mails", "pipeline.delivery.ahead", "Ahead.finish"),  # begun when the registers were read
    ("summary.json", "pipeline.summary_json", "write_summary_json"),
    ("annotated copies", "pipeline.annotate", "write_annotated"),
    ("letters", "pipeline.letters", "write_letters"),
    ("next week's returns written in the run", "pipeline.delivery.prepare", "prepare_deliveries"),
    ("  the returns' files", "pipeline.delivery.prepare", "write_returns"),
    ("  the e-mails that carry them", "pipeline.delivery.messages", "build_message"),
    ("  the outbox's .eml files", "pipeline.delivery.messages", "write_outbox"),
]


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _wrap(fn, record: list):
    """fn, adding its wall and CPU time and a call to record ([label, wall, cpu, calls])."""
    depth = [0]

    @functools.wraps(fn)
    def timed(*args, **kwargs):
        depth[0] += 1
        wall, cpu = time.perf_counter(), _cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                record[1] += time.perf_counter() - wall
                record[2] += _cpu() - cpu
                record[3] += 1
    return timed


def instrument() -> list[list]:
    """Wrap each phase's function where it is defined and wherever a loaded module imported it by name."""
    records = []
    for label, module, name in PHASES:
        mod = importlib.import_module(module)
        record = [label, 0.0, 0.0, 0]
        if "." in name:                 # a method: wrapped on its class
            cls, method = name.split(".")
            setattr(getattr(mod, cls), method, _wrap(getattr(getattr(mod, cls), method), record))
            records.append(record)
            continue
        original = getattr(mod, name)
        timed = _wrap(original, record)
        for loaded in list(sys.modules.values()):
            if getattr(loaded, "__name__", "").startswith("pipeline") and getattr(loaded, name, None) is original:
                setattr(loaded, name, timed)
        records.append(record)
    return records


def main(argv: list[str]) -> int:
    out, args = Path(argv[0]), argv[1:]
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import pipeline.cli
    import pipeline.core  # noqa: F401 - loaded before instrumenting, so that its imported names are wrapped
    import pipeline.run  # noqa: F401

    records = instrument()
    wall, cpu = time.perf_counter(), _cpu()
    try:
        code = pipeline.cli.main(args)
    except SystemExit as exc:
        code = exc.code
    result = {"phases": records, "wall": time.perf_counter() - wall, "cpu": _cpu() - cpu, "code": code}
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
