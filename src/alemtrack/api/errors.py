"""The one place where failures become HTTP responses (interfaces.md §4).

Every error the application sends has the same JSON shape::

    {"error": {"code": "not_found", "message": "...", "details": [{"field": ..., "message": ...}]}}

``classify`` maps the exception tree of ``alemtrack.errors`` (and the framework's own errors) to
a status, a code, a message and field details; ``install`` registers it on the app together with
two ASGI middlewares: one refuses request bodies larger than ``Settings.max_body_bytes`` (413),
the other turns any unexpected exception into a generic 500. No stack trace or exception text of
an unexpected error ever reaches a client; it goes to the server log instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from alemtrack import errors

log = logging.getLogger("alemtrack.api")

INTERNAL_MESSAGE = "Internal server error; the details are in the server log."
_BODY_UNREADABLE = "There was an error parsing the body"  # fastapi.routing, not exported
OUT_OF_RANGE = ("a date in the request is too far in the past or future to compute with; "
                "use dates between 1900 and 2200")


# ---- the error shape, as documented in the OpenAPI document -------------------------------


class ErrorDetail(BaseModel):
    """One wrong field: where it is and what to fix."""

    field: str = Field(description="The field as named in the request: body field "
                                   "(`vitals[0].at`), query or path parameter (`limit`).")
    message: str = Field(description="What is wrong and how to fix it.")


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code: not_found, conflict, "
                                  "validation_error, input_error, payload_too_large, "
                                  "method_not_allowed, internal_error, unavailable, ...")
    message: str = Field(description="Human-readable summary.")
    details: list[ErrorDetail] = Field(default_factory=list,
                                       description="Field errors, when fields are to blame.")


class ErrorResponse(BaseModel):
    """Every error response of the API (interfaces.md §4)."""

    error: ErrorBody


_ERROR_DOCS = {
    404: "No such patient or alert.",
    401: "No valid credentials (bearer token missing, unknown, expired or revoked).",
    403: "The caller's role may not perform this action (docs/security.md).",
    409: "The action does not fit the record's current state.",
    413: "The request body is larger than the configured maximum.",
    422: "A field or parameter is wrong; `details` names each field.",
    500: "Unexpected server error (generic message, no stack trace).",
    503: "The database does not answer.",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI error responses of a route: ``statuses`` plus 422 and 500, which any route can
    answer, each with the one error shape."""
    return {status: {"model": ErrorResponse, "description": _ERROR_DOCS[status]}
            for status in sorted({*statuses, 422, 500})}


# ---- classification: the one mapping from exceptions to HTTP --------------------------------

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    503: "unavailable",
}


def classify(exc: BaseException) -> tuple[int, str, str, list[dict[str, str]]]:
    """Status, code, message and field details for an exception."""
    if isinstance(exc, errors.NotFound):
        return 404, "not_found", str(exc), []
    if isinstance(exc, OverflowError):
        # Date arithmetic on a date the client sent (0001-01-01, 9999-12-31): bad input.
        return 422, "input_error", OUT_OF_RANGE, []
    if isinstance(exc, errors.Conflict):
        return 409, "conflict", str(exc), []
    if isinstance(exc, errors.Unauthenticated):
        return 401, "unauthorized", str(exc), []
    if isinstance(exc, errors.Forbidden):
        return 403, "forbidden", str(exc), []
    if isinstance(exc, errors.ValidationError):
        return 422, "validation_error", str(exc), [e.as_dict() for e in exc.errors]
    if isinstance(exc, errors.FhirInputError):
        where = exc.resource + (f".{exc.field}" if exc.field else "")
        return 422, "input_error", str(exc), [{"field": where, "message": str(exc)}]
    if isinstance(exc, errors.InputError):
        return 422, "input_error", str(exc), []
    if isinstance(exc, RequestValidationError):
        details = [_request_error(e) for e in exc.errors()]
        summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        return 422, "validation_error", summary or "invalid request", details
    if isinstance(exc, StarletteHTTPException) and exc.detail == _BODY_UNREADABLE:
        # FastAPI's 400 for a body that is not UTF-8: malformed JSON like any other (422).
        return 422, "validation_error", "malformed JSON: the body is not UTF-8 JSON", [
            {"field": "body", "message": "malformed JSON: the body is not UTF-8 JSON"}]
    if isinstance(exc, StarletteHTTPException):
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return exc.status_code, code, str(exc.detail), []
    return 500, "internal_error", INTERNAL_MESSAGE, []


def _request_error(error: Any) -> dict[str, str]:
    """A FastAPI/pydantic error as a field error: ``("body", "vitals", 0, "at")`` ->
    ``vitals[0].at``; malformed JSON -> field ``body``."""
    loc: Sequence[Any] = error.get("loc", ())
    parts = list(loc[1:]) if loc and loc[0] in ("body", "query", "path", "header", "cookie") \
        else list(loc)
    message = str(error.get("msg", "invalid value"))
    if error.get("type") == "json_invalid":
        # The position is in the message; the "field" is the body as a whole.
        reason = (error.get("ctx") or {}).get("error")
        return {"field": "body", "message": f"malformed JSON: {reason}" if reason else message}
    field = ""
    for part in parts:
        if isinstance(part, int):
            field += f"[{part}]"
        else:
            field += f".{part}" if field else str(part)
    return {"field": field or (str(loc[0]) if loc else "request"), "message": message}


def error_payload(code: str, message: str,
                  details: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(exc: BaseException) -> JSONResponse:
    status, code, message, details = classify(exc)
    headers = getattr(exc, "headers", None) if isinstance(exc, StarletteHTTPException) else None
    if isinstance(exc, errors.Unauthenticated):  # RFC 6750: say how to authenticate
        headers = {"WWW-Authenticate": 'Bearer realm="alemtrack"'}
        if exc.retry_after:
            headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(error_payload(code, message, details), status_code=status,
                        headers=headers)


async def _handle(request: Request, exc: Exception) -> JSONResponse:
    response = error_response(exc)
    if response.status_code >= 500:
        log.error("error on %s %s", request.method, request.url.path, exc_info=exc)
    return response


# ---- middlewares ----------------------------------------------------------------------------


async def _send_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class CatchAll:
    """Any exception the handlers did not map: log it, answer a generic 500.

    Starlette's own 500 path re-raises after answering; catching here, inside it, keeps the
    error out of the client's view and logs it once.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:  # too late for a clean error response; let the server close it
                raise
            await _send_json(send, 500, error_payload("internal_error", INTERNAL_MESSAGE))


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 before any route reads them.

    The body is read (and counted) here and replayed to the app, so a chunked upload without a
    Content-Length is limited as well as a declared one.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        message = f"request body larger than {self.max_bytes} bytes"
        await _send_json(send, 413, error_payload("payload_too_large", message))


def install(app: FastAPI, *, max_body_bytes: int) -> None:
    """Register the error handlers and middlewares on ``app``."""
    for exc_class in (errors.AlemtrackError, RequestValidationError, StarletteHTTPException,
                      OverflowError):
        app.add_exception_handler(exc_class, _handle)
    # The last added middleware is the outermost: CatchAll also covers BodyLimit.
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(CatchAll)
