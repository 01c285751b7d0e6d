"""What the service layer hands to the entry points (REST API, web UI, CLI): plain, immutable
views. Entry points never see a SQLAlchemy row or a repository.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Generic, Literal, TypeVar

T = TypeVar("T")

AlertStatus = Literal["open", "acknowledged", "resolved"]
Severity = Literal["critical", "urgent", "warn", "routine", "info"]
SEVERITIES: tuple[Severity, ...] = ("critical", "urgent", "warn", "routine", "info")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """One patient as lists show it, from the latest evaluation."""

    id: int
    fhir_id: str
    name: str
    sex: str
    birth_date: date | None
    phase: str | None  # None until first evaluated
    monitoring_until: date | None
    next_course_number: int | None
    next_course_status: str | None
    earliest_start: date | None
    planned_start: date | None
    open_alerts: int
    top_severity: Severity | None
    overdue: int
    evaluated_on: date | None


@dataclass(frozen=True, slots=True)
class LabPoint:
    ref: str
    date: date
    value: float | None
    qual: str | None
    unit: str
    ref_low: float | None
    ref_high: float | None


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    date: date
    kind: str  # course | infusion | lab | alert | relapse | mri | vaccination | checklist | ...
    text: str
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class AlertView:
    id: int
    patient_id: int
    patient_name: str
    rule: str
    severity: Severity
    summary: str
    actions: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...]
    source: str
    status: AlertStatus
    opened_at: datetime
    last_seen_on: date
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledge_note: str | None = None
    resolved_by: str | None = None  # "system" when the finding stopped firing
    resolved_at: datetime | None = None
    resolve_note: str | None = None


@dataclass(frozen=True, slots=True)
class PatientDetail:
    summary: PatientSummary
    assessment: dict[str, Any]  # interfaces.md §2 JSON of the latest evaluation
    labs: dict[str, tuple[LabPoint, ...]]  # analyte value (facts.Analyte.value) -> oldest first
    creatinine_baseline: float | None  # mg/dL, the R-N baseline (latest before course 1)
    alerts: tuple[AlertView, ...]  # every alert of the patient, newest first
    timeline: tuple[TimelineEvent, ...]  # newest first


@dataclass(frozen=True, slots=True)
class DueView:
    patient_id: int
    patient_name: str
    item: str
    due: date
    status: Literal["upcoming", "due", "overdue"]
    rule: str


@dataclass(frozen=True, slots=True)
class InfusionSlot:
    """A patient expected at the infusion unit on the day (planned or in-course)."""

    patient_id: int
    patient_name: str
    course_number: int
    day_number: int  # 1..5 (course 1) or 1..3
    date: date
    status: Literal["planned", "given"]


@dataclass(frozen=True, slots=True)
class DecisionView:
    patient_id: int
    patient_name: str
    kind: Literal["course-2-due", "retreatment-to-consider"]
    next_course_number: int
    status: str
    earliest_start: date | None


@dataclass(frozen=True, slots=True)
class Worklist:
    day: date
    infusions: tuple[InfusionSlot, ...]
    overdue: tuple[DueView, ...]
    due: tuple[DueView, ...]  # status "due" on the day (within ±7 days of the due date)
    alerts: dict[str, tuple[AlertView, ...]]  # severity -> open alerts, most severe first
    decisions: tuple[DecisionView, ...]


@dataclass(frozen=True, slots=True)
class RejectedItem:
    ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    batch_id: int
    received: int  # resources in the bundle (Patient included)
    stored: int  # new or changed resources stored
    unchanged: int  # identical to what was already stored
    superseded: int  # earlier versions replaced by amended/corrected ones
    rejected: tuple[RejectedItem, ...]
    patient_id: int
    # received entries refused (not stored); received = stored + unchanged + rejected_count.
    # ``rejected`` lists the reasons, which may be more (or, for a Patient kept with an
    # unreadable field, other) than the entries refused.
    rejected_count: int = 0
    notes: tuple[str, ...] = ()  # read with a change or ignored with a reason (the reader's)


@dataclass(frozen=True, slots=True)
class Adherence:
    """Share of monthly and quarterly Table M tests done within their window (R-M1 slots)."""

    patient_id: int | None  # None: the whole clinic
    slots_due: int
    slots_on_time: int
    by_item: dict[str, tuple[int, int]] = field(default_factory=dict)  # item -> (due, on time)

    @property
    def rate(self) -> float | None:
        return self.slots_on_time / self.slots_due if self.slots_due else None


# ---- entries made by the care team ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabEntry:
    code: str  # LOINC of a clinical-rules.md §8 row
    value: float | None
    unit: str
    on: date
    qual: str | None = None  # for qualitative results: negative, positive, trace, 1+ ...
    ref_low: float | None = None
    ref_high: float | None = None


@dataclass(frozen=True, slots=True)
class VitalsEntry:
    at: time
    temperature_c: float | None = None
    heart_rate: float | None = None
    systolic: float | None = None
    diastolic: float | None = None


@dataclass(frozen=True, slots=True)
class InfusionEntry:
    on: date
    start: time
    end: time | None
    dose_mg: float
    lot: str
    vitals: tuple[VitalsEntry, ...] = ()
    reaction_grade: int | None = None  # 1-4, Table R
    reaction_at: time | None = None
    rate_at_stop_ml_h: float | None = None
    reaction_action: str | None = None  # what was done


@dataclass(frozen=True, slots=True)
class MriEntry:
    on: date
    gd_lesions: int | None
    new_t2_lesions: int | None
    t2_load_increase: bool = False
    pml_signs: bool = False
