"""``alemtrack serve`` and ``alemtrack db upgrade``: run the clinic application on a real
database (``ALEMTRACK_DATABASE_URL``, SQLite file by default).

    alemtrack serve [--host 127.0.0.1] [--port 8000]
    alemtrack db upgrade
"""

from __future__ import annotations

import re
from typing import Annotated

import typer
import uvicorn

from alemtrack import bootstrap
from alemtrack.api import create_app
from alemtrack.config import Settings
from alemtrack.errors import AlemtrackError
from alemtrack.services.clinic import Clinic

from .common import fail


def display_url(url: str) -> str:
    """A database URL fit to print: the password masked."""
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def serve_app(clinic: Clinic, settings: Settings, *, host: str, port: int) -> None:
    """Serve the application (REST API, OpenAPI, web UI) until interrupted; prints the address.
    Shared with ``alemtrack demo``."""
    app = create_app(clinic, settings)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"alemtrack: {settings.site_name} at http://{shown}:{port}/ "
               f"(API http://{shown}:{port}/api/v1, OpenAPI http://{shown}:{port}/openapi.json)")
    typer.echo(f"alemtrack: database {display_url(settings.database_url)}; Ctrl+C stops")
    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``db upgrade`` to the ``alemtrack`` application."""

    @app.command("serve")
    def serve_command(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    ) -> None:
        """Serve the clinic application on the configured database (migrated first)."""
        settings = Settings()  # values come from the environment
        try:
            bootstrap.upgrade_database(settings.database_url)
            clinic = bootstrap.build_clinic(settings)
        except AlemtrackError as exc:
            fail(str(exc))
        serve_app(clinic, settings, host=host, port=port)

    db = typer.Typer(help="Database administration.", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade_command() -> None:
        """Create or migrate the database schema to the latest version."""
        settings = Settings()  # values come from the environment
        try:
            bootstrap.upgrade_database(settings.database_url)
        except AlemtrackError as exc:
            fail(str(exc))
        typer.echo(f"alemtrack: database {display_url(settings.database_url)} is up to date")

    app.add_typer(db, name="db")
