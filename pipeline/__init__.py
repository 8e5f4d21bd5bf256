"""Weekly monitoring of pupils in alternative provision.

The data flows one way: settings and calendar -> schema -> read -> validate
(findings) -> sessions table -> attendance figures and rules -> renderers ->
delivery. `compute_facts` works out a run's Facts; `run_week` runs the whole weekly job.
"""
from .core import compute_facts  # noqa: F401
from .run import run_week  # noqa: F401
