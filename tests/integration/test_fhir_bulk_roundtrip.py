"""Export then import gives the same facts: a patient's plan-and-state Bundle, imported into
another clinic, yields the same PatientFacts and the same assessment; the CLI and the REST API
give that Bundle."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from typer.testing import CliRunner

from alemtrack.bootstrap import build_clinic
from alemtrack.cli.main import app as cli_app
from alemtrack.config import Settings
from alemtrack.interop.fhir.export import is_derived, rules_revision
from alemtrack.services.bulk import import_bulk
from alemtrack.services.clinic import Clinic
from alemtrack.services.exports import export_patient, find_patient
from tests.conftest import FakeClock
from tests.e2e.api_support import api_client, import_example

SYNTHEA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "fhir-bulk"


def _types(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"]]


def _records(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted((e["resource"] for e in bundle["entry"] if not is_derived(e["resource"])),
                  key=lambda r: (r["resourceType"], r["id"]))


def test_export_then_import_into_another_clinic_gives_the_same_facts_and_assessment(
    clinic: Clinic, clock: FakeClock, tmp_path: Path,
    example_bundle: Callable[[str], dict[str, Any]],
) -> None:
    clock.today = date(2026, 11, 12)
    pid = clinic.import_bundle(example_bundle("06"), source="lab", actor="feed").patient_id
    (alert,) = clinic.alerts(patient_id=pid).items
    clinic.acknowledge_alert(alert.id, actor="dr.lee", note="seen")
    exported = export_patient(clinic, pid, actor="dr.lee")
    assert _types(exported).count("Flag") == 1 and _types(exported).count("DetectedIssue") == 1

    other = build_clinic(Settings(database_url=f"sqlite:///{tmp_path}/other.db"),
                         clock=clock, now=clock.now)
    try:
        report = other.import_bundle(exported, source="export", actor="feed")
        assert report.rejected_count == 0
        # The derived resources travel along, and are said to be ignored by the reader.
        assert any(n.startswith("CarePlan/") for n in report.notes)
        assert other.facts(report.patient_id) == clinic.facts(pid)
        assert other.patient(report.patient_id).assessment == clinic.patient(pid).assessment
        assert [a.rule for a in other.alerts(patient_id=report.patient_id).items] == [
            alert.rule]
        # Exported again from there: the same records, the same derived resources.
        again = export_patient(other, report.patient_id, actor="dr.lee")
        assert _records(again) == _records(exported)
        assert [e["resource"]["id"] for e in again["entry"] if is_derived(e["resource"])
                and e["resource"]["resourceType"] in ("CarePlan", "Task", "DetectedIssue")] == [
            e["resource"]["id"] for e in exported["entry"] if is_derived(e["resource"])
            and e["resource"]["resourceType"] in ("CarePlan", "Task", "DetectedIssue")]
        # Importing the export a second time stores nothing twice.
        second = other.import_bundle(exported, source="export", actor="feed")
        assert second.stored == 0 and second.unchanged == second.received
    finally:
        other.close()


def test_a_synthea_patient_imported_from_bulk_exports_and_reimports_to_the_same_facts(
    clinic: Clinic, tmp_path: Path,
) -> None:
    import_bulk(clinic, [SYNTHEA], source="synthea", actor="feed")
    pid = find_patient(clinic, "79a66c97-6131-3213-f3c9-4606946ab056")
    exported = export_patient(clinic, pid, actor="dr.lee")
    Bundle.model_validate(exported)
    other = build_clinic(Settings(database_url=f"sqlite:///{tmp_path}/other.db"),
                         clock=lambda: date(2026, 11, 21))
    try:
        report = other.import_bundle(exported, source="export", actor="feed")
        assert other.facts(report.patient_id) == clinic.facts(pid)
    finally:
        other.close()


def test_the_cli_imports_a_bulk_export_with_a_summary_and_exports_a_patient(
    tmp_path: Path, monkeypatch: Any,
) -> None:
    monkeypatch.setenv("ALEMTRACK_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    runner = CliRunner()
    result = runner.invoke(cli_app, ["import-bulk", str(SYNTHEA), "--source", "synthea"])
    assert result.exit_code == 0, result.output
    assert "imported 13 patient(s) from 5 file(s)" in result.stdout
    assert "ledger: balanced" in result.stdout
    assert "MedicationRequest: medication request with status stopped; ignored" in result.stdout
    again = runner.invoke(cli_app, ["import-bulk", str(SYNTHEA)])
    assert "stored 0 + unchanged 2,474 + rejected 0" in again.stdout

    out = tmp_path / "patient.json"
    result = runner.invoke(cli_app, ["export", "3af3708d-41f1-cd80-f3dd-ec5ac76072bf",
                                     "--out", str(out), "--on", "2026-11-21"])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text("utf-8"))
    Bundle.model_validate(bundle)
    assert {"CarePlan", "Task", "Provenance"} <= set(_types(bundle))
    missing = runner.invoke(cli_app, ["export", "no-such-patient", "--out", str(out)])
    assert missing.exit_code == 2 and "no patient" in missing.stderr
    empty = runner.invoke(cli_app, ["import-bulk", str(tmp_path / "nothing-here")])
    assert empty.exit_code == 2 and "not found" in empty.stderr


def test_the_api_exports_a_patient_as_a_fhir_bundle_for_authorised_roles_only(
    tmp_path: Path,
) -> None:
    with api_client(tmp_path / "api.db") as client:
        pid = import_example(client, "06-itp-month-19")["patient_id"]
        response = client.get(f"/api/v1/patients/{pid}/fhir")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/fhir+json")
        bundle = response.json()
        Bundle.model_validate(bundle)
        (prov,) = [e["resource"] for e in bundle["entry"]
                   if e["resource"]["resourceType"] == "Provenance"]
        assert any(rules_revision() in p for p in prov["policy"])
        assert prov["agent"][1]["who"]["display"] == "dr.lind"  # the authenticated caller
        assert {"Flag", "DetectedIssue", "CarePlan", "Task"} <= set(_types(bundle))
        state_only = client.get(f"/api/v1/patients/{pid}/fhir", params={"records": "false"})
        assert "Observation" not in _types(state_only.json())
        assert client.get("/api/v1/patients/999999/fhir").status_code == 404
        assert client.get(f"/api/v1/patients/{pid}/fhir",
                          headers=client.auth("viewer")).status_code == 403
        assert client.get(f"/api/v1/patients/{pid}/fhir",
                          headers={"Authorization": ""}).status_code == 401
