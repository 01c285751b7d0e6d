"""`alemtrack assess` as a user runs it: JSON or text out, exit 0; unusable input, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from typer.testing import CliRunner

from alemtrack.cli.main import app
from tests.unit.interop.fhir_bundles import RXNORM, bundle, concept, lab

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "assessment.schema.json").read_text("utf-8"))
runner = CliRunner()


def _infusion(aid: str, day: str) -> dict:
    return {
        "resourceType": "MedicationAdministration", "id": aid, "status": "completed",
        "medicationCodeableConcept": concept(RXNORM, "117055", "alemtuzumab"),
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": f"{day}T10:00:00+01:00",
        "dosage": {"dose": {"value": 12, "unit": "mg", "system": "http://unitsofmeasure.org",
                            "code": "mg"}},
    }


def _write(tmp_path: Path, *resources: dict) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(*resources)), encoding="utf-8")
    return path


def _course1() -> list[dict]:
    return [_infusion(f"a{d}", f"2024-01-{8 + d:02d}") for d in range(5)]


def test_low_platelets_in_a_bundle_give_an_urgent_itp_finding_in_json(tmp_path):
    path = _write(tmp_path, *_course1(), lab("plt", "777-3", 95, "10*3/uL", when="2024-11-01"))
    result = runner.invoke(app, ["assess", str(path), "--on", "2024-11-12", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, SCHEMA)
    assert doc["phase"] == "monitoring"
    assert doc["monitoring_until"] == "2028-01-12"
    assert doc["courses"] == [
        {"number": 1, "first_day": "2024-01-08", "last_day": "2024-01-12", "days_given": 5}
    ]
    itp = next(f for f in doc["findings"] if f["rule"] == "R-H4")
    assert itp["severity"] == "urgent"
    assert itp["evidence"] == [{"ref": "Observation/plt", "code": "777-3", "value": 95.0,
                                "unit": "10*3/uL", "date": "2024-11-01"}]
    assert doc["next_course"]["number"] == 2
    r_e2 = next(g for g in doc["next_course"]["gates"] if g["rule"] == "R-E2")
    assert (r_e2["outcome"], r_e2["until"]) == ("block", "2025-01-12")


def test_platelets_in_10_9_per_litre_are_converted_and_noted_on_stderr(tmp_path):
    path = _write(tmp_path, *_course1(), lab("plt", "777-3", 95, "10*9/L", when="2024-11-01"))
    result = runner.invoke(app, ["assess", str(path), "--on", "2024-11-12", "--format", "json"])
    assert result.exit_code == 0
    itp = next(f for f in json.loads(result.stdout)["findings"] if f["rule"] == "R-H4")
    assert itp["evidence"][0]["value"] == 95.0
    assert itp["evidence"][0]["unit"] == "10*3/uL"


def test_a_result_in_an_unknown_unit_is_rejected_on_stderr_and_not_used(tmp_path):
    path = _write(tmp_path, *_course1(), lab("bad", "777-3", 95, "furlongs", when="2024-11-01"))
    result = runner.invoke(app, ["assess", str(path), "--on", "2024-11-12", "--format", "json"])
    assert result.exit_code == 0
    assert "rejected: Observation/bad" in result.stderr
    assert "furlongs" in result.stderr
    assert not any(f["rule"] == "R-H4" for f in json.loads(result.stdout)["findings"])


def test_strict_mode_exits_2_when_a_result_is_rejected(tmp_path):
    path = _write(tmp_path, *_course1(), lab("bad", "777-3", 95, "furlongs", when="2024-11-01"))
    result = runner.invoke(app, ["assess", str(path), "--on", "2024-11-12", "--strict"])
    assert result.exit_code == 2
    assert "--strict" in result.stderr


def test_text_format_shows_the_finding_its_evidence_and_source(tmp_path):
    path = _write(tmp_path, *_course1(), lab("plt", "777-3", 24, "10*3/uL", when="2024-11-01"))
    result = runner.invoke(app, ["assess", str(path), "--on", "2024-11-02", "--format", "text"],
                           terminal_width=200)
    assert result.exit_code == 0
    assert "CRITICAL" in result.stdout and "R-H5" in result.stdout
    assert "evidence: Observation/plt 777-3 24.0 10*3/uL (2024-11-01)" in result.stdout
    assert "source: clinical-rules.md R-H5" in result.stdout


def test_a_file_that_is_not_a_bundle_exits_2_with_the_reason(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"resourceType": "Patient", "id": "x"}), encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path), "--on", "2024-11-12"])
    assert result.exit_code == 2
    assert result.stderr.startswith("alemtrack: error: ")
    assert result.stdout == ""


def test_a_malformed_date_exits_2_and_says_the_expected_form(tmp_path):
    path = _write(tmp_path)
    result = runner.invoke(app, ["assess", str(path), "--on", "12/11/2024"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr


def test_planned_start_before_the_interval_blocks_course_2_until_12_months(tmp_path):
    path = _write(tmp_path, *_course1())
    result = runner.invoke(app, ["assess", str(path), "--on", "2024-11-12", "--planned-start",
                                 "2024-12-02", "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["next_course"]["planned_start"] == "2024-12-02"
    assert doc["next_course"]["status"] == "blocked"
    r_e2 = next(g for g in doc["next_course"]["gates"] if g["rule"] == "R-E2")
    assert r_e2["until"] == "2025-01-12"


def test_examples_command_assesses_every_example_patient():
    args = ["examples", "--examples", str(REPO / "examples"), "--format", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    cases = json.loads(result.stdout)
    assert len(cases) == len(list((REPO / "examples").glob("*.case.json"))) >= 15
    for case in cases:
        jsonschema.validate(case["assessment"], SCHEMA)
