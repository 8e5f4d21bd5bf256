"""Two runs into the same --out never interleave (contract §8): the second waits for the first, then finds the
send log and sends nothing twice; a run that cannot have the folder in time is exit 2 in one line; a run that
dies, however it dies, leaves the folder free."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pipeline.run
from pipeline.cli import main
from pipeline.delivery import send_log
from pipeline.out_lock import LOCK_NAME, out_lock
from tests.factories import full_week, placement
from tests.figure_factories import NOV_23, NOV_28, school
from tests.smtp_server import Authenticator, running_server
from tests.test_send import ADDRESS, PASSWORD_ENV, PUPILS, SMTP_PASSWORD, USER, make_school

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # tests only

ROOT = Path(__file__).resolve().parents[1]


def waiting_line(out: Path) -> str:
    return f"Another run is writing to {out}; waiting for it to finish."


def busy_line(out: Path) -> str:
    return (f"Cannot run: Another run is still writing to {out}. Wait for it to finish, then run again "
            "(or choose another folder with --out).")


def start_run(data: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "run_weekly.py", "--data", str(data), "--out", str(out),
                             "--week", "2026-11-23", *extra], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            env={**os.environ, PASSWORD_ENV: SMTP_PASSWORD})


def clean_school(folder: Path) -> Path:
    return school(folder, [placement("P001", start=NOV_23)], returns=[("PRV1", NOV_23, [("P001", full_week("B"))])])


def test_two_send_runs_at_once_send_each_provider_one_message(tmp_path):
    with running_server(authenticator=Authenticator(USER, SMTP_PASSWORD)) as server:
        data, out = make_school(tmp_path / "school", server.port), tmp_path / "out"
        # Hold the folder while both start, so both are surely waiting when it is let go: then one runs
        # (and sends), and the other runs after it and finds every message in the send log.
        with out_lock(out):
            runs = [start_run(data, out, "--send") for _ in range(2)]
            assert [r.stdout.readline() for r in runs] == [waiting_line(out) + "\n"] * 2
        results = [r.communicate(timeout=300) for r in runs]
        assert [r.returncode for r in runs] == [0, 0], results
        assert [err for _, err in results] == ["", ""]
        sent = sorted(next(ln.strip() for ln in stdout.splitlines() if ln.strip().startswith("E-mail:"))
                      for stdout, _ in results)
        assert sent == ["E-mail: 0 sent, 3 already sent (add --resend to send them again), 0 not sent",
                        "E-mail: 3 sent, 0 already sent, 0 not sent"]
        assert sorted(r.rcpt_tos for r in server.received) == [[ADDRESS[p]] for p in sorted(PUPILS)]
    log = send_log.read_rows(out / "2026-11-23" / send_log.LOG_NAME)
    assert [(r["provider"], r["result"]) for r in log] == [(p, "sent") for p in sorted(PUPILS)]
    assert not (out / LOCK_NAME).exists()


def test_a_run_that_cannot_have_the_folder_in_time_is_exit_2_in_one_line(tmp_path, capsys):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    with out_lock(out):
        code = main(["--data", str(data), "--out", str(out)], today=NOV_28, lock_wait=0)
        captured = capsys.readouterr()
        assert (code, captured.out, captured.err) == (2, "", busy_line(out) + "\n")
        assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]          # nothing written meanwhile
        code = main(["--data", str(data), "--out", str(out)], today=NOV_28, lock_wait=0.5)
        captured = capsys.readouterr()
        assert (code, captured.out, captured.err) == (2, waiting_line(out) + "\n", busy_line(out) + "\n")
    assert not out.exists()                    # the holder made the folder, and removed it, being empty


def test_the_governor_pack_takes_the_same_lock(tmp_path, capsys):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    with out_lock(out):
        code = main(["--data", str(data), "--out", str(out), "--governor-pack", "Autumn 2026"],
                    today=NOV_28, lock_wait=0)
        captured = capsys.readouterr()
        assert (code, captured.out, captured.err) == (2, "", busy_line(out) + "\n")
        assert not (out / "governors").exists()


def test_out_that_is_a_file_is_exit_2_in_one_line(tmp_path, capsys):
    data, out = clean_school(tmp_path / "school"), tmp_path / "report.txt"
    out.write_text("not a folder\n")
    assert main(["--data", str(data), "--out", str(out)], today=NOV_28) == 2
    assert capsys.readouterr().err == (f"Cannot run: Cannot write reports to {out}: it is a file, not a folder. "
                                       "Choose a folder with --out.\n")
    assert out.read_text() == "not a folder\n"


def test_a_finished_run_leaves_no_lock_file_and_a_run_that_cannot_be_done_leaves_no_folder(tmp_path, capsys):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    assert main(["--data", str(data), "--out", str(out)], today=NOV_28) == 0
    assert LOCK_NAME not in [p.name for p in out.iterdir()]
    never = tmp_path / "a" / "b" / "out"
    assert main(["--data", str(tmp_path / "no school"), "--out", str(never)], today=NOV_28) == 2
    assert not (tmp_path / "a").exists()
    capsys.readouterr()


def test_the_lock_is_free_after_a_crash(tmp_path, capsys, monkeypatch):
    data, out = clean_school(tmp_path / "school"), tmp_path / "out"
    monkeypatch.setattr(pipeline.run, "run_week", lambda *a, **k: 1 / 0)   # a bug no input can cause
    assert main(["--data", str(data), "--out", str(out)], today=NOV_28) == 4
    capsys.readouterr()
    assert [p.name for p in out.iterdir() if not p.name.startswith("crash-")] == []
    with out_lock(out, wait=0):
        assert (out / LOCK_NAME).is_file()


def test_the_lock_is_free_after_the_holder_is_killed(tmp_path):
    out = tmp_path / "out"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import sys, time\nfrom pipeline.out_lock import out_lock\n"
                               "with out_lock(sys.argv[1]):\n    print('locked', flush=True)\n    time.sleep(600)\n",
                               str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(pipeline.run.RunError, match="^Another run is still writing to "):
            with out_lock(out, wait=0):
                pass
    finally:
        holder.kill()
        holder.wait(timeout=60)
        holder.stdout.close()
    assert (out / LOCK_NAME).is_file()          # killed: no tidying up happened, yet the lock is gone with it
    with out_lock(out, wait=0):
        pass
    assert list(out.iterdir()) == []
