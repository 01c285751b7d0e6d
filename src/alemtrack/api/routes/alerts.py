"""``/api/v1/alerts``: findings persisted as alerts, and their lifecycle
(open -> acknowledged -> resolved)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from ..deps import ClinicDep
from ..errors import responses
from ..schemas import AlertOut, AlertPageOut, NoteIn, Severity
from ..security import Actor, authorize

router = APIRouter(prefix="/alerts", tags=["alerts"])

AlertId = Annotated[int, Path(ge=1, le=2**63 - 1, description="Alert id.")]
CHANGE_ERRORS = responses(404, 409, 413)


@router.get("", summary="List alerts", response_model=AlertPageOut, responses=responses(),
            dependencies=[Depends(authorize("alert.read"))])
def list_alerts(
    clinic: ClinicDep,
    status: Annotated[Literal["open", "acknowledged", "resolved", "all"], Query(
        description="Lifecycle state; `all` for every state.")] = "open",
    severity: Annotated[Severity | None, Query()] = None,
    patient_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AlertPageOut:
    """Alerts, most severe first, filtered by state, severity and patient, paged."""
    page = clinic.alerts(status=None if status == "all" else status, severity=severity,
                         patient_id=patient_id, limit=limit, offset=offset)
    return AlertPageOut.model_validate(page)


@router.post("/{alert_id}/acknowledge", summary="Acknowledge an alert",
             response_model=AlertOut, responses=CHANGE_ERRORS)
def acknowledge(alert_id: AlertId, body: NoteIn, clinic: ClinicDep,
                actor: Annotated[Actor, Depends(authorize("alert.acknowledge"))]) -> AlertOut:
    """Record who saw the alert, when, and what was done (409 if it is not open)."""
    return AlertOut.model_validate(clinic.acknowledge_alert(alert_id, actor=actor.name,
                                                            note=body.note))


@router.post("/{alert_id}/resolve", summary="Resolve an alert", response_model=AlertOut,
             responses=CHANGE_ERRORS)
def resolve(alert_id: AlertId, body: NoteIn, clinic: ClinicDep,
            actor: Annotated[Actor, Depends(authorize("alert.resolve"))]) -> AlertOut:
    """Close the alert with a note (409 if it is already resolved)."""
    return AlertOut.model_validate(clinic.resolve_alert(alert_id, actor=actor.name,
                                                        note=body.note))
