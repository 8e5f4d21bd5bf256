"""The sessions table's columns (pipeline.columns) answer as the pandas DataFrame they replaced, and the weekly
run no longer imports pandas.

pandas is kept as the oracle here: each question the run asks of the table is asked of its DataFrame too, on
the seeded random schools of tests/test_sessions_equivalence.py.
"""
from __future__ import annotations

import datetime as dt
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.columns import Coded, Columns
from pipeline.findings import Findings
from pipeline.sessions import COLUMNS, build_sessions
from tests.test_package import imported_modules
from tests.test_sessions_equivalence import CALENDAR, YEAR_START, random_school

ROOT = Path(__file__).resolve().parents[1]
D = dt.date


@pytest.fixture(scope="module")
def table() -> Columns:
    placements, returns = random_school(3)
    return build_sessions(placements, CALENDAR, returns, YEAR_START, D(2027, 7, 19), D(2027, 7, 23), Findings())


def test_a_coded_column_lists_counts_and_picks_its_strings():
    column = Coded(np.array([2, 0, 2, 1, 2], dtype=np.int8), ["b", "a", "c"])
    assert column.tolist() == ["c", "b", "c", "a", "c"] and list(column) == column.tolist() and len(column) == 5
    assert column.counts() == {"b": 1, "a": 1, "c": 3}                      # in the categories' order
    assert column[np.array([True, False, False, True, False])].tolist() == ["c", "a"]
    assert column[np.array([4, 1])].tolist() == ["c", "b"] and column[0:0].tolist() == [] and column[0:0].counts() == {}
    assert Coded(np.array([0, 0], dtype=np.int8), ["only", "unused"]).counts() == {"only": 2}


def test_rows_picked_split_and_iterated_are_pandas(table):
    frame = table.to_pandas()
    assert len(table) == len(frame) > 5_000 and not table.empty
    in_march = (table["day"] >= D(2027, 3, 1).toordinal()) & (table["day"] <= D(2027, 3, 31).toordinal())
    assert table.where(in_march).to_pandas().equals(frame[in_march].reset_index(drop=True))

    parts = table.split_by("provider_id")
    groups = dict(sorted(frame.groupby("provider_id", observed=True)))
    assert list(parts) == list(groups) and len(parts) > 3
    for provider, part in parts.items():
        assert part.to_pandas().equals(groups[provider].reset_index(drop=True))
        assert part["category"].counts() == {k: v for k, v in groups[provider]["category"].value_counts().items() if v}

    rows = list(table.where(in_march).itertuples())
    assert rows == list(frame[in_march].itertuples(index=False))
    assert rows[0]._fields == tuple(COLUMNS) and type(rows[0].date) is dt.date and type(rows[0].weekday) is int


def test_no_rows():
    empty = Columns(COLUMNS)
    assert empty.empty and len(empty) == 0 and list(empty.itertuples()) == []
    assert empty.to_pandas().equals(__import__("pandas").DataFrame.from_records([], columns=COLUMNS))


def test_the_table_pickles(table):
    again = pickle.loads(pickle.dumps(table))
    assert again.to_pandas().equals(table.to_pandas())


def test_the_weekly_run_imports_no_pandas(tmp_path):
    from tests.test_cache import DEMO, DEMO_WEEK

    done = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "run_weekly.py"), "--data", str(DEMO),
                           "--out", str(tmp_path / "out"), "--week", DEMO_WEEK.isoformat()],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr[-2000:]         # the demo has an error finding on purpose
    assert (tmp_path / "out" / DEMO_WEEK.isoformat() / "summary.json").is_file()
    loaded = {name.split(".")[0] for name in imported_modules(done.stderr)}
    assert "numpy" in loaded and "pandas" not in loaded
