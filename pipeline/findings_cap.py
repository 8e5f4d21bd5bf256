"""At most 1,000 findings listed per file (contract §12): a filled-down junk sheet cannot swamp the report."""
from __future__ import annotations

from .findings import ERROR, INFO, WARNING, Findings

LIMIT = 1000
RULE = "too-many-findings"
_RANK = {ERROR: 0, WARNING: 1, INFO: 2}


def cap_per_file(found, limit: int = LIMIT) -> Findings:
    """The first `limit` findings of each file, in the order given, and for each file with more one
    finding (rule too-many-findings, on the whole file) saying how many are not listed, whose severity is
    the worst among those left out. The capped files' findings come after all the findings kept, in the
    order the files first appear."""
    findings, counts, dropped = Findings(), {}, {}
    for f in found:
        if f.rule == RULE:          # a reader's own cap (one sheet's): already a count of findings not listed
            findings.append(f)
            continue
        counts[f.file] = counts.get(f.file, 0) + 1
        if counts[f.file] <= limit:
            findings.append(f)
        else:
            dropped.setdefault(f.file, []).append(f.severity)
    for file, severities in dropped.items():
        worst = min(severities, key=lambda s: _RANK.get(s, len(_RANK)))
        n = len(severities)
        more = f"{n:,} more findings in this file are not listed" if n > 1 else "1 more finding in this file is not listed"
        findings.add(file, None, None, "too-many-findings", worst, str(n),
                     f"{more}: the file probably has a block of rows filled down by mistake; fix the first ones shown "
                     "and run again.")
    return findings
