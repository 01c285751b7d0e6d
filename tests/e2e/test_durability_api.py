"""Bad input over HTTP: oversized imports get 413 and store nothing, every query parameter is
allow-listed (unknown names, out-of-range paging, unknown enum values: 422 in the error shape),
an import is acknowledged (201) only after its commit, and a failing commit is a generic 500."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from alemtrack.demo.generator import generate_clinic
from alemtrack.store.sql import make_engine
from tests.e2e.api_support import API, ApiClient, api_client, assert_error, bundle, fields

LIMIT = 600_000  # the example bundles (<= 480 kB) fit; the largest demo record does not


@pytest.fixture
def client(tmp_path: Path) -> Iterator[ApiClient]:
    with api_client(tmp_path / "clinic.db", max_body_bytes=LIMIT) as client:
        yield client


def _count(client: ApiClient, sql: str) -> int:
    engine = make_engine(client.app.state.settings.database_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(text(sql)) or 0)
    finally:
        engine.dispose()


def _large_bundle() -> dict[str, Any]:
    """A real patient's 48-month record, a few hundred resources."""
    return max((p.bundle for p in generate_clinic(6, seed=3, today=date(2026, 11, 21))),
               key=lambda b: len(json.dumps(b)))


def test_a_large_import_over_the_limit_gets_413_and_stores_nothing(client: ApiClient) -> None:
    big = _large_bundle()
    body = json.dumps(big).encode()
    assert len(body) > LIMIT

    declared = client.post(f"{API}/imports", content=body,
                           headers={"content-type": "application/json"})
    assert str(LIMIT) in assert_error(declared, 413, "payload_too_large")["message"]
    chunked = client.post(f"{API}/imports", content=iter([body[i:i + 8192] for i in
                                                          range(0, len(body), 8192)]),
                          headers={"content-type": "application/json"})
    assert_error(chunked, 413, "payload_too_large")
    assert _count(client, "SELECT count(*) FROM import_batches") == 0
    assert _count(client, "SELECT count(*) FROM resources") == 0

    # The first part of the same record, under the limit, is accepted.
    part = {**big, "entry": list(big["entry"])}
    while len(json.dumps(part)) >= LIMIT:
        part["entry"] = part["entry"][: len(part["entry"]) * 3 // 4]
    assert client.post(f"{API}/imports", json=part).status_code == 201


def test_an_import_is_acknowledged_only_once_committed(client: ApiClient) -> None:
    response = client.post(f"{API}/imports", json=bundle("06-itp-month-19"))
    assert response.status_code == 201
    report = response.json()
    assert report["received"] == (report["stored"] + report["unchanged"]
                                  + report["rejected_count"])
    # Another connection sees the acknowledged batch and everything it stored.
    batch = report["batch_id"]
    assert _count(client, f"SELECT count(*) FROM import_batches WHERE id = {batch}") == 1
    assert _count(client, f"SELECT count(*) FROM resources WHERE batch_id = {batch}") \
        == report["stored"]


def test_a_commit_that_fails_is_a_generic_500_and_nothing_is_stored(client: ApiClient) -> None:
    clinic = client.app.state.clinic
    make_uow = clinic._uow

    def failing_uow() -> Any:
        uow = make_uow()

        def commit() -> None:
            raise sqlite3.OperationalError("disk I/O error in /srv/alemtrack/db.py password=x")

        uow.commit = commit
        return uow

    clinic._uow = failing_uow
    try:
        response = client.post(f"{API}/imports", json=bundle("06-itp-month-19"))
    finally:
        clinic._uow = make_uow
    error = assert_error(response, 500, "internal_error")
    assert "disk" not in error["message"] and "password" not in response.text
    assert _count(client, "SELECT count(*) FROM import_batches") == 0
    assert _count(client, "SELECT count(*) FROM patients") == 0


def _get_operations(client: ApiClient) -> list[tuple[str, list[dict[str, Any]]]]:
    doc = client.get("/openapi.json").json()
    return [(path.replace("{patient_id}", "1").replace("{alert_id}", "1")
             .replace("{rule_id}", "R-H4"), op.get("parameters", []))
            for path, item in doc["paths"].items() if path.startswith(API)
            for method, op in item.items() if method == "get"]


def test_an_unknown_query_parameter_is_refused_on_every_api_route(client: ApiClient) -> None:
    operations = _get_operations(client)
    assert len(operations) >= 8
    for path, _params in operations:
        for name in ("sort", "order_by"):
            response = client.get(path, params={name: "name;DROP TABLE patients"})
            error = assert_error(response, 422, "validation_error")
            assert fields(error) == [name], path


def _bad_values(schema: dict[str, Any]) -> list[str]:
    """Values a query parameter's schema refuses: out of its bounds, outside its enum."""
    options = [schema, *schema.get("anyOf", [])]
    bad: list[str] = []
    for s in options:
        if "maximum" in s:
            bad.append(str(int(s["maximum"]) + 1))
        if "minimum" in s:
            bad.append(str(int(s["minimum"]) - 1))
        if "enum" in s:
            bad.append("no-such-value")
        if s.get("type") == "integer":
            bad.append("1 OR 1=1")
    return bad


def test_paging_limits_and_enum_filters_of_every_list_route_are_enforced(
    client: ApiClient,
) -> None:
    checked = 0
    for path, params in _get_operations(client):
        for param in params:
            if param["in"] != "query":
                continue
            for value in _bad_values(param.get("schema", {})):
                response = client.get(path, params={param["name"]: value})
                error = assert_error(response, 422, "validation_error")
                assert param["name"] in fields(error), (path, param["name"], value)
                checked += 1
    assert checked >= 12  # limit, offset, patient_id, phase, status, severity, ...
    # And the same parameters within their lists are accepted.
    ok = client.get(f"{API}/alerts", params={"status": "all", "severity": "urgent",
                                             "limit": 500, "offset": 0})
    assert ok.status_code == 200
    assert client.get(f"{API}/patients", params={"limit": 200}).status_code == 200


def test_dates_too_far_out_to_compute_with_are_a_422_not_a_server_error(
    client: ApiClient,
) -> None:
    client.post(f"{API}/imports", json=bundle("06-itp-month-19"))
    for response in (
        client.get(f"{API}/patients/1/plan", params={"start": "0001-01-01", "time": "10:00"}),
        client.get(f"{API}/patients/1/plan", params={"start": "9999-12-31", "time": "10:00"}),
        client.get(f"{API}/worklist", params={"day": "0001-01-01"}),
        client.get(f"{API}/worklist", params={"day": "9999-12-31"}),
        client.post(f"{API}/patients/1/evaluate", params={"as_of": "0001-01-01"}),
    ):
        error = assert_error(response, 422, "input_error")
        assert "1900 and 2200" in error["message"]


def test_a_body_that_is_not_utf8_is_a_422_naming_the_body(client: ApiClient) -> None:
    response = client.post(f"{API}/imports", content=b'{"resourceType": "\xff\xfe"}',
                           headers={"content-type": "application/json"})
    assert fields(assert_error(response, 422, "validation_error")) == ["body"]


def test_a_single_valued_parameter_given_twice_is_refused(client: ApiClient) -> None:
    response = client.get(f"{API}/patients?q=ada&q=bob&limit=5")
    assert fields(assert_error(response, 422, "validation_error")) == ["q"]
