"""Read a workbook the guard (pipeline.read.guard) cannot vouch for in a child process.

calamine reads on through XML that expat refuses (control characters, mismatched end tags), so for such
a workbook no pre-scan can say how much memory it will ask for. It is read here in a child process, with
its address space limited where the system allows it: if the reader aborts, runs out of memory or takes
too long, the child dies and the workbook is one finding, not the end of the run. Only workbooks with
XML that Excel would never write come this way; every other workbook is read in the run's own process.

The child sends back the sheet names and grids in the returns cache's checked format
(pipeline.read.cache.encode), never pickle: nothing the file contains can become code in the parent.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

MEMORY_LIMIT = 2 * 1024 ** 3      # the child's address space, where the system can limit it
TIMEOUT = 300                     # seconds

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import io, sys
sys.path.insert(0, sys.argv[1])
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
except (ImportError, ValueError, OSError):
    pass                       # Windows: no limit, but an abort still ends only this child
data = sys.stdin.buffer.read()
import python_calamine
from pipeline.read.cache import encode
try:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = list(book.sheet_names)
except BaseException as exc:
    sys.stdout.buffer.write(("password" if "password" in type(exc).__name__.lower() else "unreadable").encode())
    sys.exit(0)
grids = {}
for name in names:
    try:
        grids[name] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except BaseException:
        grids[name] = None
try:
    blob = encode(names, grids, None)
except (TypeError, ValueError):
    blob = encode(names, {n: None for n in names}, None)
sys.stdout.buffer.write(b"ok:" + blob)
"""


def read_isolated(data: bytes):
    """(sheet names, grids) of an xlsx's bytes, a grid None where the sheet cannot be read; or, when it
    cannot be read at all, 'unreadable', 'password' or 'died' (the reader aborted, ran out of memory or
    took longer than TIMEOUT)."""
    from .cache import decode

    try:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(MEMORY_LIMIT)], input=data,
                              capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "died"
    except OSError:
        return "died"
    out = proc.stdout
    if proc.returncode != 0:
        return "died"
    if out in (b"unreadable", b"password"):
        return out.decode()
    if not out.startswith(b"ok:"):
        return "died"
    try:
        names, grids, _, _ = decode(out[3:])
    except Exception:  # noqa: BLE001 - a child that did not finish its answer
        return "died"
    return names, grids
