"""The idle timeout of web sessions on SQLite and PostgreSQL, with a clock the test moves: a
session unused for the idle limit is ended on the server (its row revoked, an audit event),
activity within the limit keeps it alive, activity is written at most once a minute, the
absolute lifetime still applies, and revision 0006 gives open sessions a last activity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import insert, select

from alemtrack.bootstrap import upgrade_database
from alemtrack.errors import Unauthenticated
from alemtrack.services.accounts import Accounts, SecurityPolicy, SessionEnded
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.security_tables import User, WebSession

PASSWORD = "a-long-enough-password"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def moment() -> Clock:
    return Clock()


@pytest.fixture
def events() -> list[tuple[str, dict[str, Any]]]:
    return []


@pytest.fixture
def accounts(clinic, moment: Clock, events) -> Iterator[Accounts]:
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    accounts = Accounts(clinic.units_of_work, now=moment, hasher=hasher,
                        policy=SecurityPolicy(session_minutes=480, session_idle_minutes=30))
    accounts.set_audit(lambda event, **fields: events.append((event, fields)))
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    yield accounts


def session_row(database_url: str) -> dict[str, Any]:
    """The one session row, its times as aware UTC datetimes on both backends."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(WebSession.created_at, WebSession.last_seen_at,
                                      WebSession.revoked_at)).one()
    finally:
        engine.dispose()
    return dict(row._mapping)


def test_a_session_unused_for_the_idle_limit_is_ended_on_the_server(accounts, moment, events,
                                                                    database_url):
    login = accounts.login("anna", PASSWORD, address="10.0.0.1")
    moment.advance(minutes=29, seconds=59)
    assert accounts.session(login.cookie).actor.name == "anna"  # just within the limit
    moment.advance(minutes=30)
    with pytest.raises(SessionEnded, match="30 minutes") as ended:
        accounts.session(login.cookie)
    assert ended.value.reason == "idle"
    row = session_row(database_url)
    assert row["revoked_at"] == moment.at
    assert ("logout", "anna") in [(e, f["actor"]) for e, f in events]
    # Revoked now: activity cannot bring it back, and it no longer counts as "ended by itself".
    moment.advance(seconds=1)
    with pytest.raises(Unauthenticated) as again:
        accounts.session(login.cookie)
    assert not isinstance(again.value, SessionEnded)


def test_activity_within_the_idle_limit_keeps_the_session_alive(accounts, moment):
    login = accounts.login("anna", PASSWORD, address="10.0.0.1")
    for _ in range(6):  # 2.5 hours in all, never 30 minutes without a request
        moment.advance(minutes=25)
        assert accounts.session(login.cookie).csrf == login.csrf


def test_activity_is_written_at_most_once_a_minute(accounts, moment, database_url):
    login = accounts.login("anna", PASSWORD, address="10.0.0.1")
    opened = moment.at
    assert session_row(database_url)["last_seen_at"] == opened
    for seconds in (10, 20, 20):  # 50 s after the login: nothing written
        moment.advance(seconds=seconds)
        accounts.session(login.cookie)
    assert session_row(database_url)["last_seen_at"] == opened
    moment.advance(seconds=10)  # 60 s: written
    accounts.session(login.cookie)
    assert session_row(database_url)["last_seen_at"] == moment.at


def test_the_absolute_lifetime_applies_to_a_busy_session(accounts, moment):
    login = accounts.login("anna", PASSWORD, address="10.0.0.1")
    for _ in range(479 // 20):
        moment.advance(minutes=20)
        accounts.session(login.cookie)
    moment.at = login.expires_at - timedelta(seconds=1)
    accounts.session(login.cookie)
    moment.at = login.expires_at
    with pytest.raises(SessionEnded, match="480-minute limit") as ended:
        accounts.session(login.cookie)
    assert ended.value.reason == "expired"


def test_revision_0006_counts_open_sessions_as_seen_when_opened(database_url):
    upgrade_database(database_url, "0005")
    engine = make_engine(database_url)
    opened = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    sessions = WebSession.__table__
    try:
        with engine.begin() as conn:
            conn.execute(insert(User).values(id=1, name="anna", role="nurse", password_hash="x",
                                             disabled=False, created_at=opened,
                                             password_changed_at=opened))
            # Only the columns of revision 0005: last_seen_at does not exist yet.
            conn.execute(insert(sessions).values(id="s1", user_id=1, csrf="c",
                                                 created_at=opened,
                                                 expires_at=opened + timedelta(hours=8)))
        upgrade_database(database_url, "0006")
        with engine.connect() as conn:
            seen = conn.scalar(select(WebSession.last_seen_at).where(WebSession.id == "s1"))
    finally:
        engine.dispose()
    assert seen == opened
