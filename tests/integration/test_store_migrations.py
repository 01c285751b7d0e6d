"""The schema comes from the Alembic migrations, on SQLite and on PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from alemtrack.bootstrap import upgrade_database
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.schema import metadata

# The head revision of the migration scripts shipped in the package.
_cfg = Config()
_cfg.set_main_option("script_location", "alemtrack.store:migrations")
HEAD = ScriptDirectory.from_config(_cfg).get_current_head()

TABLES = {
    "patients", "resources", "patient_state", "due_items", "lab_points", "adherence_items",
    "alerts", "alert_events", "import_batches",
}


def test_migrations_create_every_table_on_an_empty_database(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        names = set(inspect(engine).get_table_names())
        assert names >= TABLES | {"alembic_version"}
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == HEAD
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models_exactly(database_url: str) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_upgrading_twice_is_harmless(database_url: str) -> None:
    upgrade_database(database_url)
    upgrade_database(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_synchronous_writes(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/wal.db"
    upgrade_database(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("PRAGMA journal_mode")) == "wal"
            assert conn.scalar(text("PRAGMA synchronous")) == 2  # FULL
            assert conn.scalar(text("PRAGMA foreign_keys")) == 1
    finally:
        engine.dispose()
