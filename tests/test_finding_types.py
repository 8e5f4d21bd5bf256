"""The finding catalogue (pipeline/finding_types.py) is complete and exact: every finding the code raises is
declared with the severity it is raised with, every declared code is still raised, and Findings.add refuses
anything else."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import schema
from pipeline.finding_types import ERROR, FINDING_TYPES, GROUPS, INFO, SEVERITIES, WARNING, finding_type
from pipeline.findings import Finding, Findings
from pipeline.read.cells import parse_cell

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "pipeline"

# A call that makes a finding: findings.error/.warning/.add(...), _reject(...), Unreadable(...). _reject makes
# an error finding, of its own rule or of an Unreadable's; findings.add is given its severity (None: unknown).
CALL = re.compile(r"(?:\bfindings\.(error|warning|add)|\b_reject|\bUnreadable)\(")
CALL_SEVERITY = {"error": ERROR, "warning": WARNING, "add": None, None: ERROR}
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


def codes_in_code() -> dict[tuple[str, str | None], list[str]]:
    """(code, severity) -> the files that raise it, found by scanning pipeline/ for finding calls. The
    severity is None where the call is given it in a variable (findings.add)."""
    found: dict[tuple[str, str | None], list[str]] = {}
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
                codes = [f"bad-{kind}" for kind in sorted(_failing_kinds())]
            else:
                codes = [rule]
            for code in codes:
                found.setdefault((code, CALL_SEVERITY[m.group(1)]), []).append(path.relative_to(ROOT).as_posix())
    return found


def test_the_scan_finds_the_finding_calls():
    """A guard on the scanner itself: rules raised in each kind of place are found, with their severity."""
    found = codes_in_code()
    for (code, severity), where in {("blank-session", ERROR): "pipeline/sessions.py",
                                    ("no-week", ERROR): "pipeline/read/returns.py",
                                    ("xls-file", ERROR): "pipeline/read/workbook.py",
                                    ("bad-upn", ERROR): "pipeline/read/registers.py",
                                    ("register-bad-row", ERROR): "pipeline/read/register_export.py",
                                    ("letter-template", ERROR): "pipeline/letters.py",
                                    ("letter-missing-fact", WARNING): "pipeline/letters.py",
                                    ("no-contact-email", WARNING): "pipeline/core.py",
                                    ("bad-date", ERROR): "pipeline/read/table.py",
                                    ("too-many-findings", None): "pipeline/findings_cap.py"}.items():
        assert where in found.get((code, severity), []), (code, severity, where)
    codes = {code for code, _ in found}
    assert {"bad-text", "bad-id", "bad-code", "bad-upn"} & {c for c in codes if c.startswith("bad-")} == {"bad-upn"}
    assert len(codes) >= 40


def test_every_code_in_the_code_is_declared():
    missing = sorted({code for code, _ in codes_in_code()} - set(FINDING_TYPES))
    assert not missing, (f"finding codes not in the catalogue: {missing}. Declare each in pipeline/finding_types.py, "
                         "then run `python -m tools.troubleshooting`")


def test_every_declared_code_is_still_in_the_code():
    stale = sorted(set(FINDING_TYPES) - {code for code, _ in codes_in_code()})
    assert not stale, (f"declared finding codes no longer raised anywhere in pipeline/: {stale}. Remove them from "
                       "pipeline/finding_types.py, then run `python -m tools.troubleshooting`")


@pytest.mark.parametrize("code", sorted(FINDING_TYPES))
def test_each_type_declares_exactly_the_severities_it_is_raised_with(code):
    """So Findings.add never refuses a finding the inputs cause, and the catalogue claims no severity the code
    never gives. A code raised with a severity in a variable (too-many-findings) is checked below."""
    raised = {severity for c, severity in codes_in_code() if c == code}
    if None in raised:
        assert raised - {None} <= set(FINDING_TYPES[code].severities)
    else:
        assert set(FINDING_TYPES[code].severities) == raised


def test_the_count_of_findings_not_listed_may_have_any_severity():
    """cap_per_file gives too-many-findings the worst severity among the findings it counts: any a type has."""
    assert FINDING_TYPES["too-many-findings"].severities == (ERROR, WARNING, INFO)
    assert {s for t in FINDING_TYPES.values() for s in t.severities} <= set(SEVERITIES)


def test_findings_add_refuses_an_undeclared_code():
    found = Findings()
    with pytest.raises(ValueError, match=r"finding code 'no-such-rule' is not declared in pipeline/finding_types\.py"):
        found.error("placements.xlsx", "Placements", "K7", "no-such-rule", "x", "Start date in cell K7 is not a date.")
    with pytest.raises(ValueError, match="'Bad-Date' is not declared"):       # codes are exact: no folding
        found.add("placements.xlsx", "Placements", "K7", "Bad-Date", ERROR, "x", "Start date in cell K7 is not a date.")
    assert found == []


def test_findings_add_refuses_a_severity_the_type_does_not_allow():
    found = Findings()
    with pytest.raises(ValueError, match="'legacy-code' is declared as warning, not 'error'"):
        found.error("returns/r.xlsx", "Attendance", "E5", "legacy-code", "B", "B is a pre-2024 code.")
    with pytest.raises(ValueError, match="'blank-session' is declared as error, not 'warning'"):
        found.warning("returns/r.xlsx", "Attendance", "E5", "blank-session", None, "The session is blank.")
    with pytest.raises(ValueError, match="'letter-missing-fact' is declared as error or warning, not 'info'"):
        found.add("placements.xlsx", "Placements", "K7", "letter-missing-fact", INFO, None, "No start time.")
    assert found == []


def test_findings_add_takes_each_declared_severity():
    found = Findings()
    found.error("school.toml", None, None, "letter-missing-fact", None, "The school's address is blank.")
    found.warning("placements.xlsx", "Placements", "K7", "letter-missing-fact", None, "No start time.")
    found.add("returns/r.xlsx", None, None, "too-many-findings", INFO, "3", "3 more findings are not listed.")
    assert [(f.rule, f.severity) for f in found] == [("letter-missing-fact", ERROR), ("letter-missing-fact", WARNING),
                                                    ("too-many-findings", INFO)]
    assert found[0] == Finding("school.toml", None, None, "letter-missing-fact", ERROR, None,
                               "The school's address is blank.")


def test_finding_type_gives_the_declaration():
    declared = finding_type("x-age-unknown", WARNING)
    assert (declared.code, declared.severities, declared.title) == ("x-age-unknown", (WARNING,), "X without a date of birth")
    assert declared.group.title == "The attendance returns: returns/"


@pytest.mark.parametrize("declared", FINDING_TYPES.values(), ids=lambda t: t.code)
def test_each_type_has_a_code_title_cause_and_fix(declared):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", declared.code)
    assert 0 < len(declared.title) <= 40 and declared.title[0].isupper() and not declared.title.endswith(".")
    assert len(declared.cause) > 30 and declared.cause.endswith(".")
    assert len(declared.fix) > 15 and declared.fix.endswith(".")
    assert declared.group in GROUPS


def test_titles_are_unique_and_every_group_but_settings_has_types():
    titles = [t.title for t in FINDING_TYPES.values()]
    assert len(set(titles)) == len(titles)
    empty = [g.title for g in GROUPS if not any(t.group == g for t in FINDING_TYPES.values())]
    assert empty == ["Settings: school.toml"]
