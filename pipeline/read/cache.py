"""A cache of what was read from each return, so that a weekly run parses only new or changed files.

An embedded SQLite file (`returns.sqlite` in the folder `[paths] cache`, default `OUT/.cache`, never
inside the school folder unless the setting says so) maps the sha256 of a file's bytes to what came out
of the workbook: its sheet names, its saved time, the grids of the sheets a return is read from
(Attendance, Incidents, _meta) and which of their cells hold a formula. Beside it, keyed by the file's path
and hash, the checked result (pipeline.read.checked): the Return it gave, or None, its own findings, and
every question that checking asked of the registers with the answer. A later run uses that result only if
its registers answer each question the same; else it checks the stored grids again. So an unchanged return
against unchanged registers costs a lookup, and the findings are the same with or without the cache. A
checked result is dropped when the program's own code changes (meta 'checks'); its grids are kept.

- A changed file has another hash: it is read again. A file no longer present drops out at the end of
  the run (`finish`), and so does any entry not used by it.
- Encrypted returns are never stored (their content would sit decrypted on disk).
- Each entry is JSON (dates, times and durations tagged with their type; a checked result holds its usual
  dates as text, pipeline.read.checked), compressed with zlib, whose checksum catches a damaged entry. A run
  reads every stored checked result with one query, when it first looks one up. A file that is not SQLite, is of another version, or has an entry
  that cannot be read is never trusted: it is deleted and rebuilt, with a one-line notice on the console
  (a "Note:" line of the run's summary, not a finding). If the cache cannot be written at all the run
  goes on without it, with a notice too.
- Beside them, the annotated copies the run last made (pipeline.annotate), keyed by a hash of what a copy is
  made from (the workbook's bytes, its findings): a copy whose workbook and findings are unchanged is not made
  again. They too are dropped when the program's code changes, and at the end of a run that did not use them.
- And what reading the registers gave (pipeline.read.registers), keyed by a hash of placements.xlsx and
  providers.xlsx: unchanged registers are not read again. Only the last is kept; it too is dropped when the
  program's code changes. It is stored as a pickle (the records and their dates as they are, 0.08 s to load at
  L against 0.4 s to read the registers) that may name no class but the program's records and the date types
  (`_RecordsOnly`): an entry naming anything else is never loaded, and the file is rebuilt.
- Nothing is created until there is something to store (the registers, a return, a copy).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import io
import json
import os
import pickle
import sqlite3
import sys
import zlib
from pathlib import Path

FILENAME = "returns.sqlite"
FOLDER = ".cache"
VERSION = "5"          # the layout of an entry; change it when what is stored or how changes (2: formula cells,
                       # 3: the checked results of returns, 4: a return row's marks as values only, 5: annotated
                       # copies and the registers)

_DATE, _DATETIME, _TIME, _DURATION = "d", "dt", "t", "td"


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content(path) -> tuple[bytes, float]:
    """A file's bytes and its modification time, from one opening (a warm run reads every return to hash it,
    and the time is part of a Return's `saved`). Raises OSError."""
    with open(path, "rb", buffering=0) as f:
        return f.readall(), os.fstat(f.fileno()).st_mtime


@functools.cache
def _parser() -> str:
    """The reader and the writer whose output is stored (calamine's grids, openpyxl's copies): a new version of
    either starts a new cache."""
    names = []
    for package in ("python-calamine", "openpyxl"):
        found = _installed_version(package)
        names.append(f"{package} {found}" if found else package)
    return "; ".join(names)


def _installed_version(package: str) -> str | None:
    """The version of `package` as installed, from the name of its NAME-VERSION.dist-info folder beside the
    module, as pip installs it: importlib.metadata's answer, without its parsing of the metadata (0.03 s of every
    run); importlib.metadata's own where there is no such folder. None when it is not installed."""
    import importlib.util

    module = package.replace("-", "_")
    try:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            folder = Path(spec.origin).parent.parent if spec.submodule_search_locations else Path(spec.origin).parent
            prefix = module.lower() + "-"
            found = [name for name in os.listdir(folder)
                     if name.lower().startswith(prefix) and name.endswith(".dist-info")]
            if len(found) == 1:
                return found[0][len(prefix):-len(".dist-info")]
    except (ImportError, OSError, ValueError):
        pass
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def cache_folder(settings, data_dir: Path, out_dir: Path | None, school: str | None = None) -> Path | None:
    """Where the cache lives: `[paths] cache` (a relative path is taken from the folder that holds the school
    folder, as [paths] out is: never the working folder, which is C:\\Windows\\System32 for a scheduled task) or
    OUT/.cache (OUT/.cache/<school> for a school of a trust run: each school's run drops the entries it did not
    use, so schools never share one); None (no cache) when neither is given or the default would fall inside the
    school folder."""
    configured = settings.options.get(("paths", "cache")) if settings is not None else None
    if configured:
        path = Path(str(configured)).expanduser()
        return path if path.is_absolute() else Path(os.path.abspath(data_dir)).parent / path
    if out_dir is None:
        return None
    folder = Path(out_dir) / FOLDER
    if school:
        folder = folder / school
    if _inside(folder, Path(data_dir)):
        return None      # contract §1: nothing is written inside the school folder unless configured
    return folder


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


# --- the stored form of a grid -------------------------------------------------------------------
# JSON keeps text, numbers (1.0 stays a float, 1 an int) and TRUE/FALSE as they are. A date, time or
# duration becomes an object with one key, TAG, naming its type: no cell is ever an object otherwise.

TAG = "\u0000"
_TYPES = {dt.datetime: "dt", dt.date: "d", dt.time: "t"}


def _tag(value):
    kind = _TYPES.get(type(value))
    if kind is not None:
        return {TAG: [kind, value.isoformat()]}
    if type(value) is dt.timedelta:
        return {TAG: ["td", value.days, value.seconds, value.microseconds]}
    raise TypeError(f"a cell of type {type(value).__name__} is not stored")   # the file is then not cached


def _untag(obj: dict):
    if TAG not in obj:
        return obj
    if len(obj) != 1:
        raise ValueError("a damaged tag")
    kind, *parts = obj[TAG]
    if kind == "d":
        return dt.date.fromisoformat(parts[0])
    if kind == "dt":
        return dt.datetime.fromisoformat(parts[0])
    if kind == "t":
        return dt.time.fromisoformat(parts[0])
    if kind == "td":
        return dt.timedelta(days=parts[0], seconds=parts[1], microseconds=parts[2])
    raise ValueError(f"unknown tag {kind!r}")


def encode(sheet_names: list[str], grids: dict, modified: dt.datetime | None, formulas: dict | None = None) -> bytes:
    """The stored bytes of one workbook's reading; `formulas` maps a sheet to its formula cells, (row, col)
    from 0. Raises TypeError for a cell it cannot store."""
    cells = {sheet: sorted([r, c] for r, c in found) for sheet, found in sorted((formulas or {}).items())}
    body = {"sheets": list(sheet_names), "grids": grids, "modified": modified, "formulas": cells}
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_tag, check_circular=False)
    return zlib.compress(text.encode("utf-8"), 1)


def decode(blob: bytes) -> tuple[list[str], dict, dt.datetime | None, dict]:
    """(sheet names, grids, saved time, formula cells by sheet) from stored bytes; raises ValueError (or
    zlib.error) if damaged."""
    body = json.loads(zlib.decompress(blob).decode("utf-8"), object_hook=_untag)
    if type(body) is not dict or set(body) != {"sheets", "grids", "modified", "formulas"}:
        raise ValueError("not an entry")
    sheets, grids, modified = body["sheets"], body["grids"], body["modified"]
    formulas = _formulas(body["formulas"], sheets)
    if type(sheets) is not list or not all(type(s) is str for s in sheets):
        raise ValueError("the sheet names are damaged")
    if type(grids) is not dict or not set(grids) <= set(sheets):
        raise ValueError("the grids are damaged")
    for grid in grids.values():
        if grid is not None and (type(grid) is not list or not all(type(row) is list for row in grid)):
            raise ValueError("a grid is damaged")
    if modified is not None and type(modified) is not dt.datetime:
        raise ValueError("the saved time is damaged")
    return sheets, grids, modified, formulas


def _formulas(stored, sheets: list[str]) -> dict:
    if type(stored) is not dict or not set(stored) <= set(sheets):
        raise ValueError("the formula cells are damaged")
    out = {}
    for sheet, cells in stored.items():
        if type(cells) is not list or not all(type(rc) is list and len(rc) == 2 and all(type(n) is int and n >= 0 for n in rc)
                                              for rc in cells):
            raise ValueError("the formula cells are damaged")
        out[sheet] = frozenset((r, c) for r, c in cells)
    return out


# --- the SQLite file -----------------------------------------------------------------------------

class ReturnsCache:
    """The cache file of one run. `get` and `put` never raise: a damaged file is rebuilt, and a cache that
    cannot be written is turned off for the rest of the run; each says so once on the console. Nothing is
    created until there is something to store (a school without returns gets no cache)."""

    def __init__(self, folder: Path, notice=None):
        self.folder = Path(folder)
        self.path = self.folder / FILENAME
        self.notice = notice or _print_notice
        self.used: set[str] = set()
        self.hits = self.misses = 0
        self._read: dict[str, bytes] = {}     # entries read this run, put back if the file is rebuilt
        self.checked_used: set[tuple[str, str]] = set()         # (path, hash) of the checked results used
        self._checked_read: dict[tuple[str, str], bytes] = {}
        self._checked_stored: dict[tuple[str, str], bytes] | None = None   # every stored one, read at once
        self.copies_used: set[str] = set()
        self._copies_read: dict[str, tuple[str, bytes]] = {}
        self._registers_read: tuple[str, bytes] | None = None
        self._code: str | None = None
        self._db: sqlite3.Connection | None = None
        self._off_reason: str | None = None
        self._parser = _parser()

    @property
    def enabled(self) -> bool:
        """False once the cache has been turned off for this run."""
        return self._off_reason is None

    def _ready(self, create: bool) -> bool:
        """Open the file (creating it only if `create`); whether it can be used."""
        if self._db is not None:
            return True
        if self._off_reason is not None or (not create and not self.path.exists()):
            return False
        self._open()
        return self._db is not None

    # opening, checking and rebuilding

    def _open(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._off(f"its folder cannot be created ({exc.strerror or exc})")
            return
        problem = None
        if self.path.exists():
            try:
                self._db = self._connect()
                problem = self._check()
            except sqlite3.Error as exc:
                problem = f"it is damaged or not a cache file ({exc})"
            if problem is None:
                self._same_checks()
                return
            self._rebuild(problem)
            return
        try:
            self._db = self._connect()
            self._create()
        except sqlite3.Error as exc:
            self._off(f"it cannot be created ({exc})")

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA synchronous=OFF")   # a cache: a crash at worst loses or damages it, and then it is rebuilt
        return db

    def _create(self) -> None:
        self._db.executescript(
            "BEGIN;"
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "CREATE TABLE entries (digest TEXT PRIMARY KEY, payload BLOB NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE checked (path TEXT NOT NULL, digest TEXT NOT NULL, payload BLOB NOT NULL,"
            " PRIMARY KEY (path, digest)) WITHOUT ROWID;"
            "CREATE TABLE copies (key TEXT PRIMARY KEY, week TEXT NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE registers (key TEXT PRIMARY KEY, payload BLOB NOT NULL) WITHOUT ROWID;"
            "COMMIT;")
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", [("version", VERSION), ("parser", self._parser),
                                                                ("checks", self._checks())])

    def _checks(self) -> str:
        """The fingerprint of the program's checks (pipeline.read.checked.code_fingerprint), worked out once."""
        if self._code is None:
            from .checked import code_fingerprint
            self._code = code_fingerprint()
        return self._code

    def _same_checks(self) -> None:
        """Drop every checked result, annotated copy and the registers when the program's code has changed since
        they were stored (the grids stay: they are what the workbooks hold, whatever checks them)."""
        stored = self._db.execute("SELECT value FROM meta WHERE key = 'checks'").fetchone()
        if stored is not None and stored[0] == self._checks():
            return
        try:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM checked")
            self._db.execute("DELETE FROM copies")
            self._db.execute("DELETE FROM registers")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('checks', ?)", (self._checks(),))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rebuild(f"it cannot be written ({exc})")

    def _check(self) -> str | None:
        """None if the file is a cache of this version; else what is wrong with it."""
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "entries", "checked", "copies", "registers"} <= tables:
            return "it is not a cache of this program"
        meta = dict(self._db.execute("SELECT key, value FROM meta"))
        if meta.get("version") != VERSION or meta.get("parser") != self._parser:
            return f"it was written by another version (cache {meta.get('version')}, {meta.get('parser')})"
        self._db.execute("SELECT count(*) FROM entries").fetchone()
        self._db.execute("SELECT count(*) FROM checked").fetchone()
        self._db.execute("SELECT count(*) FROM copies").fetchone()
        self._db.execute("SELECT count(*) FROM registers").fetchone()
        return None

    def _rebuild(self, problem: str) -> None:
        self._close()
        self.notice(f"The returns cache {self.path} could not be used ({problem}); it has been rebuilt.")
        try:
            for suffix in ("", "-journal", "-wal", "-shm"):
                p = Path(str(self.path) + suffix)
                if p.exists():
                    p.unlink()
            self._db = self._connect()
            self._create()
            self._db.execute("BEGIN")   # what was read so far came out whole (zlib's checksum) and was used already
            self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", self._read.items())
            self._db.executemany("INSERT OR REPLACE INTO checked VALUES (?, ?, ?)",
                                 [(p, d, b) for (p, d), b in self._checked_read.items()])
            self._db.executemany("INSERT OR REPLACE INTO copies VALUES (?, ?, ?)",
                                 [(k, w, d) for k, (w, d) in self._copies_read.items()])
            if self._registers_read:
                self._db.execute("INSERT OR REPLACE INTO registers VALUES (?, ?)", self._registers_read)
        except (OSError, sqlite3.Error) as exc:
            self._close()
            self._off(f"it cannot be rebuilt ({getattr(exc, 'strerror', None) or exc})")

    def _off(self, problem: str) -> None:
        self._close()
        self._off_reason = problem
        self.notice(f"The returns cache {self.path} is not used ({problem}); every return is read in full.")

    def _close(self) -> None:
        self._checked_stored = None       # read again from the file if it is rebuilt
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
        self._db = None

    # entries

    def _row(self, sql: str, params: tuple) -> tuple | None:
        """The stored row the query finds, or None (none, or the file is damaged: then it is rebuilt)."""
        try:
            return self._db.execute(sql, params).fetchone()
        except sqlite3.Error as exc:
            self._rebuild(f"it is damaged ({exc})")
            return None

    def _payload(self, sql: str, params: tuple) -> bytes | None:
        """The stored payload the query finds (_row's first column), or None."""
        row = self._row(sql, params)
        return None if row is None else row[0]

    def _trusted(self, read, payload: bytes):
        """`read(payload)`, or None when the entry cannot be read: a damaged entry, so nothing in the file is
        trusted and it is rebuilt."""
        try:
            return read(payload)
        except Exception as exc:  # noqa: BLE001 - a damaged entry: trust nothing in the file
            self._rebuild(f"an entry cannot be read ({type(exc).__name__})")
            return None

    def _store(self, sql: str, params: tuple) -> bool:
        """Run one INSERT inside the run's transaction; False (and the cache off for the run) when it cannot."""
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            self._db.execute(sql, params)
        except sqlite3.Error as exc:
            self._off(f"it cannot be written ({exc})")
            return False
        return True

    def get(self, key: str):
        """(sheet names, grids, saved time, formula cells by sheet) stored for this hash, or None."""
        if not self._ready(create=False):
            self.misses += 1
            return None
        payload = self._payload("SELECT payload FROM entries WHERE digest = ?", (key,))
        if payload is None:
            self.misses += 1
            return None
        entry = self._trusted(decode, payload)
        if entry is None:
            return None
        self.used.add(key)
        self._read[key] = payload
        self.hits += 1
        return entry

    def put(self, key: str, sheet_names: list[str], grids: dict, modified: dt.datetime | None,
            formulas: dict | None = None) -> None:
        if not self._ready(create=True):
            return
        try:
            blob = encode(sheet_names, grids, modified, formulas)
        except (TypeError, ValueError):
            return     # a cell of a kind the cache does not store: the file is read in full each time
        if not self._store("INSERT OR REPLACE INTO entries VALUES (?, ?)", (key, blob)):
            return
        self.used.add(key)
        self._read[key] = blob

    def digests(self) -> set[str]:
        """The content hashes of every file whose grids are stored (empty when there is no cache yet)."""
        if not self._ready(create=False):
            return set()
        try:
            return {k for (k,) in self._db.execute("SELECT digest FROM entries")}
        except sqlite3.Error:
            return set()     # get() says the file is damaged, and rebuilds it

    def keep(self, key: str) -> None:
        """Keep the grids stored for this hash past finish() without reading them (a checked result of the
        same file was used: the grids are wanted again when the registers change)."""
        self.used.add(key)

    def get_checked(self, rel: str, key: str, use) -> object | None:
        """`use(payload)` of the checked result stored for the file `rel` with this hash, or None when there is
        none or `use` gives None (the registers answer otherwise now). `use` raises on a damaged entry: the
        file is then rebuilt."""
        if not self._ready(create=False):
            return None
        payload = self._all_checked().get((rel, key))
        if payload is None:
            return None
        result = self._trusted(use, payload)
        if result is not None:
            self.checked_used.add((rel, key))
            self._checked_read[(rel, key)] = payload
        return result

    def _all_checked(self) -> dict[tuple[str, str], bytes]:
        """Every stored checked result, (path, hash) -> payload, read with one query when first wanted: a
        warm run looks up thousands, one query each cost more than reading them all (a damaged file is
        rebuilt, and then holds only the results used so far)."""
        if self._checked_stored is None:
            try:
                stored = {(p, d): b for p, d, b in self._db.execute("SELECT path, digest, payload FROM checked")}
            except sqlite3.Error as exc:
                self._rebuild(f"it is damaged ({exc})")
                return {}
            self._checked_stored = stored
        return self._checked_stored

    def put_checked(self, rel: str, key: str, blob: bytes) -> None:
        if not self._ready(create=True):
            return
        if not self._store("INSERT OR REPLACE INTO checked VALUES (?, ?, ?)", (rel, key, blob)):
            return
        self.checked_used.add((rel, key))
        self._checked_read[(rel, key)] = blob
        if self._checked_stored is not None:
            self._checked_stored[(rel, key)] = blob

    # the registers (pipeline.read.registers)

    def get_registers(self, key: str):
        """What reading the registers gave when their files' hash was `key` (as put_registers was given it), or
        None."""
        if not self._ready(create=False):
            return None
        payload = self._payload("SELECT payload FROM registers WHERE key = ?", (key,))
        if payload is None:
            return None
        value = self._trusted(_unpickled, payload)
        if value is not None:
            self._registers_read = (key, payload)
        return value

    def put_registers(self, key: str, value) -> None:
        """Keep `value` (records, dates, and the plain types that hold them) as what the registers of hash `key`
        gave, in place of any kept before."""
        if not self._ready(create=True):
            return
        try:
            payload = zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
            return      # something a pickle cannot hold: the registers are read each time
        if self._store("DELETE FROM registers", ()) and self._store("INSERT INTO registers VALUES (?, ?)", (key, payload)):
            self._registers_read = (key, payload)

    # annotated copies (pipeline.annotate)

    def get_copy(self, key: str) -> tuple[str, bytes] | None:
        """(the week it was made for, its bytes) of the annotated copy stored under `key`, or None."""
        if not self._ready(create=False):
            return None
        row = self._row("SELECT week, data FROM copies WHERE key = ?", (key,))
        if row is None:
            return None
        week, data = row
        self.copies_used.add(key)
        self._copies_read[key] = (week, data)
        return week, data

    def put_copy(self, key: str, week: str, data: bytes) -> None:
        if not self._ready(create=True):
            return
        if self._store("INSERT OR REPLACE INTO copies VALUES (?, ?, ?)", (key, week, data)):
            self.copies_used.add(key)
            self._copies_read[key] = (week, data)

    def finish_copies(self) -> None:
        """Drop the annotated copies this run did not use, save, and close."""
        self._finish(("copies", "key", {(k,) for k in self.copies_used}))

    def finish(self) -> None:
        """Drop the entries this run did not use (files deleted or changed since), save, and close."""
        self._finish(("entries", "digest", {(k,) for k in self.used}), ("checked", "path, digest", self.checked_used))

    def _finish(self, *tables: tuple[str, str, set]) -> None:
        """For each (table, its key columns, the keys this run used, as tuples): drop the rows of the others;
        then save and close."""
        if not self._ready(create=False):
            return
        try:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")
            for table, columns, used in tables:
                stale = [k for k in self._db.execute(f"SELECT {columns} FROM {table}") if k not in used]
                where = " AND ".join(f"{column} = ?" for column in columns.split(", "))
                self._db.executemany(f"DELETE FROM {table} WHERE {where}", stale)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._off(f"it cannot be written ({exc})")
            return
        self._close()

    def close(self) -> None:
        """Save what was stored so far and close (finish() also drops entries not used)."""
        if self._db is not None:
            try:
                if self._db.in_transaction:
                    self._db.execute("COMMIT")
            except sqlite3.Error:
                pass
        self._close()


class _RecordsOnly(pickle.Unpickler):
    """An unpickler that makes nothing but the program's records and dates (pickle's 'restricting globals'):
    a stored entry that names any other class or function raises UnpicklingError, and is never loaded."""

    def find_class(self, module: str, name: str):
        if (module, name) not in _allowed():
            raise pickle.UnpicklingError(f"{module}.{name} is not one of the program's records")
        return super().find_class(module, name)


@functools.cache
def _allowed() -> frozenset[tuple[str, str]]:
    from ..findings import Finding
    from ..records import Exclusion, Placement, Provider, ReviewEvent, RowCells, Source

    kinds = (dt.date, dt.time, dt.datetime, dt.timedelta, Finding, Exclusion, Placement, Provider, ReviewEvent,
             RowCells, Source)
    return frozenset((kind.__module__, kind.__qualname__) for kind in kinds)


def _unpickled(payload: bytes):
    return _RecordsOnly(io.BytesIO(zlib.decompress(payload))).load()


def _print_notice(line: str) -> None:
    print(f"Note: {line}", file=sys.stderr)


def open_cache(settings, data_dir: Path, out_dir: Path | None, notice=None,
               school: str | None = None) -> ReturnsCache | None:
    """The run's cache, or None when there is to be none (see cache_folder)."""
    folder = cache_folder(settings, data_dir, out_dir, school)
    return ReturnsCache(folder, notice) if folder is not None else None


@contextlib.contextmanager
def returns_cache(settings, data_dir: Path, out_dir: Path | None, enabled: bool = True, notice=None,
                  school: str | None = None):
    """`with returns_cache(...) as cache: read_returns(..., cache=cache)`: the run's cache (None when
    there is none), closed whatever happens; read_returns finishes it when it has read every file."""
    cache = open_cache(settings, data_dir, out_dir, notice, school) if enabled else None
    try:
        yield cache
    finally:
        if cache is not None:
            cache.close()
