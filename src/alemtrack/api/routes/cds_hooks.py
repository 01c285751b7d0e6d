"""CDS Hooks 2.0 routes: discovery, the three services, feedback; and the rule pages cards
link to (``/api/v1/rules/{id}``).

The CDS routes are called by EHRs, not people: they authenticate by the CDS client's bearer JWT
(``cds_client``, action ``cds.invoke``), not by user sessions or personal tokens. The use cases
are ``services.cds.CdsHooks``; docs/cds-hooks.md is the guide.
"""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from alemtrack.config import Settings
from alemtrack.services.cds import (
    CdsAuthError,
    CdsHooks,
    CdsRequestError,
    JwtPolicy,
    PrefetchUnavailable,
    TrustedIssuer,
)
from alemtrack.services.rules import rule_catalogue, rule_entry

from ..deps import get_clinic, get_settings
from ..errors import responses
from ..security import Actor, authorize

log = logging.getLogger("alemtrack.api.cds")

router = APIRouter(tags=["cds-hooks"])
rules = APIRouter(prefix="/rules", tags=["rules"])

ServiceId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$",
                                description="The service id from discovery.")]
_lock = threading.Lock()

cds_bearer = HTTPBearer(
    auto_error=False, scheme_name="cds-jwt",
    description="CDS Hooks 2.0: a JWT signed by a trusted CDS client (asymmetric algorithm), "
                "aud = this service's URL, short exp, unique jti (docs/cds-hooks.md).")


def get_cds(request: Request) -> CdsHooks:
    """The application's ``CdsHooks`` (one per app: it holds the JWKS cache)."""
    state = request.app.state
    cds: CdsHooks | None = getattr(state, "cds_hooks", None)
    if cds is None:
        with _lock:
            cds = getattr(state, "cds_hooks", None)
            if cds is None:
                clinic = get_clinic(request)
                settings = get_settings(request)
                cds = CdsHooks(clinic.units_of_work, clock=clinic.today, params=settings.profile,
                               transport=getattr(state, "cds_transport", None),
                               fetch_timeout=settings.cds_fetch_timeout_seconds)
                state.cds_hooks = cds
    return cds


CdsDep = Annotated[CdsHooks, Depends(get_cds)]


def public_base(request: Request, settings: Settings) -> str:
    return (settings.cds_public_url or str(request.base_url)).rstrip("/")


def _policy(settings: Settings) -> JwtPolicy:
    return JwtPolicy(
        issuers={i.iss: TrustedIssuer(i.iss, i.jwks_url, i.jwks, frozenset(i.subjects),
                                      tuple(i.fhir_servers))
                 for i in settings.cds_issuers},
        algorithms=frozenset(settings.cds_algorithms),
    )


def _audiences(request: Request, base: str) -> list[str]:
    """The endpoint the client called: ``<base>/cds-services[/<id>]``; feedback also accepts
    the service's URL."""
    service_id = request.path_params.get("service_id")
    if service_id is None:
        return [f"{base}/cds-services"]
    service_url = f"{base}/cds-services/{service_id}"
    if request.url.path.endswith("/feedback"):
        return [service_url, f"{service_url}/feedback"]
    return [service_url]


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer realm="cds-hooks"'})


def cds_client(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(cds_bearer)],
    cds: CdsDep,
) -> Actor:
    """The CDS client, authenticated by its JWT (CDS Hooks 2.0 §Trusting CDS Clients).

    Only ``settings.demo`` lets ``cds_require_jwt = false`` switch the check off.
    """
    settings = get_settings(request)
    if not settings.cds_require_jwt:
        if settings.demo:
            actor = Actor("cds-demo", "system", "cds-demo")
            request.state.actor = actor
            # No issuer known: the servers allowed to any configured issuer.
            request.state.cds_fhir_servers = tuple(
                url for i in settings.cds_issuers for url in i.fhir_servers)
            return actor
        log.warning("cds_require_jwt=false ignored: JWT checks stay on outside demo mode")
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("CDS Hooks calls need Authorization: Bearer <JWT>")
    policy = _policy(settings)
    try:
        client = cds.authenticate(credentials.credentials, policy,
                                  _audiences(request, public_base(request, settings)))
    except CdsAuthError as exc:
        raise _unauthorized(str(exc)) from exc
    # Where this client may have alemtrack fetch from (read by ``invoke``).
    request.state.cds_fhir_servers = policy.issuers[client.iss].fhir_servers
    name = f"{client.iss} {client.sub}" if client.sub else client.iss
    actor = Actor(name[:200], "system", "cds-jwt")
    request.state.actor = actor
    return actor


# Recognised by the route walk (api/security.py route_actions) as the cds.invoke check.
cds_client.action = "cds.invoke"  # type: ignore[attr-defined]
CdsClient = Annotated[Actor, Depends(cds_client)]

_CDS_ERRORS = responses(404)
_CDS_ERRORS[400] = {"description": "The request does not follow CDS Hooks 2.0."}
_CDS_ERRORS[412] = {"description": "Data the service needs was neither prefetched nor "
                                   "fetchable from fhirServer."}
_CDS_ERRORS[401] = {"description": "No valid CDS client JWT."}


@router.get("/cds-services", summary="CDS Hooks discovery", responses={401: _CDS_ERRORS[401]})
def discovery(client: CdsClient, cds: CdsDep) -> dict[str, Any]:
    """The services offered, each with its hook, id and prefetch templates."""
    return cds.discovery()


@router.post("/cds-services/{service_id}", summary="Call a CDS service", responses=_CDS_ERRORS)
def invoke(
    service_id: ServiceId,
    body: Annotated[dict[str, Any], Body(description="A CDS Hooks 2.0 request.")],
    request: Request,
    client: CdsClient,
    cds: CdsDep,
) -> dict[str, Any]:
    """Cards for the hook: patient-view (findings, overdue tests, next course) or
    order-select/order-sign (course-start gate R-G0, live-vaccine window R-C5)."""
    base = public_base(request, get_settings(request))
    try:
        answer = cds.invoke(service_id, body, rule_url=lambda rule: f"{base}/api/v1/rules/{rule}",
                            fhir_servers=getattr(request.state, "cds_fhir_servers", ()))
    except PrefetchUnavailable as exc:
        raise HTTPException(412, str(exc)) from exc
    except CdsRequestError as exc:
        raise HTTPException(400, str(exc)) from exc
    return answer.body


@router.post("/cds-services/{service_id}/feedback", summary="Card feedback",
             responses=_CDS_ERRORS)
def feedback(
    service_id: ServiceId,
    body: Annotated[dict[str, Any], Body(description="CDS Hooks 2.0 feedback.")],
    client: CdsClient,
    cds: CdsDep,
) -> dict[str, Any]:
    """Store what the clinician did with each card (accepted, or overridden and why)."""
    try:
        stored = cds.feedback(service_id, body, client=client.name)
    except CdsRequestError as exc:
        raise HTTPException(400, str(exc)) from exc
    return {"stored": stored}


# ---- the rules cards link to -----------------------------------------------------------------


@rules.get("", summary="The rule catalogue", responses=responses())
def list_rules(actor: Annotated[Actor, Depends(authorize("rules.read"))]
               ) -> list[dict[str, str]]:
    """Every protocol rule: id, title, what it produces, its source."""
    return rule_catalogue()


@rules.get("/{rule_id}", summary="One rule", responses=responses(404))
def get_rule(
    rule_id: Annotated[str, Path(pattern=r"^R-[A-Z]\d{1,2}$", description="e.g. R-H4")],
    actor: Annotated[Actor, Depends(authorize("rules.read"))],
) -> dict[str, str]:
    """The rule behind a card or an alert, with its source (clinical-rules.md)."""
    return rule_entry(rule_id)


CDS_TAGS = [
    {"name": "cds-hooks", "description": "CDS Hooks 2.0 services for the EHR (docs/cds-hooks.md)."},
    {"name": "rules", "description": "The protocol rules behind cards and alerts."},
]


def include(app: FastAPI, api_prefix: str) -> None:
    """Mount the CDS Hooks routes at the root (``/cds-services``, as the specification has it)
    and the rule pages under the API prefix."""
    app.include_router(router)
    app.include_router(rules, prefix=api_prefix)
    if app.openapi_tags is not None:
        app.openapi_tags.extend(t for t in CDS_TAGS if t not in app.openapi_tags)
