"""Clinic-wide routes: FHIR imports, the day's worklist, adherence and health."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import JSONResponse

from alemtrack import __version__

from ..deps import ClinicDep
from ..errors import error_payload, responses
from ..schemas import AdherenceOut, HealthOut, ImportReportOut, WorklistOut
from ..security import Actor, authorize
from .common import adherence_out

log = logging.getLogger("alemtrack.api")

imports = APIRouter(tags=["imports"])
worklist = APIRouter(tags=["worklist"])
adherence = APIRouter(tags=["adherence"])
health = APIRouter(tags=["health"])

_BUNDLE_EXAMPLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female",
                      "birthDate": "1990-04-02", "name": [{"family": "Example",
                                                           "given": ["Anna"]}]}},
        {"resource": {"resourceType": "Observation", "id": "plt-1", "status": "final",
                      "subject": {"reference": "Patient/p1"},
                      "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
                      "effectiveDateTime": "2026-11-10",
                      "valueQuantity": {"value": 142, "unit": "10*9/L",
                                        "system": "http://unitsofmeasure.org",
                                        "code": "10*9/L"}}},
    ],
}


@imports.post("/imports", status_code=201, summary="Import a FHIR R4 Bundle",
              response_model=ImportReportOut, responses=responses(409, 413))
def import_bundle(
    bundle: Annotated[dict[str, Any], Body(
        description="A FHIR R4 Bundle of one patient (profile: docs/fhir-input.md).",
        openapi_examples={"patient": {"summary": "One patient, one platelet count",
                                      "value": _BUNDLE_EXAMPLE}})],
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(authorize("import.fhir"))],
    source: Annotated[str, Query(min_length=1, max_length=100,
                                 description="Where the bundle comes from (kept in the "
                                             "import ledger).")] = "api",
) -> ImportReportOut:
    """Idempotent: a resource already stored is counted unchanged; an amended or corrected one
    supersedes the earlier version. Unusable resources are listed in `rejected`; the patient
    is re-evaluated. Concurrent imports of the same records are retried; 409 only if one kept
    losing (sending it again is safe)."""
    return ImportReportOut.model_validate(clinic.import_bundle(bundle, source=source,
                                                               actor=actor.name))


@worklist.get("/worklist", summary="The day's worklist", response_model=WorklistOut,
              responses=responses(), dependencies=[Depends(authorize("worklist.read"))])
def get_worklist(
    clinic: ClinicDep,
    day: Annotated[dt.date | None, Query(description="The day; today when absent.")] = None,
) -> WorklistOut:
    """Infusions of the day, overdue and due tests, open alerts by severity, decisions due."""
    return WorklistOut.model_validate(clinic.worklist(day))


@adherence.get("/adherence", summary="Clinic monitoring adherence", response_model=AdherenceOut,
               responses=responses(), dependencies=[Depends(authorize("worklist.read"))])
def clinic_adherence(
    clinic: ClinicDep,
    as_of: Annotated[dt.date | None, Query(description="Count up to this date.")] = None,
) -> AdherenceOut:
    """Share of monthly and quarterly tests done within their window, over every patient."""
    return adherence_out(clinic.adherence(as_of=as_of))


@health.get("/health", summary="Health check", response_model=HealthOut,
            responses=responses(503))
def get_health(clinic: ClinicDep) -> HealthOut | JSONResponse:
    """`ok` when the application answers and its database can be queried."""
    try:
        clinic.list_patients(limit=1)
    except Exception:
        log.exception("health check: database query failed")
        return JSONResponse(error_payload("unavailable", "the database does not answer"),
                            status_code=503)
    return HealthOut(status="ok", version=__version__, database="ok")
