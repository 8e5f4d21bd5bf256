"""The e-mail to each provider, the outbox, the attachment passwords and the send log (no server here)."""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import io
import os

import tomllib

import msoffcrypto.exceptions
import openpyxl
import pytest

from pipeline.delivery import (LOG_NAME, Outgoing, already_sent, build_message, load_passwords,
                               outbox_name, warn_unencrypted, write_outbox)
from pipeline.delivery import send_log
from pipeline.delivery.messages import OUTBOX_SENDER, XLSX_TYPE, for_sending
from pipeline.errors import RunError
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML
from tests.smtp_server import (PASSWORDS, SENDER, WEEK, attachment, decrypt, items, outgoing,
                               pupil_identifiers, settings)

XLSX = "/".join(XLSX_TYPE)


@pytest.fixture
def school():
    return settings(**{"from": f"Test Infant School <{SENDER}>"})


def wire(msg) -> bytes:
    """The bytes as write_outbox writes them and smtplib sends them."""
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def parsed(msg):
    return email.message_from_bytes(wire(msg), policy=email.policy.default)


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


# --- headers ---------------------------------------------------------------------------------------

def test_message_goes_to_the_providers_contact_only(tmp_path, school):
    for item, msg in items(tmp_path, school):
        m = parsed(msg)
        assert m.get_all("To") == [item.to]
        assert m["Cc"] is None and m["Bcc"] is None
        assert m["From"] == f"Test Infant School <{SENDER}>"
        assert m["Subject"] == "Attendance return: week commencing 30 November 2026 (Test Infant School)"


FRIDAY_0700 = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.timezone.utc)
MONDAY_0915 = dt.datetime(2026, 11, 30, 9, 15, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def header_lines(msg) -> list[bytes]:
    return wire(msg).split(b"\r\n\r\n")[0].split(b"\r\n")


def test_date_is_when_the_message_is_built_and_each_build_has_a_new_message_id(tmp_path, school):
    item = outgoing(tmp_path, "PRV1")
    assert build_message(school, item, FRIDAY_0700)["Date"] == "Fri, 27 Nov 2026 07:00:00 +0000"
    assert build_message(school, item, MONDAY_0915)["Date"] == "Mon, 30 Nov 2026 09:15:30 +0100"
    before = dt.datetime.now().astimezone().replace(microsecond=0)
    now = email.utils.parsedate_to_datetime(build_message(school, item)["Date"])
    after = dt.datetime.now().astimezone()
    assert before <= now <= after and now.utcoffset() == after.utcoffset()
    ids = {build_message(school, item, FRIDAY_0700)["Message-ID"] for _ in range(20)}
    assert len(ids) == 20 and all(i.startswith("<") and i.endswith("@test-infant.sch.uk>") for i in ids)


def test_two_builds_of_the_same_message_differ_only_in_date_and_message_id(tmp_path, school):
    item = outgoing(tmp_path, "PRV2")
    first, second = build_message(school, item, FRIDAY_0700), build_message(school, item, MONDAY_0915)
    a, b = header_lines(first), header_lines(second)
    differ = [(x.split(b":")[0], y.split(b":")[0]) for x, y in zip(a, b) if x != y]
    assert len(a) == len(b) and differ == [(b"Date", b"Date"), (b"Message-ID", b"Message-ID")]
    assert wire(first).split(b"\r\n\r\n", 1)[1] == wire(second).split(b"\r\n\r\n", 1)[1]


def test_the_outbox_copy_is_an_outlook_draft_and_the_sent_copy_is_not(tmp_path, school):
    item, msg = items(tmp_path, school)[0]
    assert msg["X-Unsent"] == "1" and parsed(msg)["X-Unsent"] == "1"
    sent = for_sending(msg, MONDAY_0915)
    assert sent["X-Unsent"] is None and b"x-unsent" not in wire(sent).lower()
    assert msg["X-Unsent"] == "1"                                   # the outbox copy is left as it was
    assert sent["Date"] == "Mon, 30 Nov 2026 09:15:30 +0100"
    assert sent["Message-ID"] != msg["Message-ID"] and sent["Message-ID"].endswith("@test-infant.sch.uk>")
    assert for_sending(msg, MONDAY_0915)["Message-ID"] != sent["Message-ID"]     # a resend is a new message
    kept = [line for line in header_lines(msg) if not line.startswith((b"Date:", b"Message-ID:", b"X-Unsent:"))]
    assert [line for line in header_lines(sent) if not line.startswith((b"Date:", b"Message-ID:"))] == kept
    assert wire(sent).split(b"\r\n\r\n", 1)[1] == wire(msg).split(b"\r\n\r\n", 1)[1]


def test_without_a_sender_the_outbox_copy_uses_the_placeholder_address(tmp_path):
    item, msg = items(tmp_path, settings())[0]
    assert msg["From"] == f"Test Infant School <{OUTBOX_SENDER}>"
    assert msg["Message-ID"].endswith("@school.invalid>")
    assert OUTBOX_SENDER not in body(msg)


def test_a_contact_email_that_is_not_one_address_gives_no_to_header(tmp_path, school):
    for bad in (None, "", "a@example.org; b@example.org", "a@example.org, b@example.org", "not an address"):
        msg = build_message(school, outgoing(tmp_path, "PRV1", to=bad))
        assert msg["To"] is None and msg["Cc"] is None and msg["Bcc"] is None


# --- body ------------------------------------------------------------------------------------------

def test_body_gives_the_week_count_and_return_date_but_no_pupil(tmp_path, school):
    built = items(tmp_path, school)
    for item, msg in built:
        text = " ".join(body(parsed(msg)).split())
        assert f"the {item.pupils} pupil" in text
        assert "Monday 30 November 2026" in text
        assert "send it back by Monday 7 December 2026" in text
        assert f"Provider ID: {item.provider_id}" in text
        raw = wire(msg)
        head_and_body = raw.split(b"Content-Disposition: attachment")[0].decode()
        for identifier in pupil_identifiers():
            assert identifier not in head_and_body
    assert "the 1 pupil from" in " ".join(body(built[0][1]).split())     # singular, not "1 pupils"


def test_body_lines_are_short_and_never_break_a_word(tmp_path):
    long_sender = "attendance-and-inclusion-team@st-bartholomews-church-of-england-primary.sch.uk"
    school = settings(**{"from": long_sender})
    text = body(items(tmp_path, school)[0][1])
    assert long_sender in text                                # not split at a hyphen
    assert "e-mail" in text and "e-\n" not in text
    assert all(len(line) <= 72 for line in text.splitlines() if long_sender not in line)


def test_body_says_how_to_fill_the_return_in_and_whom_to_ask(tmp_path, school):
    text = " ".join(body(items(tmp_path, school)[0][1]).split())
    for words in ("one register code in each white (unlocked) session cell", "'-' means the pupil is not expected",
                  "Instructions sheet", "Incidents sheet", "reply to this e-mail with it attached",
                  "do not rename the sheets", "do not change the Provider ID or the week",
                  f"reply to this e-mail ({SENDER})"):
        assert words in text
    assert "password" not in text


def test_an_encrypted_attachment_is_announced_without_its_password(tmp_path, school):
    item = outgoing(tmp_path, "PRV1", encrypt=True)
    for msg in (build_message(school, item),):
        text = " ".join(body(msg).split())
        assert "password we agreed with you separately" in text
        assert "The password is not in this e-mail" in text
        assert item.password.encode() not in wire(msg)


# --- whom to contact (contract §2: [school] phone and email, [people] DSL and dsl_phone) -------------

def contact_settings(school: str = "", people: str = "", sender: str | None = SENDER):
    """The test school with the given lines added to [school] and a [people] table."""
    toml = SCHOOL_TOML.replace("target_percent = 96.0\n", "target_percent = 96.0\n" + school)
    toml += f"\n[people]\n{people}" + (f'\n[email]\nfrom = "{sender}"\n' if sender else "")
    return parse_settings(tomllib.loads(toml))


FULL_CONTACTS = dict(school='phone = "01225 423526"\nemail = "office@test-infant.sch.uk"\n',
                     people='DSL = "Mrs J Shah"\ndsl_phone = "01225 423599"\n"Attendance lead" = "Mr B Jones"\n')


def test_body_gives_the_dsls_name_and_direct_line_for_a_safeguarding_concern(tmp_path):
    text = " ".join(body(items(tmp_path, contact_settings(**FULL_CONTACTS))[0][1]).split())
    assert ("A safeguarding concern must still be reported to our Designated Safeguarding Lead (Mrs J Shah, phone "
            "01225 423599) straight away, as usual: do not wait for this return.") in text
    assert ("If anything is unclear, please ask the attendance lead (Mr B Jones) at Test Infant School: reply to "
            f"this e-mail ({SENDER}), phone the school office on 01225 423526 or e-mail the school office at "
            "office@test-infant.sch.uk.") in text


def test_a_phone_number_is_never_split_across_two_lines(tmp_path):
    text = body(items(tmp_path, contact_settings(**FULL_CONTACTS))[0][1])
    assert text.count("01225 423599") == 1 and text.count("01225 423526") == 1
    assert all(len(line) <= 72 for line in text.splitlines())


def test_without_contacts_the_body_still_says_whom_to_ask(tmp_path):
    text = " ".join(body(items(tmp_path, contact_settings(sender=None))[0][1]).split())
    assert ("A safeguarding concern must still be reported to our Designated Safeguarding Lead straight away, as "
            "usual") in text
    assert "If anything is unclear, please ask the attendance lead at Test Infant School: contact the school office." in text
    assert "None" not in text and "()" not in text


def test_the_dsl_phone_alone_and_the_office_e_mail_alone(tmp_path):
    school = contact_settings(school='email = "office@test-infant.sch.uk"\n', people='dsl_phone = "01225 423599"\n',
                              sender=None)
    text = " ".join(body(items(tmp_path, school)[0][1]).split())
    assert "our Designated Safeguarding Lead (phone 01225 423599) straight away" in text
    assert "at Test Infant School: e-mail the school office at office@test-infant.sch.uk." in text


def test_the_password_line_gives_the_office_phone(tmp_path):
    msg = build_message(contact_settings(**FULL_CONTACTS), outgoing(tmp_path, "PRV1", encrypt=True))
    assert "If you do not have it, please phone us on 01225 423526: do not ask for it by e-mail." in " ".join(
        body(msg).split())


def test_contacts_never_bring_a_pupil_into_the_body(tmp_path):
    for item, msg in items(tmp_path, contact_settings(**FULL_CONTACTS)):
        head_and_body = wire(msg).split(b"Content-Disposition: attachment")[0].decode()
        for identifier in pupil_identifiers():
            assert identifier not in head_and_body


# --- attachment ------------------------------------------------------------------------------------

def test_attachment_is_the_workbook_under_its_own_name(tmp_path, school):
    for item, msg in items(tmp_path, school):
        name, kind, data = attachment(parsed(msg))
        assert (name, kind) == (item.attachment.name, XLSX)
        assert data == item.attachment.read_bytes()
        sheet = openpyxl.load_workbook(io.BytesIO(data))["Attendance"]
        assert sheet["B1"].value == item.provider_id


def test_encrypted_attachment_opens_only_with_its_own_password(tmp_path, school):
    built = items(tmp_path, school, encrypt=True)
    for item, msg in built:
        name, kind, data = attachment(parsed(msg))
        assert (name, kind) == (item.attachment.name, XLSX)
        assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1")          # an encrypted (OLE) file, not a zip
        sheet = openpyxl.load_workbook(io.BytesIO(decrypt(data, item.password)))["Attendance"]
        assert sheet["B1"].value == item.provider_id
        other = next(p for pid, p in PASSWORDS.items() if pid != item.provider_id)
        with pytest.raises(msoffcrypto.exceptions.InvalidKeyError):
            decrypt(data, other)


def test_warns_about_each_provider_sent_an_unencrypted_workbook(tmp_path, school):
    plain = items(tmp_path, school, PRV3={"to": None})
    plain = [plain[0], (outgoing(tmp_path, "PRV2", encrypt=True), plain[1][1]), plain[2]]
    lines = warn_unencrypted(plain)
    assert len(lines) == 1 and lines[0].startswith("PRV1 (Sunrise Learning): ")
    assert "without a password" in lines[0]
    assert warn_unencrypted([item for item, _ in plain]) == lines
    assert warn_unencrypted([outgoing(tmp_path, pid, encrypt=True) for pid in PASSWORDS]) == []


# --- outbox ----------------------------------------------------------------------------------------

def without_date_and_id(data: bytes) -> bytes:
    return b"\r\n".join(line for line in data.split(b"\r\n") if not line.startswith((b"Date:", b"Message-ID:")))


def test_outbox_is_byte_identical_across_builds_but_for_date_and_message_id(tmp_path, school):
    first = write_outbox({i.provider_id: (i, m) for i, m in items(tmp_path / "a", school)}, tmp_path / "out1")
    second = write_outbox({i.provider_id: (i, m) for i, m in items(tmp_path / "b", school)}, tmp_path / "out2")
    assert [p.name for p in first] == ["PRV1_2026-11-30.eml", "PRV2_2026-11-30.eml", "PRV3_2026-11-30.eml"]
    for a, b in zip(first, second):
        data = a.read_bytes()
        assert data != b.read_bytes() and without_date_and_id(data) == without_date_and_id(b.read_bytes())
        assert b"\r\nX-Unsent: 1\r\n" in data
        headers = data.split(b"\r\n\r\n")[0].lower()
        assert b"\nbcc:" not in headers and b"\ncc:" not in headers
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")     # SMTP line ends
    assert sorted(os.listdir(tmp_path / "out1")) == [p.name for p in first]   # no temporary files left


def test_headers_made_once_for_a_run_give_the_bytes_of_the_standard_factory(tmp_path, monkeypatch):
    """Messages share the headers they have in common (From, Subject, MIME), as made once by messages._Headers:
    each message is byte for byte what email's own header factory makes, however often it is written and
    whichever message wrote the shared header first, with non-ASCII and long headers that fold."""
    from pipeline.delivery import messages

    toml = SCHOOL_TOML.replace('name = "Test Infant School"', 'name = "' + "Ysgol Gymraeg “Dyffryn” & <Ysgol> " * 3 + '"')
    the_settings = parse_settings(tomllib.loads(toml + '[email]\nfrom = "Ysgol Llanfair é “Dyffryn” <head@ysgol.example>"\n'))
    over = {pid: {"provider_name": f"Fferm Ñandú “Café” {pid} " * 4, "to": f"Ünïcode Name {pid} <x@{pid.lower()}.org>"}
            for pid in ("PRV1", "PRV2", "PRV3")}

    def built(folder):
        out = []
        for item, msg in items(folder, the_settings, **over) + items(folder / "again", the_settings, **over):
            for copy in (msg, msg, for_sending(msg, MONDAY_0915)):
                out.append(without_date_and_id(wire(copy)))
        return out, msg

    shared, last = built(tmp_path / "shared")
    first = build_message(the_settings, outgoing(tmp_path / "x", "PRV1", **over["PRV1"]), FRIDAY_0700)
    assert first.get("From") is last.get("From") and first.get("Subject") is last.get("Subject")   # made once
    monkeypatch.setattr(messages, "POLICY", email.policy.SMTP.clone(max_line_length=998))
    standard, last = built(tmp_path / "standard")
    assert first.get("From") is not last.get("From")
    assert shared == standard
    assert b"=?utf-8?" in shared[0].split(b"\r\n\r\n")[0]       # the headers did need encoding


def test_outbox_file_names_cannot_leave_the_folder():
    assert outbox_name("PRV1", WEEK) == "PRV1_2026-11-30.eml"
    assert outbox_name("../x/y", WEEK) == "_x_y_2026-11-30.eml"   # dots at the ends are stripped too


# --- passwords -------------------------------------------------------------------------------------

def test_no_secrets_file_means_no_passwords(tmp_path):
    assert load_passwords(settings(), tmp_path / "data") == {}


def test_passwords_are_read_from_the_secrets_file(tmp_path):
    secrets = tmp_path / "private" / "passwords.toml"
    secrets.parent.mkdir()
    secrets.write_text('PRV1 = "first secret"\n"PRV 2" = "second"\n', encoding="utf-8")
    assert load_passwords(settings(secrets_file=str(secrets)), tmp_path / "data") == {
        "PRV1": "first secret", "PRV 2": "second"}


def test_a_relative_secrets_file_is_read_from_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "passwords.toml").write_text('PRV1 = "x"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_passwords(settings(secrets_file="passwords.toml"), tmp_path / "data") == {"PRV1": "x"}


def test_a_secrets_file_inside_the_school_folder_is_refused(tmp_path, monkeypatch):
    data = tmp_path / "data"
    (data / "private").mkdir(parents=True)
    (data / "private" / "passwords.toml").write_text('PRV1 = "x"\n', encoding="utf-8")
    with pytest.raises(RunError, match="inside the school folder"):
        load_passwords(settings(secrets_file=str(data / "private" / "passwords.toml")), data)
    monkeypatch.chdir(tmp_path / "data" / "private")          # the same file by a relative path
    with pytest.raises(RunError, match="inside the school folder"):
        load_passwords(settings(secrets_file="passwords.toml"), os.path.relpath(data))


@pytest.mark.parametrize("content, problem", [
    (None, "does not exist"),
    ("PRV1 = password-without-quotes\n", "cannot be read"),
    ("PRV1 = 12345\n", "must be text in quotes"),
    ('PRV1 = ""\n', "must be text in quotes"),
])
def test_a_bad_secrets_file_is_one_plain_line(tmp_path, content, problem):
    secrets = tmp_path / "passwords.toml"
    if content is not None:
        secrets.write_text(content, encoding="utf-8")
    with pytest.raises(RunError, match=problem) as caught:
        load_passwords(settings(secrets_file=str(secrets)), tmp_path / "data")
    assert "\n" not in str(caught.value)
    assert "password-without-quotes" not in str(caught.value)    # never echo a password


# --- send log --------------------------------------------------------------------------------------

def test_send_log_keeps_every_attempt_and_knows_what_was_sent(tmp_path):
    log = tmp_path / "week" / LOG_NAME
    assert already_sent(log) == set()
    send_log.append(log, "PRV1", "prv1@example.org", "PRV1_2026-11-30.xlsx", "not sent: server down")
    send_log.append(log, "PRV1", "prv1@example.org", "PRV1_2026-11-30.xlsx", "sent")
    send_log.append(log, "PRV2", "=cmd|x", "PRV2_2026-11-30.xlsx", "not sent: no Contact email in providers.xlsx")
    rows = send_log.read_rows(log)
    assert [r["result"] for r in rows] == ["not sent: server down", "sent",
                                           "not sent: no Contact email in providers.xlsx"]
    assert list(rows[0]) == ["provider", "address", "file", "time", "result"]
    assert all(dt.datetime.fromisoformat(r["time"]).tzinfo is not None for r in rows)
    assert rows[2]["address"] == "=cmd|x"
    assert "'=cmd|x" in log.read_text(encoding="utf-8-sig")     # Excel shows it as text, not a formula
    assert already_sent(log) == {("PRV1", "PRV1_2026-11-30.xlsx")}
