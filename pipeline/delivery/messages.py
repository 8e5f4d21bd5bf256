"""The e-mail to one provider with its own pre-filled return attached, and the outbox of .eml files.

A message is addressed to the provider's Contact email only: no Cc, no Bcc. Its body says how
many pupils the return covers but never who they are; the names are in the attachment, which is
encrypted when the school has agreed a password with that provider.

Whom to contact is said from school.toml (pipeline/contacts.py): the school office's phone and
e-mail ([school] phone, email) for questions, and, where a safeguarding concern must be reported
straight away, the DSL's name and direct line ([people] DSL, dsl_phone) when they are given.

The outbox copy carries `X-Unsent: 1`, so Outlook opens it as a draft to send from the user's own
mailbox (contract §14); for_sending() takes it off for a message the tool delivers itself.

Date is the time the message is built (or sent) and Message-ID is new each time, so a Monday send is
not "3 days old" and a resend is never dropped as a duplicate. Everything else is the same bytes
for the same inputs (without encryption): the MIME boundary is a hash of provider, week and school.
"""
from __future__ import annotations

import copy
import datetime as dt
import email.headerregistry
import email.policy
import email.utils
import hashlib
import io
import re
import textwrap
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from ..contacts import contacts_of, one_line, single_address
from ..errors import RunError
from ..labels import long_date
from ..output import output_path, write_bytes

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
# Used in the outbox copy when [email] from is not set (sending needs it and refuses without it).
# ".invalid" is reserved (RFC 2606), so a reply to it can never reach a real mailbox.
OUTBOX_SENDER = "noreply@school.invalid"
UNSENT = "X-Unsent"    # "1": Outlook (and Thunderbird, Apple Mail) open the file as a draft, not a received message
WIDTH = 72


class _Headers(email.headerregistry.HeaderRegistry):
    """The standard header factory, giving again a header it has made for the same name and text (a header is
    immutable). The standard one makes a new class for every header and parses the same From, Subject and MIME
    headers afresh for each of a week's messages: two thirds of the time a message took."""

    def __init__(self):
        super().__init__()
        self._classes, self._made = {}, {}

    def __getitem__(self, name):
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found

    def __call__(self, name, value):
        if type(name) is not str or type(value) is not str:
            return super().__call__(name, value)
        key = (name, value)
        found = self._made.get(key)
        if found is None:
            if len(self._made) >= 4096:      # a run's messages share a few dozen; never let it grow without end
                self._made.clear()
            found = self._made[key] = super().__call__(name, value)
        return found


# The SMTP policy (CRLF line ends) but headers are not folded below RFC 5322's 998-character limit:
# folding at 78 puts a subject ending in "(School name)" on a line of its own after "Subject:",
# which some readers then show with a leading space. smtplib sends a message with its own policy,
# so the outbox file holds exactly the bytes that are sent.
POLICY = email.policy.SMTP.clone(max_line_length=998, header_factory=_Headers())


@dataclass(frozen=True)
class Outgoing:
    """One provider's e-mail: who, which workbook, which week, and the password if it is encrypted."""
    provider_id: str
    provider_name: str
    to: str | None          # the Contact email from providers.xlsx
    attachment: Path        # returns_to_send/<Provider ID>_<Monday>.xlsx
    week: dt.date           # the Monday the return covers
    pupils: int
    return_by: dt.date
    password: str | None = None




def sender(settings) -> str:
    """The From header: [email] from, or the school's name at the outbox placeholder address."""
    configured = one_line(settings.get("email", "from"))
    if configured:
        return configured
    return email.utils.formataddr((one_line(settings.school_name), OUTBOX_SENDER))


def _digest(item: Outgoing, school: str) -> str:
    key = "\x1f".join((item.provider_id, item.week.isoformat(), school))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _ask(contacts, reply_to: str) -> str:
    """'reply to this e-mail (a@school.org) or phone the school office on 01225 423526', from what is given."""
    ways = [f"reply to this e-mail ({reply_to})" if reply_to and reply_to != OUTBOX_SENDER else ""]
    if contacts.phone:
        ways.append(f"phone the school office on {contacts.phone}")
    if contacts.email and contacts.email != reply_to:
        ways.append(f"e-mail the school office at {contacts.email}")
    ways = [way for way in ways if way]
    if not ways:
        return "contact the school office"
    return ", ".join(ways[:-1]) + (" or " if len(ways) > 1 else "") + ways[-1]


def _body(settings, item: Outgoing, from_header: str) -> str:
    school = one_line(settings.school_name)
    contacts = contacts_of(settings)
    pupils = f"{item.pupils} pupil" if item.pupils == 1 else f"{item.pupils} pupils"
    reply_to = email.utils.parseaddr(from_header)[1]
    where = f", {one_line(settings.address)}" if one_line(settings.address) else ""
    lead = f"the attendance lead ({contacts.attendance_lead})" if contacts.attendance_lead else "the attendance lead"
    dsl = contacts.dsl_phrase("our")
    paragraphs = [
        f"Dear colleagues at {one_line(item.provider_name) or item.provider_id},",
        f"Attached is the attendance return for the week commencing {long_date(item.week, True)}. "
        f"It lists the {pupils} from {school} expected at your provision that week.",
        f"Please send it back by {long_date(item.return_by, True)}.",
        "How to fill it in:",
    ]
    steps = [
        f"1. Open the attached workbook, {item.attachment.name}.",
        "2. On the Attendance sheet, type one register code in each white (unlocked) session cell: "
        "AM is the morning, PM the afternoon.",
        "3. A session showing '-' means the pupil is not expected then. Leave it as it is.",
        "4. The key to the codes is on the Instructions sheet.",
        "5. Record any incident (serious behaviour, a safeguarding concern, an injury) on the Incidents "
        f"sheet. A safeguarding concern must still be reported to {dsl} straight away, as usual: do not "
        "wait for this return.",
        "6. Save the workbook and reply to this e-mail with it attached.",
    ]
    after = [
        "Please do not rename the sheets, and do not change the Provider ID or the week at the top of "
        "the Attendance sheet: we use them to match your return to our records.",
    ]
    if item.password:
        phone = f" on {contacts.phone}" if contacts.phone else ""
        after.append("The workbook is protected with the password we agreed with you separately. "
                     f"The password is not in this e-mail. If you do not have it, please phone us{phone}: "
                     "do not ask for it by e-mail.")
    after += [
        f"If anything is unclear, please ask {lead} at {school}{where}: {_ask(contacts, reply_to)}.",
        f"Thank you,\n{school}",
        f"Provider ID: {item.provider_id}\nWeek commencing: {item.week.isoformat()}",
    ]
    # Never break inside a word: not at the hyphen of "e-mail", nor inside an address, a file name or
    # a phone number (its spaces are held as NUL while wrapping, then put back).
    numbers = [n for n in (contacts.phone, contacts.dsl_phone) if " " in n]

    def fill(text: str, indent: str = "") -> str:
        for number in numbers:
            text = text.replace(number, number.replace(" ", "\0"))
        return textwrap.fill(text, WIDTH, subsequent_indent=indent, break_long_words=False,
                             break_on_hyphens=False).replace("\0", " ")
    wrap = lambda p: "\n".join(fill(line) for line in p.split("\n"))  # noqa: E731
    step_text = "\n".join(fill(s, "   ") for s in steps)
    return "\n\n".join([*map(wrap, paragraphs), step_text, *map(wrap, after)]) + "\n"


def attachment_bytes(item: Outgoing) -> bytes:
    """The workbook's bytes, encrypted with the provider's password when there is one."""
    try:
        data = item.attachment.read_bytes()
    except OSError as exc:
        raise RunError(f"The return for {item.provider_id} cannot be read to attach it "
                       f"({exc.strerror or exc}): {item.attachment}.") from None
    if not item.password:
        return data
    import msoffcrypto.format.ooxml  # imported here: only needed when a password is set
    out = io.BytesIO()
    try:
        msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(data)).encrypt(item.password, out)
    except Exception as exc:  # the library raises plain exceptions for a file it cannot handle
        raise RunError(f"The return for {item.provider_id} could not be encrypted ({exc}): "
                       f"{item.attachment}.") from None
    return out.getvalue()


def _stamp(msg: EmailMessage, domain: str, now: dt.datetime | None) -> None:
    """Date: now (local time with its offset); Message-ID: a new one (time, process and a random number)."""
    now = now or dt.datetime.now().astimezone()
    for name, value in (("Date", email.utils.format_datetime(now)), ("Message-ID", email.utils.make_msgid(domain=domain))):
        if msg[name] is None:
            msg[name] = value
        else:
            msg.replace_header(name, value)


def _domain(from_header: str) -> str:
    return email.utils.parseaddr(from_header)[1].rpartition("@")[2] or "school.invalid"


def build_message(settings, item: Outgoing, now: dt.datetime | None = None) -> EmailMessage:
    """The e-mail to one provider as the outbox keeps it (a draft: X-Unsent: 1): To its Contact email only,
    the workbook attached, dated `now` (default: this moment)."""
    school = one_line(settings.school_name)
    from_header = sender(settings)
    digest = _digest(item, school)
    msg = EmailMessage(policy=POLICY)
    msg["From"] = from_header
    to = single_address(item.to)
    if to:  # without a usable address the outbox copy has no To; sending reports it as not sent
        msg["To"] = to
    msg["Subject"] = f"Attendance return: week commencing {long_date(item.week)} ({school})"
    _stamp(msg, _domain(from_header), now)
    msg[UNSENT] = "1"
    msg.set_content(_body(settings, item, from_header))
    msg.add_attachment(attachment_bytes(item), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1],
                       filename=item.attachment.name)
    msg.set_boundary(f"=_{digest[32:56]}")
    return msg


def for_sending(msg: EmailMessage, now: dt.datetime | None = None) -> EmailMessage:
    """A copy of an outbox message to deliver: no X-Unsent (the provider must see a received message, not a
    draft), Date `now` and a new Message-ID; every other byte as in the outbox."""
    out = copy.deepcopy(msg)
    del out[UNSENT]
    _stamp(out, _domain(out["From"] or ""), now)
    return out


def outbox_name(provider_id: str, week: dt.date, suffix: str = ".eml") -> str:
    """'<Provider ID>_<Monday>.eml'; characters a file name cannot hold become '_'."""
    safe = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", str(provider_id)).strip(" .") or "_"
    return f"{safe}_{week.isoformat()}{suffix}"


def write_outbox(messages: dict[str, tuple[Outgoing, EmailMessage]], folder: Path) -> list[Path]:
    """Write each message as outbox/<Provider ID>_<Monday>.eml, byte for byte as smtplib sends it
    (email.policy.SMTP, CRLF line ends, with the message's own header line length); the paths written."""
    folder = Path(folder)
    paths = []
    for provider_id, (item, msg) in messages.items():
        path = output_path(folder, outbox_name(provider_id, item.week))
        write_bytes(path, msg.as_bytes(policy=msg.policy.clone(linesep="\r\n")))
        paths.append(path)
    return paths
