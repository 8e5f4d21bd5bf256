"""The corpus of broken input: every kind of damage staff and providers do to the school folder, each
built by a small factory, each with the EXACT findings it must give as (file, sheet, cell, rule) and the
effect on the figures (row kept, left out, counted as N, whole file left out), or, for a required file,
exit 2 with one plain line (contract §1, §2, §8, §9, §11).

This is the canonical list. tests/test_read_*.py go deeper on single rules; a new kind of broken input
belongs here first. Every school has P001 (UPN B801200005001) at PRV1 and P002 (UPN make_upn(...002))
at PRV2, both full days from Monday 23/11/2026, the reporting week, unless the case says otherwise.

Cell names used below: placements.xlsx from factories.write_school has its header on row 1, P001 on row 2
and P002 on row 3 (A Placement ID, B UPN, G Provider ID, J Start date, Z Parents agreed, AJ Cost per day,
AK the first column after the table). A return has its labels in A1:B2, the header on row 4, pupils from
row 5, the sessions in D (Mon AM) to M (Fri PM), Notes in N.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from pipeline import schema
from pipeline.cli import main
from pipeline.findings import Findings
from pipeline.read.registers import MAX_FINDINGS_PER_SHEET, read_registers
from pipeline.core import compute_facts
from pipeline.upn import make_upn
from tests.corpus_factories import (Error, Formula, append_rows, corrupt_member, truncate, write_book,
                                    write_book_openpyxl, write_empty_workbook, write_xls)
from tests.factories import SCHOOL_TOML, full_week, placement, provider, rows_of, write_grid, write_return, write_school
from tests.school_factories import encrypt_workbook, return_grid

WEEK = dt.date(2026, 11, 23)
P, PS, A = "placements.xlsx", "Placements", "Attendance"
RET = "returns/prv1.xlsx"
UPN2 = make_upn("801200005002")
NOT_REPORTED = (0, 0, 0, 0, 10)
ALL_ATTENDED = (10, 10, 0, 0, 0)
ONE_N = (10, 9, 0, 1, 0)                      # one expected session counted as N
TWO_N = (10, 8, 0, 2, 0)
WARNINGS = {"week-not-monday", "duplicate-return", "duplicate-header", "week-outside-terms"}
HEADERS = [c.header for c in schema.PLACEMENTS.columns]
SESSIONS_AT = 3                               # column D: the first session of a return


# --- the school every case starts from ---------------------------------------------------------------


def p1(**over) -> dict:
    return placement("P001", start=WEEK, **over)


def p2(**over) -> dict:
    return placement("P002", provider_id="PRV2", start=WEEK, **{"UPN": UPN2, **over})


def school(folder: Path, *placements, **kw) -> Path:
    return write_school(folder, list(placements) or [p1(), p2()], providers=[provider("PRV1"), provider("PRV2")], **kw)


def placements_grid(*records) -> list[list]:
    return rows_of(schema.PLACEMENTS, list(records) or [p1(), p2()])


def good_return(folder: Path, name: str = "prv1.xlsx", marks=None, **kw) -> Path:
    return write_return(folder / "returns" / name, "PRV1", WEEK, [("P001", marks or full_week("B"))], **kw)


def good_grid(marks=None) -> list[list]:
    return return_grid("PRV1", WEEK, [("P001", marks or full_week("B"))])


# --- what a case looks at --------------------------------------------------------------------------


def where(result) -> list[tuple]:
    return [(f["file"], f["sheet"], f["cell"], f["rule"]) for f in result.summary["findings"]]


def counted(result, pid) -> tuple:
    """The week's (possible, attended, authorised, unauthorised, not reported) for a placement."""
    week = next(p["week"] for p in result.summary["pupils"] if p["placement_id"] == pid)
    return tuple(week[k] for k in ("possible", "attended", "authorised", "unauthorised", "not_reported"))


def pupils(result) -> list[str]:
    return [p["placement_id"] for p in result.summary["pupils"]]


def registers(folder: Path):
    return read_registers(folder, Findings())


def placement_value(folder: Path, pid: str, key: str):
    return next(getattr(p, key) for p in registers(folder).placements if p.placement_id == pid)


def both_pupils(result, folder):
    assert pupils(result) == ["P001", "P002"]


def only(*pids):
    def effect(result, folder):
        assert pupils(result) == list(pids)
    return effect


def p001_counts(figures):
    def effect(result, folder):
        assert counted(result, "P001") == figures
    return effect


def whole_return_left_out(result, folder):
    assert counted(result, "P001") == NOT_REPORTED
    assert {"provider_id": "PRV1", "week_commencing": WEEK.isoformat()} in result.summary["missing_returns"]


def all_of(*effects):
    def effect(result, folder):
        for e in effects:
            e(result, folder)
    return effect


def return_received_from_prv1_only(result, folder):
    """An accepted return, even an empty one, means the provider-week is not a missing return."""
    assert result.summary["missing_returns"] == [{"provider_id": "PRV2", "week_commencing": WEEK.isoformat()}]


def p002_not_reported(result, folder):
    assert counted(result, "P002") == NOT_REPORTED


@dataclass(frozen=True)
class Case:
    build: Callable[[Path], object]              # writes the whole school folder
    findings: list                               # the exact (file, sheet, cell, rule), in summary.json order
    effect: Callable = both_pupils               # (result, folder): asserts what must follow for the figures
    says: dict = field(default_factory=dict)     # rule -> words its (first) finding's message must contain
    week: dt.date = WEEK


# --- files that cannot be read ------------------------------------------------------------------------


def return_of_random_bytes(folder):
    school(folder)
    (folder / RET).write_bytes(random.Random(7).randbytes(5000))


def return_csv_renamed(folder):
    school(folder)
    (folder / RET).write_text("Provider ID,PRV1\nWeek commencing,23/11/2026\n\nPlacement ID,UPN,Pupil,Mon AM\n"
                              "P001,B801200005001,Test Pupil,B\n", encoding="utf-8")


def return_genuine_xls(name):
    def build(folder):
        school(folder)
        grid = [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in good_grid()]
        write_xls(folder / "returns" / name, "Attendance", grid)
    return build


def return_password_protected(folder):
    school(folder)
    encrypt_workbook(good_return(folder, "plain.tmp"), folder / RET)
    (folder / "returns" / "plain.tmp").unlink()


def return_truncated(folder):
    school(folder)
    truncate(good_return(folder))


def return_corrupt_sheet(folder):
    school(folder)
    corrupt_member(good_return(folder), "xl/worksheets/sheet1.xml")


def return_empty_workbook(folder):
    school(folder)
    write_empty_workbook(folder / RET)


def return_without_sheets(folder):
    school(folder)
    write_empty_workbook(folder / RET, sheet=None)


def return_empty_attendance_sheet(folder):
    school(folder)
    write_empty_workbook(folder / RET, sheet="Attendance")


def return_no_data_rows(folder):
    school(folder)
    write_grid(folder / RET, {"Attendance": return_grid("PRV1", WEEK, [])})


def placements_no_data_rows(folder):
    school(folder)
    write_grid(folder / P, {"Placements": placements_grid()[:1]})


def providers_no_data_rows(folder):
    school(folder)
    write_grid(folder / "providers.xlsx", {"Providers": rows_of(schema.PROVIDERS, [])})


# --- broken sheet structure ------------------------------------------------------------------------


def return_sheet_copied(folder):
    school(folder)
    write_grid(folder / RET, {"Attendance (2)": good_grid()})      # Excel's name for a copied sheet


def renamed_in_return(old, new):
    def build(folder):
        school(folder)
        grid = good_grid()
        grid[3][grid[3].index(old)] = new
        write_grid(folder / RET, {"Attendance": grid})
    return build


def reviews_date_renamed(folder):
    school(folder, reviews=[{"Placement ID": "P001", "Date": WEEK, "Type": "AP lead visit"}])
    grid = placements_grid()
    reviews = rows_of(schema.REVIEWS, [{"Placement ID": "P001", "Date": WEEK, "Type": "AP lead visit"}])
    reviews[0][1] = "Visit date"
    write_grid(folder / P, {"Placements": grid, "Reviews": reviews})


def no_reviews_read(result, folder):
    assert registers(folder).reviews == []
    both_pupils(result, folder)


def send_read(result, folder):
    assert placement_value(folder, "P001", "send") == "Y"


def placements_optional_columns_deleted(folder):
    school(folder)
    grid = placements_grid()
    for header in ("Cost per day", "Looked after", "Objectives"):
        j = grid[0].index(header)
        for row in grid:
            del row[j]
    write_grid(folder / P, {"Placements": grid})


def messy(header: str) -> str:
    return f"  {header.upper().replace(' ', '   ')} "


def placements_messy_headers(folder):
    school(folder)
    grid = placements_grid(p1(SEND="Y"), p2())
    grid[0] = [messy(h) for h in grid[0]]
    write_grid(folder / P, {" placements ": grid})


def return_messy_headers(folder):
    school(folder)
    grid = good_grid()
    grid[0][0], grid[1][0] = "provider id:", " WEEK  commencing "
    grid[3] = [messy(h).lower() for h in grid[3]]
    write_grid(folder / RET, {"ATTENDANCE": grid})


def placements_duplicate_header(folder):
    school(folder)
    grid = placements_grid()
    grid[0].append("Start date")                       # AK1: a second Start date column, with other dates
    grid[1].append("TBC")
    grid[2].append(dt.date(2027, 1, 4))
    write_grid(folder / P, {"Placements": grid})


def first_start_date_used(result, folder):
    both_pupils(result, folder)
    assert placement_value(folder, "P001", "start_date") == WEEK
    assert placement_value(folder, "P002", "start_date") == WEEK


def return_duplicate_header(folder):
    school(folder)
    grid = good_grid()
    grid[3].append("Mon AM")                           # O4: a second Mon AM column holding N
    grid[4].append("N")
    write_grid(folder / RET, {"Attendance": grid})


def placements_extra_columns(folder):
    school(folder, p1(**{"Key worker": "Ms Smith", "Bus": 12}), p2(**{"Key worker": "Mr Jones"}))


def return_extra_columns(folder):
    school(folder)
    grid = good_grid()
    grid[3] += ["Key worker", "Lunch"]
    grid[4] += ["Ms Smith", "Y"]
    write_grid(folder / RET, {"Attendance": grid})


def placements_merged_provider(folder):
    school(folder, p1(), p2(**{"Provider ID": "PRV1"}))
    write_book(folder / P, {"Placements": placements_grid(p1(), p2(**{"Provider ID": "PRV1"}))},
               merges={"Placements": [("G2:G3", "PRV1")]})


def return_merged_sessions(folder):
    school(folder)
    write_book(folder / RET, {"Attendance": good_grid()}, merges={"Attendance": [("D5:E5", "B")]})


def placements_hidden(folder):
    review = {"Placement ID": "P002", "Date": WEEK, "Type": "AP lead visit"}
    school(folder)
    write_book(folder / P, {"Instructions": [["Keep this register up to date."]], "Placements": placements_grid(),
                            "Reviews": rows_of(schema.REVIEWS, [review])},
               hidden_rows={"Placements": [3]}, hidden_sheets=("Placements", "Reviews"))


def hidden_rows_and_sheets_read(result, folder):
    both_pupils(result, folder)
    assert [r.placement_id for r in registers(folder).reviews] == ["P002"]


def return_hidden(folder):
    school(folder)
    write_book(folder / RET, {"Notes": [["Thank you"]], "Attendance": good_grid()},
               hidden_rows={"Attendance": [5]}, hidden_sheets=("Attendance",))


def placements_autofilter(folder):
    school(folder)
    write_book(folder / P, {"Placements": placements_grid()}, hidden_rows={"Placements": [3]},
               autofilter={"Placements": ("A1:AJ3", 6, "x == PRV1")})


def return_autofilter(folder):
    school(folder)
    school(folder, p1(), p2(), placement("P003", start=WEEK, UPN=make_upn("801200005003")))
    grid = return_grid("PRV1", WEEK, [("P001", full_week("B")), ("P003", full_week("B"))])
    write_book(folder / RET, {"Attendance": grid}, hidden_rows={"Attendance": [6]},
               autofilter={"Attendance": ("A4:N6", 0, "x == P001")})


def p001_and_p003_counted(result, folder):
    assert counted(result, "P001") == ALL_ATTENDED and counted(result, "P003") == ALL_ATTENDED


def return_formulas_cached(folder):
    school(folder)
    marks = [Formula('=IF(TRUE,"B","N")', "B")] * 2 + ["B"] * 8
    write_book(folder / RET, {"Attendance": good_grid(marks)})


def placements_formulas_cached(folder):
    school(folder)
    grid = placements_grid()
    grid[1][HEADERS.index("Placement ID")] = Formula('="P00"&1', "P001")
    grid[1][HEADERS.index("Start date")] = Formula("=DATE(2026,11,23)", WEEK)
    grid[1][HEADERS.index("Cost per day")] = Formula("=5*12", 60)
    write_book(folder / P, {"Placements": grid})


def placements_cost_formula(folder):
    school(folder)
    grid = placements_grid()
    grid[1][HEADERS.index("Cost per day")] = Formula("=5*12", 60)
    write_book(folder / P, {"Placements": grid})


def cost_formula_value_used(result, folder):
    both_pupils(result, folder)
    assert placement_value(folder, "P001", "cost_per_day") == 60.0


def return_formula_not_cached(folder):
    school(folder)
    marks = [Formula('=IF(TRUE,"B","N")')] + ["B"] * 9
    write_book_openpyxl(folder / RET, {"Attendance": good_grid(marks)})


def placements_formula_not_cached(folder):
    school(folder)
    grid = placements_grid()
    grid[1][HEADERS.index("Start date")] = Formula("=DATE(2026,11,23)")
    write_book_openpyxl(folder / P, {"Placements": grid})


def return_error_cells(folder):
    school(folder)
    write_book(folder / RET, {"Attendance": good_grid([Error("#N/A")] + ["B"] * 9)})


def placements_error_cell(folder):
    school(folder)
    grid = placements_grid()
    grid[1][HEADERS.index("Start date")] = Error("#REF!")
    write_book(folder / P, {"Placements": grid})


# --- bad dates and numbers ----------------------------------------------------------------------------

UK_DATES = ["23/11/2026", " 23/11/2026 ", "23-11-2026", "23.11.2026", "23/11/26", "23 November 2026", "23 Nov 2026",
            "23rd November 2026", "Monday 23 November 2026", "Mon 23rd Nov 2026", "23-Nov-2026", "23-Nov-26",
            "2026-11-23", "23/11/2026 00:00:00", "2026-11-23 00:00:00", "November 23, 2026", 46349]


def start_dates_as_text(folder):
    school(folder, *[placement(f"P{i:03d}", start=typed, UPN=make_upn(f"8012000{i:05d}"),
                               **{"Parent letter sent": typed, "Parents agreed": typed})
                     for i, typed in enumerate(UK_DATES, start=1)])


def every_form_read_as_the_same_day(result, folder):
    read = {p.placement_id: (p.start_date, p.parent_letter_sent, p.parents_agreed)
            for p in registers(folder).placements}
    assert read == {f"P{i:03d}": (WEEK, WEEK, WEEK) for i in range(1, len(UK_DATES) + 1)}
    assert all(counted(result, pid) == NOT_REPORTED for pid in read)


def week_as_text(typed):
    def build(folder):
        school(folder)
        write_return(folder / RET, "PRV1", typed, [("P001", full_week("B"))])
    return build


def start_date_typed(typed):
    def build(folder):
        school(folder, p1(**{"Start date": typed}), p2())
    return build


def register_export_us_order(folder):
    school(folder)
    good_return(folder)
    (folder / "register").mkdir()
    (folder / "register" / "mis.csv").write_text("UPN,Date,Session,Code\nB801200005001,11/23/2026,AM,/\n"
                                                 "B801200005001,23/11/2026,PM,/\n", encoding="utf-8-sig")


def numbers_as_text(folder):
    school(folder, p1(**{"Hours per day": " 5.5 ", "Cost per day": "£1,200.50", "Year group": "7"}), p2(),
           exclusions=[{"UPN": "B801200005001", "Type": "Suspension", "First day": dt.date(2026, 11, 2),
                        "School days": "3", "Work set": "Y"}])


def numbers_read(result, folder):
    both_pupils(result, folder)
    regs = registers(folder)
    p = regs.placements[0]
    assert (p.hours_per_day, p.cost_per_day, p.year_group) == (5.5, 1200.5, "7")
    assert [e.school_days for e in regs.exclusions] == [3]


def upn_typed(value):
    def build(folder):
        school(folder, p1(UPN=value), p2())
    return build


# --- bad or unknown identities ---------------------------------------------------------------------


def review_for_unknown_placement(folder):
    school(folder, reviews=[{"Placement ID": "P404", "Date": WEEK, "Type": "AP lead visit"}])


def return_with_rows(*rows, provider_id="PRV1", name="prv1.xlsx"):
    def build(folder):
        school(folder)
        write_return(folder / "returns" / name, provider_id, WEEK, list(rows))
    return build


# --- untrusted identifiers and workbooks that would need gigabytes (section 12) ------------------------


def providers_with_ids(first_id: str, second_id: str = "PRV2"):
    """Two providers and one placement at each, the first provider's ID replaced everywhere it is typed."""
    def build(folder):
        write_school(folder, [p1(**{"Provider ID": first_id}), p2(**{"Provider ID": second_id})],
                     providers=[provider(first_id), provider(second_id)])
    return build


def return_rewritten(member: str, old: str, new: str):
    """A good return whose XML part `member` has `old` replaced by `new` (a few bytes on disk)."""
    def build(folder):
        from tests.corpus_factories import rewrite_member

        school(folder)
        good_return(folder)
        rewrite_member(folder / RET, member, lambda xml: xml.replace(old, new) if old in xml else pytest.fail(old))
    return build


FAR_CELL = ("xl/worksheets/sheet1.xml", "</sheetData>",
            "<row r='1048576'><c r='XFD1048576' t='s'><v>0</v></c></row></sheetData>")
SPACED_FAR_CELL = ("xl/worksheets/sheet1.xml", "</sheetData>",
                   '<row r = "1048576"><c  r =  \'XFD1048576\' ><v>1</v></c></row></sheetData>')
STRING_COUNT = ("xl/sharedStrings.xml", 'count="', "count='900000000' x=\"")


# --- bad return contents ------------------------------------------------------------------------------


def return_outside_terms(folder):
    school(folder)
    write_return(folder / "returns" / "christmas.xlsx", "PRV1", dt.date(2026, 12, 21), [("P001", full_week("B"))])
    good_return(folder)                                  # the week of 23/11, inside the autumn term


def counted_nowhere(result, folder):
    year = next(p["year_to_date"] for p in result.summary["pupils"] if p["placement_id"] == "P001")
    assert (year["possible"], year["attended"]) == (10, 10)   # only the week of 23/11; nothing from Christmas


def same_return_twice(folder):
    school(folder)
    first = good_return(folder)
    copy = shutil.copy(first, folder / "returns" / "prv1 - Copy.xlsx")
    for path in (first, copy):
        os.utime(path, (1_000_000, 1_000_000))


def older_version_saved_later(folder):
    school(folder)
    newer = good_return(folder, "a.xlsx", created=dt.datetime(2026, 11, 27, 16, 0))
    older = good_return(folder, "b.xlsx", marks=["N"] * 10, created=dt.datetime(2026, 11, 27, 9, 0))
    os.utime(newer, (1_000_000, 1_000_000))        # copied into the folder first...
    os.utime(older, (2_000_000, 2_000_000))        # ...the older version copied in after it


# --- broken files and folders ---------------------------------------------------------------------


def lock_files(folder):
    school(folder)
    good_return(folder)
    lock = b"\x0bAP Lead" + bytes(46) + b"\x0b\x00A\x00P\x00" + bytes(100)     # what Excel leaves while a file is open
    for name in ("returns/~$prv1.xlsx", "returns/old/~$prv2.xlsx", "~$placements.xlsx", "~$providers.xlsx"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(lock)


JUNK_ROWS = 100_000


def placements_junk_sheet(folder):
    school(folder)
    write_grid(folder / P, {"Placements": placements_grid(), "Old export": [["Exported from the MIS"]]})
    append_rows(folder / P, 2, 2, ([f"junk {i}", i, "x" * 20, None, f"{i}/11/2026"] for i in range(JUNK_ROWS)))


def placements_blankish_rows(folder):
    school(folder)
    write_grid(folder / P, {"Placements": placements_grid()})
    # spaces in the table's columns and a stray note beyond its last column, all the way down
    stray = len(HEADERS)
    append_rows(folder / P, 1, 4, ([" ", None, "   "] + [None] * (stray - 3) + ["checked"] for _ in range(JUNK_ROWS)))


def placements_formula_filled_down(folder):
    school(folder)
    write_grid(folder / P, {"Placements": placements_grid()})
    hours = HEADERS.index("Hours per day")
    append_rows(folder / P, 1, 4, ([None] * hours + [0] for _ in range(JUNK_ROWS)), formula="R{row}*0")


def capped_findings(result, folder):
    both_pupils(result, folder)
    capped = result.summary["findings"][0]
    assert capped["value"] == str(JUNK_ROWS - MAX_FINDINGS_PER_SHEET)
    assert f"{JUNK_ROWS:,} problems" in capped["message"] and "delete those rows" in capped["message"]


FILLED_DOWN = [(P, PS, None, "too-many-findings")] + [
    (P, PS, f"A{row}", "required-blank") for row in range(4, 4 + MAX_FINDINGS_PER_SHEET)]


# --- the corpus -----------------------------------------------------------------------------------------

OUTSIDE_TERMS_BUG = (
    "pipeline/read/returns.py (being rewritten, not edited here): a return whose week has no day inside any "
    "term is accepted as if it were a school week. It gets no finding of its own; instead every code in it "
    "is an 'unexpected-mark' warning (10 here) when the week is before the reporting week, or it is silently "
    "ignored when it is before the year's first term. It should be one 'week-outside-terms' warning on the "
    "file (sheet and cell None) and count nowhere.")

CASES = {
    # files that cannot be read: a return is left out whole, with one finding on the file
    "return-not-a-workbook-renamed-xlsx": Case(return_of_random_bytes, [(RET, None, None, "not-a-workbook")],
                                               whole_return_left_out, {"not-a-workbook": ["not an Excel workbook"]}),
    "return-csv-renamed-xlsx": Case(return_csv_renamed, [(RET, None, None, "not-a-workbook")], whole_return_left_out),
    "return-genuine-xls": Case(return_genuine_xls("prv1.xls"), [("returns/prv1.xls", None, None, "xls-file")],
                               whole_return_left_out, {"xls-file": ["97-2003", "save it as an Excel Workbook (.xlsx)"]}),
    "return-genuine-xls-renamed-xlsx": Case(return_genuine_xls("prv1.xlsx"), [(RET, None, None, "xls-file")],
                                            whole_return_left_out),
    "return-password-protected": Case(return_password_protected, [(RET, None, None, "password-protected")],
                                      whole_return_left_out, {"password-protected": ["without a password"]}),
    "return-truncated-zip": Case(return_truncated, [(RET, None, None, "not-a-workbook")], whole_return_left_out),
    "return-corrupt-zip": Case(return_corrupt_sheet, [(RET, None, None, "not-a-workbook")], whole_return_left_out,
                               {"not-a-workbook": ["Attendance sheet cannot be read", "save it again"]}),
    "return-empty-workbook": Case(return_empty_workbook, [(RET, None, None, "no-attendance-sheet")],
                                  whole_return_left_out),
    "return-workbook-without-sheets": Case(return_without_sheets, [(RET, None, None, "no-attendance-sheet")],
                                           whole_return_left_out),
    "return-empty-attendance-sheet": Case(return_empty_attendance_sheet, [(RET, None, None, "header-not-found")],
                                          whole_return_left_out),
    "return-no-data-rows": Case(return_no_data_rows, [(RET, None, None, "pupil-missing-from-return")],
                                all_of(p001_counts(NOT_REPORTED), return_received_from_prv1_only),
                                {"pupil-missing-from-return": ["P001", "not in this return"]}),
    "placements-no-data-rows": Case(placements_no_data_rows, [], only()),
    "providers-no-data-rows": Case(providers_no_data_rows, [(P, PS, "G2", "unknown-provider"),
                                                            (P, PS, "G3", "unknown-provider")], only()),

    # broken sheet structure
    "return-attendance-sheet-renamed": Case(return_sheet_copied, [(RET, None, None, "no-attendance-sheet")],
                                            whole_return_left_out),
    "return-placement-id-column-renamed": Case(renamed_in_return("Placement ID", "Placement"),
                                               [(RET, None, None, "header-not-found")], whole_return_left_out),
    "return-session-column-renamed": Case(renamed_in_return("Fri PM", "Friday PM"),
                                          [(RET, A, None, "missing-column")], p001_counts(ONE_N),
                                          {"missing-column": ["Fri PM", "Put the column back"]}),
    "reviews-required-column-renamed": Case(reviews_date_renamed, [(P, "Reviews", None, "header-not-found")],
                                            no_reviews_read),
    "placements-optional-columns-deleted": Case(placements_optional_columns_deleted, []),
    "placements-headers-spaced-and-cased": Case(placements_messy_headers, [],
                                                send_read),
    "return-headers-spaced-and-cased": Case(return_messy_headers, [], p001_counts(ALL_ATTENDED)),
    "placements-duplicate-header": Case(placements_duplicate_header, [(P, PS, "AL1", "duplicate-header")],
                                        first_start_date_used,
                                        {"duplicate-header": ["'Start date'", "J1", "AL1", "Only the first column"]}),
    "return-duplicate-header": Case(return_duplicate_header, [(RET, A, "O4", "duplicate-header")],
                                    p001_counts(ALL_ATTENDED), {"duplicate-header": ["'Mon AM'", "D4", "O4"]}),
    "placements-extra-unknown-columns": Case(placements_extra_columns, []),
    "return-extra-unknown-columns": Case(return_extra_columns, [], p001_counts(ALL_ATTENDED)),
    "placements-merged-cells-in-table": Case(placements_merged_provider, [(P, PS, "G3", "required-blank")],
                                             only("P001"), {"required-blank": ["Provider ID is blank in row 3"]}),
    "return-merged-cells-in-table": Case(return_merged_sessions, [(RET, A, "E5", "blank-session")],
                                         p001_counts(ONE_N)),
    "placements-hidden-rows-and-sheets": Case(placements_hidden, [], hidden_rows_and_sheets_read),
    "return-hidden-rows-and-sheet": Case(return_hidden, [], p001_counts(ALL_ATTENDED)),
    "placements-autofilter-left-on": Case(placements_autofilter, []),
    "return-autofilter-left-on": Case(return_autofilter, [], p001_and_p003_counted),
    # A formula where a code, date, ID or name belongs is a finding and the cell counts as blank (section 12),
    # even when Excel saved the value it showed; a formula in a number or money cell is read by its value.
    "return-formula-with-cached-value": Case(return_formulas_cached, [(RET, A, "D5", "formula-in-cell"),
                                                                      (RET, A, "E5", "formula-in-cell")],
                                             p001_counts(TWO_N),
                                             {"formula-in-cell": ["register code", "P001", "D5", "counts as N"]}),
    "placements-formula-with-cached-value": Case(placements_formulas_cached, [(P, PS, "A2", "formula-in-cell"),
                                                                              (P, PS, "J2", "formula-in-cell")],
                                                 only("P002"), {"formula-in-cell": ["Placement ID", "A2",
                                                                                    "left out"]}),
    "return-formula-without-cached-value": Case(return_formula_not_cached, [(RET, A, "D5", "formula-in-cell")],
                                                p001_counts(ONE_N)),
    "placements-formula-without-cached-value": Case(placements_formula_not_cached,
                                                    [(P, PS, "J2", "formula-in-cell")], only("P002"),
                                                    {"formula-in-cell": ["Start date", "J2", "left out"]}),
    "placements-formula-in-cost-uses-its-value": Case(placements_cost_formula, [], cost_formula_value_used),
    "return-error-cell": Case(return_error_cells, [(RET, A, "D5", "formula-in-cell")], p001_counts(ONE_N)),
    "placements-error-cell": Case(placements_error_cell, [(P, PS, "J2", "formula-in-cell")], only("P002")),

    # bad dates and numbers
    "dates-as-text-in-every-uk-form": Case(start_dates_as_text, [], every_form_read_as_the_same_day),
    "week-commencing-as-uk-text": Case(week_as_text("Monday 23rd November 2026"), [], p001_counts(ALL_ATTENDED)),
    "start-date-in-us-order": Case(start_date_typed("11/23/2026"), [(P, PS, "J2", "bad-date")], only("P002"),
                                   {"bad-date": ["'11/23/2026'", "impossible in UK order", "dd/mm/yyyy",
                                                 "23/11/2026", "Correct cell J2"]}),
    "week-commencing-in-us-order": Case(week_as_text("11/23/2026"), [(RET, None, None, "no-week")],
                                        whole_return_left_out,
                                        {"no-week": ["impossible in UK order", "23/11/2026", "left out"]}),
    "start-date-naming-the-wrong-weekday": Case(start_date_typed("Tuesday 23 November 2026"),
                                                [(P, PS, "J2", "bad-date")], only("P002"),
                                                {"bad-date": ["23/11/2026 is a Monday"]}),
    "register-export-date-in-us-order": Case(register_export_us_order, [("register/mis.csv", None, "2", "register-bad-row")],
                                             p001_counts(ALL_ATTENDED),
                                             {"register-bad-row": ["'11/23/2026'", "impossible in UK order"]}),
    "numbers-stored-as-text": Case(numbers_as_text, [], numbers_read),
    "upn-typed-as-a-number": Case(upn_typed(801200005001), [(P, PS, "B2", "bad-upn")], both_pupils,
                                  {"bad-upn": ["801200005001", "typed or saved as a number", "Format the cell as Text"]}),
    "upn-saved-as-scientific-notation": Case(upn_typed("8.01200005001E+11"), [(P, PS, "B2", "bad-upn")], both_pupils,
                                             {"bad-upn": ["typed or saved as a number"]}),

    # bad or unknown identities
    "upn-wrong-check-letter": Case(upn_typed("A801200005001"), [(P, PS, "B2", "bad-upn")], both_pupils,
                                   {"bad-upn": ["check letter should be B", "still monitored"]}),
    "placement-provider-not-in-register": Case(lambda f: school(f, p1(), p2(**{"Provider ID": "PRV9"})),
                                               [(P, PS, "G3", "unknown-provider")], only("P001"),
                                               {"unknown-provider": ["PRV9", "P002", "Add the provider"]}),
    "return-row-placement-not-in-register": Case(return_with_rows(("P001", full_week("B")), ("P404", full_week("B"))),
                                                 [(RET, A, "A6", "wrong-placement")], all_of(
                                                     p001_counts(ALL_ATTENDED), both_pupils),
                                                 {"wrong-placement": ["P404", "counted nowhere"]}),
    "review-placement-not-in-register": Case(review_for_unknown_placement, [(P, "Reviews", "A2", "unknown-placement")],
                                             no_reviews_read),
    "return-provider-not-in-register": Case(return_with_rows(("P001", full_week("B")), provider_id="PRV9"),
                                            [(RET, None, None, "unknown-provider")], whole_return_left_out,
                                            {"unknown-provider": ["PRV9", "providers.xlsx"]}),

    # untrusted identifiers and workbooks that would need gigabytes (section 12)
    "placement-id-path-like": Case(lambda f: school(f, p1(**{"Placement ID": "../../x"}), p2()),
                                   [(P, PS, "A2", "unsafe-id")], only("P002"),
                                   {"unsafe-id": ["'../../x'", "slash", "left out"]}),
    "placement-id-windows-device-name": Case(lambda f: school(f, p1(**{"Placement ID": "CON"}), p2()),
                                             [(P, PS, "A2", "unsafe-id")], only("P002"), {"unsafe-id": ["Windows"]}),
    "placement-ids-differ-only-in-case-and-spaces": Case(lambda f: school(f, p1(), p2(**{"Placement ID": "p 001"})),
                                                         [(P, PS, "A3", "duplicate-id")], only("P001"),
                                                         {"duplicate-id": ["capitals or spaces", "left out"]}),
    "provider-id-path-like": Case(providers_with_ids("a/b"), [(P, PS, "G2", "unknown-provider"),
                                                              ("providers.xlsx", "Providers", "A2", "unsafe-id")],
                                  only("P002"), {"unsafe-id": ["'a/b'", "slash"]}),
    "provider-id-absolute-path": Case(providers_with_ids("/abs/x"), [(P, PS, "G2", "unknown-provider"),
                                                                     ("providers.xlsx", "Providers", "A2", "unsafe-id")],
                                      only("P002")),
    # the later spelling is left out; a placement that uses it could mean either row, so it is left out too
    "provider-ids-differ-only-in-case": Case(providers_with_ids("PRV1", "prv1"),
                                             [(P, PS, "G3", "ambiguous-provider"),
                                              ("providers.xlsx", "Providers", "A3", "duplicate-id")], only("P001"),
                                             {"duplicate-id": ["capitals or spaces"]}),
    "return-far-cell-in-single-quotes": Case(return_rewritten(*FAR_CELL), [(RET, None, None, "too-large")],
                                             whole_return_left_out, {"too-large": ["XFD1048576", "Ctrl+End"]}),
    "return-far-cell-with-spaces-around-equals": Case(return_rewritten(*SPACED_FAR_CELL),
                                                      [(RET, None, None, "too-large")], whole_return_left_out),
    "return-shared-strings-count-900000000": Case(return_rewritten(*STRING_COUNT), [(RET, None, None, "too-large")],
                                                  whole_return_left_out),

    # bad return contents
    "return-week-not-a-monday": Case(week_as_text(dt.date(2026, 11, 26)), [(RET, A, "B2", "week-not-monday")],
                                     p001_counts(ALL_ATTENDED), {"week-not-monday": ["Monday 23/11/2026"]}),
    "return-week-outside-every-term": pytest.param(
        Case(return_outside_terms, [("returns/christmas.xlsx", None, None, "week-outside-terms")], counted_nowhere,
             week=dt.date(2027, 1, 11)),
        ),
    "return-same-file-twice": Case(same_return_twice, [("returns/prv1 - Copy.xlsx", None, None, "duplicate-return")],
                                   p001_counts(ALL_ATTENDED), {"duplicate-return": ["returns/prv1.xlsx"]}),
    "return-older-version-copied-in-later": Case(older_version_saved_later,
                                                 [("returns/b.xlsx", None, None, "duplicate-return")],
                                                 p001_counts(ALL_ATTENDED), {"duplicate-return": ["returns/a.xlsx"]}),
    "return-row-for-another-providers-pupil": Case(return_with_rows(("P001", full_week("B")), ("P002", full_week("B"))),
                                                   [(RET, A, "A6", "wrong-placement")],
                                                   p002_not_reported,
                                                   {"wrong-placement": ["P002", "not placed at PRV1"]}),
    "return-codes-in-lower-case": Case(return_with_rows(("P001", ["b", "b", "/", "\\", "l", "l", "c1", "i", "n", "n"])),
                                       [], p001_counts((10, 6, 2, 2, 0))),
    "return-codes-padded-with-spaces": Case(return_with_rows(("P001", [" B", "B ", "  /  ", "\\", " L ", "B", "B",
                                                                       " C1", "N ", "B"])),
                                            [], p001_counts((10, 8, 1, 1, 0))),
    "return-unknown-codes": Case(return_with_rows(("P001", ["A", "present", 7, "B", "B", "B", "B", "B", "B", "B"])),
                                 [(RET, A, "D5", "unknown-code"), (RET, A, "E5", "unknown-code"),
                                  (RET, A, "F5", "unknown-code")], p001_counts((10, 7, 0, 3, 0)),
                                 {"unknown-code": ["'A'", "counts as N"]}),

    # broken files and folders
    "excel-lock-files": Case(lock_files, [], p001_counts(ALL_ATTENDED)),
    # (how long these three take, benchmarks/races.py prints)
    "placements-100k-row-junk-sheet": Case(placements_junk_sheet, []),
    "placements-100k-blank-ish-rows": Case(placements_blankish_rows, []),
    "placements-formula-filled-down-100k-rows": Case(placements_formula_filled_down, FILLED_DOWN, capped_findings),
}


def _params(cases: dict) -> list:
    """pytest params named by the case ids; a case given as pytest.param(...) keeps its marks."""
    return [pytest.param(c, id=name) if isinstance(c, Case) else pytest.param(*c.values, marks=c.marks, id=name)
            for name, c in cases.items()]


@pytest.mark.parametrize("case", _params(CASES))
def test_broken_input_gives_exactly_these_findings(tmp_path, case: Case):
    folder = tmp_path / "school"
    case.build(folder)
    result = compute_facts(folder, week=case.week)
    assert where(result) == case.findings
    for f in result.summary["findings"]:
        assert f["severity"] == ("warning" if f["rule"] in WARNINGS else "error"), f
        assert "Traceback" not in f["message"] and "\n" not in f["message"]
    for rule, words in case.says.items():
        message = next(f["message"] for f in result.summary["findings"] if f["rule"] == rule)
        for word in words:
            assert word in message, (rule, word, message)
    case.effect(result, folder)


# --- required input that cannot be used: exit 2 and one plain line ---------------------------------


@dataclass(frozen=True)
class Stop:
    build: Callable[[Path], tuple]       # tmp_path -> (--data, --out)
    says: tuple                          # words the one line must contain


def spoil(change):
    """A good school folder, then `change(folder)`; --out is a fresh folder."""
    def build(tmp_path):
        folder = school(tmp_path / "school")
        good_return(folder)
        change(folder)
        return folder, tmp_path / "out"
    return build


def toml(old, new):
    def change(folder):
        assert old in SCHOOL_TOML
        (folder / "school.toml").write_text(SCHOOL_TOML.replace(old, new), encoding="utf-8")
    return change


def placements_as_xls(folder):
    write_xls(folder / P, "Placements", [[h for h in HEADERS[:10]], ["P001", "B801200005001"]])


def encrypted(name):
    def change(folder):
        plain = shutil.copy(folder / name, folder.parent / "plain.xlsx")
        encrypt_workbook(plain, folder / name)
    return change


def placements_columns(change_header):
    def change(folder):
        grid = placements_grid()
        change_header(grid)
        write_grid(folder / P, {"Placements": grid})
    return change


def rename_start(grid):
    grid[0][HEADERS.index("Start date")] = "Start"


def delete_upn(grid):
    for row in grid:
        del row[HEADERS.index("UPN")]


def no_data_folder(tmp_path):
    return tmp_path / "no such school", tmp_path / "out"


def _append_toml(folder, text: str) -> None:
    (folder / "school.toml").write_text(SCHOOL_TOML + "\n" + text + "\n", encoding="utf-8")


def out_inside_data(tmp_path):
    folder = school(tmp_path / "school")
    return folder, folder / "reports"


def out_is_a_file(tmp_path):
    folder = school(tmp_path / "school")
    (tmp_path / "report.txt").write_text("not a folder", encoding="utf-8")
    return folder, tmp_path / "report.txt"


STOPS = {
    "placements-genuine-xls": Stop(spoil(placements_as_xls), ("placements.xlsx", "97-2003", ".xlsx")),
    "providers-password-protected": Stop(spoil(encrypted("providers.xlsx")), ("providers.xlsx", "password")),
    "placements-truncated-zip": Stop(spoil(lambda f: truncate(f / P)), ("placements.xlsx cannot be read",)),
    "placements-corrupt-zip": Stop(spoil(lambda f: corrupt_member(f / P, "xl/worksheets/sheet1.xml")),
                                   ("placements.xlsx", "Placements cannot be read", "save it again")),
    "providers-csv-renamed-xlsx": Stop(spoil(lambda f: (f / "providers.xlsx").write_text("Provider ID,Name\nPRV1,A\n")),
                                       ("providers.xlsx cannot be read", "not an Excel workbook")),
    "placements-empty-workbook": Stop(spoil(lambda f: write_empty_workbook(f / P)),
                                      ("placements.xlsx has no sheet called 'Placements'",)),
    "placements-workbook-without-sheets": Stop(spoil(lambda f: write_empty_workbook(f / P, sheet=None)),
                                               ("placements.xlsx has no sheet called 'Placements'",)),
    "placements-missing-required-sheet": Stop(spoil(lambda f: write_grid(f / P, {"AP register": placements_grid()})),
                                              ("placements.xlsx has no sheet called 'Placements'", "Rename the sheet")),
    "placements-empty-placements-sheet": Stop(spoil(lambda f: write_empty_workbook(f / P, "Placements")),
                                              ("placements.xlsx, sheet Placements: no header row", "Start date")),
    "placements-required-column-renamed": Stop(spoil(placements_columns(rename_start)),
                                               ("placements.xlsx", "row 1", "no column 'Start date'")),
    "placements-required-column-deleted": Stop(spoil(placements_columns(delete_upn)),
                                               ("placements.xlsx", "no column 'UPN'")),
    "toml-syntax-error": Stop(spoil(toml('name = "Autumn 2026"', 'name = Autumn 2026')),
                              ("school.toml cannot be read", "line 9", "name = Autumn 2026")),
    "toml-overlapping-terms": Stop(spoil(toml("start = 2027-01-05", "start = 2026-12-01")),
                                   ("school.toml", "'Spring 2027' starts before 'Autumn 2026' ends")),
    "toml-half-term-outside-term": Stop(spoil(toml("half_term = [2026-10-26, 2026-10-30]",
                                                   "half_term = [2026-12-21, 2026-12-24]")),
                                        ("school.toml", "'Autumn 2026' half_term", "inside the term")),
    "toml-target-above-100": Stop(spoil(toml("target_percent = 96.0", "target_percent = 960")),
                                  ("school.toml", "target_percent", "0 to 100", "960")),
    "toml-target-below-0": Stop(spoil(toml("target_percent = 96.0", "target_percent = -4")),
                                ("school.toml", "target_percent", "-4")),
    "toml-term-ends-before-it-starts": Stop(spoil(toml("end = 2027-03-25", "end = 2026-03-26")),
                                            ("school.toml", "'Spring 2027' ends (2026-03-26) before it starts")),
    "toml-terms-with-single-brackets": Stop(spoil(lambda f: (f / "school.toml").write_text(
        SCHOOL_TOML.split("[[terms]]")[0] + '[terms]\nname = "Autumn 2026"\nstart = 2026-09-03\nend = 2026-12-18\n',
        encoding="utf-8")), ("school.toml", "[[terms]]", "two square brackets")),
    "toml-school-not-a-table": Stop(spoil(toml('[school]\nname = "Test Infant School"', 'school = "Test Infant School"')),
                                    ("school.toml", "[school] must be a table")),
    "data-folder-does-not-exist": Stop(no_data_folder, ("no such school", "does not exist", "--data")),
    "out-folder-cannot-be-written": Stop(out_is_a_file, ("Cannot write reports", "report.txt", "--out")),
    # settings of the wrong kind or out of range, and an --out inside the school folder (sections 2 and 8)
    "toml-suppress-below-as-words": Stop(spoil(lambda f: _append_toml(f, '[governors]\nsuppress_below = "five"')),
                                         ("school.toml", "[governors] suppress_below", "whole number", '"five"')),
    "toml-budget-with-pound-sign": Stop(spoil(lambda f: _append_toml(f, '[budget]\nap_budget = "£60,000"')),
                                        ("school.toml", "[budget] ap_budget", "£60,000")),
    "toml-term-ends-in-9999": Stop(spoil(toml("end = 2027-07-21", "end = 9999-12-31")),
                                   ("school.toml", "end", "2000 to 2100", "9999-12-31")),
    "out-inside-the-school-folder": Stop(out_inside_data, ("--out", "inside the school folder")),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=i) for i, c in STOPS.items()])
def test_required_input_that_cannot_be_used_stops_with_one_plain_line(tmp_path, capsys, case: Stop):
    data, out = case.build(tmp_path)

    code = main(["--data", str(data), "--week", WEEK.isoformat(), "--out", str(out)])

    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Cannot run: "), captured.err
    assert "Traceback" not in captured.err and "Error:" not in lines[0]
    for words in case.says:
        assert words in lines[0], (words, lines[0])
    assert not (Path(out) / WEEK.isoformat()).exists()


# --- the corpus itself -------------------------------------------------------------------------------


def test_the_corpus_has_at_least_forty_kinds_of_broken_input():
    assert len(CASES) + len(STOPS) >= 40
    assert not set(CASES) & set(STOPS)


def test_the_genuine_xls_factory_makes_a_file_excel_readers_open(tmp_path):
    """So the 'genuine .xls' cases test a real .xls, not just its magic bytes."""
    import olefile
    import python_calamine

    path = write_xls(tmp_path / "prv1.xls", "Attendance", [["Provider ID", "PRV1"], ["Week commencing", 46349.0]])

    assert olefile.OleFileIO(str(path)).listdir() == [["Workbook"]]
    book = python_calamine.CalamineWorkbook.from_path(str(path))
    assert book.get_sheet_by_name("Attendance").to_python() == [["Provider ID", "PRV1"], ["Week commencing", 46349.0]]


def test_the_openpyxl_factory_leaves_formulas_without_a_cached_value(tmp_path):
    """So the 'formula without a cached value' cases test what they say."""
    import zipfile

    path = write_book_openpyxl(tmp_path / "f.xlsx", {"S": [[Formula('=IF(TRUE,"B","N")'), "x"]]})

    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" in xml and "<v>" not in xml.split("<f>")[1].split("</c>")[0]


def _sheet_of(path, sheet, data_only=False):
    import openpyxl

    return openpyxl.load_workbook(path, data_only=data_only)[sheet]


FACTORY_CHECKS = {
    # case id: (file, sheet, what openpyxl must see in it), so a case cannot pass because its damage is missing
    "placements-hidden-rows-and-sheets": (P, PS, lambda ws, values: ws.sheet_state == "hidden" and
                                          ws.row_dimensions[3].hidden and ws.parent["Reviews"].sheet_state == "hidden"),
    "return-hidden-rows-and-sheet": (RET, A, lambda ws, values: ws.sheet_state == "hidden" and ws.row_dimensions[5].hidden),
    "placements-autofilter-left-on": (P, PS, lambda ws, values: ws.auto_filter.ref == "A1:AJ3" and ws.row_dimensions[3].hidden),
    "return-autofilter-left-on": (RET, A, lambda ws, values: ws.auto_filter.ref == "A4:N6" and ws.row_dimensions[6].hidden),
    "placements-merged-cells-in-table": (P, PS, lambda ws, values: [str(r) for r in ws.merged_cells.ranges] == ["G2:G3"]),
    "return-merged-cells-in-table": (RET, A, lambda ws, values: [str(r) for r in ws.merged_cells.ranges] == ["D5:E5"]),
    "return-formula-with-cached-value": (RET, A, lambda ws, values: ws["D5"].value.startswith("=IF(")
                                         and values["D5"].value == "B"),
    "placements-formula-with-cached-value": (P, PS, lambda ws, values: ws["J2"].value == "=DATE(2026,11,23)"
                                             and values["J2"].value == dt.datetime(2026, 11, 23)),
    "return-formula-without-cached-value": (RET, A, lambda ws, values: ws["D5"].value.startswith("=IF(")
                                            and values["D5"].value is None),
    "placements-formula-without-cached-value": (P, PS, lambda ws, values: ws["J2"].value == "=DATE(2026,11,23)"
                                                and values["J2"].value is None),
    "return-error-cell": (RET, A, lambda ws, values: values["D5"].value == "#N/A"),
    "placements-error-cell": (P, PS, lambda ws, values: values["J2"].value == "#REF!"),
}


@pytest.mark.parametrize("case_id", list(FACTORY_CHECKS))
def test_the_factories_make_the_damage_the_cases_name(tmp_path, case_id):
    file, sheet, check = FACTORY_CHECKS[case_id]
    CASES[case_id].build(tmp_path)

    assert check(_sheet_of(tmp_path / file, sheet), _sheet_of(tmp_path / file, sheet, data_only=True))
