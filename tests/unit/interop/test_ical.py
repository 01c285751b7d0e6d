"""The hand-written RFC 5545 writer, read back with the independent ``icalendar`` package."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from alemtrack.interop.ical import CalendarEvent, escape_text, fold, render_calendar

STAMP = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def event(uid: str = "e1@alemtrack", **kw: object) -> CalendarEvent:
    fields: dict[str, object] = {"day": date(2026, 12, 11), "summary": "Full blood count due",
                                 "alarm": timedelta(hours=-15)}
    fields.update(kw)
    return CalendarEvent(uid=uid, **fields)  # type: ignore[arg-type]


def test_a_calendar_parses_with_an_independent_parser_with_its_events_and_alarms():
    text = render_calendar([event(), event("e2@alemtrack", day=date(2027, 1, 11),
                                           alarm=None)], name="alemtrack: Anna", dtstamp=STAMP)
    cal = icalendar.Calendar.from_ical(text)
    assert cal["VERSION"] == "2.0" and str(cal["PRODID"]).startswith("-//alemtrack")
    events = list(cal.walk("VEVENT"))
    assert [str(e["UID"]) for e in events] == ["e1@alemtrack", "e2@alemtrack"]
    first = events[0]
    assert first.decoded("DTSTART") == date(2026, 12, 11)
    assert first.decoded("DTEND") == date(2026, 12, 12)
    assert first.decoded("DTSTAMP") == STAMP
    (alarm,) = first.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(hours=-15)
    assert list(events[1].walk("VALARM")) == []


def test_lines_end_in_crlf_and_none_is_longer_than_75_octets():
    long = "Ünïcödé " * 40 + "; commas, and\nnew lines"
    text = render_calendar([event(summary=long, description=long)], name=long, dtstamp=STAMP)
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    parsed = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))
    assert str(parsed["SUMMARY"]) == long and str(parsed["DESCRIPTION"]) == long


def test_text_values_are_escaped():
    assert escape_text("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"


def test_folding_never_splits_a_multibyte_character():
    folded = fold("X:" + "é" * 100)
    for line in folded.split("\r\n"):
        line.encode("utf-8").decode("utf-8")
        assert len(line.encode("utf-8")) <= 75


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.text(min_size=1, max_size=80))
def test_any_summary_survives_a_round_trip_through_icalendar(summary, uid):
    text = render_calendar([event(uid=uid, summary=summary)], name="n", dtstamp=STAMP)
    parsed = next(iter(icalendar.Calendar.from_ical(text).walk("VEVENT")))
    def newlines(text: str) -> str:  # a TEXT value has one kind of line break
        return text.replace("\r\n", "\n").replace("\r", "\n")

    assert str(parsed["SUMMARY"]) == newlines(summary)
    assert str(parsed["UID"]) == newlines(uid)
