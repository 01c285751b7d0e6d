"""FHIR Bulk Data ndjson -> one Bundle per patient, in flat memory whatever the export's size.

A bulk-data export (``$export``) is a set of ndjson files, one resource per line, usually one
file per resource type (``Patient.000.ndjson``, ``Observation.000.ndjson``, ...). alemtrack
imports patient by patient, so the lines of one patient, spread over every file, must be
brought together without holding the files in memory:

1. **index** (``BulkReader.index``): every file is read line by line; each line is parsed only
   to learn its type, id and patient, and its *byte offset and length* go into a temporary
   SQLite file (on disk, small page cache). Nothing else is kept.
2. **group** (``BulkReader.groups``): the index is walked in patient order; for each patient the
   lines are read back by seek and returned as one ``collection`` Bundle (the Patient first,
   plus every Medication its resources point to). Only one patient's resources are in memory.

Lines that cannot be used are reported, never silently dropped (``BulkReader.problems``):
not JSON, not a FHIR resource, a resource about a patient the export does not hold. Lines that
are not about one patient (Practitioner, Organization, ...) are counted and skipped; Medication
resources are kept aside and added to the bundles that reference them; bulk-export log events
(``log.ndjson``: objects with ``eventId`` and no ``resourceType``) are counted, not rejected.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["BulkGroup", "BulkProblem", "BulkReader", "BulkStats", "ndjson_files"]

# A reference the Bundle reader resolves to the patient: relative or absolute, no history.
_PATIENT_REF = re.compile(r"(?:^|/)Patient/([A-Za-z0-9\-.]{1,64})$")
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_MEDICATION_REF = re.compile(r"(?:^|/)(Medication/[A-Za-z0-9\-.]{1,64})$")
_PATIENT_KEYS = ("subject", "patient")
# Resources shared by patients and added to the bundles that reference them.
_SHARED_TYPES = frozenset({"Medication"})

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class BulkProblem:
    """A line that could not be used: where it is and why."""

    file: str
    line: int  # 1-based
    ref: str | None  # "Observation/o7" when known
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: {self.ref}: {self.reason}" if self.ref else f"{where}: {self.reason}"


@dataclass(slots=True)
class BulkStats:
    """What the index pass saw. ``lines`` = ``routed`` + ``shared`` + ``unrelated`` +
    ``log_events`` + the lines rejected while indexing (blank lines are not counted)."""

    files: int = 0
    bytes: int = 0
    lines: int = 0
    routed: int = 0  # resources about one patient (the Patient lines included)
    shared: int = 0  # Medication resources, added to the bundles that reference them
    unrelated: Counter[str] = field(default_factory=Counter)  # type -> lines not about a patient
    log_events: int = 0


@dataclass(frozen=True, slots=True)
class BulkGroup:
    """One patient's resources as a collection Bundle, and what was left out of it."""

    patient_id: str
    bundle: dict[str, Any]
    lines: int  # export lines in the bundle (the Patient included, added Medications not)
    added: int  # shared Medication resources added because the patient's resources cite them
    bytes: int  # bytes of the export lines read for it
    dropped: tuple[BulkProblem, ...] = ()  # earlier versions of the Patient (kept: the latest)


def ndjson_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The ndjson files named: a directory gives its ``*.ndjson`` files (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix == ".ndjson" and f.is_file()))
        else:
            out.append(p)
    return out


class BulkReader:
    """Index ndjson files, then yield one patient Bundle at a time (see the module docstring).

        with BulkReader(files) as reader:
            stats = reader.index(progress)
            for group in reader.groups(progress):
                ...
            reader.problems   # every line that could not be used, with its reason

    ``spool_dir`` is where the temporary index lives (default: the system temp directory);
    it is deleted on ``close``.
    """

    def __init__(
        self,
        files: Sequence[str | os.PathLike[str]],
        *,
        spool_dir: str | None = None,
        max_problems: int = 10_000,
    ) -> None:
        self.files = [Path(f) for f in files]
        # The first ``max_problems`` are kept with their reason; ``problem_count`` counts all
        # (a file of nothing but bad lines must not fill the memory either).
        self.problems: list[BulkProblem] = []
        self.problem_count = 0
        self._max_problems = max_problems
        self.stats = BulkStats(files=len(self.files))
        self._handles: dict[int, IO[bytes]] = {}
        fd, self._spool = tempfile.mkstemp(prefix="alemtrack-bulk-", suffix=".sqlite",
                                          dir=spool_dir)
        os.close(fd)
        self._db = sqlite3.connect(self._spool)
        # Scratch data: no durability needed, a small page cache keeps memory flat.
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-2048;"
            "PRAGMA temp_store=FILE;"
            "CREATE TABLE line (patient TEXT NOT NULL, is_patient INTEGER NOT NULL,"
            " file INTEGER NOT NULL, line INTEGER NOT NULL, offset INTEGER NOT NULL,"
            " length INTEGER NOT NULL, ref TEXT NOT NULL, version TEXT NOT NULL);"
            "CREATE TABLE shared (ref TEXT PRIMARY KEY, file INTEGER NOT NULL,"
            " offset INTEGER NOT NULL, length INTEGER NOT NULL);"
            "CREATE TABLE patient (id TEXT PRIMARY KEY);"
        )
        self._indexed = False

    # -- context --------------------------------------------------------------------------
    def __enter__(self) -> BulkReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        self._db.close()
        Path(self._spool).unlink(missing_ok=True)

    def _problem(self, problem: BulkProblem) -> None:
        self.problem_count += 1
        if len(self.problems) < self._max_problems:
            self.problems.append(problem)

    # -- pass 1: index ----------------------------------------------------------------------
    def index(self, progress: Progress | None = None) -> BulkStats:
        """Read every line once; keep only (patient, file, offset, length) per resource."""
        if self._indexed:
            return self.stats
        for file_no, path in enumerate(self.files):
            try:
                handle = path.open("rb")
            except OSError as exc:
                self._problem(BulkProblem(path.name, 0, None,
                                                 f"cannot be read: {exc.strerror or exc}"))
                continue
            with handle:
                offset = 0
                for line_no, raw in enumerate(handle, start=1):
                    length = len(raw)
                    row = self._index_line(path.name, file_no, line_no, offset, raw)
                    if row is not None:  # straight to the index: no buffer grows
                        self._insert(row)
                    offset += length
                    self.stats.bytes += length
                    if progress is not None:
                        progress(length)
        self._db.execute(
            "CREATE INDEX line_by_patient ON line (patient, is_patient DESC, file, offset)")
        self._db.commit()
        self._indexed = True
        return self.stats

    def _insert(self, row: tuple[Any, ...]) -> None:
        kind, values = row[0], row[1:]
        if kind == "line":
            self._db.execute("INSERT INTO line VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)
            if values[1]:
                self._db.execute("INSERT OR IGNORE INTO patient VALUES (?)", (values[0],))
        else:  # shared: the last one of a ref wins (later lines are newer exports)
            self._db.execute("INSERT OR REPLACE INTO shared VALUES (?, ?, ?, ?)", values)

    def _index_line(
        self, name: str, file_no: int, line_no: int, offset: int, raw: bytes
    ) -> tuple[Any, ...] | None:
        if not raw.strip():
            return None
        self.stats.lines += 1

        def problem(reason: str, ref: str | None = None) -> None:
            self._problem(BulkProblem(name, line_no, ref, reason))

        try:
            res = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            problem(f"is not JSON ({exc}); line rejected")
            return None
        if not isinstance(res, dict):
            problem("is not a JSON object; line rejected")
            return None
        rtype = res.get("resourceType")
        if not isinstance(rtype, str) or not rtype:
            if "eventId" in res:  # a bulk-export log event, not a resource
                self.stats.log_events += 1
                return None
            problem("has no resourceType: not a FHIR resource; line rejected")
            return None
        rid = res.get("id")
        ref = f"{rtype}/{rid}" if isinstance(rid, str) and rid else f"{rtype}/line{line_no}"
        if rtype in _SHARED_TYPES:
            self.stats.shared += 1
            return ("shared", ref, file_no, offset, len(raw))
        if rtype == "Patient":
            if not isinstance(rid, str) or not _ID.fullmatch(rid):
                problem("Patient without a valid id cannot be referenced; line rejected", ref)
                return None
            self.stats.routed += 1
            return ("line", rid, 1, file_no, line_no, offset, len(raw), ref, _version(res))
        target = _patient_reference(res)
        if target is None:
            self.stats.unrelated[rtype] += 1
            return None
        match = _PATIENT_REF.search(target)
        if match is None:
            problem(f"reference {target} is not a Patient/<id> reference; line rejected", ref)
            return None
        self.stats.routed += 1
        return ("line", match.group(1), 0, file_no, line_no, offset, len(raw), ref, "")

    # -- pass 2: groups -----------------------------------------------------------------------
    def groups(self, progress: Progress | None = None) -> Iterator[BulkGroup]:
        """One Bundle per patient, in patient-id order; resources of a patient id the export
        holds no Patient for are added to ``problems`` (and reported through ``progress``)."""
        self.index()
        cursor = self._db.execute(
            "SELECT patient, is_patient, file, line, offset, length, ref, version "
            "FROM line ORDER BY patient, is_patient DESC, file, offset")
        current: str | None = None
        rows: list[tuple[Any, ...]] = []
        for row in cursor:
            if row[0] != current:
                if current is not None:
                    group = self._group(current, rows, progress)
                    if group is not None:
                        yield group
                current, rows = row[0], []
            rows.append(row)
        if current is not None:
            group = self._group(current, rows, progress)
            if group is not None:
                yield group

    def _group(
        self, patient_id: str, rows: list[tuple[Any, ...]], progress: Progress | None
    ) -> BulkGroup | None:
        size = sum(r[5] for r in rows)
        if progress is not None:
            progress(size)
        patients = [r for r in rows if r[1]]
        if not patients:
            for r in rows:
                self._problem(BulkProblem(
                    self.files[r[2]].name, r[3], r[6],
                    f"refers to Patient/{patient_id}, which the export does not hold; "
                    "line rejected"))
            return None
        # Several versions of the Patient: the latest (versionId, lastUpdated, then later line).
        latest = max(patients, key=lambda r: (_version_rank(r[7]), r[2], r[4]))
        dropped = tuple(
            BulkProblem(self.files[r[2]].name, r[3], r[6],
                        "an earlier version of the Patient; the latest is imported")
            for r in patients if r is not latest
        )
        entries: list[dict[str, Any]] = [{"resource": self._load(latest)}]
        medications: set[str] = set()
        for r in rows:
            if r[1]:
                continue
            resource = self._load(r)
            medications.update(_medication_refs(resource))
            entries.append({"resource": resource})
        added = 0
        for ref in sorted(medications):
            found = self._db.execute(
                "SELECT file, offset, length FROM shared WHERE ref = ?", (ref,)).fetchone()
            if found is not None:
                entries.append({"resource": self._read(*found)})
                added += 1
        bundle = {"resourceType": "Bundle", "type": "collection", "entry": entries}
        return BulkGroup(patient_id, bundle, len(rows) - len(dropped), added, size, dropped)

    def _load(self, row: tuple[Any, ...]) -> dict[str, Any]:
        return self._read(row[2], row[4], row[5])

    def _read(self, file_no: int, offset: int, length: int) -> dict[str, Any]:
        handle = self._handles.get(file_no)
        if handle is None:
            handle = self._handles[file_no] = self.files[file_no].open("rb")
        handle.seek(offset)
        data: dict[str, Any] = json.loads(handle.read(length))
        return data


def _patient_reference(res: dict[str, Any]) -> str | None:
    """The ``subject``/``patient`` reference the Bundle reader would follow (first one set)."""
    for key in _PATIENT_KEYS:
        target = res.get(key)
        if isinstance(target, dict) and isinstance(target.get("reference"), str):
            ref: str = target["reference"]
            return ref
    return None


def _medication_refs(res: dict[str, Any]) -> Iterator[str]:
    target = res.get("medicationReference")
    if isinstance(target, dict) and isinstance(target.get("reference"), str):
        match = _MEDICATION_REF.search(target["reference"])
        if match:
            yield match.group(1)


def _version(res: dict[str, Any]) -> str:
    meta = res.get("meta")
    if not isinstance(meta, dict):
        return ""
    version = meta.get("versionId")
    return f"{version if version is not None else ''}|{meta.get('lastUpdated') or ''}"


def _version_rank(version: str) -> tuple[int, str]:
    number, _, updated = version.partition("|")
    return (int(number) if number.isdigit() else -1, updated)
