"""The patient routes of the REST API as the hospital's systems use them: list, search and
filter patients, read a record and its assessment, evaluate, plan a course, adherence."""

from __future__ import annotations

import json
from collections.abc import Iterator

import jsonschema
import pytest

from tests.e2e.api_support import (
    API,
    REPO,
    ApiClient,
    api_client,
    assert_error,
    fields,
    import_example,
)

ITP = "06-itp-month-19"
CANDIDATE = "01-treatment-naive-ready-to-start"
OVERDUE = "13-overdue-monitoring"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiClient, dict]]:
    """Three example patients imported through the API; read-only tests share them."""
    with api_client(tmp_path_factory.mktemp("api") / "clinic.db") as client:
        ids = {stem: import_example(client, stem)["patient_id"]
               for stem in (ITP, CANDIDATE, OVERDUE)}
        yield client, ids


def test_the_patient_list_shows_every_imported_patient_with_phase_and_alerts(clinic):
    client, ids = clinic
    page = client.get(f"{API}/patients").json()
    assert page["total"] == 3 and page["limit"] == 50 and page["offset"] == 0
    by_id = {p["id"]: p for p in page["items"]}
    assert set(by_id) == set(ids.values())
    itp = by_id[ids[ITP]]
    assert itp["name"] and itp["fhir_id"] == "p06"
    assert itp["phase"] == "monitoring"
    assert itp["open_alerts"] >= 1 and itp["top_severity"] in ("urgent", "critical")
    assert by_id[ids[CANDIDATE]]["phase"] in ("candidate", "pre-treatment")


def test_searching_by_name_finds_the_patient(clinic):
    client, ids = clinic
    page = client.get(f"{API}/patients", params={"q": "Voss"}).json()
    assert [p["id"] for p in page["items"]] == [ids[ITP]]
    assert client.get(f"{API}/patients", params={"q": "Nobody-Such"}).json()["total"] == 0


def test_filters_by_phase_and_open_alerts_narrow_the_list(clinic):
    client, ids = clinic
    monitoring = client.get(f"{API}/patients", params={"phase": "monitoring"}).json()
    assert ids[ITP] in [p["id"] for p in monitoring["items"]]
    assert ids[CANDIDATE] not in [p["id"] for p in monitoring["items"]]
    alerting = client.get(f"{API}/patients", params={"open_alerts": "true"}).json()
    assert all(p["open_alerts"] > 0 for p in alerting["items"])
    assert ids[ITP] in [p["id"] for p in alerting["items"]]
    quiet = client.get(f"{API}/patients", params={"open_alerts": "false"}).json()
    assert all(p["open_alerts"] == 0 for p in quiet["items"])
    overdue = client.get(f"{API}/patients", params={"overdue": "true"}).json()
    assert all(p["overdue"] > 0 for p in overdue["items"])


def test_paging_walks_the_list_one_patient_at_a_time(clinic):
    client, ids = clinic
    seen = []
    for offset in range(3):
        page = client.get(f"{API}/patients", params={"limit": 1, "offset": offset}).json()
        assert page["total"] == 3 and len(page["items"]) == 1
        seen.append(page["items"][0]["id"])
    assert sorted(seen) == sorted(ids.values())


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
    ({"offset": -1}, "offset"),
    ({"phase": "remission"}, "phase"),
    ({"overdue": "maybe"}, "overdue"),
    ({"q": "x" * 101}, "q"),
])
def test_out_of_bounds_list_parameters_are_refused_naming_the_parameter(clinic, params, field):
    client, _ = clinic
    error = assert_error(client.get(f"{API}/patients", params=params), 422, "validation_error")
    assert fields(error) == [field]


def test_the_patient_record_has_summary_assessment_labs_alerts_and_timeline(clinic):
    client, ids = clinic
    record = client.get(f"{API}/patients/{ids[ITP]}").json()
    assert record["summary"]["id"] == ids[ITP]
    assert record["assessment"]["phase"] == "monitoring"
    platelets = record["labs"]["platelets"]
    assert platelets == sorted(platelets, key=lambda p: p["date"])  # oldest first
    assert platelets[-1]["value"] == pytest.approx(62)
    assert any(a["rule"] == "R-H4" and a["status"] == "open" for a in record["alerts"])
    assert record["timeline"]
    dates = [e["date"] for e in record["timeline"]]
    assert dates == sorted(dates, reverse=True)  # newest first


def test_the_assessment_route_answers_the_json_of_interfaces_section_2(clinic):
    client, ids = clinic
    response = client.get(f"{API}/patients/{ids[ITP]}/assessment")
    assert response.status_code == 200
    assessment = response.json()
    schema = json.loads((REPO / "docs" / "assessment.schema.json").read_text("utf-8"))
    jsonschema.validate(assessment, schema)
    itp = [f for f in assessment["findings"] if f["rule"] == "R-H4"]
    assert itp and itp[0]["severity"] == "urgent"
    assert itp[0]["evidence"][0]["code"] == "777-3"


def test_evaluating_a_patient_on_a_date_returns_its_updated_summary(clinic):
    client, ids = clinic
    response = client.post(f"{API}/patients/{ids[ITP]}/evaluate",
                            params={"as_of": "2026-11-12"})
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["id"] == ids[ITP] and summary["evaluated_on"] == "2026-11-12"
    error = assert_error(client.post(f"{API}/patients/{ids[ITP]}/evaluate",
                                     params={"as_of": "12/11/2026"}), 422, "validation_error")
    assert fields(error) == ["as_of"]


@pytest.mark.parametrize(("method", "path"), [
    ("get", ""),
    ("get", "/assessment"),
    ("post", "/evaluate"),
    ("get", "/plan?start=2026-12-07&time=08:30"),
    ("get", "/adherence"),
])
def test_an_unknown_patient_is_a_404_in_the_error_shape(clinic, method, path):
    client, _ = clinic
    error = assert_error(getattr(client, method)(f"{API}/patients/999999{path}"),
                         404, "not_found")
    assert "999999" in error["message"]


def test_a_patient_id_that_is_not_a_number_is_refused_naming_it(clinic):
    client, _ = clinic
    error = assert_error(client.get(f"{API}/patients/abc"), 422, "validation_error")
    assert fields(error) == ["patient_id"]


def test_the_course_plan_gives_five_days_with_premedication_and_rate_steps(clinic):
    client, ids = clinic
    response = client.get(f"{API}/patients/{ids[CANDIDATE]}/plan",
                          params={"start": "2026-12-07", "time": "08:30"})
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["course"] == 1 and plan["start"] == "2026-12-07"
    assert len(plan["days"]) == 5 and plan["total_dose_mg"] == 60
    day1 = plan["days"][0]
    assert day1["premedication"] and day1["infusion"]["rate_steps"]
    assert day1["infusion"]["start"] == "08:30"
    assert "from" in next(iter(plan["windows"].values()))
    label = client.get(f"{API}/patients/{ids[CANDIDATE]}/plan",
                       params={"start": "2026-12-07", "time": "08:30", "regimen": "label"})
    assert label.json()["regimen"] == "label"


@pytest.mark.parametrize(("params", "field"), [
    ({"time": "08:30"}, "start"),
    ({"start": "2026-12-07"}, "time"),
    ({"start": "2026-12-07", "time": "25:99"}, "time"),
    ({"start": "2026-12-07", "time": "08:30", "regimen": "double"}, "regimen"),
])
def test_a_course_plan_with_a_wrong_parameter_is_refused_naming_it(clinic, params, field):
    client, ids = clinic
    response = client.get(f"{API}/patients/{ids[CANDIDATE]}/plan", params=params)
    assert fields(assert_error(response, 422, "validation_error")) == [field]


def test_a_patients_adherence_counts_monitoring_slots_done_on_time(clinic):
    client, ids = clinic
    adherence = client.get(f"{API}/patients/{ids[OVERDUE]}/adherence").json()
    assert adherence["patient_id"] == ids[OVERDUE]
    assert adherence["slots_due"] >= adherence["slots_on_time"] >= 0
    assert adherence["slots_due"] > 0
    assert adherence["rate"] == pytest.approx(adherence["slots_on_time"] / adherence["slots_due"])
    for item in adherence["by_item"].values():
        assert item["due"] >= item["on_time"]
