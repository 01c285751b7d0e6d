"""``alemtrack import-bulk`` and ``alemtrack export``: FHIR Bulk Data ndjson in, a patient's plan
and state out (docs/fhir-bulk.md).

    alemtrack import-bulk EXPORT_DIR_OR_FILES... [--source S] [--actor A] [--strict]
    alemtrack export PATIENT --out FILE [--on YYYY-MM-DD] [--no-records] [--actor A]

``import-bulk`` shows a progress bar over the bytes read (on stderr) and prints a summary: the
ledger of the per-patient batches, what was not imported and why, and the reader's notes.
Exit status 0 when the import ran, 2 when there was nothing to import (or, with ``--strict``,
anything was refused or rejected).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from alemtrack.errors import InputError, NotFound
from alemtrack.interop.fhir.bulk import ndjson_files
from alemtrack.services.bulk import BulkReport, import_bulk
from alemtrack.services.exports import export_patient, find_patient

from .audit import record_command
from .common import default_actor, fail, open_clinic, parse_date

_SHOWN = 50  # refusals and rejections printed in full; the rest are counted


def summary_lines(report: BulkReport, seconds: float) -> list[str]:
    """The end-of-import summary (plain text)."""
    rate = report.received / seconds if seconds > 0 else 0.0
    unrelated = sum(report.unrelated.values())
    lines = [
        f"imported {report.patients} patient(s) from {report.files} file(s): "
        f"{report.bytes:,} bytes, {report.lines:,} lines in {seconds:.1f} s "
        f"({rate:,.0f} resources/s)",
        f"batches: received {report.received:,} = stored {report.stored:,} + unchanged "
        f"{report.unchanged:,} + rejected {report.rejected:,} (superseded {report.superseded:,}; "
        f"{report.medications_added:,} shared Medication copies included)",
        f"not imported: {report.refused:,} refused, {report.earlier_versions:,} earlier Patient "
        f"version(s), {report.shared:,} Medication line(s) (added to the bundles citing them), "
        f"{unrelated:,} about no patient"
        + (" (" + ", ".join(f"{t} {n:,}" for t, n in sorted(report.unrelated.items())) + ")"
           if unrelated else "")
        + f", {report.log_events:,} bulk-export log event(s)",
        f"ledger: {'balanced' if report.balanced else 'NOT BALANCED'}",
    ]
    if report.notes:
        lines.append(f"notes ({sum(report.notes.values()):,}: read with a change or ignored "
                     "with a reason):")
        lines += [f"  {n:>7,}  {text}" for text, n in report.notes.most_common()]
    for title, items in (("refused", report.refusals), ("rejected", report.rejections)):
        count = report.refused if title == "refused" else len(items)
        for item in items[:_SHOWN]:
            text = str(item) if title == "refused" else getattr(item, "reason", str(item))
            lines.append(f"{title}: {text}")
        if count > _SHOWN:
            lines.append(f"{title}: ... and {count - _SHOWN:,} more")
    return lines


def register(app: typer.Typer) -> None:
    """Add ``import-bulk`` and ``export`` to the ``alemtrack`` application."""

    @app.command("import-bulk")
    def import_bulk_command(
        paths: Annotated[list[Path], typer.Argument(
            help="Bulk Data export: directories (their *.ndjson files) or ndjson files.")],
        source: Annotated[str, typer.Option(
            help="Source recorded in the import ledger.")] = "fhir-bulk",
        actor: Annotated[str | None, typer.Option(
            help="Who imports, recorded in the ledger (default: cli:<user>).")] = None,
        strict: Annotated[bool, typer.Option(
            help="Exit 2 when any line or resource was refused or rejected.")] = False,
    ) -> None:
        """Import a FHIR Bulk Data export patient by patient (flat memory), with progress."""
        files = ndjson_files(paths)
        missing = [f for f in files if not f.is_file()]
        if missing:
            fail("not found: " + ", ".join(map(str, missing)))
        if not files:
            fail("no *.ndjson files in " + ", ".join(map(str, paths)))
        total = sum(f.stat().st_size for f in files)
        clinic = open_clinic()
        err = Console(stderr=True)
        started = time.monotonic()
        try:
            with Progress(TextColumn("{task.description:<10}"), BarColumn(), DownloadColumn(),
                          TransferSpeedColumn(), TimeRemainingColumn(), console=err,
                          transient=False) as progress:
                tasks = {"index": progress.add_task("indexing", total=total),
                         "import": progress.add_task("importing", total=total)}
                report = import_bulk(
                    clinic, files, source=source[:200], actor=actor or default_actor(),
                    progress=lambda phase, n: progress.advance(tasks[phase], n),
                )
            record_command(clinic, "import.fhir", actor=actor or default_actor(),
                           detail={"source": source[:200], "files": report.files,
                                   "patients": report.patients, "stored": report.stored,
                                   "rejected": report.rejected, "refused": report.refused})
        except InputError as exc:
            fail(str(exc))
        finally:
            clinic.close()
        out = Console(highlight=False, soft_wrap=True)
        for line in summary_lines(report, time.monotonic() - started):
            out.print(line, markup=False)
        if strict and (report.refused or report.rejected):
            sys.stderr.write("alemtrack: refused or rejected resources and --strict given\n")
            raise typer.Exit(2)

    @app.command("export")
    def export_command(
        patient: Annotated[str, typer.Argument(
            help="The patient: its FHIR id, or alemtrack's patient id.")],
        out: Annotated[Path, typer.Option("--out", help="Bundle file to write; - for stdout.")],
        on: Annotated[str | None, typer.Option(
            "--on", help="Assessment date YYYY-MM-DD (default: today).")] = None,
        records: Annotated[bool, typer.Option(
            help="Include the patient's records (needed to re-import the same facts).")] = True,
        actor: Annotated[str | None, typer.Option(
            help="Who exports, named in the Provenance (default: cli:<user>).")] = None,
    ) -> None:
        """Export a patient's plan and state as a FHIR R4 Bundle (CarePlan, Task, DetectedIssue,
        Flag, Provenance), with the records they come from."""
        clinic = open_clinic()
        try:
            as_of = parse_date(on, "--on") if on else None
            patient_id = find_patient(clinic, patient)
            bundle = export_patient(clinic, patient_id, actor=actor or default_actor(),
                                    as_of=as_of, records=records)
            record_command(clinic, "export.fhir", patient_id=patient_id,
                           actor=actor or default_actor(), detail={"records": records})
        except (InputError, NotFound) as exc:
            fail(str(exc))
        finally:
            clinic.close()
        text = json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"
        if str(out) == "-":
            sys.stdout.write(text)
            return
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"{out}: cannot be written: {exc.strerror or exc}")
        kinds: dict[str, int] = {}
        for entry in bundle["entry"]:
            rtype = entry["resource"]["resourceType"]
            kinds[rtype] = kinds.get(rtype, 0) + 1
        typer.echo(f"alemtrack: wrote {out}: " + ", ".join(
            f"{n} {t}" for t, n in kinds.items() if t in
            ("CarePlan", "Task", "DetectedIssue", "Flag", "Provenance")
        ) + f", {len(bundle['entry'])} entries in all")
