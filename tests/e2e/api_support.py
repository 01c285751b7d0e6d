"""What the REST API tests share: a real Clinic on a temporary SQLite file, built through
bootstrap with a fixed clock, served by the app factory with uvicorn on a free loopback port,
spoken to over real HTTP with httpx, and example bundles imported through
``POST /api/v1/imports``.

A real server rather than Starlette's TestClient: the request bodies (declared, chunked,
oversized) travel as they would from a hospital system.

Every request authenticates for real: ``api_client`` creates one user per role (``USERS``) with a
personal bearer token each; the client sends the neurologist's token unless a test passes
``headers=client.auth(role)`` (or no ``Authorization`` at all to see the 401).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI

from alemtrack import bootstrap
from alemtrack.api import create_app
from alemtrack.config import Settings

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TODAY = date(2026, 11, 12)  # the ITP example's assessment date (06-itp-month-19.case.json)
API = "/api/v1"
# One user per role; the neurologist is the default caller.
USERS = {"admin": "admin", "neurologist": "dr.lind", "nurse": "nurse.k",
         "pharmacist": "pharm.p", "viewer": "viewer.v"}
DEFAULT_ROLE = "neurologist"
PASSWORD = "correct-horse-battery-staple"
# Argon2 at its cheapest: the tests create many users; production uses argon2-cffi's defaults.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def settings_for(db: Path, **overrides: Any) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite:///{db}", **overrides)  # type: ignore[call-arg]


class ApiClient(httpx.Client):
    """An HTTP client of a running application; ``app`` is the application it talks to,
    ``tokens`` the personal bearer token of each role's user (``USERS``)."""

    app: FastAPI
    tokens: dict[str, str]

    def auth(self, role: str) -> dict[str, str]:
        """Headers that authenticate as ``role``'s user."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def add_users(app: FastAPI, password: str = PASSWORD) -> dict[str, str]:
    """Create ``USERS`` in the application's accounts; each role's personal token."""
    accounts = app.state.accounts
    tokens = {}
    for role, name in USERS.items():
        accounts.add_user(name, role, password, by="test-setup")
        tokens[role] = accounts.create_token(name, "tests", by="test-setup")[1]
    return tokens


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on 127.0.0.1 and a free port; the base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                            lifespan="off", ws="none", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="api-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def api_client(db: Path, *, today: date = TODAY, **overrides: Any) -> Iterator[ApiClient]:
    """A client of the whole application on a fresh database at ``db``."""
    settings = settings_for(db, **overrides)
    bootstrap.upgrade_database(settings.database_url)
    clinic = bootstrap.build_clinic(settings, clock=lambda: today)
    accounts = bootstrap.build_accounts(clinic, settings, hasher=FAST_HASHER)
    app = create_app(clinic, settings, accounts)
    tokens = add_users(app)
    headers = {"Authorization": f"Bearer {tokens[DEFAULT_ROLE]}"}
    with serve(app) as base_url, ApiClient(base_url=base_url, timeout=60,
                                           headers=headers) as client:
        client.app = app
        client.tokens = tokens
        yield client


def bundle(stem: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{stem}.bundle.json").read_text("utf-8"))


def import_example(client: httpx.Client, stem: str) -> dict[str, Any]:
    """Import ``examples/<stem>.bundle.json`` through the API; the ImportReport."""
    response = client.post(f"{API}/imports", json=bundle(stem), params={"source": stem})
    assert response.status_code == 201, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an error of interfaces.md §4 with nothing else in it; its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    for detail in body["error"]["details"]:
        assert set(detail) == {"field", "message"}
    assert_no_stack_trace(response.text)
    return body["error"]


def assert_no_stack_trace(text: str) -> None:
    for tell in ("Traceback", 'File "', '.py", line', "site-packages"):
        assert tell not in text, f"{tell!r} leaked into an error body: {text[:300]}"


def fields(error: dict[str, Any]) -> list[str]:
    return [d["field"] for d in error["details"]]
