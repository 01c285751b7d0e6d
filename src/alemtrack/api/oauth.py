"""``POST /oauth/token``: OAuth2 client credentials with a signed JWT assertion (RFC 6749 §4.4,
RFC 7521/7523 ``private_key_jwt``).

A system registered with ``alemtrack client add`` (its public keys as a JWKS) posts a JWT it
signed with its private key; the answer is a short-lived bearer access token. Errors follow
RFC 6749 §5.2 (``{"error": "invalid_client", "error_description": ...}``) because OAuth2 client
libraries expect that shape; this route is public (it is where credentials are presented).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from alemtrack.config import Settings
from alemtrack.errors import Unauthenticated
from alemtrack.services.accounts import ASSERTION_TYPE

from .security import get_accounts

router = APIRouter(tags=["oauth"])
TOKEN_PATH = "/oauth/token"
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

_FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["grant_type", "client_assertion_type", "client_assertion"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_assertion_type": {"type": "string", "enum": [ASSERTION_TYPE]},
        "client_assertion": {"type": "string", "description": "The signed JWT: iss = sub = "
                             "client id, aud = this endpoint's URL, exp (at most 5 minutes "
                             "ahead), jti (single use); RS/PS/ES/EdDSA algorithms only."},
        "scope": {"type": "string", "description": "Ignored: the client's role decides."},
    },
}
_TOKEN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in"],
    "properties": {"access_token": {"type": "string"},
                   "token_type": {"type": "string", "enum": ["Bearer"]},
                   "expires_in": {"type": "integer"}},
}
_OAUTH_ERROR: dict[str, Any] = {
    "type": "object", "required": ["error"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}


def _error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description},
                        status_code=status, headers=_NO_STORE)


@router.post(
    TOKEN_PATH, summary="OAuth2 token (client credentials, private_key_jwt)",
    response_model=None,
    openapi_extra={
        "requestBody": {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA}}},
        "responses": {
            "200": {"description": "A short-lived bearer access token.",
                    "content": {"application/json": {"schema": _TOKEN_SCHEMA}}},
            "400": {"description": "Malformed request or unsupported grant (RFC 6749 §5.2).",
                    "content": {"application/json": {"schema": _OAUTH_ERROR}}},
            "401": {"description": "The client or its assertion is refused.",
                    "content": {"application/json": {"schema": _OAUTH_ERROR}}},
        },
    },
)
async def token(request: Request) -> JSONResponse:
    """Exchange a client's signed JWT assertion for an access token (`expires_in` seconds)."""
    try:
        form = await request.form()
    except Exception:  # not a form body at all
        return _error(400, "invalid_request", "send application/x-www-form-urlencoded fields")
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    if fields.get("grant_type") != "client_credentials":
        return _error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if fields.get("client_assertion_type") != ASSERTION_TYPE:
        return _error(400, "invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
    assertion = fields.get("client_assertion", "")
    if not assertion or len(assertion) > 16_384:
        return _error(400, "invalid_request", "client_assertion (a signed JWT) is required")
    settings: Settings = request.app.state.settings
    here = str(request.url.replace(query=None))
    audiences = [here] + ([settings.oauth_token_url] if settings.oauth_token_url else [])
    address = request.client.host if request.client else None
    accounts = get_accounts(request)
    try:
        # The database is involved: keep the event loop free.
        issued = await run_in_threadpool(accounts.client_token, assertion,
                                         audiences=audiences, address=address)
    except Unauthenticated as exc:
        return _error(401, "invalid_client", str(exc))
    return JSONResponse({"access_token": issued.token, "token_type": "Bearer",
                         "expires_in": issued.expires_in}, headers=_NO_STORE)
