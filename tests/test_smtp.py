"""Sending against a real SMTP server (aiosmtpd on 127.0.0.1), and the send log it leaves."""
from __future__ import annotations

import datetime as dt
import email
import email.utils
import io

import msoffcrypto.exceptions
import openpyxl
import pytest

from pipeline.delivery import LOG_NAME, NO_CONTACT, send_messages, write_outbox
from pipeline.delivery import send_log
from pipeline.errors import RunError
from tests.smtp_server import (PASSWORDS, PROVIDERS, RETURN_BY, SENDER, Authenticator, attachment, decrypt,
                               free_port, items, pupil_identifiers, running_server, server_settings)

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # tests only

ADDRESSES = {pid: address for pid, (_, address, _) in PROVIDERS.items()}


@pytest.fixture
def server():
    with running_server() as s:
        yield s


@pytest.fixture
def rejecting_server():
    """Refuses the second provider's address, as a server does for an unknown mailbox."""
    with running_server(reject={ADDRESSES["PRV2"]: "550 5.1.1 Mailbox unavailable"}) as s:
        yield s


def results(log) -> list[tuple[str, str]]:
    return [(r["provider"], r["result"]) for r in send_log.read_rows(log)]


def test_each_provider_gets_one_message_to_its_own_address_only(tmp_path, server):
    conf = server_settings(server.port)
    report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
    assert (report.sent, report.skipped, report.failed) == (["PRV1", "PRV2", "PRV3"], [], {})
    assert [r.rcpt_tos for r in server.received] == [[a] for a in ADDRESSES.values()]
    for received, (pid, (name, address, pupils)) in zip(server.received, PROVIDERS.items()):
        assert received.mail_from == SENDER
        m = received.message
        assert m.get_all("To") == [address] and m["Cc"] is None and m["Bcc"] is None
        text = m.get_body(("plain",)).get_content()
        assert f"the {len(pupils)} pupil" in text
        assert "send it back by Monday 7 December 2026" in " ".join(text.split())
        for identifier in pupil_identifiers():
            assert identifier not in text
        name, _, data = attachment(m)
        assert name == f"{pid}_2026-11-30.xlsx"
        sheet = openpyxl.load_workbook(io.BytesIO(data))["Attendance"]
        assert sheet["B1"].value == pid and sheet["C5"].value == " ".join(pupils[0][1:])
    assert results(tmp_path / LOG_NAME) == [("PRV1", "sent"), ("PRV2", "sent"), ("PRV3", "sent")]
    assert [r["address"] for r in send_log.read_rows(tmp_path / LOG_NAME)] == list(ADDRESSES.values())


def test_encrypted_attachments_arrive_and_open_only_with_their_own_password(tmp_path, server):
    conf = server_settings(server.port)
    report = send_messages(conf, items(tmp_path, conf, encrypt=True), tmp_path / LOG_NAME, env={})
    assert report.sent == ["PRV1", "PRV2", "PRV3"]
    for received, pid in zip(server.received, PROVIDERS):
        _, _, data = attachment(received.message)
        assert openpyxl.load_workbook(io.BytesIO(decrypt(data, PASSWORDS[pid])))["Attendance"]["B1"].value == pid
        if pid == "PRV1":          # each decryption takes ~0.2 s; test_email tries a wrong one for every provider
            with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
                decrypt(data, PASSWORDS["PRV2"])


def test_login_uses_the_password_from_the_environment(tmp_path):
    auth = Authenticator("attendance", "s3cret from env")
    with running_server(authenticator=auth) as server:
        conf = server_settings(server.port, username="attendance", password_env="SCHOOL_SMTP_PW")
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME,
                               env={"SCHOOL_SMTP_PW": "s3cret from env", "AP_SMTP_PASSWORD": "wrong"})
        assert report.sent == ["PRV1", "PRV2", "PRV3"] and len(server.received) == 3
    assert set(auth.attempts) == {("attendance", "s3cret from env")}


def test_a_wrong_password_is_reported_for_every_provider_without_hanging(tmp_path):
    with running_server(authenticator=Authenticator("attendance", "right")) as server:
        conf = server_settings(server.port, username="attendance")
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME,
                               env={"AP_SMTP_PASSWORD": "wrong"})
        assert server.received == []
    assert report.sent == [] and set(report.failed) == {"PRV1", "PRV2", "PRV3"}
    assert all("did not accept the user name and password" in why for why in report.failed.values())
    assert [result for _, result in results(tmp_path / LOG_NAME)] == [
        f"not sent: {report.failed['PRV1']}"] * 3


def test_a_user_name_without_its_password_stops_before_sending(tmp_path, server):
    conf = server_settings(server.port, username="attendance")
    with pytest.raises(RunError, match="AP_SMTP_PASSWORD"):
        send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={"OTHER": "x"})
    assert server.received == [] and not (tmp_path / LOG_NAME).exists()


@pytest.mark.parametrize("missing, words", [({"smtp_host": None}, "smtp_host"), ({"from": None}, "from")])
def test_missing_server_or_sender_stops_before_sending(tmp_path, server, missing, words):
    conf = server_settings(server.port, **missing)
    with pytest.raises(RunError, match=words):
        send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
    assert server.received == []


def test_a_refused_provider_is_logged_and_the_others_still_go(tmp_path, rejecting_server):
    conf = server_settings(rejecting_server.port)
    log = tmp_path / LOG_NAME
    report = send_messages(conf, items(tmp_path, conf), log, env={})
    assert report.sent == ["PRV1", "PRV3"] and list(report.failed) == ["PRV2"]
    assert "550 5.1.1 Mailbox unavailable" in report.failed["PRV2"]
    assert [r.rcpt_tos for r in rejecting_server.received] == [[ADDRESSES["PRV1"]], [ADDRESSES["PRV3"]]]
    assert results(log) == [("PRV1", "sent"), ("PRV2", f"not sent: {report.failed['PRV2']}"), ("PRV3", "sent")]


def test_a_rerun_sends_only_what_failed_and_resend_sends_all(tmp_path, rejecting_server):
    conf = server_settings(rejecting_server.port)
    log = tmp_path / LOG_NAME
    send_messages(conf, items(tmp_path, conf), log, env={})
    del rejecting_server.handler.reject[ADDRESSES["PRV2"]]          # the mailbox is fixed
    rejecting_server.received.clear()

    again = send_messages(conf, items(tmp_path, conf), log, env={})
    assert (again.sent, again.skipped, again.failed) == (["PRV2"], ["PRV1", "PRV3"], {})
    assert [r.rcpt_tos for r in rejecting_server.received] == [[ADDRESSES["PRV2"]]]

    rejecting_server.received.clear()
    third = send_messages(conf, items(tmp_path, conf), log, env={})
    assert third.sent == [] and third.skipped == ["PRV1", "PRV2", "PRV3"] and rejecting_server.received == []

    forced = send_messages(conf, items(tmp_path, conf), log, resend=True, env={})
    assert forced.sent == ["PRV1", "PRV2", "PRV3"] and forced.skipped == []
    assert len(rejecting_server.received) == 3
    assert [p for p, _ in results(log)] == ["PRV1", "PRV2", "PRV3", "PRV2", "PRV1", "PRV2", "PRV3"]


def test_a_dropped_connection_is_reopened_for_the_next_provider(tmp_path):
    # 421 makes the client close the connection (RFC 5321 §3.8), like a server going away mid-run.
    with running_server(reject={ADDRESSES["PRV2"]: "421 4.3.2 Service shutting down"}) as server:
        conf = server_settings(server.port)
        report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
        assert [r.rcpt_tos for r in server.received] == [[ADDRESSES["PRV1"]], [ADDRESSES["PRV3"]]]
    assert report.sent == ["PRV1", "PRV3"] and "421" in report.failed["PRV2"]


def test_an_unreachable_server_leaves_every_provider_not_sent(tmp_path):
    conf = server_settings(free_port())                         # nothing listens there
    report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
    assert report.sent == [] and set(report.failed) == {"PRV1", "PRV2", "PRV3"}
    assert all(why.startswith("could not connect to the mail server at 127.0.0.1:") for why in report.failed.values())
    assert [p for p, r in results(tmp_path / LOG_NAME) if r.startswith("not sent: could not connect")] == [
        "PRV1", "PRV2", "PRV3"]


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_a_server_without_the_asked_for_security_is_reported_not_raised(tmp_path, server, security):
    conf = server_settings(server.port, security=security)
    report = send_messages(conf, items(tmp_path, conf), tmp_path / LOG_NAME, env={})
    assert report.sent == [] and len(report.failed) == 3 and server.received == []
    assert all("security" in why for why in report.failed.values())


def test_a_provider_without_an_address_is_logged_and_skipped(tmp_path, server):
    conf = server_settings(server.port)
    built = items(tmp_path, conf, PRV1={"to": None}, PRV2={"to": "a@example.org; b@example.org"})
    report = send_messages(conf, built, tmp_path / LOG_NAME, env={})
    assert report.sent == ["PRV3"] and report.failed["PRV1"] == NO_CONTACT
    assert "not one e-mail address" in report.failed["PRV2"]
    assert [r.rcpt_tos for r in server.received] == [[ADDRESSES["PRV3"]]]
    assert results(tmp_path / LOG_NAME)[0] == ("PRV1", f"not sent: {NO_CONTACT}")


def test_a_message_built_for_another_provider_is_not_sent(tmp_path, server):
    conf = server_settings(server.port)
    (one, msg_one), (two, msg_two), _ = items(tmp_path, conf)
    report = send_messages(conf, [(one, msg_two), (two, msg_one)], tmp_path / LOG_NAME, env={})
    assert report.sent == [] and server.received == []
    assert report.failed["PRV1"] == f"the message is not addressed to {ADDRESSES['PRV1']} alone"


def test_a_return_by_date_of_its_own_reaches_the_body(tmp_path, server):
    conf = server_settings(server.port)
    built = items(tmp_path, conf, PRV1={"return_by": RETURN_BY.replace(day=9)})
    send_messages(conf, built[:1], tmp_path / LOG_NAME, env={})
    assert "Wednesday 9 December 2026" in server.received[0].message.get_body(("plain",)).get_content()


def test_the_outbox_file_holds_the_bytes_that_are_sent_but_the_draft_mark_date_and_message_id(tmp_path, server):
    conf = server_settings(server.port)
    built = items(tmp_path, conf)
    paths = write_outbox({item.provider_id: (item, msg) for item, msg in built}, tmp_path / "outbox")
    send_messages(conf, built, tmp_path / LOG_NAME, env={})
    for path, received in zip(paths, server.received):
        outbox = path.read_bytes().rstrip(b"\r\n").split(b"\r\n")
        sent = received.content.rstrip(b"\r\n").split(b"\r\n")
        assert b"X-Unsent: 1" in outbox and not any(line.lower().startswith(b"x-unsent") for line in sent)
        stamps = (b"Date:", b"Message-ID:")
        assert [line for line in sent if not line.startswith(stamps)] == [
            line for line in outbox if not line.startswith(stamps) and line != b"X-Unsent: 1"]
        assert received.message["Message-ID"] != email.message_from_bytes(path.read_bytes())["Message-ID"]


def test_each_sending_has_its_own_date_and_message_id(tmp_path, server):
    conf = server_settings(server.port)
    built = items(tmp_path, conf)
    before = dt.datetime.now().astimezone().replace(microsecond=0)
    send_messages(conf, built, tmp_path / LOG_NAME, env={})
    send_messages(conf, built, tmp_path / LOG_NAME, resend=True, env={})
    after = dt.datetime.now().astimezone()
    ids = [r.message["Message-ID"] for r in server.received]
    assert len(ids) == 6 and len(set(ids)) == 6 and not set(ids) & {msg["Message-ID"] for _, msg in built}
    assert all(before <= email.utils.parsedate_to_datetime(r.message["Date"]) <= after for r in server.received)
