"""Care-team entries -> FHIR R4 resources, built exactly as docs/fhir-input.md documents, so
the one reader (``interop.fhir.read_bundle``) turns them into facts like any import.

Each builder validates what it can name precisely (``ValidationError`` with one ``FieldError``
per wrong field, named as in the entry dataclass); ``check_readable`` then reads the resources
with the reader and turns anything it still rejects into a field error.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from alemtrack.errors import FhirInputError, FieldError, ValidationError
from alemtrack.interop.fhir import read_bundle
from alemtrack.interop.fhir import units as fhir_units
from alemtrack.protocol import vocabulary as voc
from alemtrack.protocol.facts import ANALYTE_UNITS, Analyte

from .model import InfusionEntry, LabEntry, MriEntry, VitalsEntry

JSON = dict[str, Any]
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def new_id(kind: str) -> str:
    """A fresh resource id for a form entry (``lab-3f2a...``)."""
    return f"{kind}-{uuid.uuid4().hex[:20]}"


def _dt(on: date, at: time | None) -> str:
    """A FHIR dateTime; the clinic's wall-clock time, marked UTC (the reader keeps the wall
    clock and drops the offset, docs/fhir-input.md §1)."""
    if at is None:
        return on.isoformat()
    return datetime.combine(on, at.replace(tzinfo=None, microsecond=0)).isoformat() + "+00:00"


def _project(code: str) -> JSON:
    return {"coding": [{"system": voc.PROJECT_SYSTEM, "code": code}]}


def _quantity(value: float, unit: str, code: str | None = None) -> JSON:
    return {"value": value, "unit": unit, "system": voc.UCUM, "code": code or unit}


def _observation(rid: str, patient_ref: str, code: JSON, when: str, **fields: Any) -> JSON:
    res: JSON = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": code,
        "subject": {"reference": patient_ref},
        "effectiveDateTime": when,
    }
    res.update(fields)
    return res


def _fail(*errors: FieldError) -> ValidationError:
    return ValidationError(list(errors))


def _not_future(on: date, today: date, field: str = "on") -> list[FieldError]:
    if on > today:
        return [FieldError(field, f"{on.isoformat()} is in the future")]
    return []


# ---- laboratory results ----------------------------------------------------------------------


def _analyte(code: str) -> tuple[Analyte, str] | None:
    analyte = voc.analyte_for(voc.LOINC, code)
    if analyte is not None:
        return analyte, voc.LOINC
    analyte = voc.analyte_for(voc.PROJECT_SYSTEM, code)
    return (analyte, voc.PROJECT_SYSTEM) if analyte is not None else None


def lab_observation(patient_ref: str, entry: LabEntry, today: date) -> JSON:
    """A laboratory Observation (§5) from a hand-entered result, after checking the code, the
    unit (convertible to the analyte's unit) and the value (plausible)."""
    errors = _not_future(entry.on, today)
    found = _analyte(entry.code.strip())
    if found is None:
        raise _fail(
            FieldError("code", f"{entry.code!r} is not a laboratory LOINC alemtrack reads"),
            *errors,
        )
    analyte, system = found
    canonical = ANALYTE_UNITS[analyte]
    qualitative = canonical == "{ordinal}"
    rid = new_id("lab")
    fields: JSON = {
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "laboratory"}]}]
    }
    if qualitative:
        if entry.value is not None:
            errors.append(FieldError("value", f"{analyte.value} is qualitative: give the result "
                                     "in qual (negative, positive, trace, 1+ ...)"))
        if not entry.qual or voc.qual_for_text(entry.qual) is None:
            errors.append(FieldError("qual", f"{entry.qual or 'nothing'!s} is not a result "
                                     "alemtrack reads (negative, positive, trace, 1+ ... 4+, "
                                     "indeterminate)"))
        fields["valueString"] = entry.qual
    else:
        unit = entry.unit.strip()
        spelled = fhir_units.canonical_spelling(unit) if unit else ""
        unit_ok = False
        if not unit:
            errors.append(FieldError("unit", f"is required for {analyte.value} ({canonical})"))
        else:
            try:
                fhir_units.factor_for(analyte, spelled)
                unit_ok = True
            except fhir_units.UnitProblem:
                errors.append(FieldError("unit", f'"{unit}" cannot be converted to {canonical} '
                                         f"for {analyte.value}"))
        if entry.value is None:
            if entry.qual:
                errors.append(FieldError("value", f"{analyte.value} needs a number"))
            else:
                errors.append(FieldError("value", "is required"))
        elif not math.isfinite(entry.value):
            errors.append(FieldError("value", "is not a number"))
        elif unit_ok:
            converted, _ = fhir_units.convert(analyte, entry.value, spelled)
            if not fhir_units.is_plausible(analyte, converted):
                low, high = fhir_units.PLAUSIBLE.get(analyte, (0.0, math.inf))
                errors.append(FieldError(
                    "value", f"{entry.value:g} {unit} is implausible for {analyte.value} "
                    f"(expected {low:g}-{high:g} {canonical})"))
        if errors:
            raise _fail(*errors)
        assert entry.value is not None
        fields["valueQuantity"] = _quantity(entry.value, unit, spelled)
        ref_range: JSON = {}
        if entry.ref_low is not None:
            ref_range["low"] = _quantity(entry.ref_low, unit, spelled)
        if entry.ref_high is not None:
            ref_range["high"] = _quantity(entry.ref_high, unit, spelled)
        if ref_range:
            fields["referenceRange"] = [ref_range]
    if errors:
        raise _fail(*errors)
    code = {"coding": [{"system": system, "code": entry.code.strip()}]}
    return _observation(rid, patient_ref, code, entry.on.isoformat(), **fields)


# ---- infusion day ----------------------------------------------------------------------------


def infusion_resources(patient_ref: str, entry: InfusionEntry, today: date) -> list[JSON]:
    """MedicationAdministration (dose, lot) + vital-sign Observations + reaction Observation."""
    errors = _not_future(entry.on, today)
    if not (0 < entry.dose_mg <= 60) or not math.isfinite(entry.dose_mg):
        errors.append(FieldError("dose_mg", f"{entry.dose_mg:g} mg is not a plausible "
                                 "alemtuzumab daily dose (12 mg expected)"))
    if not entry.lot.strip():
        errors.append(FieldError("lot", "is required (the lot number on the vial)"))
    if entry.end is not None and entry.end < entry.start:
        errors.append(FieldError("end", "is before the start"))
    if entry.reaction_grade is not None and entry.reaction_grade not in (1, 2, 3, 4):
        errors.append(FieldError("reaction_grade", "must be 1-4 (Table R)"))
    if entry.reaction_grade is None and (entry.reaction_at or entry.rate_at_stop_ml_h):
        errors.append(FieldError("reaction_grade", "is required when a reaction is recorded"))
    if entry.rate_at_stop_ml_h is not None and not (0 <= entry.rate_at_stop_ml_h <= 1000):
        errors.append(FieldError("rate_at_stop_ml_h", "must be 0-1000 mL/h"))
    for i, v in enumerate(entry.vitals):
        errors.extend(_vitals_errors(i, v))
    if errors:
        raise _fail(*errors)

    ma_id = new_id("infusion")
    period: JSON = {"start": _dt(entry.on, entry.start)}
    if entry.end is not None:
        period["end"] = _dt(entry.on, entry.end)
    out: list[JSON] = [{
        "resourceType": "MedicationAdministration",
        "id": ma_id,
        "status": "completed",
        "contained": [{
            "resourceType": "Medication",
            "id": "lem",
            "code": {"coding": [{"system": voc.RXNORM, "code": voc.RXNORM_ALEMTUZUMAB,
                                 "display": "alemtuzumab"}]},
            "batch": {"lotNumber": entry.lot.strip()},
        }],
        "medicationReference": {"reference": "#lem"},
        "subject": {"reference": patient_ref},
        "effectivePeriod": period,
        "dosage": {
            "route": {"coding": [{"system": voc.SNOMED, "code": voc.SNOMED_ROUTE_IV}]},
            "dose": _quantity(entry.dose_mg, "mg"),
        },
    }]
    for v in entry.vitals:
        out.extend(_vital_observations(patient_ref, entry.on, v))
    if entry.reaction_grade is not None:
        fields: JSON = {
            "partOf": [{"reference": f"MedicationAdministration/{ma_id}"}],
            "valueInteger": entry.reaction_grade,
        }
        if entry.rate_at_stop_ml_h is not None:
            fields["component"] = [{
                "code": _project(voc.INFUSION_RATE_AT_STOP),
                "valueQuantity": _quantity(entry.rate_at_stop_ml_h, "mL/h"),
            }]
        if entry.reaction_action:
            fields["note"] = [{"text": entry.reaction_action}]
        out.append(_observation(new_id("reaction"), patient_ref,
                                _project(voc.INFUSION_REACTION),
                                _dt(entry.on, entry.reaction_at or entry.start), **fields))
    return out


_VITAL_BOUNDS = {
    "temperature_c": (25.0, 45.0),
    "heart_rate": (20.0, 300.0),
    "systolic": (40.0, 300.0),
    "diastolic": (20.0, 200.0),
}


def _vitals_errors(i: int, v: VitalsEntry) -> list[FieldError]:
    errors = []
    for name, (low, high) in _VITAL_BOUNDS.items():
        value = getattr(v, name)
        if value is not None and not (low <= value <= high):
            errors.append(FieldError(f"vitals[{i}].{name}",
                                     f"{value:g} is implausible (expected {low:g}-{high:g})"))
    return errors


def _vital_observations(patient_ref: str, on: date, v: VitalsEntry) -> list[JSON]:
    when = _dt(on, v.at)
    category = [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}]

    def loinc(code: str) -> JSON:
        return {"coding": [{"system": voc.LOINC, "code": code}]}

    out: list[JSON] = []
    if v.temperature_c is not None:
        out.append(_observation(new_id("vital"), patient_ref, loinc("8310-5"), when,
                                category=category,
                                valueQuantity=_quantity(v.temperature_c, "Cel")))
    if v.heart_rate is not None:
        out.append(_observation(new_id("vital"), patient_ref, loinc("8867-4"), when,
                                category=category, valueQuantity=_quantity(v.heart_rate, "/min")))
    if v.systolic is not None and v.diastolic is not None:
        out.append(_observation(new_id("vital"), patient_ref, loinc(voc.LOINC_BP_PANEL), when,
                                category=category, component=[
                                    {"code": loinc("8480-6"),
                                     "valueQuantity": _quantity(v.systolic, "mm[Hg]")},
                                    {"code": loinc("8462-4"),
                                     "valueQuantity": _quantity(v.diastolic, "mm[Hg]")}]))
    else:
        for code, value in (("8480-6", v.systolic), ("8462-4", v.diastolic)):
            if value is not None:
                out.append(_observation(new_id("vital"), patient_ref, loinc(code), when,
                                        category=category,
                                        valueQuantity=_quantity(value, "mm[Hg]")))
    return out


# ---- other clinical records ------------------------------------------------------------------


def relapse_observation(patient_ref: str, onset: date, disabling: bool, today: date) -> JSON:
    errors = _not_future(onset, today, "onset")
    if errors:
        raise _fail(*errors)
    return _observation(new_id("relapse"), patient_ref, _project(voc.RELAPSE), onset.isoformat(),
                        component=[{"code": _project(voc.RELAPSE_DISABLING),
                                    "valueBoolean": disabling}])


def edss_observation(patient_ref: str, on: date, value: float, today: date) -> JSON:
    errors = _not_future(on, today)
    if not math.isfinite(value) or not (0 <= value <= 10) or (value * 2) != int(value * 2):
        errors.append(FieldError("value", f"{value:g} is not an EDSS score (0-10 in steps of "
                                 "0.5)"))
    if errors:
        raise _fail(*errors)
    code = {"coding": [{"system": voc.SNOMED, "code": voc.SNOMED_EDSS,
                        "display": "Expanded disability status scale"}]}
    return _observation(new_id("edss"), patient_ref, code, on.isoformat(),
                        valueQuantity={"value": value, "system": voc.UCUM, "code": "{score}"})


def mri_observation(patient_ref: str, entry: MriEntry, today: date) -> JSON:
    errors = _not_future(entry.on, today)
    for name in ("gd_lesions", "new_t2_lesions"):
        count = getattr(entry, name)
        if count is not None and count < 0:
            errors.append(FieldError(name, "must be a whole number >= 0"))
    if errors:
        raise _fail(*errors)
    components: list[JSON] = []
    if entry.gd_lesions is not None:
        components.append({"code": _project(voc.MRI_GD_LESIONS), "valueInteger": entry.gd_lesions})
    if entry.new_t2_lesions is not None:
        components.append({"code": _project(voc.MRI_NEW_T2_LESIONS),
                           "valueInteger": entry.new_t2_lesions})
    components.append({"code": _project(voc.MRI_T2_LOAD_INCREASE),
                       "valueBoolean": entry.t2_load_increase})
    components.append({"code": _project(voc.MRI_PML_SIGNS), "valueBoolean": entry.pml_signs})
    return _observation(new_id("mri"), patient_ref, _project(voc.MRI_BRAIN),
                        entry.on.isoformat(), component=components)


def immunization(patient_ref: str, on: date, cvx: str, today: date) -> JSON:
    errors = _not_future(on, today)
    code = cvx.strip()
    if not code.isdigit():
        errors.append(FieldError("cvx", f"{cvx!r} is not a CVX code (digits, e.g. 21)"))
    if errors:
        raise _fail(*errors)
    return {
        "resourceType": "Immunization",
        "id": new_id("vaccination"),
        "status": "completed",
        "vaccineCode": {"coding": [{"system": voc.CVX, "code": code}]},
        "patient": {"reference": patient_ref},
        "occurrenceDateTime": on.isoformat(),
    }


def checklist_response(
    patient_ref: str, on: date, answers: Mapping[str, bool], today: date
) -> JSON:
    errors = _not_future(on, today)
    if not answers:
        errors.append(FieldError("answers", "answer at least one question"))
    for link_id in answers:
        if link_id not in voc.CHECKLIST_LINK_IDS:
            errors.append(FieldError(link_id, "is not a Fig 4 checklist question"))
    if errors:
        raise _fail(*errors)
    return {
        "resourceType": "QuestionnaireResponse",
        "id": new_id("checklist"),
        "status": "completed",
        "questionnaire": voc.CHECKLIST_QUESTIONNAIRE,
        "subject": {"reference": patient_ref},
        "authored": on.isoformat(),
        "item": [
            {"linkId": link_id, "answer": [{"valueBoolean": bool(yes)}]}
            for link_id, yes in answers.items()
        ],
    }


def check_readable(patient: JSON, resources: Sequence[JSON], field: str) -> None:
    """Read the new resources with the FHIR reader: anything it rejects becomes a field error
    (the entry must turn into facts exactly as an import would)."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": patient}, *({"resource": r} for r in resources)],
    }
    try:
        reading = read_bundle(bundle)
    except FhirInputError as exc:
        raise ValidationError([FieldError(field, str(exc))]) from exc
    if reading.rejected:
        raise ValidationError([_field_error(e, field) for e in reading.rejected])


def _field_error(exc: FhirInputError, default: str) -> FieldError:
    where = (exc.field or "").split(".")[0]
    mapped = {"valueQuantity": "value", "effectiveDateTime": "on", "valueString": "qual"}
    return FieldError(mapped.get(where, default), str(exc))
