"""One declarative schema for every workbook of the contract (§3, §4, §5).

The input templates, the validation and the reference page are all generated
from these declarations: change a column here and all three follow.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .codes import NOT_EXPECTED, valid_codes

TEXT, ID, UPN, DATE, YN, CHOICE, INT, NUMBER, MONEY, TIME, CODE, EMAIL = (
    "text", "id", "upn", "date", "yn", "choice", "int", "number", "money", "time", "code", "email")

KIND_HELP = {
    TEXT: "text", ID: "text (an identifier)", UPN: "13-character UPN", DATE: "date (dd/mm/yyyy)",
    YN: "Y or N", CHOICE: "one of the listed values", INT: "whole number", NUMBER: "number",
    MONEY: "amount in pounds", TIME: "time of day (hh:mm)", CODE: "register code", EMAIL: "e-mail address",
}


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    width: int | None = None

    @cached_property
    def key(self) -> str:
        """The snake_case name used in tables: 'Placement ID' -> 'placement_id'."""
        return re.sub(r"[^a-z0-9]+", "_", self.header.lower()).strip("_")

    @property
    def display_width(self) -> int:
        if self.width:
            return self.width
        return {DATE: 13, YN: 8, UPN: 16, CODE: 8, EMAIL: 28, TIME: 10, MONEY: 12, INT: 10}.get(
            self.kind, max(12, min(40, len(self.header) + 4)))


@dataclass(frozen=True)
class Label:
    """A label in column A with its value in column B, above a sheet's table."""
    label: str
    kind: str
    help: str = ""


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    required: bool = True
    help: str = ""
    labels: tuple[Label, ...] = ()

    def column(self, header: str) -> Column:
        for c in self.columns:
            if c.header == header:
                return c
        raise KeyError(header)

    @property
    def required_headers(self) -> list[str]:
        return [c.header for c in self.columns if c.required]


@dataclass(frozen=True)
class Workbook:
    filename: str
    title: str
    sheets: tuple[Sheet, ...]
    instructions: tuple[str, ...] = field(default=())

    def sheet(self, name: str) -> Sheet:
        for s in self.sheets:
            if s.name == name:
                return s
        raise KeyError(name)


# The values a person picks from a list. Each is declared once: the column's choices and the code that
# compares a cell with a value both use these names, so a value renamed here is renamed everywhere.
YES, NO = "Y", "N"
YN_CHOICES = (YES, NO)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
AM, PM = "AM", "PM"
FULL_DAY = "Full day"
PATTERN_CHOICES = (FULL_DAY, AM, PM)
SUSPENSION_OVER_FIVE_DAYS, PERMANENT_EXCLUSION = "Suspension over five days", "Permanent exclusion"
REASONS = (
    "Directed off-site to improve behaviour", SUSPENSION_OVER_FIVE_DAYS, PERMANENT_EXCLUSION,
    "Illness or medical need", "Personalised curriculum", "Other",
)
SCHOOL, LOCAL_AUTHORITY = "School", "Local authority"
ARRANGED_BY = (SCHOOL, LOCAL_AUTHORITY)
YEAR_GROUPS = ("N1", "N2", "R") + tuple(str(i) for i in range(1, 14))
AGREEMENT_REVIEW, FORMAL_REVIEW, AP_LEAD_VISIT, PROVIDER_REPORT = (
    "Agreement review", "Formal progress review", "AP lead visit", "Provider termly report")
REVIEW_TYPES = (AGREEMENT_REVIEW, FORMAL_REVIEW, AP_LEAD_VISIT, PROVIDER_REPORT)
SATISFACTORY, NOT_SATISFACTORY = "Satisfactory", "Not satisfactory"
OUTCOMES = (SATISFACTORY, NOT_SATISFACTORY)
SUSPENSION = "Suspension"
EXCLUSION_TYPES = (SUSPENSION, PERMANENT_EXCLUSION)
ACTIVE, SUSPENDED, CLOSED = "Active", "Suspended", "Closed"
PROVIDER_STATUSES = (ACTIVE, SUSPENDED, CLOSED)
SAFEGUARDING_CONCERN = "Safeguarding concern"
INCIDENT_CATEGORIES = ("Serious behaviour", SAFEGUARDING_CONCERN, "Injury", "Other")
DESTINATION_TYPES = (                           # contract §13: what the governor pack counts (policy §16.5)
    "Returned to this school full-time", "Phased return to this school", "Another mainstream school",
    "Special school", "AP school or PRU", "Further education, employment or training", "Elective home education",
    "Other", "Not known",
)
SESSIONS = tuple(f"{d} {s}" for d in WEEKDAYS for s in (AM, PM))
SESSION_CHOICES = tuple(valid_codes()) + (NOT_EXPECTED,)
PROVIDER_CHECKS = ("Approved", "Safeguarding policy checked", "Health and safety policy checked",
                   "Staff checks confirmed", "Child protection policy acknowledged")


def _date(header, help, required=False):
    return Column(header, DATE, required, help)


def _yn(header, help):
    return Column(header, YN, False, help, YN_CHOICES)


PLACEMENTS = Sheet("Placements", (
    Column("Placement ID", ID, True, "Your own reference for this placement, e.g. P001. Must be unique in this sheet."),
    Column("UPN", UPN, True, "The pupil's 13-character unique pupil number, e.g. B801200005001 (temporary UPNs allowed)."),
    Column("Forename", TEXT, True, "The pupil's first name."),
    Column("Surname", TEXT, True, "The pupil's last name."),
    _date("Date of birth", "The pupil's date of birth."),
    Column("Year group", CHOICE, False, "N1, N2, R or 1 to 13.", YEAR_GROUPS, 10),
    Column("Provider ID", ID, True, "The provider's ID exactly as in providers.xlsx."),
    Column("Reason", CHOICE, True, "Why the pupil is placed (policy §3.3, §7.1, §9, §10).", REASONS, 36),
    Column("Arranged by", CHOICE, True, "Who arranged the placement: School or Local authority.", ARRANGED_BY, 16),
    _date("Start date", "The first day of the placement.", True),
    _date("Planned end date", "When the placement is planned to end (on or after the start date)."),
    _date("Actual end date", "The last day of the placement, once it has ended."),
    *(Column(d, CHOICE, False, f"Sessions expected at the provider on {d}: Full day, AM, PM or blank for none. Set at least one day.",
             PATTERN_CHOICES, 10) for d in WEEKDAYS),
    Column("Start time", TIME, False, "Time the pupil must arrive (policy §12.4), e.g. 09:00."),
    Column("Hours per day", NUMBER, False, "Hours the pupil spends at the provider each day (policy §12.4)."),
    Column("Provider contact", TEXT, False, "The person responsible for the provision (policy §12.4)."),
    _yn("SEND", "Y if the pupil has special educational needs or disabilities."),
    _yn("EHC plan", "Y if the pupil has an education, health and care plan."),
    _yn("Looked after", "Y if the pupil is looked after."),
    Column("Objectives", TEXT, False, "The placement's objectives (policy §6.3, §13.1).", width=36),
    _date("Intervention plan agreed", "Date the personalised intervention plan was agreed (policy §6.3)."),
    _date("Parents agreed", "Date the parents agreed to the placement (policy §8.4)."),
    _date("Parents refused", "Date the parents refused the offer (policy §8.8). The placement then never runs."),
    _date("Parent letter sent", "Date the letter to parents was sent (policy §12.1 to §12.2)."),
    _date("Dual registered from", "Date the pupil was dual registered from (policy §8.9)."),
    _date("Attainment data sent", "Date attainment data was sent to the provider (policy §14.1)."),
    _date("SEND details sent", "Date SEND details were sent to the provider (policy §7.9)."),
    _date("Final report received", "Date the provider's final report was received (policy §16.2)."),
    _date("Pupil views recorded", "Date the pupil's views on the placement were recorded (policy §16.3)."),
    _date("Reintegration plan agreed", "Date the reintegration plan was agreed (policy §16.4)."),
    Column("Destination", TEXT, False, "Where the pupil went after the placement (policy §16.5).", width=24),
    Column("Cost per day", MONEY, False, "The provider's charge per full day in pounds (policy §7.3)."),
    Column("Destination type", CHOICE, False, "Where the pupil went, from the list (policy §16.5): the governor "
           "pack counts these, never the Destination text.", DESTINATION_TYPES, 36),
), help="One row per placement. Keep ended placements: they count in the year's figures.")

REVIEWS = Sheet("Reviews", (
    Column("Placement ID", ID, True, "The placement the event belongs to."),
    _date("Date", "The date of the review, visit or report.", True),
    Column("Type", CHOICE, True, "Agreement review (§8.4), Formal progress review (§14.6), AP lead visit (§14.4) or Provider termly report (§14.3).",
           REVIEW_TYPES, 24),
    Column("Outcome", CHOICE, False, "Satisfactory, Not satisfactory or blank.", OUTCOMES, 18),
    Column("Notes", TEXT, False, "Anything worth recording.", width=40),
), required=False, help="One row per review, visit or provider report.")

EXCLUSIONS = Sheet("Exclusions", (
    Column("UPN", UPN, True, "The pupil's UPN."),
    Column("Type", CHOICE, True, "Suspension or Permanent exclusion.", EXCLUSION_TYPES, 20),
    _date("First day", "The first day of the suspension or exclusion.", True),
    Column("School days", INT, False, "How many school days the suspension lasts; blank for a permanent exclusion."),
    _yn("Work set", "Y once work has been set and marked for the first five days (policy §10.5)."),
), required=False, help="One row per suspension or permanent exclusion.")

PROVIDERS = Sheet("Providers", (
    Column("Provider ID", ID, True, "A short unique reference, e.g. PRV1. Placements use it."),
    Column("Name", TEXT, True, "The provider's name.", width=30),
    Column("Address", TEXT, False, "The address pupils attend.", width=36),
    Column("Contact name", TEXT, False, "Who receives the weekly return."),
    Column("Contact email", EMAIL, False, "Where the weekly return is sent."),
    Column("Phone", TEXT, False, "Contact telephone number."),
    _yn("Registered", "Y if the provider is registered (policy §5.3, §7.6)."),
    *(_date(h, f"Date of the latest check: {h.lower()} (policy §5.3, §7.6).") for h in PROVIDER_CHECKS),
    Column("Status", CHOICE, False, "Active, Suspended or Closed.", PROVIDER_STATUSES, 12),
), help="One row per provider.")

ATTENDANCE = Sheet("Attendance", (
    Column("Placement ID", ID, True, "The school's reference for the placement: do not change it."),
    Column("UPN", UPN, False, "The pupil's UPN: do not change it."),
    Column("Pupil", TEXT, False, "The pupil's name.", width=22),
    *(Column(s, CODE, False, f"Register code for {s}. '-' means the pupil is not expected.", SESSION_CHOICES, 8)
      for s in SESSIONS),
    Column("Notes", TEXT, False, "Anything the school should know.", width=30),
), labels=(
    Label("Provider ID", ID, "Your provider ID, as the school gave it."),
    Label("Week commencing", DATE, "The Monday of the week this return covers."),
), help="One row per pupil; one register code per expected session.")

INCIDENTS = Sheet("Incidents", (
    _date("Date", "The date of the incident.", True),
    Column("Placement ID", ID, True, "The pupil's Placement ID from the Attendance sheet."),
    Column("Category", CHOICE, True, "Serious behaviour, Safeguarding concern, Injury or Other.", INCIDENT_CATEGORIES, 22),
    _date("Reported to DSL", "Date it was reported to the school's DSL (policy §13.4)."),
    Column("Summary", TEXT, False, "What happened, briefly.", width=40),
), required=False, help="One row per incident (policy §13.4, §14.5).")

PLACEMENTS_BOOK = Workbook("placements.xlsx", "Alternative provision register", (PLACEMENTS, REVIEWS, EXCLUSIONS), (
    "Kept by the AP lead. One row per placement on the Placements sheet.",
    "You may add title rows above the header row and blank rows between placements; do not rename the headers.",
    "Dates may be typed as dates or as dd/mm/yyyy. Y/N columns take Y or N.",
    "Reviews: one row for each agreement review, formal progress review, AP lead visit or provider termly report.",
    "Exclusions: one row for each suspension or permanent exclusion of a pupil.",
))
PROVIDERS_BOOK = Workbook("providers.xlsx", "Provider register", (PROVIDERS,), (
    "Kept by the DSL. One row per provider.",
    "Record the date of each check; a check older than the check period (12 months by default) is flagged.",
))
# Where the pipeline writes a return's parts (contract §5), for the pre-filled return, the synthetic schools
# and the tests alike: the labels in column A of rows 1-2 with their values in B, the table's header on row 4.
PROVIDER_LABEL, WEEK_LABEL = (label.label for label in ATTENDANCE.labels)
RETURN_LABEL_ROWS = {PROVIDER_LABEL: 0, WEEK_LABEL: 1}            # 0-based rows
RETURN_HEADER_ROW = 3                                             # 0-based: Excel row 4
FIRST_SESSION_COLUMN = [c.header for c in ATTENDANCE.columns].index(SESSIONS[0])   # 0-based: column D

RETURN_BOOK = Workbook("attendance_return.xlsx", "Weekly attendance return", (ATTENDANCE, INCIDENTS), (
    "Filled by the provider each week and returned to the school.",
    "Put your Provider ID in B1 and the Monday of the week in B2.",
    "Enter one register code in each session the pupil is expected. '-' means not expected: leave it.",
    "Record any incident on the Incidents sheet.",
))
# The pre-filled return also carries a hidden sheet naming the provider and week it was sent for, and its layout
# version: the reader refuses a return whose Provider ID or Week commencing was changed from those.
META_SHEET = "_meta"
TEMPLATE_VERSION = "1"

WORKBOOKS = (PLACEMENTS_BOOK, PROVIDERS_BOOK, RETURN_BOOK)
