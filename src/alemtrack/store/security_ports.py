"""The store port of the security part: users, login attempts, web sessions, bearer tokens,
OAuth2 clients and the JWT replay cache.

``UnitOfWork.accounts`` is an ``AccountRepository``; secrets never reach the store in clear:
passwords as Argon2 hashes, session ids and tokens as SHA-256 digests of random values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    name: str
    role: str
    password_hash: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SessionRecord:
    id: str  # SHA-256 of the cookie value
    user_id: int
    csrf: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_seen_at: datetime | None = None  # last recorded activity (idle timeout)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    kind: str  # personal | client
    user_id: int | None
    client_id: str | None
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ClientRecord:
    client_id: str
    role: str
    jwks: dict[str, Any]
    disabled: bool
    created_at: datetime


class AccountRepository(Protocol):
    # users
    def user(self, name: str) -> UserRecord | None: ...

    def user_by_id(self, user_id: int) -> UserRecord | None: ...

    def users(self) -> list[UserRecord]: ...

    def add_user(self, name: str, role: str, password_hash: str, at: datetime) -> UserRecord:
        """Raises ``Conflict`` when the name is taken."""
        ...

    def set_password(self, user_id: int, password_hash: str, at: datetime) -> None: ...

    def set_disabled(self, user_id: int, disabled: bool) -> None: ...

    def set_role(self, user_id: int, role: str) -> None: ...

    # login attempts (throttling)
    def add_attempt(self, name: str, address: str, at: datetime, outcome: str) -> None: ...

    def failures(self, *, name: str | None = None, address: str | None = None,
                 since: datetime) -> list[datetime]:
        """Times of failed attempts since ``since`` (for ``name``: only after its last
        success), oldest first."""
        ...

    # web sessions
    def add_session(self, session_id: str, user_id: int, csrf: str, at: datetime,
                    expires_at: datetime) -> None: ...

    def session(self, session_id: str) -> SessionRecord | None: ...

    def touch_session(self, session_id: str, at: datetime, *, older_than: datetime) -> None:
        """Record activity: ``last_seen_at = at`` when the last recorded activity is at or
        before ``older_than`` (so that busy sessions do not write at every request)."""
        ...

    def revoke_session(self, session_id: str, at: datetime) -> None: ...

    def revoke_user_sessions(self, user_id: int, at: datetime) -> int: ...

    # bearer tokens (personal and OAuth2 client access tokens)
    def add_token(self, digest: str, *, kind: str, user_id: int | None, client_id: str | None,
                  name: str, at: datetime, expires_at: datetime) -> int: ...

    def token(self, digest: str) -> TokenRecord | None: ...

    def token_by_id(self, token_id: int) -> TokenRecord | None: ...

    def tokens(self, user_id: int | None = None) -> list[TokenRecord]: ...

    def revoke_token(self, token_id: int, at: datetime) -> None: ...

    def revoke_user_tokens(self, user_id: int, at: datetime) -> int: ...

    # OAuth2 clients
    def add_client(self, client_id: str, role: str, jwks: dict[str, Any],
                   at: datetime) -> None:
        """Raises ``Conflict`` when the client id is taken."""
        ...

    def client(self, client_id: str) -> ClientRecord | None: ...

    def set_client_disabled(self, client_id: str, disabled: bool) -> None: ...

    def use_jti(self, client_id: str, jti: str, expires_at: datetime, now: datetime) -> bool:
        """Remember an assertion's ``jti`` until it expires; False if it was seen already."""
        ...


__all__ = ["AccountRepository", "ClientRecord", "SessionRecord", "TokenRecord", "UserRecord"]
