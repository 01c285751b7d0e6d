"""The OpenAPI document the hospital IT team reads: valid JSON, every route listed with a
summary, its success schema and its error responses, and the schemas describe what the API
really answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from tests.e2e.api_support import API, ApiClient, api_client, import_example

ROUTES = {
    ("get", "/patients"), ("get", "/patients/{patient_id}"),
    ("get", "/patients/{patient_id}/assessment"), ("post", "/patients/{patient_id}/evaluate"),
    ("post", "/patients/{patient_id}/labs"), ("post", "/patients/{patient_id}/infusions"),
    ("post", "/patients/{patient_id}/relapses"), ("post", "/patients/{patient_id}/edss"),
    ("post", "/patients/{patient_id}/mri"), ("post", "/patients/{patient_id}/vaccinations"),
    ("post", "/patients/{patient_id}/checklists"), ("get", "/patients/{patient_id}/plan"),
    ("get", "/patients/{patient_id}/adherence"), ("post", "/imports"), ("get", "/alerts"),
    ("post", "/alerts/{alert_id}/acknowledge"), ("post", "/alerts/{alert_id}/resolve"),
    ("get", "/worklist"), ("get", "/adherence"), ("get", "/health"),
    ("get", "/rules"), ("get", "/rules/{rule_id}"),  # the rule pages CDS cards link to
    ("post", "/hl7"), ("post", "/imports/csv"),  # lab feeds (docs/lab-feeds.md)
    ("get", "/patients/{patient_id}/calendar.ics"),
    ("get", "/patients/{patient_id}/fhir"),  # FHIR export (docs/fhir-bulk.md)
}
ERROR_REF = "#/components/schemas/ErrorResponse"


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[ApiClient, dict[str, Any]]]:
    with api_client(tmp_path_factory.mktemp("openapi") / "clinic.db") as client:
        response = client.get("/openapi.json")
        assert response.status_code == 200
        yield client, json.loads(response.text)


def _api_operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method, path.removeprefix(API)): op
            for path, item in doc["paths"].items() if path.startswith(API)
            for method, op in item.items()}


def test_the_openapi_document_lists_every_route_of_the_api_and_no_other(served):
    _, doc = served
    assert doc["openapi"].startswith("3.")
    assert doc["info"]["title"] and doc["info"]["version"]
    assert set(_api_operations(doc)) == ROUTES


def test_every_route_has_a_summary_a_tag_a_success_schema_and_documented_errors(served):
    _, doc = served
    for key, op in _api_operations(doc).items():
        assert op.get("summary"), key
        assert op.get("tags"), key
        success = [s for s in op["responses"] if s.startswith("2")]
        assert len(success) == 1, key
        # JSON, or the route's own format (HL7 ACK, iCalendar, FHIR JSON)
        (content,) = op["responses"][success[0]]["content"].values()
        assert content["schema"], key
        for status in ("422", "500"):
            ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == ERROR_REF, (key, status)
        if "{patient_id}" in key[1] or "{alert_id}" in key[1]:
            assert "404" in op["responses"], key
        if key[0] == "post" and "requestBody" in op:
            assert "413" in op["responses"], key
    resolve = _api_operations(doc)[("post", "/alerts/{alert_id}/resolve")]
    assert "409" in resolve["responses"]


def test_every_reference_in_the_document_resolves(served):
    _, doc = served
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in doc["components"]["schemas"], ref
    assert "HTTPValidationError" not in doc["components"]["schemas"]  # one error shape only


def _validate(doc: dict[str, Any], schema_name: str, instance: Any) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}",
              "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_the_documented_schemas_describe_the_real_answers(served):
    client, doc = served
    report = import_example(client, "06-itp-month-19")
    _validate(doc, "ImportReportOut", report)
    pid = report["patient_id"]
    _validate(doc, "PatientPageOut", client.get(f"{API}/patients").json())
    _validate(doc, "PatientDetailOut", client.get(f"{API}/patients/{pid}").json())
    _validate(doc, "AssessmentOut", client.get(f"{API}/patients/{pid}/assessment").json())
    _validate(doc, "AlertPageOut", client.get(f"{API}/alerts").json())
    _validate(doc, "WorklistOut", client.get(f"{API}/worklist").json())
    _validate(doc, "AdherenceOut", client.get(f"{API}/adherence").json())
    _validate(doc, "CoursePlanOut", client.get(
        f"{API}/patients/{pid}/plan", params={"start": "2027-01-11", "time": "09:00"}).json())
    _validate(doc, "ErrorResponse", client.get(f"{API}/patients/0").json())
