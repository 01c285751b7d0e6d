"""Who may do what: the one authorization seam of every HTTP route.

Every route depends on ``authorize("<action>")``; the action names are the rows of the
role x action matrix (``ACTIONS``). The dependency authenticates the caller and returns the
``Actor``; the route walk test checks that no route lacks it.

Until authentication lands (issue 5) the caller is the ``X-Alemtrack-User`` header and every
action is allowed; the signatures here are the contract routes rely on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from .deps import current_actor


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller: a user (session or personal token) or a system client."""

    name: str
    role: str  # admin | neurologist | nurse | pharmacist | viewer | system
    kind: str  # session | token | client | header


# The actions of the role x action matrix, with what each covers.
ACTIONS: dict[str, str] = {
    "health.read": "service health check",
    "patient.list": "list and search patients",
    "patient.read": "read a patient's record, assessment, plan, adherence",
    "patient.evaluate": "re-evaluate a patient now",
    "entry.lab": "enter a laboratory result",
    "entry.clinical": "record relapse, EDSS, MRI, vaccination, symptom checklist",
    "infusion.record": "record an infusion day (dose, lot, vitals, reaction)",
    "alert.read": "list alerts",
    "alert.acknowledge": "acknowledge an alert",
    "alert.resolve": "resolve an alert",
    "worklist.read": "today's worklist and clinic adherence",
    "import.fhir": "import FHIR bundles or bulk ndjson",
    "import.lab-feed": "import laboratory results (HL7 v2 ORU, CSV)",
    "export.fhir": "export a patient's plan and state as FHIR",
    "export.calendar": "export a patient's schedule as iCalendar",
    "cds.invoke": "call the CDS Hooks services (EHR systems)",
    "profile.change": "change the protocol profile",
    "users.manage": "manage users, roles and tokens",
    "audit.read": "read, verify and export the audit trail",
}


def authorize(action: str) -> Callable[..., Actor]:
    """Dependency factory: the route needs ``action``; returns the acting ``Actor``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; add it to ACTIONS and the matrix")

    def dependency(actor: Annotated[str, Depends(current_actor)]) -> Actor:
        return Actor(actor, "admin", "header")

    dependency.action = action  # type: ignore[attr-defined]  # read by the route walk test
    return dependency
