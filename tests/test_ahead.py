"""Next week's returns and e-mails written in a child from the moment the registers are read
(pipeline.delivery.ahead): the same files as the run writes itself, and nothing half-written when either stops."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import pipeline.beside as beside
import pipeline.core
from pipeline.cli import main
from pipeline.delivery import prepare
from pipeline.errors import RunError
from tests.test_beside import a_school
from tests.figure_factories import NOV_28
from tests.test_email import without_date_and_id
from tests.test_send import cli

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the run forks only on Linux")
WEEK = "2026-11-23"             # the reporting week of a_school, run on NOV_28
NEXT = "2026-11-30"


@pytest.fixture
def forks_seen(monkeypatch):
    """The writers forked, by name, in order; forking allowed as on a Linux machine of two cores."""
    seen = []
    real = beside._fork
    monkeypatch.setattr(beside, "forks", lambda: True)
    monkeypatch.setattr(beside, "_fork", lambda fn, args: seen.append(fn.__name__) or real(fn, args))
    return seen


def run_school(tmp_path: Path, name: str, expected_code: int = 0) -> Path:
    data = a_school(tmp_path / "school") if not (tmp_path / "school").exists() else tmp_path / "school"
    out = tmp_path / name
    assert main(["--data", str(data), "--out", str(out)], today=NOV_28) == expected_code
    return out / WEEK


def delivered(folder: Path) -> dict[str, bytes]:
    """Each file of returns_to_send/ and outbox/ (an e-mail without its Date and Message-ID, new each build)."""
    files = {}
    for path in sorted((folder / "returns_to_send").iterdir()) + sorted((folder / "outbox").iterdir()):
        data = path.read_bytes()
        files[f"{path.parent.name}/{path.name}"] = without_date_and_id(data) if path.suffix == ".eml" else data
    return files


@linux_only
def test_the_deliveries_are_begun_before_the_returns_are_read_and_are_the_runs_own_bytes(tmp_path, monkeypatch,
                                                                                         forks_seen):
    when_read = []
    real = pipeline.core.read_returns

    def reading(*args, **kwargs):
        when_read.append(list(forks_seen))
        return real(*args, **kwargs)
    monkeypatch.setattr(pipeline.core, "read_returns", reading)
    ahead = run_school(tmp_path, "forked")
    assert when_read == [["write_deliveries"]]
    assert forks_seen == ["write_deliveries", "write_xlsx_report", "write_html_report"]
    monkeypatch.setattr(beside, "forks", lambda: False)
    in_run = run_school(tmp_path, "serial")
    assert forks_seen == ["write_deliveries", "write_xlsx_report", "write_html_report"]     # none more
    assert list(delivered(ahead)) == [f"returns_to_send/PRV1_{NEXT}.xlsx", f"outbox/PRV1_{NEXT}.eml"]
    assert delivered(ahead) == delivered(in_run)


@linux_only
def test_a_child_that_fails_leaves_the_deliveries_to_the_run(tmp_path, monkeypatch, forks_seen, capfd):
    run = os.getpid()
    real = prepare.write_returns

    def failing(*args):
        if os.getpid() != run:
            raise OSError(28, "No space left on device")
        return real(*args)
    monkeypatch.setattr(prepare, "write_returns", failing)
    folder = run_school(tmp_path, "out")
    assert forks_seen[0] == "write_deliveries"
    assert list(delivered(folder)) == [f"returns_to_send/PRV1_{NEXT}.xlsx", f"outbox/PRV1_{NEXT}.eml"]
    assert not [p for p in folder.rglob(".*")]              # nothing half-written left
    assert "Traceback" not in capfd.readouterr().err


@linux_only
def test_a_run_that_stops_after_the_child_began_stops_it_and_leaves_nothing_half_written(tmp_path, monkeypatch,
                                                                                           forks_seen, capsys):
    children = []
    real_fork = beside._fork

    def fork(fn, args):
        pid = real_fork(fn, args)
        children.append(pid)
        return pid
    monkeypatch.setattr(beside, "_fork", fork)

    def stopped(*args, **kwargs):
        raise RunError("The returns cannot be read.")
    monkeypatch.setattr(pipeline.core, "read_returns", stopped)
    folder = run_school(tmp_path, "out", expected_code=2)
    assert "The returns cannot be read." in capsys.readouterr().err
    assert len(children) == 1
    with pytest.raises(ChildProcessError):                  # stopped and reaped: no zombie left
        os.waitpid(children[0], os.WNOHANG)
    assert not [p for p in folder.rglob(".*")]
    assert not (folder / "weekly_report.xlsx").exists()


@linux_only
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_with_send_the_run_builds_and_sends_its_own_messages(tmp_path, capsys, forks_seen, monkeypatch):
    from tests.test_send import PASSWORD_ENV, SMTP_PASSWORD, USER, sent_line
    from tests.smtp_server import Authenticator, running_server

    monkeypatch.setenv(PASSWORD_ENV, SMTP_PASSWORD)
    with running_server(authenticator=Authenticator(USER, SMTP_PASSWORD)) as server:
        run = cli(capsys, tmp_path, server.port)
        code, stdout, _ = run("--send")
    assert code == 0 and sent_line(stdout) == "E-mail: 3 sent, 0 already sent, 0 not sent"
    assert forks_seen == ["write_xlsx_report", "write_html_report"]          # the deliveries written in the run
