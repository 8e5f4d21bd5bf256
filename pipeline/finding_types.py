"""The finding catalogue: every kind of problem the run can find in the inputs, declared once.

Each finding type has its code (the `rule` of a finding in summary.json, which programs read, so a code is
never renamed), the severities it may have, a short title, what causes it and how a member of staff fixes
it, in plain English, and the group of the troubleshooting page it is listed under. Findings.add refuses a
code that is not declared here, or a severity its type does not allow: that is a mistake in the code, caught
by the tests, never something the inputs can cause. `python -m tools.troubleshooting` writes
docs/troubleshooting.md from this catalogue, in the order declared here.

Like frictionless-py's error classes, but as data: one FindingType per code rather than one class.
"""
from __future__ import annotations

from dataclasses import dataclass

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Group:
    """A section of the troubleshooting page: the inputs its findings are about."""
    title: str
    intro: str


@dataclass(frozen=True)
class FindingType:
    """One kind of finding. `cause` and `fix` are addressed to school staff and end with a full stop."""
    code: str
    severities: tuple[str, ...]
    group: Group
    title: str
    cause: str
    fix: str


# The troubleshooting page's sections, in order. SETTINGS has no finding: its intro says why.
ANY_WORKBOOK = Group(
    "Any workbook: the registers and the returns",
    "These can be found in placements.xlsx, providers.xlsx and the providers' returns alike.")

REGISTERS = Group(
    "The registers: placements.xlsx and providers.xlsx",
    "The AP lead keeps placements.xlsx and the DSL keeps providers.xlsx. A missing or unreadable register, or a "
    "required sheet that is missing, stops the run with one line saying what to fix.")

RETURNS = Group(
    "The attendance returns: returns/",
    "The weekly returns the providers send back. A return that cannot be placed (which provider, which week) is left "
    "out whole: ask the provider for a corrected return, or correct it yourself in the returns folder.")

REGISTER_EXPORT = Group(
    "The school's register export: register/",
    "The optional CSV export of the school's own register, compared with the returns. A line is named by its line "
    "number in the file. A bad export never stops the run.")

LETTERS = Group(
    "Letters to parents",
    "The letters written in letters/ for school-arranged placements (policy §12). A letter is only written when "
    "every fact it needs is filled in.")

SETTINGS = Group(
    "Settings: school.toml",
    "A problem in school.toml (a missing [school] name, a term without dates, a setting that cannot be read) is not "
    "a finding: the run stops before any report is written, with one line saying what to fix (exit status 2). The "
    "one finding that can name school.toml is `letter-missing-fact`, when [school] address is blank and a letter is "
    "due. docs/reference.md lists every setting.")

GROUPS: tuple[Group, ...] = (ANY_WORKBOOK, REGISTERS, RETURNS, REGISTER_EXPORT, LETTERS, SETTINGS)

# Every finding type, in the order the troubleshooting page lists them within each group.
_TYPES: tuple[FindingType, ...] = (
    # --- Any workbook: the registers and the returns ---
    FindingType("required-blank", (ERROR,), ANY_WORKBOOK, "Required cell is blank",
        cause="A cell that must be filled is empty: for example Placement ID, UPN, Provider ID, Start date, Reason "
              "or Arranged by on the Placements sheet, Provider ID or Name on the Providers sheet, School days for a "
              "suspension, or the Placement ID of a return row that has codes. The row is left out until it is "
              "filled.",
        fix="Fill in the cell named in the finding. If you do not know the value, ask whoever keeps that register."),
    FindingType("duplicate-id", (ERROR,), ANY_WORKBOOK, "ID used twice",
        cause="The same ID is used on two rows: a Provider ID twice in providers.xlsx, a Placement ID twice on the "
              "Placements sheet, or the same pupil twice in one return. The first row is used; the later copy is "
              "left out.",
        fix="Give each provider and each placement its own ID, or delete the extra row. In a return, keep one row "
            "per pupil with all of that pupil's codes."),
    FindingType("unsafe-id", (ERROR,), ANY_WORKBOOK, "ID cannot name a file",
        cause="A Provider ID or Placement ID cannot be part of a file name: it holds a slash, a line break "
              "(Alt+Enter), one of < > : \" | ? *, is longer than 40 characters, is only dots, ends with a dot or a "
              "space, or is a name Windows keeps for a device (CON, PRN, AUX, NUL, COM1 to COM9, LPT1 to LPT9). The "
              "row is left out, because the ID names the files the run writes for that provider or pupil.",
        fix="Change the ID to letters, digits and hyphens, such as PRV1 or P001, in the register and in every return "
            "that uses it, then run again."),
    FindingType("ambiguous-provider", (ERROR,), ANY_WORKBOOK, "Provider ID matches two providers",
        cause="providers.xlsx has the same Provider ID twice in different capitals or spaces (PRV1 and prv1), and a "
              "placement or a return uses it in a spelling that is not the first row's. Which provider is meant "
              "cannot be told, so nothing is guessed: the placement is left out of every figure and of every "
              "provider's return and e-mail, and a return is left out whole, so no pupil is ever sent to the wrong "
              "provider.",
        fix="Give each provider its own ID in providers.xlsx (the later row is already a duplicate-id finding), then "
            "use that ID exactly on the Placements sheet and in the return, and run again."),
    FindingType("header-not-found", (ERROR,), ANY_WORKBOOK, "Header row not found",
        cause="A sheet's header row (the row of column titles) cannot be found, because a title was renamed, deleted "
              "or misspelt, or the headers were moved below the first 30 rows. In a return the whole file is left "
              "out; on an optional sheet (Reviews, Exclusions) that sheet is not read; a return's Incidents sheet "
              "without its headers is an unreadable-incidents finding instead.",
        fix="Put the column titles back exactly as in the blank templates in input_templates/ (or in the return the "
            "school sent), then run again."),
    FindingType("duplicate-header", (WARNING,), ANY_WORKBOOK, "Column title used twice",
        cause="The same column title appears twice in a sheet's header row, for example two 'Start date' columns. "
              "Only the first of the two columns is read; the other is ignored.",
        fix="Delete the extra column, or rename it if it holds something else."),
    FindingType("unknown-provider", (ERROR,), ANY_WORKBOOK, "Provider ID not in providers.xlsx",
        cause="A Provider ID is not in providers.xlsx: on the Placements sheet the placement is left out of every "
              "figure; in a return (cell B1) the whole return is left out.",
        fix="Correct the ID so it matches providers.xlsx exactly, or add the provider to providers.xlsx first."),
    FindingType("too-many-findings", (ERROR, WARNING, INFO), ANY_WORKBOOK, "Too many findings to list",
        cause="A workbook (a register or a return) has more than 1,000 problems, or one sheet of a register has; "
              "only the first 1,000 are listed and one finding counts the rest, so a junk sheet cannot bury the "
              "findings that matter. This nearly always means a block of rows filled down by mistake, such as a "
              "formula copied down thousands of rows.",
        fix="Fix the first problems listed (they usually show the mistake), delete the rows below the last real row, "
            "then run again."),
    FindingType("bad-date", (ERROR,), ANY_WORKBOOK, "Not a date",
        cause="A date cell cannot be read as a date: it is text such as '3rd Sept', an impossible date such as "
              "31/09/2026, or a number that is not a date. A required date (Start date) leaves the row out; an "
              "optional one is treated as blank.",
        fix="Type the date as dd/mm/yyyy, for example 03/09/2026."),
    FindingType("bad-yn", (ERROR,), ANY_WORKBOOK, "Not Y or N",
        cause="A Y/N column (SEND, EHC plan, Looked after, Registered, Work set) holds something other than Y or N. "
              "It is treated as blank.",
        fix="Enter Y or N (Yes and No are also accepted)."),
    FindingType("bad-choice", (ERROR,), ANY_WORKBOOK, "Not one of the allowed values",
        cause="A cell that takes one of a list of values (Reason, Arranged by, Year group, the Mon to Fri days, "
              "Status, Type, Outcome, Category) holds something else. A required one leaves the row out; an optional "
              "one is treated as blank.",
        fix="Pick one of the values in the cell's drop-down list; the allowed values are listed in docs/reference.md."),
    FindingType("bad-int", (ERROR,), ANY_WORKBOOK, "Not a whole number",
        cause="A cell that takes a whole number (School days on the Exclusions sheet) holds text or a fraction.",
        fix="Enter a whole number, such as 3."),
    FindingType("bad-number", (ERROR,), ANY_WORKBOOK, "Not a number",
        cause="A cell that takes a number (Hours per day) holds text.",
        fix="Enter a number only, such as 5.5, without words like 'hours'."),
    FindingType("bad-money", (ERROR,), ANY_WORKBOOK, "Not an amount of money",
        cause="A money cell (Cost per day) holds text that is not an amount.",
        fix="Enter the amount in pounds, such as 65 or 65.50; a £ sign and commas are fine."),
    FindingType("bad-time", (ERROR,), ANY_WORKBOOK, "Not a time of day",
        cause="A time cell (Start time) cannot be read as a time of day.",
        fix="Enter the time as hh:mm, such as 09:00, or as 9.30am."),
    FindingType("formula-in-cell", (ERROR,), ANY_WORKBOOK, "Formula where a value belongs",
        cause="A cell that must hold a typed name, date, register code, list value or ID holds a formula, as in a "
              "sheet copied from another workbook or a return a provider filled with formulas. What a formula shows "
              "can be out of date or missing, and nobody checked it, so the cell is treated as blank: a register "
              "code counts as N, a row without its ID, required date or name is left out, and a return whose "
              "Provider ID or Week commencing is a formula is left out whole.",
        fix="Click the cell, type the value itself (not a formula starting with =) and run again. To keep what a "
            "formula shows, copy the cells and use Paste Special > Values."),
    # --- The registers: placements.xlsx and providers.xlsx ---
    FindingType("bad-upn", (ERROR,), REGISTERS, "Not a valid UPN",
        cause="A UPN is not a valid unique pupil number: it is not 13 characters, or its check letter (the first "
              "character) does not match the rest, usually because of a typing mistake. The row is still used.",
        fix="Copy the UPN again from the school's MIS. Temporary UPNs (ending in a letter) are allowed."),
    FindingType("end-before-start", (ERROR,), REGISTERS, "End date before the start date",
        cause="A placement's Planned end date or Actual end date is before its Start date. The placement is left out "
              "of every figure.",
        fix="Correct whichever of the two dates is wrong."),
    FindingType("no-days", (ERROR,), REGISTERS, "No attendance days set",
        cause="A placement has none of Mon to Fri set, so no session is expected at the provider. The placement is "
              "left out of every figure.",
        fix="Set Full day, AM or PM for each day the pupil attends the provider."),
    FindingType("unknown-placement", (ERROR,), REGISTERS, "Review of an unknown placement",
        cause="A row of the Reviews sheet names a Placement ID that is not on the Placements sheet, so the review, "
              "visit or report is not counted.",
        fix="Correct the Placement ID on the Reviews row so it matches the Placements sheet."),
    FindingType("no-contact-email", (WARNING,), REGISTERS, "No single contact e-mail address",
        cause="A provider has pupils expected next week but its Contact email is blank or holds more than one "
              "address, so next week's return cannot be e-mailed to it.",
        fix="Enter one e-mail address in Contact email on the Providers sheet. Until then, send the provider its "
            "return (in returns_to_send/ of the week's reports) by hand."),
    # --- The attendance returns: returns/ ---
    FindingType("unreadable-file", (ERROR,), RETURNS, "File cannot be opened",
        cause="The return cannot be opened at all, usually because it is open in Excel on another computer or the "
              "folder's permissions do not allow reading it.",
        fix="Close the file everywhere it is open, check it can be opened from the school folder, then run again."),
    FindingType("too-large", (ERROR,), RETURNS, "Workbook too large to read",
        cause="A workbook reaches a cell far beyond its data (often one stray keypress at the very bottom or far "
              "right of a sheet), declares millions of text values, unzips to hundreds of megabytes, or holds XML "
              "that Excel never writes (a DOCTYPE, or damage that made the reader stop). Reading it would need "
              "gigabytes of memory, so it is not read; the other files are read as usual.",
        fix="Open it in Excel, press Ctrl+End to see the last cell in use, delete the rows and columns after the "
            "real data, save it, and run again. If it is not a stray cell, save it again from Excel as an Excel "
            "Workbook (.xlsx) or ask whoever sent it for a new copy. A register that is too large stops the run "
            "until it is fixed."),
    FindingType("password-protected", (ERROR,), RETURNS, "Protected by an unknown password",
        cause="The return is protected with a password and none of the passwords the school holds for providers "
              "opens it. The whole return is left out.",
        fix="Ask the provider to send it again without a password (File > Info > Protect Workbook), or add the "
            "provider's password to the secrets file named by [email] secrets_file in school.toml."),
    FindingType("xls-file", (ERROR,), RETURNS, "Old Excel 97-2003 workbook",
        cause="The return is an old Excel 97-2003 (.xls) workbook, which cannot be read. The whole return is left "
              "out.",
        fix="Open it in Excel and use File > Save As > Excel Workbook (.xlsx), keep the new file in returns/ and "
            "delete the .xls."),
    FindingType("not-a-workbook", (ERROR,), RETURNS, "Not an Excel workbook",
        cause="A file in returns/ is not an Excel workbook (a PDF, a Word file, a photo), or it is damaged. The "
              "whole file is left out.",
        fix="Move files that are not returns out of the returns folder. If it is a return, open it in Excel and save "
            "it again as an Excel Workbook (.xlsx)."),
    FindingType("no-attendance-sheet", (ERROR,), RETURNS, "No Attendance sheet",
        cause="The workbook has no sheet called Attendance, so it is not an attendance return. The whole file is "
              "left out.",
        fix="Use the return the school sent, or rename the sheet back to Attendance."),
    FindingType("missing-column", (ERROR,), RETURNS, "Session column missing",
        cause="A session column (Mon AM to Fri PM) has been deleted or renamed in the return, so its codes cannot be "
              "read. Every expected session in it counts as N (absent, no reason yet).",
        fix="Ask the provider to use the return the school sent, with its columns unchanged, and send it again."),
    FindingType("no-provider-id", (ERROR,), RETURNS, "Return names no provider",
        cause="The return does not say which provider sent it: cell B1, next to 'Provider ID', is blank. The whole "
              "return is left out.",
        fix="Put the provider's ID (as in providers.xlsx) in B1."),
    FindingType("no-week", (ERROR,), RETURNS, "Return names no week",
        cause="The return does not say which week it covers: B2, next to 'Week commencing', is blank or not a date. "
              "The whole return is left out.",
        fix="Put the Monday of the week the return covers in B2, as dd/mm/yyyy."),
    FindingType("week-not-monday", (WARNING,), RETURNS, "Week commencing is not a Monday",
        cause="Week commencing is a date that is not a Monday. The return is taken as the week of that date's Monday.",
        fix="Check the return really is for that week; next time put the Monday's date in B2."),
    FindingType("week-outside-terms", (WARNING,), RETURNS, "Week outside the school's terms",
        cause="A return's Week commencing is a week with no school day in the terms of school.toml: a holiday week, "
              "or a week of another school year. It counts nowhere.",
        fix="Check the date in B2 of the return (the provider may have sent last term's file). If the week really is "
            "a school week, add or correct the term in school.toml, then run again."),
    FindingType("meta-mismatch", (ERROR,), RETURNS, "Return changed since it was sent",
        cause="The return was sent to one provider for one week, but its Provider ID or Week commencing has since "
              "been changed, for example when a provider reused last week's file. The whole return is left out.",
        fix="Ask the provider to fill in the return the school sent for that week, rather than editing an old one."),
    FindingType("duplicate-return", (WARNING,), RETURNS, "Second return for the same week",
        cause="Two returns were accepted for the same provider and week. The one saved last is used and this one is "
              "left out whole.",
        fix="Check which return is right and delete (or move out of returns/) the other one."),
    FindingType("wrong-placement", (ERROR,), RETURNS, "Placement not at this provider",
        cause="A row of a return (on the Attendance or Incidents sheet) names a Placement ID that is not in the "
              "school's register or is not one of this provider's pupils. The row is left out and counted nowhere.",
        fix="Check the Placement ID with the provider and correct it in the return."),
    FindingType("incomplete-incident", (ERROR,), RETURNS, "Incident row incomplete",
        cause="A row of the Incidents sheet is missing its Date, Placement ID or Category, so the school is not "
              "alerted to the incident.",
        fix="Ask the provider for the missing details and complete the row."),
    FindingType("unreadable-incidents", (ERROR,), RETURNS, "Incidents sheet cannot be read",
        cause="The Incidents sheet of a return cannot be read: it is damaged, or its header row (Date, Placement ID, "
              "Category) has been changed or deleted. An incident the provider reported on it cannot reach the "
              "school, so the sheet is never passed over in silence. The attendance on the Attendance sheet is still "
              "read.",
        fix="Ask the provider at once whether they reported an incident that week. Ask for the return saved again "
            "from Excel with the Incidents headers as the school sent them (or put them back yourself), then run "
            "again."),
    FindingType("pupil-missing-from-return", (ERROR,), RETURNS, "Pupil missing from the return",
        cause="A pupil expected at the provider that week has no row in the provider's return. Those sessions count "
              "as not reported.",
        fix="Ask the provider for the pupil's attendance and have the row added to the return."),
    FindingType("unexpected-mark", (WARNING,), RETURNS, "Code for a session not expected",
        cause="A code was entered for a session when the pupil is not expected at the provider (their placement days "
              "do not include it, or it is not a school day). The code is ignored.",
        fix="If the pupil really attended, correct the days on the Placements sheet; otherwise leave '-' in that "
            "session."),
    FindingType("blank-session", (ERROR,), RETURNS, "Expected session left blank",
        cause="An expected session has no register code (it is blank or '-'). It counts as N (absent, no reason yet).",
        fix="Ask the provider for the code and enter it in the return."),
    FindingType("unknown-code", (ERROR,), RETURNS, "Not a register code",
        cause="A session holds something that is not a register code. It counts as N (absent, no reason yet).",
        fix="Replace it with a code from the key on the return's Instructions sheet (see docs/reference.md)."),
    FindingType("legacy-code", (WARNING,), RETURNS, "Pre-2024 register code",
        cause="A session uses a register code that has not been used since August 2024. It is counted as the code it "
              "replaced.",
        fix="Ask the provider to use the current codes from the return's Instructions sheet next time."),
    FindingType("x-at-compulsory-age", (ERROR,), RETURNS, "X at compulsory school age",
        cause="A session holds X (not required to attend), but by the Date of birth on the Placements sheet the "
              "pupil is of compulsory school age that day (from the first 31 December, 31 March or 31 August on or "
              "after their fifth birthday). X is only for a pupil below compulsory school age, so it counts as N "
              "(absent, no reason yet) and is held back from register_import.csv.",
        fix="Ask the provider for the right code (an attendance or absence code) and enter it in the return. If the "
            "Date of birth is wrong, correct it in placements.xlsx."),
    FindingType("x-age-unknown", (WARNING,), RETURNS, "X without a date of birth",
        cause="A session holds X (not required to attend) and the Placements sheet has no Date of birth for the "
              "pupil, so their age cannot be checked. The X is accepted (not possible).",
        fix="Enter the pupil's Date of birth on the Placements sheet; the next run checks the X against it."),
    # --- The school's register export: register/ ---
    FindingType("register-unreadable", (ERROR,), REGISTER_EXPORT, "Register export cannot be used",
        cause="A file in register/ cannot be used: it is not a UTF-8 CSV file (it may be an Excel workbook), it is "
              "empty, or its first row lacks one of the columns UPN, Date, Session and Code. It is not compared with "
              "the returns.",
        fix="Export the attendance register from the school's MIS as CSV UTF-8 with the columns UPN, Date, Session "
            "and Code, and save it in the register folder in place of the old file."),
    FindingType("register-bad-row", (ERROR,), REGISTER_EXPORT, "Register export line unusable",
        cause="A line of the register export has a blank UPN or Date, a Date that cannot be read, a Session that is "
              "not AM or PM, or a code that is not a register code. That line is left out of the comparison with the "
              "returns.",
        fix="Correct the mark in the MIS and export the register again."),
    FindingType("register-duplicate", (WARNING,), REGISTER_EXPORT, "Session twice in the register export",
        cause="The same pupil and session appear twice in the register export (or in two export files). The first "
              "mark is used.",
        fix="Export each session only once: remove the overlapping export from the register folder."),
    FindingType("register-legacy-code", (WARNING,), REGISTER_EXPORT, "Pre-2024 code in the register export",
        cause="The register export uses a code that has not been used since August 2024. It is counted as the code "
              "it replaced.",
        fix="Check the MIS's register codes are up to date and correct the mark."),
    # --- Letters to parents ---
    FindingType("letter-missing-fact", (ERROR, WARNING), LETTERS, "Letter lacks a fact it must give",
        cause="A letter to parents is due, but a fact it must give is blank: on the Placements sheet (Forename, "
              "Surname, Planned end date, Start time, Hours per day or Provider contact), on the Providers sheet "
              "(the provider's Name or Address), or the school's address in school.toml. That letter is not written.",
        fix="Fill in the cell the finding names (or [school] address in school.toml); the letter is written on the "
            "next run."),
    FindingType("letter-template", (ERROR,), LETTERS, "Letter template missing or broken",
        cause="The school's own letter template (letter.html.j2 in the school folder, or the file named in [paths] "
              "letter_template in school.toml) is missing or has a mistake. No letter to parents is written that run.",
        fix="Correct the template (the fields it may use are listed at the top of the default template), or remove "
            "it to use the default letter, then run again."),
)


def _catalogue(types: tuple[FindingType, ...]) -> dict[str, FindingType]:
    """code -> FindingType, checking at import that no code is declared twice and every severity is known."""
    catalogue: dict[str, FindingType] = {}
    for t in types:
        if t.code in catalogue:
            raise ValueError(f"finding code {t.code!r} is declared twice")
        if not t.severities or not set(t.severities) <= set(SEVERITIES) or t.group not in GROUPS:
            raise ValueError(f"finding code {t.code!r}: severities {t.severities} or its group are not ones declared here")
        catalogue[t.code] = t
    return catalogue


FINDING_TYPES: dict[str, FindingType] = _catalogue(_TYPES)


def finding_type(code: str, severity: str) -> FindingType:
    """The declared type of a finding with this code and severity; ValueError when the code is not declared
    or its type does not allow the severity (a mistake in the code that raised it, not in the inputs)."""
    declared = FINDING_TYPES.get(code)
    if declared is None:
        raise ValueError(f"finding code {code!r} is not declared in pipeline/finding_types.py")
    if severity not in declared.severities:
        raise ValueError(f"finding code {code!r} is declared as {' or '.join(declared.severities)}, not {severity!r}")
    return declared
