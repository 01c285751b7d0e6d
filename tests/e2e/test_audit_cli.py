"""`alemtrack audit verify|export|disable|enable` on SQLite and PostgreSQL: verify exits 1 and
names the first tampered entry; export writes FHIR R4 AuditEvents in the IHE BALP shape that the
fhir.resources R4B models accept; switching recording off is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import text
from typer.testing import CliRunner

from alemtrack import bootstrap
from alemtrack.cli.audit import record_command
from alemtrack.cli.main import app
from alemtrack.config import Settings
from alemtrack.services.audit import AuditRecorder
from alemtrack.services.clinic import Clinic
from audit_support import fill, superuser

runner = CliRunner()
DCM = "http://dicom.nema.org/resources/ontology/DCM"


@pytest.fixture
def trail(database_url: str) -> Iterator[tuple[str, AuditRecorder]]:
    """A database with five recorded reads, the entry of one failed login and one patient."""
    clinic = bootstrap.build_clinic(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    try:
        assert clinic.audit is not None
        fill(clinic.audit)
        clinic.audit.security_event("login", actor="nina", outcome="failed",
                                    address="198.51.100.4")
        yield database_url, clinic.audit
    finally:
        clinic.close()


def patient_in(clinic: Clinic) -> int:
    examples = Path(__file__).resolve().parents[2] / "examples"
    bundle = json.loads((examples / "06-itp-month-19.bundle.json").read_text("utf-8"))
    return clinic.import_bundle(bundle, source="test", actor="test").patient_id


def run(url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["audit", *args, "--actor", "auditor"],
                           env={"ALEMTRACK_DATABASE_URL": url})
    return result.exit_code, result.output


def test_verify_exits_0_on_an_intact_trail(trail: tuple[str, AuditRecorder]) -> None:
    url, recorder = trail
    code, out = run(url, "verify")
    assert code == 0, out
    assert "intact: 6 entries" in out
    last = list(recorder.entries())[-1]
    assert (last.action, last.actor, last.outcome) == ("audit.verify", "auditor", "success")


@pytest.mark.parametrize(("tamper", "named"), [
    (["UPDATE audit_entries SET actor = 'mallory' WHERE seq = 3"], 3),
    (["DELETE FROM audit_entries WHERE seq = 4"], 4),
    (["UPDATE audit_entries SET seq = -5 WHERE seq = 5",
      "UPDATE audit_entries SET seq = 5 WHERE seq = 2",
      "UPDATE audit_entries SET seq = 2 WHERE seq = -5"], 2),
    (["DELETE FROM audit_entries WHERE seq = 6"], 6),
], ids=["changed", "deleted", "reordered", "tail-deleted"])
def test_verify_exits_1_naming_the_first_tampered_entry(
        trail: tuple[str, AuditRecorder], tamper: list[str], named: int) -> None:
    url, _ = trail
    with superuser(url) as conn:
        for sql in tamper:
            conn.execute(text(sql))
    code, out = run(url, "verify")
    assert code == 1, out
    assert f"TAMPERED at entry {named}:" in out


def test_export_writes_audit_events_the_r4b_model_accepts_in_the_balp_shape(
        trail: tuple[str, AuditRecorder], tmp_path: Path) -> None:
    url, recorder = trail
    clinic = bootstrap.build_clinic(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        pid = patient_in(clinic)
    finally:
        clinic.close()
    recorder.record("patient.read", actor="nina", patient_id=pid, source_ip="10.1.2.3",
                    detail={"method": "GET", "route": "/api/v1/patients/{patient_id}",
                            "status": 200})
    out = tmp_path / "audit.ndjson"
    code, text_out = run(url, "export", "--out", str(out))
    assert code == 0, text_out
    lines = out.read_text("utf-8").splitlines()
    assert len(lines) == 7
    events = [AuditEvent.model_validate_json(line) for line in lines]
    read = events[-1]
    assert read.type.system == "http://terminology.hl7.org/CodeSystem/audit-event-type"
    assert read.type.code == "rest" and read.subtype[0].code == "read" and read.action == "R"
    assert read.outcome == "0"
    requestor = read.agent[0]
    assert requestor.requestor and requestor.who.identifier.value == "nina"
    assert (requestor.network.address, requestor.network.type) == ("10.1.2.3", "2")
    patient = read.entity[0]
    assert patient.what.reference.startswith("Patient/")
    assert (patient.role.code, patient.type.code) == ("1", "1")
    login = events[5]
    assert (login.type.system, login.type.code) == (DCM, "110114")
    assert login.subtype[0].code == "110122" and login.outcome == "4"
    assert login.agent[0].network.address == "198.51.100.4"
    exported = list(recorder.entries())[-1]
    assert (exported.action, exported.detail["entries"]) == ("audit.export", 7)


def test_export_as_a_bundle_from_a_date_on(trail: tuple[str, AuditRecorder],
                                           tmp_path: Path) -> None:
    url, _ = trail
    out = tmp_path / "audit.json"
    code, text_out = run(url, "export", "--format", "bundle", "--since", "2000-01-01",
                         "--out", str(out))
    assert code == 0, text_out
    bundle = Bundle.model_validate_json(out.read_text("utf-8"))
    assert bundle.type == "collection" and len(bundle.entry) == 6
    assert all(e.resource.get_resource_type() == "AuditEvent" for e in bundle.entry)
    code, _ = run(url, "export", "--since", "2999-01-01", "--out", str(out))
    assert code == 0 and out.read_text("utf-8") == ""
    code, err = run(url, "export", "--since", "last tuesday")
    assert code == 2 and "--since" in err


def test_disabling_from_the_command_line_is_recorded_before_recording_stops(
        trail: tuple[str, AuditRecorder]) -> None:
    url, recorder = trail
    code, out = run(url, "disable", "--reason", "database maintenance")
    assert code == 0 and "stopped (entry 7)" in out
    assert recorder.record("patient.read", actor="nina", patient_id=1) is None
    code, out = run(url, "enable")
    assert code == 0 and "started (entry 8)" in out
    got = [(e.action, e.actor, e.detail.get("reason")) for e in recorder.entries()][-2:]
    assert got == [("audit.disable", "auditor", "database maintenance"),
                   ("audit.enable", "auditor", None)]
    assert recorder.verify().intact


def test_the_switch_and_command_line_imports_export_with_their_dicom_codes(
        trail: tuple[str, AuditRecorder], tmp_path: Path) -> None:
    url, _ = trail
    run(url, "disable", "--reason", "maintenance")
    run(url, "enable")
    clinic = bootstrap.build_clinic(Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
    try:
        record_command(clinic, "import.fhir", patient_id=patient_in(clinic), actor="cli:ops",
                       detail={"file": "bundle.json"})
    finally:
        clinic.close()
    out = tmp_path / "audit.ndjson"
    assert run(url, "export", "--out", str(out))[0] == 0
    events = [AuditEvent.model_validate_json(line) for line in out.read_text().splitlines()]
    stop, start, imported = events[-3:]
    assert (stop.type.code, stop.subtype[0].code) == ("110113", "110133")
    assert (start.type.code, start.subtype[0].code) == ("110113", "110134")
    assert (imported.type.system, imported.type.code, imported.action) == (DCM, "110107", "C")
    assert imported.agent[0].who.identifier.value == "cli:ops"
    assert imported.entity[0].what.reference.startswith("Patient/")
