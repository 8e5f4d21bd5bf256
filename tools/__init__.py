"""Developer tools that are not part of a weekly run: the demo school and synthetic-school generators and
the generators of the docs pages.

They live outside the `pipeline` package so the wheel a school installs holds only what a run needs.
Run them from the repository root: `python -m tools.demo`, `python -m tools.synth`, `python -m tools.docs`,
`python -m tools.troubleshooting`.
"""
