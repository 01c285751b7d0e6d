"""What the web UI tests share: a real Clinic on a temporary SQLite file (bootstrap, fixed
clock), a few example bundles imported, and the whole application (``create_app``, which mounts
the web UI) served by uvicorn on a free loopback port.

Pages need a session: ``build`` creates one user per role (``WEB_USERS``, password
``PASSWORD``) and ``logged_in(url, name)`` gives an httpx client logged in through the real
login form; its ``post`` adds the session's CSRF token to every form it sends (pass
``csrf_token`` yourself to send another)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from alemtrack import bootstrap
from alemtrack.api import create_app
from alemtrack.services.clinic import Clinic
from tests.e2e.api_support import EXAMPLES, FAST_HASHER, PASSWORD, serve, settings_for

TODAY = date(2026, 11, 21)
SITE = "St Elsewhere MS Centre"
# One user per role; dr.rossi (neurologist) may do everything the pages offer.
WEB_USERS = {"admin": "admin", "neurologist": "dr.rossi", "nurse": "nurse.k",
             "pharmacist": "pharm.p", "viewer": "viewer.v"}
DEFAULT_USER = "dr.rossi"
# 06: urgent platelet alert (R-H4); 13: overdue monitoring; 07: creatinine rise; 01: candidate.
STEMS = (
    "01-treatment-naive-ready-to-start",
    "06-itp-month-19",
    "07-anti-gbm-creatinine-rise-haematuria",
    "13-overdue-monitoring",
)


@dataclass
class WebClinic:
    app: FastAPI
    clinic: Clinic
    patients: dict[str, int]  # example stem -> patient id


def build(db: Path, stems: tuple[str, ...] = STEMS, today: date = TODAY) -> WebClinic:
    settings = settings_for(db, site_name=SITE)
    clinic = bootstrap.build_clinic(settings, clock=lambda: today)
    patients = {}
    for stem in stems:
        bundle = json.loads((EXAMPLES / f"{stem}.bundle.json").read_text("utf-8"))
        patients[stem] = clinic.import_bundle(bundle, source=stem, actor="setup").patient_id
    app = create_app(clinic, settings,
                     bootstrap.build_accounts(clinic, settings, hasher=FAST_HASHER))
    for role, name in WEB_USERS.items():
        app.state.accounts.add_user(name, role, PASSWORD, by="test-setup")
    return WebClinic(app, clinic, patients)


@contextmanager
def served(db: Path, stems: tuple[str, ...] = STEMS) -> Iterator[tuple[str, WebClinic]]:
    """The base URL of the running application and what it was built from."""
    web = build(db, stems)
    with serve(web.app) as base_url:
        yield base_url, web


_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


class WebClient(httpx.Client):
    """A browser-like client with a session: ``post`` sends the session's CSRF token."""

    csrf: str = ""

    def post(self, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        data = kwargs.get("data")
        if isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf}
        return super().post(url, **kwargs)


def login(client: httpx.Client, name: str, password: str = PASSWORD) -> httpx.Response:
    """Log in through the login form (its CSRF cookie and field); the final response."""
    form = client.get("/login")
    token = _CSRF.search(form.text)
    assert token, form.text[:300]
    return httpx.Client.post(client, "/login", data={"name": name, "password": password,
                                                      "csrf_token": token[1], "next": "/"})


@contextmanager
def logged_in(url: str, name: str = DEFAULT_USER) -> Iterator[WebClient]:
    """A client of the application at ``url`` logged in as ``name``."""
    with WebClient(base_url=url, timeout=60) as client:
        response = login(client, name)
        assert response.status_code == 303, response.text[:300]
        page = client.get("/print/checklist" if name == "viewer.v" else "/")
        token = _CSRF.search(client.get("/patients").text)
        assert token, page.text[:300]
        client.csrf = token[1]
        yield client
