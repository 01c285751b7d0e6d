"""Request and response bodies of the REST API.

Responses mirror the immutable views of ``alemtrack.services.model`` (built from them with
``from_attributes``); the assessment and the course plan mirror interfaces.md §2 and §3. Request
bodies forbid unknown fields, so a misspelt field is a 422 naming it rather than silently lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["critical", "urgent", "warn", "routine", "info"]
AlertStatus = Literal["open", "acknowledged", "resolved"]
Phase = Literal["candidate", "pre-treatment", "in-course", "monitoring", "monitoring-complete"]
Regimen = Literal["es2019", "label"]
EvidenceValue = bool | int | float | str | None


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- patients -------------------------------------------------------------------------------


class PatientSummaryOut(_Out):
    """One patient as lists show it, from the latest evaluation."""

    id: int = Field(description="alemtrack's patient id (used in every /patients/{id} URL).")
    fhir_id: str = Field(description="The FHIR Patient id of the source system.")
    name: str
    sex: str
    birth_date: dt.date | None
    phase: Phase | None = Field(description="Null until the patient is first evaluated.")
    monitoring_until: dt.date | None
    next_course_number: int | None
    next_course_status: str | None = Field(
        description="ready | blocked | on-hold | not-eligible | not-applicable")
    earliest_start: dt.date | None
    planned_start: dt.date | None
    open_alerts: int
    top_severity: Severity | None
    overdue: int = Field(description="Due items past their window.")
    evaluated_on: dt.date | None


class PatientPageOut(_Out):
    items: list[PatientSummaryOut]
    total: int = Field(description="Patients matching the filters, all pages together.")
    limit: int
    offset: int


class LabPointOut(_Out):
    ref: str = Field(description="The source record, e.g. Observation/plt-2026-11-10.")
    date: dt.date
    value: float | None = Field(description="In the analyte's canonical unit.")
    qual: str | None
    unit: str
    ref_low: float | None
    ref_high: float | None


class TimelineEventOut(_Out):
    date: dt.date
    kind: str = Field(description="course | infusion | lab | alert | relapse | mri | "
                                  "vaccination | checklist | ...")
    text: str
    severity: Severity | None = None


class AlertOut(_Out):
    """A finding persisted as an alert: open -> acknowledged -> resolved."""

    id: int
    patient_id: int
    patient_name: str
    rule: str = Field(description="Rule ID of clinical-rules.md, e.g. R-H4.")
    severity: Severity
    summary: str
    actions: list[str]
    evidence: list[dict[str, Any]]
    source: str
    status: AlertStatus
    opened_at: dt.datetime
    last_seen_on: dt.date
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledge_note: str | None = None
    resolved_by: str | None = Field(None, description='"system" when the finding stopped firing.')
    resolved_at: dt.datetime | None = None
    resolve_note: str | None = None


class AlertPageOut(_Out):
    items: list[AlertOut]
    total: int
    limit: int
    offset: int


# ---- the assessment (interfaces.md §2) ------------------------------------------------------


class _Open(BaseModel):
    # Pass through keys the core may add later instead of dropping them.
    model_config = ConfigDict(extra="allow")


class EvidenceOut(_Open):
    ref: str
    code: str
    value: EvidenceValue
    unit: str | None
    date: dt.date | None


class CourseOut(_Open):
    number: int
    first_day: dt.date
    last_day: dt.date
    days_given: int


class GateOut(_Open):
    rule: str
    outcome: Literal["block", "hold", "warn"]
    until: dt.date | None
    reason: str
    evidence: list[EvidenceOut] = []


class NextCourseOut(_Open):
    number: int
    planned_start: dt.date | None
    earliest_start: dt.date | None
    status: str = Field(description="ready | blocked | on-hold | not-eligible | not-applicable")
    gates: list[GateOut]


class FindingOut(_Open):
    rule: str
    severity: Severity
    summary: str
    actions: list[str]
    evidence: list[EvidenceOut]
    source: str
    notes: list[str] = []


class DueOut(_Open):
    item: str = Field(description="cbc, creatinine, urinalysis, lft, tsh, cd4, ...")
    due: dt.date
    status: Literal["upcoming", "due", "overdue"]
    rule: str


class AssessmentOut(_Open):
    """The latest evaluation of a patient, in the JSON of interfaces.md §2."""

    patient: str
    as_of: dt.date
    profile: str
    phase: Phase
    courses: list[CourseOut]
    monitoring_until: dt.date | None
    next_course: NextCourseOut
    findings: list[FindingOut]
    due: list[DueOut]
    windows: dict[str, dt.date | None]


class PatientDetailOut(_Out):
    summary: PatientSummaryOut
    assessment: AssessmentOut | None = Field(description="Null until first evaluated.")
    labs: dict[str, list[LabPointOut]] = Field(
        description="Analyte -> results, oldest first (values in the canonical unit).")
    creatinine_baseline: float | None = Field(
        description="mg/dL: the latest creatinine before course 1 (R-N baseline).")
    alerts: list[AlertOut] = Field(description="Every alert of the patient, newest first.")
    timeline: list[TimelineEventOut] = Field(description="Newest first.")


# ---- course plan (interfaces.md §3) ---------------------------------------------------------


class DoseOut(_Open):
    time: str = Field(description="HH:MM")
    date: dt.date
    drug: str
    dose: str
    route: str
    purpose: str
    rule: str
    note: str


class RateStepOut(_Open):
    start: str
    end: str
    minutes: int
    rate_ml_h: float
    volume_ml: float


class InfusionOut(_Open):
    start: str
    end: str
    duration_min: int
    rate_steps: list[RateStepOut]


class PlanDayOut(_Open):
    day: int
    date: dt.date
    alemtuzumab_mg: float
    premedication: list[DoseOut]
    prophylaxis: list[DoseOut]
    infusion: InfusionOut
    vital_signs: list[str] = Field(description="Clock times (HH:MM) of vital-sign checks.")
    observation_end: str
    checks: list[str]


class PlanWindowOut(_Open):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    date: dt.date | None
    from_: dt.date | None = Field(alias="from")
    rule: str
    note: str


class CoursePlanOut(_Open):
    """Day-by-day orders of one course (interfaces.md §3)."""

    patient: str | None
    profile: str
    course: int
    regimen: Regimen
    start: dt.date
    last_day: dt.date
    total_dose_mg: float
    days: list[PlanDayOut]
    preparation: list[str]
    herpes_prophylaxis: str
    post_course_advice: list[str]
    windows: dict[str, PlanWindowOut]
    warnings: list[str]


# ---- worklist, imports, adherence, health ---------------------------------------------------


class DueItemOut(_Out):
    patient_id: int
    patient_name: str
    item: str
    due: dt.date
    status: Literal["upcoming", "due", "overdue"]
    rule: str


class InfusionSlotOut(_Out):
    patient_id: int
    patient_name: str
    course_number: int
    day_number: int
    date: dt.date
    status: Literal["planned", "given"]


class DecisionOut(_Out):
    patient_id: int
    patient_name: str
    kind: Literal["course-2-due", "retreatment-to-consider"]
    next_course_number: int
    status: str
    earliest_start: dt.date | None


class WorklistOut(_Out):
    day: dt.date
    infusions: list[InfusionSlotOut]
    overdue: list[DueItemOut]
    due: list[DueItemOut] = Field(description="Due on the day (within ±7 days of the due date).")
    alerts: dict[str, list[AlertOut]] = Field(
        description="Severity -> open alerts, most severe first.")
    decisions: list[DecisionOut]


class RejectedItemOut(_Out):
    ref: str
    reason: str


class ImportReportOut(_Out):
    batch_id: int
    received: int = Field(description="Resources in the bundle (Patient included).")
    stored: int = Field(description="New or changed resources stored.")
    unchanged: int = Field(description="Identical to (or older than) what was already "
                                       "stored, or an older version beside its latest in the "
                                       "same bundle.")
    superseded: int = Field(description="Earlier versions replaced by amended ones.")
    rejected: list[RejectedItemOut]
    patient_id: int
    rejected_count: int = Field(
        description="Entries refused (not stored); the ledger balances: received = stored + "
                    "unchanged + rejected_count. `rejected` lists the reasons.")


class ItemAdherenceOut(BaseModel):
    due: int
    on_time: int
    rate: float | None


class AdherenceOut(BaseModel):
    """Share of monthly and quarterly tests done within their window."""

    patient_id: int | None = Field(description="Null for the whole clinic.")
    slots_due: int
    slots_on_time: int
    rate: float | None = Field(description="slots_on_time / slots_due; null when none due.")
    by_item: dict[str, ItemAdherenceOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    database: Literal["ok"]


# ---- request bodies -------------------------------------------------------------------------


class LabIn(_In):
    """A lab result entered by hand; the unit is checked and converted."""

    code: str = Field(min_length=1, max_length=20, description="LOINC code, e.g. 777-3.",
                      examples=["777-3"])
    value: float | None = Field(None, description="Numeric value (null for a qualitative one).",
                                examples=[142])
    unit: str = Field(max_length=40, description="UCUM unit as reported, e.g. 10*9/L.",
                      examples=["10*9/L"])
    on: dt.date = Field(description="Date the sample was taken.")
    qual: str | None = Field(None, max_length=40,
                             description="Qualitative result: negative, positive, trace, 1+ ...")
    ref_low: float | None = None
    ref_high: float | None = None


class VitalsIn(_In):
    at: dt.time
    temperature_c: float | None = None
    heart_rate: float | None = None
    systolic: float | None = None
    diastolic: float | None = None


class InfusionIn(_In):
    """One infusion day: dose, lot, vital signs and any infusion reaction."""

    on: dt.date
    start: dt.time
    end: dt.time | None = None
    dose_mg: float = Field(gt=0, le=12, description="Alemtuzumab dose (mg).", examples=[12])
    lot: str = Field(min_length=1, max_length=40, description="Lot number of the vial.")
    vitals: list[VitalsIn] = Field(default_factory=list, max_length=50)
    reaction_grade: int | None = Field(None, ge=1, le=4, description="Table R grade 1-4.")
    reaction_at: dt.time | None = None
    rate_at_stop_ml_h: float | None = Field(None, ge=0)
    reaction_action: str | None = Field(None, max_length=2000, description="What was done.")


class RelapseIn(_In):
    onset: dt.date
    disabling: bool = False


class EdssIn(_In):
    on: dt.date
    value: float = Field(ge=0, le=10, description="EDSS score 0-10.")


class MriIn(_In):
    on: dt.date
    gd_lesions: int | None = Field(None, ge=0)
    new_t2_lesions: int | None = Field(None, ge=0)
    t2_load_increase: bool = False
    pml_signs: bool = False


class VaccinationIn(_In):
    on: dt.date
    cvx: str = Field(min_length=1, max_length=10, description="CVX vaccine code.",
                     examples=["03"])


class ChecklistIn(_In):
    """Monthly symptom checklist (Fig 4) answers keyed by Questionnaire linkId."""

    on: dt.date
    answers: dict[str, bool] = Field(
        max_length=50, description="linkId -> yes/no, e.g. {\"haem-bruising\": true}.")


class NoteIn(_In):
    note: str = Field(min_length=1, max_length=2000,
                      description="Why: what was done or decided (kept in the alert's history).")
