"""docs/troubleshooting.md: every finding rule, what causes it and how a member of staff fixes it.

Generated from FINDING_RULES so it cannot drift from the code: tests/test_troubleshooting.py checks
that every rule id the readers raise is declared here, that every id declared here is still raised,
and that the committed page is the generated one.

`python -m pipeline.troubleshooting [FOLDER]` rewrites FOLDER/troubleshooting.md (default docs/).
"""
from __future__ import annotations

import sys

from .docs import _cell

COMMAND = "python -m pipeline.troubleshooting"
PAGE = "troubleshooting.md"

# rule id -> (what causes it, how staff fix it), in plain English for school staff.
FINDING_RULES: dict[str, tuple[str, str]] = {
    # --- any workbook: the registers and the returns ---
    "required-blank": (
        "A cell that must be filled is empty: for example Placement ID, UPN, Provider ID, Start date, Reason or "
        "Arranged by on the Placements sheet, Provider ID or Name on the Providers sheet, School days for a "
        "suspension, or the Placement ID of a return row that has codes. The row is left out until it is filled.",
        "Fill in the cell named in the finding. If you do not know the value, ask whoever keeps that register."),
    "duplicate-id": (
        "The same ID is used on two rows: a Provider ID twice in providers.xlsx, a Placement ID twice on the "
        "Placements sheet, or the same pupil twice in one return. The first row is used; the later copy is left out.",
        "Give each provider and each placement its own ID, or delete the extra row. In a return, keep one row per "
        "pupil with all of that pupil's codes."),
    "unsafe-id": (
        "A Provider ID or Placement ID cannot be part of a file name: it holds a slash, a line break (Alt+Enter), "
        "one of < > : \" | ? *, is longer than 40 characters, is only dots, ends with a dot or a space, or is a "
        "name Windows keeps for a device (CON, PRN, AUX, NUL, COM1 to COM9, LPT1 to LPT9). The row is left out, "
        "because the ID names the files the run writes for that provider or pupil.",
        "Change the ID to letters, digits and hyphens, such as PRV1 or P001, in the register and in every return "
        "that uses it, then run again."),
    "header-not-found": (
        "A sheet's header row (the row of column titles) cannot be found, because a title was renamed, deleted or "
        "misspelt, or the headers were moved below the first 30 rows. In a return the whole file is left out; on "
        "an optional sheet (Reviews, Exclusions) that sheet is not read; a return's Incidents sheet without its "
        "headers is an unreadable-incidents finding instead.",
        "Put the column titles back exactly as in the blank templates in input_templates/ (or in the return the "
        "school sent), then run again."),
    "too-many-findings": (
        "A workbook (a register or a return) has more than 1,000 problems, or one sheet of a register has; only "
        "the first 1,000 are listed and one finding counts the rest, so a junk sheet cannot bury the findings "
        "that matter. This nearly always means a block of rows filled down by mistake, such as a formula copied "
        "down thousands of rows.",
        "Fix the first problems listed (they usually show the mistake), delete the rows below the last real row, "
        "then run again."),
    "too-large": (
        "A workbook reaches a cell far beyond its data (often one stray keypress at the very bottom or far right of "
        "a sheet), declares millions of text values, unzips to hundreds of megabytes, or holds XML that Excel never "
        "writes (a DOCTYPE, or damage that made the reader stop). Reading it would need gigabytes of memory, so it "
        "is not read; the other files are read as usual.",
        "Open it in Excel, press Ctrl+End to see the last cell in use, delete the rows and columns after the real "
        "data, save it, and run again. If it is not a stray cell, save it again from Excel as an Excel Workbook "
        "(.xlsx) or ask whoever sent it for a new copy. A register that is too large stops the run until it is fixed."),
    "week-outside-terms": (
        "A return's Week commencing is a week with no school day in the terms of school.toml: a holiday week, "
        "or a week of another school year. It counts nowhere.",
        "Check the date in B2 of the return (the provider may have sent last term's file). If the week really "
        "is a school week, add or correct the term in school.toml, then run again."),
    "duplicate-header": (
        "The same column title appears twice in a sheet's header row, for example two 'Start date' columns. "
        "Only the first of the two columns is read; the other is ignored.",
        "Delete the extra column, or rename it if it holds something else."),
    "ambiguous-provider": (
        "providers.xlsx has the same Provider ID twice in different capitals or spaces (PRV1 and prv1), and a "
        "placement or a return uses it in a spelling that is not the first row's. Which provider is meant cannot be "
        "told, so nothing is guessed: the placement is left out of every figure and of every provider's return and "
        "e-mail, and a return is left out whole, so no pupil is ever sent to the wrong provider.",
        "Give each provider its own ID in providers.xlsx (the later row is already a duplicate-id finding), then "
        "use that ID exactly on the Placements sheet and in the return, and run again."),
    "unknown-provider": (
        "A Provider ID is not in providers.xlsx: on the Placements sheet the placement is left out of every "
        "figure; in a return (cell B1) the whole return is left out.",
        "Correct the ID so it matches providers.xlsx exactly, or add the provider to providers.xlsx first."),
    "bad-date": (
        "A date cell cannot be read as a date: it is text such as '3rd Sept', an impossible date such as "
        "31/09/2026, or a number that is not a date. A required date (Start date) leaves the row out; an optional one is treated as blank.",
        "Type the date as dd/mm/yyyy, for example 03/09/2026."),
    "bad-yn": (
        "A Y/N column (SEND, EHC plan, Looked after, Registered, Work set) holds something other than Y or N. "
        "It is treated as blank.",
        "Enter Y or N (Yes and No are also accepted)."),
    "bad-choice": (
        "A cell that takes one of a list of values (Reason, Arranged by, Year group, the Mon to Fri days, Status, "
        "Type, Outcome, Category) holds something else. A required one leaves the row out; an optional one is "
        "treated as blank.",
        "Pick one of the values in the cell's drop-down list; the allowed values are listed in docs/reference.md."),
    "bad-int": (
        "A cell that takes a whole number (School days on the Exclusions sheet) holds text or a fraction.",
        "Enter a whole number, such as 3."),
    "bad-number": (
        "A cell that takes a number (Hours per day) holds text.",
        "Enter a number only, such as 5.5, without words like 'hours'."),
    "bad-money": (
        "A money cell (Cost per day) holds text that is not an amount.",
        "Enter the amount in pounds, such as 65 or 65.50; a £ sign and commas are fine."),
    "formula-in-cell": (
        "A cell that must hold a typed name, date, register code, list value or ID holds a formula, as in a "
        "sheet copied from another workbook or a return a provider filled with formulas. What a formula shows can "
        "be out of date or missing, and nobody checked it, so the cell is treated as blank: a register code "
        "counts as N, a row without its ID, required date or name is left out, and a return whose Provider ID "
        "or Week commencing is a formula is left out whole.",
        "Click the cell, type the value itself (not a formula starting with =) and run again. To keep what a "
        "formula shows, copy the cells and use Paste Special > Values."),
    "bad-time": (
        "A time cell (Start time) cannot be read as a time of day.",
        "Enter the time as hh:mm, such as 09:00, or as 9.30am."),
    # --- the registers: placements.xlsx and providers.xlsx ---
    "bad-upn": (
        "A UPN is not a valid unique pupil number: it is not 13 characters, or its check letter (the first "
        "character) does not match the rest, usually because of a typing mistake. The row is still used.",
        "Copy the UPN again from the school's MIS. Temporary UPNs (ending in a letter) are allowed."),
    "end-before-start": (
        "A placement's Planned end date or Actual end date is before its Start date. The placement is left out "
        "of every figure.",
        "Correct whichever of the two dates is wrong."),
    "no-days": (
        "A placement has none of Mon to Fri set, so no session is expected at the provider. The placement is "
        "left out of every figure.",
        "Set Full day, AM or PM for each day the pupil attends the provider."),
    "unknown-placement": (
        "A row of the Reviews sheet names a Placement ID that is not on the Placements sheet, so the review, "
        "visit or report is not counted.",
        "Correct the Placement ID on the Reviews row so it matches the Placements sheet."),
    "no-contact-email": (
        "A provider has pupils expected next week but its Contact email is blank or holds more than one "
        "address, so next week's return cannot be e-mailed to it.",
        "Enter one e-mail address in Contact email on the Providers sheet. Until then, send the provider its "
        "return (in returns_to_send/ of the week's reports) by hand."),
    # --- the attendance returns: returns/ ---
    "unreadable-file": (
        "The return cannot be opened at all, usually because it is open in Excel on another computer or the "
        "folder's permissions do not allow reading it.",
        "Close the file everywhere it is open, check it can be opened from the school folder, then run again."),
    "password-protected": (
        "The return is protected with a password and none of the passwords the school holds for providers opens "
        "it. The whole return is left out.",
        "Ask the provider to send it again without a password (File > Info > Protect Workbook), or add the "
        "provider's password to the secrets file named by [email] secrets_file in school.toml."),
    "xls-file": (
        "The return is an old Excel 97-2003 (.xls) workbook, which cannot be read. The whole return is left out.",
        "Open it in Excel and use File > Save As > Excel Workbook (.xlsx), keep the new file in returns/ and "
        "delete the .xls."),
    "not-a-workbook": (
        "A file in returns/ is not an Excel workbook (a PDF, a Word file, a photo), or it is damaged. The whole "
        "file is left out.",
        "Move files that are not returns out of the returns folder. If it is a return, open it in Excel and save "
        "it again as an Excel Workbook (.xlsx)."),
    "no-attendance-sheet": (
        "The workbook has no sheet called Attendance, so it is not an attendance return. The whole file is left out.",
        "Use the return the school sent, or rename the sheet back to Attendance."),
    "missing-column": (
        "A session column (Mon AM to Fri PM) has been deleted or renamed in the return, so its codes cannot be "
        "read. Every expected session in it counts as N (absent, no reason yet).",
        "Ask the provider to use the return the school sent, with its columns unchanged, and send it again."),
    "no-provider-id": (
        "The return does not say which provider sent it: cell B1, next to 'Provider ID', is blank. The whole "
        "return is left out.",
        "Put the provider's ID (as in providers.xlsx) in B1."),
    "no-week": (
        "The return does not say which week it covers: B2, next to 'Week commencing', is blank or not a date. "
        "The whole return is left out.",
        "Put the Monday of the week the return covers in B2, as dd/mm/yyyy."),
    "week-not-monday": (
        "Week commencing is a date that is not a Monday. The return is taken as the week of that date's Monday.",
        "Check the return really is for that week; next time put the Monday's date in B2."),
    "meta-mismatch": (
        "The return was sent to one provider for one week, but its Provider ID or Week commencing has since been "
        "changed, for example when a provider reused last week's file. The whole return is left out.",
        "Ask the provider to fill in the return the school sent for that week, rather than editing an old one."),
    "duplicate-return": (
        "Two returns were accepted for the same provider and week. The one saved last is used and this one is "
        "left out whole.",
        "Check which return is right and delete (or move out of returns/) the other one."),
    "wrong-placement": (
        "A row of a return (on the Attendance or Incidents sheet) names a Placement ID that is not in the "
        "school's register or is not one of this provider's pupils. The row is left out and counted nowhere.",
        "Check the Placement ID with the provider and correct it in the return."),
    "incomplete-incident": (
        "A row of the Incidents sheet is missing its Date, Placement ID or Category, so the school is not "
        "alerted to the incident.",
        "Ask the provider for the missing details and complete the row."),
    "unreadable-incidents": (
        "The Incidents sheet of a return cannot be read: it is damaged, or its header row (Date, Placement ID, "
        "Category) has been changed or deleted. An incident the provider reported on it cannot reach the school, "
        "so the sheet is never passed over in silence. The attendance on the Attendance sheet is still read.",
        "Ask the provider at once whether they reported an incident that week. Ask for the return saved again "
        "from Excel with the Incidents headers as the school sent them (or put them back yourself), then run again."),
    "pupil-missing-from-return": (
        "A pupil expected at the provider that week has no row in the provider's return. Those sessions count "
        "as not reported.",
        "Ask the provider for the pupil's attendance and have the row added to the return."),
    "unexpected-mark": (
        "A code was entered for a session when the pupil is not expected at the provider (their placement days "
        "do not include it, or it is not a school day). The code is ignored.",
        "If the pupil really attended, correct the days on the Placements sheet; otherwise leave '-' in that session."),
    "blank-session": (
        "An expected session has no register code (it is blank or '-'). It counts as N (absent, no reason yet).",
        "Ask the provider for the code and enter it in the return."),
    "unknown-code": (
        "A session holds something that is not a register code. It counts as N (absent, no reason yet).",
        "Replace it with a code from the key on the return's Instructions sheet (see docs/reference.md)."),
    "legacy-code": (
        "A session uses a register code that has not been used since August 2024. It is counted as the code it "
        "replaced.",
        "Ask the provider to use the current codes from the return's Instructions sheet next time."),
    "x-at-compulsory-age": (
        "A session holds X (not required to attend), but by the Date of birth on the Placements sheet the pupil is "
        "of compulsory school age that day (from the first 31 December, 31 March or 31 August on or after their "
        "fifth birthday). X is only for a pupil below compulsory school age, so it counts as N (absent, no reason "
        "yet) and is held back from register_import.csv.",
        "Ask the provider for the right code (an attendance or absence code) and enter it in the return. If the "
        "Date of birth is wrong, correct it in placements.xlsx."),
    "x-age-unknown": (
        "A session holds X (not required to attend) and the Placements sheet has no Date of birth for the pupil, "
        "so their age cannot be checked. The X is accepted (not possible).",
        "Enter the pupil's Date of birth on the Placements sheet; the next run checks the X against it."),
    # --- the school's register export: register/*.csv ---
    "register-unreadable": (
        "A file in register/ cannot be used: it is not a UTF-8 CSV file (it may be an Excel workbook), it is "
        "empty, or its first row lacks one of the columns UPN, Date, Session and Code. It is not compared with "
        "the returns.",
        "Export the attendance register from the school's MIS as CSV UTF-8 with the columns UPN, Date, Session "
        "and Code, and save it in the register folder in place of the old file."),
    "register-bad-row": (
        "A line of the register export has a blank UPN or Date, a Date that cannot be read, a Session that is not "
        "AM or PM, or a code that is not a register code. That line is left out of the comparison with the returns.",
        "Correct the mark in the MIS and export the register again."),
    "register-duplicate": (
        "The same pupil and session appear twice in the register export (or in two export files). The first "
        "mark is used.",
        "Export each session only once: remove the overlapping export from the register folder."),
    "register-legacy-code": (
        "The register export uses a code that has not been used since August 2024. It is counted as the code "
        "it replaced.",
        "Check the MIS's register codes are up to date and correct the mark."),
    # --- letters to parents ---
    "letter-missing-fact": (
        "A letter to parents is due, but a fact it must give is blank: on the Placements sheet (Forename, "
        "Surname, Planned end date, Start time, Hours per day or Provider contact), on the Providers sheet (the provider's "
        "Name or Address), or the school's address in school.toml. That letter is not written.",
        "Fill in the cell the finding names (or [school] address in school.toml); the letter is written on the "
        "next run."),
    "letter-template": (
        "The school's own letter template (letter.html.j2 in the school folder, or the file named in [paths] "
        "letter_template in school.toml) is missing or has a mistake. No letter to parents is written that run.",
        "Correct the template (the fields it may use are listed at the top of the default template), or remove "
        "it to use the default letter, then run again."),
}

# (section title, what it covers, rule ids): the page's sections, in order.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Any workbook: the registers and the returns",
     "These can be found in placements.xlsx, providers.xlsx and the providers' returns alike.",
     ("required-blank", "duplicate-id", "unsafe-id", "ambiguous-provider", "header-not-found", "duplicate-header",
      "unknown-provider", "too-many-findings",
      "bad-date", "bad-yn", "bad-choice", "bad-int", "bad-number", "bad-money", "bad-time", "formula-in-cell")),
    ("The registers: placements.xlsx and providers.xlsx",
     "The AP lead keeps placements.xlsx and the DSL keeps providers.xlsx. A missing or unreadable register, or a "
     "required sheet that is missing, stops the run with one line saying what to fix.",
     ("bad-upn", "end-before-start", "no-days", "unknown-placement", "no-contact-email")),
    ("The attendance returns: returns/",
     "The weekly returns the providers send back. A return that cannot be placed (which provider, which week) is "
     "left out whole: ask the provider for a corrected return, or correct it yourself in the returns folder.",
     ("unreadable-file", "too-large", "password-protected", "xls-file", "not-a-workbook", "no-attendance-sheet",
      "missing-column", "no-provider-id", "no-week", "week-not-monday", "week-outside-terms", "meta-mismatch", "duplicate-return",
      "wrong-placement", "incomplete-incident", "unreadable-incidents", "pupil-missing-from-return", "unexpected-mark", "blank-session",
      "unknown-code", "legacy-code", "x-at-compulsory-age", "x-age-unknown")),
    ("The school's register export: register/",
     "The optional CSV export of the school's own register, compared with the returns. A line is named by its "
     "line number in the file. A bad export never stops the run.",
     ("register-unreadable", "register-bad-row", "register-duplicate", "register-legacy-code")),
    ("Letters to parents",
     "The letters written in letters/ for school-arranged placements (policy §12). A letter is only written "
     "when every fact it needs is filled in.",
     ("letter-missing-fact", "letter-template")),
    ("Settings: school.toml",
     "A problem in school.toml (a missing [school] name, a term without dates, a setting that cannot be read) "
     "is not a finding: the run stops before any report is written, with one line saying what to fix (exit "
     "status 2). The one finding that can name school.toml is `letter-missing-fact`, when [school] address is "
     "blank and a letter is due. docs/reference.md lists every setting.",
     ()),
)


def _anchor(title: str) -> str:
    """The heading's anchor as GitHub and most Markdown viewers make it."""
    kept = "".join(ch for ch in title.lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def troubleshooting_markdown() -> str:
    """The troubleshooting page as Markdown."""
    lines = ["# Troubleshooting: the findings in the weekly report", "",
             f"<!-- Generated by `{COMMAND}` from pipeline/troubleshooting.py. "
             "Do not edit by hand: change FINDING_RULES there and rerun the command. -->", "",
             "Each week the run checks every workbook in the school folder. Each problem it finds is a *finding*, "
             "listed on the Findings sheet of weekly_report.xlsx (and in weekly_report.html) with the file, the "
             "sheet, the cell, a rule and a message saying what to do.", "",
             "- An **error** means something is left out or counted as absent until it is fixed: the run ends with "
             "exit status 1 while any error remains.",
             "- A **warning** means the run made a sensible choice for you; check it is right.", "",
             "For each workbook with findings, the run also writes an annotated copy in the week's `annotated/` "
             "folder (for example `reports/2026-11-23/annotated/placements.xlsx`): its first sheet lists the "
             "findings with a link to each cell, and each bad cell is filled red (error) or amber (warning) with "
             "the message as a comment. The copy is for reading only. Make the corrections in the original "
             "file in the school folder, not in the copy: the copy can lose some of Excel's newer features "
             "(some drop-down lists and conditional formatting).", "",
             "To fix a finding:", "",
             "1. Open the file it names in the school folder (close it first on any other computer).",
             "2. Go to the sheet and cell it names, and make the change the table below describes.",
             "3. Save the file as an Excel Workbook (.xlsx), close it, and run the weekly report again.", "",
             "Sections:", ""]
    lines += [f"- [{title}](#{_anchor(title)})" for title, _, _ in GROUPS] + [""]
    for title, intro, ids in GROUPS:
        lines += [f"## {title}", "", intro, ""]
        if ids:
            lines += ["| rule | what causes it | how to fix it |", "|---|---|---|"]
            lines += [f"| `{rule}` | {_cell(FINDING_RULES[rule][0])} | {_cell(FINDING_RULES[rule][1])} |"
                      for rule in ids]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    from .docs import write_pages

    return write_pages(argv, {PAGE: troubleshooting_markdown}, COMMAND)


if __name__ == "__main__":
    sys.exit(main())
