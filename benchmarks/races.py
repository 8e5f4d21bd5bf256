"""The speed comparisons the unit tests used to assert, as figures to read: a test that times itself fails on
a busy machine and passes on a fast one, so here they are measured and printed, and nothing fails.

    .venv/bin/python benchmarks/races.py [--repeat N]

  sessions  build_sessions (vectorised) against the loop it replaced, on a seeded school of 2,000 placements
            at 150 providers over a whole year (the oracle is in tests/test_sessions_equivalence.py, which
            checks the two give the same table). CPU seconds, best of N. The tests used to ask for the
            vectorised one to take less than half the loop's time.
  corpus    the weekly run (compute_week) on the three 100,000-row placements.xlsx of tests/test_corpus.py,
            wall seconds, best of N, beside the limit the test used to hold it to.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.findings import Findings  # noqa: E402
from pipeline.run import compute_week  # noqa: E402
from pipeline.sessions import build_sessions  # noqa: E402

# the limits tests/test_corpus.py held these cases to, in seconds
CORPUS_LIMITS = {"placements-100k-row-junk-sheet": 10, "placements-100k-blank-ish-rows": 20,
                 "placements-formula-filled-down-100k-rows": 20}


def best(repeat: int, fn, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeat):
        start = clock()
        fn()
        times.append(clock() - start)
    return min(times)


def sessions(repeat: int) -> None:
    from tests.test_sessions_equivalence import CALENDAR, YEAR_START, loop_build_sessions, random_school

    placements, returns = random_school(10, n_placements=2000, n_providers=150, clean=True)
    args = (placements, CALENDAR, returns, YEAR_START, dt.date(2027, 7, 19), dt.date(2027, 7, 23))
    rows = len(build_sessions(*args, Findings()))
    new = best(repeat, lambda: build_sessions(*args, Findings()), time.process_time)
    old = best(repeat, lambda: loop_build_sessions(*args, Findings()), time.process_time)
    print(f"sessions  {rows:,} sessions: vectorised {new:.2f} s CPU, loop {old:.2f} s CPU, "
          f"loop / vectorised {old / new:.1f}x (the test asked for more than 2x)")


def corpus(repeat: int) -> None:
    from tests.test_corpus import CASES

    for name, limit in CORPUS_LIMITS.items():
        case = CASES[name]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "school"
            case.build(folder)
            seconds = best(repeat, lambda: compute_week(folder, week=case.week, use_cache=False))
        print(f"corpus    {name}: {seconds:.1f} s (the test's limit was {limit} s)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, the best one counts (default 3)")
    args = parser.parse_args(argv)
    sessions(args.repeat)
    corpus(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
