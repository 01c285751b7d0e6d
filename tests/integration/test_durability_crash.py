"""Crash tests: ``alemtrack import`` killed with SIGKILL at many seeded points of an import of a
few dozen bundles, on SQLite and PostgreSQL.

Each kill lands after a seeded number of acknowledgement lines (plus a seeded fraction of a
batch), or during start-up (migrations). Afterwards: the database passes its integrity check,
the import ledger balances, every batch acknowledged on stdout is in the database exactly as
acknowledged, every resource is stored exactly once, every patient was evaluated in the same
transaction, and a re-run through the real ``alemtrack`` entry point stores nothing.
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import Engine, text

from alemtrack.demo.generator import generate_clinic
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.schema import metadata

SEED = 20261121
BUNDLES = 24
KILLS = 12  # per backend: 24 in all
ALEMTRACK = Path(sys.executable).with_name("alemtrack")
# The import command alone (its module's register(), as cli/main.py does), which starts in
# about half the time of the whole CLI: the kill loop restarts it a dozen times per backend.
IMPORT_ONLY = ("import typer; from alemtrack.cli import imports; app = typer.Typer(); "
               "imports.register(app); app(prog_name='alemtrack-import')")
ACK = re.compile(r"^batch (\d+) (.+): received=(\d+) stored=(\d+) unchanged=(\d+) "
                 r"superseded=(\d+) rejected=(\d+) patient=(\d+)$")


@dataclass(frozen=True)
class Ack:
    batch: int
    file: str
    received: int
    stored: int
    unchanged: int
    superseded: int
    rejected: int
    patient: int


def parse_ack(line: str) -> Ack:
    m = ACK.match(line)
    assert m, f"not an acknowledgement line: {line!r}"
    b, f, *n = m.groups()
    return Ack(int(b), f, *map(int, n))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few dozen synthetic patients (48-month histories), one Bundle file each."""
    folder = tmp_path_factory.mktemp("bundles")
    for p in generate_clinic(BUNDLES, seed=7, today=date(2026, 11, 21)):
        (folder / f"{p.number:03d}-{p.fhir_id}.json").write_text(json.dumps(p.bundle), "utf-8")
    return folder


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "ALEMTRACK_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def _reader(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def run_and_kill(url: str, folder: Path, cwd: Path, *, after_acks: int, fraction: float,
                 est_batch_s: float) -> tuple[list[Ack], bool]:
    """Start the import; SIGKILL it once it has printed ``after_acks`` lines and then worked
    ``fraction`` of a batch more (``after_acks < 0``: during start-up). The lines it printed,
    and whether it was killed (False: it finished first)."""
    proc = subprocess.Popen([sys.executable, "-c", IMPORT_ONLY, str(folder)], cwd=cwd,
                            env=_env(url), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True)
    reader.start()
    got: list[str] = []
    finished = False
    if after_acks < 0:
        time.sleep(fraction * 0.8)  # somewhere in start-up: imports, engine, migrations
    else:
        while len(got) < after_acks:
            line = lines.get(timeout=60)
            if line is None:
                finished = True
                break
            got.append(line)
        time.sleep(fraction * est_batch_s)
    killed = proc.poll() is None and not finished
    if killed:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(timeout=30)
    proc.stdout.close()
    while (line := lines.get_nowait() if not lines.empty() else None) is not None:
        got.append(line)
    return [parse_ack(x) for x in got], killed


def run_import(cmd: list[str], url: str, cwd: Path) -> list[Ack]:
    result = subprocess.run(cmd, cwd=cwd, env=_env(url), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [parse_ack(x) for x in result.stdout.splitlines()]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    try:
        yield made
    finally:
        made.dispose()


def _bundle_refs(folder: Path) -> dict[str, Counter[tuple[str, str]]]:
    """Patient FHIR id -> (type, id) of every resource of its bundle."""
    out = {}
    for path in folder.glob("*.json"):
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        res = [e["resource"] for e in data["entry"]]
        pid = next(r["id"] for r in res if r["resourceType"] == "Patient")
        out[pid] = Counter((r["resourceType"], r["id"]) for r in res)
    return out


def check_integrity(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.scalar(text("PRAGMA integrity_check")) == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        else:
            # Constraints are enforced on every write; check they still hold, and that every
            # table (every row) can be read.
            for table in metadata.sorted_tables:
                conn.execute(table.select()).all()
            assert conn.scalar(text(
                "SELECT count(*) FROM pg_constraint WHERE contype IN ('c', 'f') "
                "AND NOT convalidated")) == 0


def test_an_import_killed_at_random_points_loses_no_acknowledged_batch_and_stores_nothing_twice(
    database_url: str, engine: Engine, bundle_dir: Path, tmp_path: Path
) -> None:
    rng = random.Random(f"{SEED}:{engine.dialect.name}")
    # Kill points spread over the whole import: two in start-up, the rest after 0..N-1 batches.
    points = [(-1, rng.random()), (-1, rng.random())] + [
        (rng.randrange(BUNDLES), rng.random()) for _ in range(KILLS - 2)]
    rng.shuffle(points)
    acked: list[Ack] = []
    kills = 0
    for after, fraction in points:
        lines, killed = run_and_kill(database_url, bundle_dir, tmp_path, after_acks=after,
                                     fraction=fraction, est_batch_s=0.15)
        acked += lines
        kills += killed
    assert kills >= KILLS - 2, "the kills landed while the import was running"

    # Finish the import, then check the database.
    acked += run_import([sys.executable, "-c", IMPORT_ONLY, str(bundle_dir)], database_url,
                        tmp_path)
    check_integrity(engine)
    with engine.connect() as conn:
        unbalanced = conn.scalar(text(
            "SELECT count(*) FROM import_batches "
            "WHERE received <> stored + unchanged + rejected_count"))
        assert unbalanced == 0
        batches = {row.id: row for row in conn.execute(text(
            "SELECT id, received, stored, unchanged, superseded, rejected_count, patient_id "
            "FROM import_batches"))}
        per_batch = dict(conn.execute(text(
            "SELECT batch_id, count(*) FROM resources GROUP BY batch_id")).all())
        for ack in acked:  # every acknowledged batch is there, exactly as acknowledged
            row = batches[ack.batch]
            assert (row.received, row.stored, row.unchanged, row.superseded, row.rejected_count,
                    row.patient_id) == (ack.received, ack.stored, ack.unchanged,
                                        ack.superseded, ack.rejected, ack.patient)
            assert per_batch.get(ack.batch, 0) == ack.stored
        # Every resource of every bundle is stored exactly once, under its patient.
        stored = conn.execute(text(
            "SELECT p.fhir_id, r.rtype, r.rid, r.current FROM resources r "
            "JOIN patients p ON p.id = r.patient_id")).all()
        assert all(row.current for row in stored), "nothing was superseded"
        held: dict[str, Counter[tuple[str, str]]] = {}
        for row in stored:
            held.setdefault(row.fhir_id, Counter())[(row.rtype, row.rid)] += 1
        assert held == _bundle_refs(bundle_dir)
        # Import and evaluation are one transaction: no patient without its evaluation.
        assert conn.scalar(text(
            "SELECT count(*) FROM patients p LEFT JOIN patient_state s "
            "ON s.patient_id = p.id WHERE s.patient_id IS NULL")) == 0
        total = conn.scalar(text("SELECT count(*) FROM resources"))

    # A re-run of the whole import through the real entry point stores nothing twice.
    rerun = run_import([str(ALEMTRACK), "import", str(bundle_dir)], database_url, tmp_path)
    assert len(rerun) == BUNDLES
    assert all((a.stored, a.superseded, a.rejected, a.unchanged) == (0, 0, 0, a.received)
               for a in rerun)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM resources")) == total
    check_integrity(engine)
