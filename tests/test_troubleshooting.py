"""docs/troubleshooting.md: generated from FINDING_RULES, committed, up to date, and complete:
every finding rule id the code raises is documented, and every documented id is still raised."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import schema, troubleshooting
from pipeline.read.cells import parse_cell

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "troubleshooting.md"
SOURCE = ROOT / "pipeline"

# A call that makes a finding: findings.error/.warning/.add(...), _reject(...), Unreadable(...).
CALL = re.compile(r"(?:\bfindings\.(?:error|warning|add)|\b_reject|\bUnreadable)\(")
# The rule id among its arguments: a string literal of lower-case words joined by hyphens
# ("blank-session"), or an f-string with a placeholder ("bad-{column.kind}"). File names
# ("providers.xlsx") and messages (spaces, capitals) never match.
RULE_LITERAL = re.compile(r'f?"((?:[a-z0-9]+|\{[\w.]+\})(?:-(?:[a-z0-9]+|\{[\w.]+\}))+)"')
# Calls that pass on a rule held in a variable; the rules themselves are literals scanned elsewhere:
# _reject(findings, rel, book.rule, ...) passes an Unreadable's rule (the Unreadable(...) calls), and
# _reject's own body passes the rule its callers gave (the _reject(...) calls).
VARIABLE_RULES = ("_reject(findings, rel, book.rule,", "findings.error(rel, None, None, rule,")


def _arguments(text: str, start: int) -> str:
    """The text between the call's '(' at text[start - 1] and its closing ')', skipping strings."""
    depth, i, quote = 1, start, None
    while i < len(text) and depth:
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        i += 1
    return text[start:i - 1]


def _failing_kinds() -> set[str]:
    """The schema kinds whose cells can be unreadable: read_table raises f"bad-{column.kind}" for them."""
    columns = [c for book in schema.WORKBOOKS for sheet in book.sheets for c in sheet.columns]
    return {c.kind for c in columns if parse_cell(c, "?? not a value ??")[1]}


def rule_ids_in_code() -> dict[str, list[str]]:
    """rule id -> the files that raise it, found by scanning pipeline/ for finding calls."""
    found: dict[str, list[str]] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for m in CALL.finditer(text):
            if text[m.start() - 4:m.start()] == "def " or text[m.start() - 6:m.start()] == "class ":
                continue
            args = _arguments(text, m.end())
            literal = RULE_LITERAL.search(args)
            if literal is None:
                call = re.sub(r"\s+", " ", text[m.start():m.end()] + args)
                assert any(call.startswith(v) for v in VARIABLE_RULES), (
                    f"{path.relative_to(ROOT)}: cannot find the rule id in {call[:80]!r}; pass it as a string literal")
                continue
            rule = literal.group(1)
            if "{" in rule:
                assert rule == "bad-{column.kind}", f"{path.relative_to(ROOT)}: a rule id template {rule!r} this test cannot expand"
                ids = [f"bad-{kind}" for kind in sorted(_failing_kinds())]
            else:
                ids = [rule]
            for rule_id in ids:
                found.setdefault(rule_id, []).append(path.relative_to(ROOT).as_posix())
    return found


def test_troubleshooting_page_is_up_to_date():
    assert PAGE.is_file(), "docs/troubleshooting.md is missing: run `python -m pipeline.troubleshooting`"
    assert PAGE.read_text(encoding="utf-8") == troubleshooting.troubleshooting_markdown(), (
        "docs/troubleshooting.md is out of date: run `python -m pipeline.troubleshooting`")


def test_the_scan_finds_the_finding_calls():
    """A guard on the scanner itself: rules raised in each kind of place are found."""
    found = rule_ids_in_code()
    for rule, where in {"blank-session": "pipeline/sessions.py", "no-week": "pipeline/read/returns.py",
                        "xls-file": "pipeline/read/workbook.py", "bad-upn": "pipeline/read/registers.py",
                        "register-bad-row": "pipeline/read/register_export.py", "letter-template": "pipeline/letters.py",
                        "no-contact-email": "pipeline/core.py", "bad-date": "pipeline/read/table.py"}.items():
        assert where in found.get(rule, []), (rule, where)
    assert {"bad-text", "bad-id", "bad-code", "bad-upn"} & {r for r in found if r.startswith("bad-")} == {"bad-upn"}
    assert len(found) >= 40


def test_every_rule_in_the_code_is_documented():
    missing = sorted(set(rule_ids_in_code()) - set(troubleshooting.FINDING_RULES))
    assert not missing, (f"finding rules without a troubleshooting entry: {missing}. Add each to FINDING_RULES and "
                         "GROUPS in pipeline/troubleshooting.py, then run `python -m pipeline.troubleshooting`")


def test_every_documented_rule_is_still_in_the_code():
    stale = sorted(set(troubleshooting.FINDING_RULES) - set(rule_ids_in_code()))
    assert not stale, (f"documented rules no longer raised anywhere in pipeline/: {stale}. Remove them from "
                       "pipeline/troubleshooting.py, then run `python -m pipeline.troubleshooting`")


def test_every_rule_is_in_exactly_one_section():
    placed = [rule for _, _, ids in troubleshooting.GROUPS for rule in ids]
    assert sorted(placed) == sorted(troubleshooting.FINDING_RULES), "each rule id belongs in exactly one of GROUPS"
    titles = [title for title, _, _ in troubleshooting.GROUPS]
    for word in ("registers", "returns", "register export", "Letters", "Settings"):
        assert any(word in t for t in titles), word


@pytest.mark.parametrize("rule", sorted(troubleshooting.FINDING_RULES))
def test_each_rule_has_a_cause_and_a_fix_on_the_page(rule):
    cause, fix = troubleshooting.FINDING_RULES[rule]
    assert len(cause) > 30 and len(fix) > 15 and cause.endswith(".") and fix.endswith("."), rule
    row = next((line for line in troubleshooting.troubleshooting_markdown().splitlines()
                if line.startswith(f"| `{rule}` |")), None)
    assert row is not None, f"{rule} is not in docs/troubleshooting.md: run `python -m pipeline.troubleshooting`"
    assert troubleshooting._cell(cause) in row and troubleshooting._cell(fix) in row


def test_page_explains_the_annotated_copies_and_how_to_fix():
    page = troubleshooting.troubleshooting_markdown()
    assert "python -m pipeline.troubleshooting" in page.splitlines()[2]
    assert "annotated/" in page and "for reading only" in page and "original" in page
    for title, _, _ in troubleshooting.GROUPS:
        assert f"## {title}" in page and f"(#{troubleshooting._anchor(title)})" in page


def test_main_writes_the_page(tmp_path, capsys):
    assert troubleshooting.main([str(tmp_path)]) == 0
    assert (tmp_path / "troubleshooting.md").read_text(encoding="utf-8") == troubleshooting.troubleshooting_markdown()
    assert troubleshooting.main(["--help"]) == 2
