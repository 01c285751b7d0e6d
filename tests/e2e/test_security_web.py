"""Authentication of the web UI over real HTTP: login and logout, the session cookie's flags,
server-side revocation at logout, CSRF protection of every form (a POST without the token is
refused and changes nothing), throttling of failed logins per user and per address, the
role x action matrix on pages, and an alert id that does not belong to the patient of the URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alemtrack import bootstrap
from alemtrack.api import create_app
from tests.e2e.api_support import FAST_HASHER, PASSWORD, serve, settings_for
from tests.e2e.web_support import WEB_USERS, WebClinic, build, logged_in, login, served

ITP = "06-itp-month-19"
NAIVE = "01-treatment-naive-ready-to-start"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[str, WebClinic]]:
    with served(tmp_path / "clinic.db", (NAIVE, ITP)) as result:
        yield result


def open_alert(web: WebClinic) -> int:
    alerts = web.clinic.alerts(patient_id=web.patients[ITP], status="open").items
    return next(a.id for a in alerts if a.rule == "R-H4")


def test_a_page_without_a_session_redirects_to_the_login_page_and_back(running):
    url, web = running
    with httpx.Client(base_url=url) as client:
        response = client.get(f"/patients/{web.patients[ITP]}", params={"timeline": "all"})
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/login?next=%2Fpatients%2F{web.patients[ITP]}%3Ftimeline%3Dall")
        form = client.get(response.headers["location"])
        assert form.status_code == 200 and 'name="password"' in form.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]  # type: ignore[index]
        done = client.post("/login", data={"name": "nurse.k", "password": PASSWORD,
                                           "csrf_token": token,
                                           "next": f"/patients/{web.patients[ITP]}"})
        assert done.status_code == 303
        assert done.headers["location"] == f"/patients/{web.patients[ITP]}"
        assert "User: nurse.k (nurse)" in client.get(done.headers["location"]).text


def test_the_session_cookie_is_httponly_samesite_and_not_readable_by_scripts(running):
    url, _ = running
    with httpx.Client(base_url=url) as client:
        response = login(client, "nurse.k")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("alemtrack_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http on loopback with cookie_secure=auto
        assert len(client.cookies["alemtrack_session"]) >= 40  # 256 random bits


def test_the_cookie_is_secure_when_configured_so(tmp_path):
    settings = settings_for(tmp_path / "c.db", cookie_secure="always")
    clinic = bootstrap.build_clinic(settings)
    app = create_app(clinic, settings,
                     bootstrap.build_accounts(clinic, settings, hasher=FAST_HASHER))
    app.state.accounts.add_user("nurse.k", "nurse", PASSWORD, by="test")
    with serve(app) as url, httpx.Client(base_url=url) as client:
        assert "Secure" in login(client, "nurse.k").headers["set-cookie"]
    clinic.close()


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(running):
    url, _ = running
    with httpx.Client(base_url=url) as client:
        wrong = login(client, "nurse.k", "not-the-password")
        unknown = login(client, "nobody.here", "not-the-password")
        for response in (wrong, unknown):
            assert response.status_code == 401
            assert "User name or password is wrong." in response.text
            assert "alemtrack_session" not in response.cookies


def test_a_login_post_without_the_forms_token_is_refused(running):
    url, _ = running
    with httpx.Client(base_url=url) as client:
        response = client.post("/login", data={"name": "nurse.k", "password": PASSWORD})
        assert response.status_code == 403
        assert "alemtrack_session" not in response.cookies


def test_logout_ends_the_session_on_the_server(running):
    url, _ = running
    with logged_in(url, "nurse.k") as client:
        cookie = client.cookies["alemtrack_session"]
        response = client.post("/logout", data={})
        assert response.status_code == 303 and response.headers["location"] == "/login"
    with httpx.Client(base_url=url, cookies={"alemtrack_session": cookie}) as replay:
        assert replay.get("/").status_code == 303  # the old cookie is worthless


def test_a_form_post_without_the_csrf_token_is_refused_and_changes_nothing(running):
    url, web = running
    pid, aid = web.patients[ITP], open_alert(web)
    with logged_in(url, "dr.rossi") as client:
        for token in ("", "forged-token"):
            response = client.post(f"/patients/{pid}/alerts/{aid}/acknowledge",
                                   data={"note": "forged", "csrf_token": token})
            assert response.status_code == 403
            assert "Form refused" in response.text
        response = client.post(f"/patients/{pid}/labs/new", data={
            "code": "2160-0", "value": "1.4", "unit": "mg/dL", "on": "2026-11-20",
            "csrf_token": ""})
        assert response.status_code == 403
    assert any(a.id == aid for a in web.clinic.alerts(patient_id=pid, status="open").items)
    assert all(p.date.isoformat() != "2026-11-20"
               for p in web.clinic.patient(pid).labs.get("creatinine", ()))


def test_another_sessions_csrf_token_does_not_work(running):
    url, web = running
    pid, aid = web.patients[ITP], open_alert(web)
    with logged_in(url, "nurse.k") as nurse, logged_in(url, "dr.rossi") as doctor:
        response = doctor.post(f"/patients/{pid}/alerts/{aid}/acknowledge",
                               data={"note": "x", "csrf_token": nurse.csrf})
        assert response.status_code == 403


def test_every_form_of_the_pages_carries_the_csrf_token(running):
    url, web = running
    pid = web.patients[ITP]
    with logged_in(url, "dr.rossi") as client:
        for path in (f"/patients/{pid}", f"/patients/{pid}/labs/new",
                     f"/patients/{pid}/infusions/new", f"/patients/{pid}/checklists/new", "/"):
            page = client.get(path).text
            forms = re.findall(r'<form[^>]*method="post".*?</form>', page, re.S)
            assert forms, path
            for form in forms:
                assert f'name="csrf_token" value="{client.csrf}"' in form, (path, form[:120])


def test_a_viewer_can_read_pages_but_not_open_or_send_forms(running):
    url, web = running
    pid, aid = web.patients[ITP], open_alert(web)
    with logged_in(url, "viewer.v") as client:
        page = client.get(f"/patients/{pid}")
        assert page.status_code == 200
        assert "Acknowledge</button>" not in page.text  # no form offered
        assert client.get(f"/patients/{pid}/labs/new").status_code == 403
        response = client.post(f"/patients/{pid}/alerts/{aid}/acknowledge", data={"note": "x"})
        assert response.status_code == 403 and "Not allowed" in response.text
    assert any(a.id == aid for a in web.clinic.alerts(patient_id=pid, status="open").items)


def test_a_nurse_acknowledges_but_may_not_resolve(running):
    url, web = running
    pid, aid = web.patients[ITP], open_alert(web)
    with logged_in(url, "nurse.k") as client:
        assert client.post(f"/patients/{pid}/alerts/{aid}/resolve",
                           data={"note": "x"}).status_code == 403
        assert client.post(f"/patients/{pid}/alerts/{aid}/acknowledge",
                           data={"note": "seen"}).status_code == 303
    acked = web.clinic.alerts(patient_id=pid, status="acknowledged").items
    assert [a.acknowledged_by for a in acked if a.id == aid] == ["nurse.k"]


def test_an_alert_through_another_patients_url_is_not_found_and_unchanged(running):
    url, web = running
    aid = open_alert(web)
    other = web.patients[NAIVE]
    with logged_in(url, "dr.rossi") as client:
        for action in ("acknowledge", "resolve"):
            response = client.post(f"/patients/{other}/alerts/{aid}/{action}",
                                   data={"note": "wrong patient"})
            assert response.status_code == 404, response.text[:200]
    assert any(a.id == aid for a in
               web.clinic.alerts(patient_id=web.patients[ITP], status="open").items)


def test_five_failed_logins_lock_the_user_but_not_the_others(running):
    url, _ = running
    with httpx.Client(base_url=url) as client:
        for _ in range(5):
            assert login(client, "nurse.k", "guess-guess-guess").status_code == 401
        locked = login(client, "nurse.k")  # even the right password
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) > 14 * 60
        assert "Too many failed logins" in locked.text
        assert "alemtrack_session" not in locked.cookies
        assert login(client, "dr.rossi").status_code == 303


def test_many_failed_logins_from_one_address_lock_that_address(tmp_path):
    settings = settings_for(tmp_path / "c.db", login_max_failures_address=4)
    web = build(tmp_path / "c.db", stems=())
    web.app.state.settings = settings  # only the accounts' policy matters here
    web.app.state.accounts.policy = bootstrap.security_policy(settings)
    with serve(web.app) as url, httpx.Client(base_url=url) as client:
        for name in ("a.one", "b.two", "c.three", "d.four"):
            assert login(client, name, "wrong-wrong-wrong").status_code == 401
        assert login(client, WEB_USERS["nurse"]).status_code == 429


def test_the_calendar_downloads_from_the_patient_page_with_the_session(running):
    url, web = running
    pid = web.patients[ITP]
    with logged_in(url, "nurse.k") as client:
        page = client.get(f"/patients/{pid}").text
        assert f'href="/patients/{pid}/calendar.ics"' in page
        ics = client.get(f"/patients/{pid}/calendar.ics")
        assert ics.status_code == 200 and ics.text.startswith("BEGIN:VCALENDAR")
    with logged_in(url, "viewer.v") as client:  # the matrix: no export.calendar
        assert 'calendar.ics"' not in client.get(f"/patients/{pid}").text
        assert client.get(f"/patients/{pid}/calendar.ics").status_code == 403
