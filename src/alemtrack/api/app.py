"""The application factory: one FastAPI app serving the REST API (``/api/v1``), its OpenAPI
document (``/openapi.json``) and the web UI."""

from __future__ import annotations

from fastapi import FastAPI

from alemtrack import __version__, web
from alemtrack.config import Settings
from alemtrack.services.clinic import Clinic

from . import errors
from .routes import alerts, clinicwide, patients

API_PREFIX = "/api/v1"

_DESCRIPTION = """\
REST API of alemtrack, the alemtuzumab (Lemtrada) safety programme of an MS clinic.

* Patients are imported as FHIR R4 Bundles (`POST /api/v1/imports`) or entered by the care
  team; every change re-evaluates the patient with the protocol rules and updates its alerts.
* Errors always have the shape `{"error": {"code", "message", "details"}}`; `details` lists the
  wrong fields (`field`, `message`). No stack trace is ever sent.
* Who acts is taken from the `X-Alemtrack-User` header (default `demo`) until authentication
  is added.
"""

_TAGS = [
    {"name": "patients", "description": "Patient lists, records, entries, evaluation, plans."},
    {"name": "alerts", "description": "Findings as alerts: open -> acknowledged -> resolved."},
    {"name": "imports", "description": "FHIR R4 Bundles in (idempotent)."},
    {"name": "worklist", "description": "What the team does today."},
    {"name": "adherence", "description": "Monitoring done within its windows."},
    {"name": "health", "description": "Liveness and database check for operations."},
]


def create_app(clinic: Clinic, settings: Settings) -> FastAPI:
    """Build the application around a ``Clinic`` (see ``bootstrap.build_clinic``)."""
    app = FastAPI(
        title="alemtrack clinic API",
        version=__version__,
        description=_DESCRIPTION,
        openapi_tags=_TAGS,
        openapi_url="/openapi.json",
        # Swagger UI and ReDoc load their scripts from a CDN: not shipped, so not served.
        docs_url=None,
        redoc_url=None,
    )
    app.state.clinic = clinic
    app.state.settings = settings
    errors.install(app, max_body_bytes=settings.max_body_bytes)
    for router in (patients.router, alerts.router, clinicwide.imports, clinicwide.worklist,
                   clinicwide.adherence, clinicwide.health):
        app.include_router(router, prefix=API_PREFIX)
    web.mount(app, clinic, settings)
    return app
