"""Build the demo clinic's SQLite database through the real import path.

The database is created with ``bootstrap.upgrade_database`` and ``bootstrap.build_clinic`` and
every generated bundle goes through ``Clinic.import_bundle`` (FHIR reading, storage,
evaluation, alerts), exactly as an EHR feed would. A small marker file beside the database
(``<database>.demo.json``) records what it was built for (reference date, patients, seed,
generator version); a later run reuses the database when they match and rebuilds it otherwise.
The marker is written last, so an interrupted build is never reused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from alemtrack import bootstrap
from alemtrack.config import Settings
from alemtrack.services.clinic import Clinic

from .generator import (
    DEFAULT_PATIENTS,
    DEFAULT_SEED,
    DemoPatient,
    generate_clinic,
    local_today,
)

DEFAULT_DATABASE = Path("alemtrack-demo.db")
# Bump when the generator changes what it makes, so that old demo databases are rebuilt.
GENERATOR_VERSION = 1
IMPORT_SOURCE = "alemtrack-demo"
IMPORT_ACTOR = "demo-loader"

Progress = Callable[[int, int, DemoPatient | None], None]
"""Called with (patients imported, patients in all, the patient just imported)."""


@dataclass(frozen=True, slots=True)
class DemoBuild:
    """What ``build_demo`` did."""

    database: Path
    url: str
    today: date
    patients: int
    seed: int
    built: bool  # False: an existing database for the same date, size and seed was reused
    resources: int = 0
    rejected: int = 0
    seconds: float = 0.0


def database_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".demo.json")


def _wanted(today: date, patients: int, seed: int) -> dict[str, Any]:
    return {"reference_date": today.isoformat(), "patients": patients, "seed": seed,
            "generator": GENERATOR_VERSION}


def reusable(path: Path, today: date, patients: int, seed: int) -> bool:
    """Whether ``path`` holds a finished demo built for this date, size and seed."""
    marker = marker_path(path)
    if not path.is_file() or not marker.is_file():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = _wanted(today, patients, seed)
    return isinstance(recorded, dict) and all(recorded.get(k) == v for k, v in wanted.items())


def remove_database(path: Path) -> None:
    """Delete the demo database, its WAL/shared-memory files and its marker."""
    for stale in (marker_path(path), path.with_name(path.name + "-wal"),
                  path.with_name(path.name + "-shm"), path):
        stale.unlink(missing_ok=True)


def build_demo(
    path: Path = DEFAULT_DATABASE,
    *,
    today: date | None = None,
    patients: int = DEFAULT_PATIENTS,
    seed: int = DEFAULT_SEED,
    fresh: bool = False,
    progress: Progress | None = None,
) -> DemoBuild:
    """Create (or reuse) the demo database at ``path`` for the reference date ``today``."""
    today = today or local_today()
    url = database_url(path)
    if not fresh and reusable(path, today, patients, seed):
        return DemoBuild(path, url, today, patients, seed, built=False)
    started = time.perf_counter()
    remove_database(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clinic_patients = generate_clinic(patients, seed, today)
    if progress is not None:
        progress(0, len(clinic_patients), None)
    bootstrap.upgrade_database(url)
    clinic = bootstrap.build_clinic(Settings(database_url=url, demo=True), clock=lambda: today)
    try:
        resources, rejected = _import_all(clinic, clinic_patients, progress)
    finally:
        clinic.close()
    marker_path(path).write_text(
        json.dumps({**_wanted(today, patients, seed), "resources": resources}, indent=1) + "\n",
        encoding="utf-8")
    return DemoBuild(path, url, today, patients, seed, built=True, resources=resources,
                     rejected=rejected, seconds=time.perf_counter() - started)


def _import_all(clinic: Clinic, patients: list[DemoPatient],
                progress: Progress | None) -> tuple[int, int]:
    resources = rejected = 0
    for done, patient in enumerate(patients, start=1):
        report = clinic.import_bundle(patient.bundle, source=IMPORT_SOURCE, actor=IMPORT_ACTOR)
        resources += report.received
        rejected += len(report.rejected)
        if progress is not None:
            progress(done, len(patients), patient)
    return resources, rejected
