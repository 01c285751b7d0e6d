"""The patient's schedule as iCalendar: read back with the independent ``icalendar`` package,
one event per due test and per course day."""

from __future__ import annotations

from datetime import date

import icalendar

from alemtrack.services.calendar import patient_calendar


def events(text: str) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(text).walk("VEVENT"))


def test_one_event_per_due_test_and_per_infusion_day_with_reminders(clinic, example_bundle):
    report = clinic.import_bundle(example_bundle("06"), source="t", actor="t")
    detail = clinic.patient(report.patient_id)
    due = detail.assessment["due"]
    text = patient_calendar(clinic, report.patient_id)
    found = events(text)
    due_events = [e for e in found if "-due-" in str(e["UID"])]
    course_events = [e for e in found if "-course-" in str(e["UID"])]
    assert len(due_events) == len(due) and due  # exactly one per due test
    assert sorted(str(e["UID"]).split("-due-")[1].rsplit("-", 3)[0] for e in due_events) == \
        sorted(f"{d['item']}-{d['rule']}" for d in due)
    assert all(str(e["SUMMARY"]).endswith(" due") for e in due_events)
    assert sorted(e.decoded("DTSTART") for e in due_events) == sorted(
        date.fromisoformat(d["due"]) for d in due)
    assert len(course_events) == 5  # course 1, five infusion days given
    assert all(list(e.walk("VALARM")) for e in due_events)
    assert len({str(e["UID"]) for e in found}) == len(found)


def test_the_same_schedule_exported_twice_is_identical(clinic, example_bundle):
    report = clinic.import_bundle(example_bundle("06"), source="t", actor="t")
    assert patient_calendar(clinic, report.patient_id) == patient_calendar(clinic,
                                                                          report.patient_id)


def test_a_planned_course_gives_one_event_per_scheduled_day(clinic, example_bundle):
    report = clinic.import_bundle(example_bundle("01"), source="t", actor="t")
    planned = clinic.patient(report.patient_id).assessment["next_course"]["planned_start"]
    found = [e for e in events(patient_calendar(clinic, report.patient_id))
             if "-course-" in str(e["UID"])]
    assert found[0].decoded("DTSTART").isoformat() == planned
    assert len(found) == 5 and all("(planned)" in str(e["SUMMARY"]) for e in found)
    dtstamps = {e.decoded("DTSTAMP") for e in found}
    assert dtstamps == {clinic.now()}
