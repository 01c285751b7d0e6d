"""The care team's entries through the REST API: lab results with unit checks, infusion days,
relapses, EDSS, MRI, vaccinations and symptom checklists. Each entry re-evaluates the patient;
each wrong field is a 422 that names it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.api_support import API, ApiClient, api_client, assert_error, fields, import_example

PATIENT = "01-treatment-naive-ready-to-start"  # a small bundle: entries need no history


@pytest.fixture
def patient(tmp_path) -> Iterator[tuple[ApiClient, int]]:
    with api_client(tmp_path / "clinic.db") as client:
        yield client, import_example(client, PATIENT)["patient_id"]


def test_a_platelet_count_entered_by_hand_is_converted_and_joins_the_lab_history(patient):
    client, pid = patient
    response = client.post(f"{API}/patients/{pid}/labs", json={
        "code": "777-3", "value": 180, "unit": "10*9/L", "on": "2026-11-11"})
    assert response.status_code == 201, response.text
    assert response.json()["id"] == pid
    platelets = client.get(f"{API}/patients/{pid}").json()["labs"]["platelets"]
    newest = platelets[-1]
    assert newest["date"] == "2026-11-11" and newest["value"] == pytest.approx(180)


def test_a_creatinine_with_an_unknown_unit_is_refused_naming_the_unit_field(patient):
    client, pid = patient
    before = client.get(f"{API}/patients/{pid}").json()["labs"].get("creatinine", [])
    response = client.post(f"{API}/patients/{pid}/labs", json={
        "code": "2160-0", "value": 0.9, "unit": "furlongs", "on": "2026-11-11"})
    error = assert_error(response, 422, "validation_error")
    assert fields(error) == ["unit"]
    assert "furlongs" in error["details"][0]["message"]
    after = client.get(f"{API}/patients/{pid}").json()["labs"].get("creatinine", [])
    assert after == before  # nothing stored


def test_a_lab_with_an_unknown_code_is_refused_naming_the_code_field(patient):
    client, pid = patient
    response = client.post(f"{API}/patients/{pid}/labs", json={
        "code": "99999-9", "value": 1, "unit": "mg/dL", "on": "2026-11-11"})
    assert "code" in fields(assert_error(response, 422, "validation_error"))


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "777-3", "value": 180, "unit": "10*9/L"}, "on"),
    ({"code": "777-3", "value": 180, "unit": "10*9/L", "on": "yesterday"}, "on"),
    ({"code": "777-3", "value": "many", "unit": "10*9/L", "on": "2026-11-11"}, "value"),
    ({"code": "777-3", "valeu": 180, "unit": "10*9/L", "on": "2026-11-11"}, "valeu"),
])
def test_a_malformed_lab_entry_is_refused_naming_the_field(patient, body, field):
    client, pid = patient
    response = client.post(f"{API}/patients/{pid}/labs", json=body)
    assert field in fields(assert_error(response, 422, "validation_error"))


def test_a_lab_for_an_unknown_patient_is_a_404(patient):
    client, _ = patient
    response = client.post(f"{API}/patients/999999/labs", json={
        "code": "777-3", "value": 180, "unit": "10*9/L", "on": "2026-11-11"})
    assert_error(response, 404, "not_found")


def test_an_infusion_day_with_vitals_and_a_reaction_is_recorded(patient):
    client, pid = patient
    response = client.post(f"{API}/patients/{pid}/infusions", json={
        "on": "2026-11-10", "start": "09:00", "end": "13:10", "dose_mg": 12, "lot": "LOT-A1",
        "vitals": [{"at": "09:00", "temperature_c": 36.8, "heart_rate": 72, "systolic": 124,
                    "diastolic": 78},
                   {"at": "10:00", "temperature_c": 37.9, "heart_rate": 96}],
        "reaction_grade": 1, "reaction_at": "09:50", "rate_at_stop_ml_h": 25,
        "reaction_action": "Rate halved, paracetamol 1 g"})
    assert response.status_code == 201, response.text
    timeline = client.get(f"{API}/patients/{pid}").json()["timeline"]
    assert any(e["kind"] == "infusion" and e["date"] == "2026-11-10" for e in timeline)


@pytest.mark.parametrize(("change", "field"), [
    ({"reaction_grade": 5}, "reaction_grade"),
    ({"dose_mg": 0}, "dose_mg"),
    ({"lot": ""}, "lot"),
    ({"start": "nine"}, "start"),
    ({"vitals": [{"temperature_c": 37}]}, "vitals[0].at"),
])
def test_a_wrong_infusion_field_is_refused_naming_it(patient, change, field):
    client, pid = patient
    body = {"on": "2026-11-10", "start": "09:00", "dose_mg": 12, "lot": "LOT-A1", **change}
    response = client.post(f"{API}/patients/{pid}/infusions", json=body)
    assert fields(assert_error(response, 422, "validation_error")) == [field]


@pytest.mark.parametrize(("path", "body", "kind"), [
    ("relapses", {"onset": "2026-11-01", "disabling": True}, "relapse"),
    ("edss", {"on": "2026-11-05", "value": 3.5}, "edss"),
    ("mri", {"on": "2026-11-03", "gd_lesions": 1, "new_t2_lesions": 2}, "mri"),
    ("vaccinations", {"on": "2026-11-04", "cvx": "141"}, "vaccination"),
    ("checklists", {"on": "2026-11-06", "answers": {"haem-bruising": True,
                                                    "inf-fever": False}}, "checklist"),
])
def test_each_clinical_entry_is_recorded_and_shows_on_the_timeline(patient, path, body, kind):
    client, pid = patient
    response = client.post(f"{API}/patients/{pid}/{path}", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["id"] == pid
    timeline = client.get(f"{API}/patients/{pid}").json()["timeline"]
    assert any(e["kind"] == kind for e in timeline), [e["kind"] for e in timeline]


@pytest.mark.parametrize(("path", "body", "field"), [
    ("relapses", {"disabling": True}, "onset"),
    ("edss", {"on": "2026-11-05", "value": 11}, "value"),
    ("mri", {"on": "2026-11-03", "gd_lesions": -1}, "gd_lesions"),
    ("vaccinations", {"on": "2026-11-04"}, "cvx"),
    ("checklists", {"on": "2026-11-06", "answers": {"haem-bruising": "often"}},
     "answers.haem-bruising"),
])
def test_a_wrong_clinical_entry_is_refused_naming_the_field(patient, path, body, field):
    client, pid = patient
    response = client.post(f"{API}/patients/{pid}/{path}", json=body)
    assert fields(assert_error(response, 422, "validation_error")) == [field]


def test_a_checklist_answer_to_an_unknown_question_is_refused(patient):
    client, pid = patient
    response = client.post(f"{API}/patients/{pid}/checklists", json={
        "on": "2026-11-06", "answers": {"how-are-you": True}})
    error = assert_error(response, 422, "validation_error")
    assert any("how-are-you" in field for field in fields(error))
