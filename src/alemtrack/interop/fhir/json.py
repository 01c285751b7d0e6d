"""Small, careful accessors for FHIR JSON (no model objects): every helper tolerates a missing
or wrongly typed element and returns None/empty, so the reader decides what is an error."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time
from typing import Any

from alemtrack.errors import FhirInputError

JSON = Mapping[str, Any]

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"
)


def obj(value: Any) -> JSON | None:
    return value if isinstance(value, Mapping) else None


def objs(value: Any) -> list[JSON]:
    """A FHIR array of objects (a lone object counts as a one-element array)."""
    if isinstance(value, Mapping):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, Mapping)]
    return []


def text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def boolean(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def path(resource: JSON, *keys: str | int) -> Any:
    """``path(r, "dosage", "dose", "value")``; integers index arrays."""
    cur: Any = resource
    for key in keys:
        if isinstance(key, int):
            if not isinstance(cur, list) or len(cur) <= key:
                return None
            cur = cur[key]
        else:
            if not isinstance(cur, Mapping):
                return None
            cur = cur.get(key)
    return cur


def codings(concept: Any) -> Iterator[tuple[str | None, str, str | None]]:
    """(system, code, display) of each coding of a CodeableConcept (or of a bare Coding)."""
    concept_obj = obj(concept)
    if concept_obj is None:
        return
    items = objs(concept_obj.get("coding")) if "coding" in concept_obj else [concept_obj]
    for coding in items:
        code = text(coding.get("code"))
        if code is not None:
            yield text(coding.get("system")), code.strip(), text(coding.get("display"))


def concept_text(concept: Any) -> str | None:
    concept_obj = obj(concept)
    if concept_obj is None:
        return None
    own = text(concept_obj.get("text"))
    if own:
        return own
    for _, _, display in codings(concept_obj):
        if display:
            return display
    return None


def has_code(concept: Any, system: str, *codes: str) -> bool:
    return any(s == system and c in codes for s, c, _ in codings(concept))


def first_code(concept: Any, system: str) -> str | None:
    for s, c, _ in codings(concept):
        if s == system:
            return c
    return None


class DateValue:
    """A parsed FHIR date/dateTime: the calendar date as written, the local wall-clock time
    (offset dropped ✱), and whether it was partial (year or year-month)."""

    __slots__ = ("date", "partial", "time")

    def __init__(self, day: date, at: time | None, partial: bool) -> None:
        self.date = day
        self.time = at
        self.partial = partial

    @property
    def datetime(self) -> datetime:
        return datetime.combine(self.date, self.time or time(0, 0))


def parse_date(value: Any, ref: str, field: str, *, last_day: bool = False) -> DateValue:
    """Parse a FHIR date or dateTime; raise FhirInputError naming ``ref`` and ``field``."""
    raw = text(value)
    if raw is None:
        raise FhirInputError(ref, field, "is missing or not a date")
    raw = raw.strip()
    try:
        m = _DATETIME.match(raw)
        if m:
            y, mo, d, hh, mm, ss = (int(g) if g else 0 for g in m.groups()[:6])
            return DateValue(date(y, mo, d), time(hh, mm, ss), False)
        m = _DATE.match(raw)
        if m:
            y = int(m.group(1))
            if m.group(3):
                return DateValue(date(y, int(m.group(2)), int(m.group(3))), None, False)
            if m.group(2):
                mo = int(m.group(2))
                if last_day:
                    nxt = date(y + (mo == 12), mo % 12 + 1, 1)
                    return DateValue(date.fromordinal(nxt.toordinal() - 1), None, True)
                return DateValue(date(y, mo, 1), None, True)
            return DateValue(date(y, 12, 31) if last_day else date(y, 1, 1), None, True)
    except ValueError:
        pass
    raise FhirInputError(ref, field, f'"{raw}" is not a valid FHIR date')
