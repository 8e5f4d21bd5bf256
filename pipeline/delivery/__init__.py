"""E-mailing each provider its own weekly return: messages, outbox, passwords, sending, the send log.

ICO guidance (shared/spec/domain-notes.md): one message per recipient and never a Bcc list, only
the data the provider needs, an encrypted attachment whose password travels by another channel,
and a log of what was sent.
"""
from .messages import Outgoing, build_message, outbox_name, single_address, write_outbox
from ..read.secrets import load_passwords
from .send_log import LOG_NAME, already_sent
from .smtp import NO_CONTACT, SendReport, send_messages, warn_unencrypted

__all__ = ["Outgoing", "build_message", "outbox_name", "single_address", "write_outbox", "load_passwords",
           "LOG_NAME", "already_sent", "NO_CONTACT", "SendReport", "send_messages", "warn_unencrypted"]
