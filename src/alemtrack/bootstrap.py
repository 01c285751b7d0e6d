"""The composition root: builds the engine, the unit-of-work factory and the ``Clinic``.

Only entry points (CLI, API, web) and tests import this module. Alembic is configured in code,
so migrations run from an installed package without an ``alembic.ini``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy import Engine

from alemtrack.config import Settings
from alemtrack.protocol.parameters import PROFILES
from alemtrack.services.accounts import Accounts, SecurityPolicy
from alemtrack.services.audit import AuditRecorder
from alemtrack.services.clinic import Clinic
from alemtrack.store.sql import make_engine, sql_unit_of_work_factory
from alemtrack.store.sql.audit_store import SqlAuditStore

MIGRATIONS = "alemtrack.store:migrations"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for ``url``, pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_database(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema of the database at ``url`` to ``revision``."""
    engine = make_engine(url)
    try:
        upgrade_engine(engine, revision)
    finally:
        engine.dispose()


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Run the migrations on ``engine`` (one transaction)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def build_clinic(
    settings: Settings,
    clock: Callable[[], date] | None = None,
    now: Callable[[], datetime] | None = None,
) -> Clinic:
    """The ``Clinic`` on ``settings.database_url`` (schema upgraded to the latest revision).

    ``clock`` gives "today" (default: the local calendar date); ``now`` the timestamps of the
    alert lifecycle (default: the current UTC time). ``Clinic.close()`` disposes the engine.
    """
    engine = make_engine(settings.database_url)
    upgrade_engine(engine)
    return Clinic(
        sql_unit_of_work_factory(engine),
        clock=clock or date.today,
        params=PROFILES[settings.profile],
        now=now,
        on_close=engine.dispose,
        audit=build_audit(engine, settings, now),
    )


def build_audit(
    engine: Engine, settings: Settings, now: Callable[[], datetime] | None = None
) -> AuditRecorder:
    """The audit trail on ``engine``; when the setting turns it off, that is recorded first."""
    recorder = AuditRecorder(SqlAuditStore(engine), now=now, enabled=True)
    if not settings.audit_enabled:
        recorder.stopped_by_setting()
    return recorder


def security_policy(settings: Settings) -> SecurityPolicy:
    """The authentication limits configured in ``settings``."""
    return SecurityPolicy(
        session_minutes=settings.session_minutes,
        session_idle_minutes=settings.session_idle_minutes,
        max_failures_per_user=settings.login_max_failures_user,
        max_failures_per_address=settings.login_max_failures_address,
        failure_window_minutes=settings.login_window_minutes,
        lockout_minutes=settings.login_lockout_minutes,
        token_days=settings.token_days,
        access_token_seconds=settings.access_token_seconds,
    )


def build_accounts(
    clinic: Clinic, settings: Settings, now: Callable[[], datetime] | None = None,
    hasher: PasswordHasher | None = None,
) -> Accounts:
    """Users, sessions and tokens on the clinic's database (same units of work); logins,
    failed logins, logouts, user changes and token issuance go to the clinic's audit trail.
    ``hasher``: Argon2 parameters (tests use cheap ones; the default is argon2-cffi's)."""
    accounts = Accounts(clinic.units_of_work, policy=security_policy(settings), now=now,
                        hasher=hasher)
    if clinic.audit is not None:
        accounts.set_audit(clinic.audit.security_event)
    return accounts
