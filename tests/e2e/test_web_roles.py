"""The role x action matrix on the web UI, exhaustively, over real HTTP with real sessions.

The oracle is ``MATRIX`` in ``services/accounts.py`` (as ``test_security_api.py`` does for the
REST API): for every web route guarded by ``web_authorize`` (found by walking the application,
so a new page is covered the day it is added), every method and every role that can hold a web
session, an allowed role gets past authorization (never 401/403) and a refused one gets the
403 "Not allowed" page naming the action. State-changing requests carry the session's CSRF
token and empty forms: the allowed ones stop at a field error, so nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from alemtrack.api.security import iter_routes, route_actions
from alemtrack.errors import ValidationError
from alemtrack.services.accounts import ALL_ROLES, MATRIX, ROLES, SYSTEM, permitted
from tests.e2e.api_support import PASSWORD
from tests.e2e.web_support import WEB_USERS, WebClient, WebClinic, logged_in, served

ITP = "06-itp-month-19"
NAIVE = "01-treatment-naive-ready-to-start"
CHANGES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[WebClinic, dict[str, WebClient]]]:
    """A clinic with the ITP patient (an open R-H4 alert) and one logged-in client per role."""
    db = tmp_path_factory.mktemp("web-roles") / "clinic.db"
    with served(db, (NAIVE, ITP)) as (url, web), ExitStack() as stack:
        clients = {role: stack.enter_context(logged_in(url, name))
                   for role, name in WEB_USERS.items()}
        yield web, clients


def web_routes(web: WebClinic) -> list[Any]:
    """Every route guarded by a web session (``web_authorize``), as served."""
    def guarded(route: Any) -> bool:
        stack = [getattr(route, "dependant", None)]
        while stack:
            dependant = stack.pop()
            if dependant is None:
                continue
            if getattr(dependant.call, "__qualname__", "").startswith("web_authorize."):
                return True
            stack.extend(dependant.dependencies)
        return False

    return [r for r in iter_routes(web.app) if guarded(r)]


def open_alert(web: WebClinic) -> int:
    alerts = web.clinic.alerts(patient_id=web.patients[ITP], status="open").items
    return next(a.id for a in alerts if a.rule == "R-H4")


def concrete(path: str, pid: int, alert_id: int) -> str:
    values = {"patient_id": str(pid), "alert_id": str(alert_id)}
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m[1]], path)


def snapshot(web: WebClinic) -> tuple[Any, ...]:
    pid = web.patients[ITP]
    detail = web.clinic.patient(pid)
    return detail.timeline, tuple((a.id, a.status, a.acknowledged_by) for a in detail.alerts)


def test_every_role_that_can_log_in_is_a_user_role_so_the_web_matrix_covers_them_all(
        clinic: tuple[WebClinic, dict[str, WebClient]]) -> None:
    web, clients = clinic
    assert set(clients) == set(ROLES) == set(ALL_ROLES) - {SYSTEM}
    # The system role belongs to OAuth2 clients only: no user, hence no web session, has it.
    with pytest.raises(ValidationError):
        web.app.state.accounts.add_user("ehr.robot", SYSTEM, PASSWORD, by="test")


def test_every_state_changing_web_route_is_guarded_by_an_action_of_the_matrix(
        clinic: tuple[WebClinic, dict[str, WebClient]]) -> None:
    web, _ = clinic
    guarded = {r.path for r in web_routes(web)}
    changing = {(m, r.path) for r in iter_routes(web.app) for m in (r.methods or ())
                if m in CHANGES and not r.path.startswith(("/api/", "/cds-services", "/oauth"))}
    # /login and /logout are the public exceptions (docs/security.md).
    assert {p for _, p in changing} - guarded == {"/login", "/logout"}
    for route in web_routes(web):
        (action,) = set(route_actions(route))
        assert action in MATRIX, (route.path, action)
    new_forms = {"/patients/{patient_id}/relapses/new", "/patients/{patient_id}/edss/new",
                 "/patients/{patient_id}/mri/new", "/patients/{patient_id}/vaccinations/new"}
    assert new_forms <= {p for m, p in changing}


def test_every_role_gets_exactly_what_the_matrix_allows_on_every_web_route(
        clinic: tuple[WebClinic, dict[str, WebClient]]) -> None:
    web, clients = clinic
    pid, aid = web.patients[ITP], open_alert(web)
    before = snapshot(web)
    checked: dict[str, int] = {"allowed": 0, "refused": 0}
    actions_seen: set[str] = set()
    for route in web_routes(web):
        (action,) = set(route_actions(route))
        actions_seen.add(action)
        url = concrete(route.path, pid, aid)
        for method in sorted(route.methods):
            for role, client in clients.items():
                if method in CHANGES:
                    response = client.request(method, url, data={"csrf_token": client.csrf})
                else:
                    response = client.request(method, url)
                where = (role, method, route.path, response.status_code)
                if permitted(role, action):
                    assert response.status_code not in (401, 403), (where, response.text[:300])
                    assert not response.headers.get("location", "").startswith("/login"), where
                    if method in CHANGES:  # an empty form: refused field by field
                        assert response.status_code == 422, where
                    else:
                        assert response.status_code == 200, where
                    checked["allowed"] += 1
                else:
                    assert response.status_code == 403, (where, response.text[:300])
                    assert "Not allowed" in response.text, where
                    assert f"({action})" in response.text and f"({role})" in response.text
                    checked["refused"] += 1
    assert snapshot(web) == before  # nothing was stored, acknowledged or resolved
    assert {"entry.lab", "entry.clinical", "infusion.record", "alert.acknowledge",
            "alert.resolve", "patient.read", "export.calendar"} <= actions_seen
    # Every (route, method) for 5 roles; both outcomes well represented.
    assert checked["allowed"] >= 40 and checked["refused"] >= 30, checked


def test_the_patient_page_offers_each_action_only_to_the_roles_allowed_it(
        clinic: tuple[WebClinic, dict[str, WebClient]]) -> None:
    web, clients = clinic
    pid, aid = web.patients[ITP], open_alert(web)
    pages = {role: client.get(f"/patients/{pid}").text for role, client in clients.items()}
    offered = 0
    for route in web_routes(web):
        (action,) = set(route_actions(route))
        url = concrete(route.path, pid, aid)
        target = re.compile(rf'(?:href|action|formaction)="{re.escape(url)}"')
        if not target.search(pages["neurologist"]):
            continue  # not a link or form of the patient page
        offered += 1
        for role, page in pages.items():
            assert bool(target.search(page)) == permitted(role, action), (role, url, action)
    # The 7 entry forms, acknowledge and resolve, the printables and the calendar at least.
    assert offered >= 12, offered
