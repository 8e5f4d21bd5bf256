"""Data minimisation: each provider is sent its own pupils and nobody else's (contract §5, §9).

Three providers with two pupils each, every pupil with a distinctive forename, surname, UPN and
Placement ID, so that any one of them found in another provider's workbook or e-mail is a leak.
The workbooks are searched cell by cell (hidden sheets too) and as the raw XML in the xlsx zip;
the e-mails as their raw bytes and with the attachment decoded.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from pipeline.run import run_week
from pipeline.upn import make_upn
from tests.factories import placement, provider, write_school

WEEK = dt.date(2026, 11, 16)          # its run writes the returns for the week of 23 November
NEXT = "2026-11-23"

# provider -> its pupils: (Placement ID, forename, surname, UPN body)
PUPILS = {
    "ALDER": [("PLC-KESTREL", "Araminta", "Quillfeather", "801200000011"),
              ("PLC-HERON", "Bartholomew", "Wolstenholme", "801200000012")],
    "BIRCH": [("PLC-OSPREY", "Clementine", "Fotheringay", "801200000021"),
              ("PLC-PLOVER", "Dashiell", "Brackenbury", "801200000022")],
    "CEDAR": [("PLC-MERLIN", "Evangeline", "Ravenscroft", "801200000031"),
              ("PLC-SISKIN", "Fitzwilliam", "Throckmorton", "801200000032")],
}
CONTACT = {pid: f"attendance.{pid.lower()}@{pid.lower()}-provision.example" for pid in PUPILS}


def identifiers(provider_id: str) -> list[str]:
    """Every string that identifies one of this provider's pupils."""
    out = []
    for pid, forename, surname, body in PUPILS[provider_id]:
        out += [pid, forename, surname, make_upn(body)]
    return out


def others(provider_id: str) -> list[str]:
    return [s for p in PUPILS if p != provider_id for s in identifiers(p)]


@pytest.fixture(scope="module")
def week_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("minimisation")
    placements = [placement(pid, provider_id, UPN=make_upn(body), Forename=forename, Surname=surname,
                            days=None, Mon="Full day", Wed="AM", Fri="PM")
                  for provider_id, pupils in PUPILS.items() for pid, forename, surname, body in pupils]
    providers = [provider(p, Name=f"{p.title()} Learning Centre", Contact_email=CONTACT[p]) for p in PUPILS]
    data = write_school(root / "school", placements, providers)
    folder = run_week(data, root / "out", week=WEEK).folder
    assert sorted(p.name for p in (folder / "returns_to_send").iterdir()) == [f"{p}_{NEXT}.xlsx" for p in PUPILS]
    return folder


def workbook(folder: Path, provider_id: str) -> Path:
    return folder / "returns_to_send" / f"{provider_id}_{NEXT}.xlsx"


def eml(folder: Path, provider_id: str) -> Path:
    return folder / "outbox" / f"{provider_id}_{NEXT}.eml"


def cell_texts(data: bytes) -> list[str]:
    """The text of every non-empty cell of every sheet, hidden sheets included."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert {ws.sheet_state for ws in wb.worksheets} >= {"hidden"}, "the hidden sheets were not searched"
    return [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def zip_texts(data: bytes) -> dict[str, str]:
    """Every part of an xlsx, as text."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name).decode("utf-8", errors="replace") for name in z.namelist()}


def leaks(texts, forbidden: list[str]) -> list[tuple[str, str]]:
    items = texts.items() if isinstance(texts, dict) else enumerate(texts)
    return [(where, s) for where, text in items for s in forbidden if s.casefold() in text.casefold()]


def message(folder, provider_id):
    return email.message_from_bytes(eml(folder, provider_id).read_bytes(), policy=email.policy.default)


# --- the workbook ------------------------------------------------------------------------------------

@pytest.mark.parametrize("provider_id", PUPILS)
def test_a_providers_workbook_holds_its_own_pupils(week_folder, provider_id):
    texts = cell_texts(workbook(week_folder, provider_id).read_bytes())
    assert not [s for s in identifiers(provider_id) if not any(s in t for t in texts)]   # the search can find


@pytest.mark.parametrize("provider_id", PUPILS)
def test_no_cell_of_a_providers_workbook_names_another_providers_pupil(week_folder, provider_id):
    assert leaks(cell_texts(workbook(week_folder, provider_id).read_bytes()), others(provider_id)) == []


@pytest.mark.parametrize("provider_id", PUPILS)
def test_no_part_of_the_xlsx_file_names_another_providers_pupil(week_folder, provider_id):
    parts = zip_texts(workbook(week_folder, provider_id).read_bytes())
    assert any(s in parts["xl/sharedStrings.xml"] for s in identifiers(provider_id))    # the search can find
    assert leaks(parts, others(provider_id)) == []


# --- the e-mail --------------------------------------------------------------------------------------

@pytest.mark.parametrize("provider_id", PUPILS)
def test_no_part_of_a_providers_email_names_another_providers_pupil(week_folder, provider_id):
    raw = eml(week_folder, provider_id).read_bytes().decode("ascii")
    assert leaks([raw], others(provider_id)) == []
    assert leaks([raw], [CONTACT[p] for p in PUPILS if p != provider_id]) == []
    attachments = list(message(week_folder, provider_id).iter_attachments())
    assert len(attachments) == 1
    data = attachments[0].get_payload(decode=True)
    assert leaks(cell_texts(data), others(provider_id)) == []
    assert leaks(zip_texts(data), others(provider_id)) == []


@pytest.mark.parametrize("provider_id", PUPILS)
def test_the_email_text_gives_a_count_and_no_pupil(week_folder, provider_id):
    msg = message(week_folder, provider_id)
    texts = [part.get_content() for part in msg.walk()
             if part.get_content_maintype() == "text" and not part.is_attachment()]
    assert texts, "the e-mail has no text body"
    everyone = [s for p in PUPILS for s in identifiers(p)]
    assert leaks(texts, everyone) == []
    assert leaks([str(msg["Subject"])], everyone) == []
    assert "2 pupils" in texts[0]


@pytest.mark.parametrize("provider_id", PUPILS)
def test_the_email_goes_to_the_providers_contact_only(week_folder, provider_id):
    raw = eml(week_folder, provider_id).read_bytes()
    msg = message(week_folder, provider_id)
    to = msg.get_all("To")
    assert to is not None and len(to) == 1
    assert [addr for _, addr in email.utils.getaddresses(to)] == [CONTACT[provider_id]]
    assert msg.get_all("Cc") is None and msg.get_all("Bcc") is None
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^(cc|bcc|resent-[a-z]+)\s*:", head, re.IGNORECASE | re.MULTILINE)


# --- a rerun after the register is corrected ---------------------------------------------------------

def test_a_rerun_after_a_pupil_moves_provider_leaves_no_old_workbook_or_email_naming_them(tmp_path):
    """BIRCH's only pupil turns out to be at ALDER: the rerun of the same week must not leave BIRCH's
    earlier workbook and e-mail, with that pupil in them, beside the new ones."""
    def school(birch_pupil_at: str) -> Path:
        rows = [placement("PLC-KESTREL", "ALDER", UPN=make_upn("801200000011"), Forename="Araminta", Surname="Quillfeather"),
                placement("PLC-OSPREY", birch_pupil_at, UPN=make_upn("801200000021"), Forename="Clementine",
                          Surname="Fotheringay")]
        return write_school(tmp_path / "school", rows, [provider(p, Contact_email=CONTACT[p]) for p in ("ALDER", "BIRCH")])

    first = run_week(school("BIRCH"), tmp_path / "out", week=WEEK).folder
    assert (workbook(first, "BIRCH")).is_file() and (eml(first, "BIRCH")).is_file()
    (first / "returns_to_send" / "copy kept by the office.xlsx").write_bytes(b"not the pipeline's")

    again = run_week(school("ALDER"), tmp_path / "out", week=WEEK).folder

    assert again == first
    assert sorted(p.name for p in (again / "returns_to_send").iterdir()) == [f"ALDER_{NEXT}.xlsx",
                                                                             "copy kept by the office.xlsx"]
    assert sorted(p.name for p in (again / "outbox").iterdir()) == [f"ALDER_{NEXT}.eml"]
    assert any("Clementine" in t for t in cell_texts(workbook(again, "ALDER").read_bytes()))
