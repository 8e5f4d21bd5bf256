"""The school's own register export from its MIS (contract §6): `register/*.csv`, optional.

One row per pupil-session with the columns UPN, Date, Session and Code, in any order,
headers matched ignoring case and spaces (other columns, such as names, are ignored).
Dates are ISO (2026-11-23) or dd/mm/yyyy; Session is AM or PM; Code is a register code
(contract §7). UTF-8, with or without a byte-order mark, as Excel's "CSV UTF-8" saves it.

A row that cannot be read is a finding naming its line and is skipped; a file that
cannot be read at all (not UTF-8, no header row with the four columns) is one finding.
A row whose code is blank or '-' is a session with no mark yet and is skipped quietly.
Nothing here raises: a bad export never stops the weekly run.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from .. import codes, schema
from ..findings import Findings
from .cells import is_blank, parse_date

FOLDER = "register"
REQUIRED = ("upn", "date", "session", "code")
HEADERS = {"upn": "UPN", "date": "Date", "session": "Session", "code": "Code"}
HOW_TO_EXPORT = ("Export the attendance register from the school's MIS as CSV UTF-8 with the columns "
                 "UPN, Date, Session and Code, and save it in the register folder.")


@dataclass(frozen=True)
class RegisterMark:
    upn: str                  # upper case, spaces removed
    date: dt.date
    session: str              # 'AM' | 'PM'
    code: str                 # the normalised code, as codes.read_code gives it
    category: str             # codes.ATTENDED, AUTHORISED, UNAUTHORISED or NOT_POSSIBLE
    file: str                 # relative to the data folder, with '/'
    line: int                 # line number in the file (the header is line 1 when it is the first line)


class RegisterMarks(list):
    """The marks read, in file and line order; `files` are the files that could be read."""

    def __init__(self, *args):
        super().__init__(*args)
        self.files: list[str] = []


def register_files(data_dir: Path) -> list[Path]:
    """Every register/*.csv (any case of .csv), sorted by name; Excel lock files and hidden files left out."""
    folder = Path(data_dir) / FOLDER
    if not folder.is_dir():
        return []
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"
                   and not p.name.startswith(("~$", "."))), key=lambda p: p.name)


def read_register(data_dir: Path, findings: Findings) -> RegisterMarks:
    """Every readable mark of every register/*.csv. Problems become findings; never raises."""
    data_dir = Path(data_dir)
    marks = RegisterMarks()
    seen: dict[tuple, RegisterMark] = {}
    for path in register_files(data_dir):
        rel = path.relative_to(data_dir).as_posix()
        try:
            read = _read_file(path, rel, findings)
        except Exception as exc:       # never let a strange file stop the run
            findings.error(rel, None, None, "register-unreadable", None,
                           f"The register export {rel} cannot be read ({exc}). {HOW_TO_EXPORT}")
            continue
        if read is None:
            continue
        marks.files.append(rel)
        for mark in read:
            key = (mark.upn, mark.date, mark.session)
            first = seen.get(key)
            if first is None:
                seen[key] = mark
                marks.append(mark)
            elif first.category != mark.category:
                findings.warning(rel, None, str(mark.line), "register-duplicate", mark.code,
                                 f"Line {mark.line}: the pupil's {mark.date:%d/%m/%Y} {mark.session} is already "
                                 f"marked '{first.code}' on line {first.line} of {first.file}; this '{mark.code}' "
                                 "is ignored. Export each session once.")
    return marks


def _read_file(path: Path, rel: str, findings: Findings) -> list[RegisterMark] | None:
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        findings.error(rel, None, None, "register-unreadable", None,
                       f"The register export {rel} is not a UTF-8 text file (it may be an Excel workbook or "
                       f"another encoding). {HOW_TO_EXPORT}")
        return None
    lines = content.splitlines()
    header_at = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_at is None:
        findings.error(rel, None, None, "register-unreadable", None,
                       f"The register export {rel} is empty. {HOW_TO_EXPORT}")
        return None
    delimiter = _delimiter(lines[header_at])
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:])), delimiter=delimiter)
    columns = {_header_key(h): i for i, h in reversed(list(enumerate(next(reader))))}
    missing = [HEADERS[k] for k in REQUIRED if k not in columns]
    if missing:
        findings.error(rel, None, None, "register-unreadable", None,
                       f"The register export {rel} has no {', '.join(missing)} column in its first row, so it is "
                       f"not used. {HOW_TO_EXPORT}")
        return None
    out = []
    for row in reader:
        line = header_at + reader.line_num        # the row's (last) line in the file, counting from 1
        if not any(c.strip() for c in row):
            continue
        mark = _mark(row, columns, rel, line, findings)
        if mark is not None:
            out.append(mark)
    return out


def _delimiter(header: str) -> str:
    """A comma, unless the header row is separated by semicolons or tabs (as some Excel locales save CSV)."""
    if "," not in header:
        for d in (";", "\t"):
            if d in header:
                return d
    return ","


def _header_key(header: str) -> str:
    return "".join(header.split()).casefold()


def _mark(row: list[str], columns: dict, rel: str, line: int, findings: Findings) -> RegisterMark | None:
    def value(key: str) -> str:
        i = columns[key]
        return row[i].strip() if i < len(row) else ""

    upn, day, session, raw = value("upn"), value("date"), value("session"), value("code")

    def bad(why: str, shown: str | None) -> None:
        findings.error(rel, None, str(line), "register-bad-row", shown,
                       f"Line {line} of the register export: {why}, so this row is left out of the reconciliation "
                       "with the providers' returns. Correct it in the MIS and export again.")

    if not upn:
        bad("the UPN is blank", None)
        return None
    if is_blank(day):
        bad("the Date is blank", None)
        return None
    date, problem = parse_date(day)
    if date is None:
        problem = (problem or "is not a date").split("; type it as")[0]     # the export's own advice below
        bad(f"the Date '{day}' {problem} (use dd/mm/yyyy or yyyy-mm-dd)", day)
        return None
    session_code = session.upper().replace(" ", "")
    if session_code not in (schema.AM, schema.PM):
        bad(f"the Session '{session}' is not AM or PM", session or None)
        return None
    code = codes.normalise(raw)
    if not code or code == codes.NOT_EXPECTED:
        return None                      # no mark taken yet for this session
    mark = codes.read_code(code)
    if mark is None:
        bad(f"'{raw}' is not a register code", raw)
        return None
    if mark.legacy:
        findings.warning(rel, None, str(line), "register-legacy-code", raw,
                         f"Line {line} of the register export: '{mark.code}' is a code no longer in use since "
                         f"August 2024; it is counted as {codes.CATEGORY_LABELS[mark.category]}.")
    return RegisterMark("".join(upn.split()).upper(), date, session_code, mark.code, mark.category, rel, line)
