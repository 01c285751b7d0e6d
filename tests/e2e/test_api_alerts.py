"""Alerts through the REST API: the urgent ITP finding of the example patient is listed,
acknowledged by the authenticated user with a note, resolved, and cannot be resolved twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.api_support import API, ApiClient, api_client, assert_error, fields, import_example


@pytest.fixture
def itp(tmp_path) -> Iterator[tuple[ApiClient, int, int]]:
    """The ITP example patient and the id of its open R-H4 alert."""
    with api_client(tmp_path / "clinic.db") as client:
        pid = import_example(client, "06-itp-month-19")["patient_id"]
        import_example(client, "01-treatment-naive-ready-to-start")
        alerts = client.get(f"{API}/alerts", params={"patient_id": pid}).json()["items"]
        alert = next(a for a in alerts if a["rule"] == "R-H4")
        yield client, pid, alert["id"]


def test_open_alerts_are_listed_most_severe_first_and_filter_by_patient_and_severity(itp):
    client, pid, alert_id = itp
    page = client.get(f"{API}/alerts").json()
    assert page["total"] >= 1 and alert_id in [a["id"] for a in page["items"]]
    assert all(a["status"] == "open" for a in page["items"])
    order = ["critical", "urgent", "warn", "routine", "info"]
    ranks = [order.index(a["severity"]) for a in page["items"]]
    assert ranks == sorted(ranks)
    urgent = client.get(f"{API}/alerts", params={"severity": "urgent"}).json()["items"]
    assert urgent and all(a["severity"] == "urgent" for a in urgent)
    mine = client.get(f"{API}/alerts", params={"patient_id": pid}).json()["items"]
    assert mine and all(a["patient_id"] == pid for a in mine)
    alert = next(a for a in mine if a["id"] == alert_id)
    assert alert["evidence"][0]["code"] == "777-3" and alert["actions"]


def test_acknowledging_records_who_and_the_note_and_the_alert_leaves_the_open_list(itp):
    client, pid, alert_id = itp
    response = client.post(f"{API}/alerts/{alert_id}/acknowledge",
                           json={"note": "Repeat CBC booked today"})
    assert response.status_code == 200, response.text
    alert = response.json()
    assert alert["status"] == "acknowledged"
    assert alert["acknowledged_by"] == "dr.lind"
    assert alert["acknowledge_note"] == "Repeat CBC booked today"
    assert alert["acknowledged_at"]
    open_ids = [a["id"] for a in client.get(f"{API}/alerts", params={"patient_id": pid})
                .json()["items"]]
    assert alert_id not in open_ids
    acknowledged = client.get(f"{API}/alerts", params={"status": "acknowledged"}).json()
    assert [a["id"] for a in acknowledged["items"]] == [alert_id]


def test_the_actor_is_the_authenticated_user_whatever_the_old_user_header_says(itp):
    client, _, alert_id = itp
    alert = client.post(f"{API}/alerts/{alert_id}/acknowledge", json={"note": "seen"},
                        headers={**client.auth("nurse"), "X-Alemtrack-User": "dr.who"}).json()
    assert alert["acknowledged_by"] == "nurse.k"


def test_an_alert_action_without_credentials_is_a_401(itp):
    client, _, alert_id = itp
    response = client.post(f"{API}/alerts/{alert_id}/acknowledge", json={"note": "seen"},
                           headers={"Authorization": ""})
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_resolving_records_the_note_and_resolving_again_is_a_409_conflict(itp):
    client, _, alert_id = itp
    first = client.post(f"{API}/alerts/{alert_id}/resolve",
                        json={"note": "Platelets 180 on repeat"})
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "resolved"
    assert first.json()["resolved_by"] == "dr.lind"
    again = client.post(f"{API}/alerts/{alert_id}/resolve", json={"note": "again"})
    assert_error(again, 409, "conflict")
    everything = client.get(f"{API}/alerts", params={"status": "all"}).json()["items"]
    assert alert_id in [a["id"] for a in everything]


def test_acknowledging_a_resolved_alert_is_a_409_conflict(itp):
    client, _, alert_id = itp
    client.post(f"{API}/alerts/{alert_id}/resolve", json={"note": "done"})
    response = client.post(f"{API}/alerts/{alert_id}/acknowledge", json={"note": "late"})
    assert_error(response, 409, "conflict")


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_an_unknown_alert_is_a_404(itp, action):
    client, _, _ = itp
    assert_error(client.post(f"{API}/alerts/987654/{action}", json={"note": "x"}),
                 404, "not_found")


@pytest.mark.parametrize(("body", "field"), [({}, "note"), ({"note": ""}, "note"),
                                             ({"note": "x" * 2001}, "note")])
def test_an_alert_action_without_a_usable_note_is_refused_naming_note(itp, body, field):
    client, _, alert_id = itp
    response = client.post(f"{API}/alerts/{alert_id}/acknowledge", json=body)
    assert fields(assert_error(response, 422, "validation_error")) == [field]


@pytest.mark.parametrize(("params", "field"), [
    ({"status": "closed"}, "status"), ({"severity": "mild"}, "severity"),
    ({"limit": 501}, "limit"), ({"patient_id": 0}, "patient_id"),
])
def test_wrong_alert_list_parameters_are_refused_naming_them(itp, params, field):
    client, _, _ = itp
    response = client.get(f"{API}/alerts", params=params)
    assert fields(assert_error(response, 422, "validation_error")) == [field]
