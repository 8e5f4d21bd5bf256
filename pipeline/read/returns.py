"""Attendance returns from providers (contract §5): any file name, any sub-folder of returns/.

Provider and week come from inside the file. A file that cannot be accepted is
one finding naming it; of two accepted returns for the same provider and week
the one saved last wins.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import schema
from ..schema import META_SHEET
from ..calendar import monday_of
from ..heap import collector_paused
from ..identifiers import fold_key, shown
from ..findings import Finding, Findings, quotable
from ..records import Incident, ReturnRow, RowCells, RowMarks, Source, StoredRows, mark_layout, source_of
from .cells import is_blank, parse_date, text
from .folders import folders_below
from .registers import Registers, ambiguous_message
from .table import (HEADER_SEARCH_ROWS, cell_name, column_letters, find_header, formula_message, norm_header,
                    read_table)
from .workbook import Book, StoredBook, Unreadable, open_workbook

@dataclass
class Return:
    file: str                    # relative to the data folder
    provider_id: str
    week: dt.date                # Monday
    saved: tuple                 # sort key: workbook modified time, file time, path
    sheet: str
    # keyed by Placement ID: a dict as read from the workbook, a records.StoredRows as read back from the cache
    rows: dict[str, ReturnRow] | StoredRows = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)


def return_files(data_dir: Path) -> list[Path]:
    """Every file in returns/ and its sub-folders (listed_returns)."""
    return [path for path, _ in listed_returns(data_dir)]


def listed_returns(data_dir: Path) -> list[tuple[Path, str]]:
    """(path, its path from the data folder with '/') of every file in returns/ and its sub-folders, in the order
    of the second, but for Excel's lock files (~$...) and hidden ones (.name). A link to a folder is not followed;
    a folder that cannot be listed is passed over (folders.folders_below)."""
    folder = Path(data_dir) / "returns"
    found: list[tuple[str, Path]] = []
    for path, names in folders_below(folder).items():
        rel = "/".join(("returns", *path.relative_to(folder).parts))
        found += [(f"{rel}/{name}", path / name) for name in names if not name.startswith(("~$", "."))]
    return [(path, rel) for rel, path in sorted(found, key=lambda t: t[0])]


def read_returns(data_dir: Path, regs: Registers, findings: Findings, passwords=(), cache=None,
                 calendar=None, early=None) -> list[Return]:
    """Every accepted return, one per provider and week. `passwords` open returns sent back encrypted;
    with a `calendar`, a return for a week with no school day is left out with a warning.
    `cache` (a pipeline.read.cache.ReturnsCache) keeps what was read from each file, and what checking it
    against the registers gave, for the next run; it is finished (saved, and closed) once every file has
    been read. `early` (pipeline.read.early.start's, begun before the registers were read): the files listed,
    and hashed or opened in a child meanwhile; it is closed here."""
    from ..progress import progress
    from .early import Early
    from .prefetch import prefetch

    early = early if early is not None else Early(listed_returns(data_dir))
    by_fold, listed = _by_fold(regs), early.listed
    read: list[tuple[Return | None, str, Findings]] = [None] * len(listed)     # in the files' order
    answers = None
    if cache is not None:
        from .checked import Answers
        answers = Answers(regs, by_fold)      # asked once each of the run's stored results
    try:
        # many files not cached: opened on the other cores meanwhile, their hashes known from `early`
        opened_early = early.opened()      # a cold run's: opened in the child while the registers were read
        ahead = prefetch([path for path, _ in listed if str(path) not in opened_early], cache, early.digests())
        # the files the early child is still opening are read last (pipeline.read.early), the rest in order
        later = [i for i, (path, _) in enumerate(listed) if early.later(path)]
        last = set(later)
        order = [i for i in range(len(listed)) if i not in last] + later
        try:
            with collector_paused():
                for i in progress(order, "Reading returns"):
                    path, rel = listed[i]
                    own = Findings()
                    opened = ahead.take(path) or early.take(path)
                    read[i] = (read_return(path, rel, regs, own, by_fold, passwords, cache, opened, answers), rel, own)
        finally:
            ahead.close()
    finally:
        early.close()
    if cache is not None:
        cache.finish()       # every file was read: entries of files gone or changed are dropped
    return accept_returns(read, findings, calendar)


def accept_returns(read: list[tuple[Return | None, str, Findings]], findings: Findings, calendar=None) -> list[Return]:
    """The returns accepted from what was read of each file, in file order: (the Return or None, its path
    relative to the data folder, its own findings). The run reads the files of returns/; tests give
    workbooks held in memory."""
    candidates, own_findings = [], {}
    for ret, rel, own in read:
        if ret is None:
            findings.extend(own)
        elif calendar is not None and not calendar.week_has_school_day(ret.week):
            findings.warning(rel, None, None, "week-outside-terms", ret.week.isoformat(),
                             f"This return is for the week commencing {ret.week:%d/%m/%Y}, which has no school day in "
                             "the terms of school.toml (a holiday, or another year), so it counts nowhere. Check the "
                             "week in B2, or add the term to school.toml if it is missing.")
        else:
            candidates.append(ret)
            own_findings[rel] = own
    accepted = _one_per_provider_week(candidates, findings)
    for ret in accepted:  # a return left out for a later one is left out whole: only its warning is kept
        findings.extend(own_findings[ret.file])
    return accepted


def _one_per_provider_week(candidates: list[Return], findings: Findings) -> list[Return]:
    groups: dict[tuple, list[Return]] = {}
    for ret in candidates:
        groups.setdefault((ret.provider_id, ret.week), []).append(ret)
    accepted = []
    for (provider, week), rets in sorted(groups.items()):
        rets.sort(key=lambda r: r.saved)
        winner = rets[-1]
        for loser in rets[:-1]:
            findings.warning(loser.file, None, None, "duplicate-return", None,
                             f"Two returns from {provider} for the week commencing {week:%d/%m/%Y}: this one is left out "
                             f"and {winner.file}, saved later, is used. Delete the one that is wrong.")
        accepted.append(winner)
    return accepted


def _typed(value, where: str, quote: bool = False) -> str:
    """A label cell's text for a whole-file message: quoted only when it cannot be a name (contract §13)."""
    typed = text(value)
    if quotable(typed):
        return f"'{typed}'" if quote else typed
    return f"(the text {where})"


def _reject(findings: Findings, rel: str, rule: str, message: str) -> None:
    findings.error(rel, None, None, rule, None, message + " The whole file is left out until then.")


def read_return(path: Path, rel: str, regs: Registers, findings: Findings, by_fold: dict, passwords=(),
                cache=None, opened: tuple | None = None, answers=None) -> Return | None:
    """return_from_book of the file at `path`. With a cache, an unchanged file whose checks would ask the
    registers nothing that they now answer otherwise gives its stored result without being opened
    (pipeline.read.checked); else what is read and checked now is stored for next time. `opened`: (content
    digest, modification time, snapshot or None) of the file as another process read it a moment before
    (pipeline.read.prefetch, pipeline.read.early): the file as it was then, with no snapshot when that process
    only hashed it; `answers` (a pipeline.read.checked.Answers of `regs`): the registers' answers shared by the
    files of a run."""
    if cache is None or not cache.enabled:
        book = (StoredBook(path, *opened[2]) if opened is not None and opened[2] is not None
                else open_workbook(path, passwords))
        return return_from_book(book, path, rel, regs, findings, by_fold)
    from . import checked
    from .cache import content, digest

    if opened is not None:
        data, (key, mtime, _) = None, opened
    else:
        try:
            data, mtime = content(path)
        except OSError:   # open_workbook says why the file cannot be opened
            return return_from_book(open_workbook(path, passwords), path, rel, regs, findings, by_fold)
        key = digest(data)
    if answers is None:
        answers = checked.Answers(regs, by_fold)

    def use(blob: bytes):
        asked, ret, found = checked.decode(blob, rel, path, Return, mtime)
        return (ret, found) if checked.still_true(asked, answers) else None

    hit = cache.get_checked(rel, key, use)
    if hit is not None:
        cache.keep(key)
        findings.extend(hit[1])
        return hit[0]
    if opened is not None and opened[2] is None:    # only hashed: its grids are the cache's, or it is read here
        grids = cache.get(key)
        if grids is None:
            return read_return(path, rel, regs, findings, by_fold, passwords, cache, None, answers)
        book, stored = StoredBook(path, *grids), True
    else:
        book, stored = _open_cached(path, passwords, cache, data, key, opened)
    if not stored:
        return return_from_book(book, path, rel, regs, findings, by_fold)
    asked, own = checked.Asked(regs, by_fold), Findings()
    ret = return_from_book(book, path, rel, asked, own, asked.by_fold)
    try:
        cache.put_checked(rel, key, checked.encode(ret, own, asked.answers, book.modified()))
    except (TypeError, ValueError):
        pass     # a value of a kind the cache does not store: checked again each time
    findings.extend(own)
    return ret


def _open_cached(path: Path, passwords, cache, data: bytes, key: str, opened: tuple | None = None) -> tuple:
    """(the workbook, whether its content is the cache's: read from it, or stored in it now). `opened`: as
    read_return's, with a snapshot, and `key` its digest (`data` is then None)."""
    stored = cache.get(key)
    if stored is not None:
        return StoredBook(path, *stored), True
    if opened is not None:
        names, grids, modified, formulas = opened[2]
    else:
        book = open_workbook(path, passwords, data)
        if not isinstance(book, Book) or book.encrypted:
            return book, False
        names, grids, modified, formulas = _snapshot(book)
    cache.put(key, names, grids, modified, formulas)
    return StoredBook(path, names, grids, modified, formulas), True


def _snapshot(book: Book) -> tuple[list[str], dict, dt.datetime | None, dict]:
    """What return_from_book uses from a workbook: sheet names, the grids of its sheets, the saved time and
    their formula cells. A grid that cannot be read is None (return_from_book then treats the sheet as unreadable)."""
    grids, formulas = {}, {}
    for name in (schema.ATTENDANCE.name, schema.INCIDENTS.name, META_SHEET):
        actual = book.find_sheet(name)
        if actual is not None and actual not in grids:
            try:
                grids[actual] = book.grid(actual)
            except Exception:
                grids[actual] = None
            if book.formula_cells(actual):
                formulas[actual] = book.formula_cells(actual)
    return book.sheet_names, grids, book.modified(), formulas


def return_from_book(book: Book | StoredBook | Unreadable, path: Path, rel: str, regs: Registers, findings: Findings,
                     by_fold: dict | None = None) -> Return | None:
    """The return in `book` (opened from `path`, `rel` from the data folder), or None when it is left out."""
    if isinstance(book, Unreadable):
        _reject(findings, rel, book.rule, book.message)
        return None
    sheet = book.find_sheet(schema.ATTENDANCE.name)
    if sheet is None:
        _reject(findings, rel, "no-attendance-sheet", "This workbook has no sheet called Attendance, so it is not an attendance return. Use the return the school sent.")
        return None
    try:
        grid = book.grid(sheet)
    except Exception:
        _reject(findings, rel, "not-a-workbook", "The Attendance sheet cannot be read. Open the file in Excel and save it again.")
        return None
    # read_table's findings on the header (a header typed twice); on the cells too should the sheet get a
    # column of a kind that can have them. Its rows are read below, straight from the grid (see _lines).
    header_row, own, formulas = _header_row(grid), Findings(), book.formula_cells(sheet)
    table = None if header_row is None else read_table(grid if not _PLAIN_ATTENDANCE else grid[:header_row + 1],
                                                       schema.ATTENDANCE, rel, sheet, own, formulas)
    if table is None:
        _reject(findings, rel, "header-not-found", "The Attendance sheet has no header row starting 'Placement ID' "
                "in its first rows, so its codes cannot be read. Use the return the school sent, with its headers unchanged.")
        return None
    header_row, columns = table.header_row, table.columns
    labels = _labels(grid[:header_row])
    rejected = Findings()           # a return left out is one finding: the reason it is left out
    provider_id = week = None
    if not _formula_label(labels, "Provider ID", formulas, rel, sheet, rejected):
        provider_id = _provider(labels.get(norm_header("Provider ID")), rel, sheet, regs, rejected, by_fold)
    if provider_id is not None and _formula_label(labels, "Week commencing", formulas, rel, sheet, rejected):
        provider_id = None
    week = None if provider_id is None else _week(labels.get(norm_header("Week commencing")), rel, sheet, own)
    if provider_id is not None and week is None:
        rejected.append(own.pop())  # _week's own rejection
    if not rejected:
        _meta_matches(book, provider_id, week, rel, rejected)
    if rejected:
        findings.extend(rejected)
        return None
    findings.extend(own)
    missing = [h for h in schema.SESSIONS if schema.ATTENDANCE.column(h).key not in columns]
    if missing:
        findings.error(rel, sheet, None, "missing-column", ", ".join(missing),
                       f"The Attendance sheet has no column {', '.join(missing)}. Put the column back as in the return "
                       "the school sent; until then every expected session in it counts as N (absent, no reason yet).")
    ret = Return(rel, provider_id, week, _saved_key(book, path, rel), sheet)
    _rows(ret, _lines(grid, header_row, columns, formulas), columns, regs, findings, formulas)
    ret.incidents = _incidents(book, ret, regs, findings)
    return ret


def _labels(rows: list[list]) -> dict:
    """Label (normalised) -> (value, cell of the value, its (row, col) from 0), from column A and B above the table."""
    out = {}
    for i, row in enumerate(rows):
        if row and not is_blank(row[0]):
            out[norm_header(row[0]).rstrip(":")] = (row[1] if len(row) > 1 else "", cell_name(i, 1), (i, 1))
    return out


def _formula_label(labels: dict, label: str, formulas: frozenset, rel: str, sheet: str, findings: Findings) -> bool:
    """True (with the finding that leaves the return out) when the value of `label` is a formula."""
    found = labels.get(norm_header(label))
    if not formulas or found is None or found[2] not in formulas:
        return False
    value, ref, _ = found
    findings.error(rel, sheet, ref, "formula-in-cell", text(value) or None,
                   formula_message(label, ref, "until then the whole file is left out"))
    return True


def _provider(found, rel, sheet, regs, findings, by_fold=None) -> str | None:
    if found is None or is_blank(found[0]):
        _reject(findings, rel, "no-provider-id", "The return does not say which provider it is from: put the Provider ID in B1 next to the label 'Provider ID'.")
        return None
    value = found[0]
    pid = (by_fold if by_fold is not None else _by_fold(regs)).get(fold_key(text(value)))
    variants = regs.ambiguous_providers.get(fold_key(text(value)))
    if pid is not None and variants and text(value).strip() != pid:
        _reject(findings, rel, "ambiguous-provider", ambiguous_message(
            shown(text(value)), variants, "its codes count for no provider"))
        return None
    if pid is None:
        _reject(findings, rel, "unknown-provider", f"Provider ID {_typed(value, 'beside the label')} in this return is "
                "not in providers.xlsx. Correct the ID in the return, or add the provider to providers.xlsx.")
    return pid


def _by_fold(regs: Registers) -> dict:
    """Provider ID ignoring case and spaces (identifiers.fold_key) -> Provider ID."""
    return {fold_key(p): p for p in regs.providers}


def _week(found, rel, sheet, findings) -> dt.date | None:
    if found is None or is_blank(found[0]):
        _reject(findings, rel, "no-week", "The return does not say which week it covers: put the Monday's date in B2 next to 'Week commencing'.")
        return None
    value, ref, _ = found
    day, problem = parse_date(value)
    if problem:
        _reject(findings, rel, "no-week", f"Week commencing {_typed(value, f'in {ref}', quote=True)} {problem}.")
        return None
    if day.weekday() != 0:
        findings.warning(rel, sheet, ref, "week-not-monday", day,
                         f"Week commencing {day:%d/%m/%Y} is a {day:%A}; the return is taken as the week of Monday "
                         f"{monday_of(day):%d/%m/%Y}. Put the Monday's date there next time.")
    return monday_of(day)


def _meta_matches(book: Book, provider_id: str, week: dt.date, rel: str, findings: Findings) -> bool:
    sheet = book.find_sheet(META_SHEET)
    if sheet is None:
        return True
    try:
        meta = {norm_header(r[0]): r[1] for r in book.grid(sheet) if len(r) > 1 and not is_blank(r[0])}
    except Exception:
        return True
    meta_provider = text(meta.get("provider_id", "")).casefold()
    meta_week, _ = parse_date(meta.get("week_commencing", "")) if not is_blank(meta.get("week_commencing", "")) else (None, None)
    if (meta_provider and meta_provider != provider_id.casefold()) or (meta_week and monday_of(meta_week) != week):
        sent_to = text(meta.get("provider_id", ""))
        sent_week = f"{monday_of(meta_week):%d/%m/%Y}" if meta_week else "another week"
        _reject(findings, rel, "meta-mismatch",
                f"This return was sent to {sent_to if quotable(sent_to) else 'another provider'} for the week "
                f"commencing {sent_week}, but its Provider ID or Week commencing has been changed "
                f"to {provider_id} / {week:%d/%m/%Y}. Ask the provider to fill in the return sent for that week.")
        return False
    return True


def _saved_key(book: Book, path: Path, rel: str) -> tuple:
    from .checked import saved_key
    return saved_key(book.modified(), path, rel)


# (weekday 0-4, 'AM'|'PM') and the Attendance column key of each session, worked out once.
_SESSION_KEYS = tuple(((i, s), schema.ATTENDANCE.column(f"{day} {s}").key)
                      for i, day in enumerate(schema.WEEKDAYS) for s in (schema.AM, schema.PM))
# Every Attendance column is of a kind whose cells are taken as text: reading its rows makes no finding
# on a cell, so they are read from the grid as read_table would keep them, without parsing each cell
# (a weekly run reads every return of the year; tests/test_sessions_equivalence.py holds this
# against read_table).
_PLAIN_ATTENDANCE = all(c.kind in (schema.ID, schema.UPN, schema.TEXT, schema.CODE) for c in schema.ATTENDANCE.columns)


_REQUIRED = {norm_header(h) for h in schema.ATTENDANCE.required_headers} or {norm_header(schema.ATTENDANCE.columns[0].header)}


def _header_row(grid: list[list]) -> int | None:
    """The row find_header takes as the Attendance header (the first of the first rows with every required
    header), found by looking at text cells only: no other cell can read as a header."""
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if _REQUIRED <= {" ".join(v.split()).casefold() for v in row if type(v) is str}:
            return i
    return None


def _lines(grid: list[list], header_row: int, columns: dict, formulas: frozenset = frozenset()):
    """(Excel row number, row) of each row under the header with something in one of the table's
    columns (or a formula there): the rows read_table keeps."""
    used = list(columns.values())
    formula_rows = {r for r, c in formulas if c in used} if formulas else set()
    for i in range(header_row + 1, len(grid)):
        line = grid[i]
        n = len(line)
        if all(is_blank(line[j]) for j in used if j < n) and i not in formula_rows:
            continue
        yield i + 1, line


def _rows(ret: Return, lines, columns: dict, regs: Registers, findings: Findings, formulas: frozenset = frozenset()) -> None:
    id_col = columns["placement_id"]
    id_letters = column_letters(id_col)
    sessions = [(mark, columns[key], column_letters(columns[key])) for mark, key in _SESSION_KEYS if key in columns]
    layout = mark_layout([mark for mark, _, _ in sessions], [letters for _, _, letters in sessions])
    id_cells = {"placement_id": id_letters}      # shared by every row's RowCells
    places = [j for _, j, _ in sessions]
    for number, line in lines:
        n = len(line)
        raw_id = line[id_col] if id_col < n else ""
        id_cell = f"{id_letters}{number}"
        if formulas and (number - 1, id_col) in formulas:
            findings.error(ret.file, ret.sheet, id_cell, "formula-in-cell", text(raw_id) or None,
                           formula_message("Placement ID", id_cell, "until then the row is left out and counted nowhere"))
            continue
        if is_blank(raw_id):
            findings.error(ret.file, ret.sheet, id_cell, "required-blank", None,
                           f"Row {number} has codes but no Placement ID, so the school cannot tell whose they are. "
                           "Put the Placement ID back; the row is not counted.")
            continue
        placement = regs.placement(text(raw_id))
        if placement is None or placement.provider_id != ret.provider_id:
            where = "is not a placement in the school's register" if placement is None else f"is not placed at {ret.provider_id}"
            findings.error(ret.file, ret.sheet, id_cell, "wrong-placement", text(raw_id),
                           f"Placement ID {text(raw_id)} {where}. The row is left out and counted nowhere; "
                           "check the ID with the provider.")
            continue
        pid = placement.placement_id
        if pid in ret.rows:
            findings.error(ret.file, ret.sheet, id_cell, "duplicate-id", pid,
                           f"Placement {pid} appears twice in this return; only the first row (row {ret.rows[pid].source.row}) is used. Delete the extra row.")
            continue
        raws = [line[j] if j < n else "" for j in places]
        if formulas:
            _formula_marks(ret, pid, number, raws, sessions, formulas, findings)
        ret.rows[pid] = ReturnRow(placement_id=pid, marks=RowMarks(layout, tuple(raws), number),
                                  source=Source(ret.file, ret.sheet, number, RowCells(id_cells, number)),
                                  notes=_notes(line, columns, number, formulas))


def _notes(line: list, columns: dict, number: int, formulas: frozenset) -> str | None:
    """The row's Notes as one line of text; None when blank, absent or a formula (a formula's value is not the provider's words)."""
    j = columns.get("notes")
    if j is None or j >= len(line) or (formulas and (number - 1, j) in formulas) or is_blank(line[j]):
        return None
    return " ".join(text(line[j]).split()) or None


def _formula_marks(ret: Return, pid: str, number: int, raws: list, sessions: list, formulas: frozenset,
                   findings: Findings) -> None:
    """A session code that is a formula is a finding and counts as N (absent, no reason yet). `raws`: the
    row's values in the order of `sessions`."""
    for i, (mark, j, letters) in enumerate(sessions):
        if (number - 1, j) in formulas:
            raw, cell = raws[i], f"{letters}{number}"
            findings.error(ret.file, ret.sheet, cell, "formula-in-cell", text(raw) or None,
                           formula_message(f"The register code for placement {pid}", cell,
                                           "until then it counts as N (absent, no reason yet)"))
            raws[i] = "N"


INCIDENT_LOST = "so any incident in it is not in this report and the school is not alerted to it"


def _unreadable_incidents(ret: Return, sheet: str, findings: Findings, why: str, fix: str) -> None:
    """The error finding on an Incidents sheet that cannot be read (contract §12: an incident never
    disappears silently)."""
    findings.error(ret.file, sheet, None, "unreadable-incidents", None,
                   f"The {sheet} sheet could not be read ({why}), {INCIDENT_LOST}. Ask the provider at once whether "
                   f"they reported an incident this week, and {fix}; the attendance in this return is read as usual.")


def _incidents(book: Book, ret: Return, regs: Registers, findings: Findings) -> list[Incident]:
    sheet = book.find_sheet(schema.INCIDENTS.name)
    if sheet is None:
        return []
    try:
        grid = book.grid(sheet)
    except Exception:
        _unreadable_incidents(ret, sheet, findings, "it is damaged", "for the return saved again from Excel")
        return []
    formulas = book.formula_cells(sheet)
    if all(is_blank(v) for row in grid for v in row) and not formulas:
        return []
    if find_header(grid, schema.INCIDENTS) is None:
        headers = ", ".join(schema.INCIDENTS.required_headers)
        _unreadable_incidents(ret, sheet, findings, f"it has no header row with the columns {headers} in its first "
                              f"{HEADER_SEARCH_ROWS} rows", "put the headers back exactly as in the return the school sent")
        return []
    own = Findings()
    table = read_table(grid, schema.INCIDENTS, ret.file, sheet, own, formulas)
    findings.extend(_incident_wording(f) for f in own)
    out = []
    for row in table.rows if table else []:
        bad = row.bad & {"date", "placement_id", "category"}
        if bad and bad <= row.formulas:   # its formula-in-cell findings say the incident is not in the report
            continue
        if bad:
            findings.error(ret.file, sheet, str(row.number), "incomplete-incident", None,
                           f"The incident in row {row.number} needs a Date, a Placement ID and a Category. Complete it; "
                           "until then the school is not alerted to it.")
            continue
        placement = regs.placement(row["placement_id"])
        if placement is None or placement.provider_id != ret.provider_id:
            findings.error(ret.file, sheet, row.cell("placement_id"), "wrong-placement", row["placement_id"],
                           f"Placement ID {row['placement_id']} is not one of {ret.provider_id}'s pupils. Correct it; the incident is left out until then.")
            continue
        out.append(Incident(**dict(row.values, placement_id=placement.placement_id), provider_id=ret.provider_id,
                            source=source_of(ret.file, sheet, row)))
    return out


def _incident_wording(f: Finding) -> Finding:
    """A formula where an incident's Date, Placement ID or Category belongs leaves the incident out: its
    finding says so in those words, not read_table's general 'this row is left out'."""
    if f.rule != "formula-in-cell" or "this row is left out" not in f.message:
        return f
    return replace(f, message=f.message.replace("until then this row is left out",
                                                "until then this incident is not in the report and the school is "
                                                "not alerted to it"))
