"""HL7 v2 ORU^R01 (unsolicited observation result) -> checked laboratory results.

Mapping (docs/lab-feeds.md has the table): patient from PID-3 (identifiers) and PID-5 (name);
each OBX is one result: LOINC from OBX-3 (coding system ``LN``, or the alternate coding), the
value from OBX-5 by its type OBX-2 (NM, SN, ST/TX/FT, CWE/CE/CNE), the unit OBX-6 converted
with ``interop.fhir.units``, the reference range OBX-7, the abnormal flag OBX-8, the result
status OBX-11 and the date OBX-14, else OBR-7. The result's identity (``FeedResult.key``) is
the sending facility, the order (OBR-3 filler, else OBR-2 placer number), the LOINC and the
sub-ID OBX-4: a corrected result (C) or a retraction (D, W, X) carries the same key as the
result it replaces.

``read_oru`` raises ``Hl7InputError`` only when the message cannot be read as ORU^R01 at all
(answered with AR); everything else, result by result, is an ``Issue`` (answered with AE or,
for results ignored on purpose, with AA and an informational ERR segment).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, TypeVar

from alemtrack.errors import Hl7InputError
from alemtrack.protocol import vocabulary as voc

from ..labresults import (
    FeedResult,
    ResultProblem,
    Status,
    analyte_of,
    check_qualitative,
    check_quantity,
    is_qualitative,
    parse_number,
    parse_range,
)
from .message import Message, Segment, parse

Severity = Literal["E", "W", "I"]
T = TypeVar("T")

SUPPORTED_VERSIONS = ("2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8")

# OBX-11 (HL7 table 0085) -> what alemtrack does with the result.
STATUS_ACTIONS: dict[str, str] = {
    "F": "final: stored",
    "C": "corrected: replaces the result with the same order, LOINC and sub-ID",
    "A": "amended (some senders): treated as corrected",
    "P": "preliminary: ignored until final",
    "R": "not yet verified: ignored until final",
    "S": "partial: ignored until final",
    "I": "pending: ignored",
    "O": "order detail only: ignored",
    "N": "not asked: ignored",
    "U": "status change to final without the result: ignored (send the result as F)",
    "D": "deleted: the stored result is retracted",
    "W": "posted to the wrong patient: the stored result is retracted",
    "X": "cannot be obtained: the stored result, if any, is retracted",
}
_STORE: dict[str, Status] = {"F": "final", "C": "corrected", "A": "corrected"}
_RETRACT = {"D", "W", "X"}

# Coding systems of CWE/CE values (HL7 table 0396) -> FHIR systems.
_SYSTEMS = {
    "SCT": voc.SNOMED,
    "SNM": voc.SNOMED,
    "SNOMED": voc.SNOMED,
    "LN": voc.LOINC,
    "HL70078": voc.V3_INTERPRETATION,
    "HL70136": "http://terminology.hl7.org/CodeSystem/v2-0136",
}
_LOINC_SYSTEMS = {"LN", "LOINC", "HTTP://LOINC.ORG"}

# HL7 table 0078 flags that are codes of the FHIR v3 ObservationInterpretation system.
INTERPRETATIONS = frozenset({
    "L", "H", "LL", "HH", "N", "A", "AA", "<", ">", "U", "D", "B", "W", "S", "R", "I",
    "MS", "VS", "POS", "NEG", "IND", "DET", "ND", "E", "EX", "HX", "LX", "NS", "NR", "HU",
    "LU", "IE", "CAR", "RR", "SYN-R", "SYN-S",
})

_DTM = re.compile(
    r"(\d{4})(\d{2})?(\d{2})?(?:(\d{2})(\d{2})?(\d{2})?(?:\.\d{1,4})?)?([+-]\d{4})?")


@dataclass(frozen=True, slots=True)
class Issue:
    """Something that could not be mapped, or was ignored on purpose: one ERR segment.

    ``location`` is an HL7 error location (segment, occurrence, field: ``("OBX", 3, 6)``);
    ``code`` is from HL7 table 0357; ``severity`` E (error), W (warning), I (information).
    """

    location: tuple[str, int, int]
    code: str
    severity: Severity
    message: str

    def __str__(self) -> str:
        seg, occurrence, fld = self.location
        where = f"{seg} {occurrence}" + (f" ({seg}-{fld})" if fld else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Header:
    """What the ACK needs from MSH."""

    control_id: str
    sending_application: str
    sending_facility: str
    receiving_application: str
    receiving_facility: str
    processing_id: str
    version: str


@dataclass(slots=True)
class PatientGroup:
    """The results of one PID (an ORU^R01 may hold several patients)."""

    ids: tuple[str, ...]  # PID-3 identifiers, MR first
    family: str
    given: str
    pid_index: int  # occurrence of this PID in the message (1-based)
    results: list[FeedResult] = field(default_factory=list)
    # result key -> (OBX occurrence) so that later problems name the segment
    locations: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class OruReading:
    header: Header
    patients: list[PatientGroup]
    issues: list[Issue]
    obx_count: int


def read_header(message: Message) -> Header:
    msh = message.msh
    return Header(
        control_id=msh.component(10),
        sending_application=msh.component(3),
        sending_facility=msh.component(4),
        receiving_application=msh.component(5),
        receiving_facility=msh.component(6),
        processing_id=msh.component(11) or "P",
        version=msh.component(12),
    )


def read_oru(text: str) -> OruReading:
    """Read an ORU^R01 message; ``Hl7InputError`` (with ``header`` when MSH was readable) if
    it is not one."""
    message = parse(text)
    header = read_header(message)
    msh = message.msh
    try:
        kind, event = msh.component(9, 1), msh.component(9, 2)
        if (kind, event) != ("ORU", "R01"):
            shown = "^".join(p for p in (kind, event) if p) or "empty"
            raise Hl7InputError(f"message type {shown} is not read; alemtrack reads ORU^R01",
                                hl7_code="200" if kind != "ORU" else "201", location="MSH-9")
        if not header.control_id:
            raise Hl7InputError("message control ID is missing", hl7_code="101",
                                location="MSH-10")
        if header.version and header.version not in SUPPORTED_VERSIONS:
            raise Hl7InputError(f"version {header.version} is not read (2.3 to 2.8)",
                                hl7_code="203", location="MSH-12")
    except Hl7InputError as exc:
        exc.header = header  # type: ignore[attr-defined]  # lets the ACK address the sender
        raise
    return _Reader(message, header).read()


class _Reader:
    def __init__(self, message: Message, header: Header) -> None:
        self.message = message
        self.header = header
        self.issues: list[Issue] = []
        self.patients: list[PatientGroup] = []
        self.counts: dict[str, int] = {}

    def occurrence(self, segment: Segment) -> int:
        self.counts[segment.name] = self.counts.get(segment.name, 0) + 1
        return self.counts[segment.name]

    def issue(self, seg: str, occurrence: int, fld: int, code: str, severity: Severity,
              message: str) -> None:
        self.issues.append(Issue((seg, occurrence, fld), code, severity, message))

    def read(self) -> OruReading:
        patient: PatientGroup | None = None
        obr: Segment | None = None
        obx_count = 0
        for segment in self.message.segments[1:]:
            n = self.occurrence(segment)
            if segment.name == "PID":
                patient = self.pid(segment, n)
                obr = None
            elif segment.name == "OBR":
                obr = segment
            elif segment.name == "OBX":
                obx_count += 1
                if patient is None:
                    self.issue("OBX", n, 0, "100", "E", "result before any PID segment: no "
                               "patient; result not stored")
                    continue
                try:
                    result = self.obx(segment, n, obr, patient)
                except ResultProblem as exc:
                    self.issue("OBX", n, getattr(exc, "field", 0) or 5, _code(exc), _sev(exc),
                               _describe(segment, exc))
                    continue
                if result is not None:
                    patient.results.append(result)
                    patient.locations[result.key] = n
        if not self.patients:
            self.issue("PID", 1, 0, "100", "E", "the message has no PID segment: no patient")
        elif obx_count == 0:
            self.issue("OBX", 1, 0, "100", "E", "the message has no OBX segment: no result")
        return OruReading(self.header, self.patients, self.issues, obx_count)

    # -- PID --------------------------------------------------------------------------------

    def pid(self, segment: Segment, n: int) -> PatientGroup:
        ids: list[tuple[bool, str]] = []
        for r in range(len(segment.repetitions(3))):
            value = segment.component(3, 1, repetition=r)
            if value:
                ids.append((segment.component(3, 5, repetition=r) != "MR", value))
        ids.sort(key=lambda x: x[0])  # stable: medical record numbers first
        group = PatientGroup(
            ids=tuple(dict.fromkeys(v for _, v in ids)),
            family=segment.component(5, 1),
            given=segment.component(5, 2),
            pid_index=n,
        )
        if not group.ids:
            self.issue("PID", n, 3, "101", "E", "PID-3 holds no patient identifier")
        self.patients.append(group)
        return group

    # -- OBX --------------------------------------------------------------------------------

    def obx(self, obx: Segment, n: int, obr: Segment | None, patient: PatientGroup
            ) -> FeedResult | None:
        loinc, display = self.loinc(obx)
        analyte = _problem(lambda: analyte_of(loinc), 3, "103", "I", " (not stored)")
        flag = obx.component(11)
        if not flag:
            raise _with(ResultProblem("OBX-11 result status is missing; result not stored"),
                        11, "101", "E")
        if flag not in STATUS_ACTIONS:
            raise _with(ResultProblem(f"OBX-11 result status {flag!r} is not one of HL7 table "
                                      "0085; result not stored"), 11, "103", "E")
        if flag not in _STORE and flag not in _RETRACT:
            raise _with(ResultProblem(f"result status {flag} ({STATUS_ACTIONS[flag]})"), 11,
                        "0", "W")
        key = self.key(obx, obr, loinc, patient)
        when_raw = obx.component(14) or (obr.component(7) if obr is not None else "")
        when_field = 14 if obx.component(14) else 7
        status: Status = "entered-in-error" if flag in _RETRACT else _STORE[flag]
        sender = self.header.sending_facility or self.header.sending_application or "unknown"
        base = FeedResult(key=key, where=f"OBX {n}",
                          patient_id=patient.ids[0] if patient.ids else "", loinc=loinc,
                          display=display, analyte=analyte, status=status, effective=None,
                          day=None, source_system=sender)
        if not patient.ids:
            raise _with(ResultProblem("no patient identifier in PID-3; result not stored"), 3,
                        "101", "E")
        if flag in _RETRACT:
            effective, day = _date_or_none(when_raw)
            return replace(base, effective=effective, day=day)
        if not when_raw:
            raise _with(ResultProblem("no observation date (OBX-14 or OBR-7); result not "
                                      "stored"), 14, "101", "E")
        effective, day = _problem(lambda: _fhir_datetime(when_raw), when_field, "102", "E",
                                  "; result not stored")
        value_type = obx.component(2).upper()
        values = [v for v in obx.repetitions(5) if v.strip()]
        if not values:
            raise _with(ResultProblem("OBX-5 holds no value; result not stored"), 5, "101",
                        "E")
        if len(values) > 1:
            raise _with(ResultProblem("OBX-5 repeats; one value per result is read; result "
                                      "not stored"), 5, "102", "E")
        ref_text = obx.text(7) or None
        low, high = parse_range(ref_text) if ref_text else (None, None)
        flag8 = obx.component(8).upper() or None
        base = replace(base, ref_low=low, ref_high=high, ref_text=ref_text,
                       interpretation=flag8, effective=effective, day=day)
        if value_type in ("CWE", "CE", "CNE", "CF"):
            parts = obx.components(5)
            code = parts[0] if parts else ""
            text = parts[1] if len(parts) > 1 else ""
            system_name = parts[2].upper() if len(parts) > 2 else ""
            system = _SYSTEMS.get(system_name)
            answer = text or code
            if not is_qualitative(analyte):
                raise _with(ResultProblem(f"a coded result ({value_type}) for "
                                          f"{analyte.value}, which needs a number; result not "
                                          "stored"), 2, "102", "E")
            coding = (system, code, text or None) if system and code else None
            if coding is None or voc.qual_for(system, code) is None:
                _problem(lambda: check_qualitative(analyte, answer), 5, "103", "E",
                         "; result not stored")
            return replace(base, qual_text=answer, qual_coding=coding)
        if value_type in ("ST", "TX", "FT"):
            text_value = obx.text(5)
            number = parse_number(text_value)
            if number is None or is_qualitative(analyte):
                answer = _problem(lambda: check_qualitative(analyte, text_value), 5, "103",
                                  "E", "; result not stored")
                return replace(base, qual_text=answer)
            comparator = None
        elif value_type == "NM":
            number = parse_number(obx.text(5))
            if number is None:
                raise _with(ResultProblem(f'OBX-5 "{obx.text(5)[:40]}" is not a number (NM); '
                                          "result not stored"), 5, "102", "E")
            comparator = None
        elif value_type == "SN":
            number, comparator = _problem(lambda: _structured_numeric(obx.components(5)), 5,
                                          "102", "E", "; result not stored")
        else:
            shown = value_type or "empty"
            raise _with(ResultProblem(f"value type OBX-2 {shown} is not read (NM, SN, ST, TX, "
                                      "FT, CWE, CE, CNE); result not stored"), 2, "102", "E")
        unit = obx.component(6, 1) or None
        converted, ucum, canonical = _problem(lambda: check_quantity(analyte, number, unit), 6,
                                              "103", "E", "; result not stored")
        return replace(base, value=number, unit=unit, ucum=ucum, comparator=comparator,
                       converted=converted, canonical=canonical)

    def loinc(self, obx: Segment) -> tuple[str, str | None]:
        parts = obx.components(3)
        parts += [""] * (6 - len(parts))
        for code, text, system in ((parts[0], parts[1], parts[2]), (parts[3], parts[4],
                                                                    parts[5])):
            if code and system.upper() in _LOINC_SYSTEMS:
                return code, text or None
        if not parts[0]:
            raise _with(ResultProblem("OBX-3 observation identifier is empty; result not "
                                      "stored"), 3, "101", "E")
        system = parts[2] or "no coding system"
        raise _with(ResultProblem(f"OBX-3 {parts[0]} ({parts[1] or 'no name'}) is coded in "
                                  f"{system!r}, not LOINC (LN); alemtrack maps results by "
                                  "LOINC (not stored)"), 3, "103", "I")

    def key(self, obx: Segment, obr: Segment | None, loinc: str, patient: PatientGroup
            ) -> str:
        sender = self.header.sending_facility or self.header.sending_application
        order = ""
        if obr is not None:
            filler = obr.component(3, 1)
            placer = obr.component(2, 1)
            order = f"F:{filler}" if filler else (f"P:{placer}" if placer else "")
        if not order:  # no order number: the result's own time tells repeats apart
            order = "T:" + (obx.component(14) or (obr.component(7) if obr else ""))
        subid = obx.component(4)
        pid = patient.ids[0] if patient.ids else ""
        return "|".join((sender, pid, order, loinc, subid))


def _structured_numeric(parts: list[str]) -> tuple[float, str | None]:
    comparator = parts[0] if parts else ""
    num1 = parts[1] if len(parts) > 1 else ""
    separator = parts[2] if len(parts) > 2 else ""
    num2 = parts[3] if len(parts) > 3 else ""
    if separator or num2:
        raise ResultProblem("structured numeric OBX-5 is a range or ratio "
                            f"({num1}{separator}{num2}), not a single value")
    number = parse_number(num1)
    if number is None:
        raise ResultProblem(f'structured numeric OBX-5 "{num1[:40]}" is not a number')
    if comparator in ("", "="):
        return number, None
    if comparator in ("<", ">", "<=", ">="):
        return number, comparator
    raise ResultProblem(f"structured numeric comparator {comparator!r} is not <, >, <=, >=, =")


def _fhir_datetime(raw: str) -> tuple[str, date]:
    """HL7 DTM -> (FHIR date or dateTime, the calendar day). A time without a UTC offset
    is sent as the date alone (FHIR needs an offset with a time)."""
    m = _DTM.fullmatch(raw.strip())
    if not m:
        raise ResultProblem(f'"{raw[:40]}" is not an HL7 date/time (YYYYMMDD[HHMM[SS]][+ZZZZ])')
    year, month, day, hour, minute, second, offset = m.groups()
    if month is None or day is None:
        raise ResultProblem(f'"{raw}" has no day; a result needs a full date')
    try:
        calendar = date(int(year), int(month), int(day))
    except ValueError:
        raise ResultProblem(f'"{raw}" is not a valid date') from None
    if hour is None or offset is None:
        return calendar.isoformat(), calendar
    hh, mm, ss = int(hour), int(minute or 0), int(second or 0)
    oh, om = int(offset[1:3]), int(offset[3:5])
    if hh > 23 or mm > 59 or ss > 59 or oh > 14 or om > 59:
        raise ResultProblem(f'"{raw}" is not a valid time')
    return (f"{calendar.isoformat()}T{hh:02d}:{mm:02d}:{ss:02d}"
            f"{offset[0]}{offset[1:3]}:{offset[3:5]}"), calendar


def _date_or_none(raw: str) -> tuple[str | None, date | None]:
    try:
        return _fhir_datetime(raw) if raw else (None, None)
    except ResultProblem:
        return None, None


def _with(exc: ResultProblem, fld: int, code: str, severity: Severity) -> ResultProblem:
    exc.field = fld  # type: ignore[attr-defined]
    exc.code = code  # type: ignore[attr-defined]
    exc.severity = severity  # type: ignore[attr-defined]
    return exc


def _problem(action: Callable[[], T], fld: int, code: str, severity: Severity, suffix: str
             ) -> T:
    """Run ``action``; a ResultProblem it raises gets the field, code and severity."""
    try:
        return action()
    except ResultProblem as exc:
        raise _with(ResultProblem(f"{exc}{suffix}"), fld, code, severity) from None


def _code(exc: ResultProblem) -> str:
    return str(getattr(exc, "code", "102"))


def _sev(exc: ResultProblem) -> Severity:
    severity: Severity = getattr(exc, "severity", "E")
    return severity


def _describe(obx: Segment, exc: ResultProblem) -> str:
    set_id = obx.component(1)
    code = obx.component(3, 1)
    name = obx.component(3, 2)
    label = ", ".join(p for p in (f"set {set_id}" if set_id else "", code, name) if p)
    return f"{label}: {exc}" if label else str(exc)
