"""Import a FHIR Bulk Data export (ndjson files): one ``Clinic.import_bundle`` per patient.

The export is read by ``interop.fhir.bulk.BulkReader`` (flat memory: a byte-offset index in a
temporary SQLite file, then one patient's resources at a time). Each patient's resources go
through ``Clinic.import_bundle``, so the ledger, idempotency (the same ndjson twice stores
nothing twice), amendment handling and re-evaluation are exactly those of a single Bundle; one
patient is one transaction, acknowledged after commit.

Every non-blank line is accounted for (``BulkReport.balanced``): it went into a patient's batch
(and there is stored, unchanged or rejected with a reason), or it was an earlier version of a
Patient, a shared Medication, a resource about no patient, a bulk-export log event, or it was
refused with a reason (not JSON, not a resource, about a patient the export does not hold).
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from alemtrack.errors import FhirInputError
from alemtrack.interop.fhir.bulk import BulkProblem, BulkReader, ndjson_files

from .clinic import Clinic
from .model import RejectedItem

__all__ = ["BulkReport", "import_bulk"]

# Distinct note texts kept for the summary; beyond, they are counted as "other notes".
_MAX_NOTE_KINDS = 200
_MAX_REJECTIONS = 1000

Progress = Callable[[str, int], None]  # (phase "index" | "import", bytes just read)


@dataclass(slots=True)
class BulkReport:
    """The outcome of one bulk import."""

    files: int = 0
    bytes: int = 0
    lines: int = 0  # non-blank lines of every file
    patients: int = 0  # patients imported (one batch each)
    batches: list[int] = field(default_factory=list)
    # Per-patient batches (the ledger): received = stored + unchanged + rejected.
    received: int = 0  # resources received by the batches (added Medications included)
    stored: int = 0
    unchanged: int = 0
    superseded: int = 0
    rejected: int = 0  # entries of the batches refused by the reader
    medications_added: int = 0  # shared Medication copies added to bundles (not lines)
    # Lines that went into no batch.
    earlier_versions: int = 0  # earlier versions of a Patient (the latest is imported)
    shared: int = 0  # Medication lines (added to the bundles that cite them)
    unrelated: Counter[str] = field(default_factory=Counter)  # type -> lines about no patient
    log_events: int = 0
    refused: int = 0  # lines refused before import (see ``refusals``)
    # Reasons: the first ``_MAX_REJECTIONS`` of each list; notes counted by text.
    refusals: list[BulkProblem] = field(default_factory=list)
    rejections: list[RejectedItem] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)

    @property
    def balanced(self) -> bool:
        """Every line is accounted for, and every batch balances."""
        batches = self.received == self.stored + self.unchanged + self.rejected
        lines = self.lines == (
            self.received - self.medications_added + self.earlier_versions + self.shared
            + sum(self.unrelated.values()) + self.log_events + self.refused
        )
        return batches and lines


def import_bulk(
    clinic: Clinic,
    paths: Iterable[str | os.PathLike[str]],
    *,
    source: str,
    actor: str,
    progress: Progress | None = None,
    spool_dir: str | None = None,
) -> BulkReport:
    """Import the ndjson files (a directory gives its ``*.ndjson``), patient by patient."""
    files = ndjson_files(paths)
    report = BulkReport(files=len(files))
    index_progress = (lambda n: progress("index", n)) if progress else None
    imported_bytes = 0

    def import_progress(n: int) -> None:
        nonlocal imported_bytes
        imported_bytes += n
        if progress is not None:
            progress("import", n)

    with BulkReader(files, spool_dir=spool_dir) as reader:
        stats = reader.index(index_progress)
        for group in reader.groups(import_progress):
            report.earlier_versions += len(group.dropped)
            try:
                result = clinic.import_bundle(group.bundle, source=source, actor=actor)
            except FhirInputError as exc:  # the bundle as a whole is unusable: say why
                report.refused += group.lines
                _keep(report.refusals, BulkProblem(
                    "(bundle)", 0, f"Patient/{group.patient_id}",
                    f"{exc}; {group.lines} line(s) not imported"))
                continue
            report.patients += 1
            report.batches.append(result.batch_id)
            report.received += result.received
            report.medications_added += group.added
            report.stored += result.stored
            report.unchanged += result.unchanged
            report.superseded += result.superseded
            report.rejected += result.rejected_count
            for item in result.rejected:
                _keep(report.rejections, item)
            for note in result.notes:
                _count_note(report.notes, note)
        if progress is not None and stats.bytes > imported_bytes:
            progress("import", stats.bytes - imported_bytes)  # lines in no bundle: done too
        report.bytes = stats.bytes
        report.lines = stats.lines
        report.shared = stats.shared
        report.unrelated = stats.unrelated
        report.log_events = stats.log_events
        report.refused += reader.problem_count
        report.refusals[:0] = reader.problems[:_MAX_REJECTIONS]
        del report.refusals[_MAX_REJECTIONS:]
    return report


def _keep(items: list[object] | list[BulkProblem] | list[RejectedItem], item: object) -> None:
    if len(items) < _MAX_REJECTIONS:
        items.append(item)  # type: ignore[arg-type]


def _count_note(notes: Counter[str], note: str) -> None:
    """Count a reader note by its text without the resource id ("MedicationRequest: ...")."""
    head, sep, rest = note.partition(": ")
    kind = f"{head.split('/', 1)[0]}: {rest}" if sep and "/" in head else note
    if kind in notes or len(notes) < _MAX_NOTE_KINDS:
        notes[kind] += 1
    else:
        notes["other notes"] += 1
