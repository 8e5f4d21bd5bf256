"""Letters to parents (policy §12.1-12.4): who gets one, what it says, and never a half-filled letter."""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from pathlib import Path

import pytest
from xlsxwriter.utility import xl_col_to_name

from pipeline import letters, schema
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


def run(tmp_path: Path, placements, providers=None, toml=TOML, files: dict | None = None, week=WEEK):
    data = write_school(tmp_path / "data", placements, providers or [the_provider()], toml=toml)
    for name, text in (files or {}).items():
        (data / name).write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    outcome = run_week(data, out, week=week)
    folder = out / week.isoformat()
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
                 "We have seen that Noah is finding it hard to manage their behaviour in school at the moment",
                 "Monday 7 December 2026", "Thursday 25 March 2027",                # dates
                 "9:30am", "5 hours 30 minutes",                                    # start time, time per day
                 "Bright Futures Tuition", "2nd floor, 9 Market Square, Hilltop, HT1 2BF",
                 "Sam Okafor", "Headteacher"):
        assert fact in text, fact
    assert "Directed off-site to improve behaviour" not in text                 # not the dropdown label
    assert "Noah's first day there is Monday 7 December 2026." in text
    assert "From Monday 7 December 2026 to Thursday 25 March 2027" in text
    assert text.endswith("Yours sincerely, Headteacher Test Infant School")   # no [people]: the role alone
    assert "please contact the school office as soon as possible." in text    # no phone or e-mail: no blank
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
    assert ("Purpose of the provision To give your child suitable education while their health needs mean they "
            "cannot attend school full-time.") in text
    assert ("Reason for the referral Test's health needs mean that they cannot attend school full-time at the "
            "moment, and we want to make sure that they keep learning.") in text
    assert "Illness or medical need" not in text


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
    # no Planned end date is not a missing fact (contract §13), and no letter means no warning about one
    expected = {("placements.xlsx", "Placements", placement_cell(h)): h
                for h in ("Start time", "Hours per day", "Provider contact")}
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
    unknown = CUSTOM.replace("{{ signatory }}", "{{ head_teacher }}")
    outcome, folder, summary = run(tmp_path, [letter_placement("P001"), letter_placement("P002")],
                                   files={"letter.html.j2": unknown})
    assert letters_in(folder) == []
    [f] = findings(summary, "letter-template")
    assert "head_teacher" in f["message"] and "letter.html.j2" in f["message"]
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


# --- contract §13: open-ended placements, the first day, contacts, the reason in words ---------------

CONTACT_TOML = TOML.replace("target_percent = 96.0\n", 'target_percent = 96.0\nphone = "01225 423526"\n'
                            'email = "office@test-infant.example.org"\n') + '\n[people]\nHeadteacher = "Mrs A Patel"\n'


def letter_text(folder: Path, pid: str = "P001") -> str:
    return text_of((folder / "letters" / f"{pid}_letter.html").read_text(encoding="utf-8"))


def test_an_open_ended_placement_gets_its_letter_and_a_warning_on_the_cell(tmp_path):
    outcome, folder, summary = run(tmp_path, [letter_placement(Planned_end_date=None)])
    assert letters_in(folder) == ["P001_letter.html"]
    assert ("Dates From Monday 7 December 2026. The placement has no fixed end date: we will review it with you "
            "each term.") in letter_text(folder)
    [f] = findings(summary, "letter-missing-fact")
    assert (f["file"], f["sheet"], f["cell"], f["severity"]) == (
        "placements.xlsx", "Placements", placement_cell("Planned end date"), "warning")
    assert f["message"] == (
        "Placement P001 has no Planned end date, so its letter to the parents says that the placement has no fixed "
        f"end date and will be reviewed each term. That is right for an open-ended placement; if it does have an end "
        f"date, enter it in Planned end date, cell {placement_cell('Planned end date')} and run again before "
        "sending the letter.")
    assert outcome.exit_code == 0                          # a valid register: a warning, never an error


def test_an_open_ended_letter_follows_the_half_term_review_cadence(tmp_path):
    toml = TOML + '\n[rules]\nreview_cadence = "half-term"\n'
    _, folder, summary = run(tmp_path, [letter_placement(Planned_end_date=None)], toml=toml)
    assert "The placement has no fixed end date: we will review it with you each half term." in letter_text(folder)
    assert "reviewed each half term" in findings(summary, "letter-missing-fact")[0]["message"]


def test_a_placement_with_an_end_date_gets_no_warning(tmp_path):
    _, folder, summary = run(tmp_path, [letter_placement()])
    assert "no fixed end date" not in letter_text(folder)
    assert findings(summary, "letter-missing-fact") == []


def test_an_open_ended_placement_missing_another_fact_waits_with_an_error_and_no_warning(tmp_path):
    outcome, folder, summary = run(tmp_path, [letter_placement(Planned_end_date=None, Start_time=None)])
    assert letters_in(folder) == []
    assert [(f["cell"], f["severity"]) for f in findings(summary, "letter-missing-fact")] == [
        (placement_cell("Start time"), "error")]
    assert outcome.exit_code == 1


def test_a_friday_only_placement_starting_on_a_monday_says_the_friday(tmp_path):
    _, folder, _ = run(tmp_path, [letter_placement(start=dt.date(2026, 12, 7), days=None, Fri="Full day")])
    text = letter_text(folder)
    assert "Test's first day there is Friday 11 December 2026." in text
    assert "Dates From Friday 11 December 2026 to Thursday 25 March 2027" in text
    assert "Days Friday (full day)" in text
    assert "Monday" not in text                            # the letter names no day the pupil does not attend


@pytest.mark.parametrize("start, pattern, week, first", [
    # Friday 13 November 2026 is an INSET day (closures): the next expected school day
    (dt.date(2026, 11, 13), {}, WEEK, "Monday 16 November 2026"),
    (dt.date(2026, 11, 13), {"days": None, "Fri": "AM"}, WEEK, "Friday 20 November 2026"),
    # Monday 26 October 2026 is in half term (26-30 October)
    (dt.date(2026, 10, 26), {"days": None, "Mon": "AM", "Wed": "PM"}, WEEK, "Monday 2 November 2026"),
    # Monday 3 May 2027 is the Early May bank holiday
    (dt.date(2027, 5, 3), {"days": None, "Mon": "Full day", "Planned_end_date": dt.date(2027, 7, 21)},
     dt.date(2027, 4, 26), "Monday 10 May 2027"),
    # Monday 21 December 2026 is in the Christmas holiday; the spring term starts on Tuesday 5 January 2027
    (dt.date(2026, 12, 21), {"days": None, "Mon": "PM"}, dt.date(2026, 12, 7), "Monday 11 January 2027"),
], ids=["inset-full-week", "inset-friday-only", "half-term", "bank-holiday", "christmas"])
def test_the_first_day_skips_closures_half_term_and_bank_holidays(tmp_path, start, pattern, week, first):
    p = letter_placement(start=start, **pattern)
    _, folder, summary = run(tmp_path, [p], week=week)
    assert [a["placement_id"] for a in summary["actions"] if a["rule"] == "parent-letter"] == ["P001"]
    text = letter_text(folder)
    assert f"Test's first day there is {first}." in text
    assert f"Dates From {first} to " in text


def test_a_placement_never_expected_on_a_school_day_is_an_error_on_the_start_date(tmp_path):
    # Friday-only from Monday 19 July 2027; the summer term ends Wednesday 21 July
    p = letter_placement(start=dt.date(2027, 7, 19), days=None, Fri="Full day", Planned_end_date=None)
    outcome, folder, summary = run(tmp_path, [p], week=dt.date(2027, 7, 12))
    assert letters_in(folder) == []
    [f] = findings(summary, "letter-missing-fact")
    cell = placement_cell("Start date")
    assert (f["file"], f["sheet"], f["cell"], f["severity"]) == ("placements.xlsx", "Placements", cell, "error")
    assert f["message"] == (
        "The letter to the parents about placement P001 must say the first day the pupil attends, but there is no "
        "school day from the Start date, Monday 19 July 2027, before the last term in school.toml ends (Wednesday "
        "21 July 2027), on which the pupil is expected (the days set in Mon to Fri: Friday). Check the Start date in "
        f"cell {cell}, the days and the end date; the letter for placement P001 will be written once the pupil is "
        "expected on a school day.")
    assert outcome.exit_code == 1


def test_a_planned_end_before_the_first_expected_day_is_an_error_on_the_start_date(tmp_path):
    p = letter_placement(start=dt.date(2026, 12, 7), days=None, Fri="Full day", Planned_end_date=dt.date(2026, 12, 9))
    _, folder, summary = run(tmp_path, [p])
    assert letters_in(folder) == []
    [f] = findings(summary, "letter-missing-fact")
    assert (f["cell"], f["severity"]) == (placement_cell("Start date"), "error")
    assert "up to its Planned end date, Wednesday 9 December 2026, on which the pupil is expected" in f["message"]


def test_the_school_phone_email_and_headteachers_name_are_on_the_letter(tmp_path):
    _, folder, _ = run(tmp_path, [letter_placement()], toml=CONTACT_TOML)
    text = letter_text(folder)
    assert text.startswith("Test Infant School 1 Test Lane, Testville, TT1 1AA "
                           "Telephone 01225 423526 · E-mail office@test-infant.example.org To the parents")
    assert ("please contact the school office on 01225 423526 or at office@test-infant.example.org as soon as "
            "possible.") in text
    assert text.endswith("Yours sincerely, Mrs A Patel Headteacher Test Infant School")


def test_only_the_contacts_given_are_on_the_letter(tmp_path):
    toml = TOML.replace("target_percent = 96.0\n", 'target_percent = 96.0\nphone = "01225 423526"\n')
    _, folder, _ = run(tmp_path, [letter_placement()], toml=toml)
    text = letter_text(folder)
    assert "1 Test Lane, Testville, TT1 1AA Telephone 01225 423526 To the parents" in text
    assert "please contact the school office on 01225 423526 as soon as possible." in text
    assert "E-mail" not in text and " at " not in text.split("please contact")[1]
    assert text.endswith("Yours sincerely, Headteacher Test Infant School")


@pytest.mark.parametrize("reason", schema.REASONS)
def test_every_reason_is_explained_in_plain_words(tmp_path, reason):
    _, folder, _ = run(tmp_path, [letter_placement(Reason=reason, Objectives="Reading and maths.")])
    text = letter_text(folder)
    explanation = letters.REASON_EXPLANATIONS[reason].replace("{forename}", "Test")
    assert f"Reason for the referral {explanation} Dates" in text
    assert reason not in text
    assert "{" not in explanation and len(explanation) > 60


def test_every_reason_in_the_schema_has_an_explanation():
    assert set(letters.REASON_EXPLANATIONS) == set(schema.REASONS)


OVERRIDE = ("{{ first_day }}|{{ start_date }}|{{ open_ended }}|{{ end_date }}|{{ review_cadence }}|{{ school_phone }}|"
            "{{ school_email }}|{{ school_office }}|{{ school_contact_lines | join(';') }}|{{ headteacher_name }}|"
            "{{ signatory }}|{{ reason_explanation }}\n")


def test_a_school_template_can_use_the_new_facts(tmp_path):
    p = letter_placement(start=dt.date(2026, 12, 7), days=None, Fri="Full day", Planned_end_date=None)
    _, folder, summary = run(tmp_path, [p], toml=CONTACT_TOML, files={"letter.html.j2": OVERRIDE})
    assert (folder / "letters" / "P001_letter.html").read_text(encoding="utf-8") == (
        "Friday 11 December 2026|Monday 7 December 2026|True||each term|01225 423526|office@test-infant.example.org|"
        "the school office on 01225 423526 or at office@test-infant.example.org|"
        "Telephone 01225 423526;E-mail office@test-infant.example.org|Mrs A Patel|Mrs A Patel|"
        "We have seen that Test is finding it hard to manage their behaviour in school at the moment, and we "
        "believe that a period of learning in a different setting will help. Test remains a pupil of our school "
        "throughout.\n")
    assert findings(summary, "letter-template") == []


def test_a_school_template_without_the_contacts_set_gets_empty_text(tmp_path):
    _, folder, _ = run(tmp_path, [letter_placement()], files={"letter.html.j2": OVERRIDE})
    fields = (folder / "letters" / "P001_letter.html").read_text(encoding="utf-8").split("|")
    assert fields[:11] == ["Monday 7 December 2026", "Monday 7 December 2026", "False", "Thursday 25 March 2027",
                           "each term", "", "", "the school office", "", "", "Headteacher"]
