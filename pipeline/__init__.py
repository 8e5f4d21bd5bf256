"""Weekly monitoring of pupils in alternative provision.

The data flows one way: settings and calendar -> schema -> read -> validate
(findings) -> sessions table -> attendance figures and rules -> renderers ->
delivery. `run_week` runs the whole weekly job.

`run_week` and `compute_week` are loaded on first use, not here: importing the package (as
`run_weekly.py --help` does) must not pull in pandas and the workbook writers.
"""
from __future__ import annotations

__all__ = ["compute_week", "run_week"]


def __getattr__(name: str):
    if name in __all__:
        from . import run
        return getattr(run, name)
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
