"""`alemtrack plan-course`: json, text and the printable html sheet; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from alemtrack.cli.main import app
from alemtrack.cli.plan import register

runner = CliRunner()
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def _app() -> typer.Typer:
    """An application with only plan-course, for tests that inject the facts."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """test app"""

    register(app)
    return app


def _bundle(tmp_path: Path, infusion_days: list[str]) -> Path:
    entries: list[dict[str, Any]] = [{"resource": {
        "resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1988-04-02"}}]
    for n, day in enumerate(infusion_days, start=1):
        entries.append({"resource": {
            "resourceType": "MedicationAdministration", "id": f"ma{n}", "status": "completed",
            "medicationCodeableConcept": {"coding": [
                {"system": RXNORM, "code": "117055", "display": "alemtuzumab"}]},
            "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": f"{day}T10:00:00+01:00",
            "dosage": {"dose": {"value": 12, "unit": "mg", "system": "http://unitsofmeasure.org",
                                "code": "mg"}},
        }})
    path = tmp_path / "patient.bundle.json"
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "collection",
                                "entry": entries}), encoding="utf-8")
    return path


def _invoke(args: list[str]) -> Any:
    return runner.invoke(app, ["plan-course", *args])


def test_plan_course_json_for_course_1_starting_at_10(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, [])
    result = _invoke([str(bundle), "--start", "2026-12-01", "--time", "10:00",
                      "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["course"] == 1 and len(plan["days"]) == 5
    day1 = plan["days"][0]
    assert [s["start"] for s in day1["infusion"]["rate_steps"]] == [
        "10:00", "10:30", "11:00", "11:30", "12:30"]
    assert day1["infusion"]["end"] == "15:06"
    assert day1["observation_end"] == "17:06"
    premed = {(d["drug"], d["time"], d["dose"]) for d in day1["premedication"]}
    assert premed == {("paracetamol", "08:00", "1 g"), ("dexchlorpheniramine", "08:00", "5 mg"),
                      ("methylprednisolone", "08:30", "1000 mg")}


def test_plan_course_counts_the_courses_given_and_uses_the_label_regimen(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, [f"2025-11-0{d}" for d in range(3, 8)])
    result = _invoke([str(bundle), "--start", "2026-12-01", "--time", "09:00",
                      "--regimen", "label", "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "Course 2 plan" in result.stdout
    assert "3 days x 12 mg alemtuzumab IV = 36 mg" in result.stdout
    assert "08:00  methylprednisolone 1000 mg IV" in result.stdout


def test_plan_course_html_is_a_self_contained_printable_sheet(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, [])
    result = _invoke([str(bundle), "--start", "2026-12-01", "--time", "10:00",
                      "--format", "html"])
    assert result.exit_code == 0, result.output
    html = result.stdout
    assert html.startswith("<!DOCTYPE html>")
    assert "@page { size: A4" in html
    assert html.count('<section class="day">') == 5
    assert "15:06" in html and "17:06" in html
    assert "Nurse (name, signature)" in html
    assert "http://" not in html and "https://" not in html  # no external assets


def test_a_bad_time_exits_2_with_the_error_on_stderr(tmp_path: Path) -> None:
    result = _invoke([str(tmp_path / "x.json"), "--start", "2026-12-01", "--time", "25:99"])
    assert result.exit_code == 2
    assert "--time '25:99' is not a clock time; use HH:MM" in result.stderr


def test_a_bad_start_date_exits_2(tmp_path: Path) -> None:
    result = _invoke([str(tmp_path / "x.json"), "--start", "01/12/2026", "--time", "10:00"])
    assert result.exit_code == 2
    assert "--start '01/12/2026' is not a date" in result.stderr


def test_a_missing_bundle_exits_2(tmp_path: Path) -> None:
    result = _invoke([str(tmp_path / "absent.json"), "--start", "2026-12-01", "--time",
                      "10:00"])
    assert result.exit_code == 2
    assert "absent.json" in result.stderr


def test_plan_course_renders_html_for_the_facts_read(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """The command without the FHIR reader: facts are injected, the sheet escapes the text."""
    from alemtrack.cli import plan as plan_cli
    from alemtrack.protocol.facts import PatientFacts

    facts = PatientFacts(ref="Patient/<b>x</b>")
    monkeypatch.setattr(plan_cli, "load", lambda path: SimpleNamespace(facts=facts))
    result = runner.invoke(_app(), ["plan-course", str(tmp_path / "x.json"), "--start",
                                    "2026-12-01", "--time", "10:00", "--course", "2",
                                    "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "Patient/&lt;b&gt;x&lt;/b&gt;" in result.stdout
    assert result.stdout.count('<section class="day">') == 3
    assert "750 mg" in result.stdout


def test_a_bundle_that_is_not_json_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = _invoke([str(bad), "--start", "2026-12-01", "--time", "10:00"])
    assert result.exit_code == 2
    assert result.stderr.startswith("alemtrack: error: ")
    assert result.stdout == ""
