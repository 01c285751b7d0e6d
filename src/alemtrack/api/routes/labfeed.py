"""Laboratory feeds and the calendar export (docs/lab-feeds.md):

    POST /api/v1/hl7                          one HL7 v2 ORU^R01 message -> its ACK (text)
    POST /api/v1/imports/csv[?dry_run=true]   lab results as CSV, all or nothing
    GET  /api/v1/patients/{id}/calendar.ics   the patient's schedule as iCalendar
"""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from alemtrack.errors import FieldError, ValidationError
from alemtrack.services.calendar import patient_calendar
from alemtrack.services.labfeed import LabFeed

from ..deps import ClinicDep, SettingsDep
from ..errors import responses
from ..security import Actor, authorize

router = APIRouter()

PatientId = Annotated[int, Path(ge=1, le=2**31 - 1, description="alemtrack patient id.")]
HL7_MEDIA_TYPE = "x-application/hl7-v2+er7"
ICS_MEDIA_TYPE = "text/calendar"

_HL7_EXAMPLE = ("MSH|^~\\&|LAB|HOSP||MS CENTRE|20261120093000+0100||ORU^R01^ORU_R01|MSG0001|P|"
                "2.5.1\rPID|1||p1^^^HOSP^MR||Example^Anna\rOBR|1||F-1001|57021-8^CBC^LN|||"
                "20261120080000+0100\rOBX|1|NM|26515-7^Platelets^LN||142|10*3/uL^^UCUM|"
                "150-400|L|||F|||20261120080000+0100\r")
_CSV_EXAMPLE = ("patient_id,loinc,value,unit,date,reference_range,qualitative\n"
                "p1,26515-7,142,10*9/L,2026-11-10,150-400,\n")


class CsvRejectedRow(BaseModel):
    line: int = Field(description="Line of the file (1 is the header).")
    reason: str


class CsvImportOut(BaseModel):
    rows: int = Field(description="Data rows read.")
    accepted: int
    rejected: list[CsvRejectedRow] = Field(description="Always empty in a 200 answer: a file "
                                           "with a rejected row is answered 422.")
    dry_run: bool
    imported: bool = Field(description="False in a dry run.")
    patients: int
    stored: int
    unchanged: int
    superseded: int


def _text_body(content_types: tuple[str, ...], example: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {
        t: {"schema": {"type": "string"}, "example": example} for t in content_types}}}


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@router.post(
    "/hl7",
    tags=["imports"],
    summary="Receive one HL7 v2 ORU^R01 message; answered with its ACK",
    response_class=Response,
    responses={
        **responses(413),
        200: {"description": "The HL7 ACK (MSA-1 AA, AE or AR; ERR segments say what could "
                             "not be mapped). The ACK code is also in `X-HL7-Ack-Code`.",
              "content": {HL7_MEDIA_TYPE: {"schema": {"type": "string"}}}},
    },
    openapi_extra=_text_body((HL7_MEDIA_TYPE, "text/plain"), _HL7_EXAMPLE),
)
async def receive_hl7(
    request: Request,
    clinic: ClinicDep,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(authorize("import.lab-feed"))],
    source: Annotated[str, Query(min_length=1, max_length=100, description="Where the "
                                 "message comes from (kept in the import ledger).")] = "hl7-http",
) -> Response:
    """Results of patients followed in alemtrack are stored like any import (idempotent; a
    corrected result replaces the earlier one; the patient is re-evaluated). Always answered
    200 with the ACK, even for a message that cannot be read (AR)."""
    text = _decode(await request.body())
    feed = LabFeed(clinic, facility=settings.site_name)
    outcome = await run_in_threadpool(feed.receive_hl7, text, source=source, actor=actor.name)
    return Response(outcome.ack, media_type=HL7_MEDIA_TYPE,
                    headers={"X-HL7-Ack-Code": outcome.code})


@router.post(
    "/imports/csv",
    tags=["imports"],
    summary="Import lab results from CSV (all or nothing)",
    response_model=CsvImportOut,
    responses=responses(413),
    openapi_extra=_text_body(("text/csv", "text/plain"), _CSV_EXAMPLE),
)
async def import_csv(
    request: Request,
    clinic: ClinicDep,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(authorize("import.lab-feed"))],
    dry_run: Annotated[bool, Query(description="Check every row; store nothing.")] = False,
    source: Annotated[str, Query(min_length=1, max_length=100, description="Where the file "
                                 "comes from (kept in the import ledger).")] = "csv-http",
) -> CsvImportOut:
    """Every row is checked first; when any row is rejected nothing is stored and the answer
    is 422 with one detail per rejected row (`field` is `line N`)."""
    text = _decode(await request.body())
    feed = LabFeed(clinic, facility=settings.site_name)
    outcome = await run_in_threadpool(
        lambda: feed.import_csv(io.StringIO(text, newline=""), source=source,
                                actor=actor.name, dry_run=dry_run))
    if outcome.rejected:
        raise ValidationError([FieldError(f"line {p.line}", p.reason)
                               for p in outcome.rejected])
    return CsvImportOut(
        rows=outcome.rows, accepted=outcome.accepted, rejected=[], dry_run=outcome.dry_run,
        imported=outcome.imported, patients=outcome.patients, stored=outcome.stored,
        unchanged=outcome.unchanged, superseded=outcome.superseded,
    )


@router.get(
    "/patients/{patient_id}/calendar.ics",
    tags=["patients"],
    summary="The patient's monitoring schedule and course days as iCalendar",
    response_class=Response,
    responses={
        **responses(404),
        200: {"description": "An RFC 5545 VCALENDAR: one event per due test and per course "
                             "day, each with a reminder.",
              "content": {ICS_MEDIA_TYPE: {"schema": {"type": "string"}}}},
    },
)
def calendar(
    patient_id: PatientId,
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(authorize("export.calendar"))],
) -> Response:
    """Downloaded from the patient page ("Download calendar (.ics)")."""
    del actor  # authorization only
    text = patient_calendar(clinic, patient_id)
    return Response(text, media_type=f"{ICS_MEDIA_TYPE}; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="alemtrack-patient-{patient_id}.ics"'})
