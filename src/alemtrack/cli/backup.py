"""``alemtrack backup PATH`` and ``alemtrack restore PATH`` for the SQLite database named by
``ALEMTRACK_DATABASE_URL``.

``backup`` may run while the application serves (SQLite online backup API: a consistent
snapshot; the file appears only once complete and integrity-checked). ``restore`` checks the
backup, writes it as the configured database (a new file; ``--force`` replaces an existing one,
with the application stopped) and migrates it to the current schema. PostgreSQL: pg_dump and
pg_restore, as docs/operations.md describes; both commands say so and exit 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from alemtrack import bootstrap
from alemtrack.config import Settings
from alemtrack.errors import AlemtrackError
from alemtrack.store.sql.backup import BackupResult, backup_sqlite, restore_sqlite

from .common import fail


def _rows(result: BackupResult) -> str:
    shown = ("patients", "resources", "import_batches", "audit_entries")
    parts = [f"{name}={result.tables[name]}" for name in shown if name in result.tables]
    return " ".join(parts)


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore`` to the ``alemtrack`` application."""

    @app.command("backup")
    def backup_command(
        path: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
        force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    ) -> None:
        """Back up the SQLite database, safely while the application runs."""
        settings = Settings()  # values come from the environment
        try:
            result = backup_sqlite(settings.database_url, path, overwrite=force)
        except AlemtrackError as exc:
            fail(str(exc))
        typer.echo(f"alemtrack: backup of {result.source} written to {result.target} "
                   f"({result.pages} pages, integrity ok; {_rows(result)})")

    @app.command("restore")
    def restore_command(
        path: Annotated[Path, typer.Argument(help="A backup file made by `alemtrack backup`.")],
        force: Annotated[bool, typer.Option(
            "--force", help="Replace the existing database (stop the application first).")
        ] = False,
    ) -> None:
        """Restore a backup as the configured SQLite database, then migrate it."""
        settings = Settings()  # values come from the environment
        try:
            result = restore_sqlite(path, settings.database_url, overwrite=force)
            bootstrap.upgrade_database(settings.database_url)
        except AlemtrackError as exc:
            fail(str(exc))
        typer.echo(f"alemtrack: {result.source} restored to {result.target} "
                   f"({result.pages} pages, integrity ok; {_rows(result)}); schema up to date")
