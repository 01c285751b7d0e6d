"""The per-issuer allow-list of FHIR servers (``fhir_servers``) over real HTTP: a listed server
is read with the client's bearer token; a server outside the list is never contacted (the fake
server sees no request, so the token never reaches it) and the call answers 412; an issuer
without a list has nothing fetched; a fully prefetched call does not care."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from .api_support import ApiClient, bundle
from .cds_support import (
    ISSUER,
    alemtuzumab_draft,
    auth,
    cds_client,
    hook_request,
    prefetch_of,
    public_jwks,
)

SIGN = "/cds-services/alemtrack-order-sign"
VIEW = "/cds-services/alemtrack-patient-view"
OTHER_ISSUER = "https://other-ehr.example.org"  # trusted, but with no FHIR server listed
TOKEN = "fhir-token-secret-42"
RESOURCES = [e["resource"] for e in bundle("02-fingolimod-washout-lymphopenia")["entry"]]


class FakeFhir:
    """A FHIR server on localhost serving example 02; ``seen`` records every request."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append((self.path, self.headers.get("Authorization")))
                url = urlsplit(self.path)
                if url.query:
                    rtype = url.path.rsplit("/", 1)[-1]
                    pid = parse_qs(url.query).get("patient", [""])[0]
                    found = [r for r in RESOURCES if r["resourceType"] == rtype
                             and pid in json.dumps(r.get("subject") or r.get("patient") or {})]
                    body: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                                            "entry": [{"resource": r} for r in found]}
                else:
                    rtype, rid = url.path.split("/")[-2:]
                    body = next((r for r in RESOURCES
                                 if r["resourceType"] == rtype and r["id"] == rid), {})
                data = json.dumps(body).encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.base = f"{self.root}/fhir"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[FakeFhir, FakeFhir]]:
    """The EHR's own FHIR server (listed) and a foreign one (not listed)."""
    own, foreign = FakeFhir(), FakeFhir()
    try:
        yield own, foreign
    finally:
        own.close()
        foreign.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory,
           servers: tuple[FakeFhir, FakeFhir]) -> Iterator[ApiClient]:
    own, _ = servers
    issuers = [{"iss": ISSUER, "jwks": public_jwks(), "fhir_servers": [own.base]},
               {"iss": OTHER_ISSUER, "jwks": public_jwks()}]
    with cds_client(tmp_path_factory.mktemp("cds") / "cds.db", cds_issuers=issuers) as c:
        yield c


@pytest.fixture(autouse=True)
def fresh_logs(servers: tuple[FakeFhir, FakeFhir]) -> None:
    for server in servers:
        server.seen.clear()


def sign_request(fhir_server: str) -> dict[str, Any]:
    return hook_request(
        "order-sign", "p02", None, [alemtuzumab_draft("p02", "2026-12-01")],
        fhirServer=fhir_server, fhirAuthorization={
            "access_token": TOKEN, "token_type": "Bearer", "expires_in": 300,
            "scope": "user/*.read", "subject": "alemtrack"})


def call(client: ApiClient, path: str, body: dict[str, Any], iss: str = ISSUER) -> Any:
    return client.post(path, json=body, headers=auth(client, path, iss=iss))


def test_a_listed_fhir_server_is_read_with_the_bearer_token(client, servers):
    own, foreign = servers
    response = call(client, SIGN, sign_request(own.base))
    assert response.status_code == 200, response.text
    assert response.json()["cards"][0]["indicator"] == "critical"  # the fingolimod washout
    assert own.seen and all(bearer == f"Bearer {TOKEN}" for _, bearer in own.seen)
    assert all(path.startswith("/fhir/") for path, _ in own.seen)
    assert foreign.seen == []


def test_a_foreign_fhir_server_is_never_contacted_and_the_call_is_412(client, servers):
    own, foreign = servers
    response = call(client, SIGN, sign_request(foreign.base))
    assert response.status_code == 412
    message = response.json()["error"]["message"]
    assert "not an allowed FHIR server" in message and "observations" in message
    assert TOKEN not in response.text
    assert foreign.seen == [] and own.seen == []  # no request at all: the token went nowhere


@pytest.mark.parametrize("lookalike", [
    "{root}/fhir-other",  # same host and port, not under /fhir
    "{root}/fhir/../admin",
    "http://localhost:{port}/fhir",  # the same server under another name
])
def test_a_lookalike_of_the_listed_server_is_not_contacted(client, servers, lookalike):
    own, _ = servers
    url = lookalike.format(root=own.root, port=own.server.server_address[1])
    response = call(client, SIGN, sign_request(url))
    assert response.status_code == 412
    assert own.seen == []


def test_an_issuer_without_listed_servers_has_nothing_fetched(client, servers):
    own, _ = servers
    response = call(client, VIEW, hook_request("patient-view", "p02", None, fhirServer=own.base,
                                               fhirAuthorization={"access_token": TOKEN,
                                                                  "token_type": "Bearer",
                                                                  "expires_in": 300,
                                                                  "scope": "user/*.read",
                                                                  "subject": "alemtrack"}),
                    iss=OTHER_ISSUER)
    assert response.status_code == 412
    assert own.seen == []


def test_a_fully_prefetched_call_naming_a_foreign_server_is_answered(client, servers):
    _, foreign = servers
    pid, prefetch = prefetch_of("02-fingolimod-washout-lymphopenia")
    body = hook_request("order-sign", pid, prefetch, [alemtuzumab_draft(pid, "2026-12-01")],
                        fhirServer=foreign.base)
    response = call(client, SIGN, body)
    assert response.status_code == 200, response.text
    assert foreign.seen == []


def test_demo_mode_without_jwt_reads_only_the_servers_listed_for_some_issuer(tmp_path: Path,
                                                                           servers):
    own, foreign = servers
    issuers = [{"iss": ISSUER, "jwks": public_jwks(), "fhir_servers": [own.base]}]
    with cds_client(tmp_path / "demo.db", cds_issuers=issuers, demo=True,
                    cds_require_jwt=False) as demo:
        assert demo.post(SIGN, json=sign_request(own.base)).status_code == 200
        assert demo.post(SIGN, json=sign_request(foreign.base)).status_code == 412
    assert own.seen and foreign.seen == []


def test_the_allow_list_must_hold_http_base_urls() -> None:
    from pydantic import ValidationError

    from alemtrack.config import CdsIssuer

    with pytest.raises(ValidationError, match="fhir_servers"):
        CdsIssuer(iss=ISSUER, jwks=public_jwks(), fhir_servers=["https://u@ehr.example.org/"])
    with pytest.raises(ValidationError, match="fhir_servers"):
        CdsIssuer(iss=ISSUER, jwks=public_jwks(), fhir_servers=["ftp://ehr.example.org/"])
    assert CdsIssuer(iss=ISSUER, jwks=public_jwks()).fhir_servers == []
