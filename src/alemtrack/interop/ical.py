"""iCalendar (RFC 5545) writer: a VCALENDAR of all-day VEVENTs with VALARM reminders.

Written by hand (the tests read the output with the independent ``icalendar`` package): CRLF
line ends, content lines folded at 75 octets without splitting a UTF-8 character (§3.1), TEXT
values escaped (backslash, semicolon, comma, newline; §3.3.11), DTSTAMP in UTC (§3.8.7.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

PRODID = "-//alemtrack//alemtuzumab monitoring//EN"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One all-day event; ``alarm`` is how long before the day's start the reminder fires."""

    uid: str
    day: date
    summary: str
    description: str = ""
    categories: tuple[str, ...] = ()
    alarm: timedelta | None = None
    alarm_text: str | None = None


def escape_text(value: str) -> str:
    """An RFC 5545 TEXT value (§3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """One content line folded into lines of at most 75 octets, continuation lines starting
    with a space (§3.1); never splits a multi-octet UTF-8 character."""
    out: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _duration(delta: timedelta) -> str:
    """A negative or positive RFC 5545 duration (§3.3.6) in days, hours, minutes."""
    sign = "-" if delta < timedelta(0) else ""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    time = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if not time:
        return f"{sign}P{days}D"
    return f"{sign}P{days}DT{time}" if days else f"{sign}PT{time}"


def render_calendar(events: Sequence[CalendarEvent], *, name: str, dtstamp: datetime) -> str:
    """The VCALENDAR text (CRLF line ends). ``dtstamp`` is when it was made (clinic clock)."""
    stamp = dtstamp.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(event.uid)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{event.day.strftime('%Y%m%d')}",
            f"DTEND;VALUE=DATE:{(event.day + timedelta(days=1)).strftime('%Y%m%d')}",
            f"SUMMARY:{escape_text(event.summary)}",
            "TRANSP:TRANSPARENT",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.categories:
            lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
        if event.alarm is not None:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape_text(event.alarm_text or event.summary)}",
                f"TRIGGER:{_duration(event.alarm)}",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
