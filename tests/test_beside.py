"""The weekly workbook written in a forked child beside the run (pipeline.beside): the same file whether a child
writes it, fails, dies or is stopped, or there is none."""
from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

import pipeline.beside as beside
import pipeline.run
from pipeline.beside import Beside
from pipeline.cli import main
from pipeline.output import atomic_path
from pipeline.pool import process_pool
from tests.factories import full_week, placement
from tests.figure_factories import NOV_23, NOV_28, school

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the run forks only on Linux")


def write_pid(path: Path, fail_in_child: str | None = None, parent: int | None = None) -> None:
    """Write the writing process's ID into `path`; in a child (a process other than `parent`): raise, die
    half-way through the temporary file, or hang in it, as `fail_in_child` says."""
    with atomic_path(path) as tmp:
        tmp.write_text("half")
        if os.getpid() != parent:
            if fail_in_child == "raise":
                raise OSError(28, "No space left on device")
            if fail_in_child == "die":
                os.kill(os.getpid(), signal.SIGKILL)
            if fail_in_child == "hang":
                time.sleep(60)
        tmp.write_text(str(os.getpid()))


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def forking(monkeypatch):
    monkeypatch.setattr(beside, "forks", lambda: True)


@linux_only
def test_a_child_process_writes_the_file_while_the_run_goes_on(tmp_path, forking):
    target = tmp_path / "weekly_report.xlsx"
    job = Beside(write_pid, (target,), [target])
    assert job.pid is not None and job.pid != os.getpid()
    child = job.pid
    job.finish()
    assert target.read_text() == str(child)
    assert temporaries(tmp_path) == []


def write_collector_state(path: Path, made: list) -> None:
    """Write whether the collector can see `made` (objects of the run) and whether it is on, as this process sees it."""
    import gc

    path.write_text(f"{gc.is_tracked(made)} {any(o is made for o in gc.get_objects())} {gc.isenabled()}")


@linux_only
def test_a_childs_collector_leaves_alone_what_it_has_of_the_run(tmp_path, forking):
    """A child's collector never walks the run's objects (the page's child spent 0.05 s of 0.5 doing so at L, and
    each walk copies pages of the run's memory), and it is on for what the child makes."""
    import gc

    gc.unfreeze()
    made = [object()]
    target = tmp_path / "state.txt"
    Beside(write_collector_state, (target, made), [target]).finish()
    assert target.read_text() == "True False True"                  # tracked, but frozen: not among gc's objects
    assert any(o is made for o in gc.get_objects())                 # the run's own collector is as it was


@linux_only
@pytest.mark.parametrize("how", ["raise", "die"])
def test_a_child_that_fails_or_dies_leaves_the_file_to_the_run(tmp_path, forking, capfd, how):
    target = tmp_path / "weekly_report.xlsx"
    job = Beside(write_pid, (target, how, os.getpid()), [target])
    job.finish()
    assert target.read_text() == str(os.getpid())          # written again here, in full
    assert temporaries(tmp_path) == []                     # the dead child's half-written file is gone
    assert capfd.readouterr() == ("", "")                  # the child printed nothing: no traceback


@linux_only
def test_what_the_run_cannot_write_either_is_raised_by_finish(tmp_path, forking, capfd):
    target = tmp_path / "weekly_report.xlsx"
    job = Beside(write_pid, (target, "raise", None), [target])   # fails in every process
    with pytest.raises(OSError) as caught:
        job.finish()
    assert caught.value.strerror == "No space left on device when saving weekly_report.xlsx"
    assert not target.exists() and temporaries(tmp_path) == []
    assert capfd.readouterr() == ("", "")


@linux_only
def test_a_run_that_stops_first_stops_the_child_and_removes_its_temporary_file(tmp_path, forking):
    target = tmp_path / "weekly_report.xlsx"
    job = Beside(write_pid, (target, "hang", os.getpid()), [target])
    child = job.pid
    while not temporaries(tmp_path):                       # the child is inside its temporary file
        time.sleep(0.05)
    started = time.monotonic()
    job.stop()
    assert time.monotonic() - started < 10
    assert not target.exists() and temporaries(tmp_path) == []
    with pytest.raises(ProcessLookupError):                # ended, and reaped: no zombie left
        os.kill(child, 0)


def test_with_no_fork_the_file_is_written_in_the_run_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(beside, "forks", lambda: False)
    target = tmp_path / "weekly_report.xlsx"
    job = Beside(write_pid, (target,), [target])
    assert job.pid is None and target.read_text() == str(os.getpid())
    target.unlink()
    job.finish()                                  # nothing left to do
    assert not target.exists()


def test_with_no_fork_what_writing_raises_is_raised_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(beside, "forks", lambda: False)
    target = tmp_path / "weekly_report.xlsx"
    with pytest.raises(OSError):
        Beside(write_pid, (target, "raise", None), [target])
    assert not target.exists() and temporaries(tmp_path) == []


def test_forks_only_on_linux_with_two_cores_and_never_in_a_worker(monkeypatch):
    monkeypatch.setattr(beside.sys, "platform", "win32")
    assert beside.forks() is False
    monkeypatch.setattr(beside.sys, "platform", "linux")
    monkeypatch.setattr("pipeline.pool.cores", lambda: 1)
    assert beside.forks() is False
    monkeypatch.setattr("pipeline.pool.cores", lambda: 2)
    assert beside.forks() is hasattr(os, "fork")
    with process_pool(1) as pool:               # a trust run's school runs in a worker like this one
        assert pool.submit(beside.forks).result() is False


def a_school(folder: Path) -> Path:
    return school(folder, [placement("P001", start=NOV_23)], returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])


def run_school(tmp_path: Path, name: str) -> Path:
    data = a_school(tmp_path / "school")
    out = tmp_path / name
    assert main(["--data", str(data), "--out", str(out)], today=NOV_28) == 0
    [workbook] = out.glob("*/weekly_report.xlsx")
    return workbook


@linux_only
def test_the_weekly_workbook_and_page_are_the_same_bytes_from_a_child_as_from_the_run(tmp_path, monkeypatch):
    forked = []
    real_fork = beside._fork
    monkeypatch.setattr(beside, "_fork", lambda fn, args: forked.append(fn.__name__) or real_fork(fn, args))
    monkeypatch.setattr(beside, "forks", lambda: True)
    from_child = run_school(tmp_path, "forked")
    assert forked == ["write_deliveries", "write_xlsx_report", "write_html_report"]
    monkeypatch.setattr(beside, "forks", lambda: False)
    from_run = run_school(tmp_path, "serial")
    assert forked == ["write_deliveries", "write_xlsx_report", "write_html_report"]
    for name in ("weekly_report.xlsx", "weekly_report.html"):
        assert (from_child.parent / name).read_bytes() == (from_run.parent / name).read_bytes()


@linux_only
def test_a_school_with_more_placements_than_a_child_may_share_writes_them_in_the_run(tmp_path, monkeypatch, forking):
    forked = []
    monkeypatch.setattr(beside, "_fork", lambda fn, args: forked.append(fn.__name__))
    monkeypatch.setattr(pipeline.run, "BESIDE_UP_TO", 0)          # the one placement is more than that
    workbook = run_school(tmp_path, "big")
    assert forked == [] and workbook.exists() and (workbook.parent / "weekly_report.html").exists()
    monkeypatch.setattr(pipeline.run, "BESIDE_UP_TO", 1)
    run_school(tmp_path, "small")
    assert forked == ["write_deliveries", "write_xlsx_report", "write_html_report"]


@linux_only
def test_a_report_folder_that_cannot_take_the_workbook_stops_the_run_with_exit_2(tmp_path, capsys, monkeypatch,
                                                                                 forking):
    data = a_school(tmp_path / "school")
    out = tmp_path / "out"
    real = pipeline.run.reports_written

    def blocked(result, out_dir, school_name=None):     # the workbook's name taken by a folder, as a locked file would
        (pipeline.run.week_folder(out_dir, result.week) / "weekly_report.xlsx").mkdir(parents=True)
        return real(result, out_dir, school_name)
    monkeypatch.setattr(pipeline.run, "reports_written", blocked)
    code = main(["--data", str(data), "--out", str(out)], today=NOV_28)
    err = capsys.readouterr().err
    assert code == 2
    assert f"Cannot write reports to {next(out.glob('2*'))}" in err and "close any report open in Excel" in err
    assert "Traceback" not in err


@linux_only
def test_a_child_killed_mid_workbook_leaves_no_pupil_data_behind(tmp_path, monkeypatch, forking):
    """The workbook's rows (pupils' names) go to temporary files while it is written: in a folder beside it, never
    the system's temporary folder, and a child killed mid-write (out of memory) leaves none of them behind."""
    import tempfile

    import pipeline.render.xlsx_report as xlsx_report

    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    run, seen = os.getpid(), []
    real = xlsx_report._findings_sheet

    def last_sheet(wb, f, result):        # the other sheets' rows are in their temporary files by now
        seen.append(sorted(p.name for p in Path(wb.tmpdir).iterdir()) if wb.tmpdir else None)
        if os.getpid() != run:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(wb, f, result)
    monkeypatch.setattr(xlsx_report, "_findings_sheet", last_sheet)
    workbook = run_school(tmp_path, "out")
    assert len(seen) == 1 and len(seen[0]) >= 7     # the run's own write (the child died in it): rows beside it
    assert sorted(p.name for p in workbook.parent.iterdir() if p.name.startswith(".")) == []
    assert list(system_temp.iterdir()) == []
    assert openpyxl_sheets(workbook)[-1] == "Findings"


def openpyxl_sheets(path: Path) -> list[str]:
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True).sheetnames


def test_remove_temporaries_removes_a_left_folder_and_file_of_that_output_only(tmp_path):
    from pipeline.output import remove_temporaries

    (tmp_path / ".weekly_report.xlsx.ab12cd.tmp").mkdir()
    (tmp_path / ".weekly_report.xlsx.ab12cd.tmp" / "tmp1").write_text("Ann Able")
    (tmp_path / ".weekly_report.xlsx.xy34.tmp").write_text("half")
    (tmp_path / ".summary.json.zz.tmp").write_text("other")
    remove_temporaries([tmp_path / "weekly_report.xlsx"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".summary.json.zz.tmp"]


def _running(pid: int) -> bool:
    """Whether process `pid` is still running (a zombie waiting for its new parent has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@linux_only
@pytest.mark.parametrize("signal_set", [True, False])
def test_a_run_killed_outright_takes_its_child_with_it(signal_set):
    """A run killed with SIGKILL (out of memory, a scheduler's time limit) leaves no child writing on after it;
    without the death signal (signal_set False: the check that this test can fail) the child would go on."""
    import subprocess

    script = (f"import os, sys, time\nsys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
              "from pipeline import beside\n"
              + ("" if signal_set else "beside._prctl = lambda: None\n")
              + "pid = beside.fork()\nif pid == 0:\n    time.sleep(60)\n    os._exit(0)\n"
              "print(pid, flush=True)\ntime.sleep(60)\n")
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = int(run.stdout.readline())
        assert _running(child)
        run.kill()
        run.wait()
        deadline = time.monotonic() + 5
        while _running(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _running(child) is not signal_set
    finally:
        run.kill()
        run.wait()
        run.stdout.close()
        if not signal_set:
            os.kill(child, signal.SIGKILL)
