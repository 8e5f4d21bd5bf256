"""The pre-filled return written directly (provider_return_xml) is the file xlsxwriter writes, byte for byte; an
unusual return is left to xlsxwriter."""
from __future__ import annotations

import datetime as dt
import random
import zipfile

import pytest

from pipeline import codes, schema
from pipeline.render import provider_return, provider_return_xml
from pipeline.render.provider_return import DIRECT, ReturnPupil, write_provider_return, write_with_xlsxwriter
from pipeline.render.provider_return_layout import SESSION_KEYS, instructions
from pipeline.render.provider_return_xml import EXPECTED, NOT_EXPECTED, NOTES, _order

EVERY = set(SESSION_KEYS)
CASES = 300
ODD_TEXTS = ["Ann & Bob", "<b>bold</b>", "a > b", 'say "hi"', "O'Neil", "Zoë Brontë", "中文 名字", "Emoji 😀",
             " leading", "trailing ", "\ttab", "line\nbreak", "", "Provider ID", "Placement ID", "Date", "Summary",
             "Notes", "Mon AM", "Category", "Register code", "Code", "Other", "B", "-", "/", "\\", "#", "1",
             "provider_id", "template_version", "x" * 255, "y" * 254 + " ", "😀" * 127]
ORDERS = {(EXPECTED, NOT_EXPECTED, NOTES), (NOT_EXPECTED, EXPECTED, NOTES), (EXPECTED, NOTES, NOT_EXPECTED),
          (NOT_EXPECTED, NOTES, EXPECTED), (EXPECTED, NOTES), (NOT_EXPECTED, NOTES)}


def _text(rng: random.Random, n: int) -> str:
    roll = rng.random()
    if roll < 0.3:
        return rng.choice(ODD_TEXTS)
    if roll < 0.4:
        return rng.choice([t for t in ODD_TEXTS if len(t) < 20]) + f" {n}"
    return f"Text {rng.randrange(100)}"


def _sessions(rng: random.Random, kind: str) -> set:
    if kind == "none":
        return set()
    if kind == "all":
        return set(EVERY)
    return set(rng.sample(SESSION_KEYS, rng.randrange(11)))


def _case(seed: int) -> tuple:
    """A provider's return: 1-40 pupils, sessions none, all or any (the first pupil's Monday morning either way),
    every text plain or odd (XML's characters, spaces, non-ASCII, 255 characters, the same as a label or a code)."""
    rng = random.Random(seed)
    kind = rng.choice(["none", "all", "any", "any"])
    pupils = []
    for n in range(rng.randrange(1, 41)):
        pid = rng.choice([f"P{n:03d}", f"P{rng.randrange(3):03d}", rng.choice(ODD_TEXTS)])
        pupils.append(ReturnPupil(pid, _text(rng, n), _text(rng, n), _sessions(rng, kind)))
    if rng.random() < 0.3:                      # the first pupil's Monday morning decides which format is first
        pupils[0].expected ^= {SESSION_KEYS[0]}
    provider_id = rng.choice(["PRV1", "B", "Date", "P000", "Zoë <1>", 'Q"1', "x" * 222])
    monday = dt.date(2020, 1, 6) + dt.timedelta(weeks=rng.randrange(800))
    return (provider_id, _text(rng, 0), monday, pupils, _text(rng, 1), monday + dt.timedelta(days=rng.randrange(14)),
            monday - dt.timedelta(days=rng.randrange(400)))


def _first_difference(a, b) -> str:
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        names = [i.filename for i in za.infolist()]
        if names != [i.filename for i in zb.infolist()]:
            return f"parts {names} and {[i.filename for i in zb.infolist()]}"
        for name in names:
            if za.read(name) != zb.read(name):
                return f"part {name}"
        return "the zip's headers (the parts are the same)"


def _same_file(tmp_path, args, name="return") -> None:
    direct, reference = tmp_path / f"{name}.xlsx", tmp_path / f"{name}_xlsxwriter.xlsx"
    write_provider_return(direct, *args)
    write_with_xlsxwriter(reference, *args)
    if direct.read_bytes() != reference.read_bytes():
        pytest.fail(f"{name}: the files differ first in {_first_difference(direct, reference)}")


def test_the_direct_writer_writes_xlsxwriters_file_byte_for_byte(tmp_path):
    orders = set()
    for seed in range(CASES):
        args = _case(seed)
        assert DIRECT.parts(*args) is not None, f"case {seed} was left to xlsxwriter"
        orders.add(_order(args[3]))
        _same_file(tmp_path, args, f"case{seed}")
    assert orders == ORDERS       # every order of the sessions' formats, so every reference, was written


def _pupils(n: int) -> list[ReturnPupil]:
    return [ReturnPupil(f"P{i:03d}", f"U{i}", f"Name {i}", {SESSION_KEYS[i % 10]}) for i in range(n)]


def _args(provider_id="PRV1", provider_name="Provider", pupils=None, school="School") -> tuple:
    monday = dt.date(2027, 7, 12)
    return (provider_id, provider_name, monday, _pupils(3) if pupils is None else pupils, school,
            monday + dt.timedelta(days=7), dt.date(2027, 7, 9))


def _with_name(text: str) -> list[ReturnPupil]:
    pupils = _pupils(3)
    pupils[1] = ReturnPupil("P001", "U1", text, {SESSION_KEYS[1]})
    return pupils


FALLBACKS = {
    "a control character in a name": _args(pupils=_with_name("Ann\x01")),
    "a vertical tab in the provider's name": _args(provider_name="A\x0bB"),
    "xlsxwriter's own escape in a UPN": _args(pupils=[ReturnPupil("P1", "_x0041_", "Ann", set(EVERY))]),
    "a non-character in the school's name": _args(school="School\ufffe"),
    "a name like xlsxwriter's rich text": _args(pupils=_with_name("<r>Ann</r>")),
    "a name over 255 characters": _args(pupils=_with_name("x" * 256)),
    "a name over 255 UTF-16 units": _args(pupils=_with_name("😀" * 128)),
    "a provider's name over 255 characters": _args(provider_name="p" * 256),
    "a school's name over 255 characters": _args(school="s" * 256),
    "an '&' in the provider ID, a page header code": _args(provider_id="A&B"),
    "a page header over 255 characters": _args(provider_id="x" * 223),
    "no pupils": _args(pupils=[]),
    "more pupils than the Incidents dropdown's rows": _args(pupils=_pupils(201)),
    "placement IDs that are the incident categories": _args(pupils=[
        ReturnPupil(c, f"U{i}", "Name", set(EVERY)) for i, c in enumerate(schema.INCIDENT_CATEGORIES)]),
    "placement IDs that are the register codes": _args(pupils=[
        ReturnPupil(c, f"U{i}", "Name", set()) for i, c in enumerate(codes.valid_codes())]),
}


@pytest.mark.filterwarnings("ignore:Header string cannot be longer")
@pytest.mark.parametrize("case", FALLBACKS)
def test_an_unusual_return_is_left_to_xlsxwriter(tmp_path, case):
    args = FALLBACKS[case]
    assert DIRECT.parts(*args) is None
    _same_file(tmp_path, args)


def test_the_limits_themselves_are_written_directly(tmp_path):
    """255 characters, a 255-character page header and 200 pupils (every session expected: a validation on 2,000
    cells) are still the direct writer's."""
    every_session = [ReturnPupil(f"P{i:03d}", f"U{i}", f"Name {i}", set(EVERY)) for i in range(200)]
    for n, args in enumerate([_args(pupils=_with_name("x" * 255)), _args(provider_id="x" * 222),
                              _args(pupils=_pupils(200)), _args(pupils=every_session),
                              _args(pupils=_with_name("😀" * 127))]):
        assert DIRECT.parts(*args) is not None
        _same_file(tmp_path, args, f"limit{n}")


def test_an_instruction_line_the_same_as_another_is_left_to_xlsxwriter(tmp_path, monkeypatch):
    """The Instructions sheet is the reference's: its strings' numbers must be the reference's too."""
    def same_lines(provider_name, monday, return_by, school):
        lines = instructions(provider_name, monday, return_by, school)
        return [lines[0], lines[0], *lines[2:]] if provider_name == "twice" else lines
    monkeypatch.setattr(provider_return, "instructions", same_lines)
    monkeypatch.setattr(provider_return_xml, "instructions", same_lines)
    args = _args(provider_name="twice")
    assert DIRECT.parts(*args) is None
    _same_file(tmp_path, args)
    assert DIRECT.parts(*_args()) is not None
