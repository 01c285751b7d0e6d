"""Laboratory results from a feed (HL7 v2 ORU^R01, CSV), read and checked, ready to become FHIR
Observations (``services.labfeed``). Shared by ``interop.hl7v2`` and ``interop.csv``.

The checks here are the ones a feed result must pass before anything is stored: the LOINC is
one alemtrack follows (``protocol.vocabulary.LOINC_ANALYTES``), the unit converts to the
analyte's unit (``interop.fhir.units``, the same conversion as the FHIR reader), the value is
plausible, a qualitative answer is one alemtrack reads. Each failure is a ``ResultProblem``
whose message says what to fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from alemtrack.protocol import vocabulary as voc
from alemtrack.protocol.facts import ANALYTE_UNITS, Analyte

from .fhir import units

__all__ = [
    "FeedResult",
    "ResultProblem",
    "analyte_of",
    "check_qualitative",
    "check_quantity",
    "parse_number",
    "parse_range",
]

Status = Literal["final", "corrected", "entered-in-error"]


class ResultProblem(ValueError):
    """A result that cannot be used; the message says why (shown to the sender)."""


@dataclass(frozen=True, slots=True)
class FeedResult:
    """One result of a feed, checked. ``key`` identifies the result across messages and files
    (a correction or retraction carries the same key); ``where`` names it in reports
    (``OBX 5`` or ``line 7``)."""

    key: str
    where: str
    patient_id: str
    loinc: str
    display: str | None
    analyte: Analyte
    status: Status
    effective: str | None  # FHIR date or dateTime; None only for a retraction
    day: date | None
    value: float | None = None  # as reported
    unit: str | None = None  # as reported
    ucum: str | None = None  # the UCUM spelling of ``unit``
    comparator: str | None = None  # <, <=, >=, > (structured numeric results)
    converted: float | None = None  # in ``canonical``
    canonical: str | None = None
    qual_text: str | None = None  # qualitative answer as text
    qual_coding: tuple[str, str, str | None] | None = None  # (FHIR system, code, display)
    ref_low: float | None = None  # reference range, in the reported unit
    ref_high: float | None = None
    ref_text: str | None = None
    interpretation: str | None = None  # HL7 0078 / v3 ObservationInterpretation code
    source_system: str | None = None  # who sent it (identifier system of the Observation)


def analyte_of(loinc: str) -> Analyte:
    """The analyte of a LOINC code alemtrack follows; ``ResultProblem`` otherwise."""
    analyte = voc.analyte_for(voc.LOINC, loinc)
    if analyte is None:
        raise ResultProblem(f"LOINC {loinc} is not an analyte alemtrack follows")
    return analyte


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def parse_number(text: str) -> float | None:
    """A decimal number (a decimal comma is accepted); None when ``text`` is not one."""
    cleaned = text.strip()
    if re.fullmatch(r"[+-]?\d+,\d+", cleaned):
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER.fullmatch(cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


def is_qualitative(analyte: Analyte) -> bool:
    return ANALYTE_UNITS[analyte] == "{ordinal}"


def check_quantity(analyte: Analyte, value: float, unit: str | None) -> tuple[float, str, str]:
    """(value in the analyte's unit, UCUM spelling of ``unit``, canonical unit) or
    ``ResultProblem`` when the unit does not convert or the value is implausible."""
    canonical = ANALYTE_UNITS[analyte]
    if is_qualitative(analyte):
        raise ResultProblem(f"{analyte.value} is a qualitative test; send a coded or text "
                            "result (negative, positive, ...), not a number")
    try:
        converted, spelled = units.convert(analyte, value, unit)
    except units.UnitProblem as exc:
        if not unit or not unit.strip():
            raise ResultProblem(f"no unit for {analyte.value} ({canonical})") from None
        raise ResultProblem(f'unit "{unit}" cannot be converted to {canonical} for '
                            f"{analyte.value}: {exc}") from None
    if not units.is_plausible(analyte, converted):
        low, high = units.PLAUSIBLE.get(analyte, (0.0, math.inf))
        raise ResultProblem(
            f"{units.format_number(value)} {unit or ''} ({units.format_number(converted)} "
            f"{canonical}) is implausible for {analyte.value} (expected "
            f"{units.format_number(low)}-{units.format_number(high)} {canonical})")
    return converted, spelled, canonical


def check_qualitative(analyte: Analyte, text: str) -> str:
    """A qualitative answer alemtrack reads (negative, positive, trace, 1+ ...), trimmed."""
    answer = text.strip()
    if not is_qualitative(analyte):
        raise ResultProblem(f"{analyte.value} needs a number with a unit, not "
                            f'"{answer[:40]}"')
    if voc.qual_for_text(answer) is None:
        raise ResultProblem(f'"{answer[:40]}" is not a result alemtrack reads for '
                            f"{analyte.value} (negative, positive, trace, 1+ ... 4+, "
                            "indeterminate)")
    return answer


_RANGE_TWO = re.compile(
    r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:-|–|_|to|TO|\.\.)\s*([+-]?\d+(?:[.,]\d+)?)\b")
_RANGE_ONE = re.compile(r"^\s*(<=|>=|<|>|≤|≥)\s*([+-]?\d+(?:[.,]\d+)?)\b")


def parse_range(text: str) -> tuple[float | None, float | None]:
    """Low and high of a reference range written as ``4.3 to 6.2``, ``70-105``, ``70_105``,
    ``<10 ug/dl``, ``>=60``; (None, None) when it is none of these (kept as text)."""
    two = _RANGE_TWO.match(text)
    if two:
        low, high = (float(g.replace(",", ".")) for g in two.groups())
        return (low, high) if low <= high else (None, None)
    one = _RANGE_ONE.match(text)
    if one:
        bound = float(one.group(2).replace(",", "."))
        return (None, bound) if one.group(1) in ("<", "<=", "≤") else (bound, None)
    return None, None
