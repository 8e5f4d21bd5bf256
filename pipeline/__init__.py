"""Weekly monitoring of pupils in alternative provision.

The data flows one way: settings and calendar -> schema -> read -> validate
(findings) -> sessions table -> attendance figures and rules -> renderers ->
delivery. `compute_facts` works out a run's Facts; `run_week` runs the whole weekly job.

`compute_facts` and `run_week` are loaded on first use, not here: importing the package (as
`run_weekly.py --help` does) must not pull in numpy and the workbook writers.
"""
from __future__ import annotations

__all__ = ["compute_facts", "run_week"]


def __getattr__(name: str):
    if name == "compute_facts":
        from .core import compute_facts
        return compute_facts
    if name == "run_week":
        from .run import run_week
        return run_week
    raise AttributeError(f"module 'pipeline' has no attribute {name!r}")
