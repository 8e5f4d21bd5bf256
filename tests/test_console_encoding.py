"""Console output never fails on an encoding (issue 15): a Windows console in cp850, or a scheduled task's log
redirected to a file in cp1252, cannot show an en dash or a tick in a file name; the character is printed as
'?' and the run goes on to its own exit status. Each run here is a real `run_weekly.py` process whose output
goes to a file, as Task Scheduler's `cmd /c ... > log.txt 2>&1` does."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from pipeline.out_lock import out_lock

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo_school"
ENCODINGS = ("cp1252", "cp850")
RETURN_NAME = "Riverside \u2013 w-c \u2714 2026-11-23.xlsx"        # an en dash and a heavy check mark
SCHOOL_NAME = "Hilltop Infant School \u2013 \u00c9cole \u2714"
PROVIDER_NAME = "Caf\u00e9 Learning \u2013 Riverside"


def shown(text: str, encoding: str) -> str:
    """`text` as a console in `encoding` shows it: what it cannot encode becomes '?'."""
    return text.encode(encoding, "replace").decode(encoding)


def run_logged(tmp_path: Path, encoding: str, *args, argv0=None) -> tuple[int, str]:
    """Run in a process whose stdout and stderr both go to one log file in `encoding`; (exit status, log)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUTF8", "PYTHONLEGACYWINDOWSSTDIO")}
    env["PYTHONIOENCODING"] = encoding
    env["PYTHONPATH"] = str(ROOT)                     # `python -c` too imports this checkout's pipeline
    log = tmp_path / f"log-{encoding}.txt"
    command = [sys.executable, *(argv0 or [str(ROOT / "run_weekly.py")]), *map(str, args)]
    with open(log, "wb") as f:
        code = subprocess.run(command, cwd=tmp_path, stdout=f, stderr=subprocess.STDOUT, env=env, timeout=600).returncode
    return code, log.read_bytes().decode(encoding)      # strict: the log is valid text in its encoding


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory) -> Path:
    """The demo school with a return saved under a name holding an en dash and a tick, a provider named with an
    é and an en dash, and a school name with all three."""
    data = tmp_path_factory.mktemp("encoding") / "demo school"
    shutil.copytree(DEMO, data)
    returns = data / "returns" / "PRV1"
    shutil.copyfile(returns / "Riverside w-c 2026-11-23.xlsx", returns / RETURN_NAME)
    toml = data / "school.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('name = "Hilltop Infant School"',
                                                                f'name = "{SCHOOL_NAME}"'), encoding="utf-8")
    book = openpyxl.load_workbook(data / "providers.xlsx")
    sheet = book["Providers"]
    assert (sheet["A2"].value, sheet["B2"].value) == ("PRV1", "Riverside Learning Centre")
    sheet["B2"] = PROVIDER_NAME
    book.save(data / "providers.xlsx")
    return data


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_demo_week_under_a_legacy_console_encoding(tmp_path, demo_copy, encoding):
    out = tmp_path / "reports"
    code, log = run_logged(tmp_path, encoding, "--data", demo_copy, "--week", "2026-11-23", "--out", out)
    assert code == 1, log                                   # the demo has error findings: exit 1, not a crash
    assert "Traceback" not in log and "crash" not in log, log
    lines = log.splitlines()
    assert lines[0] == shown(f"{SCHOOL_NAME}: week commencing Monday 23 November 2026, figures to 27/11/2026", encoding)
    assert "  Findings in the workbooks: " in log
    annotated = f"    {out / '2026-11-23' / 'annotated' / 'returns' / 'PRV1' / RETURN_NAME}"
    assert shown(annotated, encoding) in lines
    assert "?" in shown(annotated, encoding)                # the line really had characters to replace
    assert (out / "2026-11-23" / "annotated" / "returns" / "PRV1" / RETURN_NAME).is_file()   # the file keeps its name
    assert lines[-1].startswith("  Next week's returns: ")


def test_unicode_consoles_are_left_as_they_are(tmp_path, demo_copy):
    out = tmp_path / "reports"
    code, log = run_logged(tmp_path, "utf-8", "--data", demo_copy, "--week", "2026-11-23", "--out", out)
    assert code == 1, log
    assert f"    {out / '2026-11-23' / 'annotated' / 'returns' / 'PRV1' / RETURN_NAME}" in log.splitlines()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_governor_pack_summary(tmp_path, demo_copy, encoding):
    out = tmp_path / "pack \u2013 \u2714"
    code, log = run_logged(tmp_path, encoding, "--data", demo_copy, "--governor-pack", "Autumn 2026",
                           "--as-of", "2026-11-27", "--out", out)
    assert code == 0, log
    assert "Traceback" not in log
    lines = log.splitlines()
    assert lines[0] == shown(f"Governor pack for Autumn 2026 at {SCHOOL_NAME}: 3 Sep 2026 to 27 Nov 2026.", encoding)
    assert lines[1] == shown(f"Written to {out / 'governors' / 'autumn-2026'}:", encoding)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_cannot_run_line(tmp_path, encoding):
    missing = tmp_path / "\u00e9cole \u2013 \u2714"
    code, log = run_logged(tmp_path, encoding, "--data", missing)
    assert (code, log) == (2, shown(f"Cannot run: The school folder {missing} does not exist. Check the --data path.\n",
                                    encoding).replace("\n", os.linesep))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"log-{encoding}.txt"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_the_crash_line(tmp_path, demo_copy, encoding):
    out = tmp_path / "rapports \u2013 \u2714"
    script = ("import sys\nimport pipeline.run\n"
              "def broken(*args, **kwargs):\n    raise ZeroDivisionError('a bug')\n"
              "pipeline.run.run_week = broken\n"
              "from pipeline.cli import main\nsys.exit(main(sys.argv[1:]))\n")
    code, log = run_logged(tmp_path, encoding, "--data", demo_copy, "--week", "2026-11-23", "--out", out,
                           argv0=["-c", script])
    logs = list(out.glob("crash-*.log"))
    assert code == 4, log
    assert len(logs) == 1 and "ZeroDivisionError: a bug" in logs[0].read_text(encoding="utf-8")
    assert log == shown("The tool failed unexpectedly (this is a bug, not a problem with your files). The details are "
                        f"in {logs[0]}: please send that file to whoever supports the tool.\n", encoding)


def test_the_notice_of_a_run_waiting_for_another(tmp_path):
    from tests.test_paths_out import school_with_out

    data = school_with_out(tmp_path / "school", None)
    out = tmp_path / "rapports \u2013 \u2714"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUTF8"}
    env["PYTHONIOENCODING"] = "cp1252"
    log = tmp_path / "log.txt"
    with out_lock(out), open(log, "wb") as f:     # this test holds the lock while the run starts
        proc = subprocess.Popen([sys.executable, str(ROOT / "run_weekly.py"), "--data", str(data), "--week",
                                 "2026-11-23", "--out", str(out)], cwd=tmp_path, stdout=f, stderr=subprocess.STDOUT,
                                env=env)
        while b"waiting" not in log.read_bytes() and proc.poll() is None:   # until the run says it waits
            time.sleep(0.05)
    try:
        code = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_bytes().decode("cp1252")
    assert code == 0, text
    assert text.splitlines()[0] == shown(f"Another run is writing to {out}; waiting for it to finish.", "cp1252")
    assert "?" in text.splitlines()[0]
