"""A progress bar for the long steps of a run, on the console only.

It is drawn (by tqdm, on stderr) only when stderr is a terminal and the step has taken more than
about two seconds; a run whose output goes to a file, a pipe, a test or a CI log shows nothing and
does not even import tqdm. Nothing the run writes depends on it.
"""
from __future__ import annotations

import os
import sys

DELAY_SECONDS = 2.0     # a step that ends sooner shows no bar at all
MIN_ITEMS = 50          # fewer items than this never take long enough to be worth a bar


def wanted(total: int, stream=None) -> bool:
    """Whether a bar is to be drawn for a step of `total` items."""
    stream = sys.stderr if stream is None else stream
    if total < MIN_ITEMS or os.environ.get("CI"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):   # no isatty, or a closed stream
        return False


def progress(items, description: str, stream=None):
    """`items` as they are, or wrapped in a bar on the terminal (see the module's note)."""
    items = items if hasattr(items, "__len__") else list(items)
    stream = sys.stderr if stream is None else stream
    if not wanted(len(items), stream):
        return items
    from tqdm import tqdm

    return tqdm(items, desc=description, total=len(items), file=stream, unit="file", leave=False,
                delay=DELAY_SECONDS, mininterval=0.25, dynamic_ncols=True)
