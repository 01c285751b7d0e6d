"""``alemtrack user``, ``alemtrack token`` and ``alemtrack client``: manage who may log in and
call the API, on the configured database (``ALEMTRACK_DATABASE_URL``).

    alemtrack user add NAME --role nurse [--password-stdin]
    alemtrack user list | disable NAME | enable NAME | reset-password NAME [--password-stdin]
    alemtrack token create NAME [--label scripts] [--days 90]
    alemtrack token list [NAME] | revoke TOKEN_ID
    alemtrack client add CLIENT_ID --jwks keys.json | --public-key key.pem [--role system]
    alemtrack client disable CLIENT_ID

Generated passwords and new tokens are printed once and never stored in clear. Whoever runs
the command is recorded as ``cli:<OS user>`` in the audit trail: access to this command line is
access to the database, so it is the administrator's tool (docs/security.md).
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import jwt
import typer
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from rich.console import Console
from rich.table import Table

from alemtrack import bootstrap
from alemtrack.config import Settings
from alemtrack.errors import AlemtrackError
from alemtrack.services.accounts import ALL_ROLES, ROLES, SYSTEM, Accounts

from .common import fail


def _by() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (containers)
        return "cli:unknown"


@contextmanager
def _accounts() -> Iterator[Accounts]:
    settings = Settings()  # values come from the environment
    clinic = None
    try:
        bootstrap.upgrade_database(settings.database_url)
        clinic = bootstrap.build_clinic(settings)
        yield bootstrap.build_accounts(clinic, settings)
    except AlemtrackError as exc:
        fail(str(exc))
    finally:
        if clinic is not None:
            clinic.close()


def _read_password(from_stdin: bool) -> str | None:
    if not from_stdin:
        return None
    return sys.stdin.readline().rstrip("\r\n")


def _load_jwks(jwks: Path | None, public_key: Path | None) -> dict[str, Any]:
    if (jwks is None) == (public_key is None):
        fail("give exactly one of --jwks and --public-key")
    try:
        if jwks is not None:
            data = json.loads(jwks.read_text("utf-8"))
            return data if isinstance(data, dict) else {}
        assert public_key is not None
        pem = public_key.read_bytes()
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"cannot read the key: {exc}")
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        fail("--public-key: a PEM public key (RSA or EC; never the private key)")
    if isinstance(key, rsa.RSAPublicKey):
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True)
    elif isinstance(key, ec.EllipticCurvePublicKey):
        jwk = jwt.algorithms.ECAlgorithm.to_jwk(key, as_dict=True)
    else:
        fail("--public-key: an RSA or EC public key")
    return {"keys": [jwk]}


def register(app: typer.Typer) -> None:
    """Add ``user``, ``token`` and ``client`` to the ``alemtrack`` application."""
    user = typer.Typer(help="Users and their roles (admin, neurologist, nurse, pharmacist, "
                            "viewer).", no_args_is_help=True)
    token = typer.Typer(help="Personal API tokens (bearer tokens for scripts).",
                        no_args_is_help=True)
    client = typer.Typer(help="OAuth2 clients (systems with a key pair, RFC 7523).",
                         no_args_is_help=True)

    @user.command("add")
    def user_add(
        name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ + -).")],
        role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")],
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Read the password from standard input (at least 12 "
            "characters); otherwise one is generated and printed once.")] = False,
    ) -> None:
        """Create a user."""
        password = _read_password(password_stdin)
        with _accounts() as accounts:
            try:
                info, secret = accounts.add_user(name, role, password, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: user {info.name} ({info.role}) created")
        if password is None:
            typer.echo(f"password (shown once): {secret}")

    @user.command("list")
    def user_list() -> None:
        """Every user with its role and state."""
        with _accounts() as accounts:
            rows = accounts.users()
        table = Table("user", "role", "state", "created (UTC)")
        for u in rows:
            table.add_row(u.name, u.role, "disabled" if u.disabled else "active",
                          u.created_at.strftime("%Y-%m-%d %H:%M"))
        Console().print(table)

    @user.command("disable")
    def user_disable(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
        """Disable a user: its sessions end and its tokens are revoked at once."""
        with _accounts() as accounts:
            try:
                accounts.set_disabled(name, True, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: user {name} disabled; sessions ended, tokens revoked")

    @user.command("enable")
    def user_enable(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
        """Enable a disabled user again (revoked tokens stay revoked)."""
        with _accounts() as accounts:
            try:
                accounts.set_disabled(name, False, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: user {name} enabled")

    @user.command("reset-password")
    def user_reset(
        name: Annotated[str, typer.Argument(help="User name.")],
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Read the new password from standard input; otherwise "
            "one is generated and printed once.")] = False,
    ) -> None:
        """Give a user a new password; its web sessions end."""
        password = _read_password(password_stdin)
        with _accounts() as accounts:
            try:
                secret = accounts.reset_password(name, password, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: password of {name} reset; sessions ended")
        if password is None:
            typer.echo(f"password (shown once): {secret}")

    @token.command("create")
    def token_create(
        name: Annotated[str, typer.Argument(help="The user the token acts as.")],
        label: Annotated[str, typer.Option(help="What the token is for.")] = "script",
        days: Annotated[int | None, typer.Option(
            help="Lifetime in days (default 90, at most 365).")] = None,
    ) -> None:
        """Create a personal bearer token; printed once (only its digest is stored)."""
        with _accounts() as accounts:
            try:
                info, secret = accounts.create_token(name, label, days=days, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: token {info.id} for {info.user} ({info.name}), expires "
                   f"{info.expires_at:%Y-%m-%d %H:%M} UTC")
        typer.echo(f"token (shown once): {secret}")

    @token.command("list")
    def token_list(
        name: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
    ) -> None:
        """Personal tokens (never their secret): id, user, label, expiry, revocation."""
        with _accounts() as accounts:
            try:
                rows = accounts.tokens(name)
            except AlemtrackError as exc:
                fail(str(exc))
        table = Table("id", "user", "label", "expires (UTC)", "revoked")
        for t in rows:
            table.add_row(str(t.id), t.user, t.name, t.expires_at.strftime("%Y-%m-%d %H:%M"),
                          t.revoked_at.strftime("%Y-%m-%d %H:%M") if t.revoked_at else "")
        Console().print(table)

    @token.command("revoke")
    def token_revoke(token_id: Annotated[int, typer.Argument(help="Token id.")]) -> None:
        """Revoke a personal token at once."""
        with _accounts() as accounts:
            try:
                accounts.revoke_token(token_id, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: token {token_id} revoked")

    @client.command("add")
    def client_add(
        client_id: Annotated[str, typer.Argument(help="The client id (its JWT iss and sub).")],
        jwks: Annotated[Path | None, typer.Option(help="JSON Web Key Set of its public "
                                                       "keys.")] = None,
        public_key: Annotated[Path | None, typer.Option(
            "--public-key", help="A PEM RSA or EC public key instead of a JWKS.")] = None,
        role: Annotated[str, typer.Option(help=f"One of {', '.join(ALL_ROLES)}.")] = SYSTEM,
    ) -> None:
        """Register a system that obtains access tokens at /oauth/token with signed JWTs."""
        keys = _load_jwks(jwks, public_key)
        with _accounts() as accounts:
            try:
                accounts.add_client(client_id, role, keys, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: client {client_id} ({role}) registered with "
                   f"{len(keys['keys'])} key(s)")

    @client.command("disable")
    def client_disable(client_id: Annotated[str, typer.Argument(help="Client id.")]) -> None:
        """Disable a client: its access tokens stop working at once."""
        with _accounts() as accounts:
            try:
                accounts.set_client_disabled(client_id, True, by=_by())
            except AlemtrackError as exc:
                fail(str(exc))
        typer.echo(f"alemtrack: client {client_id} disabled")

    app.add_typer(user, name="user")
    app.add_typer(token, name="token")
    app.add_typer(client, name="client")
