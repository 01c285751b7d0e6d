"""The audit trail seen from HTTP (SQLite and PostgreSQL): every read and change of a patient's
data through the REST API and the web pages is recorded with who, which patient, what, when and
from where; logins and failed logins are recorded; a read that cannot be recorded is not
served; no clinical value reaches the logs or the trail."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest

from alemtrack import bootstrap
from alemtrack.api import create_app
from alemtrack.config import Settings
from alemtrack.services.audit import AuditRecorder
from alemtrack.store.audit_ports import AuditEntry

from .api_support import (
    API,
    DEFAULT_ROLE,
    FAST_HASHER,
    PASSWORD,
    TODAY,
    USERS,
    ApiClient,
    add_users,
    bundle,
    serve,
)

KNOWN_VALUE = "4.731"  # a TSH no other part of a request cycle would print


@contextmanager
def audited_api(database_url: str) -> Iterator[ApiClient]:
    settings = Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]
    bootstrap.upgrade_database(database_url)
    clinic = bootstrap.build_clinic(settings, clock=lambda: TODAY)
    accounts = bootstrap.build_accounts(clinic, settings, hasher=FAST_HASHER)
    app = create_app(clinic, settings, accounts)
    tokens = add_users(app)
    try:
        with serve(app) as base_url, ApiClient(
                base_url=base_url, timeout=60,
                headers={"Authorization": f"Bearer {tokens[DEFAULT_ROLE]}"}) as client:
            client.app = app
            client.tokens = tokens
            yield client
    finally:
        clinic.close()


@pytest.fixture
def client(database_url: str) -> Iterator[ApiClient]:
    with audited_api(database_url) as c:
        yield c


def recorder(client: ApiClient) -> AuditRecorder:
    audit = client.app.state.clinic.audit
    assert isinstance(audit, AuditRecorder)
    return audit


def http_entries(client: ApiClient) -> list[AuditEntry]:
    """Entries the middleware wrote (they carry the HTTP method)."""
    return [e for e in recorder(client).entries() if "method" in e.detail]


def imported(client: ApiClient, stem: str = "06-itp-month-19") -> int:
    response = client.post(f"{API}/imports", json=bundle(stem), params={"source": stem})
    assert response.status_code == 201, response.text
    pid: int = response.json()["patient_id"]
    return pid


def test_a_patient_record_read_through_the_api_is_recorded_with_actor_patient_action_time_and_address(  # noqa: E501
        client: ApiClient) -> None:
    pid = imported(client)
    before = datetime_now()
    assert client.get(f"{API}/patients/{pid}").status_code == 200
    entry = http_entries(client)[-1]
    assert entry.actor == USERS[DEFAULT_ROLE]
    assert entry.patient_id == pid
    assert entry.action == "patient.read"
    assert entry.outcome == "success"
    assert entry.source_ip == "127.0.0.1"
    assert dict(entry.detail) == {"method": "GET", "route": "/api/v1/patients/{patient_id}",
                                  "status": 200}
    assert entry.at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= entry.at <= datetime_now() + timedelta(seconds=5)
    assert recorder(client).verify().intact


def datetime_now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_an_import_is_recorded_with_the_patient_it_stored(client: ApiClient) -> None:
    pid = imported(client)
    entry = http_entries(client)[-1]
    assert (entry.action, entry.patient_id, entry.outcome) == ("import.fhir", pid, "success")
    assert entry.detail["method"] == "POST" and entry.detail["route"] == "/api/v1/imports"


def test_entries_and_alert_acknowledgements_are_recorded_with_their_patient(
        client: ApiClient) -> None:
    pid = imported(client)
    alerts = client.get(f"{API}/alerts", params={"patient_id": pid}).json()["items"]
    assert alerts, "the ITP example opens alerts"
    ack = client.post(f"{API}/alerts/{alerts[0]['id']}/acknowledge",
                      json={"note": "seen in clinic"})
    assert ack.status_code == 200, ack.text
    lab = client.post(f"{API}/patients/{pid}/labs", json={
        "code": "777-3", "value": 180, "unit": "10*9/L", "on": "2026-11-11"})
    assert lab.status_code == 201, lab.text
    got = [(e.action, e.patient_id, e.detail["method"]) for e in http_entries(client)[-3:]]
    assert got == [("alert.read", pid, "GET"), ("alert.acknowledge", pid, "POST"),
                   ("entry.lab", pid, "POST")]


def test_a_refused_request_is_recorded_as_denied(client: ApiClient) -> None:
    pid = imported(client)
    response = client.get(f"{API}/patients/{pid}", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    entry = http_entries(client)[-1]
    assert (entry.actor, entry.patient_id, entry.outcome, entry.detail["status"]) == (
        "anonymous", pid, "denied", 401)
    viewer = client.post(f"{API}/patients/{pid}/labs", headers=client.auth("viewer"), json={
        "code": "777-3", "value": 180, "unit": "10*9/L", "on": "2026-11-11"})
    assert viewer.status_code == 403
    entry = http_entries(client)[-1]
    assert (entry.actor, entry.action, entry.outcome) == (USERS["viewer"], "entry.lab", "denied")


def test_a_read_that_cannot_be_recorded_is_not_served(client: ApiClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pid = imported(client)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(recorder(client), "record", broken)
    logging.getLogger("alemtrack.audit").disabled = True  # the expected error log line
    try:
        response = client.get(f"{API}/patients/{pid}")
    finally:
        logging.getLogger("alemtrack.audit").disabled = False
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert "Example" not in response.text  # none of the patient's record


def _login_form(web: httpx.Client) -> str:
    page = web.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, page.text[:500]
    return match.group(1)


def test_web_logins_failed_logins_and_page_reads_are_recorded(client: ApiClient) -> None:
    pid = imported(client)
    with httpx.Client(base_url=str(client.base_url), timeout=60) as web:
        csrf = _login_form(web)
        refused = web.post("/login", data={"name": USERS["nurse"], "password": "wrong",
                                           "csrf_token": csrf})
        assert refused.status_code == 401
        csrf = _login_form(web)
        accepted = web.post("/login", data={"name": USERS["nurse"], "password": PASSWORD,
                                            "csrf_token": csrf})
        assert accepted.status_code == 303, accepted.text[:300]
        assert web.get(f"/patients/{pid}").status_code == 200
    entries = list(recorder(client).entries())
    logins = [(e.actor, e.outcome, e.source_ip) for e in entries if e.action == "user.login"]
    assert logins == [(USERS["nurse"], "failure", "127.0.0.1"),
                      (USERS["nurse"], "success", "127.0.0.1")]
    page = entries[-1]
    assert (page.actor, page.action, page.patient_id, page.detail["route"]) == (
        USERS["nurse"], "patient.read", pid, "/patients/{patient_id}")


def test_no_clinical_value_reaches_the_logs_or_the_audit_trail(
        client: ApiClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pid = imported(client)
    entered = client.post(f"{API}/patients/{pid}/labs", json={
        "code": "3016-3", "value": float(KNOWN_VALUE), "unit": "m[IU]/L", "on": "2026-11-11"})
    assert entered.status_code == 201, entered.text
    assert KNOWN_VALUE in client.get(f"{API}/patients/{pid}").text  # it is in the record
    refused = client.post(f"{API}/patients/{pid}/labs", json={
        "code": "3016-3", "value": float(KNOWN_VALUE), "unit": "furlongs", "on": "2026-11-11"})
    assert refused.status_code == 422
    client.get(f"{API}/patients/{pid}/assessment")
    client.get(f"{API}/worklist")
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records, "the capture works"
    assert KNOWN_VALUE not in logged
    trail = "\n".join(f"{e.actor} {e.action} {dict(e.detail)}" for e in recorder(client).entries())
    assert KNOWN_VALUE not in trail
