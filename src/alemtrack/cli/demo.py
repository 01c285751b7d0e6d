"""``alemtrack demo``: build (or reuse) the synthetic demo clinic in a SQLite file and serve it.

    alemtrack demo [--host 127.0.0.1] [--port 8000] [--database alemtrack-demo.db]
                   [--patients 150] [--seed 2026] [--fresh] [--today YYYY-MM-DD] [--build-only]
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alemtrack import bootstrap
from alemtrack.api import create_app
from alemtrack.config import Settings
from alemtrack.demo.builder import DEFAULT_DATABASE, DemoBuild, build_demo
from alemtrack.demo.generator import DEFAULT_PATIENTS, DEFAULT_SEED, DemoPatient, local_today
from alemtrack.demo.users import ensure_demo_users
from alemtrack.errors import AlemtrackError

from .common import fail, parse_date


def _build(database: Path, today: date, patients: int, seed: int, fresh: bool) -> DemoBuild:
    console = Console(stderr=True, highlight=False)
    with Progress(TextColumn("alemtrack demo: importing patients"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("import", total=patients)

        def advance(done: int, total: int, _patient: DemoPatient | None) -> None:
            bar.update(task, completed=done, total=total)

        return build_demo(database, today=today, patients=patients, seed=seed, fresh=fresh,
                          progress=advance)


def register(app: typer.Typer) -> None:
    """Add ``demo`` to the ``alemtrack`` application."""

    @app.command("demo")
    def demo_command(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
        database: Annotated[Path, typer.Option(
            help="SQLite file of the demo clinic (reused unless --fresh or made for another "
                 "day).")] = DEFAULT_DATABASE,
        patients: Annotated[int, typer.Option(min=1, max=5000,
                                              help="Patients in the clinic.")] = DEFAULT_PATIENTS,
        seed: Annotated[int, typer.Option(help="Seed of the synthetic clinic.")] = DEFAULT_SEED,
        fresh: Annotated[bool, typer.Option(
            "--fresh", help="Rebuild the database even if it could be reused.")] = False,
        today: Annotated[str | None, typer.Option(
            help="Reference date of the clinic, YYYY-MM-DD (default: today); the served "
                 "clinic then stays on that day.")] = None,
        build_only: Annotated[bool, typer.Option(
            "--build-only", help="Build (or reuse) the database and exit without serving.")
        ] = False,
    ) -> None:
        """Serve a synthetic clinic of alemtuzumab patients in every phase (SQLite demo)."""
        try:
            fixed = parse_date(today, "--today") if today else None
            reference = fixed or local_today()
            result = _build(database, reference, patients, seed, fresh)
        except AlemtrackError as exc:
            fail(str(exc))
        if result.built:
            typer.echo(f"alemtrack demo: built {result.database} for {result.today}: "
                       f"{result.patients} patients, {result.resources} FHIR resources "
                       f"imported in {result.seconds:.0f} s")
        else:
            typer.echo(f"alemtrack demo: reusing {result.database} (built for {result.today}; "
                       f"--fresh rebuilds it)")
        if build_only:
            return
        settings = Settings(database_url=result.url, demo=True)
        clinic = bootstrap.build_clinic(settings, clock=(lambda: reference) if fixed else None)
        accounts = bootstrap.build_accounts(clinic, settings)
        # Real login in the demo too: one user per role, new passwords at every start.
        typer.echo("alemtrack demo: log in as (new passwords at every start):")
        users = ensure_demo_users(accounts)
        for role, (name, password) in users.items():
            typer.echo(f"  {role:<12} {name:<18} {password}")
        neurologist = users["neurologist"][0]
        token = accounts.create_token(neurologist, "demo", days=1, by="alemtrack-demo")[1]
        typer.echo(f"alemtrack demo: REST API token of {neurologist} (1 day): {token}")
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"alemtrack demo: serving the demo clinic at http://{shown}:{port}/ "
                   f"(Ctrl+C stops)", )
        try:
            uvicorn.run(create_app(clinic, settings, accounts), host=host, port=port,
                        log_level="warning", server_header=False)
        finally:
            clinic.close()
