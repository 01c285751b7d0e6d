"""Laboratory feeds in: HL7 v2 ORU^R01 messages and CSV files become FHIR Observations and are
stored through ``Clinic.import_bundle``, the same road as any FHIR import, so idempotency
(stable ids from the result's identity), the import ledger and the re-evaluation of the
patient apply unchanged (docs/lab-feeds.md).

Only patients already followed in alemtrack receive results: the feed's patient identifier
(PID-3, CSV ``patient_id``) is the patient's FHIR id, and its stored Patient resource is sent
with the results unchanged, so a feed never alters demographics.
"""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alemtrack.errors import FhirInputError, Hl7InputError
from alemtrack.interop.csv import RowProblem, read_lab_csv
from alemtrack.interop.fhir import read_bundle
from alemtrack.interop.hl7v2 import (
    AckCode,
    Header,
    Issue,
    ack_code,
    build_ack,
    parse,
    read_header,
    read_oru,
)
from alemtrack.interop.hl7v2.oru import INTERPRETATIONS
from alemtrack.interop.labresults import FeedResult
from alemtrack.protocol import vocabulary as voc

from .clinic import Clinic
from .model import ImportReport

JSON = dict[str, Any]
log = logging.getLogger("alemtrack.labfeed")
IDENTIFIER_SYSTEM = "urn:alemtrack:lab-feed"
LAB_CATEGORY = {"coding": [{
    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
    "code": "laboratory"}]}


@dataclass(frozen=True, slots=True)
class Hl7Outcome:
    """What became of one HL7 message: the ACK to send back and the counts."""

    ack: str
    code: AckCode
    stored: int
    unchanged: int
    superseded: int
    issues: tuple[Issue, ...]


@dataclass(slots=True)
class CsvOutcome:
    """What became of one CSV file. ``imported`` is False when any row was rejected (nothing
    stored) or in a dry run."""

    rows: int = 0
    accepted: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    dry_run: bool = False
    imported: bool = False
    patients: int = 0
    stored: int = 0
    unchanged: int = 0
    superseded: int = 0


@dataclass(frozen=True, slots=True)
class _Patient:
    id: int
    name: str
    body: JSON
    full_url: str | None

    @property
    def ref(self) -> str:
        rid = self.body.get("id")
        return f"Patient/{rid}" if isinstance(rid, str) and rid else str(self.full_url)

    @property
    def entry(self) -> JSON:
        entry: JSON = {"resource": self.body}
        if self.full_url:
            entry["fullUrl"] = self.full_url
        return entry


class LabFeed:
    """HL7 v2 and CSV laboratory results into the clinic."""

    def __init__(self, clinic: Clinic, *, facility: str = "") -> None:
        self._clinic = clinic
        self._facility = facility

    # -- HL7 v2 -----------------------------------------------------------------------------
    def receive_hl7(self, text: str, *, source: str = "hl7v2", actor: str) -> Hl7Outcome:
        """Read, map and store one ORU^R01 message; always answers with an ACK (AR when the
        message cannot be read, AE when a result could not be used, else AA)."""
        now = self._clinic.now()
        try:
            reading = read_oru(text)
        except Hl7InputError as exc:
            header = getattr(exc, "header", None) or _header_or_none(text)
            seg, _, fld = (exc.location or "MSH").partition("-")
            issue = Issue((seg.split()[0][:3] if seg else "MSH", 1,
                           int(fld) if fld.isdigit() else 0),
                          exc.hl7_code, "E", str(exc))
            ack = build_ack(header, "AR", [issue], text=f"rejected: {exc}", now=now,
                            facility=self._facility)
            return Hl7Outcome(ack, "AR", 0, 0, 0, (issue,))
        issues = list(reading.issues)
        totals = [0, 0, 0]
        taken = 0
        for group in reading.patients:
            if not group.results:
                continue
            patient = self._find(group.ids)
            if patient is None:
                issues.append(Issue(("PID", group.pid_index, 3), "204", "E",
                                    f"patient {', '.join(group.ids)} is not followed in "
                                    f"alemtrack; {len(group.results)} result(s) not stored"))
                continue
            if group.family and not _same_name(group.family, patient.name):
                issues.append(Issue(("PID", group.pid_index, 5), "204", "E",
                                    f"PID-5 family name {group.family!r} does not match "
                                    f"patient {group.ids[0]} in alemtrack; "
                                    f"{len(group.results)} result(s) not stored"))
                continue
            results: list[FeedResult] = []
            for result in group.results:
                problem = self._date_problem(result)
                if problem:
                    issues.append(_obx_issue(group.locations[result.key], 14, "102", problem))
                else:
                    results.append(result)
            bodies = {result.key: observation(result, patient.ref, "hl7") for result in results}
            refused = _refused(patient, list(bodies.values()))
            kept = []
            for result in results:
                body = bodies[result.key]
                reason = refused.get(f"Observation/{body['id']}")
                if reason:
                    issues.append(_obx_issue(group.locations[result.key], 5, "102", reason))
                else:
                    kept.append(body)
            if not kept:
                continue
            report = self._import(patient, kept, source, actor)
            for item in report.rejected:
                issues.append(Issue(("OBX", 0, 0), "102", "E", f"{item.ref}: {item.reason}"))
            taken += len(kept) - len(report.rejected)
            totals[0] += report.stored
            totals[1] += report.unchanged - 1  # the Patient, sent unchanged
            totals[2] += report.superseded
        code = ack_code(issues, stored_any=taken > 0)
        errors = sum(1 for i in issues if i.severity == "E")
        ignored = sum(1 for i in issues if i.severity != "E")
        text_out = (f"{totals[0]} stored, {max(totals[1], 0)} unchanged, {errors} rejected, "
                    f"{ignored} ignored")
        if code == "AE" and not taken and not errors:  # MSA-3 holds 80 characters
            text_out = "nothing stored: no result in the message is one alemtrack follows"
        ack = build_ack(reading.header, code, issues, text=text_out, now=now,
                        facility=self._facility)
        return Hl7Outcome(ack, code, totals[0], max(totals[1], 0), totals[2], tuple(issues))

    def answer_hl7(self, text: str, *, source: str = "mllp", actor: str) -> str:
        """The ACK for one message, whatever happens: an unexpected failure (database down)
        is logged and answered AE with error 207, so an MLLP link never drops a message
        silently and the sender retries."""
        try:
            return self.receive_hl7(text, source=source, actor=actor).ack
        except Exception:
            log.exception("HL7 message could not be processed")
            issue = Issue(("MSH", 1, 0), "207", "E", "application internal error; the message "
                          "was not stored, send it again")
            return build_ack(_header_or_none(text), "AE", [issue], text="not stored: internal "
                             "error", now=datetime.now(UTC), facility=self._facility)

    # -- CSV --------------------------------------------------------------------------------
    def import_csv(
        self,
        lines: Iterable[str],
        *,
        source: str = "csv",
        actor: str,
        dry_run: bool = False,
        on_patient: Callable[[int, int], None] | None = None,
    ) -> CsvOutcome:
        """Validate the whole file, then import all of it or nothing: any rejected row (each
        reported with its line number and reason) means nothing is stored. Stored one patient
        per transaction; the results' ids are stable, so a re-run after an interruption stores
        only what is missing. ``CsvInputError`` when the file cannot be read at all."""
        outcome = CsvOutcome(dry_run=dry_run)
        by_patient: dict[str, list[FeedResult]] = {}
        for item in read_lab_csv(lines):
            outcome.rows += 1
            if isinstance(item, RowProblem):
                outcome.rejected.append(item)
                continue
            problem = self._date_problem(item)
            if problem:
                outcome.rejected.append(RowProblem(_line(item), problem))
                continue
            by_patient.setdefault(item.patient_id, []).append(item)
        ready: list[tuple[_Patient, list[JSON]]] = []
        for patient_id, results in by_patient.items():
            patient = self._find((patient_id,))
            if patient is None:
                outcome.rejected += [RowProblem(_line(r), f"patient {patient_id!r} is not "
                                                "followed in alemtrack") for r in results]
                continue
            bodies = [observation(r, patient.ref, "csv") for r in results]
            refused = _refused(patient, bodies)
            for result, body in zip(results, bodies, strict=True):
                reason = refused.get(f"Observation/{body['id']}")
                if reason:
                    outcome.rejected.append(RowProblem(_line(result), reason))
            ready.append((patient, bodies))
        outcome.rejected.sort(key=lambda p: p.line)
        outcome.accepted = outcome.rows - len(outcome.rejected)
        if outcome.rejected or dry_run:
            return outcome
        for done, (patient, bodies) in enumerate(ready, start=1):
            report = self._import(patient, bodies, source, actor)
            outcome.stored += report.stored
            outcome.unchanged += report.unchanged - 1  # the Patient, sent unchanged
            outcome.superseded += report.superseded
            if on_patient is not None:
                on_patient(done, len(ready))
        outcome.patients = len(ready)
        outcome.imported = True
        return outcome

    # -- shared -----------------------------------------------------------------------------
    def _find(self, ids: Iterable[str]) -> _Patient | None:
        for fhir_id in ids:
            found = self._clinic.patient_resource(fhir_id)
            if found is not None:
                return _Patient(*found)
        return None

    def _date_problem(self, result: FeedResult) -> str | None:
        today = self._clinic.today()
        if result.day is not None and result.day > today:
            return (f"dated {result.day.isoformat()}, after today ({today.isoformat()}); "
                    "result not stored")
        return None

    def _import(self, patient: _Patient, bodies: list[JSON], source: str, actor: str
                ) -> ImportReport:
        bundle = {"resourceType": "Bundle", "type": "collection",
                  "entry": [patient.entry, *({"resource": b} for b in bodies)]}
        return self._clinic.import_bundle(bundle, source=source, actor=actor)


def observation(result: FeedResult, patient_ref: str, prefix: str) -> JSON:
    """The FHIR R4 Observation of a feed result (docs/fhir-input.md §5). Its id is derived from
    the result's identity, so the same result sent again is the same resource."""
    digest = hashlib.sha256(result.key.encode("utf-8")).hexdigest()[:32]
    coding: JSON = {"system": voc.LOINC, "code": result.loinc}
    if result.display:
        coding["display"] = result.display[:200]
    body: JSON = {
        "resourceType": "Observation",
        "id": f"{prefix}-{digest}",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "value": result.key[:400]}],
        "status": result.status,
        "category": [LAB_CATEGORY],
        "code": {"coding": [coding]},
        "subject": {"reference": patient_ref},
    }
    if result.effective:
        body["effectiveDateTime"] = result.effective
    if result.status == "entered-in-error":
        return body
    if result.value is not None:
        quantity: JSON = {"value": result.value, "unit": result.unit or "",
                          "system": voc.UCUM, "code": result.ucum or result.unit or ""}
        if result.comparator:
            quantity["comparator"] = result.comparator
        body["valueQuantity"] = quantity
    elif result.qual_coding is not None:
        system, code, display = result.qual_coding
        concept: JSON = {"coding": [{"system": system, "code": code,
                                     **({"display": display} if display else {})}]}
        if result.qual_text:
            concept["text"] = result.qual_text
        body["valueCodeableConcept"] = concept
    elif result.qual_text is not None:
        body["valueString"] = result.qual_text
    if result.interpretation:
        flag = result.interpretation
        body["interpretation"] = [
            {"coding": [{"system": voc.V3_INTERPRETATION, "code": flag}]}
            if flag in INTERPRETATIONS else {"text": flag}
        ]
    reference: JSON = {}
    if result.value is not None:
        for key, bound in (("low", result.ref_low), ("high", result.ref_high)):
            if bound is not None:
                reference[key] = {"value": bound, "unit": result.unit or "",
                                  "system": voc.UCUM, "code": result.ucum or result.unit or ""}
    if result.ref_text:
        reference["text"] = result.ref_text[:200]
    if reference:
        body["referenceRange"] = [reference]
    return body


def _refused(patient: _Patient, bodies: list[JSON]) -> dict[str, str]:
    """What the FHIR reader would reject among ``bodies`` (ref -> reason), read beside the
    patient as ``import_bundle`` will read them."""
    if not bodies:
        return {}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [patient.entry, *({"resource": b} for b in bodies)]}
    try:
        reading = read_bundle(bundle)
    except FhirInputError as exc:  # the stored patient itself unreadable: refuse them all
        return {f"Observation/{b['id']}": str(exc) for b in bodies}
    return {e.resource: str(e) for e in reading.rejected}


def _header_or_none(text: str) -> Header | None:
    try:
        return read_header(parse(text))
    except Hl7InputError:
        return None


def _obx_issue(occurrence: int, fld: int, code: str, message: str) -> Issue:
    return Issue(("OBX", occurrence, fld), code, "E", message)


def _line(result: FeedResult) -> int:
    return int(result.where.removeprefix("line "))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _same_name(family: str, stored: str) -> bool:
    """PID-5's family name is part of the name alemtrack holds (case and accents ignored)."""
    words = _fold(stored).replace("-", " ").split()
    wanted = _fold(family).replace("-", " ").split()
    return all(w in words for w in wanted)
