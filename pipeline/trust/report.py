# TEMPORARY STUB (not committed): the helper writes the real one
from pathlib import Path
def write_trust_report(facts, folder):
    from ..output import write_text
    p = Path(folder) / "trust_summary.json"
    write_text(p, "{}\n")
    return [p]
