"""Authorization of the REST API, through real HTTP: the route walk (no route without an
authentication dependency, no action missing from the matrix), the role x action matrix tested
exhaustively, a viewer that cannot change anything, tampered ids and body fields refused,
personal token revocation and expiry, and OAuth2 client credentials with signed JWT assertions
(RFC 7523): accepted once, refused when forged, expired, replayed or meant for another server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from alemtrack.api import deps
from alemtrack.api.security import ACTIONS, iter_routes, route_actions
from alemtrack.services.accounts import ALL_ROLES, MATRIX, SYSTEM, permitted
from tests.e2e.api_support import (
    API,
    USERS,
    ApiClient,
    api_client,
    assert_error,
    bundle,
    import_example,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_PATH = "/oauth/token"
# The documented public exceptions (docs/security.md): no authentication dependency.
PUBLIC = {"/openapi.json", f"{API}/health", TOKEN_PATH, "/login", "/logout", "/static"}


@pytest.fixture(scope="module")
def system_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def jwks_of(key: Any, kid: str) -> dict[str, Any]:
    algorithm = jwt.algorithms.ECAlgorithm if isinstance(key, ec.EllipticCurvePrivateKey) \
        else jwt.algorithms.RSAAlgorithm
    jwk = algorithm.to_jwk(key.public_key(), as_dict=True)
    return {"keys": [{**jwk, "kid": kid}]}


def assertion(client: httpx.Client, key: Any, *, client_id: str = "lab-system",
              alg: str = "ES256", kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": client_id, "sub": client_id, "aud": f"{client.base_url}{TOKEN_PATH}",
            "exp": now + 120, "iat": now, "jti": uuid.uuid4().hex, **claims}
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm=alg, headers={"kid": kid})


def token_request(client: httpx.Client, signed: str) -> httpx.Response:
    return client.post(TOKEN_PATH, headers={"Authorization": ""}, data={
        "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": signed})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory,
        system_key: ec.EllipticCurvePrivateKey) -> Iterator[tuple[ApiClient, int, int]]:
    """A clinic with two patients (ITP with an open alert, naive), the users of every role and
    a registered system client whose access token is in ``client.tokens["system"]``."""
    with api_client(tmp_path_factory.mktemp("security") / "clinic.db") as client:
        itp = import_example(client, "06-itp-month-19")["patient_id"]
        naive = import_example(client, "01-treatment-naive-ready-to-start")["patient_id"]
        client.app.state.accounts.add_client("lab-system", SYSTEM, jwks_of(system_key, "k1"),
                                             by="test-setup")
        response = token_request(client, assertion(client, system_key))
        assert response.status_code == 200, response.text
        client.tokens[SYSTEM] = response.json()["access_token"]
        yield client, itp, naive


def api_routes(client: ApiClient) -> list[Any]:
    """Every served route with a dependant (REST, OAuth, CDS Hooks and web pages)."""
    return [r for r in iter_routes(client.app) if isinstance(r.original_route, APIRoute)]


def bearer_routes(client: ApiClient) -> list[Any]:
    """Routes guarded by ``authorize`` (bearer tokens); CDS Hooks routes use their own JWT,
    web pages the session."""
    return [r for r in api_routes(client)
            if any(getattr(d.call, "__qualname__", "").startswith("authorize.")
                   for d in r.dependant.dependencies)]


def concrete(route: Any, pid: int = 1) -> str:
    """The route's path with every path parameter filled in."""
    return re.sub(r"\{(\w+)(?::\w+)?\}",
                  lambda m: str(pid) if "patient" in m[1] else "1", route.path)


# ---- the route walk ----------------------------------------------------------------------------


def unguarded(app: FastAPI) -> list[str]:
    """Routes (outside the public exceptions) without an authorization dependency, or using
    an action missing from the matrix."""
    problems = []
    for route in iter_routes(app):
        path = route.path or ""
        if path in PUBLIC:
            continue
        actions = route_actions(route)
        if not actions:
            problems.append(f"{sorted(route.methods or ())} {path}: no authorize dependency")
        problems += [f"{path}: action {a!r} not in the matrix" for a in actions
                     if a not in ACTIONS or a not in MATRIX]
    return problems


def test_every_route_has_an_authentication_dependency_with_an_action_of_the_matrix(api):
    client, _, _ = api
    assert set(ACTIONS) == set(MATRIX), "ACTIONS and the role x action matrix differ"
    assert unguarded(client.app) == []
    walked = {r.path for r in iter_routes(client.app)}
    assert {f"{API}/patients/{{patient_id}}", "/patients/{patient_id}", "/"} <= walked


def test_the_route_walk_notices_an_unguarded_route_and_an_unknown_action():
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    router = APIRouter()

    @router.get("/leak")
    def leak() -> dict[str, str]:
        return {}

    def sneaky() -> None:
        return None

    sneaky.action = "patient.delete"  # type: ignore[attr-defined]

    @router.get("/sneaky", dependencies=[Depends(sneaky)])
    def other() -> dict[str, str]:
        return {}

    app.include_router(router, prefix="/api/v1")
    assert unguarded(app) == ["['GET'] /api/v1/leak: no authorize dependency",
                              "/api/v1/sneaky: action 'patient.delete' not in the matrix"]


def test_no_route_trusts_a_user_name_header(api):
    client, _, _ = api
    assert not hasattr(deps, "current_actor")
    for route in api_routes(client):
        headers = {p.alias.lower() for p in route.dependant.header_params}
        stack = list(route.dependant.dependencies)
        while stack:
            dependency = stack.pop()
            headers |= {p.alias.lower() for p in dependency.header_params}
            stack.extend(dependency.dependencies)
        assert not any("user" in h or "actor" in h for h in headers), (route.path, headers)


def test_the_public_exceptions_answer_without_credentials(api):
    client, _, _ = api
    bare = {"Authorization": ""}
    assert client.get("/openapi.json", headers=bare).status_code == 200
    assert client.get(f"{API}/health", headers=bare).status_code == 200
    assert client.get("/login", headers=bare).status_code == 200
    assert client.get("/static/app.css", headers=bare).status_code == 200


def test_every_protected_route_answers_401_without_credentials_in_the_error_shape(api):
    client, pid, _ = api
    for route in bearer_routes(client):
        for method in route.methods:
            response = client.request(method, concrete(route, pid), headers={"Authorization": ""})
            assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer", "Basic YWRtaW46YWRtaW4=",
                                    "Bearer atp_" + "A" * 43])
def test_an_unknown_or_malformed_credential_is_a_401(api, header):
    client, _, _ = api
    assert_error(client.get(f"{API}/patients", headers={"Authorization": header}),
                 401, "unauthorized")


def test_the_openapi_document_declares_the_bearer_scheme_and_the_401_and_403_answers(api):
    client, _, _ = api
    doc = client.get("/openapi.json").json()
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    op = doc["paths"][f"{API}/alerts/{{alert_id}}/acknowledge"]["post"]
    assert {"401", "403"} <= set(op["responses"]) and op["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"][f"{API}/health"]["get"]


# ---- the matrix, exhaustively ------------------------------------------------------------------


def test_every_role_gets_exactly_what_the_matrix_allows_on_every_route(api):
    client, pid, _ = api
    checked = 0
    for route in bearer_routes(client):
        (action,) = set(route_actions(route))
        for method in sorted(route.methods):
            for role in ALL_ROLES:
                kwargs: dict[str, Any] = {"headers": client.auth(role)}
                if method in ("POST", "PUT", "PATCH"):
                    kwargs["json"] = {}  # allowed: a 422 at most; nothing is stored
                response = client.request(method, concrete(route, pid), **kwargs)
                if permitted(role, action):
                    assert response.status_code not in (401, 403), (
                        role, method, route.path, response.text)
                else:
                    error = assert_error(response, 403, "forbidden")
                    assert action in error["message"], error
                checked += 1
    assert checked >= 20 * len(ALL_ROLES)


def test_the_actions_without_a_bearer_route_are_the_documented_ones(api):
    client, _, _ = api
    routed = {a for r in bearer_routes(client) for a in route_actions(r)}
    # Managed on the command line (users, tokens, clients, profile) or through their own
    # authentication (CDS Hooks JWT); docs/security.md says so.
    assert set(ACTIONS) - routed <= {"users.manage", "profile.change", "cds.invoke",
                                     "health.read", "audit.read", "export.calendar",
                                     "export.fhir", "import.lab-feed", "rules.read"}


def test_a_viewer_token_cannot_change_anything(api):
    client, pid, _ = api
    before = client.get(f"{API}/patients/{pid}").json()
    alerts_before = client.get(f"{API}/alerts", params={"status": "all"}).json()
    viewer = client.auth("viewer")
    changes = [(m, r) for r in bearer_routes(client) for m in r.methods
               if m in ("POST", "PUT", "PATCH", "DELETE")]
    assert len(changes) >= 11
    for method, route in changes:
        response = client.request(method, concrete(route, pid), headers=viewer,
                                  json={"note": "viewer was here"})
        assert_error(response, 403, "forbidden")
    assert client.get(f"{API}/patients/{pid}").json() == before
    assert client.get(f"{API}/alerts", params={"status": "all"}).json() == alerts_before
    # ... while reading works
    assert client.get(f"{API}/patients/{pid}", headers=viewer).status_code == 200


# ---- object level: ids and body fields ---------------------------------------------------------


def test_body_fields_cannot_name_the_actor_or_another_patient(api):
    client, pid, naive = api
    alert = next(a for a in client.get(f"{API}/alerts", params={"patient_id": pid})
                 .json()["items"] if a["status"] == "open")
    forged = client.post(f"{API}/alerts/{alert['id']}/acknowledge", headers=client.auth("nurse"),
                         json={"note": "seen", "actor": "dr.evil", "acknowledged_by": "dr.evil"})
    assert_error(forged, 422, "validation_error")
    labs_before = client.get(f"{API}/patients/{naive}").json()["labs"]
    lab = {"code": "777-3", "value": 150, "unit": "10*9/L", "on": "2026-11-10"}
    moved = client.post(f"{API}/patients/{pid}/labs", json={**lab, "patient_id": naive})
    assert_error(moved, 422, "validation_error")
    assert client.get(f"{API}/patients/{naive}").json()["labs"] == labs_before
    done = client.post(f"{API}/alerts/{alert['id']}/acknowledge", headers=client.auth("nurse"),
                       json={"note": "seen"})
    assert done.status_code == 200 and done.json()["acknowledged_by"] == USERS["nurse"]


def test_out_of_range_or_non_numeric_ids_never_reach_a_record(api):
    client, _, _ = api
    for path in (f"{API}/patients/0", f"{API}/patients/-1", f"{API}/patients/1%20OR%201=1",
                 f"{API}/patients/99999999999"):
        assert client.get(path).status_code in (404, 422), path
    assert_error(client.post(f"{API}/alerts/987654/resolve", json={"note": "x"}),
                 404, "not_found")


# ---- personal tokens -----------------------------------------------------------------------------


def test_a_revoked_personal_token_is_refused_at_once(api):
    client, _, _ = api
    accounts = client.app.state.accounts
    info, secret = accounts.create_token(USERS["pharmacist"], "revoke me", by="test")
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/patients", headers=auth).status_code == 200
    accounts.revoke_token(info.id, by="test")
    assert_error(client.get(f"{API}/patients", headers=auth), 401, "unauthorized")


def test_a_disabled_users_tokens_stop_working(api):
    client, _, _ = api
    accounts = client.app.state.accounts
    accounts.add_user("temp.nurse", "nurse", "a-long-enough-password", by="test")
    secret = accounts.create_token("temp.nurse", "t", by="test")[1]
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"{API}/worklist", headers=auth).status_code == 200
    accounts.set_disabled("temp.nurse", True, by="test")
    assert_error(client.get(f"{API}/worklist", headers=auth), 401, "unauthorized")


def test_tokens_are_shown_once_and_stored_only_as_a_digest(api):
    client, _, _ = api
    secret = client.tokens["viewer"]
    database = client.app.state.settings.database_url.removeprefix("sqlite:///")
    with open(database, "rb") as raw:
        content = raw.read()
    assert secret.encode() not in content
    assert all(t.name for t in client.app.state.accounts.tokens())
    assert not hasattr(client.app.state.accounts.tokens()[0], "secret")


# ---- OAuth2 client credentials (RFC 7523) ------------------------------------------------------


def test_a_system_client_gets_a_short_lived_token_and_acts_with_its_role(api, system_key):
    client, _, _ = api
    response = token_request(client, assertion(client, system_key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and 0 < body["expires_in"] <= 300
    assert response.headers["cache-control"] == "no-store"
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    report = client.post(f"{API}/imports", headers=auth, params={"source": "ehr"},
                         json=bundle("13-overdue-monitoring"))
    assert report.status_code == 201, report.text
    assert client.get(f"{API}/patients", headers=auth).status_code == 200
    assert_error(client.post(f"{API}/alerts/1/acknowledge", headers=auth, json={"note": "x"}),
                 403, "forbidden")


def test_a_replayed_assertion_is_refused(api, system_key):
    client, _, _ = api
    signed = assertion(client, system_key)
    assert token_request(client, signed).status_code == 200
    again = token_request(client, signed)
    assert again.status_code == 401 and again.json()["error"] == "invalid_client"
    assert "replay" in again.json()["error_description"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _refused(client: httpx.Client, signed: str, reason: str) -> None:
    response = token_request(client, signed)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert reason in response.json()["error_description"], response.json()


def test_an_expired_assertion_is_refused(api, system_key):
    client, _, _ = api
    _refused(client, assertion(client, system_key, exp=int(time.time()) - 120), "expired")


def test_an_assertion_for_another_server_is_refused(api, system_key):
    client, _, _ = api
    _refused(client, assertion(client, system_key, aud="https://elsewhere.example/token"),
             "aud")


def test_an_assertion_without_jti_or_exp_is_refused(api, system_key):
    client, _, _ = api
    _refused(client, assertion(client, system_key, jti=None), "jti")
    _refused(client, assertion(client, system_key, exp=None), "exp")


def test_an_assertion_living_too_long_is_refused(api, system_key):
    client, _, _ = api
    _refused(client, assertion(client, system_key, exp=int(time.time()) + 3600), "too long")


def test_an_assertion_signed_with_another_key_is_refused(api):
    client, _, _ = api
    _refused(client, assertion(client, ec.generate_private_key(ec.SECP256R1())), "signature")


def test_symmetric_and_unsigned_assertions_are_refused(api, system_key):
    client, _, _ = api
    claims = jwt.decode(assertion(client, system_key), options={"verify_signature": False})
    # The classic forgery: HS256 keyed with the client's public key (which anyone may know).
    public_pem = system_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    payload = json.dumps({**claims, "jti": uuid.uuid4().hex}).encode()
    signing_input = (b64(b'{"alg":"HS256","typ":"JWT","kid":"k1"}') + "." + b64(payload))
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    _refused(client, f"{signing_input}.{b64(mac)}", "asymmetric")
    hs = jwt.encode({**claims, "jti": uuid.uuid4().hex}, "shared-secret-of-32-bytes-length!",
                    algorithm="HS256")
    _refused(client, hs, "asymmetric")
    unsigned = b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(payload) + "."
    _refused(client, unsigned, "asymmetric")


def test_an_unknown_or_disabled_client_is_refused(api):
    client, _, _ = api
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _refused(client, assertion(client, key, client_id="nobody", alg="RS256"), "unknown")
    accounts = client.app.state.accounts
    accounts.add_client("old-lab", SYSTEM, jwks_of(key, "k1"), by="test")
    good = assertion(client, key, client_id="old-lab", alg="RS256")
    token = token_request(client, good).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"{API}/patients", headers=auth).status_code == 200
    accounts.set_client_disabled("old-lab", True, by="test")
    _refused(client, assertion(client, key, client_id="old-lab", alg="RS256"), "disabled")
    assert_error(client.get(f"{API}/patients", headers=auth), 401, "unauthorized")


@pytest.mark.parametrize(("data", "error"), [
    ({}, "unsupported_grant_type"),
    ({"grant_type": "password", "username": "a", "password": "b"}, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, "invalid_request"),
    ({"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE},
     "invalid_request"),
])
def test_a_malformed_token_request_is_a_400_in_the_oauth_error_shape(api, data, error):
    client, _, _ = api
    response = client.post(TOKEN_PATH, data=data, headers={"Authorization": ""})
    assert response.status_code == 400 and response.json()["error"] == error


def test_a_client_cannot_register_a_symmetric_or_private_key(api):
    client, _, _ = api
    from alemtrack.errors import ValidationError

    accounts = client.app.state.accounts
    with pytest.raises(ValidationError):
        accounts.add_client("hmac", SYSTEM, {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]},
                            by="test")
    private = ec.generate_private_key(ec.SECP256R1())
    jwk = jwt.algorithms.ECAlgorithm.to_jwk(private, as_dict=True)
    with pytest.raises(ValidationError):
        accounts.add_client("leaky", SYSTEM, {"keys": [jwk]}, by="test")
