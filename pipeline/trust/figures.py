"""The trust report's figures (contract §16): Sections of Tables and a Chart drawn from the schools' digests.

Built on the governor pack's machinery, not a second one: every count of pupils (or placements, or actions,
which are about pupils) is recorded once in a disclosure.Ledger under one key, with the lines it adds up along
(a school's actions by rule add up to its total; the schools add up to the trust's), and each school's
attendance is a pupil group. disclosure.protect_ledger decides what is hidden; only then are the rows put in
order, worst first, by what a reader is shown (ordering by the true numbers would tell where a hidden number
lies between its neighbours). apply_section makes the Sections every writer draws from.

Nothing about a pupil is here: a digest holds counts only, and no action's message text reaches it.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from ..governors.disclosure import PRIMARY, Ledger, Protection, apply_section, is_marker, protect_ledger
from ..governors.figures_base import TOTAL
from ..governors.model import MONEY, PERCENT, Chart, Section, Table
from ..rounding import money, percent
from ..rules.provider_rules import FullTime
from ..schema import YES
from .digest import ProviderState, SchoolDigest
from .model import SchoolResult, TrustFacts

CLEAN, ERRORS, EMAIL_FAILED, NOT_RUN = "clean", "errors", "email_failed", "not_run"
STATUS_TEXT = {CLEAN: "Ran clean", ERRORS: "Errors in its workbooks", EMAIL_FAILED: "E-mail failed",
               NOT_RUN: "Could not be run"}
NO_BUDGET = "no budget set"
ALERT, NO_ALERT = "Alert", "No"
RAG_ORDER = {"red": 0, "amber": 1, "green": 2}

# tables' titles and their names in trust_summary.json
SCHOOLS, ACTIONS, RULES, PROVIDERS = ("Schools, worst first", "Actions by school and rule",
                                      "Actions by rule across the trust", "Providers across the trust, alerted first")
COST_PROVIDERS, COST_SCHOOLS = "Cost by provider this academic year", "Cost by school against its AP budget"
JSON_NAMES = {SCHOOLS: "schools", ACTIONS: "actions", RULES: "actions_by_rule", PROVIDERS: "providers",
              COST_PROVIDERS: "cost_by_provider", COST_SCHOOLS: "cost_by_school"}

ATTENDANCE_COLUMNS = ("Attendance this week (%)", "Attendance this year (%)")


@dataclass(frozen=True)
class Status:
    code: str
    text: str                       # as the report shows it
    exit_code: int | None
    reason: str = ""


def run_status(result: SchoolResult) -> Status:
    """Ran clean / errors in its workbooks / could not be run: its reason / e-mail failed (contract §16)."""
    if not result.ran or result.digest is None:
        reason = " ".join(str(result.shared_reason or "no reason was given").split())
        return Status(NOT_RUN, f"{STATUS_TEXT[NOT_RUN]}: {reason}", result.exit_code, reason)
    if result.exit_code == 3:
        return Status(EMAIL_FAILED, STATUS_TEXT[EMAIL_FAILED], 3)
    if result.exit_code == 1 or result.digest.errors:
        return Status(ERRORS, STATUS_TEXT[ERRORS], result.exit_code)
    return Status(CLEAN, STATUS_TEXT[CLEAN], result.exit_code)


def day_text(day: dt.date | None) -> str:
    return "" if day is None else f"{day:%d/%m/%Y}"


# --- the providers, combined across schools ---------------------------------------------------------

@dataclass
class ProviderAcross:
    provider_id: str
    name: str = ""
    schools: list = field(default_factory=list)          # school names using it
    pupils: int = 0
    full_time: FullTime = field(default_factory=FullTime)
    cost_year: Decimal = Decimal(0)
    costed: int = 0                                      # placements behind cost_year
    cost_unknown: int = 0
    last_visit: dt.date | None = None
    states: list = field(default_factory=list)           # (school name, ProviderState)

    @property
    def registered(self) -> bool:
        """Registered Y in every register that has it (none has it: not known to be registered)."""
        return bool(self.states) and all(s.registered == YES for _, s in self.states)   # read as Y, whatever was typed

    @property
    def alert(self) -> bool:
        """The provider-registration test across the trust (contract §10, §16)."""
        return self.full_time.must_register and not self.registered

    def worst(self) -> ProviderState | None:
        return min((s for _, s in self.states), key=lambda s: RAG_ORDER.get(s.overall, 0), default=None)

    def registered_text(self) -> str:
        said = Counter(s.registered or "blank" for _, s in self.states)
        if not said:
            return "not in any register"
        if len(said) == 1:
            return next(iter(said))
        return "; ".join(f"{value} at {', '.join(n for n, s in self.states if (s.registered or 'blank') == value)}"
                         for value in sorted(said))

    def checks_text(self) -> str:
        worst = self.worst()
        if worst is None:
            return "Not in any school's provider register"
        text = worst.overall_text or worst.overall.capitalize()
        views = {(s.overall, s.registered, s.status) for _, s in self.states}
        if len(views) > 1:
            text += ". The schools' registers disagree: " + "; ".join(
                f"{name} {s.overall.capitalize()}" for name, s in self.states)
        return text


def providers_across(digests: list[SchoolDigest]) -> dict[str, ProviderAcross]:
    found: dict[str, ProviderAcross] = {}
    for d in digests:
        states = {s.provider_id: s for s in d.provider_states}
        for use in d.providers:
            p = found.setdefault(use.provider_id, ProviderAcross(use.provider_id))
            p.schools.append(d.name)
            p.pupils += use.pupils
            p.full_time = p.full_time + use.full_time
            p.cost_year += use.cost_year
            p.costed += use.costed
            p.cost_unknown += use.cost_unknown
            if use.last_visit and (p.last_visit is None or use.last_visit > p.last_visit):
                p.last_visit = use.last_visit
            state = states.get(use.provider_id)
            if state is not None:
                p.states.append((d.name, state))
                p.name = p.name or state.name
    return dict(sorted(found.items()))


# --- the figures ---------------------------------------------------------------------------------------

def _k(*parts) -> str:
    return "/".join(str(p) for p in parts)


@dataclass
class TrustFigures:
    """The trust report's Sections as shown (protected), and what the header and summary say."""
    sections: list[Section]
    protection: Protection
    statuses: dict                                      # folder -> Status
    summary: str
    as_of: dt.date


def _rank(shown, limit: int) -> float:
    """What a reader can say a shown count is at least: the number, 1 for '<N', N for 'hidden'."""
    if isinstance(shown, (int, float)):
        return float(shown)
    if str(shown).startswith("<"):
        return 1.0
    return float(max(limit, 1))


def trust_figures(facts: TrustFacts) -> TrustFigures:
    limit = int(facts.settings.suppress_below or 0)
    results = list(facts.schools)
    statuses = {r.folder: run_status(r) for r in results}
    ran = [r.digest for r in results if r.ran and r.digest is not None]
    providers = providers_across(ran)
    rules = sorted({a.rule for d in ran for a in d.actions})
    ledger = Ledger()

    # --- counts and the lines they add up along (in trust.toml's order, never the display order) ---
    measures = ("pupils", "below_target", "missing_returns", "errors")
    for m, attr in zip(measures, ("pupils", "below_target", "missing_returns", "errors")):
        for d in ran:
            ledger.count(_k(m, "school", d.folder), getattr(d, attr))
        ledger.count(_k(m, "trust"), sum(getattr(d, attr) for d in ran))
        ledger.line([_k(m, "school", d.folder) for d in ran], _k(m, "trust"))
    statuses_of_actions = ("overdue", "due", "alert")
    for st in statuses_of_actions:
        grid = {(d.folder, a.rule): getattr(a, st) for d in ran for a in d.actions if getattr(a, st)}
        for (folder, rule), n in grid.items():
            ledger.count(_k(st, "school", folder, rule), n)
        for d in ran:
            ledger.count(_k(st, "school", d.folder), sum(getattr(a, st) for a in d.actions))
            parts = [_k(st, "school", d.folder, r) for r in rules if (d.folder, r) in grid]
            if parts:
                ledger.line(parts, _k(st, "school", d.folder))
        for rule in rules:
            ledger.count(_k(st, "by-rule", rule), sum(n for (f, r), n in grid.items() if r == rule))
            parts = [_k(st, "school", d.folder, rule) for d in ran if (d.folder, rule) in grid]
            if parts:
                ledger.line(parts, _k(st, "by-rule", rule))
        ledger.count(_k(st, "trust"), sum(grid.values()))
        ledger.line([_k(st, "school", d.folder) for d in ran], _k(st, "trust"))
        ledger.line([_k(st, "by-rule", r) for r in rules], _k(st, "trust"))
    for m, value in (("provider_pupils", lambda p: p.pupils), ("full_time", lambda p: p.full_time.pupils),
                     ("priority", lambda p: p.full_time.priority), ("cost_unknown", lambda p: p.cost_unknown)):
        for pid, p in providers.items():
            ledger.count(_k(m, "provider", pid), value(p))
        ledger.count(_k(m, "trust"), sum(value(p) for p in providers.values()))
        ledger.line([_k(m, "provider", pid) for pid in providers], _k(m, "trust"))
    # each school's attendance is about its pupils; the trust's is the schools' together
    for d in ran:
        ledger.group(_k("attendance", "school", d.folder), d.pupils)
    ledger.group(_k("attendance", "trust"), sum(d.pupils for d in ran))
    if ran:
        ledger.group_line([_k("attendance", "school", d.folder) for d in ran], _k("attendance", "trust"))
    # a cost describes the placements behind it (a known daily rate turns it into a number of pupils): a provider
    # or school with fewer than the limit has its cost suppressed, as the governor pack does; the trust's total
    # spending is shown, so another row is hidden when one alone would be given away by subtraction
    for pid, p in providers.items():
        ledger.group(_k("cost", "provider", pid), p.costed)
    for d in ran:
        ledger.group(_k("cost", "school", d.folder), d.costed)
    ledger.group(_k("cost", "trust"), sum(p.costed for p in providers.values()))
    if providers:
        ledger.group_line([_k("cost", "provider", pid) for pid in providers], _k("cost", "trust"), known=True)
    if ran:
        ledger.group_line([_k("cost", "school", d.folder) for d in ran], _k("cost", "trust"), known=True)
    pr = protect_ledger(ledger, limit)

    # --- worst first, by what is shown ---
    def show(key):
        return pr.show(key)

    def attendance_gap(d: SchoolDigest) -> float:
        year = percent(d.year_attended, d.year_possible)
        if year is None or pr.group(_k("attendance", "school", d.folder)):
            return float("inf")                              # not shown: after those whose gap is shown
        return year - d.target_percent

    order = {r.folder: i for i, r in enumerate(results)}
    by_folder = {d.folder: d for d in ran}
    not_run = [r for r in results if statuses[r.folder].code == NOT_RUN]
    ran_sorted = sorted(ran, key=lambda d: (-_rank(show(_k("overdue", "school", d.folder)), limit), attendance_gap(d),
                                            order[d.folder]))
    sections = [_schools_section(facts, results, not_run, ran_sorted, statuses, rules, ledger, show, limit),
                _providers_section(providers, show, limit),
                _cost_section(providers, ran_sorted, pr)]
    for s in sections:
        for t in s.tables:
            for (r, c), key in t.keys.items():
                if t.rows[r][c] != ledger.counts[key]:
                    raise AssertionError(f"trust report: {key} is {ledger.counts[key]}, table has {t.rows[r][c]}")
    protected = [apply_section(s, pr) for s in sections]
    as_of = max((d.as_of for d in ran), default=facts.week)
    return TrustFigures(protected, pr, statuses, _summary(facts, statuses, providers, by_folder), as_of)


def _summary(facts: TrustFacts, statuses: dict, providers: dict, by_folder: dict) -> str:
    """Counts of schools and providers only (never of pupils)."""
    n = len(statuses)
    codes = Counter(s.code for s in statuses.values())
    parts = [f"{n} school{'s' if n != 1 else ''} in {facts.settings.name}"]
    said = []
    for code, words in ((NOT_RUN, "could not be run"), (ERRORS, "had errors in {its} workbooks"),
                        (EMAIL_FAILED, "had e-mail that failed"), (CLEAN, "ran clean")):
        if codes[code]:
            said.append(f"{codes[code]} {words.format(its='its' if codes[code] == 1 else 'their')}")
    text = parts[0] + (": " + ", ".join(said) if said else "") + "."
    alerted = [p for p in providers.values() if p.alert]
    if alerted:
        text += (f" {len(alerted)} provider{'s' if len(alerted) != 1 else ''} "
                 f"{'have' if len(alerted) != 1 else 'has'} a provider-registration alert: "
                 f"{', '.join(p.name or p.provider_id for p in alerted)}: "
                 f"{'each' if len(alerted) != 1 else 'it'} educates full time enough pupils across the trust's schools "
                 "to have to register as an independent school and is not recorded as Registered. Tell the DSL of "
                 "each school that uses it.")
    else:
        text += " No provider has a provider-registration alert."
    return text


def _schools_section(facts, results, not_run, ran_sorted, statuses, rules, ledger, show, limit) -> Section:
    # in the order the table is sorted by (status, overdue actions, attendance against target), so that on a
    # laptop's screen what puts a school first is in view; the folder and week, for reference, last
    columns = ["School", "Run status", "Overdue actions", "Attendance this year (%)", "Target (%)",
               "Pupils in provision", "Pupils below target", "Attendance this week (%)", "Due actions", "Alerts",
               "Missing returns", "Error findings", "Week beginning", "Folder"]
    units = {c: PERCENT for c in (*ATTENDANCE_COLUMNS, "Target (%)")}
    rows, keys, groups = [], {}, {}
    for r in not_run:
        rows.append([r.folder, statuses[r.folder].text, *[None] * 10, "", r.folder])
    count_columns = {2: "overdue", 5: "pupils", 6: "below_target", 8: "due", 9: "alert", 10: "missing_returns",
                     11: "errors"}
    for d in ran_sorted:
        n = len(rows)
        overdue, due, alert = (sum(getattr(a, st) for a in d.actions) for st in ("overdue", "due", "alert"))
        rows.append([d.name, statuses[d.folder].text, overdue, percent(d.year_attended, d.year_possible),
                     d.target_percent, d.pupils, d.below_target, percent(d.week_attended, d.week_possible), due, alert,
                     d.missing_returns, d.errors, day_text(d.week), d.folder])
        keys.update({(n, c): _k(m, "school", d.folder) for c, m in count_columns.items()})
        groups[n] = _k("attendance", "school", d.folder)
    ran = [d for d in ran_sorted]
    if ran:
        n = len(rows)
        rows.append([TOTAL, "", ledger.counts[_k("overdue", "trust")],
                     percent(sum(d.year_attended for d in ran), sum(d.year_possible for d in ran)), None,
                     sum(d.pupils for d in ran), sum(d.below_target for d in ran),
                     percent(sum(d.week_attended for d in ran), sum(d.week_possible for d in ran)),
                     ledger.counts[_k("due", "trust")], ledger.counts[_k("alert", "trust")],
                     sum(d.missing_returns for d in ran), sum(d.errors for d in ran), "", ""])
        keys.update({(n, c): _k(m, "trust") for c, m in count_columns.items()})
        groups[n] = _k("attendance", "trust")
    schools = Table(SCHOOLS, columns, rows, units=units, keys=keys, groups=groups,
                    group_columns=ATTENDANCE_COLUMNS,
                    note="Worst first: schools that could not be run, then the most overdue actions, then the lowest "
                         "attendance this year against the school's own target. Attendance % = attended ÷ possible "
                         "sessions at provision; a school with fewer pupils than the report's small-number limit has "
                         "its attendance suppressed.")
    # actions by school and rule (only the pairs with any), in the schools' order
    a_rows, a_keys = [], {}
    for d in ran_sorted:
        for a in d.actions:
            if not (a.overdue or a.due or a.alert):
                continue
            n = len(a_rows)
            a_rows.append([d.name, a.rule, a.overdue, a.due, a.alert])
            for c, st in ((2, "overdue"), (3, "due"), (4, "alert")):
                if getattr(a, st):
                    a_keys[(n, c)] = _k(st, "school", d.folder, a.rule)
    actions = Table(ACTIONS, ["School", "Rule", "Overdue", "Due", "Alerts"], a_rows, keys=a_keys,
                    note="Each school's open actions by rule (see the school's own weekly report for what to do); "
                         "a school and rule with none is not listed.")
    r_rows, r_keys = [], {}
    used = {rule: sum(1 for d in ran_sorted if any(a.rule == rule and (a.overdue or a.due or a.alert)
                                                    for a in d.actions)) for rule in rules}
    ranked = sorted(rules, key=lambda rule: (-_rank(show(_k("overdue", "by-rule", rule)), limit),
                                             -_rank(show(_k("due", "by-rule", rule)), limit), rule))
    for rule in ranked:
        n = len(r_rows)
        r_rows.append([rule, used[rule], *(ledger.counts[_k(st, "by-rule", rule)] for st in ("overdue", "due", "alert"))])
        r_keys.update({(n, c): _k(st, "by-rule", rule) for c, st in ((2, "overdue"), (3, "due"), (4, "alert"))})
    if rules:
        n = len(r_rows)
        r_rows.append([TOTAL, sum(1 for d in ran_sorted if d.actions),
                       *(ledger.counts[_k(st, "trust")] for st in ("overdue", "due", "alert"))])
        r_keys.update({(n, c): _k(st, "trust") for c, st in ((2, "overdue"), (3, "due"), (4, "alert"))})
    by_rule = Table(RULES, ["Rule", "Schools with any", "Overdue", "Due", "Alerts"], r_rows, keys=r_keys,
                    note="Rules are described in each school's weekly report and in docs/reference.md.")
    chart_schools = [d for d in ran_sorted if d.year_possible]
    chart = Chart("Attendance this year by school, against each school's own target", "bar",
                  [d.name for d in chart_schools],
                  [("Attendance this year (%)", [percent(d.year_attended, d.year_possible) for d in chart_schools]),
                   ("School's target (%)", [d.target_percent for d in chart_schools])],
                  "Attendance %", None, True, groups=[_k("attendance", "school", d.folder) for d in chart_schools])
    week = facts.week
    intro = (f"Each school's weekly run for the week beginning {week:%d/%m/%Y}: its pupils in provision, attendance "
             "this week and this academic year against its own target, its overdue and due actions and its "
             "workbooks' errors.")
    return Section("schools", "Schools", intro, [schools, actions, by_rule], [chart])


def _providers_section(providers: dict, show, limit) -> Section:
    columns = ["Provider ID", "Provider", "Registration alert", "Checks", "Full-time pupils",
               "Full time with EHC plan or looked after", "Pupils", "Schools using it", "Last AP-lead visit",
               "Registered", "State of its checks"]
    ids = sorted(providers, key=lambda pid: (not providers[pid].alert,
                                             RAG_ORDER.get((providers[pid].worst() or ProviderState(pid, "", "", "", "red", "")).overall, 0),
                                             -_rank(show(_k("provider_pupils", "provider", pid)), limit), pid))
    rows, keys = [], {}
    for pid in ids:
        p = providers[pid]
        worst = p.worst()
        n = len(rows)
        rows.append([pid, p.name or pid, ALERT if p.alert else NO_ALERT, (worst.overall if worst else "red").capitalize(),
                     p.full_time.pupils, p.full_time.priority, p.pupils, len(p.schools),
                     day_text(p.last_visit) or "none recorded", p.registered_text(), p.checks_text()])
        keys.update({(n, 6): _k("provider_pupils", "provider", pid), (n, 4): _k("full_time", "provider", pid),
                     (n, 5): _k("priority", "provider", pid)})
    if providers:
        n = len(rows)
        rows.append([TOTAL, "", "", "", sum(p.full_time.pupils for p in providers.values()),
                     sum(p.full_time.priority for p in providers.values()), sum(p.pupils for p in providers.values()),
                     "", "", "", ""])
        keys.update({(n, 6): _k("provider_pupils", "trust"), (n, 4): _k("full_time", "trust"),
                     (n, 5): _k("priority", "trust")})
    table = Table(PROVIDERS, columns, rows, rag_column="Checks", keys=keys,
                  note="Pupils: placements active on the schools' as-of dates, across the trust. Full time: a pattern "
                       "of Full day Monday to Friday. Registration alert (rule provider-registration): the provider "
                       "educates full time 5 or more pupils, or 1 or more with an EHC plan or looked after, across the "
                       "trust's schools, and is not recorded as Registered Y in every school's register; the alert "
                       "is shown even where the counts behind it are suppressed. Checks: the worst of the schools' "
                       "registers.")
    intro = ("Each provider used by any school of the trust, with the trust's pupils there together: the test for "
             "registering as an independent school counts them across the trust, which no single school can see.")
    return Section("providers", "Providers", intro, [table])


def _cost_section(providers: dict, ran_sorted: list[SchoolDigest], protection: Protection) -> Section:
    def cost_shown(key: str, cost: Decimal) -> Decimal:
        return Decimal(-1) if protection.group(key) else cost      # a suppressed cost sorts after the shown ones

    ids = sorted(providers, key=lambda pid: (-cost_shown(_k("cost", "provider", pid), providers[pid].cost_year), pid))
    rows, keys, groups = [], {}, {}
    for pid in ids:
        p = providers[pid]
        keys[(len(rows), 4)] = _k("cost_unknown", "provider", pid)
        groups[len(rows)] = _k("cost", "provider", pid)
        rows.append([pid, p.name or pid, len(p.schools), money(p.cost_year), p.cost_unknown])
    if providers:
        keys[(len(rows), 4)] = _k("cost_unknown", "trust")
        rows.append([TOTAL, "", "", money(sum((p.cost_year for p in providers.values()), Decimal(0))),
                     sum(p.cost_unknown for p in providers.values())])
    by_provider = Table(COST_PROVIDERS, ["Provider ID", "Provider", "Schools using it", "Cost this year (£)",
                                         "Placements with no cost per day"], rows,
                        units={"Cost this year (£)": MONEY}, keys=keys, groups=groups,
                        group_columns=("Cost this year (£)",),
                        note="Cost = booked sessions ÷ 2 × Cost per day, from the start of the academic year, added "
                             "up across the schools. Placements with no Cost per day are not in the cost. The cost of "
                             "a provider with fewer placements than the report's small-number limit is suppressed "
                             "(and so is another when the total would give it away).")

    def used(d: SchoolDigest):
        return None if d.budget is None or not d.budget else percent(d.cost_year, d.budget)

    def used_shown(d: SchoolDigest):
        return None if protection.group(_k("cost", "school", d.folder)) else used(d)

    schools = sorted(ran_sorted, key=lambda d: (used_shown(d) is None, -(used_shown(d) or 0), d.name))
    s_rows, s_groups = [], {}
    for d in schools:
        s_groups[len(s_rows)] = _k("cost", "school", d.folder)
        spent = money(d.cost_year)
        if d.budget is None:
            s_rows.append([d.name, spent, NO_BUDGET, None, None])
        else:
            s_rows.append([d.name, spent, money(d.budget), money(d.budget - d.cost_year), used(d)])
    if schools:
        spent = sum((d.cost_year for d in schools), Decimal(0))
        all_set = all(d.budget is not None for d in schools)
        budget = sum((d.budget for d in schools if d.budget is not None), Decimal(0))
        s_rows.append([TOTAL, money(spent), money(budget) if all_set else "not every school has one",
                       money(budget - spent) if all_set else None,
                       percent(spent, budget) if all_set and budget else None])
    by_school = Table(COST_SCHOOLS, ["School", "Spent this year (£)", "AP budget (£)", "Remaining (£)",
                                     "Budget used (%)"], s_rows,
                      units={"Spent this year (£)": MONEY, "AP budget (£)": MONEY, "Remaining (£)": MONEY,
                             "Budget used (%)": PERCENT}, groups=s_groups,
                      group_columns=("Spent this year (£)", "Remaining (£)", "Budget used (%)"),
                      note="Most of its budget used first. A school's budget is [budget] ap_budget in its "
                           "school.toml; schools that could not be run are not included. A school with fewer costed "
                           "placements than the small-number limit has its spending suppressed.")
    return Section("cost", "Cost", "What provision has cost this academic year, by provider across the trust and "
                   "by school against each school's AP budget.", [by_provider, by_school])


def shown_is_small(value, limit: int) -> bool:
    """A shown value that is a count from 1 to limit-1 (what must never appear)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < limit and not is_marker(value)


__all__ = ["TrustFigures", "trust_figures", "run_status", "providers_across", "JSON_NAMES", "PRIMARY"]
