"""The composition root: builds the engine, the unit-of-work factory and the ``Clinic``.

Only entry points (CLI, API, web) and tests import this module. Alembic is configured in code,
so migrations run from an installed package without an ``alembic.ini``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from alemtrack.config import Settings
from alemtrack.protocol.parameters import PROFILES
from alemtrack.services.clinic import Clinic
from alemtrack.store.sql import make_engine, sql_unit_of_work_factory

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
    )
