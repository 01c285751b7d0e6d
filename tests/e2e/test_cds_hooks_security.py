"""The CDS client's JWT through the real application: forged, none/HS256, expired, wrong aud,
replayed, untrusted tokens are refused with 401; JWKS by URL; the demo switch."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest

from .api_support import ApiClient
from .cds_support import (
    ISSUER,
    KID,
    OTHER_KEY,
    PRIVATE_KEY,
    cds_client,
    public_jwks,
    token,
)

DISCOVERY = "/cds-services"
VIEW = "/cds-services/alemtrack-patient-view"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    with cds_client(tmp_path_factory.mktemp("cdsjwt") / "cds.db") as c:
        yield c


def url(client: ApiClient, path: str) -> str:
    return str(client.base_url).rstrip("/") + path


def get(client: ApiClient, bearer: str | None, path: str = DISCOVERY) -> Any:
    request = client.build_request("GET", path)
    del request.headers["Authorization"]  # the test client's default user token
    if bearer is not None:
        request.headers["Authorization"] = f"Bearer {bearer}"
    return client.send(request)


def refused(response: Any, why: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert why in response.json()["error"]["message"]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_valid_jwt_is_accepted(client: ApiClient) -> None:
    assert get(client, token(url(client, DISCOVERY))).status_code == 200


def test_no_bearer_token_is_refused(client: ApiClient) -> None:
    refused(get(client, None), "Bearer")


def test_a_jwt_signed_with_another_key_is_refused(client: ApiClient) -> None:
    refused(get(client, token(url(client, DISCOVERY), key=OTHER_KEY)), "signature")


def test_alg_none_is_refused(client: ApiClient) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": url(client, DISCOVERY), "exp": now + 300, "iat": now,
              "jti": str(uuid.uuid4())}
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': KID})}.{_b64(claims)}."
    refused(get(client, forged), "algorithm")


def test_hs256_signed_with_the_public_key_is_refused(client: ApiClient) -> None:
    # The classic key-confusion attack: HMAC keyed with the issuer's public key text.
    secret = json.dumps(public_jwks()["keys"][0]).encode()
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": url(client, DISCOVERY), "exp": now + 300, "iat": now,
              "jti": str(uuid.uuid4())}
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': KID})}.{_b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    refused(get(client, forged), "algorithm")


def test_an_expired_jwt_is_refused(client: ApiClient) -> None:
    refused(get(client, token(url(client, DISCOVERY), exp_in=-120)), "expired")


def test_a_jwt_valid_for_too_long_is_refused(client: ApiClient) -> None:
    refused(get(client, token(url(client, DISCOVERY), exp_in=24 * 3600)), "ahead")


def test_a_jwt_for_another_service_is_refused(client: ApiClient) -> None:
    refused(get(client, token("https://cds.example.org/cds-services/some-service")), "aud")
    # aud is the called endpoint: a token for discovery does not open a service
    body = {"hook": "patient-view", "hookInstance": "x", "context": {}}
    response = client.post(VIEW, json=body, headers={
        "Authorization": f"Bearer {token(url(client, DISCOVERY))}"})
    refused(response, "aud")


def test_a_replayed_jwt_is_refused(client: ApiClient) -> None:
    once = token(url(client, DISCOVERY))
    assert get(client, once).status_code == 200
    refused(get(client, once), "replay")


def test_a_jwt_from_an_untrusted_issuer_is_refused(client: ApiClient) -> None:
    refused(get(client, token(url(client, DISCOVERY), iss="https://evil.example")), "issuer")


def test_a_jwt_with_an_unknown_kid_is_refused(client: ApiClient) -> None:
    refused(get(client, token(url(client, DISCOVERY), kid="other")), "kid")


def test_a_jwt_without_jti_is_refused(client: ApiClient) -> None:
    now = int(time.time())
    no_jti = jwt.encode({"iss": ISSUER, "aud": url(client, DISCOVERY), "exp": now + 300,
                         "iat": now}, PRIVATE_KEY, algorithm="ES384", headers={"kid": KID})
    refused(get(client, no_jti), "jti")


class _Jwks(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        data = json.dumps(public_jwks()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def test_the_issuer_keys_are_fetched_from_its_jwks_url_and_cached(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    jwks_url = f"http://127.0.0.1:{server.server_address[1]}/jwks"
    try:
        with cds_client(tmp_path / "db.sqlite",
                        cds_issuers=[{"iss": ISSUER, "jwks_url": jwks_url}]) as c:
            for _ in range(3):
                assert get(c, token(url(c, DISCOVERY))).status_code == 200
            signed = jwt.encode({"iss": ISSUER, "aud": url(c, DISCOVERY),
                                 "exp": int(time.time()) + 300, "iat": int(time.time()),
                                 "jti": str(uuid.uuid4())}, PRIVATE_KEY, algorithm="ES384",
                                headers={"kid": KID, "jku": jwks_url})
            assert get(c, signed).status_code == 200  # jku equal to the configured URL
            foreign = jwt.encode({"iss": ISSUER, "aud": url(c, DISCOVERY),
                                  "exp": int(time.time()) + 300, "iat": int(time.time()),
                                  "jti": str(uuid.uuid4())}, PRIVATE_KEY, algorithm="ES384",
                                 headers={"kid": KID, "jku": "https://evil.example/jwks"})
            refused(get(c, foreign), "jku")
    finally:
        server.shutdown()
        server.server_close()
    assert _Jwks.hits == 1


def test_turning_jwt_checks_off_works_only_in_demo_mode(tmp_path: Path) -> None:
    with cds_client(tmp_path / "a.sqlite", cds_require_jwt=False) as c:
        refused(get(c, None), "Bearer")
    with cds_client(tmp_path / "b.sqlite", cds_require_jwt=False, demo=True) as c:
        assert get(c, None).status_code == 200


def test_the_cds_routes_carry_the_cds_invoke_action_for_the_route_walk() -> None:
    from alemtrack.api.routes import cds_hooks

    assert cds_hooks.cds_client.action == "cds.invoke"  # type: ignore[attr-defined]
    for route in cds_hooks.router.routes:
        calls = [d.call for d in route.dependant.dependencies]  # type: ignore[attr-defined]
        assert cds_hooks.cds_client in calls
