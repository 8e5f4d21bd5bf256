"""`--send`: the command line e-mails each provider its own return through a real SMTP server
(aiosmtpd on 127.0.0.1), logs every attempt in send_log.csv, and exits 3 when one is not sent
(contract §2 [email], §8, §9). The SMTP password comes from the environment variable named in
school.toml; the server checks it."""
from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import msoffcrypto
import msoffcrypto.exceptions
import msoffcrypto.format.ooxml
import openpyxl
import pytest

from pipeline.cli import main
from pipeline.delivery import send_log
from pipeline.upn import make_upn
from tests.factories import SCHOOL_TOML, full_week, placement, provider, write_return, write_school
from tests.figure_factories import NOV_23, NOV_28
from tests.smtp_server import Authenticator, attachment, decrypt, running_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # tests only

NEXT = "2026-11-30"                       # the week the returns sent on 28/11 cover
DEC_05 = dt.date(2026, 12, 5)             # "today" for the run of the week of 30/11
SENDER = "attendance@test-infant.sch.uk"
USER, SMTP_PASSWORD, PASSWORD_ENV = "ap-mailer-kq7", "Smtp-Pw-Zebra-93!", "TEST_SCHOOL_SMTP_PW"
PRV1_PASSWORD, OTHER_PASSWORD = "correct horse 1", "battery staple 2"
# provider -> (placement id, forename, surname); distinctive names so a leak is easy to see
PUPILS = {"PRV1": ("P001", "Amelia", "Brightwater"), "PRV2": ("P002", "Zachary", "Quillfeather"),
          "PRV3": ("P003", "Isla", "Thorncastle")}
ADDRESS = {pid: f"{pid.lower()}@example.org" for pid in PUPILS}
UPNS = {pid: make_upn(f"8012000050{i:02d}") for i, pid in enumerate(PUPILS, 1)}
SECRET_WORDS = [USER, SMTP_PASSWORD, PRV1_PASSWORD] + [w for _, f, s in PUPILS.values() for w in (f, s)]


# --- the school, the server and the command line ---------------------------------------------------

def email_toml(port: int, secrets: Path | None = None, **over) -> str:
    options = {"from": f"Test Infant School <{SENDER}>", "smtp_host": "127.0.0.1", "smtp_port": port,
               "security": "none", "username": USER, "password_env": PASSWORD_ENV,
               "secrets_file": str(secrets) if secrets else None, **over}
    lines = [f"{k} = {json.dumps(v)}" for k, v in options.items() if v is not None]
    return SCHOOL_TOML + "\n[email]\n" + "\n".join(lines) + "\n"


def make_school(folder: Path, port: int, secrets: Path | None = None, providers=None, marks=None, **email) -> Path:
    """PRV1-PRV3 with one full-time pupil each from 23/11 and that week's returns all present:
    three providers with pupils expected next week, no findings unless `marks` or `providers` say so."""
    placements = [placement(plid, pid, start=NOV_23, UPN=UPNS[pid], Forename=fore, Surname=sur)
                  for pid, (plid, fore, sur) in PUPILS.items()]
    write_school(folder, placements, providers or [provider(pid) for pid in PUPILS],
                 toml=email_toml(port, secrets, **email))
    for pid, (plid, _, _) in PUPILS.items():
        write_return(folder / "returns" / f"{pid}_{NOV_23}.xlsx", pid, NOV_23,
                     [(plid, (marks or {}).get(pid, full_week("B")))])
    return folder


@pytest.fixture
def server(monkeypatch):
    """A server that insists on the school's login; the password is in the environment only."""
    monkeypatch.setenv(PASSWORD_ENV, SMTP_PASSWORD)
    monkeypatch.delenv("AP_SMTP_PASSWORD", raising=False)
    with running_server(authenticator=Authenticator(USER, SMTP_PASSWORD)) as s:
        yield s


class Cli:
    def __init__(self, capsys, data: Path, out: Path):
        self.capsys, self.data, self.out = capsys, data, out
        self.seen = []                     # every console text, checked for secrets at the end

    def __call__(self, *args, today=NOV_28) -> tuple[int, str, str]:
        code = main(["--data", str(self.data), "--out", str(self.out), *map(str, args)], today=today)
        captured = self.capsys.readouterr()
        self.seen += [captured.out, captured.err]
        return code, captured.out, captured.err

    def folder(self, monday: str = "2026-11-23") -> Path:
        return self.out / monday

    def log(self, monday: str = "2026-11-23") -> list[dict]:
        return send_log.read_rows(self.folder(monday) / send_log.LOG_NAME)

    def results(self, monday: str = "2026-11-23") -> list[tuple[str, str]]:
        return [(r["provider"], r["result"]) for r in self.log(monday)]

    def summary(self, monday: str = "2026-11-23") -> dict:
        return json.loads((self.folder(monday) / "summary.json").read_text(encoding="utf-8"))

    def assert_nothing_private(self) -> None:
        texts = list(self.seen)
        for log in self.out.rglob(send_log.LOG_NAME):
            texts.append(log.read_text(encoding="utf-8-sig"))
        for text in texts:
            for word in SECRET_WORDS:
                assert word not in text, f"{word!r} appears in:\n{text}"


def cli(capsys, tmp_path, port, **school) -> Cli:
    return Cli(capsys, make_school(tmp_path / "school", port, **school), tmp_path / "out")


def by_recipient(server) -> dict[str, list]:
    out = {}
    for r in server.received:
        out.setdefault(tuple(r.rcpt_tos), []).append(r)
    return out


def sent_line(stdout: str) -> str:
    (line,) = [ln.strip() for ln in stdout.splitlines() if ln.strip().startswith("E-mail:")]
    return line


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def encrypt(data: bytes, password: str) -> bytes:
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(data)).encrypt(password, out)
    return out.getvalue()


def is_encrypted(data: bytes) -> bool:
    return msoffcrypto.OfficeFile(io.BytesIO(data)).is_encrypted()


# --- sending, the log, and reruns --------------------------------------------------------------------

def test_send_mails_each_provider_once_logs_it_and_a_rerun_sends_nothing_new(tmp_path, capsys, server):
    run = cli(capsys, tmp_path, server.port)
    code, stdout, stderr = run("--send")
    assert (code, stderr) == (0, "")
    assert sent_line(stdout) == "E-mail: 3 sent, 0 already sent, 0 not sent"
    # one message per provider, each envelope to that provider's Contact email alone
    assert sorted(r.rcpt_tos for r in server.received) == [[ADDRESS[p]] for p in sorted(PUPILS)]
    for r in server.received:
        (pid,) = [p for p in PUPILS if r.rcpt_tos == [ADDRESS[p]]]
        assert r.mail_from == SENDER
        assert r.message.get_all("To") == [ADDRESS[pid]] and r.message["Cc"] is None
        name, _, data = attachment(r.message)
        assert name == f"{pid}_{NEXT}.xlsx"
        assert openpyxl.load_workbook(io.BytesIO(data))["Attendance"]["B1"].value == pid
    assert server.authenticator.attempts and set(server.authenticator.attempts) == {(USER, SMTP_PASSWORD)}
    log = run.log()
    assert [(r["provider"], r["address"], r["file"], r["result"]) for r in log] == [
        (pid, ADDRESS[pid], f"{pid}_{NEXT}.xlsx", "sent") for pid in sorted(PUPILS)]
    assert all(dt.datetime.fromisoformat(r["time"]) for r in log)

    # a second --send reads the log back: nothing new goes, and it says why
    code, stdout, stderr = run("--send")
    assert (code, stderr) == (0, "")
    assert len(server.received) == 3
    assert sent_line(stdout) == "E-mail: 0 sent, 3 already sent (add --resend to send them again), 0 not sent"
    assert len(run.log()) == 3

    # --send --resend sends every one again, and logs it
    code, stdout, _ = run("--send", "--resend")
    assert code == 0
    assert sent_line(stdout) == "E-mail: 3 sent, 0 already sent, 0 not sent"
    assert sorted(tuple(r.rcpt_tos) for r in server.received) == sorted([(ADDRESS[p],) for p in PUPILS] * 2)
    assert run.results() == [(p, "sent") for p in sorted(PUPILS)] * 2
    run.assert_nothing_private()


def test_without_send_nothing_is_sent_and_no_log_is_written(tmp_path, capsys, server):
    run = cli(capsys, tmp_path, server.port)
    code, stdout, _ = run()
    assert code == 0 and server.received == [] and server.authenticator.attempts == []
    assert "not sent: use --send" in stdout and "E-mail:" not in stdout
    assert not (run.folder() / send_log.LOG_NAME).exists()
    assert sorted(p.name for p in (run.folder() / "outbox").iterdir()) == [f"{p}_{NEXT}.eml" for p in sorted(PUPILS)]


def test_error_findings_still_exit_1_when_every_message_is_sent(tmp_path, capsys, server):
    run = cli(capsys, tmp_path, server.port, marks={"PRV2": ["A"] + ["B"] * 9})   # A is not a code
    code, stdout, _ = run("--send")
    assert code == 1
    assert sent_line(stdout) == "E-mail: 3 sent, 0 already sent, 0 not sent"
    assert len(server.received) == 3


def test_resend_without_send_is_exit_2_in_one_line(tmp_path, capsys, server):
    run = cli(capsys, tmp_path, server.port)
    code, stdout, stderr = run("--resend")
    assert (code, stdout) == (2, "")
    assert "--resend" in one_line(stderr) and "--send" in one_line(stderr)
    assert server.received == [] and not run.out.exists()


# --- a provider the server refuses -------------------------------------------------------------------

def test_a_refused_provider_is_exit_3_logged_and_named_and_a_rerun_sends_only_it(tmp_path, capsys, server):
    server.handler.reject[ADDRESS["PRV2"]] = "550 5.1.1 Mailbox unavailable"
    run = cli(capsys, tmp_path, server.port)
    code, stdout, stderr = run("--send")
    assert (code, stderr) == (3, "")
    assert sorted(r.rcpt_tos for r in server.received) == [[ADDRESS["PRV1"]], [ADDRESS["PRV3"]]]
    log = {r["provider"]: r for r in run.log()}
    assert [log[p]["result"] for p in ("PRV1", "PRV3")] == ["sent", "sent"]
    assert log["PRV2"]["result"].startswith("not sent: ") and "550" in log["PRV2"]["result"]
    assert (log["PRV2"]["address"], log["PRV2"]["file"]) == (ADDRESS["PRV2"], f"PRV2_{NEXT}.xlsx")
    assert sent_line(stdout) == "E-mail: 2 sent, 0 already sent, 1 not sent"
    (named,) = [ln for ln in stdout.splitlines() if "NOT SENT" in ln]
    assert "PRV2" in named and "550" in named

    server.handler.reject.clear()                # the mailbox is fixed
    code, stdout, _ = run("--send")
    assert code == 0
    assert sent_line(stdout) == "E-mail: 1 sent, 2 already sent (add --resend to send them again), 0 not sent"
    assert [r.rcpt_tos for r in server.received[2:]] == [[ADDRESS["PRV2"]]]
    assert run.results()[-1] == ("PRV2", "sent") and len(run.log()) == 4
    run.assert_nothing_private()


# --- a provider with no Contact email ----------------------------------------------------------------

def test_a_provider_without_contact_email_is_a_finding_and_not_sent(tmp_path, capsys, server):
    providers = [provider("PRV1"), provider("PRV2"), provider("PRV3", Contact_email=None)]
    run = cli(capsys, tmp_path, server.port, providers=providers)
    code, stdout, stderr = run("--send")
    assert (code, stderr) == (3, "")
    (finding,) = [f for f in run.summary()["findings"] if f["rule"] == "no-contact-email"]
    # providers.xlsx: header on row 1, PRV3 on row 4; Contact email is the 5th column (E)
    assert (finding["file"], finding["sheet"], finding["cell"], finding["severity"]) == (
        "providers.xlsx", "Providers", "E4", "warning")
    assert "PRV3" in finding["message"]
    assert (run.folder() / "returns_to_send" / f"PRV3_{NEXT}.xlsx").is_file()
    assert sorted(r.rcpt_tos for r in server.received) == [[ADDRESS["PRV1"]], [ADDRESS["PRV2"]]]
    log = {r["provider"]: r for r in run.log()}
    assert log["PRV3"]["result"].startswith("not sent") and log["PRV3"]["address"] == ""
    assert [log[p]["result"] for p in ("PRV1", "PRV2")] == ["sent", "sent"]
    assert "NOT SENT to PRV3" in stdout
    run.assert_nothing_private()


# --- encrypted attachments and their round trip --------------------------------------------------------

def write_secrets(tmp_path: Path, **passwords) -> Path:
    path = tmp_path / "secrets" / "passwords.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in passwords.items()), encoding="utf-8")
    return path


def fill_return(data: bytes, codes: list[str]) -> bytes:
    """Type a code in each expected (unlocked) session cell of the first pupil, as a provider would."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Attendance"]
    cells = [ws.cell(row=5, column=4 + s) for s in range(10)]
    assert ws.protection.sheet and all(c.protection.locked is False for c in cells)
    for cell, code in zip(cells, codes):
        cell.value = code
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_encrypted_attachments_and_the_encrypted_return_read_back(tmp_path, capsys, server):
    secrets = write_secrets(tmp_path, PRV1=PRV1_PASSWORD)
    run = cli(capsys, tmp_path, server.port, secrets=secrets)
    code, stdout, stderr = run("--send")
    assert (code, stderr) == (0, "")
    received = {r.rcpt_tos[0]: r.message for r in server.received}

    # PRV1's attachment is encrypted with PRV1's password only
    prv1 = received[ADDRESS["PRV1"]]
    _, _, data = attachment(prv1)
    assert is_encrypted(data)
    with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
        decrypt(data, OTHER_PASSWORD)
    plain = decrypt(data, PRV1_PASSWORD)
    assert openpyxl.load_workbook(io.BytesIO(plain))["Attendance"]["B1"].value == "PRV1"
    body = " ".join(prv1.get_body(("plain",)).get_content().split())
    assert "password we agreed with you separately" in body and "not in this e-mail" in body
    assert PRV1_PASSWORD not in prv1.as_string()

    # PRV2's is plain, and the console warns that it went without a password
    _, _, prv2_data = attachment(received[ADDRESS["PRV2"]])
    assert not is_encrypted(prv2_data)
    assert openpyxl.load_workbook(io.BytesIO(prv2_data))["Attendance"]["B1"].value == "PRV2"
    warnings = [ln for ln in stdout.splitlines() if ln.strip().startswith("Warning:")]
    assert any("PRV2" in w and "without a password" in w for w in warnings)
    assert not any("PRV1" in w for w in warnings)
    run.assert_nothing_private()

    # The round trip: PRV1 fills its return, saves it with the same password and sends it back;
    # another return comes back encrypted with a password no provider has.
    filled = fill_return(plain, ["U"] + ["/"] * 9)
    (run.data / "returns" / "prv1 back.xlsx").write_bytes(encrypt(filled, PRV1_PASSWORD))
    (run.data / "returns" / "prv2 back.xlsx").write_bytes(encrypt(prv2_data, OTHER_PASSWORD))
    code, _, _ = run("--week", NEXT, today=DEC_05)
    summary = run.summary(NEXT)
    p001 = next(p for p in summary["pupils"] if p["placement_id"] == "P001")
    assert p001["week"] == {"possible": 10, "attended": 9, "authorised": 0, "unauthorised": 1,
                            "not_reported": 0, "percent": 90.0}
    protected = [f for f in summary["findings"] if f["rule"] == "password-protected"]
    assert [(f["file"], f["severity"], f["sheet"], f["cell"]) for f in protected] == [
        ("returns/prv2 back.xlsx", "error", None, None)]
    assert [f["rule"] for f in summary["findings"] if f["severity"] == "error"] == ["password-protected"]
    assert code == 1
    assert {"provider_id": "PRV1", "week_commencing": NEXT} not in summary["missing_returns"]
    assert {"provider_id": "PRV2", "week_commencing": NEXT} in summary["missing_returns"]


def test_a_secrets_file_inside_the_school_folder_is_exit_2_in_one_line(tmp_path, capsys, server):
    data = tmp_path / "school"
    inside = data / "private" / "passwords.toml"
    run = Cli(capsys, make_school(data, server.port, secrets=inside), tmp_path / "out")
    inside.parent.mkdir(parents=True)
    inside.write_text(f'PRV1 = "{PRV1_PASSWORD}"\n', encoding="utf-8")
    code, stdout, stderr = run("--send")
    assert (code, stdout) == (2, "")
    assert "secrets_file" in one_line(stderr) and "inside the school folder" in one_line(stderr)
    assert server.received == []
    run.assert_nothing_private()


def test_a_missing_password_variable_is_exit_2_in_one_line_and_nothing_is_sent(tmp_path, capsys, server, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    run = cli(capsys, tmp_path, server.port)
    code, stdout, stderr = run("--send")
    assert (code, stdout) == (2, "")
    assert PASSWORD_ENV in one_line(stderr)
    assert server.received == [] and server.authenticator.attempts == []
    assert not any(r["result"] == "sent" for r in run.log())
    run.assert_nothing_private()
