"""SQL repositories: the store ports on one SQLAlchemy ``Session`` (one unit of work)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from alemtrack.errors import ConcurrentWrite

from ..ports import (
    AdherenceItemRecord,
    AdherenceTotals,
    AlertRecord,
    DecisionRow,
    DueRecord,
    DueRow,
    FindingRecord,
    LabPointRecord,
    NewResource,
    PatientRecord,
    RejectedRecord,
    SlotRow,
    StateRecord,
    StoredResource,
    SummaryRecord,
)
from .tables import (
    AdherenceItem,
    Alert,
    AlertEvent,
    DueItem,
    ImportBatch,
    LabPoint,
    Patient,
    PatientState,
    Resource,
)

_SEVERITY_BY_RANK = {4: "critical", 3: "urgent", 2: "warn", 1: "routine", 0: "info"}
_UNRESOLVED = ("open", "acknowledged")
# R-M1 status: a due item is overdue more than 7 days after its date (engine.due_status).
_OVERDUE_AFTER_DAYS = 7


def _patient_record(row: Patient) -> PatientRecord:
    return PatientRecord(row.id, row.fhir_id, row.name, row.sex, row.birth_date)


class SqlPatients:
    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, patient_id: int) -> PatientRecord | None:
        row = self.s.get(Patient, patient_id)
        return _patient_record(row) if row else None

    def by_fhir_id(self, fhir_id: str) -> PatientRecord | None:
        row = self.s.scalars(select(Patient).where(Patient.fhir_id == fhir_id)).first()
        return _patient_record(row) if row else None

    def add(self, fhir_id: str, name: str, sex: str, birth_date: date | None) -> PatientRecord:
        row = Patient(
            fhir_id=fhir_id, name=name, sex=sex, birth_date=birth_date, created_at=_utcnow()
        )
        self.s.add(row)
        self.s.flush()
        return _patient_record(row)

    def update(self, patient_id: int, name: str, sex: str, birth_date: date | None) -> None:
        self.s.execute(
            update(Patient)
            .where(Patient.id == patient_id)
            .values(name=name, sex=sex, birth_date=birth_date)
        )

    def ids(self, *, after: int, limit: int) -> list[int]:
        q = select(Patient.id).where(Patient.id > after).order_by(Patient.id).limit(limit)
        return list(self.s.scalars(q))


def _stored(row: Resource) -> StoredResource:
    return StoredResource(
        id=row.id,
        patient_id=row.patient_id,
        rtype=row.rtype,
        rid=row.rid,
        full_url=row.full_url,
        version=row.version,
        meta_version=row.meta_version,
        identifier_key=row.identifier_key,
        status=row.status,
        effective=row.effective,
        body=row.body,
        content_hash=row.content_hash,
        source=row.source,
        received_at=row.received_at,
    )


class SqlResources:
    def __init__(self, session: Session) -> None:
        self.s = session

    def current(self, patient_id: int) -> list[StoredResource]:
        q = (
            select(Resource)
            .where(Resource.patient_id == patient_id, Resource.current.is_(True))
            .order_by(Resource.id)
        )
        return [_stored(r) for r in self.s.scalars(q)]

    def add_many(self, resources: Sequence[NewResource]) -> list[int]:
        rows = [
            Resource(
                patient_id=r.patient_id,
                rtype=r.rtype,
                rid=r.rid,
                full_url=r.full_url,
                version=r.version,
                meta_version=r.meta_version,
                identifier_key=r.identifier_key,
                status=r.status,
                effective=r.effective,
                body=r.body,
                content_hash=r.content_hash,
                current=True,
                source=r.source,
                batch_id=r.batch_id,
                received_at=r.received_at,
            )
            for r in resources
        ]
        self.s.add_all(rows)
        self.s.flush()
        return [row.id for row in rows]

    def retire(self, old_ids: Sequence[int]) -> None:
        wanted = set(old_ids)
        if not wanted:
            return
        # "AND current": on PostgreSQL a row another transaction retired meanwhile waits for
        # its commit, is re-checked and no longer matches; the rowcount tells.
        result = cast(CursorResult[Any], self.s.execute(
            update(Resource)
            .where(Resource.id.in_(wanted), Resource.current.is_(True))
            .values(current=False)
        ))
        if result.rowcount != len(wanted):
            raise ConcurrentWrite(
                "another unit of work superseded a stored version of the same resource first; "
                "try again")

    def supersede(self, old_id: int, new_id: int) -> None:
        self.s.execute(
            update(Resource)
            .where(Resource.id == old_id)
            .values(current=False, superseded_by=new_id)
        )

    def history(self, patient_id: int, rtype: str, rid: str) -> list[StoredResource]:
        q = (
            select(Resource)
            .where(Resource.patient_id == patient_id, Resource.rtype == rtype, Resource.rid == rid)
            .order_by(Resource.version)
        )
        return [_stored(r) for r in self.s.scalars(q)]

    def count(self, patient_id: int | None = None, *, current_only: bool = False) -> int:
        q = select(func.count()).select_from(Resource)
        if patient_id is not None:
            q = q.where(Resource.patient_id == patient_id)
        if current_only:
            q = q.where(Resource.current.is_(True))
        return int(self.s.scalar(q) or 0)


def _state_record(row: PatientState) -> StateRecord:
    return StateRecord(
        patient_id=row.patient_id,
        as_of=row.as_of,
        phase=row.phase,
        monitoring_until=row.monitoring_until,
        next_course_number=row.next_course_number,
        next_course_status=row.next_course_status,
        earliest_start=row.earliest_start,
        planned_start=row.planned_start,
        planned_end=row.planned_end,
        course_number=row.course_number,
        course_first_day=row.course_first_day,
        course_end=row.course_end,
        activity_after_course=row.activity_after_course,
        next_course_not_before=row.next_course_not_before,
        creatinine_baseline=row.creatinine_baseline,
        adherence_due=row.adherence_due,
        adherence_on_time=row.adherence_on_time,
        assessment=row.assessment,
        evaluated_at=row.evaluated_at,
    )


class SqlEvaluations:
    def __init__(self, session: Session) -> None:
        self.s = session

    def save(
        self,
        state: StateRecord,
        due: Sequence[DueRecord],
        labs: Sequence[LabPointRecord],
        adherence: Sequence[AdherenceItemRecord],
    ) -> None:
        pid = state.patient_id
        row = self.s.get(PatientState, pid)
        values = {
            "as_of": state.as_of,
            "phase": state.phase,
            "monitoring_until": state.monitoring_until,
            "next_course_number": state.next_course_number,
            "next_course_status": state.next_course_status,
            "earliest_start": state.earliest_start,
            "planned_start": state.planned_start,
            "planned_end": state.planned_end,
            "course_number": state.course_number,
            "course_first_day": state.course_first_day,
            "course_end": state.course_end,
            "activity_after_course": state.activity_after_course,
            "next_course_not_before": state.next_course_not_before,
            "creatinine_baseline": state.creatinine_baseline,
            "adherence_due": state.adherence_due,
            "adherence_on_time": state.adherence_on_time,
            "assessment": state.assessment,
            "evaluated_at": state.evaluated_at,
        }
        if row is None:
            self.s.add(PatientState(patient_id=pid, **values))
        else:
            for key, value in values.items():
                setattr(row, key, value)
        self.s.execute(delete(DueItem).where(DueItem.patient_id == pid))
        self.s.execute(delete(LabPoint).where(LabPoint.patient_id == pid))
        self.s.execute(delete(AdherenceItem).where(AdherenceItem.patient_id == pid))
        self.s.add_all(
            DueItem(patient_id=pid, item=d.item, due=d.due, rule=d.rule) for d in due
        )
        self.s.add_all(
            LabPoint(
                patient_id=pid,
                analyte=p.analyte,
                ref=p.ref,
                date=p.date,
                value=p.value,
                qual=p.qual,
                unit=p.unit,
                ref_low=p.ref_low,
                ref_high=p.ref_high,
            )
            for p in labs
        )
        self.s.add_all(
            AdherenceItem(patient_id=pid, item=a.item, due=a.due, on_time=a.on_time)
            for a in adherence
        )
        self.s.flush()

    def state(self, patient_id: int) -> StateRecord | None:
        row = self.s.get(PatientState, patient_id)
        return _state_record(row) if row else None

    def lab_points(self, patient_id: int) -> list[LabPointRecord]:
        q = (
            select(LabPoint)
            .where(LabPoint.patient_id == patient_id)
            .order_by(LabPoint.analyte, LabPoint.date, LabPoint.ref)
        )
        return [
            LabPointRecord(
                p.analyte, p.ref, p.date, p.value, p.qual, p.unit, p.ref_low, p.ref_high
            )
            for p in self.s.scalars(q)
        ]


def _alert_record(row: Alert, patient_name: str) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        patient_id=row.patient_id,
        patient_name=patient_name,
        rule=row.rule,
        severity=row.severity,
        severity_rank=row.severity_rank,
        summary=row.summary,
        actions=tuple(row.actions),
        evidence=tuple(row.evidence),
        source=row.source,
        status=row.status,
        opened_at=row.opened_at,
        last_seen_on=row.last_seen_on,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        acknowledge_note=row.acknowledge_note,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        resolve_note=row.resolve_note,
    )


class SqlAlerts:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _select(self) -> Any:
        return select(Alert, Patient.name).join(Patient, Patient.id == Alert.patient_id)

    def get(self, alert_id: int) -> AlertRecord | None:
        row = self.s.execute(self._select().where(Alert.id == alert_id)).first()
        return _alert_record(row[0], row[1]) if row else None

    def unresolved(self, patient_id: int) -> list[AlertRecord]:
        q = self._select().where(Alert.patient_id == patient_id, Alert.status.in_(_UNRESOLVED))
        return [_alert_record(a, n) for a, n in self.s.execute(q.order_by(Alert.id))]

    def _event(
        self, alert_id: int, action: str, actor: str, at: datetime, severity: str, note: str | None
    ) -> None:
        self.s.add(
            AlertEvent(
                alert_id=alert_id, at=at, actor=actor, action=action, severity=severity, note=note
            )
        )

    def open(self, patient_id: int, finding: FindingRecord, *, at: datetime, on: date) -> int:
        row = Alert(
            patient_id=patient_id,
            rule=finding.rule,
            severity=finding.severity,
            severity_rank=finding.severity_rank,
            summary=finding.summary,
            actions=list(finding.actions),
            evidence=list(finding.evidence),
            source=finding.source,
            status="open",
            opened_at=at,
            last_seen_on=on,
        )
        self.s.add(row)
        self.s.flush()
        self._event(row.id, "opened", "system", at, finding.severity, finding.summary)
        return row.id

    def refresh(
        self, alert_id: int, finding: FindingRecord, *, on: date, reopen: bool, at: datetime
    ) -> None:
        row = self.s.get(Alert, alert_id)
        if row is None:
            return
        changed = (row.severity, row.summary) != (finding.severity, finding.summary)
        escalated = finding.severity_rank > row.severity_rank
        row.severity = finding.severity
        row.severity_rank = finding.severity_rank
        row.summary = finding.summary
        row.actions = list(finding.actions)
        row.evidence = list(finding.evidence)
        row.source = finding.source
        row.last_seen_on = on
        if reopen:
            row.status = "open"
            row.acknowledged_by = row.acknowledged_at = row.acknowledge_note = None
            self._event(row.id, "reopened", "system", at, finding.severity, finding.summary)
        elif changed:
            action = "escalated" if escalated else "updated"
            self._event(row.id, action, "system", at, finding.severity, finding.summary)
        self.s.flush()

    def acknowledge(self, alert_id: int, *, actor: str, at: datetime, note: str) -> None:
        row = self.s.get(Alert, alert_id)
        if row is None:
            return
        row.status = "acknowledged"
        row.acknowledged_by, row.acknowledged_at, row.acknowledge_note = actor, at, note
        self._event(row.id, "acknowledged", actor, at, row.severity, note)
        self.s.flush()

    def resolve(self, alert_id: int, *, actor: str, at: datetime, note: str) -> None:
        row = self.s.get(Alert, alert_id)
        if row is None:
            return
        row.status = "resolved"
        row.resolved_by, row.resolved_at, row.resolve_note = actor, at, note
        self._event(row.id, "resolved", actor, at, row.severity, note)
        self.s.flush()

    def page(
        self,
        *,
        status: str | None,
        severity: str | None,
        patient_id: int | None,
        limit: int,
        offset: int,
    ) -> tuple[list[AlertRecord], int]:
        conds: list[ColumnElement[bool]] = []
        if status is not None:
            conds.append(Alert.status == status)
        if severity is not None:
            conds.append(Alert.severity == severity)
        if patient_id is not None:
            conds.append(Alert.patient_id == patient_id)
        total = int(self.s.scalar(select(func.count()).select_from(Alert).where(*conds)) or 0)
        q = (
            self._select()
            .where(*conds)
            .order_by(Alert.severity_rank.desc(), Alert.opened_at.desc(), Alert.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_alert_record(a, n) for a, n in self.s.execute(q)], total

    def for_patient(self, patient_id: int) -> list[AlertRecord]:
        q = (
            self._select()
            .where(Alert.patient_id == patient_id)
            .order_by(Alert.opened_at.desc(), Alert.id.desc())
        )
        return [_alert_record(a, n) for a, n in self.s.execute(q)]

    def events(self, alert_id: int) -> list[dict[str, Any]]:
        q = select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.id)
        return [
            {"at": e.at, "actor": e.actor, "action": e.action, "severity": e.severity,
             "note": e.note}
            for e in self.s.scalars(q)
        ]


class SqlImports:
    def __init__(self, session: Session) -> None:
        self.s = session

    def start(self, *, source: str, actor: str, at: datetime) -> int:
        row = ImportBatch(source=source, actor=actor, received_at=at, rejected=[])
        self.s.add(row)
        self.s.flush()
        return row.id

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
        self.s.execute(
            update(ImportBatch)
            .where(ImportBatch.id == batch_id)
            .values(
                patient_id=patient_id,
                received=received,
                stored=stored,
                unchanged=unchanged,
                superseded=superseded,
                rejected=[{"ref": r.ref, "reason": r.reason} for r in rejected],
                rejected_count=rejected_count,
            )
        )

    def count(self) -> int:
        return int(self.s.scalar(select(func.count()).select_from(ImportBatch)) or 0)


def _days_before(day: date, days: int) -> date:
    return date.fromordinal(day.toordinal() - days)


class SqlViews:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- patient lists ----------------------------------------------------------------------

    def _summary_select(self, today: date) -> Any:
        overdue_before = _days_before(today, _OVERDUE_AFTER_DAYS)
        open_count = (
            select(func.count())
            .where(Alert.patient_id == Patient.id, Alert.status == "open")
            .correlate(Patient)
            .scalar_subquery()
        )
        top_rank = (
            select(func.max(Alert.severity_rank))
            .where(Alert.patient_id == Patient.id, Alert.status == "open")
            .correlate(Patient)
            .scalar_subquery()
        )
        overdue_count = (
            select(func.count())
            .where(DueItem.patient_id == Patient.id, DueItem.due < overdue_before)
            .correlate(Patient)
            .scalar_subquery()
        )
        return select(
            Patient.id,
            Patient.fhir_id,
            Patient.name,
            Patient.sex,
            Patient.birth_date,
            PatientState.phase,
            PatientState.monitoring_until,
            PatientState.next_course_number,
            PatientState.next_course_status,
            PatientState.earliest_start,
            PatientState.planned_start,
            open_count.label("open_alerts"),
            top_rank.label("top_rank"),
            overdue_count.label("overdue"),
            PatientState.as_of,
        ).outerjoin(PatientState, PatientState.patient_id == Patient.id)

    @staticmethod
    def _summary(row: Any) -> SummaryRecord:
        return SummaryRecord(
            id=row.id,
            fhir_id=row.fhir_id,
            name=row.name,
            sex=row.sex,
            birth_date=row.birth_date,
            phase=row.phase,
            monitoring_until=row.monitoring_until,
            next_course_number=row.next_course_number,
            next_course_status=row.next_course_status,
            earliest_start=row.earliest_start,
            planned_start=row.planned_start,
            open_alerts=int(row.open_alerts or 0),
            top_severity=_SEVERITY_BY_RANK.get(row.top_rank) if row.top_rank is not None else None,
            overdue=int(row.overdue or 0),
            evaluated_on=row.as_of,
        )

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
    ) -> tuple[list[SummaryRecord], int]:
        conds: list[ColumnElement[bool]] = []
        if query:
            pattern = f"%{_escape_like(query.strip().lower())}%"
            conds.append(
                or_(
                    func.lower(Patient.name).like(pattern, escape="\\"),
                    func.lower(Patient.fhir_id).like(pattern, escape="\\"),
                )
            )
        if phase is not None:
            conds.append(PatientState.phase == phase)
        if overdue is not None:
            has_overdue = exists().where(
                DueItem.patient_id == Patient.id,
                DueItem.due < _days_before(today, _OVERDUE_AFTER_DAYS),
            )
            conds.append(has_overdue if overdue else ~has_overdue)
        if open_alerts is not None:
            has_open = exists().where(Alert.patient_id == Patient.id, Alert.status == "open")
            conds.append(has_open if open_alerts else ~has_open)
        count_q = (
            select(func.count())
            .select_from(Patient)
            .outerjoin(PatientState, PatientState.patient_id == Patient.id)
            .where(*conds)
        )
        total = int(self.s.scalar(count_q) or 0)
        q = (
            self._summary_select(today)
            .where(*conds)
            .order_by(func.lower(Patient.name), Patient.id)
            .limit(limit)
            .offset(offset)
        )
        return [self._summary(r) for r in self.s.execute(q)], total

    def summary(self, patient_id: int, *, today: date) -> SummaryRecord | None:
        row = self.s.execute(self._summary_select(today).where(Patient.id == patient_id)).first()
        return self._summary(row) if row else None

    # -- worklist ---------------------------------------------------------------------------

    def infusion_slots(self, day: date) -> list[SlotRow]:
        given = (
            exists()
            .where(
                Resource.patient_id == Patient.id,
                Resource.rtype == "MedicationAdministration",
                Resource.current.is_(True),
                Resource.status == "completed",
                Resource.effective == day,
            )
            .correlate(Patient)
        )
        planned = (
            select(
                Patient.id,
                Patient.name,
                PatientState.next_course_number.label("course"),
                PatientState.planned_start.label("first_day"),
                given.label("given"),
            )
            .join(PatientState, PatientState.patient_id == Patient.id)
            .where(PatientState.planned_start <= day, PatientState.planned_end >= day)
        )
        running = (
            select(
                Patient.id,
                Patient.name,
                PatientState.course_number.label("course"),
                PatientState.course_first_day.label("first_day"),
                given.label("given"),
            )
            .join(PatientState, PatientState.patient_id == Patient.id)
            .where(
                PatientState.course_first_day <= day,
                PatientState.course_end >= day,
                # a plan covering the day wins (it is the same visit)
                or_(
                    PatientState.planned_start.is_(None),
                    PatientState.planned_start > day,
                    PatientState.planned_end < day,
                ),
            )
        )
        rows: list[SlotRow] = []
        for q in (planned, running):
            for r in self.s.execute(q):
                rows.append(SlotRow(r.id, r.name, int(r.course), r.first_day, bool(r.given)))
        return sorted(rows, key=lambda r: (r.patient_name.lower(), r.patient_id))

    def due_items(self, *, from_day: date | None, to_day: date | None) -> list[DueRow]:
        conds: list[ColumnElement[bool]] = []
        if from_day is not None:
            conds.append(DueItem.due >= from_day)
        if to_day is not None:
            conds.append(DueItem.due <= to_day)
        q = (
            select(DueItem.patient_id, Patient.name, DueItem.item, DueItem.due, DueItem.rule)
            .join(Patient, Patient.id == DueItem.patient_id)
            .where(*conds)
            .order_by(DueItem.due, func.lower(Patient.name), DueItem.patient_id, DueItem.item)
        )
        return [DueRow(r[0], r[1], r[2], r[3], r[4]) for r in self.s.execute(q)]

    def decisions(self, *, course2_by: date) -> list[DecisionRow]:
        course2 = and_(
            PatientState.next_course_number == 2,
            PatientState.phase == "monitoring",
            PatientState.next_course_status.in_(("ready", "blocked", "on-hold")),
            PatientState.next_course_not_before <= course2_by,
        )
        retreat = and_(
            PatientState.next_course_number >= 3,
            PatientState.next_course_status.in_(("ready", "on-hold")),
            PatientState.activity_after_course.is_(True),
        )
        q = (
            select(
                Patient.id,
                Patient.name,
                PatientState.next_course_number,
                PatientState.next_course_status,
                PatientState.earliest_start,
            )
            .join(PatientState, PatientState.patient_id == Patient.id)
            .where(or_(course2, retreat))
            .order_by(PatientState.earliest_start, func.lower(Patient.name), Patient.id)
        )
        return [DecisionRow(r[0], r[1], r[2], r[3], r[4]) for r in self.s.execute(q)]

    def adherence(self, patient_id: int | None) -> AdherenceTotals:
        q = select(
            AdherenceItem.item, func.sum(AdherenceItem.due), func.sum(AdherenceItem.on_time)
        ).group_by(AdherenceItem.item)
        if patient_id is not None:
            q = q.where(AdherenceItem.patient_id == patient_id)
        by_item = {r[0]: (int(r[1] or 0), int(r[2] or 0)) for r in self.s.execute(q)}
        due = sum(d for d, _ in by_item.values())
        on_time = sum(o for _, o in by_item.values())
        return AdherenceTotals(due, on_time, dict(sorted(by_item.items())))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _utcnow() -> datetime:
    return datetime.now(UTC)
