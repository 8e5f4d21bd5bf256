"""docs/rules.md: generated from the rule catalogue, committed, and up to date."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.rules import CATALOGUE, KNOWN_SETTINGS
from pipeline.settings import SETTINGS
from tools import docs

ROOT = Path(__file__).resolve().parent.parent
RULES_PAGE = ROOT / "docs" / "rules.md"


def test_rules_page_is_up_to_date():
    assert RULES_PAGE.is_file(), "docs/rules.md is missing: run `python -m tools.docs`"
    assert RULES_PAGE.read_text(encoding="utf-8") == docs.rules_markdown(), (
        "docs/rules.md is out of date: run `python -m tools.docs`")


@pytest.mark.parametrize("rule", CATALOGUE.values(), ids=lambda r: r.id)
def test_every_rule_is_on_the_page(rule):
    row = next((line for line in docs.rules_markdown().splitlines() if line.startswith(f"| `{rule.id}` |")), None)
    assert row is not None, f"{rule.id} is not in docs/rules.md: run `python -m tools.docs`"
    assert f"| {rule.section} | {rule.owner} |" in row
    assert docs._cell(rule.summary) in row


def test_page_gives_the_status_definitions_and_owners():
    page = docs.rules_markdown()
    assert "python -m tools.docs" in page.splitlines()[2]
    for status in ("**overdue**", "**due**", "**alert**"):
        assert status in page
    assert "on or before the as-of date" in page
    assert "Headteacher, AP lead, DSL, SENCO, Attendance lead, Assessment lead, Governing board, Local authority" in page


def test_rule_settings_are_real_settings_and_rules():
    keys = {f"`[{s.table}] {s.key}`" for s in SETTINGS}
    for setting in docs.RULE_SETTINGS:
        if setting.name.startswith("`[rules]"):
            assert setting.name in keys, setting.name
        assert setting.key == docs.SCHOOL_DAYS or setting.key in KNOWN_SETTINGS, setting.key
    rules_settings = {f"`[{s.table}] {s.key}`" for s in SETTINGS if s.table == "rules"}
    assert rules_settings <= {s.name for s in docs.RULE_SETTINGS}, "a [rules] setting is missing from RULE_SETTINGS"
    assert docs.settings_for("lead-visit") == ["`[rules] due_window_school_days`", "`[rules] visit_interval_school_days`",
                                               "`[[terms]]` and `[calendar] closures`"]
    assert docs.settings_for("work-set") == []
    assert docs.settings_for("below-target") == ["`[school] target_percent`", "`[[terms]]` and `[calendar] closures`"]
    assert [r.id for r in CATALOGUE.values() if r.counts_school_days and r.kind == "alert"] == ["below-target"]
    assert all(docs.WINDOW in r.settings for r in CATALOGUE.values() if r.kind == "deadline")


@pytest.mark.parametrize("rule", CATALOGUE.values(), ids=lambda r: r.id)
def test_kind_and_settings_on_the_page_are_the_rules_declarations(rule):
    """The page's kind and settings come from what each rule declares in its @rule (kind, settings)."""
    row = next(line for line in docs.rules_markdown().splitlines() if line.startswith(f"| `{rule.id}` |"))
    assert f"| {'alert' if rule.kind == 'alert' else 'overdue or due'} |" in row
    assert (rule.id in docs.ALERT_RULES) == (rule.kind == "alert")
    declared = {"`[{}] {}`".format(*setting.split(".")) for setting in rule.settings}
    named = {s for s in docs.settings_for(rule.id) if s.startswith("`[") and not s.startswith("`[[")}
    assert named == declared, f"{rule.id}: declare its settings in its @rule, or update docs.RULE_SETTINGS"


def test_reference_page_links_to_the_rules_page():
    assert "[rules.md](rules.md)" in docs.reference_markdown()


def test_main_writes_both_pages(tmp_path, capsys):
    assert docs.main([str(tmp_path)]) == 0
    assert (tmp_path / "rules.md").read_text(encoding="utf-8") == docs.rules_markdown()
    assert (tmp_path / "reference.md").read_text(encoding="utf-8") == docs.reference_markdown()
    assert docs.main([str(tmp_path / "other" / "reference.md")]) == 0        # the old form: a path to reference.md
    assert (tmp_path / "other" / "rules.md").is_file()
    assert docs.main(["--help"]) == 2
