"""Weekly monitoring of pupils in alternative provision.

The data flows one way: settings and calendar -> schema -> read -> validate
(findings) -> sessions table -> attendance figures and rules -> renderers ->
delivery. `run_week` runs the whole weekly job.
"""
from .run import compute_week, run_week  # noqa: F401
