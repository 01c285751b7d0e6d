"""The application factory: one FastAPI app serving the REST API (``/api/v1``), its OpenAPI
document (``/openapi.json``) and the web UI."""

from __future__ import annotations

from fastapi import FastAPI

from alemtrack import __version__, bootstrap, web
from alemtrack.config import Settings
from alemtrack.services.accounts import Accounts
from alemtrack.services.clinic import Clinic

from . import audit, errors, oauth, params, security
from .routes import alerts, cds_hooks, clinicwide, fhir_export, labfeed, patients

API_PREFIX = "/api/v1"

_DESCRIPTION = """\
REST API of alemtrack, the alemtuzumab (Lemtrada) safety programme of an MS clinic.

* Patients are imported as FHIR R4 Bundles (`POST /api/v1/imports`) or entered by the care
  team; every change re-evaluates the patient with the protocol rules and updates its alerts.
* Errors always have the shape `{"error": {"code", "message", "details"}}`; `details` lists the
  wrong fields (`field`, `message`). No stack trace is ever sent.
* Every route but `/api/v1/health` needs `Authorization: Bearer <token>`: a personal token
  (`alemtrack token create`) or an OAuth2 client access token (`POST /oauth/token`, RFC 7523
  `private_key_jwt`). 401 without valid credentials, 403 when the role may not do it; who may
  do what is the role x action matrix of docs/security.md. The actor recorded on entries and
  alerts is the authenticated user.
"""

_TAGS = [
    {"name": "patients", "description": "Patient lists, records, entries, evaluation, plans."},
    {"name": "alerts", "description": "Findings as alerts: open -> acknowledged -> resolved."},
    {"name": "imports", "description": "FHIR R4 Bundles in (idempotent)."},
    {"name": "worklist", "description": "What the team does today."},
    {"name": "adherence", "description": "Monitoring done within its windows."},
    {"name": "health", "description": "Liveness and database check for operations."},
]


def create_app(clinic: Clinic, settings: Settings, accounts: Accounts | None = None) -> FastAPI:
    """Build the application around a ``Clinic`` (see ``bootstrap.build_clinic``); users and
    credentials live in ``accounts`` (default: ``bootstrap.build_accounts`` on the clinic's
    database)."""
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
    app.state.accounts = accounts or bootstrap.build_accounts(clinic, settings)
    errors.install(app, max_body_bytes=settings.max_body_bytes)
    params.install(app, API_PREFIX)  # undeclared query parameters: 422
    for router in (patients.router, alerts.router, clinicwide.imports, clinicwide.worklist,
                   clinicwide.adherence, clinicwide.health):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(fhir_export.router, prefix=API_PREFIX)
    app.include_router(labfeed.router, prefix=API_PREFIX)
    app.include_router(oauth.router)
    cds_hooks.include(app, API_PREFIX)  # CDS Hooks 2.0 and the rule pages cards link to
    web.mount(app, clinic, settings)
    security.document(app)  # last: every route is registered by now
    audit.install(app, clinic)  # outermost middleware: records every request's final status
    return app
