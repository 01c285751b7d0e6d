"""The one error shape of interfaces.md §4 for everything that goes wrong: oversized bodies,
malformed JSON, unknown routes, wrong methods and unexpected failures, never a stack trace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.api_support import API, ApiClient, api_client, assert_error, fields, import_example

LIMIT = 2048


@pytest.fixture
def client(tmp_path) -> Iterator[ApiClient]:
    with api_client(tmp_path / "clinic.db", max_body_bytes=LIMIT) as client:
        yield client


def test_a_body_over_the_configured_maximum_is_refused_with_413(client):
    body = b'{"resourceType": "Bundle", "type": "collection", "entry": []' + b" " * LIMIT + b"}"
    response = client.post(f"{API}/imports", content=body,
                           headers={"content-type": "application/json"})
    error = assert_error(response, 413, "payload_too_large")
    assert str(LIMIT) in error["message"]
    assert client.get(f"{API}/patients").json()["total"] == 0


def test_a_chunked_body_without_a_length_is_limited_too(client):
    def chunks() -> Iterator[bytes]:
        yield b'{"note": "'
        for _ in range(LIMIT // 100 + 1):
            yield b"x" * 100
        yield b'"}'

    response = client.post(f"{API}/alerts/1/acknowledge", content=chunks(),
                           headers={"content-type": "application/json"})
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_error(response, 413, "payload_too_large")


def test_a_body_just_under_the_maximum_is_accepted(client):
    response = client.post(f"{API}/alerts/1/acknowledge", json={"note": "x" * (LIMIT - 100)})
    assert response.status_code == 404  # read and handled: no such alert


def test_malformed_json_is_a_422_in_the_error_shape_naming_the_body(client):
    response = client.post(f"{API}/patients/1/labs", content=b'{"code": "777-3", "value": ',
                           headers={"content-type": "application/json"})
    error = assert_error(response, 422, "validation_error")
    assert fields(error) == ["body"]
    assert "JSON" in error["details"][0]["message"]


def test_a_missing_body_is_a_422_naming_the_body(client):
    response = client.post(f"{API}/patients/1/labs")
    assert fields(assert_error(response, 422, "validation_error")) == ["body"]


def test_an_unknown_api_route_is_a_404_in_the_error_shape(client):
    assert_error(client.get(f"{API}/nothing-here"), 404, "not_found")


def test_a_wrong_method_is_a_405_in_the_error_shape(client):
    response = client.delete(f"{API}/patients")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]


def test_an_unexpected_failure_is_a_generic_500_without_internals(client, caplog):
    clinic = client.app.state.clinic

    def broken(day=None):
        raise RuntimeError("db password=hunter2 at /srv/alemtrack/secret.py")

    clinic.worklist = broken
    response = client.get(f"{API}/worklist")
    error = assert_error(response, 500, "internal_error")
    assert "hunter2" not in response.text and "RuntimeError" not in response.text
    assert error["details"] == []
    assert any("hunter2" in r.getMessage() or (r.exc_info and "hunter2" in str(r.exc_info[1]))
               for r in caplog.records)  # the server log keeps what the client is not shown


def test_no_error_response_of_the_api_carries_a_stack_trace(tmp_path):
    with api_client(tmp_path / "full-size.db") as client:
        _bad_requests_answer_in_the_error_shape(client)


def _bad_requests_answer_in_the_error_shape(client: ApiClient) -> None:
    pid = import_example(client, "01-treatment-naive-ready-to-start")["patient_id"]
    bad_requests = [
        client.get(f"{API}/patients/424242"),
        client.get(f"{API}/patients", params={"limit": "lots"}),
        client.post(f"{API}/patients/{pid}/labs", json={"code": "2160-0", "value": 1.0,
                                                        "unit": "stone", "on": "2026-11-01"}),
        client.post(f"{API}/patients/{pid}/labs", content=b"{]",
                    headers={"content-type": "application/json"}),
        client.post(f"{API}/imports", json={"resourceType": "Bundle", "entry": "nope"}),
        client.get(f"{API}/patients/{pid}/plan", params={"start": "2026-02-30",
                                                          "time": "08:00"}),
        client.post(f"{API}/alerts/1/resolve", json={"note": 3}),
        client.put(f"{API}/alerts"),
    ]
    for response in bad_requests:
        assert 400 <= response.status_code < 500, response.text
        assert_error(response, response.status_code, response.json()["error"]["code"])
