"""Factories for the read tests that tests/factories.py does not cover: merged title cells,
returns with a `_meta` sheet, files that are not (readable) workbooks, and a folder's fingerprint."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import msoffcrypto.format.ooxml
import xlsxwriter

from pipeline import schema
from pipeline.output import XLSX_OPTIONS

from tests.factories import write_grid


def write_with_merges(path: Path, sheet: str, rows: list[list], merges: list[tuple[str, str]]) -> Path:
    """Like factories.write_grid for one sheet, plus merged cells: merges = [("A1:H1", "title text")].

    Dates are written as real Excel dates; None leaves a cell empty."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), XLSX_OPTIONS)
    wb.set_properties({"created": dt.datetime(2026, 1, 1)})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    title_fmt = wb.add_format({"bold": True, "align": "center"})
    ws = wb.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_fmt)
            elif isinstance(value, str):
                ws.write_string(r, c, value)
            else:
                ws.write(r, c, value)
    for cells, text in merges:
        ws.merge_range(cells, text, title_fmt)
    wb.close()
    return path


def return_grid(provider_id, week, rows: list[tuple]) -> list[list]:
    """The Attendance sheet of factories.write_return: labels in A1:B2, header on row 4, pupils from row 5."""
    grid = [["Provider ID", provider_id], ["Week commencing", week], [],
            [c.header for c in schema.ATTENDANCE.columns]]
    for pid, marks in rows:
        grid.append([pid, "B801200005001", "Test Pupil", *marks, None])
    return grid


def write_return_with_meta(path: Path, provider_id, week, rows: list[tuple], meta: dict) -> Path:
    """A return with the hidden-sheet facts the pipeline writes: meta = {"provider_id": .., "week_commencing": ..}."""
    meta_rows = [[key, value] for key, value in {"template_version": "1", **meta}.items()]
    return write_grid(path, {"Attendance": return_grid(provider_id, week, rows), "_meta": meta_rows})


def core_modified(path: Path) -> str:
    """dcterms:modified as stored in the workbook's docProps/core.xml."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("docProps/core.xml").decode("utf-8")
    return re.search(r"<dcterms:modified[^>]*>([^<]+)<", xml).group(1)


def set_core_modified(path: Path, stamp: str) -> Path:
    """Rewrite dcterms:modified in place (as another client would save it, e.g. with a +01:00 offset)."""
    path = Path(path)
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]+(<)", rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            z.writestr(info, data)
    path.write_bytes(out.getvalue())
    return path


def encrypt_workbook(plain: Path, target: Path, password: str = "Secret-1") -> Path:
    """A password-protected copy of an xlsx, as Excel's File > Info > Protect Workbook makes it."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(plain, "rb") as src, open(target, "wb") as dst:
        msoffcrypto.format.ooxml.OOXMLFile(src).encrypt(password, dst)
    return target


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def write_ole(path: Path, stream_name: str) -> Path:
    """A hand-made OLE compound file: not a valid one, but enough for the byte sniffer, which only
    looks at the 8-byte magic and at the stream names (stored in UTF-16-LE in the directory)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(OLE_MAGIC + bytes(504) + stream_name.encode("utf-16-le") + bytes(64))
    return path


def folder_state(folder: Path) -> dict[str, tuple[str, int]]:
    """relative path -> (sha256 of the bytes, modification time in ns), for every file under folder."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}
