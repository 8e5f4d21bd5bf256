"""The benchmark's pure parts (benchmarks/bench.py): summaries of repeated runs, verdicts, the profile's parts and
results.md written again from merged sizes. Nothing here times anything."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("bench", Path(__file__).resolve().parents[1] / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def run(wall, cpu=None, rss=100.0, code=1):
    return {"wall": wall, "cpu": wall if cpu is None else cpu, "rss": rss, "code": code, "timeout": False}


TIMEOUT = {"wall": 900.0, "cpu": None, "rss": None, "code": None, "timeout": True}
COMMON = {"repeat": 3, "when": "2026-12-07 00:00", "cores": 2, "load": (1.0, 2.5), "machine": "2 cores"}


def school(size, cold, warm, calamine, rss=(300.0, 310.0, 305.0)):
    placements, providers, weeks = bench.SCHOOLS[size]
    return dict(COMMON, placements=placements, providers=providers, weeks=weeks, gen=1.0, returns=100,
                cold=[run(c, rss=r) for c, r in zip(cold, rss)], warm=[run(w, rss=50.0) for w in warm],
                calamine=[run(k) for k in calamine], guard=[run(0.1)] * 3, openpyxl=[run(9.0)],
                opx_read=602, opx_files=5791)


def register(cold):
    return dict(COMMON, placements=100_000, providers=400, weeks=2, gen=30.0, returns=796, timeout=900.0, cold=cold)


def trust():
    t = lambda w: dict(run(w, cpu=2 * w, rss=700.0), jobs=2, codes=[1])
    s = lambda w: dict(run(w, rss=200.0), codes=[1, 0])
    return dict(COMMON, schools=40, weeks=39, gen=20.0, placements=1400, returns=9000,
                trust=[t(20.0), t(22.0), t(21.0)], separate=[s(40.0), s(44.0), s(42.0)])


@pytest.mark.parametrize("values, expected", [
    ([3.0, 1.0, 2.0], {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3, "timeouts": 0}),
    ([4.0, 1.0], {"median": 2.5, "min": 1.0, "max": 4.0, "n": 2, "timeouts": 0}),
    ([5.0, None], {"median": 5.0, "min": 5.0, "max": 5.0, "n": 1, "timeouts": 1}),
    ([None], {"median": None, "min": None, "max": None, "n": 0, "timeouts": 1}),
])
def test_summary_is_median_min_max_of_the_runs_that_finished(values, expected):
    assert bench.summary(values) == expected


@pytest.mark.parametrize("values, digits, text", [
    ([10.3, 10.1, 10.8], 1, "10.3 (10.1–10.8)"),
    ([1.62], 2, "1.62"),
    ([2100.0, None], 0, "2,100 +1 TIMEOUT"),
    ([None], 1, "TIMEOUT"),
    ([], 1, "-"),
])
def test_fmt(values, digits, text):
    assert bench.fmt(bench.summary(values), digits) == text


@pytest.mark.parametrize("values, limit, result", [
    ([1.9, 2.5, 1.0], 2.0, "PASS"),        # the median decides, not the worst run
    ([2.0], 2.0, "PASS"),                  # at the limit passes
    ([2.1, 2.5, 1.0], 2.0, "FAIL"),
    ([500.0, None], 1024, "TIMEOUT"),      # a run that did not finish is not judged
])
def test_verdict(values, limit, result):
    assert bench.verdict(bench.summary(values), limit) == result


def test_ratios_are_of_paired_runs_on_wall_and_on_cpu():
    d = school("L", cold=[10.0, 12.0, 11.0], warm=[4.0, 3.0, 5.5], calamine=[2.0, 3.0, 2.0])
    d["cold"][0]["cpu"] = 8.0
    f = bench.figures(d)
    assert f["cold / calamine"][0] == [5.0, 4.0, 5.5]
    assert f["cold / calamine"][1] == [4.0, 4.0, 5.5]
    assert f["warm / cold"][0] == [0.4, 0.25, 0.5]
    assert f["peak RSS MB"][0] == [300.0, 310.0, 305.0]       # the larger of each cold and warm pair


def test_targets_judged_on_the_wall_median_with_the_cpu_verdict_beside():
    data = {"L": school("L", cold=[10.0, 12.0, 11.0], warm=[3.0, 3.0, 5.5], calamine=[4.0, 4.0, 2.0]),
            "S": school("S", cold=[1.9, 2.2, 2.1], warm=[1.0] * 3, calamine=[0.1] * 3)}
    data["S"]["cold"] = [run(w, cpu=1.5) for w in (1.9, 2.2, 2.1)]      # a loaded machine: CPU under wall
    rows = {(what, size): (bench.verdict(wall, limit), bench.verdict(cpu, limit), wall["median"])
            for what, size, wall, limit, cpu, _ in bench.target_rows(data)}
    assert rows == {
        ("L cold ≤ 3 × the calamine read floor", "L"): ("PASS", "PASS", 3.0),    # 2.5, 3.0, 5.5
        ("L warm ≤ 0.35 × L cold", "L"): ("PASS", "PASS", 0.3),                  # 0.3, 0.25, 0.5
        ("L peak RSS ≤ 1 GB (MB)", "L"): ("PASS", "PASS", 305.0),
        ("S cold ≤ 2 s wall, imports included", "S"): ("FAIL", "PASS", 2.1),
    }


def test_a_register_run_that_timed_out_shows_timeout():
    text = bench.render({"P": register([run(200.0, rss=2100.0), TIMEOUT])})
    assert "| 100,000-row register peak RSS ≤ 1 GB (MB) | P | 2,100 +1 TIMEOUT | 1024 | TIMEOUT |" in text
    assert "TIMEOUT ×1" in text and "(runs that timed out: 1)" in text


def test_merge_replaces_only_the_sizes_measured_now():
    old = {"S": "old S", "L": "old L", "T": "old T"}
    assert bench.merge(old, {"T": "new T", "P": "new P"}) == {"S": "old S", "L": "old L", "P": "new P",
                                                             "T": "new T"}
    assert list(bench.merge({"T": 1}, {"S": 2})) == ["S", "T"]      # in the sizes' order


def test_a_partial_run_keeps_the_other_sizes_tables():
    whole = {"S": school("S", [1.5] * 3, [1.0] * 3, [0.1] * 3),
             "L": school("L", [10.0] * 3, [3.0] * 3, [2.0] * 3), "T": trust()}
    before = bench.render(whole)
    later = dict(trust(), when="2026-12-08 09:00")
    after = bench.render(bench.merge(whole, {"T": later}))
    section = lambda text, title: text.split(f"## {title}")[1].split("\n## ")[0]
    assert section(after, "Schools S, M, L") == section(before, "Schools S, M, L")
    assert section(after, "Targets") == section(before, "Targets")
    assert "measured 2026-12-08 09:00" in section(after, "T: a trust")
    assert "2026-12-08" not in section(after, "Schools S, M, L")


def test_the_trust_table():
    text = bench.render({"T": trust()})
    assert "| trust run s (wall) | 21.0 (20.0–22.0) |" in text
    assert "| trust run s (CPU, parent and workers) | 42.0 (40.0–44.0) |" in text
    assert "| separate / trust (wall) | 2.00 (2.00–2.00) |" in text
    assert "| trust peak RSS MB (process tree) | 700 (700–700) |" in text
    assert "| exit codes (trust; separate runs) | 1 ×3; 1 ×3 |" in text
    assert "load average 1.0 at the start, 2.5 at the end, on 2 cores (wall times inflated)" in text


def test_profile_parts_largest_first_with_the_guard_under_reading_returns():
    stats = {("/w/pipeline/read/returns.py", 47, "read_returns"): (1, 1, 0.1, 6.0, {}),
             ("/w/pipeline/read/guard.py", 207, "scan"): (9, 9, 2.0, 2.5, {}),
             ("/w/pipeline/render/xlsx_report.py", 63, "write_xlsx_report"): (1, 1, 0.1, 7.0, {}),
             ("/w/pipeline/read/registers.py", 90, "read_registers"): (1, 1, 0.1, 1.0, {}),
             ("/other/registers.py", 1, "read_registers"): (1, 1, 0.1, 99.0, {})}     # not the pipeline's
    p = bench.profile_parts(stats, 20.0)
    assert p["parts"] == [("weekly workbook", 7.0), ("reading the returns (guard, calamine, checks, cache)", 6.0),
                          ("  of which the reader guard", 2.5), ("reading the registers", 1.0)]
    data = {"L": dict(school("L", [10.0] * 3, [3.0] * 3, [2.0] * 3), profile=p)}
    text = bench.render(data)
    assert "Largest part: weekly workbook (35% of the profiled L cold run)." in text
    assert "the reader guard alone takes 0.1 s, 1% of the median cold run (10.0 s) and 0.1 × the calamine" in text


def test_the_phases_table_names_the_largest_top_level_phase_as_the_remaining_bottleneck():
    phases = {"phases": [["reading the returns", 8.0, 6.0, 1], ["  the reader guard", 9.5, 2.0, 5791],
                         ["weekly workbook", 1.0, 0.9, 1]], "wall": 10.0, "cpu": 8.0, "code": 1}
    text = bench.render({"L": dict(school("L", [10.0] * 3, [3.0] * 3, [2.0] * 3), phases=phases)})
    assert "## Phases of the L cold run (no profiler)" in text
    assert "|   the reader guard | 9.50 | 2.00 | 95% | 5,791 |" in text
    assert "| whole run (after imports) | 10.00 | 8.00 | 100% |  |" in text
    assert "Remaining bottleneck: reading the returns (8.0 s, 80% of the run's wall time)." in text


def test_phases_times_each_phase_of_a_real_run(tmp_path):
    """benchmarks/phases.py on the demo school: every phase it names ran, and the run's exit code is kept."""
    import json
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    data = shutil.copytree(root / "examples" / "demo_school", tmp_path / "school")
    out = tmp_path / "phases.json"
    proc = subprocess.run([sys.executable, "benchmarks/phases.py", str(out), "--data", str(data), "--out",
                           str(tmp_path / "out"), "--week", "2026-11-23"], cwd=root, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = json.loads(out.read_text(encoding="utf-8"))
    calls = {label.strip(): n for label, _, _, n in got["phases"]}
    assert calls["reading the returns"] == 1 and calls["children: workbook, page, next week's"] == 3  # one each
    assert calls["next week's returns and e-mails"] == 1 and calls["next week's returns written in the run"] == 0
    assert calls["the reader guard"] == calls["checking each return"] + 2 > 2     # the returns and the two registers
    assert got["code"] == 1 and got["wall"] >= max(w for _, w, _, _ in got["phases"])


def test_rounds_run_each_kind_once_a_round_in_order_and_stop_at_a_timeout(capsys):
    """A size's cold, calamine and warm runs are measured in rounds, so that each pair of a ratio is of runs one
    after the other; a TIMEOUT ends the rounds."""
    calls = []

    def run(name, slow=None):
        def one(i):
            calls.append((name, i))
            return {"timeout": True} if (name, i) == slow else {"wall": 1.0 + i, "cpu": 2.0, "code": 1}
        return one

    got = bench.rounds(2, {"cold": run("cold"), "calamine": run("calamine"), "warm": run("warm")})
    assert calls == [("cold", 0), ("calamine", 0), ("warm", 0), ("cold", 1), ("calamine", 1), ("warm", 1)]
    assert [r["wall"] for r in got["warm"]] == [1.0, 2.0]
    assert "    warm 2/2: 2.00 s wall, 2.00 s CPU, exit 1" in capsys.readouterr().out.splitlines()
    calls.clear()
    got = bench.rounds(3, {"cold": run("cold", slow=("cold", 1)), "warm": run("warm")})
    assert calls == [("cold", 0), ("warm", 0), ("cold", 1)]
    assert [len(got["cold"]), len(got["warm"])] == [2, 1] and got["cold"][1]["timeout"]
    assert "    cold 2/3: TIMEOUT" in capsys.readouterr().out.splitlines()
