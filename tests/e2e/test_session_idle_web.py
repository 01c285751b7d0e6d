"""The idle timeout of the web UI over real HTTP, with a clock the test moves: a page after the
idle limit redirects to the login page, which says why, and the session row is ended on the
server; pages within the limit keep the session; the absolute lifetime still ends a busy one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from alemtrack import bootstrap
from alemtrack.api import create_app
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.security_tables import WebSession
from tests.e2e.api_support import FAST_HASHER, serve, settings_for
from tests.e2e.web_support import login


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Site:
    url: str
    clock: Clock
    database_url: str


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    settings = settings_for(tmp_path / "idle.db", session_idle_minutes=30, session_minutes=480)
    clinic = bootstrap.build_clinic(settings)
    clock = Clock()
    app = create_app(clinic, settings,
                     bootstrap.build_accounts(clinic, settings, now=clock, hasher=FAST_HASHER))
    app.state.accounts.add_user("nurse.k", "nurse", "correct-horse-battery-staple", by="test")
    try:
        with serve(app) as url:
            yield Site(url, clock, settings.database_url)
    finally:
        clinic.close()


def revoked_at(site: Site) -> datetime | None:
    engine = make_engine(site.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(WebSession.revoked_at)).scalar_one()
    finally:
        engine.dispose()


def test_a_page_after_the_idle_limit_goes_to_the_login_page_which_says_why(site):
    with httpx.Client(base_url=site.url) as client:
        assert login(client, "nurse.k").status_code == 303
        assert client.get("/patients").status_code == 200
        site.clock.at += timedelta(minutes=31)
        response = client.get("/patients")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fpatients&ended=idle"
        assert revoked_at(site) == site.clock.at  # ended on the server, not only refused
        assert "alemtrack_session" not in client.cookies  # and the cookie deleted
        page = client.get(response.headers["location"])
        assert page.status_code == 200 and 'name="password"' in page.text
        assert "logged out after 30 minutes without activity" in page.text
        site.clock.at += timedelta(seconds=1)
        assert client.get("/patients").status_code == 303


def test_the_old_cookie_does_not_work_after_the_idle_timeout(site):
    with httpx.Client(base_url=site.url) as client:
        login(client, "nurse.k")
        cookie = client.cookies["alemtrack_session"]
        site.clock.at += timedelta(minutes=45)
        assert client.get("/patients").status_code == 303
    with httpx.Client(base_url=site.url, cookies={"alemtrack_session": cookie}) as replay:
        site.clock.at += timedelta(seconds=1)
        response = replay.get("/patients")
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fpatients"


def test_pages_within_the_idle_limit_keep_the_session(site):
    with httpx.Client(base_url=site.url) as client:
        login(client, "nurse.k")
        for _ in range(5):  # 2 hours 5 minutes, a page every 25 minutes
            site.clock.at += timedelta(minutes=25)
            assert client.get("/patients").status_code == 200
        assert revoked_at(site) is None


def test_the_absolute_lifetime_still_ends_a_busy_session(site):
    with httpx.Client(base_url=site.url) as client:
        login(client, "nurse.k")
        for _ in range(23):  # a page every 20 minutes: 7 h 40 min
            site.clock.at += timedelta(minutes=20)
            assert client.get("/patients").status_code == 200
        site.clock.at += timedelta(minutes=20)  # 8 hours after the login
        response = client.get("/patients")
        assert response.headers["location"] == "/login?next=%2Fpatients&ended=expired"
        assert "reached its 480-minute limit" in client.get(response.headers["location"]).text
