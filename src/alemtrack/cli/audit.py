"""``alemtrack audit``: check, export and switch the audit trail (docs/audit.md).

    alemtrack audit verify                 exit 0 intact, 1 tampered (first bad entry named)
    alemtrack audit export [--since D] [--out FILE] [--format ndjson|bundle]
    alemtrack audit disable --reason TEXT  recorded before recording stops
    alemtrack audit enable

The database is ``ALEMTRACK_DATABASE_URL``; the actor recorded is ``--actor`` (default: the
operating-system user).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer

from alemtrack.config import Settings
from alemtrack.services import audit_fhir
from alemtrack.services.audit import AUDIT_EXPORT, AUDIT_VERIFY, FAILURE, SUCCESS, AuditRecorder
from alemtrack.services.clinic import Clinic

from .common import default_actor, fail, open_clinic


class ExportFormat(StrEnum):
    ndjson = "ndjson"
    bundle = "bundle"


def record_command(clinic: Clinic, action: str, *, patient_id: int | None = None,
                   outcome: str = SUCCESS, detail: dict[str, str | int | bool | None] | None = None,
                   actor: str | None = None) -> None:
    """Record what a command did (``import.fhir``, ``export.fhir``, ...) in the audit trail,
    as the operating-system user: every import and export is recorded, not only HTTP ones."""
    if clinic.audit is not None:
        clinic.audit.record(action, actor=actor or default_actor(), patient_id=patient_id,
                            outcome=outcome, detail={"via": "cli", **(detail or {})})


Actor = Annotated[str, typer.Option("--actor", help="Who runs the command (recorded).",
                                    default_factory=default_actor)]


@contextmanager
def _recorder() -> Iterator[AuditRecorder]:
    clinic = open_clinic()
    try:
        assert clinic.audit is not None  # bootstrap always builds it
        yield clinic.audit
    finally:
        clinic.close()


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            fail(f"--since {value!r} is not a date or date-time; use YYYY-MM-DD[THH:MM]")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def register(app: typer.Typer) -> None:
    """Add ``audit verify|export|disable|enable`` to the ``alemtrack`` application."""
    audit = typer.Typer(help="The audit trail: verify its hash chain, export it as FHIR "
                             "AuditEvents, switch recording off and on.",
                        no_args_is_help=True)

    @audit.command("verify")
    def verify_command(actor: Actor) -> None:
        """Walk the hash chain; name the first changed, deleted or reordered entry."""
        with _recorder() as recorder:
            report = recorder.verify()
            recorder.record(AUDIT_VERIFY, actor=actor,
                            outcome=SUCCESS if report.intact else FAILURE,
                            detail={"checked": report.checked, "first_bad": report.first_bad})
        if report.intact:
            typer.echo(f"audit trail intact: {report.checked} entries, chain verified to "
                       f"entry {report.head_seq}")
            return
        typer.echo(f"audit trail TAMPERED at entry {report.first_bad}: {report.problem} "
                   f"({report.checked} entries verified before it)")
        raise typer.Exit(1)

    @audit.command("export")
    def export_command(
        actor: Actor,
        since: Annotated[str | None, typer.Option(
            help="Only entries recorded from this UTC date or date-time on.")] = None,
        out: Annotated[Path | None, typer.Option(
            help="File to write; standard output when absent.")] = None,
        fmt: Annotated[ExportFormat, typer.Option(
            "--format", help="ndjson (one AuditEvent a line) or a FHIR Bundle.")
        ] = ExportFormat.ndjson,
    ) -> None:
        """Write the trail as FHIR R4 AuditEvent resources (IHE BALP shape)."""
        start = _since(since)
        settings = Settings()
        with _recorder() as recorder:
            events = recorder.export(since=start, site=settings.site_name)
            count = 0
            stream: TextIO = (out.open("w", encoding="utf-8") if out else sys.stdout)
            try:
                if fmt is ExportFormat.ndjson:
                    for event in events:
                        stream.write(json.dumps(event, ensure_ascii=False) + "\n")
                        count += 1
                else:
                    collected = list(events)
                    count = len(collected)
                    now = datetime.now(UTC).isoformat(timespec="seconds")
                    json.dump(audit_fhir.bundle(collected, timestamp=now), stream,
                              ensure_ascii=False, indent=1)
                    stream.write("\n")
            finally:
                if out:
                    stream.close()
            recorder.record(AUDIT_EXPORT, actor=actor,
                            detail={"format": fmt.value, "entries": count,
                                    "since": start.isoformat() if start else None})
        if out:
            typer.echo(f"alemtrack: {count} AuditEvent resources written to {out}", err=True)

    @audit.command("disable")
    def disable_command(
        actor: Actor,
        reason: Annotated[str, typer.Option(help="Why (kept in the trail).")],
    ) -> None:
        """Stop recording. The entry saying who stopped it, and why, is written first."""
        with _recorder() as recorder:
            seq = recorder.disable(actor=actor, reason=reason)
        typer.echo(f"audit recording stopped (entry {seq}); `alemtrack audit enable` "
                   "restarts it")

    @audit.command("enable")
    def enable_command(actor: Actor) -> None:
        """Restart recording (recorded)."""
        with _recorder() as recorder:
            seq = recorder.enable(actor=actor)
        typer.echo(f"audit recording started (entry {seq})")

    app.add_typer(audit, name="audit")


__all__ = ["record_command", "register"]
