"""cap_per_file: at most `limit` findings listed per file, then one finding counting the rest (contract §12)."""
from __future__ import annotations

from pipeline.findings import Finding, Findings
from pipeline.findings_cap import LIMIT, cap_per_file

TAIL = (": the file probably has a block of rows filled down by mistake; fix the first ones shown and run again.")


def many(file: str, n: int, severity: str = "error", start: int = 1) -> list[Finding]:
    return [Finding(file, "Attendance", f"D{row}", "unknown-code", severity, "ZZ", f"row {row}")
            for row in range(start, start + n)]


def test_a_file_over_the_limit_keeps_its_first_findings_in_order_and_counts_the_rest():
    found = many("returns/junk.xlsx", 1005)
    capped = cap_per_file(found)
    assert isinstance(capped, Findings) and LIMIT == 1000
    assert len(capped) == 1001
    assert capped[:1000] == found[:1000]
    assert capped[1000] == Finding("returns/junk.xlsx", None, None, "too-many-findings", "error", "5",
                                   "5 more findings in this file are not listed" + TAIL)


def test_each_file_is_capped_on_its_own_and_files_under_the_limit_are_untouched():
    a, b, c = many("a.xlsx", 3), many("b.xlsx", 2), many("c.xlsx", 4, "warning")
    found = [a[0], b[0], c[0], a[1], c[1], a[2], b[1], c[2], c[3]]
    capped = cap_per_file(found, limit=2)
    assert capped[:-2] == [a[0], b[0], c[0], a[1], c[1], b[1]]
    assert [(f.file, f.severity, f.value, f.message) for f in capped[-2:]] == [
        ("a.xlsx", "error", "1", "1 more finding in this file is not listed" + TAIL),
        ("c.xlsx", "warning", "2", "2 more findings in this file are not listed" + TAIL)]
    assert cap_per_file(a + b) == a + b


def test_the_severity_is_the_worst_of_those_left_out_not_of_those_kept():
    errors_kept = many("f.xlsx", 2, "error") + many("f.xlsx", 3, "info", start=3)
    assert cap_per_file(errors_kept, limit=2)[-1].severity == "info"
    mixed_dropped = many("f.xlsx", 2, "info") + many("f.xlsx", 1, "warning", 3) + many("f.xlsx", 1, "error", 4) \
        + many("f.xlsx", 1, "info", 5)
    last = cap_per_file(mixed_dropped, limit=2)[-1]
    assert (last.severity, last.value, last.sheet, last.cell) == ("error", "3", None, None)
    assert cap_per_file(many("f.xlsx", 1, "warning") + many("f.xlsx", 2, "warning", 2), limit=1)[-1].severity == "warning"


def test_thousands_are_written_with_a_comma():
    capped = cap_per_file(many("placements.xlsx", 2500))
    assert len(capped) == 1001
    assert capped[-1].message == "1,500 more findings in this file are not listed" + TAIL and capped[-1].value == "1500"


def test_a_filled_down_junk_return_lists_1000_findings_and_one_counting_the_rest(tmp_path):
    """The weekly run applies the cap: 1,500 junk rows in a return give 1,001 findings for it, not 1,500."""
    import datetime as dt

    from pipeline.core import compute_facts
    from tests.factories import full_week, placement, provider, write_return, write_school

    week = dt.date(2026, 11, 23)
    folder = write_school(tmp_path / "school", [placement("P001", start=week)], [provider("PRV1")])
    rows = [("P001", full_week("B"))] + [(f"JUNK{i}", full_week("B")) for i in range(1500)]
    write_return(folder / "returns" / "prv1.xlsx", "PRV1", week, rows)

    result = compute_facts(folder, week=week)

    found = [f for f in result.summary["findings"] if f["file"] == "returns/prv1.xlsx"]
    assert len(found) == 1001
    assert found[0]["rule"] == "too-many-findings" and found[0]["value"] == "500"
    assert {f["rule"] for f in found[1:]} == {"wrong-placement"}
    assert [f["cell"] for f in found[1:3]] == ["A6", "A7"]
    assert result.error_count == 1001
