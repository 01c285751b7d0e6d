"""``/api/v1/patients``: lists, the patient record, entries by the care team, evaluation and
the course plan."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from alemtrack.errors import NotFound, UsageError
from alemtrack.services.model import (
    InfusionEntry,
    LabEntry,
    MriEntry,
    PatientDetail,
    PatientSummary,
    VitalsEntry,
)

from ..deps import ClinicDep
from ..errors import responses
from ..schemas import (
    AdherenceOut,
    AssessmentOut,
    ChecklistIn,
    CoursePlanOut,
    EdssIn,
    InfusionIn,
    LabIn,
    MriIn,
    PatientDetailOut,
    PatientPageOut,
    PatientSummaryOut,
    Phase,
    Regimen,
    RelapseIn,
    VaccinationIn,
)
from ..security import Actor, authorize
from .common import adherence_out

router = APIRouter(prefix="/patients", tags=["patients"])

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000

PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="alemtrack patient id.")]
ENTRY_ERRORS = responses(404, 413)
# Who records: the authenticated user, never a body field.
LabActor = Annotated[Actor, Depends(authorize("entry.lab"))]
InfusionActor = Annotated[Actor, Depends(authorize("infusion.record"))]
ClinicalActor = Annotated[Actor, Depends(authorize("entry.clinical"))]


def _summary(view: PatientSummary) -> PatientSummaryOut:
    return PatientSummaryOut.model_validate(view)


def _detail(view: PatientDetail) -> PatientDetailOut:
    return PatientDetailOut.model_validate({
        "summary": view.summary,
        "assessment": view.assessment or None,
        "labs": view.labs,
        "creatinine_baseline": view.creatinine_baseline,
        "alerts": view.alerts,
        "timeline": view.timeline,
    }, from_attributes=True)


@router.get("", summary="List and search patients", response_model=PatientPageOut,
            responses=responses(), dependencies=[Depends(authorize("patient.list"))])
def list_patients(
    clinic: ClinicDep,
    q: Annotated[str | None, Query(max_length=100,
                                   description="Search in name and FHIR id.")] = None,
    phase: Annotated[Phase | None, Query(description="Only patients in this phase.")] = None,
    overdue: Annotated[bool | None, Query(
        description="true: only patients with overdue tests; false: only without.")] = None,
    open_alerts: Annotated[bool | None, Query(
        description="true: only patients with open alerts; false: only without.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PatientPageOut:
    """Patients as the lists show them (latest evaluation), filtered and paged."""
    page = clinic.list_patients(query=q or None, phase=phase, overdue=overdue,
                                open_alerts=open_alerts, limit=limit, offset=offset)
    return PatientPageOut.model_validate(page)


@router.get("/{patient_id}", summary="A patient's record", response_model=PatientDetailOut,
            responses=responses(404), dependencies=[Depends(authorize("patient.read"))])
def get_patient(patient_id: PatientId, clinic: ClinicDep) -> PatientDetailOut:
    """Summary, latest assessment, lab history per analyte, alerts and timeline."""
    return _detail(clinic.patient(patient_id))


@router.get("/{patient_id}/assessment", summary="A patient's latest assessment",
            response_model=AssessmentOut, responses=responses(404),
            dependencies=[Depends(authorize("patient.read"))])
def get_assessment(patient_id: PatientId, clinic: ClinicDep) -> AssessmentOut:
    """The JSON of interfaces.md §2 from the latest evaluation (404 if never evaluated)."""
    assessment = clinic.patient(patient_id).assessment
    if not assessment:
        raise NotFound(f"patient {patient_id} has not been evaluated yet")
    return AssessmentOut.model_validate(assessment)


@router.post("/{patient_id}/evaluate", summary="Evaluate a patient now",
             response_model=PatientSummaryOut, responses=responses(404),
             dependencies=[Depends(authorize("patient.evaluate"))])
def evaluate(
    patient_id: PatientId,
    clinic: ClinicDep,
    as_of: Annotated[dt.date | None, Query(
        description="Evaluation date; today (the clinic's clock) when absent.")] = None,
) -> PatientSummaryOut:
    """Run the protocol on the patient's facts and update the assessment and alerts."""
    return _summary(clinic.evaluate(patient_id, as_of=as_of))


@router.post("/{patient_id}/labs", status_code=201, summary="Enter a lab result",
             response_model=PatientSummaryOut, responses=ENTRY_ERRORS)
def enter_lab(patient_id: PatientId, body: LabIn, clinic: ClinicDep,
              actor: LabActor) -> PatientSummaryOut:
    """Checks the LOINC code, the unit (converted to the analyte's unit) and plausibility;
    a wrong field is a 422 naming it. The patient is re-evaluated."""
    entry = LabEntry(code=body.code.strip(), value=body.value, unit=body.unit, on=body.on,
                     qual=body.qual, ref_low=body.ref_low, ref_high=body.ref_high)
    return _summary(clinic.enter_lab_result(patient_id, entry, actor=actor.name))


@router.post("/{patient_id}/infusions", status_code=201, summary="Record an infusion day",
             response_model=PatientSummaryOut, responses=ENTRY_ERRORS)
def record_infusion(patient_id: PatientId, body: InfusionIn, clinic: ClinicDep,
                    actor: InfusionActor) -> PatientSummaryOut:
    """Dose, lot, vital signs and any infusion reaction (grade, time, rate, what was done)."""
    entry = InfusionEntry(
        on=body.on, start=body.start, end=body.end, dose_mg=body.dose_mg, lot=body.lot.strip(),
        vitals=tuple(VitalsEntry(at=v.at, temperature_c=v.temperature_c,
                                 heart_rate=v.heart_rate, systolic=v.systolic,
                                 diastolic=v.diastolic) for v in body.vitals),
        reaction_grade=body.reaction_grade, reaction_at=body.reaction_at,
        rate_at_stop_ml_h=body.rate_at_stop_ml_h, reaction_action=body.reaction_action)
    return _summary(clinic.record_infusion_day(patient_id, entry, actor=actor.name))


@router.post("/{patient_id}/relapses", status_code=201, summary="Record a relapse",
             response_model=PatientSummaryOut, responses=ENTRY_ERRORS)
def record_relapse(patient_id: PatientId, body: RelapseIn, clinic: ClinicDep,
                   actor: ClinicalActor) -> PatientSummaryOut:
    return _summary(clinic.record_relapse(patient_id, body.onset, disabling=body.disabling,
                                          actor=actor.name))


@router.post("/{patient_id}/edss", status_code=201, summary="Record an EDSS score",
             response_model=PatientSummaryOut, responses=ENTRY_ERRORS)
def record_edss(patient_id: PatientId, body: EdssIn, clinic: ClinicDep,
                actor: ClinicalActor) -> PatientSummaryOut:
    return _summary(clinic.record_edss(patient_id, body.on, body.value, actor=actor.name))


@router.post("/{patient_id}/mri", status_code=201, summary="Record MRI findings",
             response_model=PatientSummaryOut, responses=ENTRY_ERRORS)
def record_mri(patient_id: PatientId, body: MriIn, clinic: ClinicDep,
               actor: ClinicalActor) -> PatientSummaryOut:
    entry = MriEntry(on=body.on, gd_lesions=body.gd_lesions, new_t2_lesions=body.new_t2_lesions,
                     t2_load_increase=body.t2_load_increase, pml_signs=body.pml_signs)
    return _summary(clinic.record_mri(patient_id, entry, actor=actor.name))


@router.post("/{patient_id}/vaccinations", status_code=201, summary="Record a vaccination",
             response_model=PatientSummaryOut, responses=ENTRY_ERRORS)
def record_vaccination(patient_id: PatientId, body: VaccinationIn, clinic: ClinicDep,
                       actor: ClinicalActor) -> PatientSummaryOut:
    return _summary(clinic.record_vaccination(patient_id, body.on, body.cvx.strip(),
                                              actor=actor.name))


@router.post("/{patient_id}/checklists", status_code=201,
             summary="Record monthly symptom-checklist answers",
             response_model=PatientSummaryOut, responses=ENTRY_ERRORS)
def record_checklist(patient_id: PatientId, body: ChecklistIn, clinic: ClinicDep,
                     actor: ClinicalActor) -> PatientSummaryOut:
    """Fig 4 answers keyed by Questionnaire linkId (neph-urine, haem-bruising, ...)."""
    return _summary(clinic.record_checklist(patient_id, body.on, body.answers,
                                            actor=actor.name))


@router.get("/{patient_id}/plan", summary="Plan the next course",
            response_model=CoursePlanOut, responses=responses(404),
            dependencies=[Depends(authorize("patient.read"))])
def plan_course(
    patient_id: PatientId,
    clinic: ClinicDep,
    start: Annotated[dt.date, Query(description="Day 1 of the course (YYYY-MM-DD).")],
    time: Annotated[dt.time, Query(description="Alemtuzumab start time (HH:MM).")],
    regimen: Annotated[Regimen | None, Query(
        description="Premedication regimen; the profile's default when absent.")] = None,
) -> CoursePlanOut:
    """Premedication, prophylaxis, rate steps with clock times, vital-sign times, observation
    and the windows the course opens (interfaces.md §3)."""
    try:
        plan = clinic.plan_course(patient_id, start, time, regimen=regimen)
    except ValueError as exc:  # the core refuses an impossible plan with a reason
        raise UsageError(str(exc)) from None
    return CoursePlanOut.model_validate(plan.to_dict())


@router.get("/{patient_id}/adherence", summary="A patient's monitoring adherence",
            response_model=AdherenceOut, responses=responses(404),
            dependencies=[Depends(authorize("patient.read"))])
def patient_adherence(
    patient_id: PatientId,
    clinic: ClinicDep,
    as_of: Annotated[dt.date | None, Query(description="Count up to this date.")] = None,
) -> AdherenceOut:
    """Share of monthly and quarterly tests done within their window, per test."""
    return adherence_out(clinic.adherence(patient_id=patient_id, as_of=as_of))
