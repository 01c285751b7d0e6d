"""``alemtrack serve`` and ``alemtrack db upgrade`` as an administrator runs them: the schema is
created, the server prints its address and answers the API and the web UI on it."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time

import httpx
import typer
from typer.testing import CliRunner

from alemtrack.cli.serve import display_url, register

# The commands on an application of their own: cli/main.py registers them the same way.
_PROGRAM = (
    "import typer\n"
    "from alemtrack.cli.serve import register\n"
    "app = typer.Typer()\n"
    "register(app)\n"
    "app()\n"
)


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_db_upgrade_creates_the_schema_of_a_new_database(tmp_path, monkeypatch):
    db = tmp_path / "clinic.db"
    monkeypatch.setenv("ALEMTRACK_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(_app(), ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output
    with sqlite3.connect(db) as connection:
        tables = {row[0] for row in connection.execute(
            "select name from sqlite_master where type = 'table'")}
    assert "alembic_version" in tables and len(tables) > 3
    again = CliRunner().invoke(_app(), ["db", "upgrade"])  # idempotent
    assert again.exit_code == 0, again.output


def test_serve_prints_its_address_and_answers_the_api_and_the_web_ui(tmp_path):
    port = _free_port()
    env = {"ALEMTRACK_DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.db'}",
           "PATH": "/usr/bin:/bin"}
    # The administrator's first steps: a user and a personal API token (docs/security.md).
    from alemtrack.cli.main import app as alemtrack_cli

    added = CliRunner().invoke(alemtrack_cli, ["user", "add", "anna", "--role", "viewer"],
                               env=env)
    assert added.exit_code == 0, added.output
    made = CliRunner().invoke(alemtrack_cli, ["token", "create", "anna"], env=env)
    assert made.exit_code == 0, made.output
    token = made.output.rsplit("token (shown once): ", 1)[1].strip()
    auth = {"Authorization": f"Bearer {token}"}
    process = subprocess.Popen(
        [sys.executable, "-c", _PROGRAM, "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert health is not None, "the server did not answer"
        assert health.json()["status"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/patients",
                         headers=auth).json()["total"] == 0
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/patients").status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/").headers["location"] == "/login?next=%2F"
        assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
        assert "server" not in httpx.get(f"http://127.0.0.1:{port}/openapi.json").headers
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output


def test_serve_refuses_a_port_out_of_range():
    result = CliRunner().invoke(_app(), ["serve", "--port", "70000"])
    assert result.exit_code == 2


def test_a_database_password_is_never_printed():
    shown = display_url("postgresql+psycopg://clinic:s3cret@db.local/alemtrack")
    assert "s3cret" not in shown and shown.endswith("@db.local/alemtrack")
    assert display_url("sqlite:///alemtrack.db") == "sqlite:///alemtrack.db"
