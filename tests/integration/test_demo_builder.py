"""The demo builder: a small demo clinic built into a SQLite file through the real import path
(bootstrap + Clinic.import_bundle), then read back as the care team sees it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from alemtrack import bootstrap
from alemtrack.config import Settings
from alemtrack.demo.builder import DemoBuild, build_demo, marker_path
from alemtrack.services.clinic import Clinic

TODAY = date(2026, 11, 21)
PATIENTS = 20


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    path = tmp_path_factory.mktemp("demo") / "alemtrack-demo.db"
    seen: list[int] = []
    result = build_demo(path, today=TODAY, patients=PATIENTS,
                        progress=lambda done, total, _p: seen.append(done))
    assert seen == list(range(PATIENTS + 1)), "progress reports every patient"
    return result


@pytest.fixture
def clinic(built: DemoBuild) -> Iterator[Clinic]:
    opened = bootstrap.build_clinic(Settings(database_url=built.url, demo=True),
                                    clock=lambda: TODAY)
    try:
        yield opened
    finally:
        opened.close()


def test_the_demo_database_holds_every_patient_imported_without_rejection(
        built: DemoBuild, clinic: Clinic) -> None:
    assert built.built and built.rejected == 0 and built.resources > 20 * PATIENTS
    assert clinic.list_patients(limit=100).total == PATIENTS
    marker = json.loads(marker_path(built.database).read_text())
    assert marker["reference_date"] == "2026-11-21" and marker["patients"] == PATIENTS


def test_the_worklist_of_the_reference_day_is_not_empty(clinic: Clinic) -> None:
    worklist = clinic.worklist(TODAY)
    assert worklist.infusions, "patients in course or starting today are expected"
    assert worklist.overdue or worklist.due
    assert any(worklist.alerts.values()), "open alerts (ITP, thyroid, overdue monitoring...)"


def test_every_phase_shows_in_the_patient_list(clinic: Clinic) -> None:
    phases = {p.phase for p in clinic.list_patients(limit=100).items}
    assert phases == {"candidate", "pre-treatment", "in-course", "monitoring",
                      "monitoring-complete"}


def test_a_second_run_for_the_same_day_reuses_the_database(built: DemoBuild) -> None:
    before = built.database.stat().st_mtime_ns
    again = build_demo(built.database, today=TODAY, patients=PATIENTS)
    assert not again.built
    assert built.database.stat().st_mtime_ns == before


def test_a_database_made_for_another_day_or_an_unfinished_build_is_rebuilt(
        tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    first = build_demo(path, today=TODAY, patients=13)
    assert first.built
    assert build_demo(path, today=TODAY, patients=13, fresh=True).built
    next_day = build_demo(path, today=date(2026, 11, 22), patients=13)
    assert next_day.built
    marker_path(path).unlink()  # as if the build had been interrupted
    assert build_demo(path, today=date(2026, 11, 22), patients=13).built
