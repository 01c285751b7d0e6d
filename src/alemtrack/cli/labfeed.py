"""Laboratory feeds from the command line (docs/lab-feeds.md):

    alemtrack import-hl7 FILE...              ORU^R01 messages (one or more per file)
    alemtrack import-csv FILE [--dry-run]     lab results as CSV, all or nothing
    alemtrack mllp --port N [--host H]        MLLP listener answering each message with its ACK

All work on the configured database (``ALEMTRACK_DATABASE_URL``). Exit status: 0 when every
message was accepted (AA) or the CSV file was imported (or would be, with --dry-run); 2 when a
message was rejected or had errors (AR, AE), or a CSV row was rejected (nothing imported).
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from alemtrack.config import Settings
from alemtrack.errors import InputError
from alemtrack.interop.hl7v2.mllp import start_listener
from alemtrack.services.clinic import Clinic
from alemtrack.services.labfeed import LabFeed

from .audit import record_command
from .common import fail, open_clinic

_BATCH_SEGMENTS = ("FHS", "BHS", "BTS", "FTS")


def _clinic() -> tuple[Clinic, Settings]:
    settings = Settings()  # values come from the environment
    return open_clinic(settings), settings


def split_messages(text: str) -> list[str]:
    """The messages of a file: each starts at an MSH segment; batch envelopes (FHS, BHS,
    BTS, FTS) and MLLP framing characters are dropped."""
    messages: list[list[str]] = []
    for line in re.split(r"\r\n|\r|\n", text.replace("\x0b", "").replace("\x1c", "\r")):
        if not line.strip() or line[:3] in _BATCH_SEGMENTS:
            continue
        if line.startswith("MSH") or not messages:
            messages.append([])
        messages[-1].append(line)
    return ["\r".join(m) + "\r" for m in messages]


def _lines(handle: IO[str], progress: Progress, task: TaskID) -> Iterator[str]:
    for line in handle:
        progress.advance(task, len(line.encode("utf-8")))
        yield line


def register(app: typer.Typer) -> None:
    """Add ``import-hl7``, ``import-csv`` and ``mllp`` to the ``alemtrack`` application."""

    @app.command("import-hl7")
    def import_hl7_command(
        files: Annotated[list[Path], typer.Argument(help="Files of HL7 v2 ORU^R01 messages.")],
        actor: Annotated[str, typer.Option(help="Who imports (kept in the ledger).")] = "cli",
        show_ack: Annotated[bool, typer.Option("--ack", help="Print each ACK message.")] = False,
    ) -> None:
        """Import HL7 v2 ORU^R01 laboratory messages; prints each message's acknowledgement."""
        texts: list[tuple[Path, str]] = []
        for path in files:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                fail(f"{path}: {exc.strerror or exc}")
            try:
                texts.append((path, raw.decode("utf-8")))
            except UnicodeDecodeError:
                texts.append((path, raw.decode("latin-1")))
        clinic, settings = _clinic()
        feed = LabFeed(clinic, facility=settings.site_name)
        worst = "AA"
        try:
            for path, text in texts:
                messages = split_messages(text) or [text]
                for number, message in enumerate(messages, start=1):
                    outcome = feed.receive_hl7(message, source=f"hl7:{path.name}", actor=actor)
                    record_command(clinic, "import.lab-feed", actor=actor,
                                   detail={"source": f"hl7:{path.name}", "ack": outcome.code})
                    msa = next((s for s in outcome.ack.split("\r") if s.startswith("MSA")), "")
                    summary = msa.split("|")[3] if msa.count("|") >= 3 else ""
                    sys.stdout.write(f"{path}: message {number}: {outcome.code} {summary}\n")
                    for issue in outcome.issues:
                        sys.stderr.write(f"  {issue.severity} {issue}\n")
                    if show_ack:
                        sys.stdout.write(outcome.ack.replace("\r", "\n"))
                    if outcome.code != "AA":
                        worst = outcome.code
        finally:
            clinic.close()
        if worst != "AA":
            raise typer.Exit(2)

    @app.command("import-csv")
    def import_csv_command(
        file: Annotated[Path, typer.Argument(help="CSV of lab results (docs/lab-feeds.md).")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row; store "
                                              "nothing.")] = False,
        actor: Annotated[str, typer.Option(help="Who imports (kept in the ledger).")] = "cli",
    ) -> None:
        """Import lab results from CSV: every row is checked first; any rejected row (listed
        with its line number) means nothing is imported."""
        err = Console(stderr=True, highlight=False)
        try:
            size = file.stat().st_size
            handle = file.open("r", encoding="utf-8-sig", newline="")
        except OSError as exc:
            fail(f"{file}: {exc.strerror or exc}")
        clinic, settings = _clinic()
        feed = LabFeed(clinic, facility=settings.site_name)
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                   TimeRemainingColumn())
        try:
            with handle, Progress(*columns, console=err, transient=False) as progress:
                check = progress.add_task("checking", total=size or None)
                store = progress.add_task("importing", total=None, visible=False)

                def on_patient(done: int, total: int) -> None:
                    progress.update(store, completed=done, total=total, visible=True)

                outcome = feed.import_csv(_lines(handle, progress, check), source=f"csv:"
                                          f"{file.name}", actor=actor, dry_run=dry_run,
                                          on_patient=on_patient)
            if not dry_run:
                record_command(clinic, "import.lab-feed", actor=actor,
                               detail={"source": f"csv:{file.name}", "rows": outcome.rows,
                                       "rejected": len(outcome.rejected)})
        except InputError as exc:
            fail(f"{file}: {exc}")
        finally:
            clinic.close()
        for problem in outcome.rejected:  # one line each, never wrapped: grep-able
            sys.stderr.write(f"rejected: {file}:{problem.line}: {problem.reason}\n")
        if outcome.rejected:
            sys.stderr.write(f"alemtrack: {len(outcome.rejected)} of {outcome.rows} row(s) "
                             "rejected; nothing imported\n")
            raise typer.Exit(2)
        if dry_run:
            typer.echo(f"{file}: {outcome.rows} row(s) checked, all valid; nothing stored "
                       "(--dry-run)")
            return
        typer.echo(f"{file}: {outcome.rows} row(s) imported for {outcome.patients} "
                   f"patient(s): {outcome.stored} stored, {outcome.unchanged} unchanged, "
                   f"{outcome.superseded} superseded")

    @app.command("mllp")
    def mllp_command(
        port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 2575,
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        actor: Annotated[str, typer.Option(help="Who imports (kept in the ledger).")] = "mllp",
    ) -> None:
        """Listen for HL7 v2 messages over MLLP and answer each with its ACK (Ctrl+C stops)."""
        clinic, settings = _clinic()
        feed = LabFeed(clinic, facility=settings.site_name)

        def handle(text: str) -> str:
            ack = feed.answer_hl7(text, source=f"mllp:{port}", actor=actor)
            record_command(clinic, "import.lab-feed", actor=actor,
                           detail={"source": f"mllp:{port}"})
            return ack

        async def run() -> None:
            server = await start_listener(handle, host=host, port=port)
            shown = f"[{host}]" if ":" in host else host
            typer.echo(f"alemtrack: MLLP listener on {shown}:{port}; Ctrl+C stops")
            sys.stdout.flush()
            async with server:
                await server.serve_forever()

        try:
            asyncio.run(run())
        except KeyboardInterrupt:
            pass
        except OSError as exc:
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
        finally:
            clinic.close()
