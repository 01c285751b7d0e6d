"""Authentication of the web UI: the login and logout pages, the session cookie, CSRF
protection of every form, and ``web_authorize(action)``, the dependency of every page.

* The session cookie (``alemtrack_session``) holds a random value whose digest names a
  server-side session (``Accounts``): HttpOnly, SameSite=Lax, Secure over https (setting
  ``cookie_secure``), ended on the server at logout.
* CSRF: a synchronizer token per session, put in every form as ``csrf_token`` and compared on
  every state-changing request; the login form, before any session exists, uses a
  double-submit cookie (``alemtrack_login_csrf``, SameSite=Strict).
* A page without a valid session redirects to ``/login?next=...`` (with ``&ended=idle`` or
  ``&ended=expired`` when the session ended by itself: the login page says so); a role that
  may not perform the page's action gets a 403 page (the matrix of ``services.accounts``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from alemtrack.errors import Unauthenticated
from alemtrack.services.accounts import Accounts, Actor, SessionEnded, permitted

if TYPE_CHECKING:
    from alemtrack.config import Settings

    from .pages import Web

SESSION_COOKIE = "alemtrack_session"
LOGIN_CSRF_COOKIE = "alemtrack_login_csrf"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """No valid session: the page redirects to the login page. ``reason`` (``idle`` or
    ``expired``) when the session ended by itself: the login page then says why."""

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason
        super().__init__(reason or "login required")


class WebForbidden(Exception):
    """The session's role may not perform the page's action."""

    def __init__(self, action: str) -> None:
        self.action = action
        super().__init__(action)


class CsrfRefused(Exception):
    """A state-changing request without the form's CSRF token."""


def _accounts(request: Request) -> Accounts:
    accounts: Accounts = request.app.state.accounts
    return accounts


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _form_token(request: Request) -> str:
    form = await request.form()  # parsed once: Starlette keeps it for the page handler
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else ""


def web_authorize(action: str) -> Callable[..., Any]:
    """Dependency of a web page that needs ``action``: a live session, the CSRF token on a
    state-changing request, and a role the matrix allows. Returns the ``Actor``."""

    async def dependency(request: Request) -> Actor:
        cookie = request.cookies.get(SESSION_COOKIE)
        try:
            view = await run_in_threadpool(_accounts(request).session, cookie)
        except SessionEnded as exc:
            raise LoginRequired(exc.reason) from None
        except Unauthenticated:
            raise LoginRequired() from None
        request.state.actor = view.actor  # for the audit trail
        request.state.csrf = view.csrf
        if request.method not in SAFE_METHODS and not secrets.compare_digest(
                await _form_token(request), view.csrf):
            raise CsrfRefused()
        if not permitted(view.actor.role, action):
            raise WebForbidden(action)
        return view.actor

    dependency.action = action  # type: ignore[attr-defined]  # read by the route walk test
    return dependency


def _secure(request: Request, settings: Settings) -> bool:
    if settings.cookie_secure == "always":
        return True
    if settings.cookie_secure == "never":
        return False
    return request.url.scheme == "https"


def _safe_next(raw: str | None) -> str:
    """Only local paths: never redirect to another site."""
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw \
            and not raw.startswith("/login"):
        return raw
    return "/"


def install(app: FastAPI, web: Web, settings: Settings) -> None:
    """The login and logout pages, and the handlers that turn refusals into pages."""
    router = APIRouter(include_in_schema=False)
    # Why the login page is shown again (``/login?ended=...``): fixed texts, nothing echoed.
    ended_notices = {
        "idle": f"You were logged out after {settings.session_idle_minutes} minutes without "
                "activity. Please log in again.",
        "expired": f"Your session reached its {settings.session_minutes}-minute limit. "
                   "Please log in again.",
    }

    def login_page(request: Request, *, status: int = 200, error: str | None = None,
                   name: str = "", next_url: str = "/", notice: str | None = None,
                   headers: dict[str, str] | None = None) -> HTMLResponse:
        token = secrets.token_urlsafe(32)
        response = web.render(request, "login.html.j2", status=status, error=error,
                              login_name=name, next_url=next_url, login_csrf=token, bare=True,
                              notice=notice)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, httponly=True,
                            samesite="strict", secure=_secure(request, settings),
                            path="/login")
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/", ended: str = "") -> Response:
        try:
            await run_in_threadpool(_accounts(request).session,
                                    request.cookies.get(SESSION_COOKIE))
        except SessionEnded as exc:
            return login_page(request, next_url=_safe_next(next),
                              notice=ended_notices.get(exc.reason))
        except Unauthenticated:
            return login_page(request, next_url=_safe_next(next),
                              notice=ended_notices.get(ended))
        return RedirectResponse(_safe_next(next), status_code=303)

    @router.post("/login")
    async def login_submit(request: Request) -> Response:
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        next_url = _safe_next(fields.get("next"))
        cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        if not cookie_token or not secrets.compare_digest(fields.get(CSRF_FIELD, ""),
                                                          cookie_token):
            return login_page(request, status=403, next_url=next_url,
                              error="The login form expired; please try again.")
        name = fields.get("name", "").strip()
        try:
            login = await run_in_threadpool(_accounts(request).login, name,
                                            fields.get("password", ""),
                                            address=_address(request))
        except Unauthenticated as exc:
            throttled = exc.retry_after is not None
            return login_page(
                request, status=429 if throttled else 401, error=str(exc).capitalize() + ".",
                name=name, next_url=next_url,
                headers={"Retry-After": str(exc.retry_after)} if throttled else None)
        response = RedirectResponse(next_url, status_code=303)
        response.set_cookie(SESSION_COOKIE, login.cookie,
                            max_age=settings.session_minutes * 60, httponly=True,
                            samesite="lax", secure=_secure(request, settings), path="/")
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        accounts = _accounts(request)
        cookie = request.cookies.get(SESSION_COOKIE)
        try:
            view = await run_in_threadpool(accounts.session, cookie)
        except Unauthenticated:
            view = None
        if view is not None:
            # A forged cross-site logout is refused like any other forged form.
            if not secrets.compare_digest(await _form_token(request), view.csrf):
                raise CsrfRefused()
            await run_in_threadpool(accounts.logout, cookie, address=_address(request))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def login_required(request: Request, exc: Exception) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = {"next": _safe_next(target)}
        reason = exc.reason if isinstance(exc, LoginRequired) else None
        if reason in ended_notices:
            query["ended"] = reason
        response = RedirectResponse("/login?" + urlencode(query), status_code=303)
        if reason is not None:  # the cookie is worthless now
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    async def forbidden(request: Request, exc: Exception) -> Response:
        action = exc.action if isinstance(exc, WebForbidden) else "?"
        role = getattr(getattr(request.state, "actor", None), "role", "?")
        return web.problem(request, 403, "Not allowed",
                           f"Your role ({role}) may not do this ({action}). "
                           "Ask an administrator if you need it.")

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        return web.problem(request, 403, "Form refused",
                           "The form was not sent from this page or has expired: reload the "
                           "page and try again.")

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(WebForbidden, forbidden)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.include_router(router)


__all__ = ["CSRF_FIELD", "SESSION_COOKIE", "install", "web_authorize"]
