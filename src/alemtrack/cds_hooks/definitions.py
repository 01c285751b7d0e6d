"""The CDS services alemtrack offers, as data: what discovery (``GET /cds-services``) lists.

Every service asks for the same prefetch: the whole record the protocol rules read
(docs/fhir-input.md). Each key is a FHIR R4 read or search with prefetch tokens; a client that
cannot prefetch a key lets the service fetch it from ``fhirServer``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

_P = "{{context.patientId}}"

# key -> FHIR query template. Every resource type the FHIR reader uses (interop/fhir/reader.py).
PREFETCH: Mapping[str, str] = MappingProxyType({
    "patient": f"Patient/{_P}",
    "conditions": f"Condition?patient={_P}",
    "observations": f"Observation?patient={_P}",
    "medicationStatements": f"MedicationStatement?patient={_P}",
    "medicationRequests": f"MedicationRequest?patient={_P}",
    "medicationAdministrations": f"MedicationAdministration?patient={_P}",
    "immunizations": f"Immunization?patient={_P}",
    "procedures": f"Procedure?patient={_P}",
    "diagnosticReports": f"DiagnosticReport?patient={_P}",
    "allergies": f"AllergyIntolerance?patient={_P}",
    "serviceRequests": f"ServiceRequest?patient={_P}",
    "consents": f"Consent?patient={_P}",
    "questionnaireResponses": f"QuestionnaireResponse?patient={_P}",
})


@dataclass(frozen=True, slots=True)
class ServiceDefinition:
    """One CDS service as the discovery endpoint describes it (CDS Hooks 2.0 §Discovery)."""

    id: str
    hook: str
    title: str
    description: str
    prefetch: Mapping[str, str] = field(default_factory=lambda: PREFETCH)
    usage_requirements: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "hook": self.hook,
            "title": self.title,
            "description": self.description,
            "id": self.id,
            "prefetch": dict(self.prefetch),
        }
        if self.usage_requirements:
            out["usageRequirements"] = self.usage_requirements
        return out


_USAGE = ("Needs the patient's whole record (prefetch or a fhirServer with fhirAuthorization); "
          "answers 412 when neither supplies it. Requests carry a bearer JWT signed by a "
          "trusted issuer (ES256/ES384/RS256/RS384/PS256/PS384).")

SERVICES: tuple[ServiceDefinition, ...] = (
    ServiceDefinition(
        id="alemtrack-patient-view",
        hook="patient-view",
        title="alemtuzumab safety monitoring",
        description="Open safety findings of the alemtuzumab protocol (indicator from their "
                    "severity), overdue monitoring tests and the next course's readiness.",
        usage_requirements=_USAGE,
    ),
    ServiceDefinition(
        id="alemtrack-order-select",
        hook="order-select",
        title="alemtuzumab course-start gate and live-vaccine window (order select)",
        description="A selected alemtuzumab order gets the course-start gate (R-G0) with every "
                    "blocking reason and date; a selected live vaccine after a course gets the "
                    "R-C5 window.",
        usage_requirements=_USAGE,
    ),
    ServiceDefinition(
        id="alemtrack-order-sign",
        hook="order-sign",
        title="alemtuzumab course-start gate and live-vaccine window (order sign)",
        description="An alemtuzumab order about to be signed gets the course-start gate (R-G0): "
                    "a critical card with the blocking reasons and dates when blocked; a live "
                    "vaccine after a course gets the R-C5 window.",
        usage_requirements=_USAGE,
    ),
)


def service(service_id: str) -> ServiceDefinition | None:
    """The service with ``service_id``, or None."""
    return next((s for s in SERVICES if s.id == service_id), None)


def discovery() -> dict[str, Any]:
    """The discovery response: ``{"services": [...]}``."""
    return {"services": [s.as_json() for s in SERVICES]}
