"""The bundled demo trust (examples/demo_trust): the demo school and two synthetic schools under one trust.toml.

`python -m tools.demo_trust [FOLDER]` (default `examples/demo_trust`) regenerates it, byte-identical every time:
  hilltop-infant/       the demo school, exactly as `python -m tools.demo` makes it (its own providers.xlsx);
  brookfield-primary/   synthetic schools made as `tools.synth` makes one, with returns up to the week of
  kingsway-academy/     23 November 2026 and no providers.xlsx of their own: they use the trust's;
  providers.xlsx        the trust's shared register: the demo school's four providers (the same rows) and five
                        more, PRV5 to PRV9;
  trust.toml, README.md.
Two providers are arranged for the rule provider-registration (contract §10, §16): PRV9 is not Registered and
educates full time 3 pupils at Brookfield and 2 at Kingsway, 5 across the trust, so the trust run raises the
alert that neither school's own run can; PRV8 is not Registered either and educates full time 2 pupils at each,
4 across the trust: no alert. None of them has an EHC plan or is looked after. Everything is made up.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

from pipeline import schema
from pipeline.output import write_text
from pipeline.templates import write_workbook

from . import demo
from .synth import REGISTERS_SAVED, SCHOOL_TOML, write_weeks
from .synth_model import _provider, add_all_year, build, school_weeks
from .synth_trust import calendar_of

DEFAULT_FOLDER = Path("examples/demo_trust")
TRUST_NAME = "Hilltop Learning Trust"
DEMO_SCHOOL = "hilltop-infant"
SUPPRESS_BELOW = 3
WEEK = demo.LAST_WEEK                        # the demo's reporting week: 23 November 2026
FIVE_ACROSS, FOUR_ACROSS = "PRV9", "PRV8"
# folder, [school] name, target, random placements, the shared providers it uses, arranged full-time pupils
SCHOOLS = (
    ("brookfield-primary", "Brookfield Primary School", 95.0, 14, ("PRV1", "PRV3", "PRV5", "PRV6"),
     {FIVE_ACROSS: 3, FOUR_ACROSS: 2}),
    ("kingsway-academy", "Kingsway Academy", 93.0, 12, ("PRV1", "PRV2", "PRV7"), {FIVE_ACROSS: 2, FOUR_ACROSS: 2}),
)

TRUST_TOML = f'''\
# trust.toml for the demo trust: the Hilltop Learning Trust is fictional.
# Regenerate the whole folder with:  python -m tools.demo_trust
# Run it with:  python run_weekly.py --trust examples/demo_trust --week 2026-11-23

[trust]
name = "{TRUST_NAME}"
schools = ["{DEMO_SCHOOL}", "{SCHOOLS[0][0]}", "{SCHOOLS[1][0]}"]   # school folders, inside this folder
suppress_below = {SUPPRESS_BELOW}                  # counts of 1 or 2 pupils are shown as <3 in the trust report
'''


README = f"""\
# The demo trust: {TRUST_NAME}

A complete, **fictional** trust folder for trying trust mode (see `docs/trust_mode.md`) and for its tests.
Every name, UPN, address, telephone number and e-mail address is made up.

It is generated, not edited by hand. To regenerate it (byte-identical every time):

```
python -m tools.demo_trust                 # writes examples/demo_trust/
python -m tools.demo_trust SOME/FOLDER     # or anywhere else
```

The generator is `tools/demo_trust.py`; `tests/test_demo_trust.py` checks that the committed folder
matches it.

Try it, on Linux or macOS:

```
python run_weekly.py --trust examples/demo_trust --week 2026-11-23 --out /tmp/trust_out
```

or on Windows, in PowerShell:

```
python run_weekly.py --trust examples\\demo_trust --week 2026-11-23 --out "$env:TEMP\\trust_out"
```

Each school's own reports go to `/tmp/trust_out/2026-11-23/<school folder>/`, exactly as a `--data` run of
that school would write them; the trust report (`trust_report.xlsx`, `trust_report.html`,
`trust_summary.json`) goes to `/tmp/trust_out/2026-11-23/`.

## The folder

| path | what |
|---|---|
| `trust.toml` | the trust's name, its three school folders, `suppress_below = {SUPPRESS_BELOW}` |
| `providers.xlsx` | the trust's shared provider register: PRV1 to PRV4 (the demo school's four, the same rows) and PRV5 to PRV9 |
| `{DEMO_SCHOOL}/` | the demo school (Hilltop Infant School), exactly as `python -m tools.demo` makes it; it keeps its own `providers.xlsx`, which is used for it instead of the trust's |
| `{SCHOOLS[0][0]}/` | {SCHOOLS[0][1]}: a synthetic school, no `providers.xlsx` of its own (it uses the trust's) |
| `{SCHOOLS[1][0]}/` | {SCHOOLS[1][1]}: the same |

The two synthetic schools are made as `python -m tools.synth` makes a school: placements from a seed, and
returns from the first week of term to the week of 23 November 2026, with about 0.5% of sessions blank or
holding a code that is not a register code and about 1% of returns missing, so their runs have error
findings, as the demo school's has. The trust run therefore exits with status 1.

## The provider-registration cases

A provider that educates full time (a `Full day` pattern Monday to Friday) 5 or more pupils, or one with an
EHC plan or looked after, must be registered as an independent school (contract §10, `provider-registration`).
Two providers of the shared register are not Registered (`Registered` is `N`):

| provider | full-time pupils at {SCHOOLS[0][1]} | at {SCHOOLS[1][1]} | across the trust | alert |
|---|---|---|---|---|
| {FIVE_ACROSS} | {SCHOOLS[0][5][FIVE_ACROSS]} | {SCHOOLS[1][5][FIVE_ACROSS]} | {SCHOOLS[0][5][FIVE_ACROSS] + SCHOOLS[1][5][FIVE_ACROSS]} | in the trust report only: neither school sees 5 |
| {FOUR_ACROSS} | {SCHOOLS[0][5][FOUR_ACROSS]} | {SCHOOLS[1][5][FOUR_ACROSS]} | {SCHOOLS[0][5][FOUR_ACROSS] + SCHOOLS[1][5][FOUR_ACROSS]} | none |

None of these pupils has an EHC plan or is looked after. Each school's own run lists both providers under
`provider-checks` (Registered is not Y), but not under `provider-registration`.
"""


def shared_providers(span_end: dt.date) -> list[dict]:
    """The demo school's four providers as they are, then PRV5 to PRV9 (PRV8 and PRV9 not Registered)."""
    rng = random.Random("demo-trust/providers")
    more = []
    for i in range(4, 9):
        p = _provider(i, 9, rng, span_end)
        pid = f"PRV{i + 1}"
        p.update({"Provider ID": pid, "Contact email": f"attendance@{pid.lower()}.test",
                  "Registered": "N" if pid in (FIVE_ACROSS, FOUR_ACROSS) else "Y"})
        more.append(p)
    return [dict(p) for p in demo.PROVIDERS] + more


def generate(folder: Path) -> list[Path]:
    """Write the demo trust into `folder`; return the files written, in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    toml = SCHOOL_TOML.replace("for benchmarks, written by `python -m tools.synth`",
                               "of the demo trust, written by `python -m tools.demo_trust`")
    calendar = calendar_of(toml.format(name="x", target=90.0, budget=0))
    all_weeks = school_weeks(calendar)
    weeks = all_weeks.index(WEEK) + 1
    span_end = calendar.school_days(all_weeks[0], WEEK + dt.timedelta(days=4))[-1]
    providers = {p["Provider ID"]: p for p in shared_providers(span_end)}
    write_text(folder / "trust.toml", TRUST_TOML)
    write_workbook(schema.PROVIDERS_BOOK, folder / "providers.xlsx", rows={"Providers": list(providers.values())},
                   created=REGISTERS_SAVED)
    written = [folder / "trust.toml", folder / "providers.xlsx"] + demo.generate(folder / DEMO_SCHOOL)
    for number, (name, title, target, count, uses, arranged) in enumerate(SCHOOLS, start=1):
        key = f"demo-trust/{name}"
        m = build(calendar, count, 0, weeks, 0, given=[providers[pid] for pid in uses], school=number, key=key)
        rng = random.Random(key)
        for pid, n in arranged.items():
            for _ in range(n):
                add_all_year(m, providers[pid], rng, school=number)
        where = folder / name
        where.mkdir(exist_ok=True)
        write_text(where / "school.toml", toml.format(name=title, target=target, budget=len(m.placements) * 2500))
        write_workbook(schema.PLACEMENTS_BOOK, where / "placements.xlsx", created=REGISTERS_SAVED,
                       rows={"Placements": m.placements, "Reviews": m.reviews, "Exclusions": m.exclusions})
        written += [where / "school.toml", where / "placements.xlsx"]
        written += write_weeks(where, m, m.weeks[:weeks], key, jobs=1)
    write_text(folder / "README.md", readme())
    return written + [folder / "README.md"]


def readme() -> str:
    return README


def main(argv: list[str] | None = None) -> int:
    return demo.folder_main(argv, "demo_trust", DEFAULT_FOLDER, generate)


if __name__ == "__main__":
    sys.exit(main())
