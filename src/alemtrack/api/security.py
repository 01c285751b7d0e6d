"""Who may do what: the one authorization seam of every HTTP route.

Every route depends on ``authorize("<action>")``; the action names are the rows of the
role x action matrix (``ACTIONS`` here, the roles allowed per action in
``alemtrack.services.accounts.MATRIX``; docs/security.md shows the table). The dependency
authenticates the caller with a bearer token (a personal token or an OAuth2 client access
token) and returns the ``Actor``; 401 without valid credentials, 403 when the role may not
perform the action, both in the one error shape. The route walk test checks that no route
lacks it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import BaseRoute

from alemtrack.services.accounts import Accounts, Actor, require

from .errors import ErrorResponse

__all__ = ["ACTIONS", "Actor", "authorize", "document", "get_accounts", "iter_routes",
           "route_actions"]

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
    "rules.read": "read the rule catalogue (the rules behind cards and alerts)",
    "profile.change": "change the protocol profile",
    "users.manage": "manage users, roles and tokens",
    "audit.read": "read, verify and export the audit trail",
}

# Shown in the OpenAPI document as the security scheme of every protected operation.
bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="bearer",
    description="A personal token (`alemtrack token create`) or an OAuth2 client access token "
                "(`POST /oauth/token`, RFC 7523 private_key_jwt).")


def get_accounts(request: Request) -> Accounts:
    """The application's ``Accounts`` (set by ``create_app``)."""
    accounts: Accounts = request.app.state.accounts
    return accounts


def authorize(action: str) -> Callable[..., Actor]:
    """Dependency factory: the route needs ``action``; returns the acting ``Actor``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; add it to ACTIONS and the matrix")

    def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Actor:
        actor = get_accounts(request).bearer(credentials.credentials if credentials else None)
        request.state.actor = actor  # for the audit trail and the logs
        return require(actor, action)

    dependency.action = action  # type: ignore[attr-defined]  # read by the route walk test
    return dependency


def route_actions(route: Any) -> list[str]:
    """The ``authorize`` actions a route depends on (any depth), for docs and the route walk."""
    found: list[str] = []
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        action = getattr(dependant.call, "action", None)
        if isinstance(action, str):
            found.append(action)
        stack.extend(dependant.dependencies)
    return found


_AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No valid credentials (bearer token missing, "
                                                 "unknown, expired or revoked)."},
    403: {"model": ErrorResponse, "description": "The caller's role may not perform this "
                                                 "action (docs/security.md)."},
}


def iter_routes(app: FastAPI) -> list[Any]:
    """Every route the application serves (FastAPI keeps included routers lazily: this is
    the flattened view, each with its full path, methods and dependant)."""
    return list(iter_route_contexts(app.routes))


def _declared_routes(routes: Sequence[BaseRoute]) -> Iterator[BaseRoute]:
    """The route objects as declared, inside included routers too."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _declared_routes(inner.routes)
        else:
            yield route


def document(app: FastAPI) -> None:
    """Add the 401 and 403 answers to the OpenAPI entry of every protected API route."""
    for route in _declared_routes(app.routes):
        if isinstance(route, APIRoute) and route.include_in_schema and route_actions(route):
            for status, spec in _AUTH_RESPONSES.items():
                route.responses.setdefault(status, spec)
