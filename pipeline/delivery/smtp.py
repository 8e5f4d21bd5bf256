"""Sending each provider its own message over SMTP, one envelope recipient per message.

Settings that make sending impossible (no host, no sender, a user name without its password, an
OAuth sign-in that is not set up) stop the run before anything is sent, and so does a token that
cannot be had (pipeline/delivery/oauth.py). After that nothing here raises for a mail problem: each
provider's result, sent or not sent with the reason, goes to the send log and the report, and
the next provider is tried (on a new connection if the old one was lost).
"""
from __future__ import annotations

import dataclasses
import email.utils
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from ..errors import RunError
from . import oauth, send_log
from .messages import Outgoing, for_sending, single_address

NO_CONTACT = "no Contact email in providers.xlsx"
TIMEOUT = 30  # seconds to wait for the mail server at each step
# The enhanced status codes of a server that no longer takes a password: Microsoft 365 ("535 5.7.139
# Authentication unsuccessful, basic authentication is disabled", "550 5.7.30 Basic authentication is not
# supported for Client Submission") and Google ("534 5.7.9 Application-specific password required").
BASIC_AUTH_REFUSED = ("5.7.139", "5.7.30", "5.7.9")


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)         # provider ids sent now
    skipped: list[str] = field(default_factory=list)      # already sent, per the send log
    failed: dict[str, str] = field(default_factory=dict)  # provider id -> reason not sent

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass(frozen=True)
class _Server:
    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    auth: str = oauth.PASSWORD
    token: str | None = None      # with auth "xoauth2" or "microsoft": the access token, and username is the SASL user

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.security == "ssl":
            conn = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        else:
            conn = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        try:
            conn.ehlo()
            if self.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
            if self.auth != oauth.PASSWORD:
                self._xoauth2(conn)
            elif self.username:
                conn.login(self.username, self.password or "")
        except BaseException:
            _close(conn)
            raise
        return conn

    def _xoauth2(self, conn: smtplib.SMTP) -> None:
        offered = conn.esmtp_features.get("auth", "").upper().split()
        if oauth.MECHANISM not in offered:
            raise NoXoauth2(offered)
        response = oauth.xoauth2_response(self.username or "", self.token or "")
        # The initial response goes with AUTH; a server that refuses it answers 334 with a JSON error, to
        # which the client replies with an empty line (RFC 7628 §3.2.3), and then the server says 535.
        conn.auth(oauth.MECHANISM, lambda challenge=None: response if challenge is None else "",
                  initial_response_ok=True)


class NoXoauth2(smtplib.SMTPException):
    """The server does not offer AUTH XOAUTH2."""
    def __init__(self, offered: list[str]):
        super().__init__(" ".join(offered))
        self.offered = offered


def _close(conn: smtplib.SMTP | None, polite: bool = False) -> None:
    if conn is None:
        return
    try:
        conn.quit() if polite else conn.close()
    except OSError:   # smtplib.SMTPException included
        try:
            conn.close()
        except OSError:
            pass


def _server(settings, env) -> tuple[_Server, str]:
    """The mail server settings and the envelope sender, or a RunError saying what to set."""
    host = str(settings.get("email", "smtp_host") or "").strip()
    if not host:
        raise RunError("[email] smtp_host is not set in school.toml: add your mail server's name "
                       "(ask your IT support) to send e-mail.")
    from_addr = single_address(settings.get("email", "from"))
    if not from_addr:
        what = settings.get("email", "from")
        raise RunError("[email] from is not set in school.toml: add the address e-mails are sent from, "
                       'like from = "attendance@school.example".' if not what else
                       f"[email] from {what!r} in school.toml is not one e-mail address.")
    port = settings.get("email", "smtp_port")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise RunError(f"[email] smtp_port must be a whole number such as 587, not {port!r}.")
    auth = oauth.auth_of(settings)
    if auth != oauth.PASSWORD:
        oauth.check_auth(settings, env)
        return _Server(host, port, settings.get("email", "security"), oauth.sasl_user(settings), None, auth), from_addr
    username = str(settings.get("email", "username") or "").strip() or None
    password = None
    if username:
        var = str(settings.get("email", "password_env") or "AP_SMTP_PASSWORD")
        password = env.get(var)
        if not password:
            raise RunError(f"[email] username is set but the environment variable {var} is not: "
                           f"set {var} to the mail password before sending (never put it in school.toml).")
    return _Server(host, port, settings.get("email", "security"), username, password), from_addr


def check_send_settings(settings, env) -> None:
    """Raise RunError now, before anything is written, if sending could not even start."""
    _server(settings, env)


def _server_text(code, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(f"{code} {text}".split())


def _refuses_basic(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPResponseException):
        said = _server_text(exc.smtp_code, exc.smtp_error)
        return any(f" {code} " in f" {said} " for code in BASIC_AUTH_REFUSED)
    return isinstance(exc, smtplib.SMTPException) and "no suitable authentication method" in str(exc).lower()


def reason(exc: BaseException, server: _Server) -> str:
    """One plain-English line for a failure talking to the mail server."""
    where = f"{server.host}:{server.port}"
    if server.auth == oauth.PASSWORD and _refuses_basic(exc):
        said = (f" ({_server_text(exc.smtp_code, exc.smtp_error)})" if isinstance(exc, smtplib.SMTPResponseException)
                else "")
        return (f"the mail server at {where} no longer accepts a password{said}: change [email] auth in school.toml "
                f'to "microsoft" (Microsoft 365) or "xoauth2" (Google Workspace and others), see {oauth.SETUP_GUIDE}')
    if isinstance(exc, NoXoauth2):
        return (f"the mail server at {where} does not offer XOAUTH2 sign-in (it offers: "
                f"{' '.join(exc.offered) or 'no sign-in at all'}): check smtp_host, security and [email] auth in school.toml")
    if isinstance(exc, smtplib.SMTPAuthenticationError) and server.auth != oauth.PASSWORD:
        return (f"the mail server did not accept the sign-in token for {server.username} "
                f"({_server_text(exc.smtp_code, exc.smtp_error)}): check [email] username, and that this mailbox may "
                f"send with SMTP AUTH (see {oauth.SETUP_GUIDE})")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()), (None, ""))
        return f"the mail server refused the address ({_server_text(code, text)})"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"the mail server refused the sender address ({_server_text(exc.smtp_code, exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return ("the mail server did not accept the user name and password "
                f"({_server_text(exc.smtp_code, exc.smtp_error)})")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return (f"the mail server at {where} does not offer what [email] security asks for "
                f"({' '.join(str(exc).split())}): check security and smtp_port in school.toml")
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"the mail server refused the message ({_server_text(exc.smtp_code, exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the mail server at {where} closed the connection"
    if isinstance(exc, ssl.SSLError):
        return (f"a secure connection to {where} could not be made ({exc.reason or exc}): "
                "check security and smtp_port in school.toml")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"the mail server at {where} did not answer in time"
    if isinstance(exc, socket.gaierror):
        return f"the mail server name {server.host} was not found: check smtp_host in school.toml"
    if isinstance(exc, OSError):
        return f"could not connect to the mail server at {where} ({exc.strerror or exc})"
    return f"the mail server at {where} gave an error ({' '.join(str(exc).split())})"


def _check(item: Outgoing, msg: EmailMessage) -> tuple[str | None, str | None]:
    """(address, None) when this message may go to this provider, else (None, why not)."""
    if not str(item.to or "").strip():
        return None, NO_CONTACT
    address = single_address(item.to)
    if not address:
        return None, f"the Contact email {' '.join(str(item.to).split())!r} in providers.xlsx is not one e-mail address"
    if msg["Cc"] is not None or msg["Bcc"] is not None:
        return None, "the message has Cc or Bcc recipients; it must go to the provider only"
    headers = [a for _, a in email.utils.getaddresses(msg.get_all("To", []))]
    if [a.lower() for a in headers] != [address.lower()]:
        return None, f"the message is not addressed to {address} alone"
    return address, None


def send_messages(settings, items: list[tuple[Outgoing, EmailMessage]], log_path: Path,
                  resend: bool = False, env=os.environ) -> SendReport:
    """Send each provider its own message, log every result, and report; prints nothing.

    A provider whose workbook the log shows as sent is skipped unless `resend`."""
    server, from_addr = _server(settings, env)
    log_path = Path(log_path)
    done = set() if resend else send_log.already_sent(log_path)
    if server.auth != oauth.PASSWORD and any(
            (item.provider_id, item.attachment.name) not in done and _check(item, msg)[0] for item, msg in items):
        # one token for the whole run, had before the log is touched: a RunError here sends and logs nothing
        server = dataclasses.replace(server, token=oauth.access_token(settings, env))
    send_log.open_log(log_path)
    report = SendReport()
    conn: smtplib.SMTP | None = None
    refused: str | None = None   # the server cannot be reached or refused the login: no retry
    try:
        for item, msg in items:
            file = item.attachment.name
            if (item.provider_id, file) in done:
                report.skipped.append(item.provider_id)
                continue
            address, why = _check(item, msg)
            if address and refused:
                why = refused
            elif address:
                if conn is None:
                    try:
                        conn = server.connect()
                    except OSError as exc:   # smtplib.SMTPException included
                        why = refused = reason(exc, server)
                if conn is not None:
                    try:
                        conn.send_message(for_sending(msg), from_addr, [address])
                    except smtplib.SMTPServerDisconnected as exc:
                        why = reason(exc, server)
                        _close(conn)
                        conn = None   # reconnect for the next provider
                    except smtplib.SMTPException as exc:   # a refusal: the session may go on
                        why = reason(exc, server)
                        try:
                            conn.rset()
                        except OSError:   # SMTPException is an OSError too
                            _close(conn)
                            conn = None
                    except OSError as exc:   # the network failed mid-message
                        why = reason(exc, server)
                        _close(conn)
                        conn = None
            if why is None:
                report.sent.append(item.provider_id)
                send_log.append(log_path, item.provider_id, address, file, send_log.SENT)
            else:
                report.failed[item.provider_id] = why
                send_log.append(log_path, item.provider_id, address or item.to, file, f"not sent: {why}")
    finally:
        _close(conn, polite=True)
    return report


def warn_unencrypted(items) -> list[str]:
    """One plain-English line per provider whose workbook would be e-mailed without a password.

    `items` holds Outgoing values or (Outgoing, message) pairs; providers with no address are
    left out, since nothing is sent to them."""
    lines = []
    for entry in items:
        item = entry[0] if isinstance(entry, tuple) else entry
        if item.password or not str(item.to or "").strip():
            continue
        lines.append(f"{item.provider_id} ({item.provider_name}): the workbook with pupils' names is e-mailed "
                     "without a password. Agree a password with the provider by phone and add it to the "
                     "file named by [email] secrets_file.")
    return lines
