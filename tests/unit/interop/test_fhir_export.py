"""The FHIR export of a patient's plan and state (pure): valid R4, complete, traceable, and
read back to the same facts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from alemtrack import __version__
from alemtrack.interop.fhir import read_bundle
from alemtrack.interop.fhir.export import (
    DERIVED_TAG,
    ExportAlert,
    export_bundle,
    is_derived,
    rules_revision,
)
from alemtrack.protocol import assess

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
CASES = sorted(EXAMPLES.glob("*.case.json"))
RECORDED = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
DERIVED_TYPES = ("CarePlan", "Task", "DetectedIssue", "Flag", "Provenance", "Device")


def _example(case_file: Path) -> tuple[dict[str, Any], date]:
    case = json.loads(case_file.read_text("utf-8"))
    bundle_file = case_file.with_name(case_file.name.replace(".case.json", ".bundle.json"))
    return json.loads(bundle_file.read_text("utf-8")), date.fromisoformat(case["as_of"])


def _export(prefix: str, **kwargs: Any) -> tuple[dict[str, Any], Any, Any]:
    (case_file,) = EXAMPLES.glob(f"{prefix}*.case.json")
    data, as_of = _example(case_file)
    reading = read_bundle(data)
    assessment = assess(reading.facts, as_of)
    kwargs.setdefault("records", data["entry"])
    bundle = export_bundle(reading.facts, assessment, recorded=RECORDED, **kwargs)
    return bundle, reading, assessment


def _of_type(bundle: dict[str, Any], rtype: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype]


@pytest.mark.parametrize("case_file", CASES, ids=lambda p: p.name[:2])
def test_every_example_exports_to_a_bundle_that_validates_as_fhir_r4b(case_file: Path) -> None:
    data, as_of = _example(case_file)
    reading = read_bundle(data)
    bundle = export_bundle(reading.facts, assess(reading.facts, as_of), recorded=RECORDED,
                           records=data["entry"], agent="dr.lee")
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] in DERIVED_TYPES:  # each against its own model, strictly
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)


@pytest.mark.parametrize("case_file", CASES, ids=lambda p: p.name[:2])
def test_reading_the_exported_bundle_gives_the_same_facts(case_file: Path) -> None:
    data, as_of = _example(case_file)
    reading = read_bundle(data)
    bundle = export_bundle(reading.facts, assess(reading.facts, as_of), recorded=RECORDED,
                           records=data["entry"])
    again = read_bundle(bundle)
    assert again.facts == reading.facts
    assert assess(again.facts, as_of) == assess(reading.facts, as_of)


def test_the_hlh_patient_gets_one_detected_issue_per_finding_with_its_rule_and_evidence() -> None:
    bundle, _, assessment = _export("14")
    issues = _of_type(bundle, "DetectedIssue")
    assert len(assessment.findings) >= 2
    assert [i["code"]["coding"][0]["code"] for i in issues] == [
        f.rule for f in assessment.findings]
    for issue, finding in zip(issues, assessment.findings, strict=True):
        assert issue["patient"] == {"reference": assessment.patient}
        assert issue["extension"][0]["valueCode"] == finding.severity.value
        assert {d["detail"][0]["reference"] for d in issue["evidence"]} == {
            e.ref for e in finding.evidence}
        assert issue["reference"].endswith(f"clinical-rules.md#{finding.rule}")
        assert finding.summary in issue["detail"] and finding.source in issue["detail"]
    severities = {i["code"]["coding"][0]["code"]: i["severity"] for i in issues}
    assert set(severities.values()) <= {"high", "moderate", "low"}


def test_every_due_test_is_one_task_referenced_by_the_care_plan() -> None:
    bundle, _, assessment = _export("13")
    tasks = _of_type(bundle, "Task")
    assert [(t["code"]["coding"][0]["code"], t["restriction"]["period"]["end"],
             t["businessStatus"]["text"]) for t in tasks] == [
        (d.item, d.due.isoformat(), d.status.value) for d in assessment.due]
    assert any(t["businessStatus"]["text"] == "overdue" and t["priority"] == "urgent"
               for t in tasks)
    (plan,) = _of_type(bundle, "CarePlan")
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"] if "fullUrl" in e}
    referenced = [a["reference"]["reference"] for a in plan["activity"] if "reference" in a]
    assert [by_url[url]["id"] for url in referenced] == [t["id"] for t in tasks]
    for task in tasks:
        assert task["basedOn"] == [{"reference": f"urn:uuid:{plan['id']}"}]


def test_the_care_plan_carries_the_courses_the_next_course_gates_and_the_windows() -> None:
    bundle, _, assessment = _export("05")
    (plan,) = _of_type(bundle, "CarePlan")
    details = [a["detail"] for a in plan["activity"] if "detail" in a]
    courses = [d for d in details if d.get("kind") == "MedicationRequest"]
    assert len(courses) == len(assessment.courses) + 1  # given, and the next one
    nxt = courses[-1]
    assert nxt["statusReason"]["text"] == assessment.next_course.status
    for gate in assessment.next_course.gates:
        assert gate.rule in nxt["description"]
    windows = {d["code"]["coding"][0]["code"] for d in details if "code" in d
               and d["code"].get("coding")}
    assert windows == {n for n, v in assessment.windows.items() if v is not None}
    assert plan["period"]["end"] == assessment.monitoring_until.isoformat()


def test_flags_follow_the_clinic_alerts_and_point_to_their_detected_issue() -> None:
    opened = datetime(2026, 11, 11, 8, 0, tzinfo=UTC)
    alert = ExportAlert("R-H4", "urgent", "Platelets low", "acknowledged", opened,
                        acknowledged_by="dr.lee", acknowledged_at=opened)
    bundle, _, _ = _export("06", alerts=[alert])
    (flag,) = _of_type(bundle, "Flag")
    ext = {e["url"].rsplit("/", 1)[-1]: e for e in flag["extension"]}
    assert ext["alert-status"]["valueCode"] == "acknowledged"
    assert ext["alemtrack-severity"]["valueCode"] == "urgent"
    issue_url = ext["flag-detail"]["valueReference"]["reference"]
    (issue,) = [e["resource"] for e in bundle["entry"] if e.get("fullUrl") == issue_url]
    assert issue["code"]["coding"][0]["code"] == "R-H4"
    assert "acknowledged by dr.lee" in flag["code"]["text"]
    assert flag["period"]["start"] == "2026-11-11T08:00:00+00:00"


def test_without_alerts_each_finding_is_flagged() -> None:
    bundle, _, assessment = _export("14")
    assert [f["code"]["coding"][0]["code"] for f in _of_type(bundle, "Flag")] == [
        f.rule for f in assessment.findings]


def test_the_provenance_names_the_rule_version_and_the_agents_and_targets_all_it_derived() -> None:
    bundle, _, _ = _export("14", agent="dr.lee")
    (prov,) = _of_type(bundle, "Provenance")
    (device,) = _of_type(bundle, "Device")
    revision = rules_revision()
    assert len(revision) == 12
    assert {v["value"] for v in device["version"]} == {__version__, revision}
    assert any(p.endswith(f"clinical-rules.md?revision={revision}") for p in prov["policy"])
    assert prov["recorded"] == "2026-11-21T09:30:00+00:00"
    author, requester = prov["agent"]
    assert author["who"]["reference"] == next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Device")
    assert __version__ in author["who"]["display"] and revision in author["who"]["display"]
    assert requester["who"]["display"] == "dr.lee"
    derived = [e["fullUrl"] for e in bundle["entry"]
               if e["resource"]["resourceType"] in ("CarePlan", "Task", "DetectedIssue", "Flag")]
    assert [t["reference"] for t in prov["target"]] == derived


def test_exporting_twice_gives_the_same_ids_and_an_export_of_an_export_keeps_only_records() -> None:
    first, reading, assessment = _export("06")
    second = export_bundle(reading.facts, assessment, recorded=RECORDED,
                           records=first["entry"])
    assert [e["resource"].get("id") for e in second["entry"]] == [
        e["resource"].get("id") for e in first["entry"]]
    records = [e for e in first["entry"] if not is_derived(e["resource"])]
    assert all(r["resource"]["resourceType"] not in DERIVED_TYPES for r in records)
    assert all(DERIVED_TAG in e["resource"]["meta"]["tag"] for e in first["entry"]
               if e["resource"]["resourceType"] in DERIVED_TYPES)


def test_without_records_a_minimal_patient_stands_for_the_facts() -> None:
    bundle, reading, _ = _export("01", records=())
    patient = bundle["entry"][0]["resource"]
    assert f"Patient/{patient['id']}" == reading.facts.ref
    assert patient["gender"] == reading.facts.sex.value
    assert read_bundle(bundle).facts.birth_date == reading.facts.birth_date
