"""FHIR Bulk Data ndjson import through the clinic (SQLite and PostgreSQL): the Synthea sample,
idempotency, bad lines, the official examples, and flat memory."""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

from alemtrack.interop.fhir import read_bundle
from alemtrack.interop.fhir.bulk import BulkReader, ndjson_files
from alemtrack.services.bulk import import_bulk
from alemtrack.services.clinic import Clinic
from tests.conftest import FakeClock
from tests.integration.fhir_bulk_data import write_export

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"
SYNTHEA = SHARED / "fhir-bulk"
OFFICIAL = SHARED / "fhir-examples"


def _lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for f in sorted(folder.glob("*.ndjson")) if f.name != "log.ndjson"
            for line in f.read_text("utf-8").splitlines() if line.strip()]


def _stored(clinic: Clinic) -> dict[str, int]:
    page = clinic.list_patients(limit=1000)
    return {p.fhir_id: len(clinic.records(p.id)) for p in page.items}


def test_the_synthea_sample_imports_every_patient_with_notes_explained_and_a_balanced_ledger(
    clinic: Clinic,
) -> None:
    report = import_bulk(clinic, [SYNTHEA], source="synthea", actor="nurse.kim")

    resources = _lines(SYNTHEA)
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert (report.files, report.patients, len(report.batches)) == (5, 13, 13)
    assert report.lines == len(resources) + report.log_events
    assert report.log_events == 4  # log.ndjson: export events, not resources
    assert report.received == report.stored == len(resources)
    assert (report.refused, report.rejected, report.unchanged) == (0, 0, 0)
    assert report.balanced
    # These patients have no alemtuzumab: stopped prescriptions are kept but not read, said so.
    stopped = sum(1 for r in resources if r["resourceType"] == "MedicationRequest"
                  and r["status"] == "stopped")
    assert report.notes["MedicationRequest: medication request with status stopped; ignored"] \
        == stopped > 0
    page = clinic.list_patients(limit=100)
    assert sorted(p.fhir_id for p in page.items) == sorted(p["id"] for p in patients)
    assert {p.phase for p in page.items} == {"candidate"}  # evaluated, never treated
    # Each patient's stored records are exactly its lines of the export.
    by_patient: dict[str, int] = {}
    for r in resources:
        key = r["id"] if r["resourceType"] == "Patient" else (
            r.get("subject") or r.get("patient"))["reference"].removeprefix("Patient/")
        by_patient[key] = by_patient.get(key, 0) + 1
    assert _stored(clinic) == by_patient


def test_importing_the_same_ndjson_twice_stores_nothing_twice(clinic: Clinic) -> None:
    first = import_bulk(clinic, [SYNTHEA], source="synthea", actor="feed")
    before = _stored(clinic)
    alerts = clinic.alerts(status=None, limit=1000).total

    second = import_bulk(clinic, [SYNTHEA], source="synthea", actor="feed")

    assert (second.stored, second.superseded, second.rejected) == (0, 0, 0)
    assert second.unchanged == second.received == first.received
    assert second.balanced
    assert set(second.batches).isdisjoint(first.batches)  # the ledger keeps both imports
    assert _stored(clinic) == before
    assert clinic.alerts(status=None, limit=1000).total == alerts


def _write(path: Path, *lines: Any) -> None:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines),
                    encoding="utf-8")


def test_unusable_lines_are_refused_with_file_line_and_reason_and_the_rest_is_imported(
    clinic: Clinic, tmp_path: Path,
) -> None:
    export = tmp_path / "export"
    export.mkdir()
    _write(export / "Patient.000.ndjson",
           {"resourceType": "Patient", "id": "p1", "meta": {"versionId": "1"},
            "name": [{"family": "Old"}], "gender": "female", "birthDate": "1990-01-01"},
           {"resourceType": "Patient", "id": "p1", "meta": {"versionId": "2"},
            "name": [{"family": "New"}], "gender": "female", "birthDate": "1990-01-01"},
           "", "{not json",
           ["not", "an", "object"])
    _write(export / "Observation.000.ndjson",
           {"resourceType": "Observation", "id": "o1", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-11-01",
            "valueQuantity": {"value": 95, "unit": "10*3/uL",
                              "system": "http://unitsofmeasure.org", "code": "10*3/uL"}},
           {"resourceType": "Observation", "id": "ghost-1", "status": "final",
            "subject": {"reference": "Patient/ghost"}},
           {"resourceType": "Observation", "id": "grp-1", "status": "final",
            "subject": {"reference": "Group/g1"}},
           {"resourceType": "Observation", "id": "bad-unit", "status": "final",
            "code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]},
            "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-11-02",
            "valueQuantity": {"value": 95, "unit": "furlongs"}},
           {"foo": 1})
    _write(export / "Medication.000.ndjson",
           {"resourceType": "Medication", "id": "m1", "code": {"coding": [{
               "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1012892"}]}})
    _write(export / "MedicationStatement.000.ndjson",
           {"resourceType": "MedicationStatement", "id": "ms1", "status": "completed",
            "medicationReference": {"reference": "Medication/m1"},
            "subject": {"reference": "Patient/p1"},
            "effectivePeriod": {"start": "2024-01-01", "end": "2026-06-30"}})
    _write(export / "Practitioner.000.ndjson", {"resourceType": "Practitioner", "id": "dr1"})
    _write(export / "log.ndjson", {"exportId": "x", "eventId": "kickoff"})

    report = import_bulk(clinic, [export], source="test", actor="feed")

    assert report.balanced
    assert report.patients == 1 and report.earlier_versions == 1
    assert (report.shared, report.medications_added, report.log_events) == (1, 1, 1)
    assert dict(report.unrelated) == {"Practitioner": 1}
    refusals = {(p.file, p.line): p.reason for p in report.refusals}
    assert set(refusals) == {("Patient.000.ndjson", 4), ("Patient.000.ndjson", 5),
                             ("Observation.000.ndjson", 2), ("Observation.000.ndjson", 3),
                             ("Observation.000.ndjson", 5)}
    assert "is not JSON" in refusals[("Patient.000.ndjson", 4)]
    assert "not a JSON object" in refusals[("Patient.000.ndjson", 5)]
    assert "Patient/ghost, which the export does not hold" in refusals[
        ("Observation.000.ndjson", 2)]
    assert "not a Patient/<id> reference" in refusals[("Observation.000.ndjson", 3)]
    assert "no resourceType" in refusals[("Observation.000.ndjson", 5)]
    (rejection,) = report.rejections  # refused by the reader inside the patient's batch
    assert rejection.ref == "Observation/bad-unit" and "furlongs" in rejection.reason
    assert report.rejected == 1
    (patient,) = clinic.list_patients().items
    assert patient.name == "New"  # the latest version of the Patient
    facts = clinic.facts(patient.id)
    assert [lab.ref for lab in facts.labs] == ["Observation/o1"]
    assert [m.drug.value for m in facts.medications] == ["fingolimod"]  # via Medication/m1
    assert "R-H4" in {a.rule for a in clinic.alerts(patient_id=patient.id).items}


def test_the_official_fhir_examples_read_the_same_through_a_bulk_export(
    clinic: Clinic, clock: FakeClock, tmp_path: Path,
) -> None:
    def load(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((OFFICIAL / name).read_text("utf-8"))
        return data

    export = tmp_path / "official"
    export.mkdir()
    patients = [load(f"r4-Patient-{n}.json") for n in ("f001", "f201", "example")]
    others = [load(n) for n in ("r4-Observation-f001.json", "r4-Observation-f005.json",
                                "r4-Observation-f204.json", "r4-Condition-f204.json",
                                "r4-Immunization-example.json",
                                "r4-MedicationStatement-example001.json")]
    _write(export / "Patient.ndjson", *patients)
    _write(export / "Clinical.ndjson", *others)

    report = import_bulk(clinic, [export], source="hl7-examples", actor="feed")

    assert report.balanced and report.patients == 3
    # MedicationStatement/example001 is about Patient/pat1, which this export does not hold.
    assert [p.ref for p in report.refusals] == ["MedicationStatement/example001"]
    for patient in patients:
        mine = [r for r in others if (r.get("subject") or r.get("patient"))["reference"]
                == f"Patient/{patient['id']}"]
        direct = read_bundle({"resourceType": "Bundle", "type": "collection",
                              "entry": [{"resource": r} for r in (patient, *mine)]})
        (summary,) = [p for p in clinic.list_patients().items if p.fhir_id == patient["id"]]
        assert clinic.facts(summary.id) == direct.facts


def test_memory_stays_flat_whatever_the_export_size(tmp_path: Path) -> None:
    def peak(lines: int) -> tuple[int, int]:
        folder = tmp_path / f"export-{lines}"
        written = write_export(folder, patients=lines // 10, observations_per_patient=9)
        assert written == lines
        tracemalloc.start()
        try:
            groups = 0
            with BulkReader(ndjson_files([folder]), spool_dir=str(tmp_path)) as reader:
                reader.index()
                for group in reader.groups():
                    assert group.lines == 10 and len(group.bundle["entry"]) == 10
                    groups += 1
            return tracemalloc.get_traced_memory()[1], groups
        finally:
            tracemalloc.stop()

    peak(20)  # first use: imports and caches are not what is measured
    small, small_groups = peak(2_000)
    large, large_groups = peak(20_000)
    assert (small_groups, large_groups) == (200, 2_000)
    # Ten times the lines: the peak is that of one patient plus fixed costs, not ten times.
    assert large < 1.5 * small, (small, large)


def test_memory_stays_flat_through_the_clinic_import(tmp_path: Path) -> None:
    from alemtrack.bootstrap import build_clinic
    from alemtrack.config import Settings

    write_export(tmp_path / "warm-up", patients=2, observations_per_patient=9, prefix="warm")

    def peak(lines: int) -> int:
        folder = tmp_path / f"export-{lines}"
        write_export(folder, patients=lines // 10, observations_per_patient=9)
        clinic = build_clinic(Settings(database_url=f"sqlite:///{tmp_path}/m{lines}.db"),
                              clock=lambda: date(2026, 11, 21))
        try:
            import_bulk(clinic, [tmp_path / "warm-up"], source="m", actor="m")  # caches
            tracemalloc.start()
            try:
                report = import_bulk(clinic, [folder], source="m", actor="m")
                assert report.balanced and report.stored == lines
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        finally:
            clinic.close()

    small, large = peak(100), peak(1_000)
    print(f"peak traced memory of an import: {small:,} B (100 lines), {large:,} B (1,000)")
    # Ten times the patients: one patient's work plus SQLAlchemy's uncollected garbage between
    # collections (about +50 % here), far from ten times.
    assert large < 2 * small, (small, large)
