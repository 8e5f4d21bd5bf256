"""The bundled demo school: a complete, fictional school folder built from a fixed seed.

`python -m tools.demo [FOLDER]` (default `examples/demo_school`) regenerates it.
Everything comes from `random.Random(2026)` and fixed dates: no clock, no network,
so two runs write byte-identical files. All names, UPNs (LA number 999), addresses,
telephone numbers (Ofcom's drama range 01632 960xxx) and e-mail addresses
(@example.org, .test) are made up.

The school, Hilltop Infant School, has ten placements at four providers and the
providers' weekly returns from the week of 7 September 2026 to the week of
23 November 2026. A handful of problems a school really meets are planted on
purpose (MISSING_RETURN, BLANK_SESSION, LEGACY_CODE, INCIDENT, PRV3's expired check, the
low attender P004, and two disagreements between the school's own register export and the returns,
REGISTER_SAFEGUARDING and REGISTER_DISAGREEMENT; the README written beside the data lists them), and gaps are left in the registers
so that the reporting week has an action for every owner (DOCUMENTED_ACTIONS); apart from those,
every return uses valid codes, so a weekly run's findings are exactly the
documented ones.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from xlsxwriter.utility import xl_rowcol_to_cell

from pipeline import schema
from pipeline.calendar import SchoolCalendar, monday_of
from pipeline.labels import MONTH_ABBREVIATIONS
from pipeline.output import write_bytes, write_text
from pipeline.register_import import ATTENDED_CODE
from pipeline.settings import load_settings
from pipeline.templates import TERMS_2026_27, header_row, write_workbook
from pipeline.upn import make_upn

SEED = 2026
DEFAULT_FOLDER = Path("examples/demo_school")
REGISTERS_SAVED = dt.date(2026, 11, 27)       # the 'created' date of placements.xlsx and providers.xlsx
FIRST_WEEK = dt.date(2026, 9, 7)              # first week with returns (no placement starts before it)
LAST_WEEK = dt.date(2026, 11, 23)             # the demo's reporting week
AS_OF = LAST_WEEK + dt.timedelta(days=4)
D = dt.date

# --- school.toml --------------------------------------------------------------------------------

SCHOOL_TOML = '''\
# school.toml for the demo school: Hilltop Infant School is fictional.
# Regenerate the whole folder with:  python -m tools.demo

[school]
name = "Hilltop Infant School"
address = "1 School Lane, Hilltop, HT1 1AA"    # letterhead (a made-up address)
target_percent = 96.0                           # the school's attendance target, policy §15.5
phone = "01632 960000"                          # the school office: on letters, e-mails and returns
email = "office@hilltop-infant.example.org"

[people]                                        # who holds each role (policy §7); one person may hold several
Headteacher = "Mrs Ruth Okafor"
"AP lead" = "Mr Tom Baines"
DSL = "Mr Tom Baines"
SENCO = "Ms Priya Lal"
"Attendance lead" = "Mrs Jo Whitby"
"Assessment lead" = "Ms Priya Lal"
dsl_phone = "01632 960009"                      # the DSL's direct line, for providers

[calendar]
closures = [2026-11-13]                         # INSET day (Friday 13 November 2026)

# The three terms of 2026-27. half_term is the first and last weekday of the break.
''' + TERMS_2026_27 + '''
[email]
from = "ap.lead@hilltop-infant.example.org"     # sender of the weekly returns (no SMTP server is set: nothing is sent)
return_by = "Monday"                            # providers send the filled return back by the Monday after the week

[budget]
ap_budget = 60000                               # AP budget for 2026-27 in pounds, policy §7.3
'''

# --- providers.xlsx -----------------------------------------------------------------------------

CHECKS_OK = dict(zip(schema.PROVIDER_CHECKS, (D(2026, 7, 1), D(2026, 7, 1), D(2026, 7, 1), D(2026, 6, 15), D(2026, 7, 1))))

PROVIDERS = [
    {"Provider ID": "PRV1", "Name": "Riverside Learning Centre", "Address": "Unit 4, Mill Lane, Riverside, HT2 4RL",
     "Contact name": "Dana Whitlow", "Contact email": "attendance@riverside-learning.test", "Phone": "01632 960101",
     "Registered": "Y", **CHECKS_OK},
    {"Provider ID": "PRV2", "Name": "Oak Farm Outdoor Education", "Address": "Oak Farm, Sheepwash Road, Brookfield, HT5 8OF",
     "Contact name": "Tom Ashgrove", "Contact email": "office@oakfarm-outdoors.test", "Phone": "01632 960214",
     "Registered": "Y", **dict(CHECKS_OK, **{"Approved": D(2026, 5, 20), "Staff checks confirmed": D(2026, 8, 28)})},
    {"Provider ID": "PRV3", "Name": "Hilltop Nurture Hub", "Address": "The Old Library, 22 Church Street, Hilltop, HT1 3NH",
     "Contact name": "Priya Calder", "Contact email": "hub.admin@example.org", "Phone": "01632 960337",
     "Registered": "Y", **dict(CHECKS_OK, **{"Approved": D(2026, 1, 12), "Safeguarding policy checked": D(2025, 9, 1),
                                           "Health and safety policy checked": D(2026, 1, 12)})},
    {"Provider ID": "PRV4", "Name": "Bright Futures Tuition", "Address": "2nd floor, 9 Market Square, Hilltop, HT1 2BF",
     "Contact name": "Sam Okafor", "Contact email": "bookings@brightfutures-tuition.test", "Phone": "01632 960458",
     "Registered": "Y", **dict(CHECKS_OK, **{"Approved": D(2026, 8, 24), "Staff checks confirmed": D(2026, 8, 24)})},
]
for _p in PROVIDERS:
    _p["Status"] = schema.ACTIVE
SHORT_NAMES = {"PRV1": "Riverside", "PRV2": "Oak Farm", "PRV3": "Nurture Hub", "PRV4": "Bright Futures"}

# --- placements.xlsx ----------------------------------------------------------------------------

FULL, AM, PM = schema.FULL_DAY, schema.AM, schema.PM


def _days(mon=None, tue=None, wed=None, thu=None, fri=None) -> dict:
    return {"Mon": mon, "Tue": tue, "Wed": wed, "Thu": thu, "Fri": fri}


def _upn(serial: int, year: str) -> str:
    """LA 999 (none such), establishment 2417, year of allocation, serial."""
    return make_upn(f"9992417{year}{serial:03d}")


def _placement(pid, upn, forename, surname, dob, year, provider, reason, arranged, start, days, **more) -> dict:
    row = {"Placement ID": pid, "UPN": upn, "Forename": forename, "Surname": surname, "Date of birth": dob,
           "Year group": year, "Provider ID": provider, "Reason": reason, "Arranged by": arranged, "Start date": start,
           **days}
    row.update({k.replace("_", " "): v for k, v in more.items()})
    return row


BEHAVIOUR, CURRICULUM, MEDICAL = "Directed off-site to improve behaviour", "Personalised curriculum", "Illness or medical need"
T9, T1230 = dt.time(9, 0), dt.time(12, 30)

PLACEMENTS = [
    _placement("P001", _upn(1, "20"), "Alfie", "Brennan", D(2019, 11, 14), "2", "PRV1", BEHAVIOUR, "School",
               D(2026, 9, 7), _days(FULL, FULL, FULL, FULL, FULL), Planned_end_date=D(2026, 12, 18),
               Start_time=T9, Hours_per_day=5.5, Provider_contact="Dana Whitlow", SEND="N", EHC_plan="N",
               Looked_after="N", Objectives="Settle into routines; manage frustration without leaving the room.",
               Intervention_plan_agreed=D(2026, 9, 1), Parents_agreed=D(2026, 8, 27), Parent_letter_sent=D(2026, 8, 28),
               Dual_registered_from=D(2026, 9, 7), Attainment_data_sent=D(2026, 9, 2), Cost_per_day=85.0),
    _placement("P002", _upn(2, "21"), "Maisie", "Thornton", D(2020, 10, 3), "1", "PRV1", CURRICULUM, "School",
               D(2026, 9, 7), _days(mon=FULL, wed=FULL, fri=FULL), Planned_end_date=D(2027, 3, 25),
               Start_time=T9, Hours_per_day=5.5, Provider_contact="Dana Whitlow", SEND="Y", EHC_plan="N",
               Looked_after="N", Objectives="Small-group phonics and speech and language support three days a week.",
               Intervention_plan_agreed=D(2026, 9, 1), Parents_agreed=D(2026, 8, 26), Parent_letter_sent=D(2026, 8, 28),
               Dual_registered_from=D(2026, 9, 7), Attainment_data_sent=D(2026, 9, 2), SEND_details_sent=D(2026, 9, 2),
               Cost_per_day=85.0),
    _placement("P003", _upn(3, "22"), "Ruby", "Okonjo", D(2021, 12, 9), "R", "PRV3", MEDICAL, "Local authority",
               D(2026, 9, 14), _days(AM, AM, AM, AM, AM), Planned_end_date=D(2026, 11, 20),
               Start_time=T9, Hours_per_day=3.0, Provider_contact="Priya Calder", SEND="Y", EHC_plan="Y",
               Looked_after="N", Objectives="Part-time nurture mornings while her medical needs are managed.",
               Intervention_plan_agreed=D(2026, 9, 8), Parents_agreed=D(2026, 9, 4),
               Dual_registered_from=D(2026, 9, 14), Attainment_data_sent=D(2026, 9, 9), SEND_details_sent=D(2026, 9, 9),
               Cost_per_day=40.0),
    _placement("P004", _upn(4, "20"), "Tyler", "Haskins", D(2020, 2, 22), "2", "PRV2", BEHAVIOUR, "School",
               D(2026, 9, 7), _days(FULL, FULL, FULL, FULL, FULL), Planned_end_date=D(2027, 2, 12),
               Start_time=T9, Hours_per_day=5.0, Provider_contact="Tom Ashgrove", SEND="N", EHC_plan="N",
               Looked_after="Y", Objectives="Outdoor learning to rebuild engagement; attend every day.",
               Intervention_plan_agreed=D(2026, 9, 2), Parents_agreed=D(2026, 8, 28), Parent_letter_sent=D(2026, 9, 1),
               Dual_registered_from=D(2026, 9, 7), Attainment_data_sent=D(2026, 9, 3), Cost_per_day=95.0),
    _placement("P005", _upn(5, "21"), "Ellie", "Marchetti", D(2021, 5, 30), "1", "PRV3", CURRICULUM, "School",
               D(2026, 9, 8), _days(tue=PM, thu=PM), Planned_end_date=D(2026, 12, 18),
               Start_time=T1230, Hours_per_day=2.5, Provider_contact="Priya Calder", SEND="N", EHC_plan="N",
               Looked_after="N", Objectives="Two nurture afternoons a week to build confidence and friendships.",
               Intervention_plan_agreed=D(2026, 9, 3), Parents_agreed=D(2026, 9, 3), Parent_letter_sent=D(2026, 9, 4),
               Dual_registered_from=D(2026, 9, 8), Attainment_data_sent=D(2026, 9, 4), Cost_per_day=40.0),
    _placement("P006", _upn(6, "20"), "Harvey", "Lindqvist", D(2019, 9, 18), "2", "PRV3", BEHAVIOUR, "School",
               D(2026, 10, 7), _days(FULL, FULL, FULL, FULL, FULL), Planned_end_date=D(2027, 1, 29),
               Start_time=T9, Hours_per_day=5.5, Provider_contact="Priya Calder", SEND="N", EHC_plan="N",
               Looked_after="N", Objectives="Full-time nurture group after September's suspension; plan a phased return.",
               Intervention_plan_agreed=D(2026, 10, 1), Parents_agreed=D(2026, 9, 30), Parent_letter_sent=D(2026, 10, 2),
               Dual_registered_from=D(2026, 10, 7), Attainment_data_sent=D(2026, 10, 5), Cost_per_day=80.0),
    _placement("P007", _upn(7, "20"), "Isla", "Fairweather", D(2020, 6, 11), "2", "PRV4", CURRICULUM, "School",
               D(2026, 9, 15), _days(tue=FULL, thu=FULL), Planned_end_date=D(2026, 12, 17), Actual_end_date=D(2026, 11, 19),
               Start_time=T9, Hours_per_day=5.0, Provider_contact="Sam Okafor", SEND="N", EHC_plan="N",
               Looked_after="N", Objectives="One-to-one maths and reading catch-up two days a week.",
               Intervention_plan_agreed=D(2026, 9, 9), Parents_agreed=D(2026, 9, 8), Parent_letter_sent=D(2026, 9, 10),
               Dual_registered_from=D(2026, 9, 15), Attainment_data_sent=D(2026, 9, 10),
               Final_report_received=D(2026, 11, 24), Pupil_views_recorded=D(2026, 11, 19),
               Reintegration_plan_agreed=D(2026, 11, 12), Cost_per_day=70.0),
    _placement("P008", _upn(8, "22"), "Noah", "Pennington", D(2022, 3, 2), "R", "PRV4", CURRICULUM, "School",
               D(2026, 12, 7), _days(mon=AM, wed=AM), Planned_end_date=D(2027, 3, 25),
               Start_time=T9, Hours_per_day=3.0, Provider_contact="Sam Okafor", SEND="Y", EHC_plan="N",
               Looked_after="N", Objectives="Early language and play-based learning, two mornings a week.",
               Parents_agreed=D(2026, 11, 20), Cost_per_day=35.0),
    _placement("P009", _upn(9, "21"), "Freya", "Castellano", D(2021, 1, 25), "1", "PRV1", CURRICULUM, "School",
               D(2026, 9, 14), _days(tue=FULL, thu=FULL), Planned_end_date=D(2026, 12, 18),
               Provider_contact="Dana Whitlow", SEND="N", EHC_plan="N", Looked_after="N",
               Objectives="Offered two days a week of small-group learning.", Parents_refused=D(2026, 9, 10),
               Cost_per_day=85.0),
    _placement("P010", _upn(10, "21"), "Oscar", "Delacroix-Hume", D(2020, 12, 1), "1", "PRV2", BEHAVIOUR, "School",
               D(2026, 9, 7), _days(mon=FULL, tue=FULL), Planned_end_date=D(2027, 3, 25),
               Start_time=T9, Hours_per_day=5.0, Provider_contact="Tom Ashgrove", SEND="N", EHC_plan="N",
               Looked_after="N", Objectives="Two days of outdoor learning to support self-regulation.",
               Intervention_plan_agreed=D(2026, 9, 2), Parents_agreed=D(2026, 8, 28), Parent_letter_sent=D(2026, 9, 1),
               Dual_registered_from=D(2026, 9, 7), Cost_per_day=95.0),
]

SPECIAL = {
    "P001": "Hand-checkable: all B except the five sessions listed below.",
    "P002": "SEND (details sent). The blank session is hers (Fri 27/11 PM).",
    "P003": "Arranged by the local authority, so the provider marks K, not B. Planned end 20/11/2026 has passed and no Actual end date is entered.",
    "P004": "Looked after. The low attender (many N and I). Suspended 4 school days from 09/11 (marked E); three formal progress reviews, all Not satisfactory; the incident of 24/11 is his. PRV2's missing return (week of 16/11) leaves his sessions not reported.",
    "P005": "PM only, Tue and Thu. No AP lead visit recorded.",
    "P006": "Starts on Wednesday 07/10/2026 (Mon and Tue of that week are '-'). Placed after a 3-day suspension in September. The legacy code H is his (Thu 05/11 AM).",
    "P007": "Ended on Thursday 19/11/2026. Final report, pupil views and reintegration plan recorded; Destination left blank.",
    "P008": "Starts 07/12/2026, after the reporting week: in no return. SEND; only Parents agreed is filled, so its start duties are due.",
    "P009": "Parents refused on 10/09/2026: the placement never runs (no sessions, no duties, in no return).",
    "P010": "Mon and Tue full days. Attainment data sent left blank.",
}

REVIEWS = [
    {"Placement ID": "P001", "Date": D(2026, 10, 8), "Type": "AP lead visit", "Outcome": "Satisfactory",
     "Notes": "Settled; working well in a group of four."},
    {"Placement ID": "P001", "Date": D(2026, 10, 21), "Type": "Agreement review", "Outcome": "Satisfactory",
     "Notes": "Parents, provider and AP lead agree to continue to the end of term."},
    {"Placement ID": "P001", "Date": D(2026, 11, 18), "Type": "AP lead visit", "Outcome": "Satisfactory"},
    {"Placement ID": "P002", "Date": D(2026, 10, 14), "Type": "AP lead visit", "Outcome": "Satisfactory",
     "Notes": "Phonics groups going well."},
    {"Placement ID": "P003", "Date": D(2026, 10, 1), "Type": "AP lead visit", "Outcome": "Satisfactory"},
    {"Placement ID": "P003", "Date": D(2026, 11, 12), "Type": "AP lead visit", "Outcome": "Satisfactory",
     "Notes": "Medical plan reviewed with the school nurse."},
    {"Placement ID": "P004", "Date": D(2026, 9, 29), "Type": "Formal progress review", "Outcome": "Not satisfactory",
     "Notes": "Not yet engaging with the outdoor sessions; targets reset."},
    {"Placement ID": "P004", "Date": D(2026, 10, 6), "Type": "AP lead visit", "Outcome": "Not satisfactory",
     "Notes": "Frequent absences; meeting with carers arranged."},
    {"Placement ID": "P004", "Date": D(2026, 10, 20), "Type": "Formal progress review", "Outcome": "Not satisfactory",
     "Notes": "Attendance still falling; carers and social worker informed."},
    {"Placement ID": "P004", "Date": D(2026, 11, 10), "Type": "Formal progress review", "Outcome": "Not satisfactory",
     "Notes": "Attendance well below target; social worker to attend the next review."},
    {"Placement ID": "P004", "Date": D(2026, 11, 19), "Type": "AP lead visit"},
    {"Placement ID": "P005", "Date": D(2026, 10, 23), "Type": "Provider termly report", "Outcome": "Satisfactory",
     "Notes": "Half-term report from the Nurture Hub."},
    {"Placement ID": "P006", "Date": D(2026, 11, 10), "Type": "AP lead visit", "Outcome": "Satisfactory"},
    {"Placement ID": "P007", "Date": D(2026, 10, 22), "Type": "Formal progress review", "Outcome": "Satisfactory",
     "Notes": "Targets met early; plan to end after 19 November."},
    {"Placement ID": "P010", "Date": D(2026, 10, 20), "Type": "AP lead visit", "Outcome": "Satisfactory"},
]

SEPT_SUSPENSION = (D(2026, 9, 22), 3)        # P006's pupil, before his placement; work set
NOV_SUSPENSION = (D(2026, 11, 9), 4)         # P004's pupil, while at Oak Farm; work not set
# A pupil permanently excluded from Tue 17/11/2026, not on the Placements sheet: the local authority has
# arranged no provision yet. Day 1 Tue 17/11; 17, 18, 19, 20, 23, 24 -> sixth school day Tue 24/11/2026.
PERMANENT_EXCLUSION = (D(2026, 11, 17), D(2026, 11, 24))
EXCLUDED_UPN = make_upn("999241720011")      # LA 999, year 20, serial 011: no placement has it


def _by_id(pid: str) -> dict:
    return next(p for p in PLACEMENTS if p["Placement ID"] == pid)


EXCLUSIONS = [
    {"UPN": _by_id("P006")["UPN"], "Type": "Suspension", "First day": SEPT_SUSPENSION[0],
     "School days": SEPT_SUSPENSION[1], "Work set": "Y"},
    {"UPN": _by_id("P004")["UPN"], "Type": "Suspension", "First day": NOV_SUSPENSION[0],
     "School days": NOV_SUSPENSION[1], "Work set": "N"},
    {"UPN": EXCLUDED_UPN, "Type": "Permanent exclusion", "First day": PERMANENT_EXCLUSION[0], "Work set": "Y"},
]

# Every action of the weekly run for the reporting week (as-of Fri 27/11/2026), worked out by hand from the
# registers above, with the gap that causes it: (rule, owner, key, status, due, why). The README lists them
# and tests/test_demo.py checks the run against the README.
DOCUMENTED_ACTIONS = [
    ("provider-checks", "DSL", "PRV3", "overdue", "2026-09-01",
     "PRV3's Safeguarding policy checked (01/09/2025) expired 12 months later"),
    ("attainment-data", "Assessment lead", "P010", "overdue", "2026-09-07", "P010 has no Attainment data sent (due its start)"),
    ("lead-visit", "AP lead", "P005", "overdue", "2026-10-20",
     "P005 has had no AP lead visit: 30 school days after its start on 08/09"),
    ("reintegration", "Governing board", "P007", "overdue", "2026-11-19", "P007 ended on 19/11 with no Destination"),
    ("missing-return", "Attendance lead", "PRV2", "overdue", "2026-11-23",
     "PRV2 sent no return for the week of 16/11 (due the Monday after)"),
    ("sixth-day", "Local authority", EXCLUDED_UPN, "overdue", "2026-11-24",
     "the pupil permanently excluded from 17/11 has no placement by the sixth school day, 24/11"),
    ("lead-visit", "AP lead", "P002", "due", "2026-12-03", "P002's last AP lead visit was 14/10: 30 school days later"),
    ("parent-letter", "Headteacher", "P008", "due", "2026-12-05", "P008 (starting 07/12) has no Parent letter sent"),
    ("attainment-data", "Assessment lead", "P008", "due", "2026-12-07", "P008 has no Attainment data sent"),
    ("dual-registration", "Attendance lead", "P008", "due", "2026-12-07", "P008 has no Dual registered from"),
    ("intervention-plan", "AP lead", "P008", "due", "2026-12-07", "P008 has no Intervention plan agreed"),
    ("send-details", "SENCO", "P008", "due", "2026-12-07", "P008 has SEND Y and no SEND details sent"),
    ("lead-visit", "AP lead", "P010", "due", "2026-12-09", "P010's last AP lead visit was 20/10: 30 school days later"),
    ("below-target", "Attendance lead", "P004", "alert", None, "P004's attendance is below the 96% target"),
    ("formal-reviews", "Headteacher", "P004", "alert", None,
     "P004's three formal progress reviews (29/09, 20/10, 10/11) were all Not satisfactory"),
    ("incident", "AP lead", "P004", "alert", None, "the Serious behaviour incident of 24/11 in PRV2's return"),
    ("past-planned-end", "AP lead", "P003", "alert", None, "P003's Planned end date 20/11 has passed with no Actual end date"),
    ("register-mismatch", "Attendance lead", "P002", "alert", None,
     "safeguarding risk: the school's register has P002 at Riverside (B) on Fri 27/11 PM, where the return is blank"),
    ("register-mismatch", "Attendance lead", "P006", "alert", None,
     "the school's register has N for P006 on Thu 26/11 AM, where the Nurture Hub's return has B"),
    ("work-set", "Headteacher", _by_id("P004")["UPN"], "alert", None, "P004's November suspension has Work set N"),
]
OWNERS = ("Headteacher", "AP lead", "DSL", "SENCO", "Attendance lead", "Assessment lead", "Governing board",
          "Local authority")

# --- the returns --------------------------------------------------------------------------------

# P001, the hand-checkable placement: every expected session is B except these.
P001_EXCEPTIONS = {
    (D(2026, 9, 29), "AM"): ("I", "Unwell, mum phoned"),
    (D(2026, 9, 29), "PM"): ("I", "Unwell, mum phoned"),
    (D(2026, 10, 15), "AM"): ("M", "Dentist"),
    (D(2026, 11, 2), "AM"): ("L", "Arrived 9:10, taxi late"),
    (D(2026, 11, 20), "PM"): ("N", "Collected at lunch, no reason given"),
}

MISSING_RETURN = ("PRV2", D(2026, 11, 16))
BLANK_SESSION = ("P002", D(2026, 11, 27), "PM")
# The school's own register export for the reporting week (register/mis_export.csv, contract §6) agrees with the
# returns except on these two sessions: (placement, date, session, the school's code).
REGISTER_EXPORT = "register/mis_export.csv"
REGISTER_SAFEGUARDING = (*BLANK_SESSION, "B")     # school B, the provider left the cell blank: safeguarding risk
REGISTER_DISAGREEMENT = ("P006", D(2026, 11, 26), "AM", "N")   # school N, the provider B: a plain disagreement
# Pupils on the school's roll who are not in alternative provision: in the export, ignored by the reconciliation.
IN_SCHOOL_ONLY = [(_upn(21, "21"), "Poppy", "Ashdown"), (_upn(22, "20"), "Jacob", "Whitcombe")]
LEGACY_CODE = ("P006", D(2026, 11, 5), "AM", "H", "Family wedding, leave agreed by the head")
INCIDENT = {"Date": D(2026, 11, 24), "Placement ID": "P004", "Category": "Serious behaviour",
            "Reported to DSL": D(2026, 11, 24),
            "Summary": "Threw a wooden block at another child during the outdoor session; no injury. Calmed with key worker."}
NOTES = {"I": "Unwell", "M": "Medical appointment", "N": "No reason given yet", "L": "Arrived late",
         "E": "Suspended from school"}
WEEKDAY_NAMES = schema.WEEKDAYS


def return_filename(provider: str, monday: dt.date) -> str:
    """Each provider names its files its own way, as real providers do."""
    if provider == "PRV1":
        return f"Riverside w-c {monday.isoformat()}.xlsx"
    if provider == "PRV2":
        return f"OakFarm_register_{monday:%d.%m.%y}.xlsx"
    if provider == "PRV3":
        return f"Nurture Hub attendance {monday.day} {MONTH_ABBREVIATIONS[monday.month - 1]} {monday.year}.xlsx"
    return f"BFT return {monday:%d-%m-%Y}.xlsx"


@dataclass
class Demo:
    calendar: SchoolCalendar
    marks: dict = field(default_factory=dict)      # (placement id, date, 'AM'|'PM') -> code ('' = blank)
    notes: dict = field(default_factory=dict)      # (placement id, date, 'AM'|'PM') -> note
    cells: dict = field(default_factory=dict)      # (placement id, date, session) -> (relative file, cell)
    files: list = field(default_factory=list)      # (provider, monday, relative path)
    register_lines: dict = field(default_factory=dict)   # (UPN, date, session) -> line of register/mis_export.csv


def pattern(p: dict) -> dict[int, tuple[str, ...]]:
    sessions = {FULL: (AM, PM), AM: (AM,), PM: (PM,)}
    return {i: sessions[p[d]] for i, d in enumerate(WEEKDAY_NAMES) if p.get(d)}


def expected(p: dict, calendar: SchoolCalendar, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """(date, session) the placement is expected at its provider, start..end (contract §3, §5)."""
    if p.get("Parents refused"):
        return []
    last = min(end, p.get("Actual end date") or end)
    pat = pattern(p)
    return [(day, s) for day in calendar.school_days(max(start, p["Start date"]), last)
            for s in pat.get(day.weekday(), ())]


def _suspension_days(calendar: SchoolCalendar, first: dt.date, n: int) -> set[dt.date]:
    day1 = calendar.first_school_day_from(first)
    return set(calendar.school_days(day1, calendar.add_school_days(day1, n - 1)))


def _reported(p: dict, key: tuple) -> bool:
    """False for a session of the provider-week whose return is missing on purpose."""
    return (p["Provider ID"], monday_of(key[0])) != MISSING_RETURN


def _set(demo: Demo, pid: str, day: dt.date, session: str, code: str, note: str | None = None) -> None:
    demo.marks[(pid, day, session)] = code
    if note or code in NOTES:
        demo.notes[(pid, day, session)] = note or NOTES[code]
    else:
        demo.notes.pop((pid, day, session), None)


def _mark_sessions(demo: Demo, rng: random.Random) -> None:
    """Every expected session's code: B (K for the LA placement), then the planted problems,
    then a seeded sprinkle of absences that keeps every pupil but the low attender on target."""
    cal = demo.calendar
    sessions = {p["Placement ID"]: expected(p, cal, FIRST_WEEK, AS_OF) for p in PLACEMENTS}
    for p in PLACEMENTS:
        for day, s in sessions[p["Placement ID"]]:
            _set(demo, p["Placement ID"], day, s, ATTENDED_CODE[p["Arranged by"]])
    for (day, s), (code, note) in P001_EXCEPTIONS.items():
        _set(demo, "P001", day, s, code, note)
    _low_attender(demo, "P004", sessions["P004"], _suspension_days(cal, *NOV_SUSPENSION), rng)
    pid, day, s = BLANK_SESSION
    _set(demo, pid, day, s, "")
    pid, day, s, code, note = LEGACY_CODE
    _set(demo, pid, day, s, code, note)
    for p in PLACEMENTS:
        pid = p["Placement ID"]
        if pid in ("P001", "P004") or not sessions[pid]:
            continue
        reported = [k for k in sessions[pid] if _reported(p, k)]
        present = [k for k in reported if demo.marks[(pid, *k)] in ATTENDED_CODE.values()]
        # absences may reach 4% of the reported sessions: attended stays at or above the 96% target
        cap = len(reported) * 4 // 100 - (len(reported) - len(present))
        for day, s in rng.sample(present, rng.randint(max(0, cap - 1), max(0, cap))):
            _set(demo, pid, day, s, rng.choice(("I", "I", "M", "N")))
        if rng.random() < 0.5:
            day, s = rng.choice([k for k in present if demo.marks[(pid, *k)] in ATTENDED_CODE.values()])
            _set(demo, pid, day, s, "L")


def _low_attender(demo: Demo, pid: str, sessions: list, suspended: set, rng: random.Random) -> None:
    for day in sorted({d for d, _ in sessions}):
        if day in suspended:
            codes = ("E", "E")
        elif day == INCIDENT["Date"]:
            codes = ("B", "B")
        else:
            r = rng.random()
            codes = (("I", "I") if r < 0.10 else ("N", "N") if r < 0.17 else ("B", "N") if r < 0.22
                     else ("L", "B") if r < 0.26 else ("B", "B"))
        for s, code in zip(("AM", "PM"), codes):
            if (day, s) in sessions:
                _set(demo, pid, day, s, code)


def _notes(demo: Demo, pid: str, monday: dt.date) -> str | None:
    """The provider's explanations for the week: 'Tue: Unwell; Thu AM: Medical appointment'."""
    out = []
    for i, name in enumerate(WEEKDAY_NAMES):
        day = monday + dt.timedelta(days=i)
        am, pm = demo.notes.get((pid, day, "AM")), demo.notes.get((pid, day, "PM"))
        if am and am == pm:
            out.append(f"{name}: {am}")
        else:
            out += [f"{name} {s}: {n}" for s, n in (("AM", am), ("PM", pm)) if n]
    return "; ".join(out) or None


def _return_rows(demo: Demo, provider: str, monday: dt.date, rel: str) -> list[dict]:
    first = header_row(schema.ATTENDANCE) + 1
    rows = []
    for p in PLACEMENTS:
        pid = p["Placement ID"]
        if p["Provider ID"] != provider or not expected(p, demo.calendar, monday, monday + dt.timedelta(days=4)):
            continue
        row = {"Placement ID": pid, "UPN": p["UPN"], "Pupil": f"{p['Forename']} {p['Surname']}"}
        for s_index, header in enumerate(schema.SESSIONS):
            key = (pid, monday + dt.timedelta(days=s_index // 2), header[-2:])
            demo.cells[key] = (rel, xl_rowcol_to_cell(first + len(rows), 3 + s_index))
            code = demo.marks.get(key, "-")
            if code:                                   # '' is the planted blank session: leave the cell empty
                row[header] = code
        notes = _notes(demo, pid, monday)
        if notes:
            row["Notes"] = notes
        rows.append(row)
    return rows


def _write_returns(demo: Demo, folder: Path) -> None:
    for monday in demo.calendar.school_weeks(FIRST_WEEK, AS_OF):
        for provider in (p["Provider ID"] for p in PROVIDERS):
            rel = f"returns/{provider}/{return_filename(provider, monday)}"
            rows = _return_rows(demo, provider, monday, rel)
            if not rows or (provider, monday) == MISSING_RETURN:
                continue
            incidents = [INCIDENT] if monday_of(INCIDENT["Date"]) == monday and provider == _by_id(
                INCIDENT["Placement ID"])["Provider ID"] else []
            write_workbook(schema.RETURN_BOOK, folder / rel, rows={"Attendance": rows, "Incidents": incidents},
                           labels={"Provider ID": provider, "Week commencing": monday},
                           created=monday + dt.timedelta(days=7))
            demo.files.append((provider, monday, rel))


def _school_marks(demo: Demo) -> dict[tuple, str]:
    """The school's own mark for each session of the reporting week of every pupil in the export:
    B (K for the LA placement) where the provider's return has the pupil attending, the provider's own
    code where it has them absent, / and \\ for a pupil in school, then the two planted disagreements."""
    attended = {"B", "K", "L", "/", "\\"}
    marks = {}
    for p in PLACEMENTS:
        pid = p["Placement ID"]
        at_provider = set(expected(p, demo.calendar, LAST_WEEK, AS_OF))
        for day in demo.calendar.school_days(LAST_WEEK, AS_OF):
            for s in ("AM", "PM"):
                if (day, s) not in at_provider:
                    marks[(p["UPN"], day, s)] = "/" if s == "AM" else "\\"
                    continue
                code = demo.marks[(pid, day, s)]
                marks[(p["UPN"], day, s)] = ATTENDED_CODE[p["Arranged by"]] if code in attended or not code else code
    for upn, _, _ in IN_SCHOOL_ONLY:
        for day in demo.calendar.school_days(LAST_WEEK, AS_OF):
            marks.update({(upn, day, "AM"): "/", (upn, day, "PM"): "\\"})
    for (pid, day, s, code), provider_has in ((REGISTER_SAFEGUARDING, ("", "N")), (REGISTER_DISAGREEMENT, ("B",))):
        assert demo.marks[(pid, day, s)] in provider_has, "the seed changed the return under a planted disagreement"
        marks[(_by_id(pid)["UPN"], day, s)] = code
    return marks


def _write_register(demo: Demo, folder: Path) -> None:
    """register/mis_export.csv as a school's MIS saves it: CSV UTF-8 with a byte-order mark, CRLF line ends,
    one row per pupil-session of the reporting week, by surname, forename, date and session."""
    pupils = sorted([(p["Surname"], p["Forename"], p["UPN"]) for p in PLACEMENTS]
                    + [(surname, forename, upn) for upn, forename, surname in IN_SCHOOL_ONLY])
    marks = _school_marks(demo)
    lines = ["UPN,Surname,Forename,Date,Session,Code"]
    for surname, forename, upn in pupils:
        for day in demo.calendar.school_days(LAST_WEEK, AS_OF):
            for s in ("AM", "PM"):
                lines.append(f"{upn},{surname},{forename},{day:%d/%m/%Y},{s},{marks[(upn, day, s)]}")
                demo.register_lines[(upn, day, s)] = len(lines)
    write_bytes(folder / REGISTER_EXPORT, ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))


# --- README -------------------------------------------------------------------------------------

def _d(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _pattern_text(p: dict) -> str:
    days = [(d, p[d]) for d in WEEKDAY_NAMES if p.get(d)]
    kinds = {v for _, v in days}
    if len(days) == 5 and len(kinds) == 1:
        return "Mon-Fri " + ("full days" if FULL in kinds else f"{kinds.pop()} only")
    return ", ".join(d for d, _ in days) + (" full days" if kinds == {FULL} else f" {kinds.pop()} only" if len(kinds) == 1 else "")


def _hand_check(demo: Demo) -> tuple[list[str], dict, dict]:
    p = _by_id("P001")
    year = expected(p, demo.calendar, demo.calendar.year_start(AS_OF), AS_OF)
    week = expected(p, demo.calendar, LAST_WEEK, AS_OF)
    lines = []
    for (day, s), (code, note) in sorted(P001_EXCEPTIONS.items()):
        rel, cell = demo.cells[("P001", day, s)]
        lines.append(f"| {day:%a} {_d(day)} {s} | `{code}` | {note} | `{rel}` | {cell} |")

    def figures(sessions):
        marks = [demo.marks[("P001", *k)] for k in sessions]
        attended = sum(m in ("B", "L") for m in marks)
        authorised = sum(m in ("I", "M") for m in marks)
        unauthorised = sum(m == "N" for m in marks)
        return {"possible": len(marks), "attended": attended, "authorised": authorised,
                "unauthorised": unauthorised, "not_reported": 0, "days": len({d for d, _ in sessions})}
    return lines, figures(week), figures(year)


def _readme(demo: Demo) -> str:
    cal = demo.calendar
    weeks = cal.school_weeks(FIRST_WEEK, AS_OF)
    providers = "\n".join(
        f"| {p['Provider ID']} | {p['Name']} | {p['Contact email']} | "
        + ("Safeguarding policy checked **01/09/2025 (expired)**; other checks current" if p["Provider ID"] == "PRV3"
           else "all five checks current") + " |" for p in PROVIDERS)
    placements = "\n".join(
        f"| {p['Placement ID']} | {p['Provider ID']} | {p['Year group']} | {p['Arranged by']} | {_pattern_text(p)} | "
        f"{_d(p['Start date'])} | {_d(p.get('Planned end date'))} | {_d(p.get('Actual end date'))} | {SPECIAL[p['Placement ID']]} |"
        for p in PLACEMENTS)
    blank_file, blank_cell = demo.cells[BLANK_SESSION]
    legacy_file, legacy_cell = demo.cells[LEGACY_CODE[:3]]
    incident_file = next(rel for prv, monday, rel in demo.files
                         if prv == "PRV2" and monday == monday_of(INCIDENT["Date"]))
    p004 = expected(_by_id("P004"), cal, cal.year_start(AS_OF), AS_OF)
    p004_marks = [demo.marks[("P004", *k)] for k in p004 if monday_of(k[0]) != MISSING_RETURN[1]]
    p004_attended = sum(m in ("B", "L") for m in p004_marks)
    lines, week, year = _hand_check(demo)
    safeguarding_line, disagreement_line = (demo.register_lines[(_by_id(pid)["UPN"], day, s)]
                                            for pid, day, s, _ in (REGISTER_SAFEGUARDING, REGISTER_DISAGREEMENT))
    export_rows = len(demo.register_lines)
    fpr_dates = ", ".join(_d(r["Date"]) for r in REVIEWS
                          if r["Placement ID"] == "P004" and r["Type"] == "Formal progress review")
    actions = "\n".join(f"| `{rule}` | {owner} | {key} | {status} | {_d(dt.date.fromisoformat(due)) if due else ''} | {why} |"
                        for rule, owner, key, status, due, why in DOCUMENTED_ACTIONS)
    pupils = [p['Placement ID'] for p in PLACEMENTS if expected(p, cal, cal.year_start(AS_OF), AS_OF)]
    missing_rel = f"returns/PRV2/{return_filename(*MISSING_RETURN)}"
    pct = f"{year['attended'] * 100 / year['possible']:.1f}"
    prv3 = next(i for i, p in enumerate(PROVIDERS) if p['Provider ID'] == 'PRV3')
    expired_cell = xl_rowcol_to_cell(header_row(schema.PROVIDERS) + 1 + prv3,
                                     [c.header for c in schema.PROVIDERS.columns].index('Safeguarding policy checked'))
    return f"""\
# The demo school: Hilltop Infant School

A complete, **fictional** school folder for trying the pipeline and for end-to-end tests.
Every name, UPN (LA number 999, which does not exist), address, telephone number
(Ofcom's drama range 01632 960xxx) and e-mail address (`.test` and `example.org`) is made up.

It is generated, not edited by hand. To regenerate it (byte-identical every time):

```
python -m tools.demo                 # writes examples/demo_school/
python -m tools.demo SOME/FOLDER     # or anywhere else
```

The generator is `tools/demo.py`: it draws from `random.Random({SEED})` and fixed dates only,
so change the data there, regenerate, and commit the result (`tests/test_demo.py` checks the
committed folder matches the generator).

Try it:

```
python run_weekly.py --data examples/demo_school --week 2026-11-23 --out /tmp/demo_out
```

## The school

Hilltop Infant School (Reception to Year 2), attendance target 96.0%. `school.toml` holds the three
terms of 2026-27 (Autumn 03/09-18/12/2026, half term 26-30/10; Spring 05/01-25/03/2027, half term
15-19/02; Summer 12/04-21/07/2027, half term 31/05-04/06), one INSET day (Friday 13/11/2026), the
e-mail sender and return day, and an AP budget of £60,000.

## Providers (`providers.xlsx`)

All four are Active and Registered Y.

| ID | Name | Contact e-mail | Checks at 27/11/2026 |
|---|---|---|---|
{providers}

## Placements (`placements.xlsx`)

| ID | Provider | Year | Arranged by | Pattern | Start | Planned end | Actual end | What is special |
|---|---|---|---|---|---|---|---|---|
{placements}

The **Reviews** sheet has {len(REVIEWS)} events (AP lead visits, an agreement review for P001, a provider termly
report for P005, three formal progress reviews for P004, all **Not satisfactory**
({fpr_dates}), and one for P007).

The **Exclusions** sheet has {len(EXCLUSIONS)} rows:

- a suspension of P006's pupil, {SEPT_SUSPENSION[1]} school days from {_d(SEPT_SUSPENSION[0])}, Work set Y;
- a suspension of P004's pupil, {NOV_SUSPENSION[1]} school days from {_d(NOV_SUSPENSION[0])} (09-12/11; the 13th is the INSET day),
  Work set **N**;
- a **permanent exclusion** from {PERMANENT_EXCLUSION[0]:%a} {_d(PERMANENT_EXCLUSION[0])} of a pupil who is not on the Placements
  sheet (UPN {EXCLUDED_UPN}), Work set Y. Its school days are 17, 18, 19, 20, 23 and 24/11, so its sixth
  school day is {PERMANENT_EXCLUSION[1]:%a} {_d(PERMANENT_EXCLUSION[1])}, and no placement has that UPN.

## Returns (`returns/<provider>/`)

One return per provider per week from the week commencing {_d(weeks[0])} to the week commencing
{_d(weeks[-1])} ({len(weeks)} school weeks; none for half term, none for the first part-week 03-04/09 as no
placement had started), {len(demo.files)} files in all, in the contract's layout (Provider ID in B1, the Monday
in B2, the header row on row 4, one row per pupil expected that week from row 5, sessions in columns D (Mon AM)
to M (Fri PM)). Each provider names its files its own way, e.g. `{return_filename('PRV1', LAST_WEEK)}`,
`{return_filename('PRV2', LAST_WEEK)}`, `{return_filename('PRV3', LAST_WEEK)}`,
`{return_filename('PRV4', D(2026, 11, 16))}`.

Sessions a pupil is not expected (outside the pattern, before the start or after the end, the INSET day)
are `-`. Expected sessions are `B` (`K` for P003, arranged by the local authority), with a seeded sprinkle
of `I`, `M`, `N` and the odd `L`, each explained in the Notes column. Apart from the problems below, only
valid codes are used, and every pupil except P004 stays at or above the 96% target.

## The school's register export (`{REGISTER_EXPORT}`)

The school's own attendance register for the reporting week (23-27/11/2026), as its MIS exports it
(contract §6): CSV UTF-8 with a byte-order mark, the columns `UPN`, `Surname`, `Forename`, `Date` (dd/mm/yyyy),
`Session` and `Code`, one row per pupil-session ({export_rows} rows) for the ten pupils of the Placements sheet
and two pupils who are in school only. The weekly run compares it, session by session, with the providers'
returns (rule `register-mismatch`, policy §15.4). Where a pupil is expected at a provider the school marks `B`
(`K` for P003, whose provision the local authority arranged), agreeing with the return; a pupil in school that
session is marked `/` (AM) or `\\` (PM), and those sessions, like the two pupils not in provision, are not
compared (the export covers the whole school). Two sessions disagree on purpose, problems 7 and 8 below, so the
weekly report's Reconciliation sheet and its "Reconciliation with the school's register" section list two rows,
the safeguarding risk first.

## Deliberate problems

| # | Problem | File | Sheet | Cell | What a weekly run reports (contract §7, §10, §11) |
|---|---|---|---|---|---|
| 1 | Low attender: P004 has many `N` and `I` (and `E` while suspended): {p004_attended} attended of {len(p004_marks)} reported sessions, {p004_attended * 100 / len(p004_marks):.1f}% | `returns/PRV2/` (every week) | Attendance | row of P004 | `below-target` alert, persistent absence |
| 2 | PRV2 (Oak Farm) sent no return for the week commencing {_d(MISSING_RETURN[1])} | (would be `{missing_rel}`) | | | `missing_returns` entry and a `missing-return` action; P004's and P010's sessions that week are not reported |
| 3 | A blank expected session: P002, {BLANK_SESSION[1]:%a} {_d(BLANK_SESSION[1])} {BLANK_SESSION[2]} | `{blank_file}` | Attendance | {blank_cell} | error finding `blank-session` (counts as `N`) |
| 4 | Legacy code `{LEGACY_CODE[3]}` (pre-2024): {LEGACY_CODE[0]}, {LEGACY_CODE[1]:%a} {_d(LEGACY_CODE[1])} {LEGACY_CODE[2]} | `{legacy_file}` | Attendance | {legacy_cell} | warning finding `legacy-code` (counts as authorised absence) |
| 5 | An incident: Serious behaviour, P004, {_d(INCIDENT['Date'])} | `{incident_file}` | Incidents | row 2 | `incident` alert for the reporting week |
| 6 | PRV3's Safeguarding policy checked is 01/09/2025, more than 12 months before 27/11/2026 | `providers.xlsx` | Providers | {expired_cell} | `provider-checks` action |
| 7 | The school's register has P002 attending (`{REGISTER_SAFEGUARDING[3]}`) on {REGISTER_SAFEGUARDING[1]:%a} {_d(REGISTER_SAFEGUARDING[1])} {REGISTER_SAFEGUARDING[2]}, the session the provider left blank (problem 3) | `{REGISTER_EXPORT}` | | line {safeguarding_line} | `register-mismatch` alert for P002: **safeguarding risk** (school B, provider blank, counted as N) |
| 8 | The school's register has P006 absent (`{REGISTER_DISAGREEMENT[3]}`) on {REGISTER_DISAGREEMENT[1]:%a} {_d(REGISTER_DISAGREEMENT[1])} {REGISTER_DISAGREEMENT[2]}, where the provider's return has `B` | `{REGISTER_EXPORT}` | | line {disagreement_line} | `register-mismatch` alert for P006: a disagreement (school N, provider B) |

So `python run_weekly.py --data examples/demo_school --week 2026-11-23` exits **1** (problem 3 is an
error), and `summary.json` has:

- `pupils`: {", ".join(pupils)} ({len(pupils)}; not P008, which has not started, nor P009, whose parents refused);
- `missing_returns`: exactly PRV2 for the week commencing 2026-11-16;
- `findings`: exactly two, problem 3 (`blank-session`, error, {blank_cell}) and problem 4 (`legacy-code`, warning, {legacy_cell});
- P004 is the only pupil below target or persistently absent.

Gaps left in the registers on purpose, for the duty rules (contract §10) to find: P008 (starting 07/12/2026)
has only Parents agreed, so its parent letter, intervention plan, dual registration, attainment data and SEND
details are all outstanding; P010 has no Attainment data sent; P007 has ended with no Destination; P003's
planned end date has passed with no actual end; P005 has no AP lead visit; P004's three formal progress
reviews were all Not satisfactory; the November suspension has Work set N; the permanently excluded pupil has
no placement.

## Actions for `--week 2026-11-23` (as-of Friday 27/11/2026)

`summary.json` has exactly these {len(DOCUMENTED_ACTIONS)} actions, in this order, at least one for each of the
{len(OWNERS)} owners: {", ".join(OWNERS)}.
The due window runs to the 10th school day after 27/11, Friday 11/12/2026.

| Rule | Owner | Key | Status | Due | Why |
|---|---|---|---|---|---|
{actions}

Rules that fire: {", ".join(f"`{r}`" for r in dict.fromkeys(a[0] for a in DOCUMENTED_ACTIONS))}.

## A placement to check by hand: P001

P001 (PRV1, Riverside Learning Centre) is expected Mon-Fri, both sessions, from Monday 07/09/2026.
Every expected session in its returns is `B` except these five:

| Session | Code | Note in the return | File | Cell |
|---|---|---|---|---|
{chr(10).join(lines)}

Non-school days in the period: half term 26-30/10 and the INSET day Friday 13/11 (`-`). From 07/09 to
27/11/2026 there are {year['days']} school days, so for `--week 2026-11-23`:

- week: possible {week['possible']}, attended {week['attended']}, authorised {week['authorised']}, unauthorised {week['unauthorised']}, not reported 0, percent 100.0;
- year to date: possible {year['possible']}, attended {year['attended']} (`L` counts as attended), authorised {year['authorised']} (`I`, `I`, `M`),
  unauthorised {year['unauthorised']} (`N`), not reported 0, percent {pct} ({year['attended']} / {year['possible']} x 100); not below the 96% target,
  not persistently absent.
"""


# --- the whole folder ---------------------------------------------------------------------------

def generate(folder: Path) -> list[Path]:
    """Write the demo school into `folder`; return the files written, in order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_text(folder / "school.toml", SCHOOL_TOML)
    calendar = SchoolCalendar.from_settings(load_settings(folder / "school.toml"))
    write_workbook(schema.PROVIDERS_BOOK, folder / "providers.xlsx", rows={"Providers": PROVIDERS},
                   created=REGISTERS_SAVED)
    write_workbook(schema.PLACEMENTS_BOOK, folder / "placements.xlsx",
                   rows={"Placements": PLACEMENTS, "Reviews": REVIEWS, "Exclusions": EXCLUSIONS},
                   created=REGISTERS_SAVED)
    demo = Demo(calendar)
    _mark_sessions(demo, random.Random(SEED))
    _write_returns(demo, folder)
    _write_register(demo, folder)
    write_text(folder / "README.md", _readme(demo))
    return [folder / n for n in ("school.toml", "providers.xlsx", "placements.xlsx")] + \
        [folder / rel for _, _, rel in demo.files] + [folder / REGISTER_EXPORT, folder / "README.md"]


def folder_main(argv: list[str] | None, module: str, default: Path, make) -> int:
    """`python -m tools.<module> [FOLDER]`: `make(folder)` writes the example there (default `default`)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(f"usage: python -m tools.{module} [FOLDER]   (default: {default.as_posix()})",
              file=sys.stderr)
        return 2
    folder = Path(args[0]) if args else default
    paths = make(folder)
    print(f"wrote {len(paths)} files to {folder}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return folder_main(argv, "demo", DEFAULT_FOLDER, generate)


if __name__ == "__main__":
    sys.exit(main())
