"""CDS Hooks 2.0 services end to end: discovery, patient-view, order-select, order-sign with
prefetch, fetch from a FHIR server on localhost, 412, feedback; shapes as in the spec examples."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from alemtrack.interop.fhir import read_bundle
from alemtrack.protocol import assess

from .api_support import ApiClient, bundle
from .cds_support import (
    ISSUER,
    alemtuzumab_draft,
    auth,
    cds_client,
    hook_request,
    prefetch_of,
    public_jwks,
    spec_file,
)

SIGN = "/cds-services/alemtrack-order-sign"
SELECT = "/cds-services/alemtrack-order-select"
VIEW = "/cds-services/alemtrack-patient-view"
INDICATORS = {"info", "warning", "critical"}
CLINIC_DAY = date(2026, 11, 20)  # cds_client's default clock


@pytest.fixture(scope="module")
def fhir_base() -> Iterator[str]:
    """The fake FHIR server of this module (``_Fhir``), running for all its tests."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fhir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/fhir"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, fhir_base: str) -> Iterator[ApiClient]:
    # The EHR may have its data fetched from the fake FHIR server only (its allow-list).
    issuer = {"iss": ISSUER, "jwks": public_jwks(), "fhir_servers": [fhir_base]}
    with cds_client(tmp_path_factory.mktemp("cds") / "cds.db", cds_issuers=[issuer]) as c:
        yield c


def call(client: ApiClient, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, json=body, headers=auth(client, path))


def assert_card_shape(card: dict[str, Any]) -> None:
    """The spec's Card: required uuid-able summary (<140), indicator, source.label; the
    optional members with the types of spec-response-cards.json."""
    example = spec_file("spec-response-cards.json")["cards"][0]
    assert {"summary", "indicator", "source"} <= card.keys()
    assert set(card) <= set(example) | {"overrideReasons", "suggestions", "selectionBehavior"}
    assert isinstance(card["uuid"], str) and len(card["uuid"]) == 36
    assert isinstance(card["summary"], str) and 0 < len(card["summary"]) <= 140
    assert card["indicator"] in INDICATORS
    assert card["source"]["label"].startswith("alemtrack ")
    assert card["source"]["url"].startswith("http")
    assert isinstance(card["detail"], str)
    for link in card.get("links", []):
        assert set(link) == {"label", "url", "type"} and link["type"] in ("absolute", "smart")
    for reason in card.get("overrideReasons", []):
        assert {"code", "system", "display"} == set(reason)


def test_discovery_lists_three_services_shaped_like_the_spec_example(client: ApiClient) -> None:
    response = client.get("/cds-services", headers=auth(client, "/cds-services"))
    assert response.status_code == 200
    services = response.json()["services"]
    example = spec_file("spec-discovery-response.json")["services"]
    allowed = set().union(*(s.keys() for s in example))
    assert {s["hook"] for s in services} == {"patient-view", "order-select", "order-sign"}
    for s in services:
        assert {"hook", "description", "id"} <= s.keys() <= allowed | {"title"}
        assert s["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert all("{{context.patientId}}" in q for q in s["prefetch"].values())


def test_order_sign_of_alemtuzumab_is_blocked_by_the_fingolimod_washout(
    client: ApiClient,
) -> None:
    pid, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    body = hook_request("order-sign", pid, prefetch, [alemtuzumab_draft(pid, "2026-12-01")])
    response = call(client, SIGN, body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    for card in cards:
        assert_card_shape(card)
    gate = cards[0]
    assert gate["indicator"] == "critical"
    assert gate["source"]["label"] == "alemtrack R-G0"
    assert "R-D1" in gate["summary"] and "2026-12-01" in gate["summary"]
    assert "lymphocytes 0.42" in gate["detail"] and "Observation/lym-2026-11-18" in gate["detail"]
    assert "overrideReasons" not in gate  # a block cannot be overridden
    washout = next(c for c in cards if c["source"]["label"] == "alemtrack R-D1")
    assert washout["indicator"] == "critical"
    assert washout["source"]["url"].endswith("/api/v1/rules/R-D1")
    assert {"R-G0", "R-D1"} <= {link["url"].rsplit("/", 1)[1] for link in gate["links"]}


def test_order_select_answers_only_for_the_selected_order(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    body = hook_request("order-select", pid, prefetch, [alemtuzumab_draft(pid, "2026-12-01")])
    assert call(client, SELECT, body).json()["cards"][0]["indicator"] == "critical"
    body["context"]["selections"] = ["MedicationRequest/something-else"]
    assert call(client, SELECT, body).json() == {"cards": []}


def test_a_ready_patient_gets_an_info_card_for_the_course(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("01-treatment-naive-ready-to-start")
    case = json.loads((Path(__file__).parents[2] / "examples" /
                       "01-treatment-naive-ready-to-start.case.json").read_text())
    start = case.get("planned_start") or "2026-12-07"
    body = hook_request("order-sign", pid, prefetch, [alemtuzumab_draft(pid, start)])
    cards = call(client, SIGN, body).json()["cards"]
    assert cards[0]["source"]["label"] == "alemtrack R-G0"
    assert cards[0]["indicator"] in ("info", "warning")
    assert all(c["indicator"] != "critical" for c in cards)


def test_patient_view_shows_findings_with_the_indicator_of_their_severity(
    client: ApiClient,
) -> None:
    pid, prefetch = prefetch_of("06-itp-month-19")
    facts = read_bundle(bundle("06-itp-month-19")).facts
    expected = assess(facts, CLINIC_DAY).to_dict()  # the clinic's date, eu profile
    assert expected["findings"]
    response = call(client, VIEW, hook_request("patient-view", pid, prefetch))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    for card in cards:
        assert_card_shape(card)
    mapping = {"critical": "critical", "urgent": "warning", "warn": "info", "routine": "info",
               "info": "info"}
    for finding in expected["findings"]:
        card = next(c for c in cards if c["summary"].startswith(f"{finding['rule']} "))
        assert card["source"]["label"] == f"alemtrack {finding['rule']}"
        assert card["indicator"] == mapping[finding["severity"]]
        for ev in finding["evidence"]:
            assert ev["ref"] in card["detail"]


def test_patient_view_lists_overdue_monitoring(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("13-overdue-monitoring")
    cards = call(client, VIEW, hook_request("patient-view", pid, prefetch)).json()["cards"]
    overdue = [c for c in cards if c["summary"].startswith("Overdue monitoring")]
    assert overdue and all(c["indicator"] == "warning" for c in overdue)
    assert "Days overdue" in overdue[0]["detail"]


def _live_vaccine(pid: str, rtype: str, on: str) -> dict[str, Any]:
    code = {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "21",
                        "display": "varicella"}]}
    if rtype == "Immunization":
        return {"resourceType": "Immunization", "id": "draft-vzv", "status": "not-done",
                "vaccineCode": code, "patient": {"reference": f"Patient/{pid}"},
                "occurrenceDateTime": on}
    if rtype == "ServiceRequest":
        return {"resourceType": "ServiceRequest", "id": "draft-vzv", "status": "draft",
                "intent": "order", "code": code, "subject": {"reference": f"Patient/{pid}"},
                "occurrenceDateTime": on}
    return {"resourceType": "MedicationRequest", "id": "draft-vzv", "status": "draft",
            "intent": "order", "medicationCodeableConcept": code,
            "subject": {"reference": f"Patient/{pid}"}, "authoredOn": on}


@pytest.mark.parametrize("rtype", ["MedicationRequest", "ServiceRequest", "Immunization"])
def test_a_live_vaccine_after_a_course_gets_the_r_c5_window(client: ApiClient,
                                                            rtype: str) -> None:
    pid, prefetch = prefetch_of("05-course2-cd4-not-reconstituted")
    body = hook_request("order-sign", pid, prefetch, [_live_vaccine(pid, rtype, "2026-11-20")])
    cards = call(client, SIGN, body).json()["cards"]
    assert len(cards) == 1
    assert cards[0]["source"]["label"] == "alemtrack R-C5"
    assert cards[0]["indicator"] == "critical"
    assert_card_shape(cards[0])


def test_a_live_vaccine_before_any_course_gets_no_r_c5_card(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("01-treatment-naive-ready-to-start")
    body = hook_request("order-sign", pid, prefetch,
                        [_live_vaccine(pid, "MedicationRequest", "2026-11-20")])
    assert call(client, SIGN, body).json() == {"cards": []}


def test_missing_prefetch_without_fhir_server_is_412_naming_the_keys(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    del prefetch["observations"]
    body = hook_request("order-sign", pid, prefetch, [alemtuzumab_draft(pid, "2026-12-01")])
    response = call(client, SIGN, body)
    assert response.status_code == 412
    assert "observations" in response.json()["error"]["message"]


def test_a_null_prefetch_key_means_no_data_and_is_not_fetched(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    prefetch = {k: (v if k == "patient" else None) for k, v in prefetch.items()}
    body = hook_request("order-sign", pid, prefetch, [alemtuzumab_draft(pid, "2026-12-01")],
                        fhirServer="http://127.0.0.1:9/unreachable")
    response = call(client, SIGN, body)
    assert response.status_code == 200, response.text  # nothing fetched from port 9
    assert response.json()["cards"][0]["source"]["label"] == "alemtrack R-G0"


def test_a_null_patient_gives_no_cards(client: ApiClient) -> None:
    _, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    prefetch["patient"] = None
    response = call(client, VIEW, hook_request("patient-view", "p02", prefetch))
    assert response.json() == {"cards": []}


class _Fhir(BaseHTTPRequestHandler):
    resources: ClassVar[list[dict[str, Any]]] = []
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != "Bearer fhir-token-123":
            self._send(401, {"resourceType": "OperationOutcome"})
            return
        url = urlsplit(self.path)
        rtype = url.path.rsplit("/", 2)[-1] if "?" in self.path else url.path.split("/")[-2]
        if "?" not in self.path:
            rid = url.path.split("/")[-1]
            found = [r for r in self.resources if r["resourceType"] == rtype and r["id"] == rid]
            self._send(200 if found else 404, found[0] if found else {})
            return
        pid = parse_qs(url.query)["patient"][0]
        matches = [r for r in self.resources if r["resourceType"] == rtype and pid in
                   json.dumps(r.get("subject") or r.get("patient") or {})]
        self._send(200, {"resourceType": "Bundle", "type": "searchset",
                         "entry": [{"resource": r} for r in matches]})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def fhir_server(stem: str, base: str) -> Iterator[str]:
    """The fake FHIR server at ``base`` serving the example ``stem``."""
    _Fhir.resources = [e["resource"] for e in bundle(stem)["entry"]]
    _Fhir.seen = []
    try:
        yield base
    finally:
        _Fhir.resources = []


def test_without_prefetch_the_service_fetches_from_fhir_server_with_the_bearer(
    client: ApiClient, fhir_base: str,
) -> None:
    with fhir_server("02-fingolimod-washout-lymphopenia", fhir_base) as base:
        body = hook_request(
            "order-sign", "p02", None, [alemtuzumab_draft("p02", "2026-12-01")],
            fhirServer=base, fhirAuthorization={
                "access_token": "fhir-token-123", "token_type": "Bearer", "expires_in": 300,
                "scope": "user/*.read", "subject": "alemtrack"})
        response = call(client, SIGN, body)
        assert response.status_code == 200, response.text
        assert response.json()["cards"][0]["indicator"] == "critical"
        assert "R-D1" in response.json()["cards"][0]["summary"]
        assert {path.split("?")[0].rsplit("/", 1)[-1] for path, _ in _Fhir.seen} >= {
            "p02", "Observation", "MedicationStatement"}
        assert all(bearer == "Bearer fhir-token-123" for _, bearer in _Fhir.seen)


def test_a_fhir_server_that_refuses_the_token_gives_412(client: ApiClient,
                                                        fhir_base: str) -> None:
    with fhir_server("02-fingolimod-washout-lymphopenia", fhir_base) as base:
        body = hook_request(
            "patient-view", "p02", None, fhirServer=base, fhirAuthorization={
                "access_token": "wrong", "token_type": "Bearer", "expires_in": 300,
                "scope": "user/*.read", "subject": "alemtrack"})
        response = call(client, VIEW, body)
        assert response.status_code == 412
        assert "HTTP 401" in response.json()["error"]["message"]
        assert "wrong" not in response.text  # the token is never echoed


def test_the_spec_patient_view_request_is_read_and_fetches_what_was_not_prefetched(
    client: ApiClient,
) -> None:
    body = spec_file("spec-request-patient-view-with-prefetch.json")
    body["prefetch"] = {"patient": body["prefetch"]["patientToGreet"]}
    body["fhirServer"] = "http://127.0.0.1:9"  # nothing listens: the fetch fails
    response = call(client, VIEW, body)
    assert response.status_code == 412
    assert "conditions" in response.json()["error"]["message"]


def test_a_request_for_another_hook_or_without_context_is_400(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    body = hook_request("patient-view", pid, prefetch)
    assert call(client, SIGN, body).status_code == 400
    del body["context"]
    assert call(client, VIEW, body).status_code == 400


def test_an_unknown_service_is_404(client: ApiClient) -> None:
    response = call(client, "/cds-services/nope", {"hook": "patient-view"})
    assert response.status_code == 404


@pytest.mark.parametrize("example", ["spec-feedback-accepted.json",
                                     "spec-feedback-overridden-no-reason.json",
                                     "spec-feedback-overridden-with-reason.json"])
def test_the_spec_feedback_examples_are_stored(client: ApiClient, example: str) -> None:
    path = f"{SIGN}/feedback"
    response = client.post(path, json=spec_file(example), headers=auth(client, SIGN))
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1}
    log = client.app.state.cds_hooks.feedback_log(service_id="alemtrack-order-sign", limit=1)
    sent = spec_file(example)["feedback"][0]
    assert log[0].card_uuid == sent["card"] and log[0].outcome == sent["outcome"]
    assert log[0].client == "https://ehr.example.org ehr-client"


def test_feedback_with_an_unknown_outcome_is_400(client: ApiClient) -> None:
    body = {"feedback": [{"card": "x", "outcome": "ignored",
                          "outcomeTimestamp": "2026-11-20T10:00:00Z"}]}
    path = f"{SIGN}/feedback"
    assert client.post(path, json=body, headers=auth(client, SIGN)).status_code == 400


def test_the_rule_a_card_links_to_is_served_with_its_source(client: ApiClient) -> None:
    pid, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    body = hook_request("order-sign", pid, prefetch, [alemtuzumab_draft(pid, "2026-12-01")])
    link = call(client, SIGN, body).json()["cards"][1]["source"]["url"]
    response = client.get(link)  # the test client's clinician token
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "R-D1" and response.json()["source"]
    assert client.get("/api/v1/rules/R-Z99").status_code == 404
