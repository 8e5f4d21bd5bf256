"""The records the readers give (pipeline.records): one field per column of the schema, typed by the
column's kind, frozen, and a `source` that names the cell a person sees in Excel."""
from __future__ import annotations

import dataclasses
import datetime as dt
import typing

import pytest

from pipeline import records, schema
from pipeline.findings import Findings
from pipeline.read.registers import registers_from
from pipeline.read.returns import return_from_book
from tests.factories import placement, provider, rows_of
from tests.memory_school import MEMORY, memory_school

D = dt.date

# Record -> (its sheet, the fields it has beyond the sheet's columns)
RECORDS = {
    records.Placement: (schema.PLACEMENTS, ["pattern", "source"]),
    records.Provider: (schema.PROVIDERS, ["source"]),
    records.ReviewEvent: (schema.REVIEWS, ["source"]),
    records.Exclusion: (schema.EXCLUSIONS, ["source"]),
    records.Incident: (schema.INCIDENTS, ["provider_id", "source"]),
}
KIND_TYPES = {schema.DATE: dt.date, schema.INT: int, schema.NUMBER: float, schema.MONEY: float,
              schema.TIME: dt.time}


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_a_records_fields_are_its_sheets_column_keys_in_order(record):
    sheet, more = RECORDS[record]
    assert [f.name for f in dataclasses.fields(record)] == [c.key for c in sheet.columns] + more


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.__name__)
def test_a_records_field_has_the_type_of_its_columns_kind(record):
    sheet, _ = RECORDS[record]
    hints = typing.get_type_hints(record)
    for column in sheet.columns:
        wanted = KIND_TYPES.get(column.kind, str)
        assert hints[column.key] in (wanted, wanted | None), column.header


def test_records_are_frozen_and_cannot_be_read_by_a_string_key():
    p = _registers().placements[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.start_date = D(2026, 9, 8)
    with pytest.raises(TypeError):
        p["start_date"]
    assert not hasattr(p, "get")


def test_every_list_value_of_the_schema_is_one_of_its_declared_constants():
    assert schema.PATTERN_CHOICES == (schema.FULL_DAY, schema.AM, schema.PM) == ("Full day", "AM", "PM")
    assert schema.ARRANGED_BY == (schema.SCHOOL, schema.LOCAL_AUTHORITY)
    assert schema.EXCLUSION_TYPES == (schema.SUSPENSION, schema.PERMANENT_EXCLUSION)
    assert schema.REVIEW_TYPES == (schema.AGREEMENT_REVIEW, schema.FORMAL_REVIEW, schema.AP_LEAD_VISIT,
                                   schema.PROVIDER_REPORT)
    assert schema.OUTCOMES == (schema.SATISFACTORY, schema.NOT_SATISFACTORY)
    assert schema.PROVIDER_STATUSES[0] == schema.ACTIVE == "Active"
    assert schema.SAFEGUARDING_CONCERN in schema.INCIDENT_CATEGORIES
    assert schema.YN_CHOICES == (schema.YES, schema.NO) == ("Y", "N")


# --- what the readers build --------------------------------------------------------------------

def _registers(placements=None, reviews=None, exclusions=None, title_rows=0):
    school = memory_school(placements or [placement()], [provider()], reviews, exclusions)
    if title_rows:
        school.workbooks["placements.xlsx"][0]["Placements"] = rows_of(
            schema.PLACEMENTS, placements or [placement()], title_rows)
    findings = Findings()
    regs = registers_from(school.book, findings)
    assert not [f for f in findings if f.severity == "error"], findings
    return regs


def test_a_placement_holds_its_typed_values_its_days_and_the_cells_a_person_sees():
    regs = _registers([placement("P001", Forename="Amy", Surname="Shaw", Mon="AM", Tue="PM", Wed=None,
                                 Thu=None, Fri=None, Cost_per_day=85, SEND="Y")], title_rows=3)

    p = regs.placements[0]
    assert (p.placement_id, p.name, p.start_date, p.cost_per_day, p.send, p.is_send, p.mon, p.wed) == (
        "P001", "Amy Shaw", D(2026, 9, 7), 85.0, "Y", True, "AM", None)
    assert p.pattern == {0: ("AM",), 1: ("PM",)}
    # three title rows, then the header on row 4: the first placement is row 5; Start date is column J
    assert (p.source.file, p.source.sheet, p.source.row) == ("placements.xlsx", "Placements", 5)
    assert (p.source.cell("placement_id"), p.source.cell("start_date"), p.source.cell("send")) == ("A5", "J5", "U5")


def test_a_cell_of_a_column_the_sheet_does_not_have_is_named_by_its_row():
    rows = rows_of(schema.PLACEMENTS, [placement()])
    keep = [j for j, h in enumerate(rows[0]) if h != "Planned end date"]
    school = memory_school([placement()], [provider()])
    school.workbooks["placements.xlsx"][0]["Placements"] = [[row[j] for j in keep] for row in rows]

    p = registers_from(school.book, Findings()).placements[0]

    assert p.planned_end_date is None
    assert (p.source.has_cell("planned_end_date"), p.source.cell("planned_end_date")) == (False, "2")
    assert (p.source.has_cell("start_date"), p.source.cell("start_date")) == (True, "J2")


def test_a_provider_review_and_exclusion_say_where_they_were_read():
    regs = _registers(reviews=[{"Placement ID": "p001", "Date": D(2026, 10, 8), "Type": "AP lead visit",
                                "Outcome": "Satisfactory"}],
                      exclusions=[{"UPN": "B801200005001", "Type": "Suspension", "First day": D(2026, 10, 1),
                                   "School days": 2}])

    prv, review, exclusion = regs.providers["PRV1"], regs.reviews[0], regs.exclusions[0]
    assert (prv.name, prv.registered, prv.approved, prv.source.cell("contact_email")) == (
        "Provider PRV1", "Y", D(2026, 6, 1), "E2")
    assert (review.placement_id, review.type, review.outcome, review.source.cell("date")) == (
        "P001", schema.AP_LEAD_VISIT, schema.SATISFACTORY, "B2")
    assert (exclusion.type, exclusion.school_days, exclusion.work_set, exclusion.source.sheet,
            exclusion.source.row) == (schema.SUSPENSION, 2, None, "Exclusions", 2)


def test_a_return_row_and_an_incident_say_where_they_were_read():
    school = memory_school([placement()], [provider()]).add_return(
        "PRV1", D(2026, 11, 23), [("P001", ["B"] * 10)],
        incidents=[{"Date": D(2026, 11, 24), "Placement ID": "P001", "Category": "Safeguarding concern"}])
    findings = Findings()
    regs = registers_from(school.book, findings)
    rel = school.returns()[0]

    ret = return_from_book(school.book(rel), MEMORY / rel, rel, regs, findings)

    row, incident = ret.rows["P001"], ret.incidents[0]
    assert (row.source.file, row.source.sheet, row.source.row, row.source.cell("placement_id")) == (
        rel, "Attendance", 5, "A5")
    assert row.marks[(0, "AM")] == ("B", "D5")
    assert (incident.category, incident.provider_id, incident.source.file, incident.source.cell("category")) == (
        schema.SAFEGUARDING_CONCERN, "PRV1", rel, "C2")


def test_every_record_comes_back_from_the_caches_pickle_as_it_was_and_without_a_field_lookup_each(monkeypatch):
    """The kept registers are a pickle that only the program's records may be read from (cache._RecordsOnly): each
    record, its Source and its RowCells come back equal, field for field, with the cells a person sees; and the
    fields of a record's class are looked up once, not once a record (28,000 records at L: most of the time
    dataclasses' own pickling took)."""
    import pickle
    import zlib

    from pipeline.read import cache

    regs = _registers(reviews=[{"Placement ID": "p001", "Date": D(2026, 10, 8), "Type": "AP lead visit",
                                "Outcome": "Satisfactory"}] * 3,
                      exclusions=[{"UPN": "B801200005001", "Type": "Suspension", "First day": D(2026, 10, 1),
                                   "School days": 2}] * 3)
    kept = [regs.placements, list(regs.providers.values()), regs.reviews, regs.exclusions]
    assert all(len(group) >= 1 for group in kept) and len(regs.reviews) == 3
    looked_up = []
    real = dataclasses.fields
    for module in (dataclasses, records):
        monkeypatch.setattr(module, "fields", lambda cls: looked_up.append(cls) or real(cls))
    records._field_names.cache_clear()
    back = cache._unpickled(zlib.compress(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), 1))
    assert back == kept
    for before, after in zip((r for group in kept for r in group), (r for group in back for r in group)):
        assert type(after) is type(before) and type(after.source.cells) is type(before.source.cells)
        assert dict(after.source.cells) == dict(before.source.cells)
        assert [after.source.cell(k) for k in before.source.cells] == [before.source.cell(k) for k in before.source.cells]
        with pytest.raises(dataclasses.FrozenInstanceError):
            after.source = None
    assert sorted(c.__name__ for c in looked_up) == ["Exclusion", "Placement", "Provider", "ReviewEvent"]
