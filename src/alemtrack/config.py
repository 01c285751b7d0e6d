"""Typed settings, read from ``ALEMTRACK_*`` environment variables (or a ``.env`` file).

Each setting has a description and a safe default; nothing here is read at import time by the
clinical core. ``Settings()`` is built once by the entry points and passed to ``bootstrap``.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Asymmetric JWS algorithms only: ``none`` and HMAC (HS*) cannot be configured for CDS Hooks.
CdsAlgorithm = Literal["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384",
                       "PS512", "EdDSA"]


class CdsIssuer(BaseModel):
    """A CDS client (EHR) trusted to call the CDS Hooks services, and where its keys are."""

    iss: str = Field(description="The JWT `iss` the client signs with.")
    jwks_url: str | None = Field(None, description="URL of its JWK Set (fetched, cached 1 h).")
    jwks: dict[str, Any] | None = Field(None, description="Its JWK Set inline, instead of a URL.")
    subjects: list[str] = Field(default_factory=list,
                                description="Accepted `sub` (client ids); empty: any.")
    fhir_servers: list[str] = Field(
        default_factory=list, description="FHIR base URLs this client may name as "
        "`fhirServer` (each allows that base and the URLs under it); alemtrack reads no other "
        "server and sends the client's access token nowhere else. Empty: nothing is fetched.")

    @field_validator("fhir_servers")
    @classmethod
    def _http_bases(cls, servers: list[str]) -> list[str]:
        for url in servers:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname \
                    or "@" in parts.netloc or parts.query or parts.fragment:
                raise ValueError(f"fhir_servers: {url!r} is not an http(s) base URL "
                                 "(no user info, query or fragment)")
        return servers

    @model_validator(mode="after")
    def _one_key_source(self) -> CdsIssuer:
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError(f"CDS issuer {self.iss}: give exactly one of jwks_url and jwks")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALEMTRACK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///alemtrack.db",
        description="SQLAlchemy URL. SQLite file by default; PostgreSQL with "
        "postgresql+psycopg://user:password@host/db.",
    )
    profile: Literal["eu", "us", "es2019"] = Field(
        "eu", description="Protocol profile used to evaluate patients."
    )
    demo: bool = Field(False, description="Demo mode: synthetic clinic, relaxed security.")
    max_body_bytes: int = Field(
        10 * 1024 * 1024, description="Largest request body accepted (bytes); larger gets 413."
    )
    site_name: str = Field("MS Centre", description="Name shown on screens and printed sheets.")
    audit_enabled: bool = Field(
        True, description="Record the audit trail (docs/audit.md). Turning it off is itself "
        "recorded, once by each process that starts with it off.")
    # -- security (docs/security.md) --
    session_minutes: int = Field(
        480, ge=5, le=24 * 60, description="Lifetime of a web session (minutes, absolute); "
        "logout ends it at once.")
    session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A web session unused for this long (minutes) is "
        "ended on the server; the next page asks to log in again.")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="Secure flag of the session cookie: `auto` sets it when the request "
        "came over https (behind a proxy: run uvicorn with --proxy-headers).")
    login_max_failures_user: int = Field(
        5, ge=1, description="Failed logins of one user name within the window that lock it.")
    login_max_failures_address: int = Field(
        20, ge=1, description="Failed logins from one client address within the window that "
        "lock that address.")
    login_window_minutes: int = Field(15, ge=1, description="Window of the failure counts.")
    login_lockout_minutes: int = Field(
        15, ge=1, description="How long a lock lasts after the last failed login.")
    token_days: int = Field(90, ge=1, le=365,
                            description="Default lifetime of a personal API token (days).")
    access_token_seconds: int = Field(
        300, ge=30, le=3600, description="Lifetime of an OAuth2 client access token.")
    oauth_token_url: str | None = Field(
        None, description="The token endpoint URL clients put in their assertion's `aud` "
        "(default: the URL the request reached, e.g. https://host/oauth/token).")
    # -- CDS Hooks (docs/cds-hooks.md) --
    cds_issuers: list[CdsIssuer] = Field(
        default_factory=list, description="Trusted CDS clients as JSON: "
        '[{"iss": "https://ehr.example.org", "jwks_url": "https://ehr.example.org/jwks"}]; '
        "a JWT from any other issuer is refused.")
    cds_algorithms: list[CdsAlgorithm] = Field(
        ["ES384", "RS384", "ES256", "RS256", "PS256", "PS384"],
        description="JWT signature algorithms accepted from CDS clients (asymmetric only).")
    cds_public_url: str | None = Field(
        None, description="Public base URL of alemtrack as the EHR calls it "
        "(https://alemtrack.example.org): the JWT `aud` must be <this>/cds-services/<id>, and "
        "card links point here. Default: the URL the request reached.")
    cds_require_jwt: bool = Field(
        True, description="Check the CDS client's JWT. Turning it off is honoured only in demo "
        "mode (demo=true); otherwise it stays on.")
    cds_fetch_timeout_seconds: float = Field(
        10.0, gt=0, le=120, description="Timeout of each read of the EHR's FHIR server and JWKS.")
