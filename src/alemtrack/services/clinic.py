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

from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from alemtrack.protocol.facts import PatientFacts
from alemtrack.protocol.plan import CoursePlan

from .model import (
    Adherence,
    AlertStatus,
    AlertView,
    ImportReport,
    InfusionEntry,
    LabEntry,
    MriEntry,
    Page,
    PatientDetail,
    PatientSummary,
    Severity,
    Worklist,
)

Clock = Callable[[], date]


class Clinic:
    """Use cases of the clinic application. ``actor`` is who does it (a user name)."""

    # -- records in --------------------------------------------------------------------------
    def import_bundle(self, bundle: Mapping[str, Any], *, source: str, actor: str) -> ImportReport:
        """Store a FHIR R4 Bundle of one patient idempotently (the same resource twice is stored
        once; amended/corrected supersede), keep an import ledger entry, re-evaluate."""
        raise NotImplementedError

    def enter_lab_result(self, patient_id: int, entry: LabEntry, *, actor: str) -> PatientSummary:
        """Validate (LOINC known, unit convertible, value plausible: else ValidationError naming
        the field), store as an Observation, re-evaluate."""
        raise NotImplementedError

    def record_infusion_day(
        self, patient_id: int, entry: InfusionEntry, *, actor: str
    ) -> PatientSummary:
        raise NotImplementedError

    def record_relapse(
        self, patient_id: int, onset: date, *, disabling: bool, actor: str
    ) -> PatientSummary:
        raise NotImplementedError

    def record_edss(self, patient_id: int, on: date, value: float, *, actor: str) -> PatientSummary:
        raise NotImplementedError

    def record_mri(self, patient_id: int, entry: MriEntry, *, actor: str) -> PatientSummary:
        raise NotImplementedError

    def record_vaccination(
        self, patient_id: int, on: date, cvx: str, *, actor: str
    ) -> PatientSummary:
        raise NotImplementedError

    def record_checklist(
        self, patient_id: int, on: date, answers: Mapping[str, bool], *, actor: str
    ) -> PatientSummary:
        """Fig 4 answers keyed by linkId (facts.ChecklistItem values)."""
        raise NotImplementedError

    # -- evaluation and alerts ---------------------------------------------------------------
    def evaluate(self, patient_id: int, *, as_of: date | None = None) -> PatientSummary:
        raise NotImplementedError

    def evaluate_all(self, *, as_of: date | None = None) -> int:
        raise NotImplementedError

    def alerts(
        self,
        *,
        status: AlertStatus | None = "open",
        severity: Severity | None = None,
        patient_id: int | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Page[AlertView]:
        raise NotImplementedError

    def acknowledge_alert(self, alert_id: int, *, actor: str, note: str) -> AlertView:
        raise NotImplementedError

    def resolve_alert(self, alert_id: int, *, actor: str, note: str) -> AlertView:
        raise NotImplementedError

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
        raise NotImplementedError

    def patient(self, patient_id: int) -> PatientDetail:
        raise NotImplementedError

    def facts(self, patient_id: int) -> PatientFacts:
        raise NotImplementedError

    def worklist(self, day: date | None = None) -> Worklist:
        raise NotImplementedError

    def adherence(self, *, patient_id: int | None = None, as_of: date | None = None) -> Adherence:
        raise NotImplementedError

    def plan_course(
        self, patient_id: int, start: date, start_time: time, *, regimen: str | None = None
    ) -> CoursePlan:
        raise NotImplementedError
