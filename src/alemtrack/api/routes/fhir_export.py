"""``GET /api/v1/patients/{id}/fhir``: a patient's plan and state as a FHIR R4 Bundle."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from alemtrack.services.exports import export_patient

from ..deps import ClinicDep
from ..errors import responses
from ..security import Actor, authorize

router = APIRouter(prefix="/patients", tags=["patients"])

PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="alemtrack patient id.")]


class FhirJSONResponse(JSONResponse):
    media_type = "application/fhir+json"


@router.get(
    "/{patient_id}/fhir",
    summary="Export a patient's plan and state as FHIR R4",
    # Plain Response: the errors stay application/json; the Bundle is application/fhir+json.
    response_class=Response,
    responses={
        **responses(404),
        200: {"description": "A FHIR R4 Bundle (type collection).",
              "content": {"application/fhir+json": {"schema": {"type": "object"}}}},
    },
)
def export_fhir(
    patient_id: PatientId,
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(authorize("export.fhir"))],
    as_of: Annotated[dt.date | None, Query(
        description="Assessment date; today (the clinic's clock) when absent.")] = None,
    records: Annotated[bool, Query(
        description="Include the patient's records (the resources the facts come from), so "
                    "that importing the Bundle elsewhere gives the same facts.")] = True,
) -> Response:
    """The patient's records, a CarePlan (courses, next course and its gates, date windows,
    due tests), one Task per due test, one DetectedIssue per finding, one Flag per active
    alert, and a Provenance naming alemtrack's version, the rules revision and the caller
    (docs/fhir-bulk.md)."""
    bundle: dict[str, Any] = export_patient(clinic, patient_id, actor=actor.name, as_of=as_of,
                                            records=records)
    return FhirJSONResponse(bundle)
