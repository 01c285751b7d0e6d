"""Who may use alemtrack and how they prove it: users and roles, the role x action matrix,
password login with throttling, web sessions, personal bearer tokens and OAuth2 clients
(client credentials with RFC 7523 ``private_key_jwt`` assertions).

Framework-free: the REST API (``api/security.py``), the web UI (``web/auth.py``) and the CLI
(``cli/users.py``) all go through ``Accounts``; the matrix below is the one authority on who
may do what (docs/security.md renders it as a table, a test keeps the two equal).

Secrets: passwords are Argon2id hashes (argon2-cffi defaults); session cookies, personal tokens
and client access tokens are 256-bit random values of which only the SHA-256 digest is stored,
so a copy of the database gives no usable credential.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from alemtrack.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unauthenticated,
    ValidationError,
)
from alemtrack.store.ports import UnitOfWork, UnitOfWorkFactory
from alemtrack.store.security_ports import TokenRecord, UserRecord

# ---- roles and the role x action matrix ------------------------------------------------------

ROLES: tuple[str, ...] = ("admin", "neurologist", "nurse", "pharmacist", "viewer")
SYSTEM = "system"  # the role OAuth2 clients (EHR, laboratory systems) usually get
ALL_ROLES: tuple[str, ...] = (*ROLES, SYSTEM)

ROLE_DESCRIPTIONS: dict[str, str] = {
    "admin": "IT / programme administrator: users, tokens, clients, profile, audit, imports",
    "neurologist": "treating neurologist: every clinical action, resolves alerts",
    "nurse": "MS nurse: enters results, infusion days, checklists; acknowledges alerts",
    "pharmacist": "pharmacist: reads records and plans, exports schedules",
    "viewer": "read-only access (e.g. a monitor or a trainee)",
    SYSTEM: "a registered system (OAuth2 client): imports, exports, CDS Hooks",
}

_EVERYONE = frozenset(ALL_ROLES)
_CLINICAL = frozenset({"neurologist", "nurse"})

# action -> the roles allowed. Every action of api/security.ACTIONS has a row (tested).
MATRIX: dict[str, frozenset[str]] = {
    "health.read": _EVERYONE,
    "patient.list": _EVERYONE,
    "patient.read": _EVERYONE,
    "patient.evaluate": frozenset({"admin", "neurologist", "nurse"}),
    "entry.lab": _CLINICAL,
    "entry.clinical": _CLINICAL,
    "infusion.record": _CLINICAL,
    "alert.read": _EVERYONE,
    "alert.acknowledge": _CLINICAL,
    "alert.resolve": frozenset({"neurologist"}),
    "worklist.read": _EVERYONE,
    "import.fhir": frozenset({"admin", "neurologist", SYSTEM}),
    "import.lab-feed": frozenset({"admin", "neurologist", "nurse", SYSTEM}),
    "export.fhir": frozenset({"admin", "neurologist", SYSTEM}),
    "export.calendar": frozenset({"neurologist", "nurse", "pharmacist"}),
    "cds.invoke": frozenset({SYSTEM}),
    "rules.read": _EVERYONE,
    "profile.change": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
}


def permitted(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` (unknown actions: nobody)."""
    return role in MATRIX.get(action, frozenset())


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller: a user (session or personal token) or a system client."""

    name: str
    role: str  # admin | neurologist | nurse | pharmacist | viewer | system
    kind: str  # session | token | client


def require(actor: Actor, action: str) -> Actor:
    """``actor`` if its role may perform ``action``; ``Forbidden`` otherwise."""
    if not permitted(actor.role, action):
        raise Forbidden(f"role {actor.role!r} may not perform {action!r}")
    return actor


# ---- policy -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecurityPolicy:
    """Limits of authentication (documented in docs/security.md; set from ``Settings``)."""

    session_minutes: int = 8 * 60  # absolute lifetime of a web session
    session_idle_minutes: int = 30  # a session unused this long is ended
    session_touch_seconds: int = 60  # last activity is written at most this often
    max_failures_per_user: int = 5  # failed logins of one user name ...
    max_failures_per_address: int = 20  # ... or from one client address ...
    failure_window_minutes: int = 15  # ... within this window lock it ...
    lockout_minutes: int = 15  # ... for this long after the last failure
    token_days: int = 90  # default lifetime of a personal token
    token_max_days: int = 365
    access_token_seconds: int = 300  # OAuth2 client access tokens
    assertion_max_seconds: int = 300  # longest accepted JWT assertion lifetime (exp - now)
    min_password_length: int = 12


# Asymmetric only: an HMAC "secret" would have to be stored, and "none" signs nothing.
ASSERTION_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                        "ES512", "EdDSA")
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
USER_NAME = re.compile(r"[A-Za-z0-9._@+-]{1,64}")
CLIENT_ID = re.compile(r"[A-Za-z0-9._:@+-]{1,100}")
PERSONAL_PREFIX = "atp_"
CLIENT_PREFIX = "atc_"

AuditHook = Callable[..., None]
"""``audit(event, *, actor, outcome, address=None, detail=None)``: one security event."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _no_audit(event: str, **fields: Any) -> None:
    return None


class SessionEnded(Unauthenticated):
    """A session that was live has ended by itself: ``reason`` is ``idle`` (unused longer than
    the idle timeout) or ``expired`` (its absolute lifetime is over); the login page says so."""

    def __init__(self, message: str, *, reason: str) -> None:
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class UserInfo:
    name: str
    role: str
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    user: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class WebLogin:
    """A new web session: the cookie value (shown to the browser only) and its CSRF token."""

    cookie: str
    csrf: str
    actor: Actor
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WebSessionView:
    actor: Actor
    csrf: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class AccessToken:
    token: str
    expires_in: int
    client_id: str


class Accounts:
    """Users, credentials and sessions on the store's unit of work."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        policy: SecurityPolicy | None = None,
        now: Callable[[], datetime] | None = None,
        audit: AuditHook | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self._uow = uow
        self.policy = policy or SecurityPolicy()
        self._now = now or (lambda: datetime.now(UTC))
        # AUDIT: services/audit.py (issue 5 item 3) records these events; wired by bootstrap.
        self._audit: AuditHook = audit or _no_audit
        self._hasher = hasher or PasswordHasher()
        # Verified when the user name is unknown, so both answers take as long.
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))

    def set_audit(self, audit: AuditHook) -> None:
        """Route security events to the audit trail (called by the composition root)."""
        self._audit = audit

    # -- users ---------------------------------------------------------------------------------
    def _check_password(self, password: str) -> None:
        if len(password) < self.policy.min_password_length:
            raise ValidationError([FieldError(
                "password", f"at least {self.policy.min_password_length} characters")])
        if len(password) > 1024:
            raise ValidationError([FieldError("password", "at most 1024 characters")])

    @staticmethod
    def _check_name(name: str) -> None:
        if not USER_NAME.fullmatch(name):
            raise ValidationError([FieldError(
                "name", "1-64 letters, digits or . _ @ + - (a user name)")])

    @staticmethod
    def _check_role(role: str, allowed: Sequence[str] = ROLES) -> None:
        if role not in allowed:
            raise ValidationError([FieldError("role", f"one of {', '.join(allowed)}")])

    @staticmethod
    def _user_or_404(uow: UnitOfWork, name: str) -> UserRecord:
        user = uow.accounts.user(name)
        if user is None:
            raise NotFound(f"no user {name!r}")
        return user

    def add_user(self, name: str, role: str, password: str | None = None, *,
                 by: str) -> tuple[UserInfo, str]:
        """Create a user; the password (generated when not given) is returned once."""
        self._check_name(name)
        self._check_role(role)
        password = password if password is not None else generate_password()
        self._check_password(password)
        now = self._now()
        with self._uow() as uow:
            user = uow.accounts.add_user(name, role, self._hasher.hash(password), now)
            uow.commit()
        self._audit("user.add", actor=by, outcome="success", detail=f"{name} as {role}")
        return UserInfo(user.name, user.role, user.disabled, user.created_at), password

    def users(self) -> list[UserInfo]:
        with self._uow() as uow:
            return [UserInfo(u.name, u.role, u.disabled, u.created_at)
                    for u in uow.accounts.users()]

    def user(self, name: str) -> UserInfo:
        with self._uow() as uow:
            u = self._user_or_404(uow, name)
            return UserInfo(u.name, u.role, u.disabled, u.created_at)

    def set_disabled(self, name: str, disabled: bool, *, by: str) -> None:
        """Disable (or enable) a user; disabling ends its sessions and revokes its tokens."""
        now = self._now()
        with self._uow() as uow:
            user = self._user_or_404(uow, name)
            uow.accounts.set_disabled(user.id, disabled)
            if disabled:
                uow.accounts.revoke_user_sessions(user.id, now)
                uow.accounts.revoke_user_tokens(user.id, now)
            uow.commit()
        self._audit("user.disable" if disabled else "user.enable", actor=by,
                    outcome="success", detail=name)

    def set_role(self, name: str, role: str, *, by: str) -> None:
        self._check_role(role)
        with self._uow() as uow:
            user = self._user_or_404(uow, name)
            uow.accounts.set_role(user.id, role)
            uow.commit()
        self._audit("user.role", actor=by, outcome="success", detail=f"{name} as {role}")

    def reset_password(self, name: str, password: str | None = None, *, by: str) -> str:
        """Set a new password (generated when not given, returned once); ends the user's web
        sessions."""
        password = password if password is not None else generate_password()
        self._check_password(password)
        now = self._now()
        with self._uow() as uow:
            user = self._user_or_404(uow, name)
            uow.accounts.set_password(user.id, self._hasher.hash(password), now)
            uow.accounts.revoke_user_sessions(user.id, now)
            uow.commit()
        self._audit("user.reset-password", actor=by, outcome="success", detail=name)
        return password

    # -- login ---------------------------------------------------------------------------------
    def _locked_until(self, failures: list[datetime], limit: int) -> datetime | None:
        """The end of the lockout when ``limit`` failures fell within one window."""
        window = timedelta(minutes=self.policy.failure_window_minutes)
        lockout = timedelta(minutes=self.policy.lockout_minutes)
        until: datetime | None = None
        for i in range(limit - 1, len(failures)):
            if failures[i] - failures[i - limit + 1] <= window:
                end = failures[i] + lockout
                until = end if until is None or end > until else until
        return until

    def login(self, name: str, password: str, *, address: str) -> WebLogin:
        """Check the password and open a web session; ``Unauthenticated`` (one message for
        every wrong part) when refused, with ``retry_after`` when throttled."""
        now = self._now()
        name = name.strip()[:64]
        address = (address or "unknown")[:64]
        horizon = now - timedelta(minutes=self.policy.failure_window_minutes
                                  + self.policy.lockout_minutes)
        with self._uow() as uow:
            repo = uow.accounts
            locks = [u for u in (
                self._locked_until(repo.failures(name=name, since=horizon),
                                   self.policy.max_failures_per_user),
                self._locked_until(repo.failures(address=address, since=horizon),
                                   self.policy.max_failures_per_address),
            ) if u is not None and u > now]
            if locks:
                repo.add_attempt(name, address, now, "locked")
                uow.commit()
                wait = int((max(locks) - now).total_seconds()) + 1
                self._audit("login", actor=name, outcome="locked", address=address)
                raise Unauthenticated(
                    f"too many failed logins; try again in {-(-wait // 60)} minute(s)",
                    retry_after=wait)
            user = repo.user(name) if USER_NAME.fullmatch(name) else None
            ok = self._verify(user.password_hash if user else self._dummy_hash, password)
            if user is None or user.disabled or not ok:
                repo.add_attempt(name, address, now, "failed")
                uow.commit()
                self._audit("login", actor=name, outcome="failed", address=address)
                raise Unauthenticated("user name or password is wrong")
            if self._hasher.check_needs_rehash(user.password_hash):
                repo.set_password(user.id, self._hasher.hash(password), now)
            repo.add_attempt(name, address, now, "success")
            cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            expires = now + timedelta(minutes=self.policy.session_minutes)
            repo.add_session(_digest(cookie), user.id, csrf, now, expires)
            uow.commit()
        self._audit("login", actor=name, outcome="success", address=address)
        return WebLogin(cookie, csrf, Actor(user.name, user.role, "session"), expires)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def session(self, cookie: str | None) -> WebSessionView:
        """The live session of a cookie value; ``Unauthenticated`` when absent, unknown,
        revoked or its user disabled, ``SessionEnded`` when past its absolute lifetime or idle
        for the idle timeout (then also ended on the server). Records the activity, at most
        once per ``session_touch_seconds``."""
        if not cookie or len(cookie) > 200:
            raise Unauthenticated("log in first")
        now = self._now()
        idle = timedelta(minutes=self.policy.session_idle_minutes)
        with self._uow() as uow:
            record = uow.accounts.session(_digest(cookie))
            if record is None or record.revoked_at is not None:
                raise Unauthenticated("the session has ended; log in again")
            user = uow.accounts.user_by_id(record.user_id)
            if user is None or user.disabled:
                raise Unauthenticated("the session has ended; log in again")
            if record.expires_at <= now:
                raise SessionEnded(
                    f"the session reached its {self.policy.session_minutes}-minute limit; "
                    "log in again", reason="expired")
            last_seen = record.last_seen_at or record.created_at
            if now - last_seen >= idle:
                # Ended on the server, not only refused: the cookie can never come back.
                uow.accounts.revoke_session(record.id, now)
                uow.commit()
                self._audit("logout", actor=user.name, outcome="success",
                            detail=f"session idle for {self.policy.session_idle_minutes} "
                                   "minutes or more")
                raise SessionEnded(
                    f"the session was unused for {self.policy.session_idle_minutes} minutes "
                    "and has ended; log in again", reason="idle")
            touch = timedelta(seconds=self.policy.session_touch_seconds)
            if now - last_seen >= touch:  # at most one write a minute per session
                uow.accounts.touch_session(record.id, now, older_than=now - touch)
                uow.commit()
            return WebSessionView(Actor(user.name, user.role, "session"), record.csrf,
                                  record.expires_at)

    def logout(self, cookie: str | None, *, address: str | None = None) -> None:
        """End the session (server side: the cookie is worthless afterwards)."""
        if not cookie or len(cookie) > 200:
            return
        now = self._now()
        with self._uow() as uow:
            record = uow.accounts.session(_digest(cookie))
            if record is None:
                return
            user = uow.accounts.user_by_id(record.user_id)
            uow.accounts.revoke_session(record.id, now)
            uow.commit()
        self._audit("logout", actor=user.name if user else "?", outcome="success",
                    address=address)

    # -- personal tokens -----------------------------------------------------------------------
    def create_token(self, user_name: str, name: str, *, days: int | None = None,
                     by: str) -> tuple[TokenInfo, str]:
        """A personal bearer token for ``user_name``; the secret is returned once."""
        days = self.policy.token_days if days is None else days
        if not 1 <= days <= self.policy.token_max_days:
            raise ValidationError([FieldError(
                "days", f"1 to {self.policy.token_max_days} days")])
        label = name.strip()[:100] or "token"
        now = self._now()
        secret = PERSONAL_PREFIX + secrets.token_urlsafe(32)
        with self._uow() as uow:
            user = self._user_or_404(uow, user_name)
            if user.disabled:
                raise Conflict(f"user {user_name!r} is disabled")
            expires = now + timedelta(days=days)
            token_id = uow.accounts.add_token(_digest(secret), kind="personal", user_id=user.id,
                                              client_id=None, name=label, at=now,
                                              expires_at=expires)
            uow.commit()
        self._audit("token.create", actor=by, outcome="success",
                    detail=f"token {token_id} for {user_name}")
        return TokenInfo(token_id, user_name, label, now, expires, None), secret

    def tokens(self, user_name: str | None = None) -> list[TokenInfo]:
        with self._uow() as uow:
            user_id = self._user_or_404(uow, user_name).id if user_name else None
            names = {u.id: u.name for u in uow.accounts.users()}
            return [self._token_info(t, names) for t in uow.accounts.tokens(user_id)]

    @staticmethod
    def _token_info(t: TokenRecord, names: Mapping[int, str]) -> TokenInfo:
        return TokenInfo(t.id, names.get(t.user_id or 0, "?"), t.name, t.created_at,
                         t.expires_at, t.revoked_at)

    def revoke_token(self, token_id: int, *, by: str) -> None:
        now = self._now()
        with self._uow() as uow:
            token = uow.accounts.token_by_id(token_id)
            if token is None or token.kind != "personal":
                raise NotFound(f"no personal token {token_id}")
            uow.accounts.revoke_token(token_id, now)
            uow.commit()
        self._audit("token.revoke", actor=by, outcome="success", detail=f"token {token_id}")

    def bearer(self, token: str | None) -> Actor:
        """The actor behind a bearer token (personal or client access token)."""
        if not token or len(token) > 200:
            raise Unauthenticated("a bearer token is required (Authorization: Bearer ...)")
        now = self._now()
        with self._uow() as uow:
            record = uow.accounts.token(_digest(token))
            if record is None or record.revoked_at is not None or record.expires_at <= now:
                raise Unauthenticated("the bearer token is unknown, expired or revoked")
            if record.kind == "client" and record.client_id:
                client = uow.accounts.client(record.client_id)
                if client is None or client.disabled:
                    raise Unauthenticated("the client is disabled")
                return Actor(f"client:{client.client_id}", client.role, "client")
            user = uow.accounts.user_by_id(record.user_id or 0)
            if user is None or user.disabled:
                raise Unauthenticated("the bearer token's user is disabled")
            return Actor(user.name, user.role, "token")

    # -- OAuth2 clients (RFC 7523 private_key_jwt) -----------------------------------------------
    def add_client(self, client_id: str, role: str, jwks: Mapping[str, Any], *,
                   by: str) -> None:
        """Register a system with its public keys (a JWKS: RSA, EC or OKP keys, no private
        or symmetric key)."""
        if not CLIENT_ID.fullmatch(client_id):
            raise ValidationError([FieldError("client_id", "1-100 letters, digits or ._:@+-")])
        self._check_role(role, ALL_ROLES)
        clean = validate_jwks(jwks)
        with self._uow() as uow:
            uow.accounts.add_client(client_id, role, clean, self._now())
            uow.commit()
        self._audit("client.add", actor=by, outcome="success", detail=f"{client_id} as {role}")

    def set_client_disabled(self, client_id: str, disabled: bool, *, by: str) -> None:
        with self._uow() as uow:
            if uow.accounts.client(client_id) is None:
                raise NotFound(f"no client {client_id!r}")
            uow.accounts.set_client_disabled(client_id, disabled)
            uow.commit()
        self._audit("client.disable" if disabled else "client.enable", actor=by,
                    outcome="success", detail=client_id)

    def client_token(self, assertion: str, *, audiences: Sequence[str],
                     address: str | None = None) -> AccessToken:
        """Exchange a signed JWT assertion for a short-lived access token. Checks: asymmetric
        ``alg``, a registered and enabled client (``iss`` = ``sub`` = client id), the signature
        with one of its keys, ``aud`` naming this token endpoint, ``exp`` present and near,
        ``jti`` never seen before. Any failure: ``Unauthenticated``."""
        now = self._now()
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise Unauthenticated("the client assertion is not a JWT") from None
        alg = header.get("alg")
        if alg not in ASSERTION_ALGORITHMS:
            raise Unauthenticated("the client assertion must be signed with an asymmetric "
                                  f"algorithm ({', '.join(ASSERTION_ALGORITHMS)})")
        client_id = unverified.get("iss")
        if not isinstance(client_id, str) or unverified.get("sub") != client_id:
            raise Unauthenticated("the assertion's iss and sub must both be the client id")
        with self._uow() as uow:
            client = uow.accounts.client(client_id)
            if client is None or client.disabled:
                self._audit("client.token", actor=f"client:{client_id}"[:100],
                            outcome="failed", address=address)
                raise Unauthenticated("unknown or disabled client")
            claims = self._verify_assertion(assertion, alg, header.get("kid"), client.jwks,
                                            audiences)
            exp = datetime.fromtimestamp(int(claims["exp"]), UTC)
            if exp - now > timedelta(seconds=self.policy.assertion_max_seconds + 30):
                raise Unauthenticated("the assertion lives too long; exp at most "
                                      f"{self.policy.assertion_max_seconds} s ahead")
            jti = claims["jti"]
            if not isinstance(jti, str) or not 1 <= len(jti) <= 200:
                raise Unauthenticated("the assertion's jti must be a string of 1-200 characters")
            try:
                fresh = uow.accounts.use_jti(client_id, jti, exp + timedelta(seconds=60), now)
            except Conflict:
                fresh = False
            if not fresh:
                raise Unauthenticated("the assertion was used already (jti replay)")
            token = CLIENT_PREFIX + secrets.token_urlsafe(32)
            seconds = self.policy.access_token_seconds
            uow.accounts.add_token(_digest(token), kind="client", user_id=None,
                                   client_id=client_id, name="oauth2 access token", at=now,
                                   expires_at=now + timedelta(seconds=seconds))
            uow.commit()
        self._audit("client.token", actor=f"client:{client_id}", outcome="success",
                    address=address)
        return AccessToken(token, seconds, client_id)

    @staticmethod
    def _verify_assertion(assertion: str, alg: str, kid: Any, jwks: Mapping[str, Any],
                          audiences: Sequence[str]) -> dict[str, Any]:
        keys = [k for k in jwks.get("keys", []) if kid is None or k.get("kid") == kid]
        if not keys:
            raise Unauthenticated("no registered key of the client matches the assertion's kid")
        for jwk in keys:
            try:
                key = jwt.PyJWK.from_dict(dict(jwk), algorithm=alg)
                claims: dict[str, Any] = jwt.decode(
                    assertion, key.key, algorithms=[alg], audience=list(audiences), leeway=30,
                    options={"require": ["iss", "sub", "aud", "exp", "jti"]})
            except jwt.ExpiredSignatureError:
                raise Unauthenticated("the client assertion has expired") from None
            except jwt.InvalidAudienceError:
                raise Unauthenticated("the assertion's aud is not this token endpoint") from None
            except jwt.MissingRequiredClaimError as exc:
                raise Unauthenticated(f"the assertion lacks the {exc.claim} claim") from None
            except (jwt.PyJWTError, ValueError, TypeError):
                continue  # another key of the set may verify it
            return claims
        raise Unauthenticated("the assertion's signature does not verify")


def validate_jwks(jwks: Mapping[str, Any]) -> dict[str, Any]:
    """A client's public key set, checked: asymmetric public keys only, each usable."""
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not keys:
        raise ValidationError([FieldError("jwks", "a JWKS: {\"keys\": [ ... ]}")])
    clean = []
    for i, key in enumerate(keys):
        if not isinstance(key, Mapping) or key.get("kty") not in ("RSA", "EC", "OKP"):
            raise ValidationError([FieldError(f"jwks.keys[{i}]",
                                              "kty must be RSA, EC or OKP (no shared secret)")])
        if "d" in key or "p" in key:
            raise ValidationError([FieldError(f"jwks.keys[{i}]",
                                              "a private key: register the public key only")])
        try:
            jwt.PyJWK.from_dict(dict(key))
        except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
            raise ValidationError([FieldError(f"jwks.keys[{i}]", f"unusable key: {exc}")]) \
                from None
        clean.append(dict(key))
    return {"keys": clean}


def generate_password() -> str:
    """A random password of 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)


__all__ = [
    "ALL_ROLES",
    "ASSERTION_ALGORITHMS",
    "ASSERTION_TYPE",
    "MATRIX",
    "ROLES",
    "SYSTEM",
    "AccessToken",
    "Accounts",
    "Actor",
    "SecurityPolicy",
    "SessionEnded",
    "TokenInfo",
    "UserInfo",
    "WebLogin",
    "WebSessionView",
    "generate_password",
    "permitted",
    "require",
    "validate_jwks",
]
