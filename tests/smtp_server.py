"""Fixtures for the e-mail tests: a real SMTP server, and the providers' workbooks to send.

The server is aiosmtpd on 127.0.0.1 at a free port, recording what it receives:

    with running_server(reject={"prv2@example.org": "550 5.1.1 No such mailbox"}) as server:
        ... send to server.port ...
    server.received  -> [Received(mail_from, rcpt_tos, content), ...]

`xoauth2_server(user, token)` offers only AUTH XOAUTH2 and accepts exactly one SASL string;
`Authenticator(..., refuse=...)` answers every password login as a server with basic authentication off.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as dt
import email
import email.policy
import io
import json
import socket
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import msoffcrypto
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pipeline.delivery import Outgoing, build_message
from pipeline.settings import parse_settings
from tests.factories import SCHOOL_TOML, write_grid


def free_port() -> int:
    """A port nothing listens on now (aiosmtpd cannot be given port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.content, policy=email.policy.default)


@dataclass
class Handler:
    """Accepts every recipient except those in `reject` (address -> reply such as "550 ...")."""
    reject: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return self.reject[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@dataclass
class Authenticator:
    """Accepts one user name and password; records every attempt as (user, password).
    With `refuse` (a reply such as "535 5.7.139 ..."), refuses every login with that reply."""
    username: str
    password: str
    attempts: list[tuple[str, str]] = field(default_factory=list)
    refuse: str | None = None

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append((user, password))
        if self.refuse:
            return AuthResult(success=False, handled=False, message=self.refuse)
        if (user, password) == (self.username, self.password):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)  # handled=True would leave the client waiting


@dataclass
class XOAuth2Handler(Handler):
    """Offers AUTH XOAUTH2 (aiosmtpd calls auth_<MECHANISM> on the handler) and accepts exactly the SASL
    string of `user` with one of `tokens`; records every initial response, decoded, in `attempts`. A wrong
    one gets what Google sends: 334 with a JSON error, then 535 after the client's empty reply."""
    user: str = ""
    tokens: list[str] = field(default_factory=list)
    attempts: list[bytes] = field(default_factory=list)

    def expected(self, token: str) -> bytes:
        return f"user={self.user}\x01auth=Bearer {token}\x01\x01".encode("ascii")

    async def auth_XOAUTH2(self, server, args):
        if len(args) != 2:
            await server.push("501 5.5.2 XOAUTH2 needs an initial response")
            return AuthResult(success=False, handled=True)
        decoded = base64.b64decode(args[1], validate=True)
        self.attempts.append(decoded)
        if decoded in [self.expected(t) for t in self.tokens]:
            return AuthResult(success=True)
        await server.challenge_auth(b'{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}')
        return AuthResult(success=False, handled=False, message="535 5.7.8 Username and Password not accepted")


@dataclass
class Server:
    port: int
    handler: Handler
    authenticator: Authenticator | None

    @property
    def received(self) -> list[Received]:
        return self.handler.received


def xoauth2_server(user: str, *tokens: str):
    """A server offering only AUTH XOAUTH2, accepting `user` with any of `tokens`."""
    return running_server(handler=XOAuth2Handler(user=user, tokens=list(tokens)))


@contextlib.contextmanager
def running_server(reject: dict[str, str] | None = None, authenticator: Authenticator | None = None,
                   handler: Handler | None = None):
    """`handler`: an XOAuth2Handler makes a server that offers AUTH XOAUTH2 only, and requires it."""
    handler = handler or Handler()
    handler.reject.update(reject or {})
    port = free_port()
    kwargs = {"authenticator": authenticator, "auth_require_tls": False, "auth_required": True} if authenticator else {}
    if isinstance(handler, XOAuth2Handler):
        kwargs = {"auth_require_tls": False, "auth_required": True, "auth_exclude_mechanism": ["LOGIN", "PLAIN"]}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server(port, handler, authenticator)
    finally:
        controller.stop()


# --- what the tests send ------------------------------------------------------------------------

WEEK = dt.date(2026, 11, 30)         # the Monday the returns cover
RETURN_BY = dt.date(2026, 12, 7)
SENDER = "attendance@test-infant.sch.uk"
# provider id -> (name, contact email, pupils as (UPN, forename, surname))
PROVIDERS = {
    "PRV1": ("Sunrise Learning", "prv1@example.org", [("B801200005001", "Amelia", "Brightwater")]),
    "PRV2": ("Oakfield Farm", "prv2@example.org", [("A823456789012", "Zachary", "Quillfeather"),
                                                   ("E801200005009", "Priya", "Marchbanks")]),
    "PRV3": ("Riverside Tuition", "prv3@example.org", [("C801200005002", "Noah", "Fenwickshaw"),
                                                       ("D801200005003", "Isla", "Thorncastle"),
                                                       ("F801200005004", "Ruby", "Oakenshield")]),
}
PASSWORDS = {"PRV1": "correct horse 1", "PRV2": "battery staple 2", "PRV3": "tr0ub4dor&3"}


def settings(**email_options):
    """The test school's settings with an [email] table; None values are left out."""
    lines = ["[email]"] + [f"{key} = {json.dumps(value)}" for key, value in email_options.items()
                           if value is not None]
    return parse_settings(tomllib.loads(SCHOOL_TOML + "\n" + "\n".join(lines) + "\n"))


def server_settings(port: int, **over):
    options = {"from": f"Test Infant School <{SENDER}>", "smtp_host": "127.0.0.1", "smtp_port": port,
               "security": "none", **over}
    return settings(**options)


def write_workbook(folder: Path, provider_id: str) -> Path:
    """A small return naming the provider's pupils, as returns_to_send/<id>_<Monday>.xlsx."""
    rows = [["Provider ID", provider_id], ["Week commencing", WEEK], [],
            ["Placement ID", "UPN", "Pupil"]]
    rows += [[f"{provider_id}-{i}", upn, f"{fore} {sur}"]
             for i, (upn, fore, sur) in enumerate(PROVIDERS[provider_id][2], 1)]
    return write_grid(Path(folder) / f"{provider_id}_{WEEK.isoformat()}.xlsx", {"Attendance": rows})


def outgoing(folder: Path, provider_id: str, encrypt: bool = False, **over) -> Outgoing:
    name, address, pupils = PROVIDERS[provider_id]
    fields = {"provider_id": provider_id, "provider_name": name, "to": address,
              "attachment": write_workbook(folder, provider_id), "week": WEEK, "pupils": len(pupils),
              "return_by": RETURN_BY, "password": PASSWORDS[provider_id] if encrypt else None, **over}
    return Outgoing(**fields)


def items(folder: Path, the_settings, encrypt: bool = False, **over_by_provider):
    """[(Outgoing, message)] for PRV1..PRV3; over_by_provider = {"PRV2": {"to": None}}."""
    built = []
    for pid in PROVIDERS:
        item = outgoing(folder, pid, encrypt, **over_by_provider.get(pid, {}))
        built.append((item, build_message(the_settings, item)))
    return built


def pupil_identifiers() -> list[str]:
    """Every pupil name and UPN in the test workbooks: none may appear in an e-mail body."""
    return [s for _, _, pupils in PROVIDERS.values() for upn, fore, sur in pupils for s in (upn, fore, sur)]


def attachment(message) -> tuple[str, str, bytes]:
    """(file name, content type, bytes) of the message's one attachment."""
    (part,) = list(message.iter_attachments())
    return part.get_filename(), part.get_content_type(), part.get_content()


def decrypt(data: bytes, password: str) -> bytes:
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=password)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()
