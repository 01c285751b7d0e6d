"""The ``AccountRepository`` port on one SQLAlchemy ``Session`` (one unit of work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alemtrack.errors import Conflict

from ..security_ports import ClientRecord, SessionRecord, TokenRecord, UserRecord
from .security_tables import ApiToken, LoginAttempt, OAuthClient, UsedAssertion, User, WebSession


def _user(row: User) -> UserRecord:
    return UserRecord(row.id, row.name, row.role, row.password_hash, row.disabled,
                      row.created_at)


def _token(row: ApiToken) -> TokenRecord:
    return TokenRecord(row.id, row.kind, row.user_id, row.client_id, row.name, row.created_at,
                       row.expires_at, row.revoked_at)


class SqlAccounts:
    def __init__(self, session: Session) -> None:
        self._s = session

    def _flush_or_conflict(self, message: str) -> None:
        try:
            self._s.flush()
        except IntegrityError:
            raise Conflict(message) from None

    # -- users -----------------------------------------------------------------------------------
    def user(self, name: str) -> UserRecord | None:
        row = self._s.scalar(select(User).where(User.name == name))
        return _user(row) if row else None

    def user_by_id(self, user_id: int) -> UserRecord | None:
        row = self._s.get(User, user_id)
        return _user(row) if row else None

    def users(self) -> list[UserRecord]:
        return [_user(r) for r in self._s.scalars(select(User).order_by(User.name))]

    def add_user(self, name: str, role: str, password_hash: str, at: datetime) -> UserRecord:
        if self._s.scalar(select(func.count()).select_from(User).where(User.name == name)):
            raise Conflict(f"user {name!r} exists already")
        row = User(name=name, role=role, password_hash=password_hash, disabled=False,
                   created_at=at, password_changed_at=at)
        self._s.add(row)
        self._flush_or_conflict(f"user {name!r} exists already")
        return _user(row)

    def set_password(self, user_id: int, password_hash: str, at: datetime) -> None:
        self._s.execute(update(User).where(User.id == user_id)
                        .values(password_hash=password_hash, password_changed_at=at))

    def set_disabled(self, user_id: int, disabled: bool) -> None:
        self._s.execute(update(User).where(User.id == user_id).values(disabled=disabled))

    def set_role(self, user_id: int, role: str) -> None:
        self._s.execute(update(User).where(User.id == user_id).values(role=role))

    # -- login attempts --------------------------------------------------------------------------
    def add_attempt(self, name: str, address: str, at: datetime, outcome: str) -> None:
        self._s.add(LoginAttempt(name=name[:64], address=address[:64], at=at, outcome=outcome))
        self._s.flush()

    def failures(self, *, name: str | None = None, address: str | None = None,
                 since: datetime) -> list[datetime]:
        query = select(LoginAttempt.at).where(LoginAttempt.outcome == "failed",
                                              LoginAttempt.at >= since)
        if name is not None:
            last_ok = self._s.scalar(select(func.max(LoginAttempt.at)).where(
                LoginAttempt.name == name, LoginAttempt.outcome == "success"))
            query = query.where(LoginAttempt.name == name)
            if last_ok is not None:
                query = query.where(LoginAttempt.at > last_ok)
        if address is not None:
            query = query.where(LoginAttempt.address == address)
        return list(self._s.scalars(query.order_by(LoginAttempt.at)))

    # -- web sessions ----------------------------------------------------------------------------
    def add_session(self, session_id: str, user_id: int, csrf: str, at: datetime,
                    expires_at: datetime) -> None:
        self._s.add(WebSession(id=session_id, user_id=user_id, csrf=csrf, created_at=at,
                               expires_at=expires_at, revoked_at=None, last_seen_at=at))
        self._s.flush()

    def session(self, session_id: str) -> SessionRecord | None:
        row = self._s.get(WebSession, session_id)
        if row is None:
            return None
        return SessionRecord(row.id, row.user_id, row.csrf, row.created_at, row.expires_at,
                             row.revoked_at, row.last_seen_at)

    def touch_session(self, session_id: str, at: datetime, *, older_than: datetime) -> None:
        # The condition is in the UPDATE: concurrent requests of one session write once.
        self._s.execute(update(WebSession).where(
            WebSession.id == session_id, WebSession.revoked_at.is_(None),
            or_(WebSession.last_seen_at.is_(None), WebSession.last_seen_at <= older_than))
            .values(last_seen_at=at))

    def revoke_session(self, session_id: str, at: datetime) -> None:
        self._s.execute(update(WebSession).where(WebSession.id == session_id,
                                                 WebSession.revoked_at.is_(None))
                        .values(revoked_at=at))

    def revoke_user_sessions(self, user_id: int, at: datetime) -> int:
        result = self._s.execute(update(WebSession).where(WebSession.user_id == user_id,
                                                          WebSession.revoked_at.is_(None))
                                 .values(revoked_at=at))
        return int(getattr(result, "rowcount", 0) or 0)

    # -- tokens ----------------------------------------------------------------------------------
    def add_token(self, digest: str, *, kind: str, user_id: int | None, client_id: str | None,
                  name: str, at: datetime, expires_at: datetime) -> int:
        row = ApiToken(digest=digest, kind=kind, user_id=user_id, client_id=client_id,
                       name=name, created_at=at, expires_at=expires_at, revoked_at=None)
        self._s.add(row)
        self._s.flush()
        return row.id

    def token(self, digest: str) -> TokenRecord | None:
        row = self._s.scalar(select(ApiToken).where(ApiToken.digest == digest))
        return _token(row) if row else None

    def token_by_id(self, token_id: int) -> TokenRecord | None:
        row = self._s.get(ApiToken, token_id)
        return _token(row) if row else None

    def tokens(self, user_id: int | None = None) -> list[TokenRecord]:
        query = select(ApiToken).where(ApiToken.kind == "personal")
        if user_id is not None:
            query = query.where(ApiToken.user_id == user_id)
        return [_token(r) for r in self._s.scalars(query.order_by(ApiToken.id))]

    def revoke_token(self, token_id: int, at: datetime) -> None:
        self._s.execute(update(ApiToken).where(ApiToken.id == token_id,
                                               ApiToken.revoked_at.is_(None))
                        .values(revoked_at=at))

    def revoke_user_tokens(self, user_id: int, at: datetime) -> int:
        result = self._s.execute(update(ApiToken).where(ApiToken.user_id == user_id,
                                                        ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=at))
        return int(getattr(result, "rowcount", 0) or 0)

    # -- OAuth2 clients --------------------------------------------------------------------------
    def add_client(self, client_id: str, role: str, jwks: dict[str, Any],
                   at: datetime) -> None:
        if self._s.get(OAuthClient, client_id) is not None:
            raise Conflict(f"client {client_id!r} exists already")
        self._s.add(OAuthClient(client_id=client_id, role=role, jwks=jwks, disabled=False,
                                created_at=at))
        self._flush_or_conflict(f"client {client_id!r} exists already")

    def client(self, client_id: str) -> ClientRecord | None:
        row = self._s.get(OAuthClient, client_id)
        if row is None:
            return None
        return ClientRecord(row.client_id, row.role, dict(row.jwks), row.disabled,
                            row.created_at)

    def set_client_disabled(self, client_id: str, disabled: bool) -> None:
        self._s.execute(update(OAuthClient).where(OAuthClient.client_id == client_id)
                        .values(disabled=disabled))

    def use_jti(self, client_id: str, jti: str, expires_at: datetime, now: datetime) -> bool:
        self._s.execute(delete(UsedAssertion).where(UsedAssertion.expires_at < now))
        seen = self._s.get(UsedAssertion, (client_id, jti))
        if seen is not None:
            return False
        self._s.add(UsedAssertion(client_id=client_id, jti=jti, expires_at=expires_at))
        # A concurrent request with the same jti loses on the primary key: a replay too.
        self._flush_or_conflict("assertion jti already used")
        return True
