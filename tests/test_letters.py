"""Letters to parents (policy §12.1-12.4): who gets one, what it says, and never a half-filled letter."""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

from pipeline import schema
from pipeline.run import run_week
from tests.factories import SCHOOL_TOML, placement, provider, write_school

WEEK = dt.date(2026, 11, 23)              # as-of Friday 27/11/2026; the due window ends Friday 11/12/2026
ADDRESS = "1 Test Lane, Testville, TT1 1AA"
TOML = SCHOOL_TOML.replace('name = "Test Infant School"\n', f'name = "Test Infant School"\naddress = "{ADDRESS}"\n')
PROVIDER_ADDRESS = "2nd floor, 9 Market Square, Hilltop, HT1 2BF"

FACTS = dict(Start_time="09:30", Hours_per_day=5.5, Provider_contact="Sam Okafor",
             Planned_end_date=dt.date(2027, 3, 25), Parent_letter_sent=None)


def letter_placement(pid="P001", start=dt.date(2026, 12, 7), **over) -> dict:
    """A school-arranged placement starting inside the window, every §12.4 fact filled, no letter sent."""
    return placement(pid, start=start, **{**FACTS, **over})


def the_provider(**over) -> dict:
    return provider("PRV1", Name="Bright Futures Tuition", Address=PROVIDER_ADDRESS, **over)


def run(tmp_path: Path, placements, providers=None, toml=TOML, files: dict | None = None):
    data = write_school(tmp_path / "data", placements, providers or [the_provider()], toml=toml)
    for name, text in (files or {}).items():
        (data / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_week(data, out, week=WEEK)
    folder = out / WEEK.isoformat()
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return outcome, folder, summary


def letters_in(folder: Path) -> list[str]:
    return sorted(p.name for p in (folder / "letters").glob("*")) if (folder / "letters").is_dir() else []


def text_of(page: str) -> str:
    """The letter as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    body = page.split("<body>", 1)[1]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def findings(summary, rule):
    return [f for f in summary["findings"] if f["rule"] == rule]


def placement_cell(header: str, row: int = 2) -> str:
    """The cell of `header` in the factory's placements.xlsx (schema order, header on row 1)."""
    return f"{xl_col_to_name([c.header for c in schema.PLACEMENTS.columns].index(header))}{row}"


def test_a_full_placement_gets_a_letter_with_every_fact(tmp_path):
    p = letter_placement(Forename="Noah", Surname="Pennington", Objectives="Early language and play-based learning.")
    outcome, folder, summary = run(tmp_path, [p])
    assert letters_in(folder) == ["P001_letter.html"]
    page = (folder / "letters" / "P001_letter.html").read_text(encoding="utf-8")
    text = text_of(page)
    for fact in ("Test Infant School", "1 Test Lane, Testville, TT1 1AA",           # letterhead
                 "To the parents or carers of Noah Pennington", "Friday 27 November 2026",
                 "Early language and play-based learning.",                         # purpose: Objectives
                 "Directed off-site to improve behaviour",                          # reason for the referral
                 "Monday 7 December 2026", "Thursday 25 March 2027",                # dates
                 "9:30am", "5 hours 30 minutes",                                    # start time, time per day
                 "Bright Futures Tuition", "2nd floor, 9 Market Square, Hilltop, HT1 2BF",
                 "Sam Okafor", "Headteacher"):
        assert fact in text, fact
    assert text.index("Yours sincerely") < text.rindex("Headteacher")
    assert "size: A4 portrait" in page and "margin:" in page
    assert not findings(summary, "letter-missing-fact") and not findings(summary, "letter-template")
    assert folder / "letters" / "P001_letter.html" in outcome.files
    assert outcome.exit_code == 0


def test_the_file_name_never_holds_the_pupils_name(tmp_path):
    _, folder, _ = run(tmp_path, [letter_placement("P001", Forename="Zebedee", Surname="Quixote")])
    assert letters_in(folder) == ["P001_letter.html"]
    assert "Zebedee" not in "".join(letters_in(folder))


def test_without_objectives_the_purpose_comes_from_the_reason(tmp_path):
    _, folder, _ = run(tmp_path, [letter_placement(Reason="Illness or medical need")])
    text = text_of((folder / "letters" / "P001_letter.html").read_text(encoding="utf-8"))
    assert "Illness or medical need" in text
    assert "health needs" in text


def test_names_and_text_are_escaped(tmp_path):
    _, folder, _ = run(tmp_path, [letter_placement(Forename="<b>Bob</b>", Surname="O'Neil & Sons",
                                                   Objectives="<script>alert(1)</script>")])
    page = (folder / "letters" / "P001_letter.html").read_text(encoding="utf-8")
    assert "<b>Bob</b>" not in page and "<script>" not in page
    assert "&lt;b&gt;Bob&lt;/b&gt;" in page
    assert "To the parents or carers of <b>Bob</b> O'Neil & Sons" in text_of(page)


def test_missing_facts_give_findings_on_the_cells_and_no_letter(tmp_path):
    p = letter_placement(Start_time=None, Hours_per_day=None, Provider_contact=None, Planned_end_date=None)
    outcome, folder, summary = run(tmp_path, [p], providers=[provider("PRV1", Name="Bright Futures Tuition")])
    assert letters_in(folder) == []
    found = findings(summary, "letter-missing-fact")
    by_cell = {(f["file"], f["sheet"], f["cell"]): f for f in found}
    expected = {("placements.xlsx", "Placements", placement_cell(h)): h
                for h in ("Start time", "Hours per day", "Provider contact", "Planned end date")}
    expected[("providers.xlsx", "Providers", "C2")] = "Address"
    assert set(by_cell) == set(expected)
    for key, header in expected.items():
        f = by_cell[key]
        assert f["severity"] == "error"
        assert header in f["message"] and "placement P001" in f["message"] and "once it is filled" in f["message"]
        assert f"cell {key[2]}" in f["message"]
    assert outcome.exit_code == 1


def test_only_the_placement_with_a_gap_waits(tmp_path):
    _, folder, summary = run(tmp_path, [letter_placement("P001"), letter_placement("P002", Provider_contact=None)])
    assert letters_in(folder) == ["P001_letter.html"]
    assert [f["cell"] for f in findings(summary, "letter-missing-fact")] == [placement_cell("Provider contact", 3)]


def test_a_placement_whose_letter_was_sent_gets_none(tmp_path):
    _, folder, summary = run(tmp_path, [letter_placement("P001", Parent_letter_sent=dt.date(2026, 11, 20)),
                                        # a date after as-of: the rule still lists it, but a date is entered
                                        letter_placement("P002", Parent_letter_sent=dt.date(2026, 12, 1))])
    assert letters_in(folder) == []
    assert not findings(summary, "letter-missing-fact")


def test_a_local_authority_placement_gets_none(tmp_path):
    _, folder, summary = run(tmp_path, [letter_placement(Arranged_by="Local authority", Start_time=None)])
    assert letters_in(folder) == []
    assert not [a for a in summary["actions"] if a["rule"] == "parent-letter"]
    assert not findings(summary, "letter-missing-fact")


def test_no_letter_for_a_placement_starting_beyond_the_window(tmp_path):
    # the window ends Fri 11/12; a placement starting Mon 14/12 is not listed yet
    _, folder, summary = run(tmp_path, [letter_placement("P001", start=dt.date(2026, 12, 14)),
                                        letter_placement("P002", start=dt.date(2027, 1, 5))])
    assert letters_in(folder) == []
    assert not [a for a in summary["actions"] if a["rule"] == "parent-letter"]


def test_an_overdue_letter_is_written_too(tmp_path):
    _, folder, summary = run(tmp_path, [letter_placement("P001", start=dt.date(2026, 11, 2))])
    assert [(a["placement_id"], a["status"]) for a in summary["actions"] if a["rule"] == "parent-letter"] == [("P001", "overdue")]
    assert letters_in(folder) == ["P001_letter.html"]


CUSTOM = """<html><body><p>Dear family of {{ pupil_name }},</p><p>{{ school_name }}: {{ provider_name }}
from {{ start_date }} at {{ start_time }}.</p><p>{{ signatory }}</p></body></html>
"""


def test_a_custom_template_in_the_data_folder_is_used(tmp_path):
    _, folder, summary = run(tmp_path, [letter_placement(Forename="<i>Ann</i>")], files={"letter.html.j2": CUSTOM})
    page = (folder / "letters" / "P001_letter.html").read_text(encoding="utf-8")
    assert page.startswith("<html><body><p>Dear family of &lt;i&gt;Ann&lt;/i&gt; Pupil P001,</p>")
    assert "Bright Futures Tuition" in page and "Monday 7 December 2026" in page and "9:30am" in page
    assert not findings(summary, "letter-template")


def test_the_template_named_in_school_toml_is_used(tmp_path):
    toml = TOML + '\n[paths]\nletter_template = "wording/our_letter.j2"\n'
    data = tmp_path / "data"
    (data / "wording").mkdir(parents=True)
    (data / "wording" / "our_letter.j2").write_text("Named: {{ pupil_name }}\n", encoding="utf-8")
    _, folder, _ = run(tmp_path, [letter_placement()], toml=toml)
    assert (folder / "letters" / "P001_letter.html").read_text(encoding="utf-8") == "Named: Test Pupil P001\n"


def test_a_broken_template_gives_one_finding_and_no_letters(tmp_path):
    broken = CUSTOM.replace("{{ start_time }}", "{{ start_time }")
    outcome, folder, summary = run(tmp_path, [letter_placement("P001"), letter_placement("P002")],
                                   files={"letter.html.j2": broken})
    assert letters_in(folder) == []
    [f] = findings(summary, "letter-template")
    assert (f["file"], f["severity"]) == ("letter.html.j2", "error")
    assert "letter.html.j2" in f["message"] and "line" in f["message"]
    assert outcome.exit_code == 1
    assert (folder / "weekly_report.html").is_file() and (folder / "register_import.csv").is_file()


def test_an_unknown_variable_gives_one_finding_and_no_letters(tmp_path):
    unknown = CUSTOM.replace("{{ signatory }}", "{{ headteacher_name }}")
    outcome, folder, summary = run(tmp_path, [letter_placement("P001"), letter_placement("P002")],
                                   files={"letter.html.j2": unknown})
    assert letters_in(folder) == []
    [f] = findings(summary, "letter-template")
    assert "headteacher_name" in f["message"] and "letter.html.j2" in f["message"]
    assert outcome.exit_code == 1


def test_a_missing_named_template_is_a_finding(tmp_path):
    toml = TOML + '\n[paths]\nletter_template = "nowhere.html.j2"\n'
    _, folder, summary = run(tmp_path, [letter_placement()], toml=toml)
    assert letters_in(folder) == []
    [f] = findings(summary, "letter-template")
    assert f["file"] == "nowhere.html.j2"


def test_no_school_address_no_letterhead_no_letter(tmp_path):
    _, folder, summary = run(tmp_path, [letter_placement()], toml=SCHOOL_TOML)
    assert letters_in(folder) == []
    [f] = findings(summary, "letter-missing-fact")
    assert f["file"] == "school.toml" and "address" in f["message"] and "P001" in f["message"]


def test_a_rerun_is_byte_identical(tmp_path):
    placements = [letter_placement("P001"), letter_placement("P002", start=dt.date(2026, 11, 2))]
    _, folder, _ = run(tmp_path, placements)
    first = {n: hashlib.sha256((folder / "letters" / n).read_bytes()).hexdigest() for n in letters_in(folder)}
    assert len(first) == 2
    run_week(tmp_path / "data", tmp_path / "out", week=WEEK)
    second = {n: hashlib.sha256((folder / "letters" / n).read_bytes()).hexdigest() for n in letters_in(folder)}
    assert first == second


def test_a_letter_no_longer_due_is_removed_on_the_next_run(tmp_path):
    _, folder, _ = run(tmp_path, [letter_placement("P001")])
    assert letters_in(folder) == ["P001_letter.html"]
    _, folder, _ = run(tmp_path, [letter_placement("P001", Parent_letter_sent=dt.date(2026, 11, 26))])
    assert letters_in(folder) == []
