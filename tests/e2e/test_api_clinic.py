"""Clinic-wide routes: FHIR imports (idempotent), the day's worklist, adherence and health."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.api_support import (
    API,
    ApiClient,
    api_client,
    assert_error,
    bundle,
    fields,
    import_example,
)


@pytest.fixture
def client(tmp_path) -> Iterator[ApiClient]:
    with api_client(tmp_path / "clinic.db") as client:
        yield client


def test_importing_a_bundle_reports_what_was_stored_and_a_second_import_changes_nothing(client):
    first = import_example(client, "06-itp-month-19")
    assert first["received"] == len(bundle("06-itp-month-19")["entry"])
    assert first["stored"] > 0 and first["rejected"] == []
    again = import_example(client, "06-itp-month-19")
    assert again["patient_id"] == first["patient_id"]
    assert again["stored"] == 0 and again["superseded"] == 0
    assert again["unchanged"] == again["received"]
    assert client.get(f"{API}/patients").json()["total"] == 1


def test_an_amended_result_supersedes_the_original(client):
    original = bundle("06-itp-month-19")
    pid = client.post(f"{API}/imports", json=original).json()["patient_id"]
    amended = {**original, "entry": [e for e in original["entry"]
                                     if e["resource"]["resourceType"] == "Patient"]}
    platelet = next(e for e in original["entry"]
                    if e["resource"].get("id") == "plt-2026-11-10")
    resource = {**platelet["resource"], "status": "amended",
                "valueQuantity": {**platelet["resource"]["valueQuantity"], "value": 165}}
    amended["entry"].append({**platelet, "resource": resource})
    report = client.post(f"{API}/imports", json=amended)
    assert report.status_code == 201, report.text
    assert report.json()["superseded"] == 1
    platelets = client.get(f"{API}/patients/{pid}").json()["labs"]["platelets"]
    assert platelets[-1]["value"] == pytest.approx(165)


def test_a_resource_that_is_not_a_bundle_is_refused_in_the_error_shape(client):
    response = client.post(f"{API}/imports", json={"resourceType": "Patient", "id": "x"})
    error = assert_error(response, 422, "input_error")
    assert "Bundle" in error["message"]


def test_an_import_body_that_is_not_a_json_object_is_refused_naming_the_body(client):
    response = client.post(f"{API}/imports", json=["not", "a", "bundle"])
    assert fields(assert_error(response, 422, "validation_error")) == ["body"]


def test_the_worklist_of_a_day_lists_open_alerts_by_severity_and_overdue_tests(client):
    itp = import_example(client, "06-itp-month-19")["patient_id"]
    import_example(client, "13-overdue-monitoring")
    worklist = client.get(f"{API}/worklist", params={"day": "2026-11-12"}).json()
    assert worklist["day"] == "2026-11-12"
    assert set(worklist) == {"day", "infusions", "overdue", "due", "alerts", "decisions"}
    urgent = worklist["alerts"].get("urgent", [])
    assert any(a["patient_id"] == itp and a["rule"] == "R-H4" for a in urgent)
    assert all(d["status"] == "overdue" for d in worklist["overdue"])
    assert worklist["overdue"]


def test_the_worklist_defaults_to_the_clinics_today(client):
    assert client.get(f"{API}/worklist").json()["day"] == "2026-11-12"


def test_a_worklist_day_that_is_not_a_date_is_refused_naming_day(client):
    response = client.get(f"{API}/worklist", params={"day": "tomorrow"})
    assert fields(assert_error(response, 422, "validation_error")) == ["day"]


def test_clinic_adherence_adds_up_the_patients(client):
    a = import_example(client, "06-itp-month-19")["patient_id"]
    b = import_example(client, "13-overdue-monitoring")["patient_id"]
    clinic = client.get(f"{API}/adherence").json()
    assert clinic["patient_id"] is None
    per_patient = [client.get(f"{API}/patients/{p}/adherence").json() for p in (a, b)]
    assert clinic["slots_due"] == sum(p["slots_due"] for p in per_patient)
    assert clinic["slots_on_time"] == sum(p["slots_on_time"] for p in per_patient)


def test_health_answers_ok_with_the_version(client):
    response = client.get(f"{API}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["version"]
