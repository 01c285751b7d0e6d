"""``alemtrack import BUNDLE...``: import FHIR R4 Bundles (files, or directories of ``*.json``)
into the configured database (``ALEMTRACK_DATABASE_URL``), one batch per bundle.

Each bundle is one transaction. Its acknowledgement line is printed (and flushed) only after
that transaction has committed, so every ``batch N`` line on stdout is a batch the database
holds; a process killed at any point loses at most the batch it was working on, and running the
same import again stores nothing twice (identical resources are counted ``unchanged``)::

    batch 12 examples/06-itp-month-19.bundle.json: received=31 stored=31 unchanged=0
        superseded=0 rejected=0 patient=7

Rejection reasons go to stderr (``rejected: FILE: reason``). Exit status 0 when every bundle
was imported, 2 when any file could not be read or was not a usable bundle (the others are
still imported).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from alemtrack.errors import InputError
from alemtrack.services.clinic import Clinic
from alemtrack.services.model import ImportReport

from .audit import record_command
from .common import default_actor, fail, open_clinic


def bundle_files(paths: list[Path]) -> Iterator[Path]:
    """The files named, and every ``*.json`` of the directories named (sorted, not recursive)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.glob("*.json") if p.is_file())
        else:
            yield path


def ack_line(path: Path, report: ImportReport) -> str:
    return (f"batch {report.batch_id} {path}: received={report.received} "
            f"stored={report.stored} unchanged={report.unchanged} "
            f"superseded={report.superseded} rejected={report.rejected_count} "
            f"patient={report.patient_id}")


def import_files(clinic: Clinic, files: list[Path], *, source: str | None, actor: str) -> int:
    """Import each file; the number of files that could not be imported."""
    failed = 0
    for path in files:
        try:
            data: Any = json.loads(path.read_bytes())
            if not isinstance(data, dict):
                raise InputError("not a JSON object (a FHIR Bundle)")
            report = clinic.import_bundle(data, source=source or f"file:{path.name}"[:200],
                                          actor=actor)
        except (OSError, ValueError, InputError) as exc:  # JSONDecodeError is a ValueError
            failed += 1
            sys.stderr.write(f"alemtrack: error: {path}: {exc}\n")
            sys.stderr.flush()
            continue
        # import_bundle returned: its unit of work has committed. Only now acknowledge.
        record_command(clinic, "import.fhir", patient_id=report.patient_id, actor=actor,
                       detail={"source": path.name, "stored": report.stored,
                               "unchanged": report.unchanged, "rejected": report.rejected_count})
        for item in report.rejected:
            sys.stderr.write(f"rejected: {path}: {item.reason}\n")
        sys.stdout.write(ack_line(path, report) + "\n")
        sys.stdout.flush()
    return failed


def register(app: typer.Typer) -> None:
    """Add ``import`` to the ``alemtrack`` application."""

    @app.command("import")
    def import_command(
        bundles: Annotated[list[Path], typer.Argument(
            help="FHIR R4 Bundle files (one patient each) or directories of *.json bundles.")],
        source: Annotated[str | None, typer.Option(
            help="Source recorded in the import ledger (default: file:<name>).")] = None,
        actor: Annotated[str | None, typer.Option(
            help="Who imports, recorded in the ledger (default: cli:<user>).")] = None,
    ) -> None:
        """Import FHIR bundles; one line per batch, printed after it is committed."""
        files = list(bundle_files(bundles))
        if not files:
            fail("no bundle files (*.json) found in " + ", ".join(map(str, bundles)))
        clinic = open_clinic()
        try:
            failed = import_files(clinic, files, source=source, actor=actor or default_actor())
        finally:
            clinic.close()
        if failed:
            sys.stderr.write(f"alemtrack: {failed} of {len(files)} file(s) not imported\n")
            raise typer.Exit(2)
