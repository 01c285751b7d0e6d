"""verify_jwt against the specification's example token and keys, and against forgeries."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from alemtrack.cds_hooks import CdsAuthError, JwksCache, JwtPolicy, TrustedIssuer, verify_jwt
from alemtrack.cds_hooks.fetch import HttpResponse

SPEC = Path("/work/shared/testdata/cds-hooks")
_beside = Path(__file__).resolve().parents[4] / "shared" / "testdata" / "cds-hooks"
if _beside.is_dir():
    SPEC = _beside


def spec(name: str) -> Any:
    return json.loads((SPEC / name).read_text("utf-8"))


SPEC_TOKEN = (SPEC / "spec-jwt-compact.txt").read_text().strip()
SPEC_CLAIMS = spec("spec-jwt-payload.json")
SPEC_ISSUER = TrustedIssuer(SPEC_CLAIMS["iss"], jwks=spec("spec-jwks-public.json"))
SPEC_POLICY = JwtPolicy({SPEC_ISSUER.iss: SPEC_ISSUER}, max_lifetime_seconds=10**9)
SPEC_AUD = [SPEC_CLAIMS["aud"]]


def at(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def inline(issuer: TrustedIssuer, refresh: bool) -> Any:
    assert issuer.jwks is not None
    return issuer.jwks


def test_the_spec_example_jwt_verifies_with_the_spec_jwks_before_it_expires() -> None:
    client = verify_jwt(SPEC_TOKEN, SPEC_POLICY, SPEC_AUD, at(SPEC_CLAIMS["exp"] - 60), inline)
    assert client.iss == "https://fhir-ehr.example.com/"
    assert client.jti == SPEC_CLAIMS["jti"]
    assert client.tenant == SPEC_CLAIMS["tenant"]


def test_the_spec_example_jwt_is_expired_today() -> None:
    with pytest.raises(CdsAuthError, match="expired"):
        verify_jwt(SPEC_TOKEN, SPEC_POLICY, SPEC_AUD, datetime.now(UTC), inline)


def test_the_spec_jwt_header_names_the_jwks_url_which_must_be_the_configured_one() -> None:
    assert spec("spec-jwt-header.json")["jku"] == "https://fhir-ehr.example.com/jwk_uri"
    configured = TrustedIssuer(SPEC_ISSUER.iss, jwks_url="https://fhir-ehr.example.com/jwk_uri")
    policy = JwtPolicy({configured.iss: configured}, max_lifetime_seconds=10**9)

    def loader(issuer: TrustedIssuer, refresh: bool) -> Any:
        return spec("spec-jwks-public.json")

    assert verify_jwt(SPEC_TOKEN, policy, SPEC_AUD, at(SPEC_CLAIMS["exp"] - 1), loader)


def test_the_spec_private_key_signs_tokens_the_service_accepts() -> None:
    private = pyjwt.PyJWK(spec("spec-jwk-private-example.json"), algorithm="ES384").key
    now = int(time.time())
    signed = pyjwt.encode({"iss": SPEC_ISSUER.iss, "aud": SPEC_AUD[0], "exp": now + 60,
                           "iat": now, "jti": "j1"}, private, algorithm="ES384",
                          headers={"kid": "example-kid"})
    policy = JwtPolicy({SPEC_ISSUER.iss: SPEC_ISSUER})
    assert verify_jwt(signed, policy, SPEC_AUD, at(now), inline).jti == "j1"


def test_the_spec_token_for_another_audience_is_refused() -> None:
    with pytest.raises(CdsAuthError, match="aud"):
        verify_jwt(SPEC_TOKEN, SPEC_POLICY, ["https://alemtrack.example/cds-services/x"],
                   at(SPEC_CLAIMS["exp"] - 60), inline)


def test_a_policy_cannot_allow_symmetric_or_none_algorithms() -> None:
    for alg in ("HS256", "none"):
        with pytest.raises(ValueError, match="asymmetric"):
            JwtPolicy({}, algorithms=frozenset({alg}))


def test_an_rsa_key_of_the_issuer_works_and_a_disallowed_algorithm_does_not() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    issuer = TrustedIssuer("https://ehr", jwks={"keys": [{**jwk, "kid": "r1"}]})
    now = int(time.time())
    claims = {"iss": "https://ehr", "aud": "https://a/cds-services/s", "exp": now + 60,
              "iat": now, "jti": "x"}
    signed = pyjwt.encode(claims, key, algorithm="RS384", headers={"kid": "r1"})
    assert verify_jwt(signed, JwtPolicy({"https://ehr": issuer}), [claims["aud"]], at(now),
                      inline)
    only_ec = JwtPolicy({"https://ehr": issuer}, algorithms=frozenset({"ES384"}))
    with pytest.raises(CdsAuthError, match="algorithm"):
        verify_jwt(signed, only_ec, [claims["aud"]], at(now), inline)


def test_a_token_that_is_not_a_jwt_is_refused() -> None:
    with pytest.raises(CdsAuthError, match="not a JWT"):
        verify_jwt("not-a-token", SPEC_POLICY, SPEC_AUD, datetime.now(UTC), inline)


def test_the_jwks_cache_fetches_once_and_refreshes_for_an_unknown_kid_at_most_once_a_minute(
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    calls: list[str] = []
    clock = [1000.0]

    def transport(url: str, headers: Any, timeout: float) -> HttpResponse:
        calls.append(url)
        return HttpResponse(200, json.dumps({"keys": [{**jwk, "kid": "k1"}]}).encode())

    cache = JwksCache(transport, monotonic=lambda: clock[0])
    issuer = TrustedIssuer("https://ehr", jwks_url="https://ehr/jwks")
    policy = JwtPolicy({"https://ehr": issuer})
    now = int(time.time())

    def signed(kid: str) -> str:
        return pyjwt.encode({"iss": "https://ehr", "aud": "a", "exp": now + 60, "iat": now,
                             "jti": kid}, key, algorithm="ES256", headers={"kid": kid})

    verify_jwt(signed("k1"), policy, ["a"], at(now), cache)
    verify_jwt(signed("k1"), policy, ["a"], at(now), cache)
    assert len(calls) == 1
    with pytest.raises(CdsAuthError, match="kid"):
        verify_jwt(signed("k2"), policy, ["a"], at(now), cache)
    assert len(calls) == 1  # within a minute of the fetch: no refresh
    clock[0] += 61
    with pytest.raises(CdsAuthError, match="kid"):
        verify_jwt(signed("k2"), policy, ["a"], at(now), cache)
    assert len(calls) == 2
