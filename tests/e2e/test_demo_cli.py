"""``alemtrack demo`` as a visitor runs it: the synthetic clinic is built into a SQLite file,
the server prints its address and the worklist answers there; a second run reuses the file."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import typer
from typer.testing import CliRunner

from alemtrack.cli.demo import register

# The command on an application of its own: cli/main.py registers it the same way.
_PROGRAM = (
    "import typer\n"
    "from alemtrack.cli.demo import register\n"
    "app = typer.Typer()\n"
    "register(app)\n"
    "@app.callback()\n"
    "def main() -> None: pass\n"
    "app()\n"
)
TODAY = "2026-11-21"


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """Several commands: keep ``demo`` a subcommand as in the real application."""

    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_builds_the_clinic_prints_its_address_and_serves_the_worklist(tmp_path: Path):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _PROGRAM, "demo", "--port", str(port), "--patients", "14",
         "--today", TODAY],
        cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    printed: list[str] = []
    try:
        # The demo prints one user per role with a password, an API token, then its address.
        # (Read up to the address here: communicate() later skips what readline buffered.)
        assert process.stdout is not None
        while not any("serving the demo clinic" in line for line in printed):
            line = process.stdout.readline()
            assert line, "the demo stopped: " + "".join(printed)
            printed.append(line)
        token_line = next(line for line in printed if "REST API token" in line)
        token = token_line.rsplit(" ", 1)[1].strip()
        auth = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 240
        worklist = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                worklist = httpx.get(f"http://127.0.0.1:{port}/api/v1/worklist", timeout=5,
                                     headers=auth)
                break
            except httpx.TransportError:
                time.sleep(0.3)
        assert worklist is not None, "the demo did not answer"
        assert worklist.status_code == 200
        body = worklist.json()
        assert body["infusions"], "the demo opens on a day with infusions"
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/patients",
                         headers=auth).json()["total"] == 14
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/patients").status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/").headers["location"] == "/login?next=%2F"
        assert httpx.get(f"http://127.0.0.1:{port}/login").status_code == 200
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=30)
    output = "".join(printed) + rest
    for role in ("admin", "neurologist", "nurse", "pharmacist", "viewer"):
        assert f" demo-{role} " in output, f"no {role} user printed"
    assert (tmp_path / "alemtrack-demo.db").is_file(), "default file in the current directory"
    assert f"alemtrack demo: serving the demo clinic at http://127.0.0.1:{port}/" in output
    assert "Traceback" not in output


def test_a_second_demo_run_reuses_the_database_unless_fresh_is_given(tmp_path: Path):
    db = tmp_path / "clinic-demo.db"
    args = ["demo", "--database", str(db), "--patients", "13", "--today", TODAY, "--build-only"]
    first = CliRunner().invoke(_app(), args)
    assert first.exit_code == 0, first.output
    assert "built" in first.output and "13 patients" in first.output
    again = CliRunner().invoke(_app(), args)
    assert again.exit_code == 0 and "reusing" in again.output
    fresh = CliRunner().invoke(_app(), [*args, "--fresh"])
    assert fresh.exit_code == 0 and "built" in fresh.output


def test_demo_refuses_a_reference_date_that_is_not_a_date(tmp_path: Path):
    result = CliRunner().invoke(_app(), ["demo", "--database", str(tmp_path / "d.db"),
                                         "--today", "21/11/2026", "--build-only"])
    assert result.exit_code == 2
    assert "--today" in result.output
    assert not (tmp_path / "d.db").exists()
