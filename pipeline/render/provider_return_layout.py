"""The pre-filled return's layout and wording, shared by its two writers (provider_return with xlsxwriter,
provider_return_xml directly)."""
from __future__ import annotations

import datetime as dt

from .. import codes, schema
from ..provider_week import ReturnPupil
from ..schema import TEMPLATE_VERSION
from ..templates import code_key_lines

HEADER_ROW = schema.RETURN_HEADER_ROW
FIRST_SESSION_COL = schema.FIRST_SESSION_COLUMN
SESSION_KEYS = tuple((d, s) for d in range(5) for s in (schema.AM, schema.PM))
WIDTHS = [14, 16, 24] + [7] * 10 + [30]        # the Attendance sheet's columns
INCIDENT_ROWS = 200                           # rows of the Incidents sheet with the Placement ID dropdown
CODES_LIST = schema.Column("Register code", schema.CODE, choices=tuple(codes.valid_codes()))


def instructions(provider_name: str, monday: dt.date, return_by: dt.date, school: str) -> list[tuple[str, tuple]]:
    return [
        ("title", (f"Weekly attendance return for {school}",)),
        ("text", (f"For {provider_name}, week commencing {monday:%A %d %B %Y}. Please send it back by "
                  f"{return_by:%A %d %B %Y}.",)),
        ("blank", ()),
        ("heading", ("How to fill it in",)),
        ("text", ("1. On the Attendance sheet, type one register code in each white cell: one per morning (AM) "
                  "and afternoon (PM) session the pupil is expected with you. Pick from the dropdown if unsure.",)),
        ("text", ("2. Grey cells with '-' are sessions the pupil is not expected: they are locked and stay as they are.",)),
        ("text", ("3. A cell turns red if the code is not a valid one: correct it before you send the workbook back.",)),
        ("text", ("4. Do not add or remove pupils, rename sheets, or change the Provider ID or the week: "
                  "if a pupil is missing or should not be listed, say so in the Notes column or the e-mail.",)),
        ("text", ("5. Record any serious behaviour, safeguarding concern or injury on the Incidents sheet, "
                  "and tell the school's DSL about any safeguarding concern at once, by phone.",)),
        ("text", ("6. Save the workbook and reply to the school's e-mail with it attached.",)),
        ("blank", ()),
        *code_key_lines(),
    ]


def title(provider_id: str, monday: dt.date) -> str:
    return f"Attendance return {provider_id} {monday.isoformat()}"


def meta_rows(provider_id: str, monday: dt.date) -> tuple[tuple[str, str], ...]:
    """The hidden _meta sheet's rows: key, value."""
    return (("provider_id", provider_id), ("week_commencing", monday.isoformat()), ("template_version", TEMPLATE_VERSION))


def ids_list(pupils: list[ReturnPupil]) -> schema.Column:
    """The Incidents sheet's dropdown of the provider's placement IDs, as a list on the Lists sheet."""
    return schema.Column("Placement ID", schema.CHOICE, choices=tuple(p.placement_id for p in pupils) or ("",))


def hints(return_by: dt.date) -> tuple[str, str]:
    """The two lines over the sessions' columns (rows 1 and 2)."""
    return ("One code in each white cell; '-' means not expected. The key is on the Instructions sheet.",
            f"Please return by {return_by:%A %d %B %Y}.")


def day_label(day: dt.date) -> str:
    return f"{day:%a %d/%m}"


def page_header(provider_id: str, monday: dt.date) -> str:
    return f"&L{provider_id}&CAttendance return&R{monday:%d/%m/%Y}"
