"""The reference pages, generated so they cannot drift from the code:

- `docs/reference.md` from the schema, settings and register codes;
- `docs/rules.md` from the rule catalogue (pipeline.rules.CATALOGUE) and the settings that change the rules.

`python -m tools.docs [FOLDER]` rewrites both (default docs/). A developer's tool: it is not in the wheel.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline import codes, schema
from pipeline.output import write_text
from pipeline.rules import CATALOGUE, WINDOW
from pipeline.rules.obligations import ALERT
from pipeline.settings import SETTINGS
from pipeline.templates import header_row, toml_value

COMMAND = "python -m tools.docs"


def _cell(text) -> str:
    """Text made safe for a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{text}`"


def _table(headers: tuple[str, ...], rows) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _sheet_section(sheet: schema.Sheet) -> list[str]:
    need = "required" if sheet.required else "optional"
    lines = [f"#### Sheet {sheet.name} ({need})", "", sheet.help, ""]
    if sheet.labels:
        lines += ["Labels above the table, in column A with their values in column B:", ""]
        lines += _table(("cell", "label", "kind", "help"), (
            (f"A{r}/B{r}", lab.label, schema.KIND_HELP[lab.kind], lab.help)
            for r, lab in enumerate(sheet.labels, start=1)))
    lines += [f"The header row is row {header_row(sheet) + 1} of the blank template.", ""]
    lines += _table(("header", "kind", "required", "allowed values", "help"), (
        (c.header, schema.KIND_HELP[c.kind], "yes" if c.required else "",
         ", ".join(_code(v) for v in c.choices), c.help) for c in sheet.columns))
    return lines


def _workbooks() -> list[str]:
    lines = ["## Workbooks", ""]
    for book in schema.WORKBOOKS:
        lines += [f"### `{book.filename}`: {book.title}", ""]
        lines += [f"- {p}" for p in book.instructions] + [""]
        for sheet in book.sheets:
            lines += _sheet_section(sheet)
    return lines


def _settings() -> list[str]:
    lines = ["## `school.toml` settings", "",
             "Besides `[school]`, `[calendar]` and `[[terms]]`, every setting below has a default.", ""]
    return lines + _table(("key", "default", "meaning"), (
        (f"`[{s.table}] {s.key}`", "not set" if s.default is None else _code(toml_value(s.default)), s.help)
        for s in SETTINGS))


def _codes() -> list[str]:
    lines = ["## Register codes", "",
             "Attendance % = attended ÷ possible × 100; a session is possible unless its code counts as not possible.", ""]
    rows = [(_code(c), codes.MEANINGS.get(c, ""), codes.CATEGORY_LABELS[cat], "")
            for c, cat in codes.CODES.items()]
    rows += [(_code(c), "Pre-2024 code: do not use", codes.CATEGORY_LABELS[cat], "yes (warning)")
             for c, cat in codes.LEGACY.items()]
    rows.append((_code(codes.NOT_EXPECTED), "Session not expected (pre-filled in returns)", "not counted", ""))
    return lines + _table(("code", "meaning", "counts as", "legacy"), rows)


def _rules_link() -> list[str]:
    return ["## Rules (actions)", "",
            "The rules that produce the weekly report's actions, with their owners, statuses and the settings that "
            "change them, are listed in [rules.md](rules.md).", ""]


# --- docs/rules.md: the rule catalogue --------------------------------------------------------

# Rules that only ever raise an alert (no due date), so the due window does not apply to them.
ALERT_RULES = frozenset(r.id for r in CATALOGUE.values() if r.kind == ALERT)
KEY_WORDS = {"placement": "placement", "provider": "provider", "upn": "pupil (UPN)"}
SCHOOL_DAYS = "calendar"          # RuleSetting.key of the calendar: changes every rule that counts school days


@dataclass(frozen=True)
class RuleSetting:
    """A setting of school.toml, as rules declare it ("table.key", or SCHOOL_DAYS), and what it changes."""
    name: str
    default: str
    key: str
    effect: str

    def changes(self, rule) -> bool:
        return rule.counts_school_days if self.key == SCHOOL_DAYS else self.key in rule.settings

    def rules_text(self) -> str:
        """The rules it changes, for the page: a phrase for the settings every rule of a kind reads."""
        if self.key == SCHOOL_DAYS:
            return "every rule that counts school days"
        if self.key == WINDOW:
            return "every rule with a due date"
        return ", ".join(_code(r.id) for r in CATALOGUE.values() if self.changes(r))


def _default(table: str, key: str) -> str:
    value = next(s.default for s in SETTINGS if (s.table, s.key) == (table, key))
    return _code(toml_value(value))


RULE_SETTINGS: tuple[RuleSetting, ...] = (
    RuleSetting("`[rules] due_window_school_days`", _default("rules", "due_window_school_days"), "rules.due_window_school_days",
                "How far ahead `due` looks, in school days after as-of. It also sets which starting placements the "
                "six start rules and provider-checks cover, and which terms agreement-review and provider-report look at."),
    RuleSetting("`[rules] visit_interval_school_days`", _default("rules", "visit_interval_school_days"), "rules.visit_interval_school_days",
                "The school days allowed between AP lead visits (§14.4)."),
    RuleSetting("`[rules] provider_check_months`", _default("rules", "provider_check_months"), "rules.provider_check_months",
                "How many months a provider check stays current (§5.3); the report's Providers sheet uses it too."),
    RuleSetting("`[rules] review_cadence`", _default("rules", "review_cadence"), "rules.review_cadence",
                '`"term"` (the policy, §8.4) or `"half-term"` (DfE 2025 guidance): how often the agreement is reviewed. '
                "provider-report is always termly."),
    RuleSetting("`[rules] monitoring_from`", "not set (the whole academic year)", "rules.monitoring_from",
                "The first day the tool is used for the school (`--init` sets it to the day it runs). A week whose "
                "Friday is before it raises no missing-return action and is left out of the governor pack's count of "
                "returns; its sessions still count as not reported."),
    RuleSetting("`[school] target_percent`", "`96.0`", "school.target_percent",
                "The school's attendance target (§15.5)."),
    RuleSetting("`[[terms]]` and `[calendar] closures`", "none", SCHOOL_DAYS,
                "School days are the weekdays of the terms outside half-terms, closures and England bank holidays: "
                "the due window, review periods, the visit interval, the sixth day and the weeks a return is expected "
                "all count them."),
)


def settings_for(rule_id: str) -> list[str]:
    """The settings that change one rule: those it declares, and the calendar if it counts school days."""
    return [s.name for s in RULE_SETTINGS if s.changes(CATALOGUE[rule_id])]


def rules_markdown() -> str:
    """The rules page as Markdown: statuses, owners, every rule of the catalogue and the settings that change them."""
    from pipeline.render.wording import OWNER_ORDER

    rules = list(CATALOGUE.values())          # in the order the rule modules document them (contract §10)
    lines = ["# Rules: the actions in the weekly report", "",
             f"<!-- Generated by `{COMMAND}` from pipeline/rules/ and pipeline/settings.py. "
             "Do not edit by hand: change those and rerun the command. -->", "",
             "Each week the pipeline checks the registers, the reviews, the exclusions and the attendance returns "
             "against the rules below. Every action it lists names its rule, the section (§) of the school's "
             "Alternative Provision Policy, the person who owns it, what it is about (a placement, a provider or a "
             "pupil's UPN), a due date and a status.", "",
             "## Statuses", "",
             "- **overdue**: not done, and the due date is before the as-of date (the Friday of the reporting week, "
             "unless `--as-of` is given).",
             "- **due**: not done, and the due date is on or after the as-of date and no later than the 10th school "
             "day after it (the as-of day itself not counted; the number is the `[rules] due_window_school_days` "
             "setting).",
             "- **alert**: no deadline; it needs someone's decision. An alert has no due date.", "",
             "A date in the registers counts as done only if it is on or before the as-of date. Deadlines that fall "
             "later than the window are not listed yet. The six start rules (parent-letter to send-details) cover "
             "placements active on the as-of date or starting within the window. A placement whose parents refused "
             "never runs and has no actions.", "",
             "## Who owns the actions", "",
             "The weekly report groups actions by owner, in this order: " + ", ".join(OWNER_ORDER) + ". "
             "Within an owner, overdue actions come first, then due, then alerts, each by due date.", ""]
    lines += _table(("owner", "rules"), (
        (owner, ", ".join(_code(r.id) for r in rules if r.owner == owner))
        for owner in OWNER_ORDER if any(r.owner == owner for r in rules)))
    lines += ["Two rules can name another owner for some actions (the rule's text says when): `sixth-day` is the "
              "Local authority's for a permanent exclusion, and `incident` is the DSL's for a safeguarding concern.", "",
              "## The rules", ""]
    lines += _table(("rule", "policy §", "owner", "one per", "kind", "when it fires", "settings that change it"), (
        (_code(r.id), r.section, r.owner, KEY_WORDS.get(r.key, r.key),
         "alert" if r.kind == ALERT else "overdue or due", r.summary, ", ".join(settings_for(r.id)))
        for r in rules))
    lines += ["## Settings that change the rules", "",
              "Set in the school's `school.toml` (see [reference.md](reference.md) for every setting).", ""]
    lines += _table(("setting", "default", "rules it changes", "what it changes"), (
        (s.name, s.default, s.rules_text(), s.effect)
        for s in RULE_SETTINGS))
    return "\n".join(lines).rstrip("\n") + "\n"


def reference_markdown() -> str:
    """The whole reference page as Markdown."""
    lines = ["# Reference: workbooks, settings, register codes and rules", "",
             f"<!-- Generated by `{COMMAND}` from pipeline/schema.py, pipeline/settings.py, pipeline/codes.py and pipeline/rules/. "
             "Do not edit by hand: change those and rerun the command. -->", "",
             f"This page is generated by `{COMMAND}`; blank templates are in `input_templates/` "
             "(`python -m pipeline.templates`).", ""]
    lines += _workbooks() + _settings() + _codes() + _rules_link()
    return "\n".join(lines).rstrip("\n") + "\n"


PAGES = {"reference.md": reference_markdown, "rules.md": rules_markdown}


def write_pages(argv: list[str] | None, pages: dict, command: str) -> int:
    """The command line of a page generator: `command [FOLDER]` writes each page into FOLDER (docs/)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(f"usage: {command} [FOLDER]   (default: docs/; writes {' and '.join(pages)})", file=sys.stderr)
        return 2
    folder = Path(args[0]) if args else Path("docs")
    if folder.suffix == ".md":          # the old form, a path to the page: `python -m tools.docs docs/reference.md`
        folder = folder.parent
    for name, page in pages.items():
        write_text(folder / name, page())
        print(f"wrote {folder / name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return write_pages(argv, PAGES, COMMAND)


if __name__ == "__main__":
    sys.exit(main())
