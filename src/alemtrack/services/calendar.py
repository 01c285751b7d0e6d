"""A patient's monitoring schedule and course days as iCalendar (RFC 5545; docs/lab-feeds.md).

One all-day event per due item of the latest evaluation (the R-M1 monthly and quarterly tests
and every other due item: screening, vaccines, CD4 ...) and one per course day: each
alemtuzumab infusion day given, and each scheduled day of the planned next course. Every event
has a reminder at 09:00 the day before. UIDs are built from what the event is (patient, item,
rule, date), so the same schedule exported twice gives the same UIDs; DTSTAMP is the clinic's
clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from alemtrack.interop.ical import CalendarEvent, render_calendar
from alemtrack.protocol.parameters import PROFILES

from .clinic import Clinic

UID_DOMAIN = "alemtrack"
REMINDER = timedelta(hours=-15)  # 09:00 on the day before an all-day event

ITEM_LABELS: dict[str, str] = {
    "cbc": "Full blood count",
    "creatinine": "Serum creatinine",
    "urinalysis": "Urinalysis",
    "lft": "Liver tests",
    "tsh": "TSH",
    "cd4": "CD4 count",
    "symptom-checklist": "Symptom checklist",
    "hpv-screening": "HPV screening",
    "skin-exam": "Skin examination",
    "mri": "Brain MRI",
    "pregnancy-test": "Pregnancy test",
    "anti-hbs": "Anti-HBs",
    "anti-hbc": "Anti-HBc",
    "hbsag": "HBsAg",
    "hcv-ab": "HCV antibody",
    "hiv": "HIV test",
    "igra": "IGRA (tuberculosis)",
    "cmv-igg": "CMV IgG",
    "vzv-igg": "VZV IgG",
    "measles-igg": "Measles IgG",
    "hav-igg": "HAV IgG",
    "ecg": "ECG",
    "chest-xray": "Chest X-ray",
    "listeria-advice": "Listeria diet advice",
}


def _label(item: str) -> str:
    if item in ITEM_LABELS:
        return ITEM_LABELS[item]
    if item.startswith("vaccine-"):
        return "Vaccination: " + item.removeprefix("vaccine-").replace("-", " ")
    return item.replace("-", " ").capitalize()


def _course_days(number: int) -> int:
    core = PROFILES["eu"].core  # every profile schedules 5 days for course 1, then 3
    return core.course1_days.value if number == 1 else core.later_course_days.value


def patient_events(clinic: Clinic, patient_id: int) -> tuple[str, list[CalendarEvent]]:
    """The calendar's name and its events (NotFound for an unknown patient)."""
    detail = clinic.patient(patient_id)
    facts = clinic.facts(patient_id)
    fhir_id = detail.summary.fhir_id
    assessment = detail.assessment or {}
    events: list[CalendarEvent] = []

    def uid(*parts: str) -> str:
        return "-".join(["alemtrack", fhir_id, *parts]) + f"@{UID_DOMAIN}"

    for due in assessment.get("due", []):
        day = date.fromisoformat(due["due"])
        label = _label(due["item"])
        events.append(CalendarEvent(
            uid=uid("due", due["item"], due["rule"], day.isoformat()),
            day=day,
            summary=f"{label} due",
            description=(f"alemtuzumab safety monitoring: {label} due on {day.isoformat()} "
                         f"(rule {due['rule']}; {due['status']} on {assessment.get('as_of')})."),
            categories=("alemtrack", "monitoring"),
            alarm=REMINDER,
            alarm_text=f"Tomorrow: {label}",
        ))
    given: set[date] = set()
    for course in assessment.get("courses", []):
        first = date.fromisoformat(course["first_day"])
        last = date.fromisoformat(course["last_day"])
        days = sorted({i.date for i in facts.infusions if first <= i.date <= last})
        for number, day in enumerate(days, start=1):
            given.add(day)
            events.append(_course_event(uid, course["number"], number, day, planned=False))
    nxt = assessment.get("next_course") or {}
    if nxt.get("planned_start"):
        start = date.fromisoformat(nxt["planned_start"])
        for offset in range(_course_days(int(nxt["number"]))):
            day = start + timedelta(days=offset)
            if day not in given:
                events.append(_course_event(uid, int(nxt["number"]), offset + 1, day,
                                            planned=True))
    events.sort(key=lambda e: (e.day, e.uid))
    return f"alemtrack: {detail.summary.name}", events


def _course_event(uid: Callable[..., str], course: int, day_number: int, day: date, *,
                  planned: bool) -> CalendarEvent:
    kind = "planned" if planned else "given"
    return CalendarEvent(
        uid=uid("course", str(course), f"day{day_number}", day.isoformat()),
        day=day,
        summary=f"Alemtuzumab course {course}, day {day_number}" + (" (planned)" if planned
                                                                     else ""),
        description=(f"Infusion day {day_number} of alemtuzumab course {course} ({kind}). "
                     "Premedication and prophylaxis as on the infusion-day sheet."),
        categories=("alemtrack", "infusion"),
        alarm=REMINDER if planned else None,
        alarm_text=f"Tomorrow: alemtuzumab course {course}, day {day_number}",
    )


def patient_calendar(clinic: Clinic, patient_id: int) -> str:
    """The patient's schedule as an RFC 5545 VCALENDAR (text, CRLF line ends)."""
    name, events = patient_events(clinic, patient_id)
    return render_calendar(events, name=name, dtstamp=clinic.now())
