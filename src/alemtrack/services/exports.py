"""Export a patient's plan and state as a FHIR R4 Bundle (``interop.fhir.export``).

The facts are read from the stored records and assessed on the export date under the clinic's
profile; the Flags are the clinic's unresolved alerts (open or acknowledged), with their
lifecycle; the records themselves go along, so importing the Bundle elsewhere gives the same
facts (docs/fhir-bulk.md).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from alemtrack.errors import NotFound
from alemtrack.interop.fhir.export import ExportAlert, export_bundle

from .clinic import Clinic

__all__ = ["export_patient", "find_patient"]

_PAGE = 1000


def export_patient(
    clinic: Clinic,
    patient_id: int,
    *,
    actor: str,
    as_of: date | None = None,
    records: bool = True,
) -> dict[str, Any]:
    """The patient's Bundle: records (unless ``records`` is False), CarePlan, Tasks,
    DetectedIssues, Flags, Device and Provenance. NotFound for an unknown patient."""
    facts, assessment = clinic.assess(patient_id, as_of=as_of)
    return export_bundle(
        facts,
        assessment,
        recorded=clinic.now(),
        records=clinic.records(patient_id) if records else (),
        alerts=_active_alerts(clinic, patient_id),
        agent=actor,
    )


def _active_alerts(clinic: Clinic, patient_id: int) -> list[ExportAlert]:
    out: list[ExportAlert] = []
    offset = 0
    while True:
        page = clinic.alerts(status=None, patient_id=patient_id, limit=_PAGE, offset=offset)
        out.extend(
            ExportAlert(a.rule, a.severity, a.summary, a.status, a.opened_at,
                        a.acknowledged_by, a.acknowledged_at)
            for a in page.items if a.status != "resolved"
        )
        offset += _PAGE
        if offset >= page.total:
            return out


def find_patient(clinic: Clinic, key: str) -> int:
    """alemtrack's patient id from ``key``: a patient's FHIR id, else alemtrack's own id
    (digits). NotFound when neither names a patient."""
    key = key.strip()
    if key:
        for p in clinic.list_patients(query=key, limit=1000).items:
            if p.fhir_id == key:
                return p.id
    if key.isdigit():
        clinic.records(int(key))  # NotFound when there is no such patient
        return int(key)
    raise NotFound(f"no patient with FHIR id or id {key!r}")
