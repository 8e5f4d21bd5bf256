"""A seeded synthetic trust (contract §16), for benchmarks and tests of the trust run.

    python -m tools.synth --trust OUT_DIR [--schools 40] [--providers 60] [--weeks 39] [--seed 1]

OUT_DIR gets trust.toml ([trust] name, schools, suppress_below), the trust's shared providers.xlsx of
--providers providers (one Provider ID is one provider in every school) and --schools school folders, each made
as `tools.synth` makes one school (school.toml, placements.xlsx with 10 to 60 placements, a year of returns)
but drawing its providers from the shared register. Most schools have no providers.xlsx of their own and use
the trust's; the last school, and from ten schools up the middle one too, keep their own (the shared rows of
the providers they use), which the trust run uses whole for that school instead.

Two cases of the rule provider-registration (contract §10, §16) are arranged so that only the trust can see
them. The last two providers of the register are not Registered and take no other pupils:
  FIVE_ACROSS (the last but one) educates full time 5 pupils spread over 2 or 3 schools, at most 3 in any one:
              the trust run's alert fires for it, no school's own run does;
  FOUR_ACROSS (the last) educates full time 4 pupils spread the same way, and one more pupil Monday to
              Thursday (not full time): no alert anywhere.
None of these pupils has an EHC plan or is looked after (one such pupil would be enough for the alert). Every
other provider is Registered. No clock: the same arguments give byte-identical files.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline import schema
from pipeline.calendar import SchoolCalendar
from pipeline.output import write_text
from pipeline.settings import load_settings, parse_settings
from pipeline.templates import write_workbook

from .synth_model import PLACES, Model, _provider, add_all_year, build, school_weeks

TRUST_NAME = "Synthtown Learning Trust (synthetic)"
PHASES = ("Primary", "Academy", "Junior", "High School")
PLACEMENTS = (10, 60)             # each school's placements, drawn between these
FIVE, FOUR = 5, 4                 # full-time pupils of the two arranged unregistered providers
SUPPRESS_BELOW = 3


@dataclass
class TrustSchool:
    folder: str                   # the school folder's name, as trust.toml lists it
    name: str                     # [school] name
    target: float
    own_register: bool            # keeps its own providers.xlsx
    model: Model


@dataclass
class Trust:
    providers: list               # rows of the trust's shared providers.xlsx
    schools: list                 # TrustSchool, in trust.toml order

    @property
    def five_across(self) -> dict:
        return self.providers[-2]

    @property
    def four_across(self) -> dict:
        return self.providers[-1]


def school_names(k: int) -> tuple[str, str]:
    """The k-th school's (folder, name): 'riverside-primary', 'Riverside Primary (synthetic)'."""
    place, phase = PLACES[k % len(PLACES)], PHASES[k // len(PLACES) % len(PHASES)]
    rounds = k // (len(PLACES) * len(PHASES))
    name = f"{place} {phase}" + (f" {rounds + 1}" if rounds else "")
    return re.sub(r"[^a-z0-9]+", "-", name.lower()), f"{name} (synthetic)"


def spread(count: int, schools: int, first: int, among: int) -> dict[int, int]:
    """`count` pupils over `among` schools from index `first` (wrapping): school index -> pupils."""
    return {(first + j) % schools: count // among + (j < count % among) for j in range(among)}


def _weighted_sample(rng: random.Random, weights: list[float], k: int) -> list[int]:
    """k distinct indexes, the heavier more likely (Efraimidis and Spirakis)."""
    keys = sorted(range(len(weights)), key=lambda j: rng.random() ** (1 / weights[j]), reverse=True)
    return sorted(keys[:k])


def calendar_of(toml: str) -> SchoolCalendar:
    return SchoolCalendar.from_settings(parse_settings(tomllib.loads(toml)))


def school_toml(school: TrustSchool) -> str:
    from .synth import SCHOOL_TOML
    return SCHOOL_TOML.format(name=school.name, target=school.target, budget=len(school.model.placements) * 2500)


def build_trust(calendar: SchoolCalendar, schools: int, providers: int, weeks: int, seed: int) -> Trust:
    if schools < 2:
        raise ValueError("--schools must be 2 or more: the arranged provider-registration cases span two schools")
    if providers < 5:
        raise ValueError("--providers must be 5 or more for a trust: two of them are the arranged unregistered ones")
    all_weeks = school_weeks(calendar)
    if not 1 <= weeks <= len(all_weeks):
        raise ValueError(f"--weeks must be 1 to {len(all_weeks)}: the terms have {len(all_weeks)} school weeks")
    span_end = calendar.school_days(all_weeks[0], all_weeks[weeks - 1] + dt.timedelta(days=4))[-1]
    rng = random.Random(f"synth-trust/{seed}/{schools}/{providers}/{weeks}")
    shared = [_provider(i, providers, rng, span_end) for i in range(providers)]
    for i, p in enumerate(shared):
        p["Registered"] = "N" if i >= providers - 2 else "Y"
    popularity = [rng.uniform(0.2, 3.0) for _ in range(providers - 2)]
    among = min(3, schools)
    five_at, four_at = spread(FIVE, schools, 0, among), spread(FOUR, schools, 1, among)
    part_time_at = 0
    own = {schools - 1} | ({schools // 2 - 1} if schools >= 10 else set())
    trust = Trust(shared, [])
    for k in range(schools):
        key = f"synth-trust/{seed}/{k}/{providers}/{weeks}"
        srng = random.Random(key)
        arranged = five_at.get(k, 0) + four_at.get(k, 0) + (k == part_time_at)
        count = srng.randint(*PLACEMENTS) - arranged
        used = _weighted_sample(srng, popularity, min(srng.randint(3, 12), count))
        target = srng.choice((90.0, 92.0, 94.0, 95.0, 96.0))
        m = build(calendar, count, 0, weeks, seed, given=[shared[j] for j in used], school=k + 1, key=key)
        for provider, n in ((trust.five_across, five_at.get(k, 0)), (trust.four_across, four_at.get(k, 0))):
            for _ in range(n):
                add_all_year(m, provider, srng, k + 1)
        if k == part_time_at:
            add_all_year(m, trust.four_across, srng, k + 1, full_time=False)
        folder, name = school_names(k)
        trust.schools.append(TrustSchool(folder, name, target, k in own, m))
    return trust


def trust_toml(trust: Trust) -> str:
    listed = "".join(f'    "{s.folder}",\n' for s in trust.schools)
    return ("# A synthetic trust for benchmarks and tests, written by `python -m tools.synth --trust`. "
            "Everything here is made up.\n\n"
            f'[trust]\nname = "{TRUST_NAME}"\nschools = [\n{listed}]\nsuppress_below = {SUPPRESS_BELOW}\n')


def generate_trust(folder, schools: int = 40, providers: int = 60, weeks: int = 39, seed: int = 1,
                   jobs: int | None = None) -> list[Path]:
    """Write the synthetic trust into `folder` (new or empty); return the files written."""
    from .synth import PARAMS, REGISTERS_SAVED, SCHOOL_NAME, SCHOOL_TARGET, SCHOOL_TOML, write_weeks

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: give a new or empty folder")
    calendar = calendar_of(SCHOOL_TOML.format(name=SCHOOL_NAME, target=SCHOOL_TARGET, budget=0))
    trust = build_trust(calendar, schools, providers, weeks, seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "trust.toml", trust_toml(trust))
    write_workbook(schema.PROVIDERS_BOOK, folder / "providers.xlsx", rows={"Providers": trust.providers},
                   created=REGISTERS_SAVED)
    written = [folder / "trust.toml", folder / "providers.xlsx"]
    for school in trust.schools:
        where, m = folder / school.folder, school.model
        where.mkdir()
        write_text(where / "school.toml", school_toml(school))
        written.append(where / "school.toml")
        if school.own_register:
            write_workbook(schema.PROVIDERS_BOOK, where / "providers.xlsx", rows={"Providers": m.providers},
                           created=REGISTERS_SAVED)
            written.append(where / "providers.xlsx")
        write_workbook(schema.PLACEMENTS_BOOK, where / "placements.xlsx", created=REGISTERS_SAVED,
                       rows={"Placements": m.placements, "Reviews": m.reviews, "Exclusions": m.exclusions})
        written.append(where / "placements.xlsx")
        written += write_weeks(where, m, m.weeks[:weeks], f"{seed}/{school.folder}", jobs)
    params = {"trust": True, "schools": schools, "providers": providers, "weeks": weeks, "seed": seed,
              "weeks_written": weeks}
    write_text(folder / PARAMS, json.dumps(params, indent=2) + "\n")
    return written + [folder / PARAMS]


def _calendar(folder: Path, params: dict) -> SchoolCalendar:
    first = school_names(0)[0]
    return SchoolCalendar.from_settings(load_settings(folder / first / "school.toml"))


def trust_last_week(folder: Path, params: dict) -> dt.date:
    return school_weeks(_calendar(folder, params))[params["weeks_written"] - 1]


def trust_add_week(folder: Path, params: dict, seed: int | None = None) -> tuple[dt.date, list[Path]]:
    """The next school week's returns in every school of a synthetic trust (registers unchanged)."""
    from .synth import PARAMS, write_week

    calendar = _calendar(folder, params)
    trust = build_trust(calendar, params["schools"], params["providers"], params["weeks"], params["seed"])
    weeks = school_weeks(calendar)
    if params["weeks_written"] >= len(weeks):
        raise ValueError(f"{folder} already has returns for every school week of the year")
    monday, written = weeks[params["weeks_written"]], []
    for school in trust.schools:
        written += write_week(folder / school.folder, school.model, monday,
                              f"{params['seed'] if seed is None else seed}/{school.folder}")
    params["weeks_written"] += 1
    write_text(folder / PARAMS, json.dumps(params, indent=2) + "\n")
    return monday, written
