import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from glob import glob
from pathlib import Path

import pytest

# tests/builders.py is shared by every test module.
sys.path.insert(0, str(Path(__file__).parent))

# ---- databases: SQLite and a throwaway PostgreSQL server ------------------------------------

POSTGRES_URL_ENV = "ALEMTRACK_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", "postgresql")


@dataclass
class PostgresServer:
    """A PostgreSQL server for this test session: ``url(db)`` names a database on it."""

    host: str
    port: int
    user: str
    password: str | None = None
    admin_db: str = "postgres"

    def url(self, database: str) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgresql+psycopg://{auth}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        conninfo = self.url(self.admin_db).replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _postgres_bindir() -> Path:
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        pytest.fail(
            "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin: the store tests "
            "run on PostgreSQL too. Install them with `bash scripts/ensure-system-packages` "
            f"(or `make system-packages`), or point {POSTGRES_URL_ENV} at a server.",
            pytrace=False,
        )
    return Path(found[-1]).parent


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server per test session (per xdist worker): initdb into a
    temporary directory, pg_ctl start on a free localhost port, stopped at the end. As root
    the server runs as the ``postgres`` OS user. ``ALEMTRACK_TEST_POSTGRES_URL`` (a URL to an
    existing server whose user may create databases) replaces all that."""
    given = os.environ.get(POSTGRES_URL_ENV)
    if given:
        from sqlalchemy.engine import make_url

        u = make_url(given)
        yield PostgresServer(u.host or "localhost", u.port or 5432, u.username or "postgres",
                             u.password, u.database or "postgres")
        return
    bindir = _postgres_bindir()
    root = Path(tempfile.mkdtemp(prefix="alemtrack-pg-"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root.
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()

    def run(*args: str) -> None:
        result = subprocess.run([*prefix, *args], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            extra = log.read_text() if log.exists() else ""
            pytest.fail(f"{' '.join(args)} failed: {result.stdout}{result.stderr}{extra}",
                        pytrace=False)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
        "--no-locale", "--no-sync")
    options = (f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
        options, "start")
    try:
        yield PostgresServer("127.0.0.1", port, "postgres")
    finally:
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def _fresh_database(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{directory / 'alemtrack.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name = f"alemtrack_test_{uuid.uuid4().hex[:12]}"
    server.admin(f'CREATE DATABASE "{name}"')
    try:
        yield server.url(name)
    finally:
        server.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database per test, on SQLite and on PostgreSQL."""
    yield from _fresh_database(request, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh database shared by the tests of one module (for read-only tests), on both."""
    yield from _fresh_database(request, tmp_path_factory.mktemp("db"))


# ---- a clinic on that database, with a clock the test sets ----------------------------------


class FakeClock:
    """Today, as the test says. ``now()`` is 09:00 UTC on that day."""

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today

    def now(self) -> datetime:
        return datetime.combine(self.today, time(9, 0), tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(date(2026, 11, 21))


@pytest.fixture
def clinic(database_url: str, clock: FakeClock) -> Iterator[object]:
    """A ``Clinic`` on a fresh database (SQLite and PostgreSQL), today = ``clock.today``."""
    from alemtrack.bootstrap import build_clinic
    from alemtrack.config import Settings

    built = build_clinic(Settings(database_url=database_url), clock=clock, now=clock.now)
    try:
        yield built
    finally:
        built.close()


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def example_bundle() -> Callable[[str], dict[str, object]]:
    """The example bundle whose file name starts with ``prefix`` (e.g. ``"06"``)."""
    import json

    def load(prefix: str) -> dict[str, object]:
        (path,) = EXAMPLES.glob(f"{prefix}*.bundle.json")
        data: dict[str, object] = json.loads(path.read_text())
        return data

    return load
