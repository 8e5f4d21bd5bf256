"""Finding a sheet's header row and naming its cells, with what is remembered between returns (pipeline.read.table):
the same answers as working each out afresh."""
from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from pipeline import schema
from pipeline.read import table
from pipeline.read.cells import text


def test_a_cells_name_is_excels_for_every_column_a_sheet_can_have():
    for col in (0, 1, 25, 26, 27, 51, 52, 701, 702, 703, 16383):
        for row in (0, 6, 1_048_575):
            assert table.cell_name(row, col) == xl_rowcol_to_cell(row, col)
    assert table.column_letters(4) == "E" and table.cell_name(6, 4) == "E7"


def test_a_header_cell_is_normalised_by_its_own_value_not_an_equal_one_of_another_type():
    """1, 1.0 and True are equal in Python; as header texts they are '1' and 'true'."""
    for first, second in ((1, True), (True, 1), (0, False)):
        table.norm_header(first)
        assert table.norm_header(second) == text(second).casefold()


def test_a_header_row_met_again_gives_the_same_columns_and_a_row_with_other_values_is_read_as_it_is():
    header = [h.upper() + " " for h in (c.header for c in schema.ATTENDANCE.columns)]
    grid = [["Provider ID", "PRV1"], ["Week commencing", 46342.0], header, ["P001"]]
    first = table.find_header(grid, schema.ATTENDANCE)
    again = table.find_header([list(r) for r in grid], schema.ATTENDANCE)
    assert first == again and first[0] == 2
    assert first[1] == {c.key: j for j, c in enumerate(schema.ATTENDANCE.columns)}
    # the same row with a number where a header was: not remembered as the row of texts
    mixed = [*header[:-1], 7]
    assert table._header_cells(mixed) == {table.norm_header(v): j for j, v in enumerate(header[:-1])} | {"7": len(header) - 1}
    assert table._header_cells(header) == {table.norm_header(v): j for j, v in enumerate(header)}
