"""The store's ports: what the services need from storage, as protocols over plain records.

The services depend on this module only; ``store.sql`` implements it with SQLAlchemy (SQLite or
PostgreSQL) and tests may implement it with fakes. A ``UnitOfWork`` is one transaction: use it
as a context manager and ``commit()`` what should be kept; leaving without a commit rolls back.

Records are frozen dataclasses of plain values (no ORM rows leak out). Dates are calendar
dates; timestamps are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from .cds_ports import CdsRepository
from .security_ports import AccountRepository

# ---- records ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PatientRecord:
    id: int
    fhir_id: str
    name: str
    sex: str
    birth_date: date | None


@dataclass(frozen=True, slots=True)
class NewResource:
    """One FHIR resource to store (a new resource or a new version of a stored one)."""

    patient_id: int
    rtype: str
    rid: str
    full_url: str | None
    version: int  # 1, 2, ... per (patient, type, id) in this store
    meta_version: str | None  # meta.versionId as sent
    identifier_key: str | None  # "system|value" of the first business identifier
    status: str | None
    effective: date | None
    body: dict[str, Any]
    content_hash: str
    source: str
    batch_id: int | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StoredResource:
    id: int
    patient_id: int
    rtype: str
    rid: str
    full_url: str | None
    version: int
    meta_version: str | None
    identifier_key: str | None
    status: str | None
    effective: date | None
    body: dict[str, Any]
    content_hash: str
    source: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class StateRecord:
    """A patient's latest evaluation, with the derived dates the worklist queries use."""

    patient_id: int
    as_of: date
    phase: str
    monitoring_until: date | None
    next_course_number: int
    next_course_status: str
    earliest_start: date | None
    planned_start: date | None
    planned_end: date | None  # last scheduled day of the planned course
    course_number: int | None  # the latest course given
    course_first_day: date | None
    course_end: date | None  # last scheduled day of the latest course given
    activity_after_course: bool  # retreatment activity criteria met (R-E3) since the last course
    next_course_not_before: date | None  # R-E2/R-E3 interval: 12 months after the last infusion
    creatinine_baseline: float | None
    adherence_due: int
    adherence_on_time: int
    assessment: dict[str, Any]
    evaluated_at: datetime


@dataclass(frozen=True, slots=True)
class DueRecord:
    item: str
    due: date
    rule: str


@dataclass(frozen=True, slots=True)
class LabPointRecord:
    analyte: str
    ref: str
    date: date
    value: float | None
    qual: str | None
    unit: str
    ref_low: float | None
    ref_high: float | None


@dataclass(frozen=True, slots=True)
class AdherenceItemRecord:
    item: str
    due: int
    on_time: int


@dataclass(frozen=True, slots=True)
class FindingRecord:
    """The part of an alert that comes from the finding that fired."""

    rule: str
    severity: str
    severity_rank: int  # higher is more severe
    summary: str
    actions: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...]
    source: str


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    patient_id: int
    patient_name: str
    rule: str
    severity: str
    severity_rank: int
    summary: str
    actions: tuple[str, ...]
    evidence: tuple[dict[str, Any], ...]
    source: str
    status: str
    opened_at: datetime
    last_seen_on: date
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    acknowledge_note: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    resolve_note: str | None = None


@dataclass(frozen=True, slots=True)
class SummaryRecord:
    """One patient as lists show it (mirrors ``services.model.PatientSummary``)."""

    id: int
    fhir_id: str
    name: str
    sex: str
    birth_date: date | None
    phase: str | None
    monitoring_until: date | None
    next_course_number: int | None
    next_course_status: str | None
    earliest_start: date | None
    planned_start: date | None
    open_alerts: int
    top_severity: str | None
    overdue: int
    evaluated_on: date | None


@dataclass(frozen=True, slots=True)
class DueRow:
    patient_id: int
    patient_name: str
    item: str
    due: date
    rule: str


@dataclass(frozen=True, slots=True)
class SlotRow:
    """A patient whose planned or running course covers the day."""

    patient_id: int
    patient_name: str
    course_number: int
    first_day: date
    given_on_day: bool


@dataclass(frozen=True, slots=True)
class DecisionRow:
    patient_id: int
    patient_name: str
    next_course_number: int
    status: str
    earliest_start: date | None


@dataclass(frozen=True, slots=True)
class AdherenceTotals:
    due: int
    on_time: int
    by_item: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RejectedRecord:
    ref: str
    reason: str


# ---- repositories -----------------------------------------------------------------------------


class PatientRepository(Protocol):
    def get(self, patient_id: int) -> PatientRecord | None: ...

    def by_fhir_id(self, fhir_id: str) -> PatientRecord | None: ...

    def add(self, fhir_id: str, name: str, sex: str, birth_date: date | None) -> PatientRecord: ...

    def update(self, patient_id: int, name: str, sex: str, birth_date: date | None) -> None: ...

    def ids(self, *, after: int, limit: int) -> list[int]:
        """Patient ids greater than ``after``, ascending (for batch jobs)."""
        ...


class ResourceRepository(Protocol):
    def current(self, patient_id: int) -> list[StoredResource]:
        """Every current (not superseded) resource of the patient, in storage order."""
        ...

    def add_many(self, resources: Sequence[NewResource]) -> list[int]:
        """Store new resources (current); their ids, in order."""
        ...

    def retire(self, old_ids: Sequence[int]) -> None:
        """Stop ``old_ids`` being current, BEFORE their new versions are added: the database
        keeps one current version per (patient, type, id) at every statement (migration 0007).
        Raises ``errors.ConcurrentWrite`` when one of them is no longer current (another unit
        of work superseded it first)."""
        ...

    def supersede(self, old_id: int, new_id: int) -> None:
        """Mark ``old_id`` as replaced by ``new_id`` (it stops being current)."""
        ...

    def history(self, patient_id: int, rtype: str, rid: str) -> list[StoredResource]:
        """Every stored version of one resource, oldest first (superseded ones included)."""
        ...

    def count(self, patient_id: int | None = None, *, current_only: bool = False) -> int: ...


class EvaluationRepository(Protocol):
    def save(
        self,
        state: StateRecord,
        due: Sequence[DueRecord],
        labs: Sequence[LabPointRecord],
        adherence: Sequence[AdherenceItemRecord],
    ) -> None:
        """Replace the patient's state, due items, lab points and adherence counts."""
        ...

    def state(self, patient_id: int) -> StateRecord | None: ...

    def lab_points(self, patient_id: int) -> list[LabPointRecord]:
        """Oldest first."""
        ...


class AlertRepository(Protocol):
    def get(self, alert_id: int) -> AlertRecord | None: ...

    def unresolved(self, patient_id: int) -> list[AlertRecord]:
        """Open and acknowledged alerts of the patient."""
        ...

    def open(self, patient_id: int, finding: FindingRecord, *, at: datetime, on: date) -> int: ...

    def refresh(
        self, alert_id: int, finding: FindingRecord, *, on: date, reopen: bool, at: datetime
    ) -> None:
        """The finding still fires: update its text and severity; ``reopen`` an acknowledged
        alert whose severity escalated."""
        ...

    def acknowledge(self, alert_id: int, *, actor: str, at: datetime, note: str) -> None: ...

    def resolve(self, alert_id: int, *, actor: str, at: datetime, note: str) -> None: ...

    def page(
        self,
        *,
        status: str | None,
        severity: str | None,
        patient_id: int | None,
        limit: int,
        offset: int,
    ) -> tuple[list[AlertRecord], int]:
        """Most severe first, then newest; with the total count."""
        ...

    def for_patient(self, patient_id: int) -> list[AlertRecord]:
        """Every alert of the patient, newest first."""
        ...

    def events(self, alert_id: int) -> list[dict[str, Any]]:
        """The lifecycle history of one alert, oldest first."""
        ...


class ImportRepository(Protocol):
    def start(self, *, source: str, actor: str, at: datetime) -> int: ...

    def finish(
        self,
        batch_id: int,
        *,
        patient_id: int,
        received: int,
        stored: int,
        unchanged: int,
        superseded: int,
        rejected: Sequence[RejectedRecord],
        rejected_count: int,
    ) -> None:
        """Close the batch's ledger entry: received = stored + unchanged + rejected_count
        (the database refuses a ledger that does not balance, migration 0004)."""
        ...

    def count(self) -> int: ...


class ViewRepository(Protocol):
    """Set-based queries over what evaluations persisted (never one patient at a time)."""

    def summaries(
        self,
        *,
        today: date,
        query: str | None,
        phase: str | None,
        overdue: bool | None,
        open_alerts: bool | None,
        limit: int,
        offset: int,
    ) -> tuple[list[SummaryRecord], int]: ...

    def summary(self, patient_id: int, *, today: date) -> SummaryRecord | None: ...

    def infusion_slots(self, day: date) -> list[SlotRow]: ...

    def due_items(self, *, from_day: date | None, to_day: date | None) -> list[DueRow]:
        """Due items with ``from_day <= due <= to_day`` (either bound optional), by date."""
        ...

    def decisions(self, *, course2_by: date) -> list[DecisionRow]:
        """Course 2 whose 12-month date falls by ``course2_by`` (whatever still holds it: the
        decision is due); course 3+ ready or on hold once the activity criteria are met."""
        ...

    def adherence(self, patient_id: int | None) -> AdherenceTotals: ...


class UnitOfWork(Protocol):
    accounts: AccountRepository  # users, sessions, tokens, clients (security_ports.py)
    cds: CdsRepository  # CDS Hooks feedback and JWT replay cache (cds_ports.py)
    patients: PatientRepository
    resources: ResourceRepository
    evaluations: EvaluationRepository
    alerts: AlertRepository
    imports: ImportRepository
    views: ViewRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]

__all__ = [
    "AdherenceItemRecord",
    "AdherenceTotals",
    "AlertRecord",
    "AlertRepository",
    "DecisionRow",
    "DueRecord",
    "DueRow",
    "EvaluationRepository",
    "FindingRecord",
    "ImportRepository",
    "LabPointRecord",
    "NewResource",
    "PatientRecord",
    "PatientRepository",
    "RejectedRecord",
    "ResourceRepository",
    "SlotRow",
    "StateRecord",
    "StoredResource",
    "SummaryRecord",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "ViewRepository",
]
