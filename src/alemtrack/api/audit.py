"""The HTTP side of the audit trail: one ASGI middleware that records every request to the
application (REST API and web pages alike) before its response leaves.

Each entry holds who (the ``Actor`` the authorization dependency put in ``request.state``),
the patient (the ``patient_id`` of the path or query, else of a JSON response such as an import
report or an acknowledged alert), the action (the route's authorization action, e.g.
``patient.read``), the method, the route *template* (never the query string or a body), the
status and the client address. Nothing of the request or response body is kept.

The entry is written before the response starts: a read whose entry cannot be written is
answered 503 instead of with the data (no unrecorded reads). A change is already committed at
that point, so its response is still sent and the failure goes to the server log.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alemtrack.services.audit import DENIED, ERROR, FAILURE, SUCCESS, AuditRecorder
from alemtrack.services.clinic import Clinic

from .errors import error_payload

log = logging.getLogger("alemtrack.audit")

# Requests that touch no patient data, or that the accounts service records itself (logins).
SKIP_PREFIXES = ("/static/", "/favicon", "/openapi.json", "/api/v1/health", "/login",
                 "/logout", "/oauth/")
_READS = frozenset({"GET", "HEAD", "OPTIONS"})
_MAX_BUFFER = 256 * 1024  # a response whose patient is in its body: small JSON documents


def outcome_of(status: int) -> str:
    if status < 400:
        return SUCCESS
    if status in (401, 403):
        return DENIED
    return FAILURE if status < 500 else ERROR


def _route_info(scope: Scope, path: str) -> tuple[str, str | None]:
    """The matched route's template and its authorization action (``authorize(...)``)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    action: str | None = None
    dependant = getattr(route, "dependant", None)
    stack = list(getattr(dependant, "dependencies", ()))
    while stack and action is None:
        dep = stack.pop()
        action = getattr(getattr(dep, "call", None), "action", None)
        stack.extend(getattr(dep, "dependencies", ()))
    if not isinstance(template, str):
        return "(no route)", action
    return _with_prefix(path, template), action


def _with_prefix(path: str, template: str) -> str:
    """The template as the client addressed it: an included router's template lacks the prefix
    (``/api/v1``), which is the part of the path before the template's segments."""
    actual, wanted = path.rstrip("/").split("/"), template.rstrip("/").split("/")
    extra = len(actual) - len(wanted)
    if extra <= 0:
        return template
    # Both start with "" (the leading slash): compare what follows it.
    tail = actual[extra + 1:]
    if any(w != a for w, a in zip(wanted[1:], tail, strict=True) if not w.startswith("{")):
        return template
    return "/".join(actual[:extra + 1]) + template


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _patient_from_request(scope: Scope) -> int | None:
    found = _int((scope.get("path_params") or {}).get("patient_id"))
    if found is None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        values = query.get("patient_id") or query.get("patient")
        found = _int(values[0]) if values else None
    return found


def _patient_from_body(body: bytes) -> int | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return _int(document.get("patient_id")) if isinstance(document, dict) else None


def _actor(scope: Scope) -> str:
    actor = (scope.get("state") or {}).get("actor")
    name = getattr(actor, "name", actor)
    if isinstance(name, str) and name:
        return name
    return "anonymous"


class AuditMiddleware:
    """Record each HTTP request (except ``SKIP_PREFIXES``) in the audit trail."""

    def __init__(self, app: ASGIApp, recorder: AuditRecorder) -> None:
        self.app = app
        self.recorder = recorder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(SKIP_PREFIXES):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]  # as sent: routing may rewrite the scope's copy
        held: list[Message] = []
        held_bytes = 0
        passed = replaced = False

        async def flush() -> None:
            nonlocal passed, replaced
            passed = True
            start = held[0]
            body = b"".join(m.get("body", b"") for m in held[1:])
            written = await self._write(scope, path, start["status"],
                                        body if len(held) > 1 else None)
            if not written and method in _READS:
                payload = json.dumps(error_payload(
                    "unavailable", "the audit trail cannot be written; try again later")).encode()
                await send({"type": "http.response.start", "status": 503,
                            "headers": [(b"content-type", b"application/json"),
                                        (b"content-length", str(len(payload)).encode())]})
                await send({"type": "http.response.body", "body": payload})
                replaced = True  # the rest of the original response is dropped
                return
            for message in held:
                await send(message)

        async def audited_send(message: Message) -> None:
            nonlocal held_bytes
            if passed:
                if not replaced:
                    await send(message)
                return
            held.append(message)
            if message["type"] == "http.response.start":
                if not self._wants_body(scope, method, message):
                    await flush()
                return
            held_bytes += len(message.get("body", b""))
            if not message.get("more_body", False) or held_bytes > _MAX_BUFFER:
                await flush()

        await self.app(scope, receive, audited_send)

    @staticmethod
    def _wants_body(scope: Scope, method: str, start: Message) -> bool:
        """A change whose patient is not in its URL: read it from the JSON response."""
        if method in _READS or start["status"] >= 400 or _patient_from_request(scope):
            return False
        headers = dict(start.get("headers", ()))
        content_type: bytes = headers.get(b"content-type", b"")
        return content_type.startswith(b"application/json")

    async def _write(self, scope: Scope, path: str, status: int, body: bytes | None) -> bool:
        template, action = _route_info(scope, path)
        method: str = scope["method"]
        patient = _patient_from_request(scope)
        if patient is None and body is not None:
            patient = _patient_from_body(body)
        client = scope.get("client")
        record = partial(
            self.recorder.record,
            action or ("http.read" if method in _READS else "http.change"),
            actor=_actor(scope),
            patient_id=patient,
            outcome=outcome_of(status),
            source_ip=client[0] if client else None,
            detail={"method": method, "route": template, "status": status},
        )
        try:
            await anyio.to_thread.run_sync(record)
        except Exception:
            # No request data in the log line: the route template and status only.
            log.exception("audit trail write failed for %s %s (%s)", method, template, status)
            return False
        return True


def install(app: FastAPI, clinic: Clinic) -> None:
    """Record every request of ``app`` in ``clinic.audit`` (outermost middleware: it sees the
    final status, including 413 and 500 answered by the error middlewares)."""
    if clinic.audit is not None:
        app.add_middleware(AuditMiddleware, recorder=clinic.audit)


__all__ = ["SKIP_PREFIXES", "AuditMiddleware", "install", "outcome_of"]
