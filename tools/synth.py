"""A seeded synthetic school folder of any size, for benchmarks and load tests.

    python -m tools.synth --placements 2000 --providers 150 --weeks 39 [--seed 1] OUT_DIR
    python -m tools.synth --add-week OUT_DIR        # the next school week's returns
    python -m tools.synth --trust OUT_DIR [--schools 40] [--providers 60] [--weeks 39] [--seed 1]   # a trust

OUT_DIR gets school.toml (the terms of 2026-27, as in the demo), providers.xlsx, placements.xlsx (with
Reviews and Exclusions, from `tools.synth_model`) and one return per provider and school week with
pupils expected, under returns/<provider>/, named each provider's own way. Codes are mostly B (K where
the local authority arranged the placement) with absences explained in Notes; about 0.5% of expected
sessions are left blank or hold an unknown code, and about 1% of returns are missing. synth.json
records the arguments so that --add-week can write the next week. No clock: the same arguments give
byte-identical files. Returns are written with xlsxwriter directly (about 4 ms each), not with the
styled pre-filled return (about 25 ms each).

With --trust, OUT_DIR is a trust folder (contract §16) of --schools such schools sharing one providers.xlsx:
see `tools.synth_trust`. --add-week works on it too (every school gets the next week).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import random
import sys
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import xlsxwriter

from pipeline import schema
from pipeline.calendar import SchoolCalendar
from pipeline.labels import MONTH_ABBREVIATIONS
from pipeline.output import XLSX_OPTIONS, pinned_datetime, write_text
from pipeline.register_import import ATTENDED_CODE
from pipeline.schema import META_SHEET, TEMPLATE_VERSION
from pipeline.settings import load_settings, parse_settings
from pipeline.templates import TERMS_2026_27, write_workbook

from .synth_model import Model, build

PARAMS = "synth.json"
REGISTERS_SAVED = dt.date(2026, 8, 31)
ABSENCES = (("I", 45), ("N", 25), ("M", 12), ("O", 6), ("G", 4), ("C", 4), ("R", 4))
NOTES = {"I": "Unwell", "M": "Medical appointment", "N": "No reason given yet", "L": "Arrived late",
         "E": "Suspended from school", "O": "Did not arrive", "G": "Family holiday", "C": "Family emergency",
         "R": "Religious observance"}
ERRORS = ("", "", "A", "PR", "?")                      # blank, or a code that is no register code
HEADERS = [c.header for c in schema.ATTENDANCE.columns]
INCIDENT_HEADERS = [c.header for c in schema.INCIDENTS.columns]

SCHOOL_NAME, SCHOOL_TARGET = "Synthtown Academy (synthetic)", 92.0
SCHOOL_TOML = '''\
# A synthetic school for benchmarks, written by `python -m tools.synth`. Everything here is made up.

[school]
name = "{name}"
address = "1 Example Road, Synthtown"
target_percent = {target}

[calendar]
closures = [2026-11-13]

''' + TERMS_2026_27 + '''
[email]
from = "ap.lead@synthtown.example.org"
return_by = "Monday"

[budget]
ap_budget = {budget}
'''


def return_filename(provider: dict, index: int, monday: dt.date) -> str:
    """Providers name their files their own way."""
    pid, short = provider["Provider ID"], provider["Name"].split()[0]
    style = index % 5
    if style == 0:
        return f"{short} w-c {monday.isoformat()}.xlsx"
    if style == 1:
        return f"{short}_register_{monday:%d.%m.%y}.xlsx"
    if style == 2:
        return f"{short} attendance {monday.day} {MONTH_ABBREVIATIONS[monday.month - 1]} {monday.year}.xlsx"
    if style == 3:
        return f"return {monday:%d-%m-%Y}.xlsx"
    return f"{pid}_{monday.isoformat()}.xlsx"


def _week_rows(m: Model, placements: list[dict], monday: dt.date, rng: random.Random) -> tuple[list[list], list[list]]:
    """The Attendance rows (Placement ID .. Notes) and any Incidents rows of one provider's return."""
    rows, incidents = [], []
    for p in placements:
        expected = m.expected(p, monday)
        if not expected:
            continue
        pid, cells, notes = p["Placement ID"], {}, {}
        suspended = m.suspended.get(pid, ())
        for day in sorted({d for d, _ in expected}):
            sessions = [s for d, s in expected if d == day]
            if day in suspended:
                codes = dict.fromkeys(sessions, "E")
            elif rng.random() < m.absence[pid]:
                code = rng.choices(*zip(*ABSENCES))[0]
                codes = dict.fromkeys(sessions, code)
                if len(sessions) == 2 and rng.random() < 0.3:        # absent for one session only
                    codes[rng.choice(sessions)] = ATTENDED_CODE[p["Arranged by"]]
            else:
                codes = dict.fromkeys(sessions, ATTENDED_CODE[p["Arranged by"]])
                if rng.random() < 0.03:
                    codes[sessions[0]] = "L"
            for s, code in codes.items():
                cells[(day, s)] = rng.choice(ERRORS) if rng.random() < 0.005 else code
            kept = {NOTES[c] for c in codes.values() if c in NOTES}
            if kept:
                notes[day] = f"{day:%a}: " + ", ".join(sorted(kept))
        row = [pid, p["UPN"], f"{p['Forename']} {p['Surname']}"]
        for i in range(10):
            row.append(cells.get((monday + dt.timedelta(days=i // 2), (schema.AM, schema.PM)[i % 2]), "-"))
        rows.append(row + ["; ".join(notes[d] for d in sorted(notes))])
        if rng.random() < 0.01:
            day = rng.choice(expected)[0]
            incidents.append([day, pid, rng.choice(schema.INCIDENT_CATEGORIES), day,
                              "Refused to follow instructions and left the room; calmed with key worker."])
    return rows, incidents


def write_return(path: Path, provider_id: str, monday: dt.date, rows: list[list], incidents: list[list],
                 prefilled: bool) -> None:
    """One return in the contract §5 layout: labels A1:B2, header on row 4, pupils from row 5. A `prefilled`
    one (the school's own return, sent back) also has the Incidents sheet and the hidden _meta sheet."""
    wb = xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS, "in_memory": True})
    wb.set_properties({"created": pinned_datetime(monday + dt.timedelta(days=7))})
    bold, date = wb.add_format({"bold": True}), wb.add_format({"num_format": "dd/mm/yyyy"})
    ws = wb.add_worksheet(schema.ATTENDANCE.name)
    provider_row, week_row = (schema.RETURN_LABEL_ROWS[label] for label in (schema.PROVIDER_LABEL, schema.WEEK_LABEL))
    ws.write_string(provider_row, 0, schema.PROVIDER_LABEL, bold)
    ws.write_string(provider_row, 1, provider_id)
    ws.write_string(week_row, 0, schema.WEEK_LABEL, bold)
    ws.write_datetime(week_row, 1, pinned_datetime(monday), date)
    ws.write_row(schema.RETURN_HEADER_ROW, 0, HEADERS, bold)
    for r, row in enumerate(rows, start=schema.RETURN_HEADER_ROW + 1):
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value)
    if prefilled or incidents:
        ws = wb.add_worksheet(schema.INCIDENTS.name)
        ws.write_row(0, 0, INCIDENT_HEADERS, bold)
        for r, (day, pid, category, reported, summary) in enumerate(incidents, start=1):
            ws.write_datetime(r, 0, pinned_datetime(day), date)
            ws.write_row(r, 1, (pid, category))
            ws.write_datetime(r, 3, pinned_datetime(reported), date)
            ws.write_string(r, 4, summary)
    if prefilled:
        ws = wb.add_worksheet(META_SHEET)
        for r, pair in enumerate((("provider_id", provider_id), ("week_commencing", monday.isoformat()),
                                  ("template_version", TEMPLATE_VERSION))):
            ws.write_row(r, 0, pair)
        ws.hide()
    wb.close()


def write_week(folder: Path, m: Model, monday: dt.date, seed: int) -> list[Path]:
    """Every provider's return for the week of `monday` (none where no pupil is expected; ~1% missing)."""
    written, at = [], {}
    for p in m.placements:
        at.setdefault(p["Provider ID"], []).append(p)
    for i, provider in enumerate(m.providers):
        rng = random.Random(f"synth/{seed}/{provider['Provider ID']}/{monday.isoformat()}")
        missing = rng.random() < 0.01
        rows, incidents = _week_rows(m, at.get(provider["Provider ID"], []), monday, rng)
        if missing or not rows:
            continue
        path = folder / "returns" / provider["Provider ID"] / return_filename(provider, i, monday)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_return(path, provider["Provider ID"], monday, rows, incidents, prefilled=i % 4 != 3)
        written.append(path)
    return written


_JOB: tuple | None = None      # (folder, model, seed), inherited by the forked workers of write_weeks


def _write_job_week(monday: dt.date) -> list[Path]:
    return write_week(*_JOB[:2], monday, _JOB[2])


def write_weeks(folder: Path, m: Model, mondays: list, seed: int, jobs: int | None = None) -> list[Path]:
    """write_week for each Monday, over `jobs` processes (default: one per core once there are 200
    provider-weeks). Each provider-week draws from its own seed, so the files do not depend on `jobs`."""
    global _JOB
    if jobs is None:
        jobs = (os.cpu_count() or 1) if len(mondays) * len(m.providers) >= 200 else 1
    if jobs <= 1 or len(mondays) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [p for monday in mondays for p in write_week(folder, m, monday, seed)]
    _JOB = (folder, m, seed)
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            return [p for paths in pool.map(_write_job_week, mondays) for p in paths]
    finally:
        _JOB = None


def _model(folder: Path, params: dict) -> Model:
    calendar = SchoolCalendar.from_settings(load_settings(folder / "school.toml"))
    return build(calendar, params["placements"], params["providers"], params["weeks"], params["seed"])


def generate(folder, placements: int, providers: int, weeks: int, seed: int = 1, jobs: int | None = None) -> list[Path]:
    """Write the synthetic school into `folder` (new or empty); return the files written."""
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise ValueError(f"{folder} is not empty: give a new or empty folder")
    params = {"placements": placements, "providers": providers, "weeks": weeks, "seed": seed,
              "weeks_written": weeks}
    toml = SCHOOL_TOML.format(name=SCHOOL_NAME, target=SCHOOL_TARGET, budget=max(placements, 1) * 2500)
    m = build(SchoolCalendar.from_settings(parse_settings(tomllib.loads(toml))), placements, providers, weeks, seed)
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "school.toml", toml)
    write_workbook(schema.PROVIDERS_BOOK, folder / "providers.xlsx", rows={"Providers": m.providers},
                   created=REGISTERS_SAVED)
    write_workbook(schema.PLACEMENTS_BOOK, folder / "placements.xlsx", created=REGISTERS_SAVED,
                   rows={"Placements": m.placements, "Reviews": m.reviews, "Exclusions": m.exclusions})
    written = write_weeks(folder, m, m.weeks[:weeks], seed, jobs)
    write_text(folder / PARAMS, json.dumps(params, indent=2) + "\n")
    return [folder / n for n in ("school.toml", "providers.xlsx", "placements.xlsx")] + written + [folder / PARAMS]


def add_week(folder, seed: int | None = None) -> tuple[dt.date, list[Path]]:
    """Add the next school week's returns to a synthetic folder, or to each school of a synthetic trust
    (registers unchanged): (its Monday, files).
    `seed` draws the week's codes; by default the folder's own seed."""
    folder = Path(folder)
    params = json.loads((folder / PARAMS).read_text(encoding="utf-8"))
    if params.get("trust"):
        from .synth_trust import trust_add_week
        return trust_add_week(folder, params, seed)
    m = _model(folder, params)
    if params["weeks_written"] >= len(m.weeks):
        raise ValueError(f"{folder} already has returns for every school week of the year")
    monday = m.weeks[params["weeks_written"]]
    written = write_week(folder, m, monday, params["seed"] if seed is None else seed)
    params["weeks_written"] += 1
    write_text(folder / PARAMS, json.dumps(params, indent=2) + "\n")
    return monday, written


def last_week(folder) -> dt.date:
    """Monday of the latest week with returns in a synthetic folder: the week to report on."""
    folder = Path(folder)
    params = json.loads((folder / PARAMS).read_text(encoding="utf-8"))
    if params.get("trust"):
        from .synth_trust import trust_last_week
        return trust_last_week(folder, params)
    return _model(folder, params).weeks[params["weeks_written"] - 1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tools.synth", description=__doc__.split("\n\n")[0])
    ap.add_argument("--placements", type=int, help="default 30 (one school; a trust's schools have 10 to 60 each)")
    ap.add_argument("--providers", type=int, help="default 8; with --trust, the shared register's, default 60")
    ap.add_argument("--weeks", type=int, default=39, help="school weeks of returns from the year's start")
    ap.add_argument("--seed", type=int, help="default 1; with --add-week, the folder's own seed")
    ap.add_argument("--jobs", type=int, help="processes writing returns (default: one per core for big schools)")
    ap.add_argument("--add-week", action="store_true", help="add the next school week's returns to OUT_DIR")
    ap.add_argument("--trust", action="store_true", help="make OUT_DIR a trust folder: trust.toml, a shared "
                    "providers.xlsx and --schools school folders")
    ap.add_argument("--schools", type=int, default=40, help="with --trust: how many schools (default 40)")
    ap.add_argument("out_dir", type=Path, metavar="OUT_DIR")
    args = ap.parse_args(argv)
    try:
        if args.add_week:
            monday, paths = add_week(args.out_dir, args.seed)
            print(f"wrote {len(paths)} returns for the week commencing {monday.isoformat()} to {args.out_dir}")
        elif args.trust:
            if args.placements is not None:
                raise ValueError("--placements is for one school: each school of a trust has 10 to 60 placements")
            from .synth_trust import generate_trust
            paths = generate_trust(args.out_dir, args.schools, 60 if args.providers is None else args.providers,
                                   args.weeks, 1 if args.seed is None else args.seed, args.jobs)
            print(f"wrote {len(paths)} files for a trust of {args.schools} schools to {args.out_dir}")
        else:
            paths = generate(args.out_dir, 30 if args.placements is None else args.placements,
                             8 if args.providers is None else args.providers, args.weeks,
                             1 if args.seed is None else args.seed, args.jobs)
            print(f"wrote {len(paths)} files to {args.out_dir}")
    except (ValueError, OSError) as exc:
        print(f"Cannot generate: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
