"""A table of named numpy columns, its strings coded: what the sessions table is (pipeline.sessions).

The sessions table has a row per expected pupil-session (a million at a 100,000-placement school) and every
figure is counted on its integer columns. It was a pandas DataFrame, but the weekly run used none of pandas
beyond holding the columns, and importing pandas cost every run 0.16-0.18 s (a school's cold run 1.04 s ->
0.88 s without it). So the columns are held here: numpy arrays, and for each string column a `Coded` (a small
integer code per row and the distinct strings they stand for, as a pandas categorical). `Columns.to_pandas()`
gives the DataFrame it was, for the tests that compare it with pandas' own group-bys.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np


class Coded:
    """A string column: `codes` (a numpy integer array, one a row) into `categories` (the distinct strings)."""

    __slots__ = ("codes", "categories")

    def __init__(self, codes: np.ndarray, categories: list[str]):
        self.codes, self.categories = codes, list(categories)

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, rows) -> Coded:
        """The rows picked by a boolean mask or an array of positions."""
        return Coded(self.codes[rows], self.categories)

    def tolist(self) -> list[str]:
        if not len(self.codes):
            return []
        return np.array(self.categories, dtype=object)[self.codes].tolist()

    def __iter__(self):
        return iter(self.tolist())

    def counts(self) -> dict[str, int]:
        """{string: its number of rows}, for the strings with any, in the categories' order."""
        found = np.bincount(self.codes.astype(np.int64), minlength=len(self.categories)) if len(self.codes) else []
        return {self.categories[i]: int(n) for i, n in enumerate(found) if n}


class Columns:
    """Named columns of equal length, in `names`' order: numpy arrays, or Coded for strings."""

    def __init__(self, names: list[str], columns: dict | None = None):
        self.names = list(names)
        if columns is None:       # no rows: every column an empty array of objects
            columns = {name: np.empty(0, dtype=object) for name in names}
        self._columns = {name: columns[name] for name in self.names}

    def __len__(self) -> int:
        return len(self._columns[self.names[0]]) if self.names else 0

    @property
    def empty(self) -> bool:
        return len(self) == 0

    def __getitem__(self, name: str):
        return self._columns[name]

    def where(self, rows) -> Columns:
        """The rows picked by a boolean mask or an array of positions, in their order."""
        return Columns(self.names, {name: column[rows] for name, column in self._columns.items()})

    def split_by(self, name: str) -> dict[str, Columns]:
        """{string: its rows} of a Coded column, for the strings it has, in sorted order."""
        column = self._columns[name]
        order = np.argsort(column.codes, kind="stable")       # each string's rows together, in the table's order
        counts = np.bincount(column.codes.astype(np.int64), minlength=len(column.categories)) if len(self) else []
        starts = np.cumsum(counts) - counts
        return {column.categories[i]: self.where(order[starts[i]:starts[i] + counts[i]])
                for i in sorted((i for i, n in enumerate(counts) if n), key=column.categories.__getitem__)}

    def itertuples(self):
        """Each row as a named tuple of Python values (a Coded column's strings, a date's date)."""
        row = namedtuple("Row", self.names)
        return map(row._make, zip(*(self._columns[name].tolist() for name in self.names)))

    def to_pandas(self):
        """The pandas DataFrame of the same columns (strings as categoricals)."""
        import pandas as pd

        if self.empty:
            return pd.DataFrame.from_records([], columns=self.names)
        return pd.DataFrame({name: pd.Categorical.from_codes(c.codes, categories=c.categories)
                             if isinstance(c, Coded) else c for name, c in self._columns.items()},
                            columns=self.names)
