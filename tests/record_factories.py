"""Records built straight from values, for tests of code that takes records rather than workbooks (the
vectorised sessions table against its loop oracle). Every column not given is blank (None), as the
readers leave a blank cell."""
from __future__ import annotations

from dataclasses import fields

from pipeline.records import Placement, Provider, ReturnRow, Source


def placement_record(row: int = 2, **values) -> Placement:
    """A Placement with the given columns (and `pattern`), the rest blank, read from row `row` of the
    Placements sheet."""
    blank = {f.name: None for f in fields(Placement) if f.name not in ("pattern", "source")}
    return Placement(**{**blank, "pattern": {}, **values}, source=Source("placements.xlsx", "Placements", row))


def return_row(file: str, placement_id: str, row: int, marks: dict) -> ReturnRow:
    """A ReturnRow of the Attendance sheet of `file`, its Placement ID in column A of `row`."""
    return ReturnRow(placement_id=placement_id, marks=marks, source=Source(file, "Attendance", row, {"placement_id": f"A{row}"}))


def provider_record(row: int = 2, **values) -> Provider:
    """A Provider with the given columns, the rest blank, read from row `row` of providers.xlsx."""
    blank = {f.name: None for f in fields(Provider) if f.name != "source"}
    return Provider(**{**blank, **values}, source=Source("providers.xlsx", "Providers", row))
