"""Golden outputs: the redesign of the core (issue 14) must not change what any report says.

The demo school and two small synthetic schools are run for two weeks each, and each gets its governor
pack. Every file written is turned into a canonical text (pipeline-independent: a workbook becomes its
sheets' names, states and cell values and number formats, read back with openpyxl; an e-mail its headers
but Date and Message-ID, and its parts; the rest is its own text) and its SHA-256 is compared with
tests/goldens.json. Canonical text, not raw bytes, so that a new xlsxwriter or zip level does not break the
goldens while any change to what a person reads does.

When a change to the outputs is intended, rewrite the goldens and say why in the commit:
    GOLDEN_UPDATE=1 .venv/bin/python -m pytest tests/test_goldens.py
On a failure the canonical texts are in test-artifacts/goldens/ to compare with those of the commit before.
"""
from __future__ import annotations

import datetime as dt
import email
import hashlib
import json
import os
import shutil
from email import policy
from pathlib import Path

import pytest

from pipeline.governors.run import run_governor_pack
from pipeline.run import run_week

ROOT = Path(__file__).resolve().parents[1]
GOLDENS = Path(__file__).with_name("goldens.json")
ARTIFACTS = ROOT / "test-artifacts" / "goldens"
# (name, how the folder is made, the weeks run, the governor pack's term and as-of)
SCHOOLS = {
    "demo": (None, [dt.date(2026, 11, 16), dt.date(2026, 11, 23)], ("Autumn 2026", dt.date(2026, 11, 27))),
    "synth-a": (["--placements", "14", "--providers", "4", "--weeks", "9", "--seed", "3"],
                [dt.date(2026, 10, 19), dt.date(2026, 11, 2)], ("Autumn 2026", dt.date(2026, 11, 6))),
    "synth-b": (["--placements", "24", "--providers", "6", "--weeks", "7", "--seed", "8"],
                [dt.date(2026, 10, 12), dt.date(2026, 10, 19)], ("Autumn 2026", dt.date(2026, 10, 23))),
}


def _school(tmp_path: Path, name: str) -> Path:
    args = SCHOOLS[name][0]
    folder = tmp_path / name
    if args is None:
        shutil.copytree(ROOT / "examples" / "demo_school", folder)
    else:
        from tools.synth import main as synth
        assert synth([*args, "--jobs", "1", str(folder)]) == 0
    return folder


def canonical(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _workbook_text(path)
    if suffix == ".eml":
        return _message_text(path)
    return path.read_text("utf-8")


def _workbook_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path)
    lines = []
    for ws in book.worksheets:
        lines.append(f"## {ws.title} [{ws.sheet_state}]")
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    fmt = "" if c.number_format == "General" else f"  ({c.number_format})"
                    lines.append(f"{c.coordinate}\t{c.value!r}{fmt}")
    return "\n".join(lines) + "\n"


def _message_text(path: Path) -> str:
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    lines = [f"{k}: {v}" for k, v in msg.items() if k not in ("Date", "Message-ID")]
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if name:
            payload = part.get_payload(decode=True)
            lines.append(f"-- attachment {name}: {len(payload)} bytes")
        else:
            lines.append(f"-- {part.get_content_type()}\n{part.get_content()}")
    return "\n".join(lines) + "\n"


def outputs(tmp_path: Path, name: str) -> dict[str, str]:
    folder = _school(tmp_path, name)
    out = tmp_path / f"{name}-out"
    _, weeks, (term, as_of) = SCHOOLS[name]
    for week in weeks:
        run_week(folder, out, week=week)
    run_governor_pack(folder, term, as_of, out)
    texts = {}
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out).as_posix()
        if path.is_file() and not rel.startswith(".") and "/." not in rel:
            texts[rel] = canonical(path)
    return texts


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("name", SCHOOLS)
def test_the_outputs_are_the_goldens(tmp_path, name):
    texts = outputs(tmp_path, name)
    got = {rel: digest(t) for rel, t in texts.items()}
    goldens = json.loads(GOLDENS.read_text("utf-8")) if GOLDENS.exists() else {}
    if os.environ.get("GOLDEN_UPDATE"):
        goldens[name] = got
        GOLDENS.write_text(json.dumps(goldens, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    differ = sorted(rel for rel in got.keys() | goldens.get(name, {}).keys()
                    if got.get(rel) != goldens.get(name, {}).get(rel))
    if differ:
        keep = ARTIFACTS / name
        shutil.rmtree(keep, ignore_errors=True)
        for rel, text in texts.items():
            (keep / rel).parent.mkdir(parents=True, exist_ok=True)
            (keep / (rel + ".txt")).write_text(text, encoding="utf-8")
    assert differ == [], f"outputs that changed (canonical texts in {ARTIFACTS / name})"


def test_canonical_text_catches_a_changed_cell(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active["B2"] = 96.3
    book.save(tmp_path / "a.xlsx")
    before = digest(canonical(tmp_path / "a.xlsx"))
    book.active["B2"] = 96.4
    book.save(tmp_path / "a.xlsx")
    assert digest(canonical(tmp_path / "a.xlsx")) != before
