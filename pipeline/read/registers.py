"""The two registers the school keeps: placements.xlsx (contract §3) and providers.xlsx (§4).

Both files are required: one that is missing or cannot be read stops the run
(RunError, exit 2). Problems inside them are findings; contract §11 says which
rows are left out.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterable

from .. import schema
from ..errors import RunError
from ..findings import Findings
from ..heap import collector_paused
from ..identifiers import EXAMPLE, fold_key, identifier_problem, shown
from ..records import Exclusion, Placement, Provider, ReviewEvent, source_of
from ..upn import upn_problem
from .table import HEADER_SEARCH_ROWS, Row, find_header, missing_headers, read_table, required_blank
from .workbook import Book, StoredBook, Unreadable, open_workbook

LEFT_OUT = "this placement is left out of every figure until it is fixed."
SESSIONS_OF = {schema.FULL_DAY: (schema.AM, schema.PM), schema.AM: (schema.AM,), schema.PM: (schema.PM,)}
DAY_KEYS = tuple(schema.PLACEMENTS.column(day).key for day in schema.WEEKDAYS)   # the Mon..Fri columns
# Findings listed per sheet of a register; the rest are counted in one finding. A real register has a
# few dozen rows; thousands of findings mean leftovers (a formula filled down to row 100,000), and
# listing each one would only slow the run and bury the findings that matter.
MAX_FINDINGS_PER_SHEET = 1000


@dataclass
class Registers:
    providers: dict[str, Provider] = field(default_factory=dict)    # keyed by Provider ID
    placements: list[Placement] = field(default_factory=list)
    reviews: list[ReviewEvent] = field(default_factory=list)
    exclusions: list[Exclusion] = field(default_factory=list)
    # fold_key -> the Provider IDs of providers.xlsx with that key, as typed, the kept one first: only keys
    # typed more than one way ('PRV1' and 'prv1'). Such an ID matches only its kept spelling exactly.
    ambiguous_providers: dict = field(default_factory=dict)

    def placement(self, placement_id: str) -> Placement | None:
        """The placement with this ID (ignoring case and outer spaces), or None."""
        key = (len(self.placements), id(self.placements))
        if getattr(self, "_index_key", None) != key:
            self._index = {p.placement_id.casefold(): p for p in self.placements}
            self._index_key = key
        return self._index.get(placement_id.strip().casefold())


def _open_required(path: Path, name: str, data: bytes | None = None) -> Book:
    if data is None and not path.is_file():
        raise RunError(f"{name} is missing from the school folder ({path}). Copy it from input_templates/ or run --init for a new folder.")
    book = open_workbook(path, (), data)
    if isinstance(book, Unreadable):
        raise RunError(f"{name} cannot be read: {book.message}")
    return book


def _required_sheet(book: Book, name: str, sheet: schema.Sheet, findings: Findings):
    actual = book.find_sheet(sheet.name)
    if actual is None:
        raise RunError(f"{name} has no sheet called '{sheet.name}'. Rename the sheet back to '{sheet.name}' (see input_templates/{name}).")
    grid = _grid(book, name, actual)
    if find_header(grid, sheet) is None:
        raise RunError(_no_header(grid, name, actual, sheet))
    return actual, read_table(grid, sheet, name, actual, findings, book.formula_cells(actual), lazy=True)


def _no_header(grid: list[list], name: str, actual: str, sheet: schema.Sheet) -> str:
    """One line naming the required columns missing from the row that looks like the header."""
    near = missing_headers(grid, sheet)
    if near is None:
        return (f"{name}, sheet {actual}: no header row in the first {HEADER_SEARCH_ROWS} rows. It needs the columns "
                f"{', '.join(sheet.required_headers)} exactly as in input_templates/{name}.")
    row, missing = near
    names = " and ".join(f"'{h}'" for h in missing) if len(missing) <= 2 else \
        ", ".join(f"'{h}'" for h in missing[:-1]) + f" and '{missing[-1]}'"
    return (f"{name}, sheet {actual}: the header row (row {row + 1}) has no column {names}. Rename the column back "
            f"(or put it back) exactly as in input_templates/{name}, then run again.")


def _grid(book: Book, name: str, sheet: str):
    try:
        return book.grid(sheet)
    except Exception as exc:
        raise RunError(f"{name}, sheet {sheet} cannot be read ({exc}). Open it in Excel, save it again and rerun.") from None


def read_registers(data_dir: Path, findings: Findings, providers_file: Path | None = None, cache=None) -> Registers:
    """The registers of the school folder; `providers_file`, when given, is read as its providers.xlsx (a trust's
    shared provider register, contract §16: findings on it name 'providers.xlsx' as if it were in the folder).
    With a `cache` (pipeline.read.cache.ReturnsCache), registers whose two files are the bytes they were when
    last read give what they gave then, findings included, without being opened. Read with Python's cycle
    collector paused (pipeline.heap.collector_paused, as the returns are): the records hold no cycles and live as
    long as the run, and the collector's full sweeps over them while the kept registers of L (28,000 records) were
    unpickled doubled that (0.10 -> 0.2 s)."""
    with collector_paused():
        return _registers_of_folder(Path(data_dir), findings, providers_file, cache)


def _registers_of_folder(data_dir: Path, findings: Findings, providers_file: Path | None, cache) -> Registers:
    paths = {name: data_dir / name for name in (schema.PROVIDERS_BOOK.filename, schema.PLACEMENTS_BOOK.filename)}
    if providers_file is not None:
        paths[schema.PROVIDERS_BOOK.filename] = Path(providers_file)
    contents = _contents(paths) if cache is not None and cache.enabled else None
    if contents is None:
        return registers_from(lambda name: _open_required(paths[name], name), findings)
    from .cache import digest

    key = digest(b"".join(digest(data).encode() for data in contents.values()))
    kept = cache.get_registers(key)
    if _whole(kept):
        parts, found = kept
        findings.extend(found)
        return Registers(*parts)
    own = Findings()
    regs = registers_from(lambda name: _open_required(paths[name], name, contents[name]), own)
    cache.put_registers(key, (tuple(getattr(regs, f.name) for f in fields(Registers)), list(own)))
    findings.extend(own)
    return regs


def _whole(kept) -> bool:
    """Whether `kept` has the shape read_registers keeps: (the Registers' fields, the findings)."""
    return (isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], tuple)
            and len(kept[0]) == len(fields(Registers)) and isinstance(kept[1], list))


def _contents(paths: dict[str, Path]) -> dict[str, bytes] | None:
    """Each file's bytes, or None when one cannot be read (opening it says why)."""
    from .cache import content

    try:
        return {name: content(path)[0] for name, path in paths.items()}
    except OSError:
        return None


def registers_from(open_book: Callable[[str], Book | StoredBook], findings: Findings) -> Registers:
    """The registers read from the two workbooks that `open_book(file name)` opens ('providers.xlsx', then
    'placements.xlsx', only once providers.xlsx is read, so its problem is the one a run stops on). The run
    opens the files of the school folder; tests give workbooks held in memory (a StoredBook of grids)."""
    own = Findings()
    regs = _read_registers(open_book, own)
    findings.extend(capped(own))
    return regs


def capped(found: list, limit: int = MAX_FINDINGS_PER_SHEET) -> Findings:
    """The first `limit` findings of each file and sheet, and for each sheet over the limit one more
    finding saying how many are not listed (an error if any of those is one)."""
    findings, counts, over = Findings(), {}, {}
    for f in found:
        where = (f.file, f.sheet)
        counts[where] = counts.get(where, 0) + 1
        if counts[where] <= limit:
            findings.append(f)
        else:
            over.setdefault(where, []).append(f)
    for (file, sheet), rest in over.items():
        message = (f"{sheet} has {counts[(file, sheet)]:,} problems; only the first {limit:,} are listed and "
                   f"{len(rest):,} more are not. So many usually means leftovers below the table (a formula or "
                   "value filled down thousands of rows): delete those rows, fix the rest, then run again.")
        if any(f.severity == "error" for f in rest):
            findings.error(file, sheet, None, "too-many-findings", str(len(rest)), message)
        else:
            findings.warning(file, sheet, None, "too-many-findings", str(len(rest)), message)
    return findings


def _read_registers(open_book: Callable[[str], Book | StoredBook], findings: Findings) -> Registers:
    regs = Registers()
    regs.providers = providers_from_book(open_book("providers.xlsx"), findings, regs.ambiguous_providers)
    book = open_book("placements.xlsx")
    sheet_name, table = _required_sheet(book, "placements.xlsx", schema.PLACEMENTS, findings)
    regs.placements = _checked(_placements, table.rows, sheet_name, regs.providers, regs.ambiguous_providers, findings)
    for spec, reader, target in ((schema.REVIEWS, _reviews, "reviews"), (schema.EXCLUSIONS, _exclusions, "exclusions")):
        actual = book.find_sheet(spec.name)
        if actual is None:
            continue
        optional = read_table(_grid(book, "placements.xlsx", actual), spec, "placements.xlsx", actual, findings,
                              book.formula_cells(actual), lazy=True)
        if optional is not None:
            setattr(regs, target, _checked(reader, optional.rows, actual, regs, findings))
    return regs


def _checked(reader: Callable, rows, *args):
    """reader(rows, *args, findings) over rows that read_table reads as they are reached (lazy): its findings
    follow every finding of reading the rows, as when every row was read first (the cap per sheet keeps the
    first ones), while no more than one Row is held at a time."""
    *args, findings = args
    checks = Findings()
    out = reader(rows, *args, checks)
    findings.extend(checks)
    return out


def providers_from_book(book: Book | StoredBook, findings: Findings, ambiguous: dict | None = None) -> dict:
    """Provider ID -> its row of providers.xlsx. `ambiguous`, when given, receives fold_key -> [the IDs as
    typed, the kept one first] for each ID typed a second time in other capitals or spaces (that later row
    is left out)."""
    sheet_name, table = _required_sheet(book, "providers.xlsx", schema.PROVIDERS, findings)
    return _checked(_providers, table.rows, sheet_name, ambiguous, findings)


def _providers(rows, sheet_name: str, ambiguous: dict | None, findings: Findings) -> dict:
    providers, seen = {}, {}
    for row in rows:
        if required_blank(row, "provider_id", "Provider ID", "providers.xlsx", sheet_name, findings,
                          "this row is left out, so no placement can use it."):
            continue
        pid = row["provider_id"]
        if _unsafe_id(row, "provider_id", "Provider ID", "providers.xlsx", sheet_name, findings,
                      "this row is left out, so no placement can use it."):
            continue
        if fold_key(pid) in seen:
            findings.error("providers.xlsx", sheet_name, row.cell("provider_id"), "duplicate-id", shown(pid),
                           f"Provider ID {shown(pid)} appears twice (IDs that differ only in capitals or spaces are the "
                           "same ID). Give each provider its own ID; this later row is left out.")
            kept = seen[fold_key(pid)]
            if ambiguous is not None and pid != kept:
                variants = ambiguous.setdefault(fold_key(pid), [kept])
                if pid not in variants:
                    variants.append(pid)
            continue
        seen[fold_key(pid)] = pid
        required_blank(row, "name", "Name", "providers.xlsx", sheet_name, findings, "the provider's name is used in reports and e-mails.")
        providers[pid] = Provider(**row.values, source=source_of("providers.xlsx", sheet_name, row))
    return providers


def _placements(rows: Iterable[Row], sheet: str, providers: dict, ambiguous: dict | None,
                findings: Findings) -> list[Placement]:
    file = "placements.xlsx"
    out, seen = [], set()
    provider_ids = {fold_key(p): p for p in providers}
    for row in rows:
        if required_blank(row, "placement_id", "Placement ID", file, sheet, findings, "the row is left out until it has one."):
            continue
        pid = row["placement_id"]
        if _unsafe_id(row, "placement_id", "Placement ID", file, sheet, findings, "the row is left out until it has one."):
            continue
        if fold_key(pid) in seen:
            findings.error(file, sheet, row.cell("placement_id"), "duplicate-id", shown(pid),
                           f"Placement ID {shown(pid)} is used again in row {row.number} (IDs that differ only in "
                           "capitals or spaces are the same ID). Give this placement its own ID; "
                           "the first row with this ID is kept and this one is left out.")
            continue
        seen.add(fold_key(pid))
        if _placement_ok(row, sheet, provider_ids, findings, ambiguous or {}):
            out.append(Placement(**dict(row.values, provider_id=provider_ids[fold_key(row["provider_id"])]),
                                 pattern={i: SESSIONS_OF[row[day]] for i, day in enumerate(DAY_KEYS) if row[day]},
                                 source=source_of(file, sheet, row)))
    return out


def _unsafe_id(row: Row, key: str, header: str, file: str, sheet: str, findings: Findings, effect: str) -> bool:
    """An error finding on the cell when the ID cannot be part of a file name (contract §12); True then."""
    problem = identifier_problem(row[key])
    if problem is None:
        return False
    findings.error(file, sheet, row.cell(key), "unsafe-id", shown(row[key]),
                   f"{header} '{shown(row[key])}' {problem}. IDs become part of file names: use {EXAMPLE}; {effect}")
    return True


def _placement_ok(row: Row, sheet: str, provider_ids: dict, findings: Findings, ambiguous: dict) -> bool:
    file, pid, ok = "placements.xlsx", row["placement_id"], True
    for key, header in (("forename", "Forename"), ("surname", "Surname")):
        required_blank(row, key, header, file, sheet, findings, "reports and letters need the pupil's name.")
    if not required_blank(row, "upn", "UPN", file, sheet, findings, "the placement is still monitored.") and "upn" not in row.bad:
        problem = _upn_problem(row.raw.get("upn"), row["upn"])
        if problem:
            findings.error(file, sheet, row.cell("upn"), "bad-upn", row.raw.get("upn"),
                           f"UPN {row['upn']} for placement {pid} is not valid: {problem}. Check it against the school's MIS; "
                           "the placement is still monitored.")
    provider = row["provider_id"]
    if not required_blank(row, "provider_id", "Provider ID", file, sheet, findings, LEFT_OUT):
        if fold_key(provider) in provider_ids and _unsafe_id(row, "provider_id", "Provider ID", file, sheet,
                                                             findings, LEFT_OUT):
            ok = False   # 'PRV[line break]1' folds to PRV1's key, but is no ID: never silently taken as PRV1
        elif fold_key(provider) not in provider_ids:
            findings.error(file, sheet, row.cell("provider_id"), "unknown-provider", provider,
                           f"Provider ID {provider} for placement {pid} is not in providers.xlsx. Add the provider to "
                           f"providers.xlsx or correct the ID; {LEFT_OUT}")
            ok = False
        elif fold_key(provider) in ambiguous and provider.strip() != ambiguous[fold_key(provider)][0]:
            findings.error(file, sheet, row.cell("provider_id"), "ambiguous-provider", shown(provider),
                           ambiguous_message(shown(provider), ambiguous[fold_key(provider)],
                                             "the placement is left out of every figure and of every provider's "
                                             "return and e-mail"))
            ok = False
    else:
        ok = False
    for key, header in (("reason", "Reason"), ("arranged_by", "Arranged by"), ("start_date", "Start date")):
        if key in row.bad:  # blank (a finding now) or unreadable (read_table's finding)
            required_blank(row, key, header, file, sheet, findings, LEFT_OUT)
            ok = False
    start = row["start_date"]
    for key, header in (("planned_end_date", "Planned end date"), ("actual_end_date", "Actual end date")):
        end = row[key]
        if start and end and end < start:
            findings.error(file, sheet, row.cell(key), "end-before-start", end,
                           f"{header} {end:%d/%m/%Y} for placement {pid} is before its Start date {start:%d/%m/%Y}. "
                           f"Correct one of the two dates; {LEFT_OUT}")
            ok = False
    if not any(row[day] for day in DAY_KEYS):
        findings.error(file, sheet, row.cell(DAY_KEYS[0]), "no-days", None,
                       f"Placement {pid} has no day set in Mon to Fri, so no session is expected. Set Full day, AM or PM "
                       f"for the days the pupil attends; {LEFT_OUT}")
        ok = False
    return ok


def ambiguous_message(typed: str, variants: list[str], effect: str) -> str:
    """The message when a Provider ID matches, ignoring capitals and spaces, an ID that providers.xlsx has
    twice in different spellings: which provider is meant cannot be told, so nothing is guessed."""
    spellings = " and ".join(shown(v) for v in variants)
    return (f"Provider ID {typed} could mean any of {spellings} in providers.xlsx, which differ only in capitals or "
            f"spaces, so which provider is meant cannot be told. Give each provider its own ID in providers.xlsx and "
            f"use it here exactly; until then {effect}.")


def _upn_problem(raw, upn: str) -> str | None:
    """What is wrong with a UPN; a number (a UPN typed into a number cell, or turned into one by a CSV
    round trip, e.g. 8.01200005001E+11) is named as such, since it can never hold the letter."""
    number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    if not number and isinstance(raw, str) and "E+" in raw.upper():
        try:
            number = math.isfinite(float(raw.replace(" ", "")))
        except ValueError:
            pass
    if number:
        return ("it was typed or saved as a number, so it has no letter (a UPN is a letter and 12 more "
                "characters, e.g. B801200005001). Format the cell as Text and type the whole UPN")
    return upn_problem(upn)


def _reviews(rows: Iterable[Row], sheet: str, regs: Registers, findings: Findings) -> list[ReviewEvent]:
    out = []
    for row in rows:
        if _event_problem(row, sheet, regs, findings, ("placement_id", "Placement ID"), ("date", "Date"), ("type", "Type")):
            continue
        placement = regs.placement(row["placement_id"])
        if placement is None:
            findings.error("placements.xlsx", sheet, row.cell("placement_id"), "unknown-placement", row["placement_id"],
                           f"Placement ID {row['placement_id']} is not on the Placements sheet. Correct it; this event is not counted until then.")
            continue
        out.append(ReviewEvent(**dict(row.values, placement_id=placement.placement_id),
                               source=source_of("placements.xlsx", sheet, row)))
    return out


def _exclusions(rows: Iterable[Row], sheet: str, regs: Registers, findings: Findings) -> list[Exclusion]:
    out = []
    for row in rows:
        if _event_problem(row, sheet, regs, findings, ("upn", "UPN"), ("type", "Type"), ("first_day", "First day")):
            continue
        problem = _upn_problem(row.raw.get("upn"), row["upn"])
        if problem:
            findings.error("placements.xlsx", sheet, row.cell("upn"), "bad-upn", row.raw.get("upn"),
                           f"UPN {row['upn']} is not valid: {problem}. Check it against the school's MIS.")
        if row["type"] == schema.SUSPENSION and not row["school_days"]:
            findings.error("placements.xlsx", sheet, row.cell("school_days"), "required-blank", None,
                           f"School days is blank for the suspension in row {row.number}. Enter how many school days it lasts; "
                           "until then it is not counted.")
            continue
        out.append(Exclusion(**row.values, source=source_of("placements.xlsx", sheet, row)))
    return out


def _event_problem(row: Row, sheet: str, regs: Registers, findings: Findings, *required) -> bool:
    """True (with findings) when a required cell of an event row is blank or unreadable."""
    bad = False
    for key, header in required:
        if key in row.bad:
            required_blank(row, key, header, "placements.xlsx", sheet, findings, "this row is not counted until then.")
            bad = True
    return bad
