"""The tables (SQLAlchemy 2 typed declarative models). The Alembic migrations in
``store/migrations/versions`` create exactly these; a test compares the two.

Types are chosen to behave the same on SQLite and PostgreSQL: ``JSON`` bodies, ``Date``
calendar dates, and ``UTCDateTime`` (timezone-aware UTC in Python on both backends).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores it naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UTCDateTime,
    }


class Patient(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fhir_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    sex: Mapped[str] = mapped_column(String(16), default="unknown")
    birth_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ImportBatch(Base):
    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patients.id"))
    received: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    superseded: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Entries refused; the ledger balances: received = stored + unchanged + rejected_count
    # (a CHECK on PostgreSQL, triggers on SQLite: migration 0004).
    rejected_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Resource(Base):
    """One stored FHIR resource version; facts are re-read from the current ones."""

    __tablename__ = "resources"
    __table_args__ = (
        Index("ix_resources_ref", "patient_id", "rtype", "rid", "current"),
        Index("ix_resources_identifier", "patient_id", "identifier_key"),
        Index("ix_resources_type_effective", "rtype", "effective"),
        # One current version per resource, whatever races (migration 0007): a second
        # concurrent import of the same new resource fails here and is retried.
        Index("uq_resources_current", "patient_id", "rtype", "rid", unique=True,
              postgresql_where=text("current"), sqlite_where=text("current")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    rtype: Mapped[str] = mapped_column(String(64))
    rid: Mapped[str] = mapped_column(String(200))
    full_url: Mapped[str | None] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer)
    meta_version: Mapped[str | None] = mapped_column(String(64))
    identifier_key: Mapped[str | None] = mapped_column(String(400))
    status: Mapped[str | None] = mapped_column(String(32))
    effective: Mapped[date | None] = mapped_column(Date)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("resources.id"))
    source: Mapped[str] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PatientState(Base):
    """The latest evaluation of a patient and the dates the worklist queries use."""

    __tablename__ = "patient_state"
    __table_args__ = (
        Index("ix_patient_state_phase", "phase"),
        Index("ix_patient_state_planned", "planned_start", "planned_end"),
        Index("ix_patient_state_course", "course_first_day", "course_end"),
        Index("ix_patient_state_next", "next_course_number", "next_course_status"),
    )

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    phase: Mapped[str] = mapped_column(String(32))
    monitoring_until: Mapped[date | None] = mapped_column(Date)
    next_course_number: Mapped[int] = mapped_column(Integer)
    next_course_status: Mapped[str] = mapped_column(String(32))
    earliest_start: Mapped[date | None] = mapped_column(Date)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    course_number: Mapped[int | None] = mapped_column(Integer)
    course_first_day: Mapped[date | None] = mapped_column(Date)
    course_end: Mapped[date | None] = mapped_column(Date)
    activity_after_course: Mapped[bool] = mapped_column(Boolean, default=False)
    next_course_not_before: Mapped[date | None] = mapped_column(Date, nullable=True)
    creatinine_baseline: Mapped[float | None] = mapped_column(Float)
    adherence_due: Mapped[int] = mapped_column(Integer, default=0)
    adherence_on_time: Mapped[int] = mapped_column(Integer, default=0)
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DueItem(Base):
    __tablename__ = "due_items"
    __table_args__ = (
        Index("ix_due_items_due", "due"),
        Index("ix_due_items_patient_due", "patient_id", "due"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    item: Mapped[str] = mapped_column(String(64))
    due: Mapped[date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(16))


class LabPoint(Base):
    __tablename__ = "lab_points"
    __table_args__ = (Index("ix_lab_points_patient", "patient_id", "analyte", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    analyte: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(300))
    date: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    qual: Mapped[str | None] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(32))
    ref_low: Mapped[float | None] = mapped_column(Float)
    ref_high: Mapped[float | None] = mapped_column(Float)


class AdherenceItem(Base):
    __tablename__ = "adherence_items"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(64), primary_key=True)
    due: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_status_rank", "status", "severity_rank"),
        Index("ix_alerts_patient_status", "patient_id", "status"),
        Index("ix_alerts_patient_rule", "patient_id", "rule", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    rule: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    severity_rank: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    actions: Mapped[list[Any]] = mapped_column(JSON)
    evidence: Mapped[list[Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_on: Mapped[date] = mapped_column(Date)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledge_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_note: Mapped[str | None] = mapped_column(Text)


class AlertEvent(Base):
    """Lifecycle history: opened, updated, escalated, reopened, acknowledged, resolved."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_alert", "alert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
