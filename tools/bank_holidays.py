"""Write pipeline/bank_holidays_table.py: England's bank holidays for bank_holidays.FIRST..LAST, as the installed
`holidays` library gives them.

    .venv/bin/python -m tools.bank_holidays

Run it when tests/test_bank_holidays.py says the library now gives other dates (a new one-off bank holiday, as
for a coronation, is added to the library when it is announced).
"""
from __future__ import annotations

import sys
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "pipeline" / "bank_holidays_table.py"


def table_text() -> str:
    """The module's text: a line per year, each date as MM-DD."""
    import holidays

    from pipeline.bank_holidays import FIRST, LAST

    lines = ['"""England\'s bank holidays by year, written by `python -m tools.bank_holidays` from the `holidays`',
             f'library {holidays.__version__}: do not edit by hand (pipeline.bank_holidays says why it is here)."""',
             "", "YEARS = {"]
    for year in range(FIRST, LAST + 1):
        days = sorted(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())
        if any(d.year != year for d in days):
            raise SystemExit(f"the library gives {year} a bank holiday in another year: {days}")
        lines.append(f'    {year}: "{" ".join(d.strftime("%m-%d") for d in days)}",')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    text = table_text()
    if TABLE.exists() and TABLE.read_text(encoding="utf-8") == text:
        print(f"{TABLE} is up to date.")
        return 0
    TABLE.write_text(text, encoding="utf-8")
    print(f"Wrote {TABLE}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
