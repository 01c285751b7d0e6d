"""FHIR R4 Bundle -> PatientFacts (docs/fhir-input.md is the contract; keep both in step).

Each resource is read on its own: a resource that cannot be used is *rejected* (a
``FhirInputError`` in ``BundleReading.rejected``) and the rest of the bundle is still read; a
resource accepted with a change gets a line in ``BundleReading.notes``. Only a bundle that
cannot be used at all raises.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from alemtrack.errors import FhirInputError, UnitError
from alemtrack.protocol import vocabulary as voc
from alemtrack.protocol.facts import (
    ANALYTE_UNITS,
    Analyte,
    ChecklistAnswer,
    Condition,
    ConditionKind,
    Consent,
    Drug,
    EdssScore,
    Infusion,
    InfusionReaction,
    LabResult,
    MedicationOrder,
    MedicationUse,
    MriScan,
    PatientFacts,
    PlannedCourse,
    PlannedSurgery,
    Procedure,
    ProcedureKind,
    Qual,
    Relapse,
    Sex,
    Statement,
    StatementCode,
    Symptom,
    SymptomChecklist,
    Vaccination,
    Vaccine,
    VitalKind,
    VitalSign,
)

from . import units
from .json import (
    JSON,
    DateValue,
    boolean,
    codings,
    concept_text,
    first_code,
    has_code,
    number,
    obj,
    objs,
    parse_date,
    path,
    text,
)
from .model import check_resource

__all__ = ["BUNDLE_TYPES", "BundleReading", "read_bundle", "read_bundle_file"]

BUNDLE_TYPES = frozenset({"collection", "batch", "transaction", "searchset"})
_OBS_READ = frozenset({"final", "amended", "corrected"})
_OBS_CORRECTION = frozenset({"amended", "corrected"})


@dataclass(frozen=True, slots=True)
class BundleReading:
    """What a bundle yielded: the facts, the notes (accepted with a change or ignored with a
    reason) and the rejected resources (each a FhirInputError naming resource and field)."""

    facts: PatientFacts
    notes: tuple[str, ...] = ()
    rejected: tuple[FhirInputError, ...] = ()


def read_bundle_file(path: str | os.PathLike[str]) -> BundleReading:
    """Read a Bundle from a JSON file; unusable input raises FhirInputError."""
    name = Path(path).name
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise FhirInputError(name, None, f"cannot be read: {exc.strerror or exc}") from exc
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FhirInputError(name, None, f"is not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise FhirInputError(name, None, "is not a FHIR Bundle (JSON top level is not an object)")
    return read_bundle(data)


def read_bundle(data: Mapping[str, Any]) -> BundleReading:
    """Read one patient's Bundle (collection, batch, transaction or searchset)."""
    return _Reader(data).read()


# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    resource: JSON
    ref: str
    full_url: str | None
    index: int

    @property
    def rtype(self) -> str:
        return str(self.resource.get("resourceType"))


def _version_key(entry: _Entry) -> tuple[int, str, str, int]:
    """Highest numeric meta.versionId, then latest meta.lastUpdated, then the later entry."""
    meta = obj(entry.resource.get("meta")) or {}
    version = text(meta.get("versionId")) or ""
    numeric = int(version) if version.isdigit() else -1
    return (numeric, str(meta.get("lastUpdated") or ""), version, entry.index)


def _issued_key(entry: _Entry) -> tuple[str, str, int]:
    meta = obj(entry.resource.get("meta")) or {}
    return (str(entry.resource.get("issued") or ""), str(meta.get("lastUpdated") or ""),
            entry.index)


class _Reader:
    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.notes: list[str] = []
        self.rejected: list[FhirInputError] = []
        self.patient_refs: set[str] = set()
        self.patient_id = ""
        self.medications: dict[str, JSON] = {}
        self.out: dict[str, list[Any]] = {}
        # Observation ref -> (effective date of the DiagnosticReport/panel listing it, its ref)
        self.report_dates: dict[str, tuple[Any, str]] = {}

    # -- bundle ---------------------------------------------------------------------------

    def read(self) -> BundleReading:
        entries = self._entries()
        patients = [e for e in entries if e.rtype == "Patient"]
        if not patients:
            raise FhirInputError("Bundle", "entry", "holds no Patient; one patient per bundle")
        if len(patients) > 1:
            refs = ", ".join(e.ref for e in patients)
            raise FhirInputError("Bundle", "entry",
                                 f"holds {len(patients)} Patients ({refs}); one per bundle")
        patient = patients[0]
        self.patient_id = text(patient.resource.get("id")) or ""
        self.patient_refs = {patient.ref}
        if patient.full_url:
            self.patient_refs.add(patient.full_url)
        sex, birth = self._patient(patient)

        for e in entries:
            if e.rtype == "Medication":
                self.medications[e.ref] = e.resource
                if e.full_url:
                    self.medications[e.full_url] = e.resource
        entries = self._latest_versions(entries)
        entries = self._observation_lineage(entries)
        self._collect_report_dates(entries)

        for entry in entries:
            if entry is patient or entry.rtype in ("Patient", "Medication"):
                continue
            try:
                self._read_entry(entry)
            except FhirInputError as exc:
                self.rejected.append(exc)

        facts = PatientFacts(
            ref=patient.ref,
            sex=sex,
            birth_date=birth,
            conditions=self._tuple("conditions"),
            medications=self._tuple("medications"),
            orders=self._tuple("orders"),
            infusions=self._tuple("infusions"),
            planned_courses=self._tuple("planned_courses"),
            labs=self._tuple("labs"),
            vaccinations=self._tuple("vaccinations"),
            procedures=self._tuple("procedures"),
            relapses=self._tuple("relapses"),
            mri=self._tuple("mri"),
            edss=self._tuple("edss"),
            statements=self._tuple("statements"),
            consents=self._tuple("consents"),
            vitals=self._tuple("vitals"),
            symptoms=self._tuple("symptoms"),
            checklists=self._tuple("checklists"),
            reactions=self._tuple("reactions"),
            surgeries=self._tuple("surgeries"),
            warnings=tuple(str(e) for e in self.rejected),
        )
        return BundleReading(facts, tuple(self.notes), tuple(self.rejected))

    def _tuple(self, key: str) -> tuple[Any, ...]:
        return tuple(self.out.get(key, ()))

    def _add(self, key: str, fact: Any) -> None:
        self.out.setdefault(key, []).append(fact)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def _entries(self) -> list[_Entry]:
        data = self.data
        if data.get("resourceType") != "Bundle":
            found = data.get("resourceType")
            raise FhirInputError("Bundle", "resourceType",
                                 f'is "{found}", expected "Bundle"' if found else "is missing")
        btype = data.get("type")
        if btype not in BUNDLE_TYPES:
            raise FhirInputError(
                "Bundle", "type",
                f'"{btype}" is not read; use one of {", ".join(sorted(BUNDLE_TYPES))}')
        raw_entries = data.get("entry", [])
        if not isinstance(raw_entries, list):
            raise FhirInputError("Bundle", "entry", "is not an array")
        out: list[_Entry] = []
        for i, raw in enumerate(raw_entries):
            entry = obj(raw)
            resource = obj(entry.get("resource")) if entry else None
            if entry is None or resource is None:
                self.note(f"Bundle: entry[{i}] has no resource; ignored")
                continue
            if path(entry, "search", "mode") == "outcome":
                continue
            rtype = text(resource.get("resourceType"))
            if rtype is None:
                self.rejected.append(FhirInputError(f"Bundle.entry[{i}]", "resourceType",
                                                    "is missing; resource ignored"))
                continue
            rid = text(resource.get("id"))
            full_url = text(entry.get("fullUrl"))
            ref = f"{rtype}/{rid}" if rid else (full_url or f"{rtype}/entry{i}")
            out.append(_Entry(resource, ref, full_url, i))
        return out

    def _latest_versions(self, entries: list[_Entry]) -> list[_Entry]:
        """Same type/id several times: keep the latest version (docs/fhir-input.md §1)."""
        groups: dict[str, list[_Entry]] = {}
        for e in entries:
            groups.setdefault(e.ref, []).append(e)
        keep: set[int] = set()
        for ref, group in groups.items():
            latest = max(group, key=_version_key)
            keep.add(latest.index)
            if len(group) > 1:
                self.note(f"{ref}: {len(group)} versions in the bundle; only the latest "
                          f"(meta.versionId {path(latest.resource, 'meta', 'versionId')}) is read")
        return [e for e in entries if e.index in keep]

    def _observation_lineage(self, entries: list[_Entry]) -> list[_Entry]:
        """An amended/corrected Observation replaces the others with the same identifier."""
        groups: dict[tuple[str, str], list[_Entry]] = {}
        for e in entries:
            if e.rtype != "Observation" or e.resource.get("status") not in _OBS_READ:
                continue
            for ident in objs(e.resource.get("identifier")):
                value = text(ident.get("value"))
                if value:
                    groups.setdefault((text(ident.get("system")) or "", value), []).append(e)
        drop: set[int] = set()
        for group in groups.values():
            members = list({e.index: e for e in group}.values())
            if len(members) < 2:
                continue
            corrections = [e for e in members if e.resource.get("status") in _OBS_CORRECTION]
            winner = max(corrections or members, key=_issued_key)
            for e in members:
                if e is winner or e.index in drop:
                    continue
                drop.add(e.index)
                if corrections:
                    self.note(f"{winner.ref} ({winner.resource.get('status')}) replaces {e.ref}")
                else:
                    self.note(f"{e.ref}: same identifier as {winner.ref}, which is later; "
                              f"{e.ref} ignored")
        return [e for e in entries if e.index not in drop]

    def _collect_report_dates(self, entries: list[_Entry]) -> None:
        """Results without their own date take the date of the report or panel that lists
        them (DiagnosticReport.result, Observation.hasMember) ✱."""
        for e in entries:
            field = {"DiagnosticReport": "result", "Observation": "hasMember"}.get(e.rtype)
            if field is None:
                continue
            res = e.resource
            when = res.get("effectiveDateTime") or path(res, "effectivePeriod", "start")
            if when is None:
                continue
            for target in objs(res.get(field)):
                reference = text(target.get("reference"))
                if reference:
                    self.report_dates.setdefault(reference, (when, e.ref))
        # a panel without its own date passes on its report's date
        for e in entries:
            inherited = self.report_dates.get(e.ref)
            if e.rtype == "Observation" and inherited is not None:
                for target in objs(e.resource.get("hasMember")):
                    reference = text(target.get("reference"))
                    if reference:
                        self.report_dates.setdefault(reference, inherited)

    # -- dispatch -------------------------------------------------------------------------

    def _read_entry(self, entry: _Entry) -> None:
        res, ref, rtype = entry.resource, entry.ref, entry.rtype
        reader = _READERS.get(rtype)
        if reader is None:
            self.note(f"{ref}: resource type {rtype} is not used; ignored")
            return
        if not self._about_patient(res, ref):
            return
        check = check_resource(res)
        if check is not None:
            if check.errors:
                where, why = check.errors[0]
                more = f" (and {len(check.errors) - 1} more)" if len(check.errors) > 1 else ""
                raise FhirInputError(ref, where, f"is invalid FHIR R4: {why}{more}; resource "
                                     "rejected")
            for element in check.ignored:
                self.note(f"{ref}: unknown element {element} ignored")
        reader(self, res, ref)

    def _about_patient(self, res: JSON, ref: str) -> bool:
        for key in ("subject", "patient"):
            target = text(path(res, key, "reference"))
            if target is None:
                continue
            if target in self.patient_refs or (
                self.patient_id and target.endswith(f"Patient/{self.patient_id}")
            ):
                return True
            self.note(f"{ref}: {key}.reference {target} is not the bundle's Patient; ignored")
            return False
        return True

    # -- Patient --------------------------------------------------------------------------

    def _patient(self, entry: _Entry) -> tuple[Sex, date | None]:
        res, ref = entry.resource, entry.ref
        gender = res.get("gender")
        sex = {"female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER}.get(
            gender if isinstance(gender, str) else "", Sex.UNKNOWN)
        birth: date | None = None
        if res.get("birthDate") is not None:
            try:
                parsed = parse_date(res.get("birthDate"), ref, "birthDate", last_day=True)
            except FhirInputError as exc:
                self.rejected.append(exc)
            else:
                birth = parsed.date
                if parsed.partial:
                    self.note(f"{ref}: birthDate \"{res.get('birthDate')}\" is partial; "
                              f"read as {birth.isoformat()} (last day of the period)")
        return sex, birth

    # -- dates ----------------------------------------------------------------------------

    def when(self, res: JSON, ref: str, *names: str) -> DateValue:
        """The first present of ``names`` (``xPeriod`` means its start)."""
        for name in names:
            if name.endswith("Period"):
                value = path(res, name, "start")
                field = f"{name}.start"
            else:
                value = res.get(name)
                field = name
            if value is None:
                continue
            if name == "occurrenceString" and isinstance(value, str):
                value = value.strip()[:10]
            parsed = parse_date(value, ref, field)
            if parsed.partial:
                self.note(f"{ref}: {field} \"{value}\" is partial; read as "
                          f"{parsed.date.isoformat()}")
            return parsed
        raise FhirInputError(ref, names[0], "is missing; a date is required")

    def effective(self, res: JSON, ref: str) -> DateValue:
        try:
            return self.when(res, ref, "effectiveDateTime", "effectivePeriod", "effectiveInstant")
        except FhirInputError:
            inherited = self.report_dates.get(ref)
            if inherited is None or any(
                res.get(k) is not None
                for k in ("effectiveDateTime", "effectivePeriod", "effectiveInstant")
            ):
                raise
        parsed = parse_date(inherited[0], inherited[1], "effectiveDateTime")
        self.note(f"{ref}: no effective[x]; dated {parsed.date.isoformat()} from {inherited[1]}")
        return parsed

    def optional_date(self, res: JSON, ref: str, *names: str) -> date | None:
        try:
            return self.when(res, ref, *names).date
        except FhirInputError as exc:
            if any(res.get(n) is not None for n in names):
                raise
            del exc
            return None

    # -- Observation ----------------------------------------------------------------------

    def observation(self, res: JSON, ref: str) -> None:
        status = res.get("status")
        if status == "entered-in-error":
            return
        if status not in _OBS_READ:
            self.note(f"{ref}: status {status} is not final/amended/corrected; ignored")
            return
        code = res.get("code")
        for system, c, _ in codings(code):
            handler = self._observation_handler(system, c)
            if handler is not None:
                handler(res, ref, system, c)
                return
        codes = ", ".join(f"{s or '?'}|{c}" for s, c, _ in codings(code)) or "no coding"
        self.note(f"{ref}: code {codes} is not used by alemtrack; ignored")

    def _observation_handler(
        self, system: str | None, code: str
    ) -> Callable[[JSON, str, str | None, str], None] | None:
        if system == voc.LOINC:
            if code in voc.LOINC_VITALS or code == voc.LOINC_BP_PANEL:
                return self.vital
            if code == voc.LOINC_PREGNANCY_STATUS:
                return self.pregnancy_status
            if code == voc.LOINC_BREASTFEEDING:
                return self.breastfeeding_status
            if code in voc.LOINC_ANALYTES:
                return self.lab
        if system == voc.SNOMED and code == voc.SNOMED_EDSS:
            return self.edss
        if system == voc.PROJECT_SYSTEM:
            project: dict[str, Callable[[JSON, str, str | None, str], None]] = {
                voc.RELAPSE: self.relapse,
                voc.MRI_BRAIN: self.mri,
                voc.EDSS: self.edss,
                voc.INFUSION_REACTION: self.reaction,
            }
            if code in project:
                return project[code]
            if code in voc.PROJECT_STATEMENTS:
                return self.statement
            if code in voc.PROJECT_SYMPTOMS:
                return self.symptom
            if code in voc.PROJECT_LAB_CODES:
                return self.lab
        return None

    # labs

    def lab(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        analyte = voc.analyte_for(system, code)
        assert analyte is not None
        label = f"LOINC {code}" if system == voc.LOINC else f"code {code}"
        day = self.effective(res, ref).date
        canonical = ANALYTE_UNITS[analyte]
        ordinal = canonical == "{ordinal}"
        value: float | None = None
        qual: Qual | None = None
        reported_value: float | None = None
        reported_unit: str | None = None
        unit_used: str | None = None

        quantity = obj(res.get("valueQuantity"))
        if quantity is not None:
            reported_value = number(quantity.get("value"))
            reported_unit = _quantity_unit(quantity)
            if reported_value is None:
                raise FhirInputError(ref, "valueQuantity.value",
                                     f"is missing for {label}; result rejected")
            comparator = text(quantity.get("comparator"))
            if comparator:
                self.note(f"{ref}: valueQuantity {comparator}{_num(reported_value)} for {label} "
                          f"read as {_num(reported_value)} (comparator dropped)")
            if analyte is Analyte.URINE_PROTEIN_DIPSTICK and reported_unit and (
                units.canonical_spelling(reported_unit) == "mg/dL"
            ):
                qual = voc.protein_strip_grade(reported_value)
                self.note(f"{ref}: urine protein strip {_num(reported_value)} mg/dL for {label} "
                          f"read as {qual.value}")
            elif ordinal:
                qual = self._interpretation(res)
                if qual is None:
                    raise FhirInputError(
                        ref, "valueQuantity",
                        f"for {label} ({analyte.value}) is a qualitative test; send "
                        "valueCodeableConcept or an interpretation (POS/NEG); result rejected")
            else:
                value, unit_used = self._convert(ref, "valueQuantity", label, analyte,
                                                 reported_value, reported_unit)
                qual = self._interpretation(res)
        elif res.get("valueCodeableConcept") is not None:
            qual = self._qual_from_concept(ref, label, res.get("valueCodeableConcept"))
        elif text(res.get("valueString")) is not None:
            raw = str(res.get("valueString"))
            qual = voc.qual_for_text(raw)
            if qual is None:
                raise FhirInputError(ref, "valueString",
                                     f'"{raw}" for {label} is not a recognised result; '
                                     "result rejected")
        elif number(res.get("valueInteger")) is not None and not ordinal:
            reported_value = number(res.get("valueInteger"))
            assert reported_value is not None
            value = reported_value
            self.note(f"{ref}: valueInteger for {label} read as {canonical}")
        elif boolean(res.get("valueBoolean")) is not None:
            qual = Qual.POSITIVE if res.get("valueBoolean") else Qual.NEGATIVE
        else:
            reason = concept_text(res.get("dataAbsentReason"))
            why = f" (dataAbsentReason {reason})" if reason else ""
            self.note(f"{ref}: {label} has no value{why}; ignored")
            return

        if value is not None and not units.is_plausible(analyte, value):
            low, high = units.PLAUSIBLE.get(analyte, (0.0, math.inf))
            shown = f"{_num(reported_value or value)} {reported_unit or canonical}"
            raise UnitError(ref, "valueQuantity.value",
                            f"{shown} for {label} is implausible for {analyte.value} "
                            f"(expected {_num(low)}-{_num(high)} {canonical}); result rejected")

        ref_low, ref_high = self._reference_range(res, ref, label, analyte, unit_used,
                                                  reported_unit)
        self._add("labs", LabResult(
            ref=ref, analyte=analyte, code=code, date=day, value=value, qual=qual,
            ref_low=ref_low, ref_high=ref_high, reported_value=reported_value,
            reported_unit=reported_unit,
        ))

    def _convert(self, ref: str, field: str, label: str, analyte: Analyte, value: float,
                 unit: str | None) -> tuple[float, str]:
        canonical = ANALYTE_UNITS[analyte]
        try:
            converted, spelled = units.convert(analyte, value, unit)
        except units.UnitProblem as exc:
            shown = f'unit "{unit}"' if unit else "unit"
            raise UnitError(ref, f"{field}.unit" if unit else field,
                            f"{shown.removeprefix('unit ')} cannot be converted for {label} "
                            f"({analyte.value}, {canonical}): {exc}; result rejected"
                            if unit else f"is missing for {label} ({analyte.value}, "
                            f"{canonical}); result rejected") from exc
        if unit is not None and unit != canonical and field == "valueQuantity":
            detail = ""
            if not math.isclose(converted, value, rel_tol=1e-12):
                detail = f" ({_num(value)} {unit} = {_num(converted)} {canonical})"
            self.note(f'{ref}: {field}.unit "{unit}" for {label} converted to {canonical}{detail}')
        return converted, spelled

    def _reference_range(self, res: JSON, ref: str, label: str, analyte: Analyte,
                         unit_used: str | None, value_unit: str | None
                         ) -> tuple[float | None, float | None]:
        if ANALYTE_UNITS[analyte] == "{ordinal}":
            return None, None
        ranges = objs(res.get("referenceRange"))
        if not ranges:
            return None, None
        bounds: list[float | None] = []
        for key in ("low", "high"):
            q = obj(ranges[0].get(key))
            v = number(q.get("value")) if q else None
            if q is None or v is None:
                bounds.append(None)
                continue
            unit = _quantity_unit(q) or value_unit
            try:
                converted, _ = units.convert(analyte, v, unit)
            except units.UnitProblem:
                self.note(f"{ref}: referenceRange[0].{key} unit \"{unit}\" cannot be converted "
                          f"for {label}; range ignored")
                return None, None
            bounds.append(converted)
        del unit_used
        return bounds[0], bounds[1]

    def _interpretation(self, res: JSON) -> Qual | None:
        for concept in objs(res.get("interpretation")):
            for system, code, _ in codings(concept):
                if system in (voc.V3_INTERPRETATION, None) and code in voc.INTERPRETATION_QUAL:
                    return voc.INTERPRETATION_QUAL[code]
        return None

    def _qual_from_concept(self, ref: str, label: str, concept: Any) -> Qual:
        for system, code, display in codings(concept):
            found = voc.qual_for(system, code)
            if found is None and display:
                found = voc.qual_for_text(display)
            if found is not None:
                return found
        own = text(path(concept, "text"))
        if own and voc.qual_for_text(own) is not None:
            found_text = voc.qual_for_text(own)
            assert found_text is not None
            return found_text
        shown = ", ".join(f"{s or '?'}|{c}" for s, c, _ in codings(concept)) or own or "empty"
        raise FhirInputError(ref, "valueCodeableConcept",
                             f"{shown} for {label} is not a recognised result; result rejected")

    # vitals, status observations

    def vital(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        at = self.effective(res, ref).datetime
        parts: list[tuple[str, JSON, str]] = []
        if code == voc.LOINC_BP_PANEL:
            for i, comp in enumerate(objs(res.get("component"))):
                c = next((c for s, c, _ in codings(comp.get("code"))
                          if s == voc.LOINC and c in voc.LOINC_VITALS), None)
                if c is not None:
                    parts.append((c, comp, f"component[{i}].valueQuantity"))
            if not parts:
                raise FhirInputError(ref, "component", "has no systolic (8480-6) or diastolic "
                                     "(8462-4) value; resource rejected")
        else:
            parts.append((code, res, "valueQuantity"))
        for c, holder, field in parts:
            kind = voc.LOINC_VITALS[c]
            q = obj(holder.get("valueQuantity"))
            v = number(q.get("value")) if q else None
            if q is None or v is None:
                raise FhirInputError(ref, field, f"is missing for LOINC {c}; vital rejected")
            unit = _quantity_unit(q)
            value = self._vital_value(ref, field, c, kind, v, unit)
            self._add("vitals", VitalSign(ref=ref, kind=kind, value=value, at=at))

    def _vital_value(self, ref: str, field: str, code: str, kind: VitalKind, v: float,
                     unit: str | None) -> float:
        target = voc.VITAL_UNITS[kind]
        spelled = units.canonical_spelling(unit) if unit else target
        if kind is VitalKind.TEMPERATURE and spelled == "[degF]":
            value = (v - 32) * 5 / 9
        elif spelled == target:
            value = v
        else:
            raise UnitError(ref, f"{field}.unit", f'"{unit}" cannot be converted for LOINC '
                            f"{code} ({kind.value}, {target}); vital rejected")
        if unit is not None and unit != target:
            self.note(f'{ref}: {field}.unit "{unit}" for LOINC {code} converted to {target}')
        low, high = _VITAL_BOUNDS[kind]
        if not low <= value <= high:
            raise UnitError(ref, f"{field}.value", f"{_num(v)} {unit or target} for LOINC {code} "
                            f"is implausible (expected {_num(low)}-{_num(high)} {target}); "
                            "vital rejected")
        return value

    def pregnancy_status(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        self._status_statement(res, ref, code, StatementCode.PREGNANT)

    def breastfeeding_status(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        self._status_statement(res, ref, code, StatementCode.BREASTFEEDING)

    def _status_statement(self, res: JSON, ref: str, code: str, which: StatementCode) -> None:
        day = self.effective(res, ref).date
        answer = self._yes_no(res)
        if answer is None:
            self.note(f"{ref}: LOINC {code} answer is unknown or not recognised; no statement")
            return
        self._add("statements", Statement(ref=ref, code=which, date=day, value=answer))

    def _yes_no(self, holder: JSON, *, default: bool | None = None) -> bool | None:
        flag = boolean(holder.get("valueBoolean"))
        if flag is not None:
            return flag
        concept = holder.get("valueCodeableConcept") or holder.get("valueCoding")
        if concept is not None:
            for system, c, _ in codings(concept):
                found = voc.STATUS_ANSWERS.get((system or "", c))
                if found is not None:
                    return found
            return None
        return default

    def statement(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        day = self.effective(res, ref).date
        answer = self._yes_no(res, default=True)
        if answer is None:
            raise FhirInputError(ref, "valueCodeableConcept",
                                 f"for {code} is not yes/no; statement rejected")
        self._add("statements", Statement(ref=ref, code=voc.PROJECT_STATEMENTS[code], date=day,
                                          value=answer))

    def symptom(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        day = self.effective(res, ref).date
        present = self._yes_no(res, default=True)
        if present is None:
            raise FhirInputError(ref, "valueCodeableConcept",
                                 f"for {code} is not yes/no; symptom rejected")
        if present:
            self._add("symptoms", Symptom(ref=ref, code=voc.PROJECT_SYMPTOMS[code], date=day))

    # MS observations

    def _components(self, res: JSON) -> dict[str, JSON]:
        out: dict[str, JSON] = {}
        for comp in objs(res.get("component")):
            code = first_code(comp.get("code"), voc.PROJECT_SYSTEM)
            if code is not None:
                out[code] = comp
        return out

    def relapse(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        onset = self.effective(res, ref).date
        comps = self._components(res)
        disabling = _component_bool(comps.get(voc.RELAPSE_DISABLING), False)
        defined = _component_bool(comps.get(voc.RELAPSE_PROTOCOL_DEFINED), True)
        self._add("relapses", Relapse(ref=ref, onset=onset, disabling=disabling,
                                      protocol_defined=defined))

    def mri(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        day = self.effective(res, ref).date
        comps = self._components(res)

        def count(name: str) -> int | None:
            comp = comps.get(name)
            if comp is None:
                return None
            raw = comp.get("valueInteger")
            if raw is None and obj(comp.get("valueQuantity")):
                raw = path(comp, "valueQuantity", "value")
            n = number(raw)
            if n is None or n < 0 or n != int(n):
                raise FhirInputError(ref, f"component {name}",
                                     f"must be a whole number >= 0 (got {raw!r}); MRI rejected")
            return int(n)

        self._add("mri", MriScan(
            ref=ref, date=day,
            gd_enhanced=_component_bool(comps.get(voc.MRI_GD_ENHANCED), True),
            gd_lesions=count(voc.MRI_GD_LESIONS),
            new_t2_lesions=count(voc.MRI_NEW_T2_LESIONS),
            t2_load_increase=_component_bool(comps.get(voc.MRI_T2_LOAD_INCREASE), False),
            pml_signs=_component_bool(comps.get(voc.MRI_PML_SIGNS), False),
        ))

    def edss(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        day = self.effective(res, ref).date
        raw: Any = path(res, "valueQuantity", "value")
        if raw is None:
            raw = res.get("valueInteger")
        if raw is None and text(res.get("valueString")):
            try:
                raw = float(str(res.get("valueString")).strip().replace(",", "."))
            except ValueError:
                raw = res.get("valueString")
        value = number(raw)
        if value is None or not 0 <= value <= 10 or (value * 2) != int(value * 2):
            raise FhirInputError(ref, "value[x]", f"EDSS {raw!r} is not 0-10 in steps of 0.5; "
                                 "EDSS rejected")
        self._add("edss", EdssScore(ref=ref, date=day, value=value))

    def reaction(self, res: JSON, ref: str, system: str | None, code: str) -> None:
        at = self.effective(res, ref).datetime
        comps = self._components(res)
        raw: Any = res.get("valueInteger")
        if raw is None and voc.INFUSION_REACTION_GRADE in comps:
            raw = comps[voc.INFUSION_REACTION_GRADE].get("valueInteger")
        grade = number(raw)
        if grade is None or grade not in (1, 2, 3, 4):
            raise FhirInputError(ref, "valueInteger",
                                 f"infusion reaction grade {raw!r} is not 1-4; reaction rejected")
        rate: float | None = None
        rate_comp = comps.get(voc.INFUSION_RATE_AT_STOP)
        if rate_comp is not None:
            q = obj(rate_comp.get("valueQuantity")) or {}
            rate = number(q.get("value"))
            unit = _quantity_unit(q)
            if rate is not None and unit and units.canonical_spelling(unit) != "mL/h":
                raise UnitError(ref, f"component {voc.INFUSION_RATE_AT_STOP}.valueQuantity.unit",
                                f'"{unit}" is not mL/h; reaction rejected')
        part_of = None
        for target in objs(res.get("partOf")):
            reference = text(target.get("reference"))
            if reference:
                part_of = reference
                break
        self._add("reactions", InfusionReaction(ref=ref, at=at, grade=int(grade),
                                                rate_at_stop_ml_h=rate, infusion_ref=part_of))

    # -- Condition, AllergyIntolerance ----------------------------------------------------

    def condition(self, res: JSON, ref: str) -> None:
        verification = first_code(res.get("verificationStatus"), voc.CONDITION_VERIFICATION)
        if verification in ("entered-in-error", "refuted"):
            if verification == "refuted":
                self.note(f"{ref}: verificationStatus refuted; ignored")
            return
        kind = ConditionKind.OTHER
        code, display = "", ""
        for system, c, disp in codings(res.get("code")):
            if not code:
                code, display = c, disp or ""
            found = voc.condition_kind_for(system, c)
            if found is not None:
                kind, code, display = found, c, disp or ""
                break
        display = display or concept_text(res.get("code")) or code
        clinical = first_code(res.get("clinicalStatus"), voc.CONDITION_CLINICAL)
        abated = self.optional_date(res, ref, "abatementDateTime")
        if abated is None and obj(res.get("abatementPeriod")):
            end = path(res, "abatementPeriod", "end")
            abated = parse_date(end, ref, "abatementPeriod.end").date if end else None
        if clinical is None:
            active = abated is None and res.get("abatementString") is None  # ✱
        else:
            active = clinical in ("active", "recurrence", "relapse")
        severe = has_code(res.get("severity"), voc.SNOMED, voc.SNOMED_SEVERE) or (
            "severe" in (concept_text(res.get("severity")) or "").lower())
        self._add("conditions", Condition(
            ref=ref, kind=kind, code=code, display=display, active=active,
            onset=self.optional_date(res, ref, "onsetDateTime", "onsetPeriod"),
            abated=abated, recorded=self.optional_date(res, ref, "recordedDate"), severe=severe,
        ))

    def allergy(self, res: JSON, ref: str) -> None:
        verification = first_code(res.get("verificationStatus"),
                                  "http://terminology.hl7.org/CodeSystem/"
                                  "allergyintolerance-verification")
        if verification in ("entered-in-error", "refuted"):
            return
        match = next(((s, c, d) for s, c, d in codings(res.get("code"))
                      if voc.is_alemtuzumab(s, c)), None)
        if match is None:
            self.note(f"{ref}: allergy is not to alemtuzumab; ignored")
            return
        clinical = first_code(res.get("clinicalStatus"),
                              "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical")
        self._add("conditions", Condition(
            ref=ref, kind=ConditionKind.HYPERSENSITIVITY_ALEMTUZUMAB, code=match[1],
            display=match[2] or "alemtuzumab", active=clinical in (None, "active"),
            onset=self.optional_date(res, ref, "onsetDateTime", "onsetPeriod"),
            recorded=self.optional_date(res, ref, "recordedDate"),
            severe=res.get("criticality") == "high",
        ))

    # -- medicines ------------------------------------------------------------------------

    def _medication_codes(self, res: JSON, ref: str) -> list[tuple[str | None, str, str | None]]:
        concept = res.get("medicationCodeableConcept")
        if concept is None:
            target = text(path(res, "medicationReference", "reference"))
            med: JSON | None = None
            if target and target.startswith("#"):
                med = next((c for c in objs(res.get("contained"))
                            if c.get("resourceType") == "Medication"
                            and c.get("id") == target[1:]), None)
            elif target:
                med = self.medications.get(target) or next(
                    (m for k, m in self.medications.items() if target.endswith(k)), None)
            concept = med.get("code") if med else None
        return list(codings(concept))

    def _medication_resource(self, res: JSON) -> JSON | None:
        target = text(path(res, "medicationReference", "reference"))
        if not target:
            return None
        if target.startswith("#"):
            return next((c for c in objs(res.get("contained"))
                         if c.get("resourceType") == "Medication" and c.get("id") == target[1:]),
                        None)
        return self.medications.get(target)

    def _drug(self, res: JSON, ref: str) -> tuple[Drug, str]:
        codes = self._medication_codes(res, ref)
        for system, c, _ in codes:
            drug = voc.drug_for(system, c)
            if drug is not None:
                return drug, c
        return Drug.OTHER, codes[0][1] if codes else ""

    def medication_statement(self, res: JSON, ref: str) -> None:
        status = res.get("status")
        if status in ("entered-in-error", "not-taken"):
            return
        drug, code = self._drug(res, ref)
        start: date | None
        last: date | None
        if res.get("effectiveDateTime") is not None:
            start = last = self.when(res, ref, "effectiveDateTime").date
        else:
            start = self.optional_date(res, ref, "effectivePeriod")
            end = path(res, "effectivePeriod", "end")
            last = parse_date(end, ref, "effectivePeriod.end").date if end else None
        daily, iv = self._daily_dose(res, ref, drug)
        self._add("medications", MedicationUse(
            ref=ref, drug=drug, code=code, start=start, last_dose=last,
            active=status == "active", daily_dose_mg=daily, iv_bolus=iv,
        ))

    def _daily_dose(self, res: JSON, ref: str, drug: Drug) -> tuple[float | None, bool]:
        dosage = next(iter(objs(res.get("dosage"))), None)
        if dosage is None:
            return None, False
        steroid = drug in voc.PREDNISONE_EQUIVALENT
        route = dosage.get("route")
        route_text = (concept_text(route) or "").lower()
        iv = steroid and (has_code(route, voc.SNOMED, voc.SNOMED_ROUTE_IV)
                          or route_text in ("iv", "intravenous")
                          or "intravenous" in route_text)
        q = obj(path(dosage, "doseAndRate", 0, "doseQuantity"))
        dose = number(q.get("value")) if q else None
        if q is None or dose is None:
            return None, iv
        mg = _mass_mg(dose, _quantity_unit(q))
        if mg is None:
            self.note(f"{ref}: dosage[0].doseAndRate[0].doseQuantity unit "
                      f"\"{_quantity_unit(q)}\" is not a mass; daily dose not read")
            return None, iv
        repeat = obj(path(dosage, "timing", "repeat")) or {}
        frequency = number(repeat.get("frequency")) or 1.0
        period = number(repeat.get("period")) or 1.0
        per_day = {"d": 1.0, "h": 24.0, "wk": 1 / 7, "mo": 1 / 30, "min": 1440.0}.get(
            str(repeat.get("periodUnit") or "d"), 1.0)
        daily = mg * frequency * per_day / period
        if steroid:
            daily *= voc.PREDNISONE_EQUIVALENT[drug]
        return daily, iv

    def medication_administration(self, res: JSON, ref: str) -> None:
        status = res.get("status")
        if status == "entered-in-error":
            return
        codes = self._medication_codes(res, ref)
        if not any(voc.is_alemtuzumab(s, c) for s, c, _ in codes):
            self.note(f"{ref}: administration of a medicine other than alemtuzumab; ignored")
            return
        if status != "completed":
            self.note(f"{ref}: alemtuzumab administration with status {status} is not counted "
                      "as an infusion day; ignored")
            return
        start = self.when(res, ref, "effectiveDateTime", "effectivePeriod")
        end_raw = path(res, "effectivePeriod", "end")
        end = parse_date(end_raw, ref, "effectivePeriod.end") if end_raw else None
        dose_q = obj(path(res, "dosage", "dose"))
        dose: float | None = None
        if dose_q is not None and number(dose_q.get("value")) is not None:
            dose = _mass_mg(number(dose_q.get("value")) or 0.0, _quantity_unit(dose_q))
            if dose is None:
                raise UnitError(ref, "dosage.dose.unit",
                                f'"{_quantity_unit(dose_q)}" is not a mass; infusion rejected')
        med = self._medication_resource(res)
        lot = text(path(med, "batch", "lotNumber")) if med else None
        self._add("infusions", Infusion(
            ref=ref, date=start.date, start=start.datetime if start.time else None,
            end=end.datetime if end and end.time else None, dose_mg=dose, lot=lot,
        ))

    def medication_request(self, res: JSON, ref: str) -> None:
        status = res.get("status")
        codes = self._medication_codes(res, ref)
        bounds_start = path(res, "dosageInstruction", 0, "timing", "repeat", "boundsPeriod",
                            "start")
        field = "dosageInstruction[0].timing.repeat.boundsPeriod.start"
        if any(voc.is_alemtuzumab(s, c) for s, c, _ in codes):
            if status not in ("active", "draft", "on-hold"):
                if status != "entered-in-error":
                    self.note(f"{ref}: alemtuzumab request with status {status}; not a planned "
                              "course")
                return
            if bounds_start is None:
                raise FhirInputError(ref, field, "is missing: the planned day 1 of the course; "
                                     "planned course rejected")
            self._add("planned_courses", PlannedCourse(
                ref=ref, start=parse_date(bounds_start, ref, field).date))
            return
        if status not in ("active", "completed", "on-hold"):
            if status != "entered-in-error":
                self.note(f"{ref}: medication request with status {status}; ignored")
            return
        drug, code = self._drug(res, ref)
        start = (parse_date(bounds_start, ref, field).date if bounds_start is not None
                 else self.optional_date(res, ref, "authoredOn"))
        self._add("orders", MedicationOrder(ref=ref, drug=drug, code=code, start=start))

    # -- other resources ------------------------------------------------------------------

    def immunization(self, res: JSON, ref: str) -> None:
        status = res.get("status")
        if status == "entered-in-error":
            return
        if status != "completed":
            self.note(f"{ref}: immunization status {status}; ignored")
            return
        day = self.when(res, ref, "occurrenceDateTime", "occurrenceString").date
        vaccines: tuple[Vaccine, ...] | None = None
        code = ""
        for system, c, _ in codings(res.get("vaccineCode")):
            vaccines = voc.vaccines_for(system, c)
            if vaccines is not None:
                code = c.zfill(2)
                break
        if vaccines is None:
            shown = next((c for _, c, _ in codings(res.get("vaccineCode"))), "")
            self.note(f"{ref}: vaccineCode has no CVX coding; read as 'other', not live — "
                      "code it in CVX")
            self._add("vaccinations", Vaccination(ref=ref, vaccine=Vaccine.OTHER, code=shown,
                                                  date=day, live=False))
            return
        live = voc.is_live_cvx(code)
        for vaccine in vaccines:
            self._add("vaccinations", Vaccination(ref=ref, vaccine=vaccine, code=code, date=day,
                                                  live=live))

    def _procedure_kind(self, concept: Any) -> ProcedureKind:
        for system, c, _ in codings(concept):
            kind = voc.PROCEDURE_CODES.get((system or "", c))
            if kind is not None:
                return kind
        return ProcedureKind.OTHER

    def _abnormal(self, concepts: list[JSON]) -> bool | None:
        for concept in concepts:
            if has_code(concept, voc.PROJECT_SYSTEM, voc.PROCEDURE_ABNORMAL):
                return True
            if has_code(concept, voc.PROJECT_SYSTEM, voc.PROCEDURE_NORMAL):
                return False
        return None

    def procedure(self, res: JSON, ref: str) -> None:
        status = res.get("status")
        if status != "completed":
            if status != "entered-in-error":
                self.note(f"{ref}: procedure status {status}; ignored")
            return
        day = self.when(res, ref, "performedDateTime", "performedPeriod").date
        self._add("procedures", Procedure(ref=ref, kind=self._procedure_kind(res.get("code")),
                                          date=day,
                                          abnormal=self._abnormal(objs(res.get("outcome")))))

    def diagnostic_report(self, res: JSON, ref: str) -> None:
        status = res.get("status")
        kind = self._procedure_kind(res.get("code"))
        if kind is ProcedureKind.OTHER:
            self.note(f"{ref}: diagnostic report code not used (results are read from the "
                      "Observations); ignored")
            return
        if status not in _OBS_READ:
            if status != "entered-in-error":
                self.note(f"{ref}: diagnostic report status {status}; ignored")
            return
        day = self.effective(res, ref).date
        self._add("procedures", Procedure(
            ref=ref, kind=kind, date=day, abnormal=self._abnormal(objs(res.get("conclusionCode")))))

    def service_request(self, res: JSON, ref: str) -> None:
        surgical = has_code(res.get("code"), voc.PROJECT_SYSTEM, voc.PLANNED_SURGERY) or any(
            has_code(cat, voc.SNOMED, "387713003") for cat in objs(res.get("category")))
        if not surgical:
            self.note(f"{ref}: service request is not a planned surgery; ignored")
            return
        status = res.get("status")
        if status not in ("active", "draft", "on-hold"):
            if status != "entered-in-error":
                self.note(f"{ref}: planned surgery with status {status}; ignored")
            return
        day = self.optional_date(res, ref, "occurrenceDateTime", "occurrencePeriod")
        elective = res.get("priority") in (None, "routine")
        self._add("surgeries", PlannedSurgery(ref=ref, date=day, elective=elective))

    def consent(self, res: JSON, ref: str) -> None:
        if not any(has_code(cat, voc.PROJECT_SYSTEM, voc.CONSENT_ALEMTUZUMAB)
                   for cat in objs(res.get("category"))):
            self.note(f"{ref}: consent category is not {voc.CONSENT_ALEMTUZUMAB}; ignored")
            return
        status = res.get("status")
        if status != "active":
            if status != "entered-in-error":
                self.note(f"{ref}: consent status {status}; ignored")
            return
        day = self.when(res, ref, "dateTime").date
        self._add("consents", Consent(ref=ref, date=day))

    def questionnaire_response(self, res: JSON, ref: str) -> None:
        questionnaire = (text(res.get("questionnaire")) or "").split("|", 1)[0]
        if questionnaire != voc.CHECKLIST_QUESTIONNAIRE:
            self.note(f"{ref}: questionnaire {questionnaire or '(none)'} is not the Fig 4 "
                      "checklist; ignored")
            return
        status = res.get("status")
        if status not in ("completed", "amended"):
            if status != "entered-in-error":
                self.note(f"{ref}: checklist status {status}; ignored")
            return
        day = self.when(res, ref, "authored").date
        answers: list[ChecklistAnswer] = []
        pending = list(objs(res.get("item")))
        while pending:
            item = pending.pop(0)
            pending.extend(objs(item.get("item")))
            link = text(item.get("linkId"))
            if link is None:
                continue
            checklist_item = voc.CHECKLIST_LINK_IDS.get(link)
            answer = next(iter(objs(item.get("answer"))), None)
            if checklist_item is None:
                if answer is not None:
                    self.note(f"{ref}: linkId {link} is not a Fig 4 question; ignored")
                continue
            if answer is None:
                continue
            for nested in objs(answer.get("item")):
                pending.append(nested)
            yes = self._yes_no(answer)
            if yes is None:
                raise FhirInputError(ref, f"item {link}.answer", "is not yes/no; checklist "
                                     "rejected")
            answers.append(ChecklistAnswer(item=checklist_item, yes=yes))
        self._add("checklists", SymptomChecklist(ref=ref, date=day, answers=tuple(answers)))


_READERS: dict[str, Callable[[_Reader, JSON, str], None]] = {
    "Observation": _Reader.observation,
    "Condition": _Reader.condition,
    "AllergyIntolerance": _Reader.allergy,
    "MedicationStatement": _Reader.medication_statement,
    "MedicationAdministration": _Reader.medication_administration,
    "MedicationRequest": _Reader.medication_request,
    "Immunization": _Reader.immunization,
    "Procedure": _Reader.procedure,
    "DiagnosticReport": _Reader.diagnostic_report,
    "ServiceRequest": _Reader.service_request,
    "Consent": _Reader.consent,
    "QuestionnaireResponse": _Reader.questionnaire_response,
}

_VITAL_BOUNDS: dict[VitalKind, tuple[float, float]] = {
    VitalKind.TEMPERATURE: (25.0, 45.0),
    VitalKind.HEART_RATE: (20.0, 300.0),
    VitalKind.SYSTOLIC: (40.0, 300.0),
    VitalKind.DIASTOLIC: (20.0, 200.0),
}


def _quantity_unit(q: JSON) -> str | None:
    """UCUM ``code`` when the system is UCUM, else the human ``unit``."""
    code = text(q.get("code"))
    if code and q.get("system") == voc.UCUM:
        return code.strip()
    unit = text(q.get("unit"))
    return unit.strip() if unit else (code.strip() if code else None)


def _mass_mg(value: float, unit: str | None) -> float | None:
    factor = {"mg": 1.0, "g": 1000.0, "ug": 0.001}.get(
        units.canonical_spelling(unit) if unit else "mg")
    return None if factor is None else value * factor


def _component_bool(comp: JSON | None, default: bool) -> bool:
    if comp is None:
        return default
    flag = boolean(comp.get("valueBoolean"))
    if flag is not None:
        return flag
    for system, c, _ in codings(comp.get("valueCodeableConcept")):
        found = voc.STATUS_ANSWERS.get((system or "", c))
        if found is not None:
            return found
    return default


def _num(value: float) -> str:
    return units.format_number(value)

