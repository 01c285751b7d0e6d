"""The accounts service on SQLite and PostgreSQL: Argon2id hashes, throttling windows and
lockout expiry (with a clock the test moves), sessions ended by logout, password reset and
disabling, token expiry, and docs/security.md's matrix table equal to the code's matrix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from alemtrack.errors import Conflict, Unauthenticated, ValidationError
from alemtrack.services.accounts import ALL_ROLES, MATRIX, Accounts, SecurityPolicy
from alemtrack.store.sql import make_engine

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
PASSWORD = "a-long-enough-password"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def moment() -> Clock:
    return Clock()


@pytest.fixture
def accounts(clinic, moment: Clock) -> Iterator[Accounts]:
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield Accounts(clinic.units_of_work, now=moment, hasher=hasher,
                   policy=SecurityPolicy(max_failures_per_user=3, max_failures_per_address=5,
                                         failure_window_minutes=10, lockout_minutes=15))


def test_passwords_are_stored_as_argon2id_hashes_only(accounts, database_url):
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.scalar(text("SELECT password_hash FROM users WHERE name = 'anna'"))
    finally:
        engine.dispose()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_user_needs_a_known_role_a_usable_name_and_a_long_password(accounts):
    with pytest.raises(ValidationError, match="role"):
        accounts.add_user("anna", "superuser", PASSWORD, by="test")
    with pytest.raises(ValidationError, match="name"):
        accounts.add_user("anna smith", "nurse", PASSWORD, by="test")
    with pytest.raises(ValidationError, match="12 characters"):
        accounts.add_user("anna", "nurse", "short", by="test")
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    with pytest.raises(Conflict):
        accounts.add_user("anna", "viewer", PASSWORD, by="test")


def test_a_lockout_ends_after_its_duration_and_a_success_resets_the_count(accounts, moment):
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    for _ in range(3):
        with pytest.raises(Unauthenticated, match="wrong"):
            accounts.login("anna", "nope-nope-nope", address="10.0.0.1")
        moment.at += timedelta(minutes=1)
    with pytest.raises(Unauthenticated, match="too many") as locked:
        accounts.login("anna", PASSWORD, address="10.0.0.2")
    assert locked.value.retry_after == 14 * 60 + 1  # seconds, rounded up
    moment.at += timedelta(minutes=14)  # 15 minutes after the last failure
    assert accounts.login("anna", PASSWORD, address="10.0.0.2").actor.name == "anna"
    for _ in range(2):  # counted again from the success
        with pytest.raises(Unauthenticated, match="wrong"):
            accounts.login("anna", "nope-nope-nope", address="10.0.0.3")
    assert accounts.login("anna", PASSWORD, address="10.0.0.3").actor.role == "nurse"


def test_failures_spread_wider_than_the_window_do_not_lock(accounts, moment):
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    for _ in range(4):
        with pytest.raises(Unauthenticated, match="wrong"):
            accounts.login("anna", "nope-nope-nope", address="10.0.0.1")
        moment.at += timedelta(minutes=6)
    assert accounts.login("anna", PASSWORD, address="10.0.0.1").actor.name == "anna"


def test_an_address_is_locked_after_failures_on_many_user_names(accounts):
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    for i in range(5):
        with pytest.raises(Unauthenticated):
            accounts.login(f"guess{i}", "nope-nope-nope", address="10.6.6.6")
    with pytest.raises(Unauthenticated, match="too many"):
        accounts.login("anna", PASSWORD, address="10.6.6.6")
    assert accounts.login("anna", PASSWORD, address="10.0.0.1").actor.name == "anna"


def test_sessions_expire_end_at_logout_and_at_a_password_reset(accounts, moment):
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    first = accounts.login("anna", PASSWORD, address="a")
    assert accounts.session(first.cookie).csrf == first.csrf
    accounts.logout(first.cookie)
    with pytest.raises(Unauthenticated):
        accounts.session(first.cookie)
    second = accounts.login("anna", PASSWORD, address="a")
    new_password = accounts.reset_password("anna", by="admin")
    with pytest.raises(Unauthenticated):
        accounts.session(second.cookie)
    with pytest.raises(Unauthenticated):
        accounts.login("anna", PASSWORD, address="a")
    third = accounts.login("anna", new_password, address="a")
    moment.at += timedelta(minutes=accounts.policy.session_minutes)
    with pytest.raises(Unauthenticated):
        accounts.session(third.cookie)


def test_a_disabled_user_cannot_log_in_and_loses_sessions_and_tokens(accounts):
    accounts.add_user("anna", "nurse", PASSWORD, by="test")
    session = accounts.login("anna", PASSWORD, address="a")
    token = accounts.create_token("anna", "script", by="test")[1]
    accounts.set_disabled("anna", True, by="admin")
    with pytest.raises(Unauthenticated):
        accounts.session(session.cookie)
    with pytest.raises(Unauthenticated):
        accounts.bearer(token)
    with pytest.raises(Unauthenticated, match="wrong"):
        accounts.login("anna", PASSWORD, address="a")
    accounts.set_disabled("anna", False, by="admin")
    with pytest.raises(Unauthenticated):  # revoked tokens stay revoked
        accounts.bearer(token)


def test_personal_tokens_expire(accounts, moment):
    accounts.add_user("anna", "viewer", PASSWORD, by="test")
    info, token = accounts.create_token("anna", "script", days=2, by="test")
    assert info.expires_at == moment.at + timedelta(days=2)
    assert accounts.bearer(token).name == "anna"
    moment.at += timedelta(days=2)
    with pytest.raises(Unauthenticated, match="expired"):
        accounts.bearer(token)
    with pytest.raises(ValidationError):
        accounts.create_token("anna", "forever", days=10_000, by="test")


def test_security_events_go_to_the_audit_hook_without_secrets(accounts):
    events: list[tuple[str, dict[str, object]]] = []
    accounts.set_audit(lambda event, **fields: events.append((event, fields)))
    accounts.add_user("anna", "nurse", PASSWORD, by="admin")
    with pytest.raises(Unauthenticated):
        accounts.login("anna", "nope-nope-nope", address="10.0.0.9")
    login = accounts.login("anna", PASSWORD, address="10.0.0.9")
    accounts.logout(login.cookie, address="10.0.0.9")
    _, token = accounts.create_token("anna", "t", by="admin")
    names = [(e, f["outcome"]) for e, f in events]
    assert names == [("user.add", "success"), ("login", "failed"), ("login", "success"),
                     ("logout", "success"), ("token.create", "success")]
    assert all(PASSWORD not in str(f) and token not in str(f) for _, f in events)
    assert events[1][1]["address"] == "10.0.0.9"


def test_the_documented_matrix_is_the_matrix_of_the_code():
    text_lines = DOCS.read_text("utf-8").splitlines()
    start = next(i for i, line in enumerate(text_lines) if line.startswith("| action |"))
    header = text_lines[start]
    lines = []
    for line in text_lines[start + 2:]:
        if not line.startswith("|"):
            break
        lines.append(line)
    documented = {}
    roles = [c.strip() for c in header.strip("|").split("|")][1:]
    assert roles == list(ALL_ROLES)
    for line in lines:
        cells = [c.strip() for c in line.strip("|").split("|")]
        action = re.fullmatch(r"`([\w.-]+)`.*", cells[0])[1]  # type: ignore[index]
        documented[action] = frozenset(r for r, c in zip(roles, cells[1:], strict=True)
                                       if c == "yes")
    assert documented == MATRIX
