"""The synthetic school's registers, drawn from a seed: providers, placements, reviews, exclusions.

Used by `tools.synth`, which writes them out with a year of returns. Everything comes from
`random.Random` seeded with the arguments and from the calendar: no clock.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from pipeline import schema
from pipeline.calendar import SchoolCalendar, monday_of
from pipeline.upn import make_upn

D = dt.date
FULL, AM, PM = schema.FULL_DAY, schema.AM, schema.PM
WEEKDAYS = schema.WEEKDAYS                     # ("Mon", ..., "Fri")
SESSIONS = {FULL: (AM, PM), AM: (AM,), PM: (PM,)}

FORENAMES = ("Alfie", "Amelia", "Archie", "Ava", "Charlie", "Chloe", "Daniel", "Ella", "Ethan", "Evie", "Finley",
             "Freya", "George", "Grace", "Harry", "Isla", "Jack", "Jessica", "Kai", "Layla", "Leo", "Lily", "Logan",
             "Maisie", "Mason", "Mia", "Noah", "Olivia", "Oscar", "Poppy", "Reggie", "Ruby", "Riley", "Sophie",
             "Theo", "Tyler", "Willow", "Zara", "Yusuf", "Aisha")
SURNAMES = ("Ahmed", "Baker", "Brennan", "Campbell", "Carter", "Clarke", "Davies", "Evans", "Foster", "Green",
            "Hall", "Haskins", "Hughes", "Iqbal", "Jackson", "Jones", "Kaur", "Khan", "Lewis", "Mahmood", "Marsh",
            "Nowak", "Okafor", "Okonjo", "Patel", "Price", "Quinn", "Roberts", "Shaw", "Singh", "Taylor", "Thornton",
            "Walker", "Ward", "Whitlow", "Williams", "Wright", "Young")
PLACES = ("Riverside", "Oak Farm", "Hilltop", "Meadowbank", "Northgate", "Willow Lane", "Castle Street", "Brookfield",
          "Ashdown", "Kingsway", "Millbrook", "Southfield", "Harbour", "Greenacre", "Station Road", "Elmwood")
KINDS = ("Learning Centre", "Outdoor Education", "Nurture Hub", "Tuition", "Skills Academy", "Farm School",
         "Boxing Academy", "Construction Skills", "Hair and Beauty", "Motor Vehicle Centre")
REASONS = (("Directed off-site to improve behaviour", 45), ("Personalised curriculum", 25),
           ("Illness or medical need", 12), ("Suspension over five days", 8), ("Permanent exclusion", 5), ("Other", 5))
PATTERNS = (("full week", 40), ("three days", 15), ("two days", 10), ("mornings", 15), ("afternoons", 5),
            ("mixed", 15))
OBJECTIVES = ("Re-engage with learning through practical work; attend every session.",
              "Small-group English and maths to close gaps before reintegration.",
              "Manage frustration without leaving the room; build routines.",
              "Vocational qualification (Level 1) alongside English and maths.",
              "Part-time nurture while medical needs are managed.")
DESTINATIONS = ("Returned to school full time", "Returned to school part time", "Moved to another provider",
                "Specialist provision")


@dataclass
class Model:
    calendar: SchoolCalendar
    weeks: list                                    # Mondays of every school week of the year
    span_end: dt.date                              # last school day of the generated weeks (the as-of)
    providers: list = field(default_factory=list)  # rows of providers.xlsx
    placements: list = field(default_factory=list)  # rows of placements.xlsx
    reviews: list = field(default_factory=list)
    exclusions: list = field(default_factory=list)
    absence: dict = field(default_factory=dict)    # placement id -> chance of a day's absence
    suspended: dict = field(default_factory=dict)  # placement id -> school days the pupil is suspended

    def expected(self, p: dict, monday: dt.date) -> list[tuple[dt.date, str]]:
        """(day, session) the placement is expected at its provider in the week of `monday` (contract §3, §5)."""
        if p.get("Parents refused"):
            return []
        first, last = max(monday, p["Start date"]), min(monday + dt.timedelta(days=4), p.get("Actual end date") or D.max)
        return [(day, s) for day in self.calendar.school_days(first, last)
                for s in SESSIONS.get(p.get(WEEKDAYS[day.weekday()]), ())]


def school_weeks(calendar: SchoolCalendar) -> list[dt.date]:
    """Mondays of the school weeks of the year, from its first term (holidays skipped)."""
    return sorted({monday_of(d) for d in calendar.days})


def build(calendar: SchoolCalendar, placements: int, providers: int, weeks: int, seed: int, *,
          given: list[dict] | None = None, school: int = 0, key: str | None = None) -> Model:
    """One school's registers. With `given` (a trust's school), its placements draw from those provider rows
    instead of `providers` new ones, `school` (1, 2, ...) keeps its UPNs apart from the other schools' and
    `key` seeds it."""
    all_weeks = school_weeks(calendar)
    if not 1 <= weeks <= len(all_weeks):
        raise ValueError(f"--weeks must be 1 to {len(all_weeks)}: the terms have {len(all_weeks)} school weeks")
    span_end = calendar.school_days(all_weeks[0], all_weeks[weeks - 1] + dt.timedelta(days=4))[-1]
    m = Model(calendar, all_weeks, span_end)
    rng = random.Random(key or f"synth/{seed}/{placements}/{providers}/{weeks}")
    m.providers = list(given) if given is not None else [_provider(i, providers, rng, span_end) for i in range(providers)]
    count = len(m.providers)
    weights = [rng.uniform(0.3, 3.0) for _ in range(count)]
    days = calendar.school_days(calendar.days[0], span_end)
    later = calendar.days[len(days):len(days) + 10]       # a few placements start in the next fortnight
    for i in range(placements):
        # one full-time placement per provider runs all year, so every provider has pupils every week
        anchor = i < count
        provider = m.providers[i if anchor else rng.choices(range(count), weights)[0]]
        _add(m, _placement(m, i, placements, provider, rng, anchor, days, later, school), rng)
    return m


def _add(m: Model, p: dict, rng: random.Random) -> None:
    m.placements.append(p)
    m.absence[p["Placement ID"]] = rng.choices((0.02, 0.06, 0.12, 0.3), (45, 30, 17, 8))[0]
    _reviews(m, p, rng)
    _exclusions(m, p, rng)


def add_all_year(m: Model, provider: dict, rng: random.Random, school: int = 0, full_time: bool = True) -> dict:
    """One more pupil placed at `provider` from the first school day, all year, by the school, with no EHC plan
    and not looked after: full time (Full day Monday to Friday) or, with `full_time` false, Monday to Thursday.
    A trust's arranged provider-registration cases are made of these."""
    days = m.calendar.school_days(m.calendar.days[0], m.span_end)
    i = len(m.placements)
    p = _placement(m, i, i + 1, provider, rng, True, days, [], school)
    p.update({"EHC plan": "N", "Looked after": "N"})
    if not full_time:
        del p[WEEKDAYS[-1]]
    if provider not in m.providers:
        m.providers.append(provider)
    _add(m, p, rng)
    return p


def _provider(i: int, count: int, rng: random.Random, span_end: dt.date) -> dict:
    pid = f"PRV{i + 1:0{max(3, len(str(count)))}d}"
    place, kind = PLACES[i % len(PLACES)], KINDS[(i // len(PLACES) + i) % len(KINDS)]
    name = f"{place} {kind}" + (f" {i // (len(PLACES) * len(KINDS)) + 1}" if i >= len(PLACES) * len(KINDS) else "")
    checks = {c: span_end - dt.timedelta(days=rng.randint(10, 330)) for c in schema.PROVIDER_CHECKS}
    if rng.random() < 0.04:                        # a check more than 12 months old
        checks[rng.choice(schema.PROVIDER_CHECKS)] = span_end - dt.timedelta(days=rng.randint(370, 500))
    return {"Provider ID": pid, "Name": name, "Address": f"Unit {i + 1}, {place} Road, Synthtown, ST{i % 9 + 1} 1AA",
            "Contact name": f"{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}",
            "Contact email": f"attendance@{pid.lower()}.test", "Phone": f"01632 {960000 + i % 1000:06d}",
            "Registered": "N" if rng.random() < 0.02 else "Y", **checks, "Status": "Active"}


def _pattern(kind: str, rng: random.Random) -> dict:
    if kind == "full week":
        return dict.fromkeys(WEEKDAYS, FULL)
    if kind in ("three days", "two days"):
        return dict.fromkeys(sorted(rng.sample(WEEKDAYS, 3 if kind == "three days" else 2), key=WEEKDAYS.index), FULL)
    if kind in ("mornings", "afternoons"):
        return dict.fromkeys(WEEKDAYS, AM if kind == "mornings" else PM)
    days = sorted(rng.sample(WEEKDAYS, rng.randint(2, 4)), key=WEEKDAYS.index)
    return {d: rng.choice((FULL, AM, PM)) for d in days}


def _year_group_and_dob(rng: random.Random) -> tuple[str, dt.date]:
    year = rng.choices(("R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"),
                       (1, 1, 1, 2, 2, 3, 3, 6, 10, 14, 18, 16))[0]
    n = 0 if year == "R" else int(year)
    return year, D(2021 - n, 9, 1) + dt.timedelta(days=rng.randrange(365))   # Year n: born Sep..Aug


def _placement(m: Model, i: int, count: int, provider: dict, rng: random.Random, anchor: bool,
               days: list, later: list, school: int = 0) -> dict:
    cal = m.calendar
    pid = f"P{i + 1:0{max(4, len(str(count)))}d}"
    year, dob = _year_group_and_dob(rng)
    r = rng.random()
    start = days[0] if anchor or r < 0.45 else rng.choice(later) if r > 0.97 and later else rng.choice(days)
    reason = REASONS[0][0] if anchor else rng.choices(*zip(*REASONS))[0]
    if reason in (schema.SUSPENSION_OVER_FIVE_DAYS, schema.PERMANENT_EXCLUSION) and start not in days[5:]:
        reason = "Other"                           # their exclusion must begin 5 school days before the start
    kind = "full week" if anchor else rng.choices(*zip(*PATTERNS))[0]
    arranged = schema.LOCAL_AUTHORITY if not anchor and rng.random() < 0.15 else schema.SCHOOL
    send = rng.random() < 0.25
    before = lambda n: None if rng.random() < 0.05 else start - dt.timedelta(days=n)   # noqa: E731  a duty, 5% left undone
    p = {"Placement ID": pid, "UPN": make_upn(f"999{2400 + school + i // 90000:04d}{10 + i // 1000 % 90:02d}{i % 1000:03d}"),
         "Forename": rng.choice(FORENAMES), "Surname": rng.choice(SURNAMES), "Date of birth": dob, "Year group": year,
         "Provider ID": provider["Provider ID"], "Reason": reason, "Arranged by": arranged, "Start date": start,
         "Planned end date": (None if anchor else cal.add_school_days(start, rng.randint(30, 150))) or cal.days[-1],
         **_pattern(kind, rng)}
    first_pm = any(p.get(d) == PM for d in WEEKDAYS) and not any(p.get(d) in (FULL, AM) for d in WEEKDAYS)
    p.update({"Start time": dt.time(12, 30) if first_pm else dt.time(9, 0),
              "Hours per day": 2.5 if kind in ("mornings", "afternoons") else 5.5,
              "Provider contact": provider["Contact name"], "SEND": "Y" if send else "N",
              "EHC plan": "Y" if send and rng.random() < 0.3 else "N", "Looked after": "Y" if rng.random() < 0.08 else "N",
              "Objectives": rng.choice(OBJECTIVES), "Intervention plan agreed": before(3), "Parents agreed": before(7),
              "Parent letter sent": before(5) if arranged == schema.SCHOOL else None, "Dual registered from": before(0),
              "Attainment data sent": before(2), "SEND details sent": before(2) if send else None,
              "Cost per day": float(rng.randrange(40, 125, 5))})
    if not anchor and rng.random() < 0.01:         # parents refused: the placement never runs
        p.update({"Parents agreed": None, "Parents refused": start - dt.timedelta(days=6)})
    elif not anchor:                               # most end when planned, a few early, a few run on
        planned, r = p["Planned end date"], rng.random()
        end = planned if r < 0.85 else cal.add_school_days(start, rng.randint(10, 60)) if r < 0.93 else None
        if end and end <= m.span_end and end <= planned:
            p["Actual end date"] = end             # its reintegration recorded, now and then with a gap
            p.update(dict.fromkeys(("Final report received", "Pupil views recorded", "Reintegration plan agreed"), end))
            p["Destination"] = rng.choice(DESTINATIONS)
            if rng.random() < 0.15:
                p[rng.choice(("Final report received", "Pupil views recorded", "Destination"))] = None
    return {k: v for k, v in p.items() if v is not None}


def _reviews(m: Model, p: dict, rng: random.Random) -> None:
    """AP lead visits every 25-35 school days, termly agreement reviews and provider reports, formal reviews."""
    if p.get("Parents refused") or p["Start date"] > m.span_end:
        return
    cal, pid = m.calendar, p["Placement ID"]
    last = min(p.get("Actual end date") or m.span_end, m.span_end)
    rows = []
    day = cal.add_school_days(p["Start date"], rng.randint(20, 30))
    while day and day <= last:
        if rng.random() > 0.05:                    # now and then a visit is missed
            rows.append((day, schema.AP_LEAD_VISIT, None))
        day = cal.add_school_days(day, rng.randint(25, 35))
    for term in cal.terms:
        term_days = cal.school_days(max(term.start, p["Start date"]), min(term.end, last))
        if len(term_days) >= 20:
            for kind, chance in ((schema.AGREEMENT_REVIEW, 0.95), (schema.PROVIDER_REPORT, 0.93)):
                if rng.random() < chance:
                    rows.append((rng.choice(term_days[10:]), kind, None))
    if rng.random() < 0.3:
        day = cal.add_school_days(p["Start date"], 30)
        while day and day <= last:
            rows.append((day, schema.FORMAL_REVIEW,
                         schema.NOT_SATISFACTORY if rng.random() < 0.2 else schema.SATISFACTORY))
            day = cal.add_school_days(day, 30)
    m.reviews += [{"Placement ID": pid, "Date": d, "Type": t, **({"Outcome": o} if o else {})} for d, t, o in sorted(rows)]


def _exclusions(m: Model, p: dict, rng: random.Random) -> None:
    """The suspension or exclusion behind the placement, or now and then a short suspension."""
    cal, work_set = m.calendar, "Y" if rng.random() < 0.9 else "N"
    if p["Reason"] in (schema.SUSPENSION_OVER_FIVE_DAYS, schema.PERMANENT_EXCLUSION):
        first = cal.subtract_school_days(p["Start date"], 5)   # the placement starts on the sixth school day
        permanent = p["Reason"] == schema.PERMANENT_EXCLUSION
        row = {"UPN": p["UPN"], "Type": schema.PERMANENT_EXCLUSION if permanent else schema.SUSPENSION, "First day": first,
               "Work set": work_set}
        if not permanent:
            row["School days"] = rng.randint(6, 15)
        m.exclusions.append(row)
    elif p["Start date"] < m.span_end and rng.random() < 0.05:
        first = rng.choice(cal.school_days(p["Start date"], m.span_end))
        n = rng.randint(1, 3)
        m.exclusions.append({"UPN": p["UPN"], "Type": schema.SUSPENSION, "First day": first, "School days": n,
                             "Work set": work_set})
        m.suspended[p["Placement ID"]] = set(cal.school_days(first, cal.add_school_days(first, n - 1) or first))
