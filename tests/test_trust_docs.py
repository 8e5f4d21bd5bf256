"""docs/trust_mode.md: its keys are trust.toml's, its links resolve, its commands parse, and its example of a
school that cannot be run is what the trust run prints."""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import parser
from pipeline.trust.settings import KEYS

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "trust_mode.md"
TEXT = PAGE.read_text(encoding="utf-8")


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)


def test_the_keys_table_is_trust_toml_s_keys():
    section = TEXT.split("### `trust.toml`", 1)[1].split("\n### ", 1)[0]
    documented = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
    assert sorted(documented) == sorted(KEYS)


def test_every_relative_link_resolves():
    links = [link.split("#")[0] for link in re.findall(r"\]\(([^)]+)\)", TEXT) if not link.startswith(("http", "#"))]
    assert links
    missing = [link for link in links if not (PAGE.parent / link).exists()]
    assert not missing, missing


def test_the_readme_links_here():
    assert "(docs/trust_mode.md)" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_shown_parses():
    commands = [line.split("#")[0].strip() for block in code_blocks(TEXT) for line in block.splitlines()
                if line.startswith("ap-weekly ")]
    assert len(commands) == 9
    for command in commands:
        args = parser().parse_args(shlex.split(command.replace("\\", "/"))[1:])
        assert args.trust is not None and args.data is None, command


def test_the_example_of_schools_that_cannot_be_run_is_what_the_run_prints(tmp_path):
    # the demo trust with a misspelt school listed and one school.toml missing, as on the page
    trust = tmp_path / "Hilltop Learning Trust"
    shutil.copytree(ROOT / "examples" / "demo_trust", trust)
    toml = trust / "trust.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"kingsway-academy"]', '"kingsway-academy", "ashdwon-junior"]'),
                    encoding="utf-8")
    (trust / "brookfield-primary" / "school.toml").unlink()
    out = tmp_path / "trust-reports"
    done = subprocess.run([sys.executable, "run_weekly.py", "--trust", str(trust), "--week", "2026-11-23",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    printed = done.stdout
    for path, shown in ((trust, r"S:\AP\Hilltop Learning Trust"), (out, r"S:\AP\trust-reports")):   # as on Windows
        printed = re.sub(re.escape(str(path)) + r"([\w/.-]*)", lambda m: shown + m.group(1).replace("/", "\\"), printed)
    [example] = [b for b in code_blocks(TEXT) if "COULD NOT BE RUN" in b]
    assert printed.startswith(example), f"docs/trust_mode.md's example differs from what the run prints:\n{printed}"
