"""Whom a parent or a provider is told to contact, in words: the school office and the DSL (contract §2).

Built once from school.toml ([school] phone and email, [people] and its dsl_phone) and used by the
letters to parents, the e-mail to each provider and the pre-filled return's Instructions sheet, so
all three say the same thing. Every setting is optional: a phrase leaves out what is not given and
still reads as a sentence ("the school office", "our Designated Safeguarding Lead").
"""
from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass

DSL_TITLE = "Designated Safeguarding Lead"


def _text(value) -> str:
    """A setting as one line of text; '' for none (never 'None')."""
    return re.sub(r"\s+", " ", str(value)).strip() if value is not None else ""


def _option(settings, table: str, key: str) -> str:
    options = getattr(settings, "options", None) or {}
    return _text(options.get((table, key)))


def _role(settings, role: str) -> str:
    person = getattr(settings, "person", None)
    return _text(person(role)) if callable(person) else ""


@dataclass(frozen=True)
class Contacts:
    """The school's contact details as school.toml gives them; '' where a setting is not given."""
    school_name: str = ""
    phone: str = ""              # [school] phone
    email: str = ""              # [school] email
    headteacher: str = ""        # [people] Headteacher
    dsl: str = ""                # [people] DSL
    dsl_phone: str = ""          # [people] dsl_phone
    attendance_lead: str = ""    # [people] "Attendance lead"

    def office(self) -> str:
        """'the school office on 01225 423526 or at office@school.org', shortened to what is given."""
        ways = [way for way in (f"on {self.phone}" if self.phone else "", f"at {self.email}" if self.email else "") if way]
        return " ".join(["the school office", " or ".join(ways)]).strip()

    def dsl_phrase(self, whose: str = "our") -> str:
        """'our Designated Safeguarding Lead (Mrs J Shah, phone 01225 423500)', shortened to what is given."""
        details = ", ".join(part for part in (self.dsl, f"phone {self.dsl_phone}" if self.dsl_phone else "") if part)
        return f"{whose} {DSL_TITLE}" + (f" ({details})" if details else "")

    def office_lines(self) -> list[str]:
        """['Telephone 01225 423526', 'E-mail office@school.org'] for a letterhead; [] when neither is given."""
        return [line for line in (f"Telephone {self.phone}" if self.phone else "",
                                  f"E-mail {self.email}" if self.email else "") if line]


def contacts_of(settings) -> Contacts:
    """The contacts from the run's Settings (settings.py); a missing or blank setting is ''."""
    return Contacts(school_name=_text(getattr(settings, "school_name", "")),
                    phone=_option(settings, "school", "phone"), email=_option(settings, "school", "email"),
                    headteacher=_role(settings, "Headteacher"), dsl=_role(settings, "DSL"),
                    dsl_phone=_option(settings, "people", "dsl_phone"),
                    attendance_lead=_role(settings, "Attendance lead"))


def one_line(text) -> str:
    """Header-safe text: runs of white space (new lines included) become one space."""
    return re.sub(r"\s+", " ", str(text or "")).strip()


def single_address(text: str | None) -> str | None:
    """The bare address if `text` is exactly one e-mail address ('a@b.org' or 'Name <a@b.org>'), else None."""
    text = one_line(text)
    if not text or any(sep in text for sep in ";,"):
        return None
    name, addr = email.utils.parseaddr(text)
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", addr or ""):
        return None
    return addr
