"""The CDS client's bearer JWT, checked as CDS Hooks 2.0 §Trusting CDS Clients requires.

* asymmetric signatures only (``none`` and every HMAC ``HS*`` refused whatever the policy says);
* ``iss`` must be a configured trusted issuer, whose keys come from its configured JWKS (inline
  or a URL fetched by the service); a ``jku`` header is never fetched: with a configured URL it
  must be exactly that URL, so a token can never point the service at the attacker's keys;
* the key is found by ``kid``; its ``alg`` (when the JWK has one) must be the header's;
* ``aud`` must be this service's endpoint URL, ``exp`` in the future and no further than
  ``max_lifetime`` ahead, ``iat`` not in the future, ``jti`` present (the replay check is the
  caller's: it needs the store).

``verify_jwt`` is pure apart from the injected JWKS loader and ``now``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt as pyjwt
from jwt.exceptions import InvalidTokenError, PyJWKError

from .errors import CdsAuthError
from .fetch import HttpTransport

ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                        "ES256", "ES384", "ES512", "EdDSA"})
DEFAULT_ALGORITHMS = frozenset({"ES384", "RS384", "ES256", "RS256", "PS256", "PS384"})


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    """A CDS client the service trusts: its ``iss`` and where its public keys are."""

    iss: str
    jwks_url: str | None = None
    jwks: Mapping[str, Any] | None = None
    subjects: frozenset[str] = frozenset()  # allowed ``sub`` (client ids); empty: any
    # FHIR bases it may name as fhirServer (cds_hooks/servers.py); empty: none is fetched.
    fhir_servers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class JwtPolicy:
    issuers: Mapping[str, TrustedIssuer]
    algorithms: frozenset[str] = DEFAULT_ALGORITHMS
    leeway_seconds: int = 30
    max_lifetime_seconds: int = 600  # spec: exp SHOULD be at most 5 minutes ahead

    def __post_init__(self) -> None:
        unsafe = set(self.algorithms) - ASYMMETRIC
        if unsafe:
            raise ValueError(f"not asymmetric signature algorithms: {sorted(unsafe)}")


@dataclass(frozen=True, slots=True)
class VerifiedClient:
    """Who called: the verified claims that matter."""

    iss: str
    sub: str | None
    jti: str
    expires: datetime
    tenant: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict)


JwksLoader = Callable[[TrustedIssuer, bool], Mapping[str, Any]]  # (issuer, refresh) -> JWKS


def verify_jwt(token: str, policy: JwtPolicy, audiences: Iterable[str], now: datetime,
               jwks: JwksLoader) -> VerifiedClient:
    """The verified client of ``token``, or ``CdsAuthError`` saying which check failed."""
    try:
        header = pyjwt.get_unverified_header(token)
        unverified = pyjwt.decode(token, options={"verify_signature": False})
    except InvalidTokenError as exc:
        raise CdsAuthError("bearer token is not a JWT") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ASYMMETRIC or alg not in policy.algorithms:
        raise CdsAuthError(f"JWT algorithm {alg!r} is not accepted (allowed: "
                           f"{', '.join(sorted(policy.algorithms))})")
    iss = unverified.get("iss")
    issuer = policy.issuers.get(iss) if isinstance(iss, str) else None
    if issuer is None:
        raise CdsAuthError("JWT issuer is not trusted")
    jku = header.get("jku")
    # Inline keys: jku is never fetched, so it cannot mislead. A URL: it must be that URL.
    if jku is not None and issuer.jwks_url is not None and jku != issuer.jwks_url:
        raise CdsAuthError("JWT jku is not the issuer's configured JWKS URL")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise CdsAuthError("JWT header has no kid")
    key = _key(issuer, kid, alg, jwks)
    try:
        claims = pyjwt.decode(
            token, key, algorithms=[alg], audience=list(audiences), issuer=issuer.iss,
            # exp/iat are checked below against the injected clock.
            options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_exp": False,
                     "verify_iat": False, "verify_nbf": False},
        )
    except pyjwt.InvalidAudienceError as exc:
        raise CdsAuthError("JWT aud is not this CDS service's URL") from exc
    except pyjwt.MissingRequiredClaimError as exc:
        raise CdsAuthError(f"JWT claim {exc.claim} is missing") from exc
    except pyjwt.InvalidSignatureError as exc:
        raise CdsAuthError("JWT signature does not verify") from exc
    except InvalidTokenError as exc:
        raise CdsAuthError(f"JWT rejected ({exc.__class__.__name__})") from exc
    stamp = now.timestamp()
    exp, iat = claims["exp"], claims["iat"]
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise CdsAuthError("JWT exp and iat must be numbers")
    if exp <= stamp - policy.leeway_seconds:
        raise CdsAuthError("JWT has expired")
    if exp > stamp + policy.max_lifetime_seconds + policy.leeway_seconds:
        raise CdsAuthError(f"JWT exp is more than {policy.max_lifetime_seconds} s ahead")
    if iat > stamp + policy.leeway_seconds:
        raise CdsAuthError("JWT iat is in the future")
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise CdsAuthError("JWT jti must be a string of 1-255 characters")
    sub = claims.get("sub")
    if issuer.subjects and sub not in issuer.subjects:
        raise CdsAuthError("JWT sub is not a client of this issuer")
    tenant = claims.get("tenant")
    return VerifiedClient(
        iss=issuer.iss, sub=sub if isinstance(sub, str) else None, jti=jti,
        expires=datetime.fromtimestamp(exp, UTC),
        tenant=tenant if isinstance(tenant, str) else None, claims=claims)


def _key(issuer: TrustedIssuer, kid: str, alg: str, jwks: JwksLoader) -> Any:
    for refresh in (False, True):  # an unknown kid refreshes the JWKS once (key rotation)
        try:
            keyset = jwks(issuer, refresh)
        except (OSError, ValueError) as exc:
            raise CdsAuthError("the issuer's JWKS cannot be loaded") from exc
        for jwk in keyset.get("keys") or []:
            if isinstance(jwk, dict) and jwk.get("kid") == kid:
                if jwk.get("alg") not in (None, alg):
                    raise CdsAuthError("JWT alg does not match the key's alg")
                if jwk.get("use") not in (None, "sig"):
                    raise CdsAuthError("the JWT's key is not a signing key")
                if jwk.get("kty") == "oct":
                    raise CdsAuthError("symmetric keys are not accepted")
                try:
                    return pyjwt.PyJWK(jwk, algorithm=alg).key
                except (PyJWKError, InvalidTokenError, ValueError) as exc:
                    raise CdsAuthError("the issuer's key cannot be used") from exc
        if issuer.jwks_url is None:
            break
    raise CdsAuthError("no key of the issuer has the JWT's kid")


class JwksCache:
    """JWKS per issuer: inline ones as configured, URL ones fetched and kept ``ttl`` seconds.

    A refresh (unknown ``kid``) is allowed at most once per ``min_refresh`` seconds per issuer,
    so forged kids cannot make the service hammer the issuer.
    """

    def __init__(self, transport: HttpTransport, *, ttl: float = 3600.0, min_refresh: float = 60.0,
                 timeout: float = 10.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._transport = transport
        self._ttl = ttl
        self._min_refresh = min_refresh
        self._timeout = timeout
        self._monotonic = monotonic
        self._cache: dict[str, tuple[float, Mapping[str, Any]]] = {}
        self._lock = threading.Lock()

    def __call__(self, issuer: TrustedIssuer, refresh: bool) -> Mapping[str, Any]:
        if issuer.jwks is not None:
            return issuer.jwks
        if issuer.jwks_url is None:
            raise ValueError(f"issuer {issuer.iss} has neither jwks nor jwks_url")
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(issuer.iss)
        if cached is not None:
            fetched_at, keyset = cached
            age = now - fetched_at
            if age < self._ttl and (not refresh or age < self._min_refresh):
                return keyset
        response = self._transport(issuer.jwks_url, {"Accept": "application/json"},
                                   self._timeout)
        if response.status != 200:
            raise OSError(f"JWKS URL answered HTTP {response.status}")
        keyset = json.loads(response.body)
        if not isinstance(keyset, dict) or not isinstance(keyset.get("keys"), list):
            raise ValueError("JWKS is not a JWK Set")
        with self._lock:
            self._cache[issuer.iss] = (now, keyset)
        return keyset
