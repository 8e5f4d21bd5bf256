"""Annotated copies kept from an earlier run, so that a weekly run makes again only the copies whose workbook or
findings have changed (openpyxl's load and save cost about 15 ms a copy, most of a warm run's writing).

A copy is made from the workbook's bytes, its path in the school folder and its findings, by the program's
code (the cache drops every copy when that changes, pipeline.read.cache) and stamped with the week it was made
for: that week is written only as the workbook's created and modified time (docProps/core.xml), so a copy
kept from another week is the same copy with those two times put right. `copy_key` is the hash of what a copy
is made from; `restamped` gives the kept bytes for the week wanted, the same bytes as a copy made then, or
None when they cannot be read (a damaged entry: the copy is made again).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile

CORE = "docProps/core.xml"
# openpyxl writes each as <dcterms:created xsi:type="dcterms:W3CDTF">2027-07-19T00:00:00Z</dcterms:created>;
# text from the workbook is escaped there, so no `<dcterms:` can come from a cell or a property
_TIMES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def copy_key(original: bytes, rel: str, findings: list) -> str:
    """The hash of what the annotated copy of `rel` is made from: its bytes and its findings, in order."""
    h = hashlib.sha256(hashlib.sha256(original).digest())
    described = [rel] + [[f.severity, f.sheet, f.cell, f.rule, f.value, f.message] for f in findings]
    h.update(json.dumps(described, default=str, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def week_text(stamp: dt.datetime) -> str:
    return stamp.date().isoformat()


def restamped(data: bytes, made_for: str, stamp: dt.datetime) -> bytes | None:
    """The kept copy `data`, made for the week `made_for` (week_text), as made for `stamp`; None when it cannot
    be read whole (every entry is unzipped, so its checksums are checked)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        if made_for == week_text(stamp):
            return data if source.testzip() is None else None
        out = io.BytesIO()
        when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as copy:
            for info in source.infolist():
                body = source.read(info)
                if info.filename == CORE:
                    body = _TIMES.sub(lambda m: m.group(1) + when + m.group(3), body)
                copy.writestr(info, body)
        return out.getvalue()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError, TypeError):
        return None
