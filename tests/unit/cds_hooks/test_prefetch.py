"""Prefetch tokens and resolution (CDS Hooks 2.0 §Prefetch) with an injected transport."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from alemtrack.cds_hooks import (
    PREFETCH,
    FhirClient,
    HttpResponse,
    PrefetchUnavailable,
    discovery,
    render_template,
    resolve_prefetch,
)
from alemtrack.cds_hooks.fetch import FhirFetchError
from alemtrack.cds_hooks.request import CdsRequestError, parse_feedback, parse_request

SPEC = Path("/work/shared/testdata/cds-hooks")
_beside = Path(__file__).resolve().parents[4] / "shared" / "testdata" / "cds-hooks"
if _beside.is_dir():
    SPEC = _beside


def spec(name: str) -> Any:
    return json.loads((SPEC / name).read_text("utf-8"))


def test_the_spec_prefetch_templates_render_with_the_spec_context() -> None:
    templates = spec("spec-prefetch-templates-discovery.json")["prefetch"]
    context = {"patientId": "1288992", "userId": "PractitionerRole/123"}
    rendered = {k: render_template(v, context) for k, v in templates.items()}
    assert rendered["patient"] == "Patient/1288992"
    assert "patient=1288992" in rendered["hemoglobin-a1c"]
    assert rendered["user"] == "PractitionerRole?_id=123"


def test_a_token_without_a_value_cannot_render() -> None:
    with pytest.raises(ValueError, match="patientId"):
        render_template("Patient/{{context.patientId}}", {})
    with pytest.raises(ValueError, match="PractitionerRole"):
        render_template("PractitionerRole/{{userPractitionerRoleId}}",
                        {"userId": "Practitioner/1"})


def test_every_discovery_template_uses_only_the_patient_token() -> None:
    for s in discovery()["services"]:
        assert render_template(s["prefetch"]["observations"], {"patientId": "7"}) == \
            "Observation?patient=7"


class FakeTransport:
    def __init__(self, answers: Mapping[str, tuple[int, Any]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, str]]] = []

    def __call__(self, url: str, headers: Mapping[str, str], timeout: float) -> HttpResponse:
        self.calls.append((url, dict(headers)))
        for suffix, (status, body) in self.answers.items():
            if url.endswith(suffix):
                return HttpResponse(status, json.dumps(body).encode())
        return HttpResponse(200, json.dumps({"resourceType": "Bundle", "type": "searchset",
                                             "entry": []}).encode())


def test_present_keys_are_used_null_keys_are_no_data_and_absent_keys_are_fetched() -> None:
    transport = FakeTransport({})
    given = {"patient": {"resourceType": "Patient", "id": "1"}, "observations": None}
    result = resolve_prefetch(PREFETCH, {"patientId": "1"}, given,
                              lambda: FhirClient("https://ehr/fhir", "tok", transport))
    assert result.values["patient"] == given["patient"]
    assert result.values["observations"] is None
    assert set(result.fetched) == set(PREFETCH) - {"patient", "observations"}
    assert all(h["Authorization"] == "Bearer tok" for _, h in transport.calls)
    assert not any("Observation?" in url for url, _ in transport.calls)


def test_absent_keys_without_a_fhir_server_raise_412_naming_them() -> None:
    with pytest.raises(PrefetchUnavailable) as caught:
        resolve_prefetch(PREFETCH, {"patientId": "1"}, {"patient": None}, lambda: None)
    assert "conditions" in caught.value.keys and "patient" not in caught.value.keys


def test_a_failed_fetch_is_412_and_a_missing_resource_is_no_data() -> None:
    transport = FakeTransport({"Patient/1": (404, {}), "Condition?patient=1": (500, {})})
    client = FhirClient("https://ehr/fhir", None, transport)
    assert client.get("Patient/1") is None
    with pytest.raises(PrefetchUnavailable, match="HTTP 500"):
        resolve_prefetch({"conditions": PREFETCH["conditions"]}, {"patientId": "1"}, {},
                         lambda: client)


def test_searches_follow_next_pages_on_the_same_host_only() -> None:
    page1 = {"resourceType": "Bundle", "type": "searchset",
             "link": [{"relation": "next", "url": "https://ehr/fhir/page2"}],
             "entry": [{"resource": {"resourceType": "Condition", "id": "a"}}]}
    page2 = {"resourceType": "Bundle", "type": "searchset",
             "entry": [{"resource": {"resourceType": "Condition", "id": "b"}}]}
    client = FhirClient("https://ehr/fhir", "t", FakeTransport(
        {"Condition?patient=1": (200, page1), "page2": (200, page2)}))
    got = client.get("Condition?patient=1")
    assert got is not None and [e["resource"]["id"] for e in got["entry"]] == ["a", "b"]
    page1["link"] = [{"relation": "next", "url": "https://evil.example/steal"}]
    with pytest.raises(FhirFetchError, match="another host"):
        client.get("Condition?patient=1")


def test_a_fhir_server_must_be_http() -> None:
    with pytest.raises(FhirFetchError):
        FhirClient("file:///etc/passwd", None, FakeTransport({}))


def test_the_spec_request_examples_parse() -> None:
    request = parse_request(spec("spec-request-patient-view-with-prefetch.json"), "patient-view")
    assert request.patient_id == "1288992"
    assert request.fhir_authorization is not None
    assert request.fhir_authorization.access_token == "some-opaque-fhir-access-token"
    for name in ("hook-order-sign-r4.json", "hook-order-select-r4.json"):
        context = spec(name)["context"]
        hook = "order-sign" if "sign" in name else "order-select"
        parsed = parse_request({"hook": hook, "hookInstance": "x", "context": context}, hook)
        assert parsed.context["draftOrders"]["resourceType"] == "Bundle"


def test_fhir_authorization_without_fhir_server_is_refused() -> None:
    body = spec("spec-request-patient-view-with-prefetch.json")
    del body["fhirServer"]
    with pytest.raises(CdsRequestError, match="fhirServer"):
        parse_request(body, "patient-view")


def test_the_spec_feedback_examples_parse() -> None:
    accepted = parse_feedback(spec("spec-feedback-accepted.json"))[0]
    assert accepted.accepted_suggestions == ("e56e1945-20b3-4393-8503-a1a20fd73152",)
    overridden = parse_feedback(spec("spec-feedback-overridden-with-reason.json"))[0]
    assert overridden.override_code == "d7ecf885"
    assert overridden.user_comment == "A comment entered by the clinician."
    assert parse_feedback(spec("spec-feedback-overridden-no-reason.json"))[0].outcome == \
        "overridden"
