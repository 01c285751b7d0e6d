"""The clinic's use cases: the one object the REST API, the web UI and the CLI talk to.

``Clinic`` depends on the store's ports (``alemtrack.store.ports``: a unit-of-work factory) and a
clock, never on SQLAlchemy. Every change of a patient's facts re-evaluates that patient with the
protocol core and persists the assessment, its due items and its alerts.

Facts are kept as FHIR R4 resources (imported or generated from the forms) so there is one road
from data to facts: ``interop.fhir.read_bundle``. The worklist, patient lists and adherence are
computed in the database from what each evaluation persisted (set-based, never by loading every
patient).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from alemtrack.errors import Conflict, FieldError, NotFound, ValidationError
from alemtrack.interop.fhir import BundleReading, read_bundle
from alemtrack.protocol.context import Context, build_context, interval_until
from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import Analyte, PatientFacts
from alemtrack.protocol.parameters import PROFILES, Parameters
from alemtrack.protocol.plan import REGIMENS, CoursePlan
from alemtrack.protocol.plan import plan_course as protocol_plan_course
from alemtrack.protocol.rules import FAMILIES
from alemtrack.protocol.rules.monitoring import adherence as monitoring_adherence
from alemtrack.protocol.rules.selection import retreatment_activity
from alemtrack.store.ports import (
    AdherenceItemRecord,
    AlertRecord,
    DueRecord,
    FindingRecord,
    LabPointRecord,
    NewResource,
    PatientRecord,
    RejectedRecord,
    StateRecord,
    StoredResource,
    SummaryRecord,
    UnitOfWork,
    UnitOfWorkFactory,
)

from . import forms
from .audit import AuditRecorder
from .model import (
    SEVERITIES,
    Adherence,
    AlertStatus,
    AlertView,
    DecisionView,
    DueView,
    ImportReport,
    InfusionEntry,
    InfusionSlot,
    LabEntry,
    LabPoint,
    MriEntry,
    Page,
    PatientDetail,
    PatientSummary,
    RejectedItem,
    Severity,
    TimelineEvent,
    Worklist,
)
from .retry import retry_concurrent

Clock = Callable[[], date]


class Clinic:
    """Use cases of the clinic application. ``actor`` is who does it (a user name).

    ``uow`` makes one unit of work (transaction) per use case; ``clock`` gives today's date
    (evaluations run ``as_of`` it); ``now`` gives the timestamps of the alert lifecycle.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Clock = date.today,
        params: Parameters | None = None,
        now: Callable[[], datetime] | None = None,
        on_close: Callable[[], None] | None = None,
        audit: AuditRecorder | None = None,
    ) -> None:
        self._uow = uow
        # The audit trail on the same database (bootstrap builds it; None for a bare Clinic).
        self.audit = audit
        self._clock = clock
        self._params = params or PROFILES["eu"]
        self._now = now or (lambda: datetime.now(UTC))
        self._on_close = on_close

    def today(self) -> date:
        """The clinic's date: what "today" means for worklists and new entries (the clock is
        fixed in tests and in the demo)."""
        return self._clock()

    def close(self) -> None:
        """Release the database connections (the engine's pool); call at shutdown."""
        if self._on_close is not None:
            self._on_close()

    @property
    def units_of_work(self) -> UnitOfWorkFactory:
        """The unit-of-work factory: sibling services (accounts) share the database."""
        return self._uow

    @contextmanager
    def _work(self) -> Iterator[UnitOfWork]:
        with self._uow() as uow:
            yield uow

    # -- records in --------------------------------------------------------------------------
    def import_bundle(self, bundle: Mapping[str, Any], *, source: str, actor: str) -> ImportReport:
        """Store a FHIR R4 Bundle of one patient idempotently (the same resource twice is stored
        once; amended/corrected supersede), keep an import ledger entry, re-evaluate."""
        reading = read_bundle(bundle)  # unusable bundle: FhirInputError, nothing stored
        entries = _bundle_entries(bundle)
        now = self._now()
        # Two imports of the same new patient or resource at once: the database lets one
        # commit and the other's unit of work is rolled back (ConcurrentWrite); run it again,
        # it then finds what the first stored (unchanged) and the ledger counts it once.
        return retry_concurrent(
            lambda: self._import_once(reading, entries, source=source, actor=actor, now=now))

    def _import_once(
        self, reading: BundleReading, entries: list[_Entry], *, source: str, actor: str,
        now: datetime,
    ) -> ImportReport:
        """One attempt of ``import_bundle``: one unit of work."""
        rejected_refs = {e.resource for e in reading.rejected}
        # Ledger: every received entry ends in exactly one of stored, unchanged (identical,
        # older than stored, or an older version beside its latest in this bundle) or refused.
        # Entries without a resourceType are rejected by the reader and never become _Entry.
        malformed = sum(1 for e in reading.rejected if e.resource.startswith("Bundle.entry["))
        latest = _latest_versions(entries)
        patient_entry = next(e for e in entries if e.rtype == "Patient")
        fhir_id = patient_entry.rid
        name = _patient_name(patient_entry.body, fhir_id)
        with self._work() as uow:
            batch_id = uow.imports.start(source=source, actor=actor, at=now)
            patient = uow.patients.by_fhir_id(fhir_id)
            sex, birth = reading.facts.sex.value, reading.facts.birth_date
            if patient is None:
                patient = uow.patients.add(fhir_id, name, sex, birth)
            else:
                # Also locks the patient's row (PostgreSQL) until commit: imports of one known
                # patient run one after the other and each evaluates what the previous stored.
                uow.patients.update(patient.id, name, sex, birth)
            keep = [e for e in latest if e.ref not in rejected_refs or e.rtype == "Patient"]
            had_resources = uow.resources.count(patient.id, current_only=True) > 0
            counts = self._store(uow, patient.id, keep, source, batch_id, now)
            counts.unchanged += len(entries) - len(latest)
            refused = len(latest) - len(keep) + malformed
            received = len(entries) + malformed
            rejected = [RejectedRecord(e.resource, str(e)) for e in reading.rejected]
            uow.imports.finish(
                batch_id,
                patient_id=patient.id,
                received=received,
                stored=counts.stored,
                unchanged=counts.unchanged,
                superseded=counts.superseded,
                rejected=rejected,
                rejected_count=refused,
            )
            if counts.stored or uow.evaluations.state(patient.id) is None:
                # A new patient's stored resources are exactly what was just read: reuse it.
                self._evaluate(uow, patient.id, self._clock(),
                               None if had_resources else reading)
            uow.commit()
        return ImportReport(
            batch_id=batch_id,
            received=received,
            stored=counts.stored,
            unchanged=counts.unchanged,
            superseded=counts.superseded,
            rejected=tuple(RejectedItem(r.ref, r.reason) for r in rejected),
            patient_id=patient.id,
            rejected_count=refused,
            notes=reading.notes,
        )

    def _store(
        self,
        uow: UnitOfWork,
        patient_id: int,
        entries: Sequence[_Entry],
        source: str,
        batch_id: int | None,
        now: datetime,
    ) -> _Counts:
        """Store each resource unless identical to (or older than) its stored version; a
        changed resource supersedes its stored version, an amended/corrected Observation every
        current Observation with the same business identifier."""
        counts = _Counts()
        stored = uow.resources.current(patient_id)
        by_ref = {(r.rtype, r.rid): r for r in stored}
        by_identifier: dict[str, list[StoredResource]] = {}
        for r in stored:
            if r.rtype == "Observation" and r.identifier_key:
                by_identifier.setdefault(r.identifier_key, []).append(r)
        new: list[NewResource] = []
        replaced: dict[int, int] = {}  # stored id -> index in ``new``
        for entry in entries:
            digest = _hash(entry.body)
            current = by_ref.get((entry.rtype, entry.rid))
            if current is not None and (
                current.content_hash == digest or _older(entry.meta_version, current.meta_version)
            ):
                counts.unchanged += 1
                continue
            if current is not None:
                replaced[current.id] = len(new)
            if (
                entry.rtype == "Observation"
                and entry.status in ("amended", "corrected")
                and entry.identifier_key
            ):
                for other in by_identifier.get(entry.identifier_key, []):
                    if other.rid != entry.rid:
                        replaced.setdefault(other.id, len(new))
            new.append(NewResource(
                patient_id=patient_id,
                rtype=entry.rtype,
                rid=entry.rid,
                full_url=entry.full_url,
                version=current.version + 1 if current else 1,
                meta_version=entry.meta_version,
                identifier_key=entry.identifier_key,
                status=entry.status,
                effective=entry.effective,
                body=entry.body,
                content_hash=digest,
                source=source,
                batch_id=batch_id,
                received_at=now,
            ))
        # Retire the stored versions first: the database keeps one current version per
        # resource at every statement (migration 0007); the links follow the new ids.
        uow.resources.retire(list(replaced))
        ids = uow.resources.add_many(new) if new else []
        for old_id, index in replaced.items():
            uow.resources.supersede(old_id, ids[index])
        counts.stored, counts.superseded = len(new), len(replaced)
        return counts

    def _record(
        self, patient_id: int, build: Callable[[str, date], Sequence[dict[str, Any]]],
        *, field: str, actor: str,
    ) -> PatientSummary:
        """Store resources built from a form entry, then re-evaluate the patient."""
        today = self._clock()
        with self._work() as uow:
            patient = self._patient_or_404(uow, patient_id)
            patient_ref = f"Patient/{patient.fhir_id}"
            resources = list(build(patient_ref, today))
            stub = {"resourceType": "Patient", "id": patient.fhir_id}
            forms.check_readable(stub, resources, field)
            self._store(uow, patient_id, [_entry_of(body, None) for body in resources],
                        f"form:{actor}", None, self._now())
            self._evaluate(uow, patient_id, today)
            summary = uow.views.summary(patient_id, today=today)
            uow.commit()
        assert summary is not None
        return _summary(summary)

    def enter_lab_result(self, patient_id: int, entry: LabEntry, *, actor: str) -> PatientSummary:
        """Validate (LOINC known, unit convertible, value plausible: else ValidationError naming
        the field), store as an Observation, re-evaluate."""
        return self._record(
            patient_id, lambda ref, today: [forms.lab_observation(ref, entry, today)],
            field="value", actor=actor,
        )

    def record_infusion_day(
        self, patient_id: int, entry: InfusionEntry, *, actor: str
    ) -> PatientSummary:
        """One alemtuzumab infusion day: MedicationAdministration (dose, lot), the vital signs
        and the infusion reaction (grade, rate at stop, what was done)."""
        return self._record(
            patient_id, lambda ref, today: forms.infusion_resources(ref, entry, today),
            field="on", actor=actor,
        )

    def record_relapse(
        self, patient_id: int, onset: date, *, disabling: bool, actor: str
    ) -> PatientSummary:
        """An MS relapse with its onset date."""
        return self._record(
            patient_id,
            lambda ref, today: [forms.relapse_observation(ref, onset, disabling, today)],
            field="onset", actor=actor,
        )

    def record_edss(self, patient_id: int, on: date, value: float, *, actor: str) -> PatientSummary:
        """An EDSS score (0-10 in steps of 0.5)."""
        return self._record(
            patient_id, lambda ref, today: [forms.edss_observation(ref, on, value, today)],
            field="value", actor=actor,
        )

    def record_mri(self, patient_id: int, entry: MriEntry, *, actor: str) -> PatientSummary:
        """A brain MRI report (Gd-enhancing and new/enlarging T2 lesions, PML signs)."""
        return self._record(
            patient_id, lambda ref, today: [forms.mri_observation(ref, entry, today)],
            field="on", actor=actor,
        )

    def record_vaccination(
        self, patient_id: int, on: date, cvx: str, *, actor: str
    ) -> PatientSummary:
        """A vaccination given (CVX code)."""
        return self._record(
            patient_id, lambda ref, today: [forms.immunization(ref, on, cvx, today)],
            field="cvx", actor=actor,
        )

    def record_checklist(
        self, patient_id: int, on: date, answers: Mapping[str, bool], *, actor: str
    ) -> PatientSummary:
        """Fig 4 answers keyed by linkId (facts.ChecklistItem values)."""
        return self._record(
            patient_id,
            lambda ref, today: [forms.checklist_response(ref, on, answers, today)],
            field="answers", actor=actor,
        )

    # -- evaluation and alerts ---------------------------------------------------------------
    def evaluate(self, patient_id: int, *, as_of: date | None = None) -> PatientSummary:
        """Re-evaluate one patient on ``as_of`` (default today) and persist the result."""
        day = as_of or self._clock()
        with self._work() as uow:
            self._patient_or_404(uow, patient_id)
            self._evaluate(uow, patient_id, day)
            summary = uow.views.summary(patient_id, today=self._clock())
            uow.commit()
        assert summary is not None
        return _summary(summary)

    def evaluate_all(self, *, as_of: date | None = None) -> int:
        """Re-evaluate every patient (one transaction each); returns how many."""
        day = as_of or self._clock()
        done, after = 0, 0
        while True:
            with self._work() as uow:
                ids = uow.patients.ids(after=after, limit=200)
            if not ids:
                return done
            for pid in ids:
                with self._work() as uow:
                    self._evaluate(uow, pid, day)
                    uow.commit()
                done += 1
            after = ids[-1]

    def _evaluate(
        self, uow: UnitOfWork, patient_id: int, as_of: date, reading: BundleReading | None = None
    ) -> Assessment:
        """Facts from the stored resources -> assessment -> persisted state, due items, lab
        points, adherence and alerts (lifecycle)."""
        reading = reading or _read(uow.resources.current(patient_id))
        ctx = build_context(reading.facts, as_of, self._params)
        outputs = [out for family in FAMILIES for out in family.evaluate(ctx)]
        assessment = assemble(ctx, outputs)
        data = assessment.to_dict()
        by_item = monitoring_adherence(ctx)
        adherence_due = sum(d for d, _ in by_item.values())
        adherence_on_time = sum(o for _, o in by_item.values())
        now = self._now()
        uow.evaluations.save(
            _state(patient_id, ctx, assessment, data, adherence_due, adherence_on_time, now),
            [DueRecord(d.item, d.due, d.rule) for d in assessment.due],
            [
                LabPointRecord(
                    analyte=lab.analyte.value,
                    ref=lab.ref,
                    date=lab.date,
                    value=lab.value,
                    qual=lab.qual.value if lab.qual else None,
                    unit=lab.unit,
                    ref_low=lab.ref_low,
                    ref_high=lab.ref_high,
                )
                for lab in sorted(ctx.facts.labs, key=lambda r: (r.analyte.value, r.date, r.ref))
            ],
            [AdherenceItemRecord(item, d, o) for item, (d, o) in by_item.items()],
        )
        self._sync_alerts(uow, patient_id, data, as_of, now)
        return assessment

    def _sync_alerts(
        self, uow: UnitOfWork, patient_id: int, data: dict[str, Any], as_of: date, now: datetime
    ) -> None:
        """A finding that fires opens an alert or refreshes the unresolved one of its rule (an
        escalation reopens an acknowledged alert); an alert whose finding stopped firing is
        resolved by "system"."""
        existing = {a.rule: a for a in uow.alerts.unresolved(patient_id)}
        firing: set[str] = set()
        for f in data["findings"]:
            finding = FindingRecord(
                rule=f["rule"],
                severity=f["severity"],
                severity_rank=_RANK[f["severity"]],
                summary=f["summary"],
                actions=tuple(f["actions"]),
                evidence=tuple(f["evidence"]),
                source=f["source"],
            )
            firing.add(finding.rule)
            alert = existing.get(finding.rule)
            if alert is None:
                uow.alerts.open(patient_id, finding, at=now, on=as_of)
            else:
                reopen = alert.status == "acknowledged" and (
                    finding.severity_rank > alert.severity_rank
                )
                uow.alerts.refresh(alert.id, finding, on=as_of, reopen=reopen, at=now)
        for rule, alert in existing.items():
            if rule not in firing:
                uow.alerts.resolve(
                    alert.id, actor="system", at=now,
                    note=f"finding no longer fires on {as_of.isoformat()}",
                )

    def alerts(
        self,
        *,
        status: AlertStatus | None = "open",
        severity: Severity | None = None,
        patient_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[AlertView]:
        """Alerts, most severe first, then newest."""
        _check_page(limit, offset)
        with self._work() as uow:
            rows, total = uow.alerts.page(
                status=status, severity=severity, patient_id=patient_id, limit=limit,
                offset=offset,
            )
        return Page(tuple(_alert(r) for r in rows), total, limit, offset)

    def acknowledge_alert(self, alert_id: int, *, actor: str, note: str,
                          patient_id: int | None = None) -> AlertView:
        """open -> acknowledged (who, when, note); Conflict from any other status.
        ``patient_id``: the alert must be that patient's (NotFound otherwise), so an id in a
        patient's URL never reaches another patient's alert."""
        _require_actor(actor)
        with self._work() as uow:
            alert = self._alert_or_404(uow, alert_id, patient_id)
            if alert.status != "open":
                raise Conflict(f"alert {alert_id} is {alert.status}; only an open alert can be "
                               "acknowledged")
            uow.alerts.acknowledge(alert_id, actor=actor, at=self._now(), note=note)
            updated = self._alert_or_404(uow, alert_id)
            uow.commit()
        return _alert(updated)

    def resolve_alert(self, alert_id: int, *, actor: str, note: str,
                      patient_id: int | None = None) -> AlertView:
        """open or acknowledged -> resolved (who, when, note); Conflict when already resolved.
        ``patient_id`` as for ``acknowledge_alert``."""
        _require_actor(actor)
        with self._work() as uow:
            alert = self._alert_or_404(uow, alert_id, patient_id)
            if alert.status == "resolved":
                raise Conflict(f"alert {alert_id} is already resolved")
            uow.alerts.resolve(alert_id, actor=actor, at=self._now(), note=note)
            updated = self._alert_or_404(uow, alert_id)
            uow.commit()
        return _alert(updated)

    # -- views -------------------------------------------------------------------------------
    def list_patients(
        self,
        *,
        query: str | None = None,
        phase: str | None = None,
        overdue: bool | None = None,
        open_alerts: bool | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> Page[PatientSummary]:
        """Patients by name; ``query`` matches the name or the FHIR id (case-insensitive)."""
        _check_page(limit, offset)
        with self._work() as uow:
            rows, total = uow.views.summaries(
                today=self._clock(), query=query, phase=phase, overdue=overdue,
                open_alerts=open_alerts, limit=limit, offset=offset,
            )
        return Page(tuple(_summary(r) for r in rows), total, limit, offset)

    def patient(self, patient_id: int) -> PatientDetail:
        """Everything the patient page shows."""
        with self._work() as uow:
            self._patient_or_404(uow, patient_id)
            summary = uow.views.summary(patient_id, today=self._clock())
            state = uow.evaluations.state(patient_id)
            points = uow.evaluations.lab_points(patient_id)
            alerts = uow.alerts.for_patient(patient_id)
            facts = _read(uow.resources.current(patient_id)).facts
        assert summary is not None
        labs: dict[str, list[LabPoint]] = {}
        for p in sorted(points, key=lambda p: (p.date, p.ref)):
            labs.setdefault(p.analyte, []).append(
                LabPoint(p.ref, p.date, p.value, p.qual, p.unit, p.ref_low, p.ref_high)
            )
        assessment = state.assessment if state else {}
        return PatientDetail(
            summary=_summary(summary),
            assessment=assessment,
            labs={k: tuple(v) for k, v in labs.items()},
            creatinine_baseline=state.creatinine_baseline if state else None,
            alerts=tuple(_alert(a) for a in alerts),
            timeline=_timeline(facts, assessment, alerts),
        )

    def patient_resource(
        self, fhir_id: str
    ) -> tuple[int, str, dict[str, Any], str | None] | None:
        """The patient whose FHIR id is ``fhir_id``: (alemtrack id, name, the stored Patient
        resource, its fullUrl), or None when not followed here. Lab feeds send their results
        with this resource unchanged, so an import never touches the demographics."""
        with self._work() as uow:
            patient = uow.patients.by_fhir_id(fhir_id)
            if patient is None:
                return None
            stored = [r for r in uow.resources.current(patient.id) if r.rtype == "Patient"]
        if not stored:
            return None
        return patient.id, patient.name, dict(stored[0].body), stored[0].full_url

    def facts(self, patient_id: int) -> PatientFacts:
        """The patient's facts, read from the stored resources."""
        with self._work() as uow:
            self._patient_or_404(uow, patient_id)
            return _read(uow.resources.current(patient_id)).facts

    def records(self, patient_id: int) -> tuple[dict[str, Any], ...]:
        """The patient's current FHIR resources as stored, Patient first, as Bundle entries
        (``resource``, and ``fullUrl`` when it came with one): what exports start from."""
        with self._work() as uow:
            self._patient_or_404(uow, patient_id)
            resources = uow.resources.current(patient_id)
        out = []
        for r in sorted(resources, key=lambda r: (r.rtype != "Patient", r.id)):
            entry: dict[str, Any] = {"resource": r.body}
            if r.full_url:
                entry["fullUrl"] = r.full_url
            out.append(entry)
        return tuple(out)

    def assess(
        self, patient_id: int, *, as_of: date | None = None
    ) -> tuple[PatientFacts, Assessment]:
        """Facts and assessment on ``as_of`` (default today) under the clinic's profile,
        computed now and not persisted (exports, decision support)."""
        facts = self.facts(patient_id)
        ctx = build_context(facts, as_of or self._clock(), self._params)
        outputs = [out for family in FAMILIES for out in family.evaluate(ctx)]
        return facts, assemble(ctx, outputs)

    def now(self) -> datetime:
        """The clinic's current time (UTC; fixed in tests): when an export was made."""
        return self._now()

    def worklist(self, day: date | None = None) -> Worklist:
        """The day's work, computed in the database from the persisted evaluations."""
        day = day or self._clock()
        with self._work() as uow:
            slots = uow.views.infusion_slots(day)
            overdue = uow.views.due_items(from_day=None, to_day=day - timedelta(days=8))
            due = uow.views.due_items(from_day=day - timedelta(days=7),
                                      to_day=day + timedelta(days=7))
            open_alerts, _ = uow.alerts.page(
                status="open", severity=None, patient_id=None, limit=100_000, offset=0
            )
            decisions = uow.views.decisions(course2_by=day + timedelta(days=30))
        by_severity: dict[str, list[AlertView]] = {s: [] for s in SEVERITIES}
        for a in open_alerts:
            by_severity[a.severity].append(_alert(a))
        return Worklist(
            day=day,
            infusions=tuple(
                InfusionSlot(s.patient_id, s.patient_name, s.course_number,
                             (day - s.first_day).days + 1, day,
                             "given" if s.given_on_day else "planned")
                for s in slots
            ),
            overdue=tuple(DueView(d.patient_id, d.patient_name, d.item, d.due, "overdue", d.rule)
                          for d in overdue),
            due=tuple(DueView(d.patient_id, d.patient_name, d.item, d.due, "due", d.rule)
                      for d in due),
            alerts={s: tuple(v) for s, v in by_severity.items()},
            decisions=tuple(
                DecisionView(
                    d.patient_id, d.patient_name,
                    "course-2-due" if d.next_course_number == 2 else "retreatment-to-consider",
                    d.next_course_number, d.status, d.earliest_start,
                )
                for d in decisions
            ),
        )

    def adherence(self, *, patient_id: int | None = None, as_of: date | None = None) -> Adherence:
        """R-M1 adherence: slots due vs filled within their window. From the persisted
        evaluations (summed in SQL for the clinic); a patient with ``as_of`` is computed from
        the facts on that date."""
        with self._work() as uow:
            if patient_id is not None:
                self._patient_or_404(uow, patient_id)
                if as_of is not None:
                    reading = _read(uow.resources.current(patient_id))
                    by_item = monitoring_adherence(
                        build_context(reading.facts, as_of, self._params)
                    )
                    return Adherence(
                        patient_id,
                        sum(d for d, _ in by_item.values()),
                        sum(o for _, o in by_item.values()),
                        dict(sorted(by_item.items())),
                    )
            totals = uow.views.adherence(patient_id)
        return Adherence(patient_id, totals.due, totals.on_time, totals.by_item)

    def plan_course(
        self, patient_id: int, start: date, start_time: time, *, regimen: str | None = None
    ) -> CoursePlan:
        """The infusion-day plan of the patient's next course (interfaces.md §3)."""
        if regimen is not None and regimen not in REGIMENS:
            raise ValidationError([FieldError("regimen", f"{regimen!r} is not one of "
                                              f"{', '.join(REGIMENS)}")])
        facts = self.facts(patient_id)
        return protocol_plan_course(
            facts, start, start_time, regimen=regimen, params=self._params
        )

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def _patient_or_404(uow: UnitOfWork, patient_id: int) -> PatientRecord:
        patient = uow.patients.get(patient_id)
        if patient is None:
            raise NotFound(f"no patient {patient_id}")
        return patient

    @staticmethod
    def _alert_or_404(uow: UnitOfWork, alert_id: int,
                      patient_id: int | None = None) -> AlertRecord:
        alert = uow.alerts.get(alert_id)
        if alert is None or (patient_id is not None and alert.patient_id != patient_id):
            raise NotFound(f"no alert {alert_id}" + (
                f" for patient {patient_id}" if patient_id is not None else ""))
        return alert


# ---- module helpers ---------------------------------------------------------------------------

_RANK = {"critical": 4, "urgent": 3, "warn": 2, "routine": 1, "info": 0}


@dataclass(slots=True)
class _Counts:
    stored: int = 0
    unchanged: int = 0
    superseded: int = 0


@dataclass(frozen=True, slots=True)
class _Entry:
    """One resource of a bundle, with what the store indexes."""

    rtype: str
    rid: str
    full_url: str | None
    body: dict[str, Any]
    index: int

    @property
    def ref(self) -> str:
        """The reader's name for it (what its rejections say): exactly as the reader builds
        it, so that a rejected resource is never stored under another name."""
        rid = self.body.get("id")
        if isinstance(rid, str) and rid.strip():
            return f"{self.rtype}/{rid}"
        full_url = self.full_url if self.full_url and self.full_url.strip() else None
        return full_url or f"{self.rtype}/entry{self.index}"

    @property
    def meta_version(self) -> str | None:
        meta = self.body.get("meta")
        version = meta.get("versionId") if isinstance(meta, dict) else None
        return str(version) if version is not None else None

    @property
    def status(self) -> str | None:
        status = self.body.get("status")
        return status if isinstance(status, str) else None

    @property
    def identifier_key(self) -> str | None:
        idents = self.body.get("identifier")
        if self.rtype == "Patient" or not isinstance(idents, list):
            return None
        for ident in idents:
            if isinstance(ident, dict) and isinstance(ident.get("value"), str):
                return f"{ident.get('system') or ''}|{ident['value']}"[:400]
        return None

    @property
    def effective(self) -> date | None:
        b = self.body
        for value in (
            b.get("effectiveDateTime"),
            (b.get("effectivePeriod") or {}).get("start")
            if isinstance(b.get("effectivePeriod"), dict) else None,
            b.get("effectiveInstant"),
            b.get("occurrenceDateTime"),
            b.get("authored"),
            b.get("performedDateTime"),
        ):
            if isinstance(value, str) and len(value) >= 10:
                try:
                    return date.fromisoformat(value[:10])
                except ValueError:
                    return None
        return None


def _entry_of(body: dict[str, Any], full_url: str | None, index: int = 0) -> _Entry:
    rtype = str(body["resourceType"])
    rid = body.get("id")
    if not isinstance(rid, str) or not rid:
        # no id: the fullUrl names it, else its content (the same content is the same resource)
        rid = full_url or f"sha-{_hash(body)[:24]}"
    return _Entry(rtype, rid, full_url, dict(body), index)


def _bundle_entries(bundle: Mapping[str, Any]) -> list[_Entry]:
    out = []
    raw_entries = bundle.get("entry")
    for i, raw in enumerate(raw_entries if isinstance(raw_entries, list) else []):
        if not isinstance(raw, dict):
            continue
        res = raw.get("resource")
        search = raw.get("search")
        if not isinstance(res, dict) or not isinstance(res.get("resourceType"), str):
            continue
        if isinstance(search, dict) and search.get("mode") == "outcome":
            continue
        full_url = raw.get("fullUrl") if isinstance(raw.get("fullUrl"), str) else None
        out.append(_entry_of(res, full_url, i))
    return out


def _version_number(version: str | None) -> int | None:
    return int(version) if version is not None and version.isdigit() else None


def _older(incoming: str | None, stored: str | None) -> bool:
    """A resource sent again with a lower numeric ``meta.versionId`` than the stored one."""
    a, b = _version_number(incoming), _version_number(stored)
    return a is not None and b is not None and a < b


def _latest_versions(entries: Sequence[_Entry]) -> list[_Entry]:
    """Several versions of one resource in the bundle: the latest only (as the reader does)."""

    def key(e: _Entry) -> tuple[int, str, int]:
        meta = e.body.get("meta")
        updated = meta.get("lastUpdated") if isinstance(meta, dict) else None
        return (_version_number(e.meta_version) or -1, str(updated or ""), e.index)

    latest: dict[tuple[str, str], _Entry] = {}
    for e in entries:
        k = (e.rtype, e.rid)
        if k not in latest or key(e) > key(latest[k]):
            latest[k] = e
    return sorted(latest.values(), key=lambda e: e.index)


def _hash(body: Mapping[str, Any]) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _patient_name(body: Mapping[str, Any], fallback: str) -> str:
    names = body.get("name")
    if isinstance(names, list):
        for name in names:
            if not isinstance(name, dict):
                continue
            if isinstance(name.get("text"), str) and name["text"].strip():
                return str(name["text"]).strip()
            given = [g for g in name.get("given") or [] if isinstance(g, str)]
            family = name.get("family") if isinstance(name.get("family"), str) else None
            parts = [*given, *([family] if family else [])]
            if parts:
                return " ".join(parts)
    return fallback


def _read(resources: Sequence[StoredResource]) -> BundleReading:
    """The patient's facts: the current resources read as one collection Bundle."""
    entries: list[dict[str, Any]] = []
    for r in sorted(resources, key=lambda r: (r.rtype != "Patient", r.id)):
        entry: dict[str, Any] = {"resource": r.body}
        if r.full_url:
            entry["fullUrl"] = r.full_url
        entries.append(entry)
    return read_bundle({"resourceType": "Bundle", "type": "collection", "entry": entries})


def _state(
    patient_id: int,
    ctx: Context,
    assessment: Assessment,
    data: dict[str, Any],
    adherence_due: int,
    adherence_on_time: int,
    now: datetime,
) -> StateRecord:
    nxt = assessment.next_course
    course = ctx.last_course
    planned_end = (
        nxt.planned_start + timedelta(days=ctx.scheduled_days(nxt.number) - 1)
        if nxt.planned_start else None
    )
    course_end = (
        course.first_day + timedelta(days=ctx.scheduled_days(course.number) - 1)
        if course else None
    )
    # The protocol's own retreatment criteria (R-E3 via R-A1), not a looser local reading.
    activity = retreatment_activity(ctx)[2]
    baseline = ctx.baseline(Analyte.CREATININE)
    return StateRecord(
        patient_id=patient_id,
        as_of=assessment.as_of,
        phase=assessment.phase.value,
        monitoring_until=assessment.monitoring_until,
        next_course_number=nxt.number,
        next_course_status=nxt.status,
        earliest_start=nxt.earliest_start,
        planned_start=nxt.planned_start,
        planned_end=planned_end,
        course_number=course.number if course else None,
        course_first_day=course.first_day if course else None,
        course_end=course_end,
        activity_after_course=activity,
        next_course_not_before=interval_until(ctx),
        creatinine_baseline=baseline.value if baseline else None,
        adherence_due=adherence_due,
        adherence_on_time=adherence_on_time,
        assessment=data,
        evaluated_at=now,
    )


def _summary(r: SummaryRecord) -> PatientSummary:
    return PatientSummary(
        id=r.id,
        fhir_id=r.fhir_id,
        name=r.name,
        sex=r.sex,
        birth_date=r.birth_date,
        phase=r.phase,
        monitoring_until=r.monitoring_until,
        next_course_number=r.next_course_number,
        next_course_status=r.next_course_status,
        earliest_start=r.earliest_start,
        planned_start=r.planned_start,
        open_alerts=r.open_alerts,
        top_severity=cast(Severity | None, r.top_severity),
        overdue=r.overdue,
        evaluated_on=r.evaluated_on,
    )


def _alert(a: AlertRecord) -> AlertView:
    return AlertView(
        id=a.id,
        patient_id=a.patient_id,
        patient_name=a.patient_name,
        rule=a.rule,
        severity=cast(Severity, a.severity),
        summary=a.summary,
        actions=a.actions,
        evidence=a.evidence,
        source=a.source,
        status=cast(AlertStatus, a.status),
        opened_at=a.opened_at,
        last_seen_on=a.last_seen_on,
        acknowledged_by=a.acknowledged_by,
        acknowledged_at=a.acknowledged_at,
        acknowledge_note=a.acknowledge_note,
        resolved_by=a.resolved_by,
        resolved_at=a.resolved_at,
        resolve_note=a.resolve_note,
    )


def _timeline(
    facts: PatientFacts, assessment: dict[str, Any], alerts: Sequence[AlertRecord]
) -> tuple[TimelineEvent, ...]:
    """Courses, infusions, out-of-range labs, alerts and clinical events, newest first."""
    events: list[TimelineEvent] = []
    for c in assessment.get("courses", []):
        events.append(TimelineEvent(
            date.fromisoformat(c["first_day"]), "course",
            f"Course {c['number']}: {c['days_given']} infusion day(s), "
            f"{c['first_day']} to {c['last_day']}"))
    for i in facts.infusions:
        dose = f"{i.dose_mg:g} mg" if i.dose_mg is not None else "dose not recorded"
        lot = f", lot {i.lot}" if i.lot else ""
        events.append(TimelineEvent(i.date, "infusion", f"Alemtuzumab {dose}{lot}"))
    for lab in facts.labs:
        low, high = lab.ref_low, lab.ref_high
        if lab.value is None or not (
            (low is not None and lab.value < low) or (high is not None and lab.value > high)
        ):
            continue
        events.append(TimelineEvent(
            lab.date, "lab", f"{lab.analyte.value} {lab.value:g} {lab.unit} (out of range)"))
    for a in alerts:
        events.append(TimelineEvent(
            a.opened_at.date(), "alert", f"{a.rule}: {a.summary} [{a.status}]",
            cast(Severity, a.severity)))
    for r in facts.relapses:
        events.append(TimelineEvent(
            r.onset, "relapse", "Relapse" + (" (disabling)" if r.disabling else "")))
    for m in facts.mri:
        events.append(TimelineEvent(
            m.date, "mri", f"Brain MRI: Gd+ {_count(m.gd_lesions)}, new/enlarging T2 "
            f"{_count(m.new_t2_lesions)}" + (", possible PML" if m.pml_signs else "")))
    for e in facts.edss:
        events.append(TimelineEvent(e.date, "edss", f"EDSS {e.value:g}"))
    for v in facts.vaccinations:
        events.append(TimelineEvent(
            v.date, "vaccination", f"Vaccination: {v.vaccine.value}" + (" (live)" if v.live
                                                                         else "")))
    for c in facts.checklists:
        yes = [a.item.value for a in c.answers if a.yes]
        events.append(TimelineEvent(
            c.date, "checklist",
            "Symptom checklist: " + (", ".join(yes) + " answered yes" if yes else "all no")))
    for reaction in facts.reactions:
        events.append(TimelineEvent(
            reaction.date, "reaction", f"Infusion reaction grade {reaction.grade}"))
    return tuple(sorted(events, key=lambda e: e.date, reverse=True))


def _count(n: int | None) -> str:
    return "not reported" if n is None else str(n)


def _check_page(limit: int, offset: int) -> None:
    errors = []
    if not 1 <= limit <= 1000:
        errors.append(FieldError("limit", "must be 1-1000"))
    if offset < 0:
        errors.append(FieldError("offset", "must be >= 0"))
    if errors:
        raise ValidationError(errors)


def _require_actor(actor: str) -> None:
    if not actor or not actor.strip():
        raise ValidationError([FieldError("actor", "is required: who does it")])
