"""``alemtrack backup`` and ``alemtrack restore``: an online backup of the SQLite database while
the application has it open (and writes to it), restored into a new file with the same rows
and an intact audit chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from alemtrack import bootstrap
from alemtrack.config import Settings
from alemtrack.services.clinic import Clinic
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.schema import metadata

ALEMTRACK = Path(sys.executable).with_name("alemtrack")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def cli(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ALEMTRACK), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False,
                          env={**os.environ, "ALEMTRACK_DATABASE_URL": url})


def bundles() -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted(EXAMPLES.glob("*.bundle.json"))]


def every_row(url: str) -> dict[str, list[tuple[Any, ...]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(
                        t.select().order_by(*t.primary_key.columns))]
                    for t in metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Clinic, str]]:
    """The application's clinic, open on a SQLite file holding the example patients."""
    url = f"sqlite:///{tmp_path / 'live.db'}"
    clinic = bootstrap.build_clinic(Settings(_env_file=None, database_url=url),  # type: ignore[call-arg]
                                    clock=lambda: date(2026, 11, 21))
    try:
        for data in bundles()[:8]:
            clinic.import_bundle(data, source="examples", actor="nurse.ana")
        yield clinic, url
    finally:
        clinic.close()


def test_a_backup_taken_while_the_application_is_open_restores_the_same_rows_and_audit_chain(
    live: tuple[Clinic, str], tmp_path: Path
) -> None:
    clinic, url = live
    clinic.list_patients()  # the application has used its connections: they stay open
    backup = tmp_path / "backups" / "alemtrack-2026-11-21.db"
    backup.parent.mkdir()

    made = cli("backup", str(backup), url=url, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert "integrity ok" in made.stdout and backup.is_file()
    assert not list(backup.parent.glob(".*partial")), "no partial file is left behind"

    restored_url = f"sqlite:///{tmp_path / 'restored' / 'alemtrack.db'}"
    done = cli("restore", str(backup), url=restored_url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    original, restored = every_row(url), every_row(restored_url)
    assert restored == original
    assert len(original["patients"]) == 8 and len(original["resources"]) > 300
    verified = cli("audit", "verify", url=restored_url, cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout


def test_a_backup_during_imports_is_a_consistent_snapshot(
    live: tuple[Clinic, str], tmp_path: Path
) -> None:
    clinic, url = live
    stop = threading.Event()
    failures: list[BaseException] = []

    def keep_importing() -> None:
        try:
            for data in bundles()[8:]:
                if stop.is_set():
                    return
                clinic.import_bundle(data, source="examples", actor="feed")
        except BaseException as exc:  # reported below, never swallowed
            failures.append(exc)

    writer = threading.Thread(target=keep_importing)
    writer.start()
    try:
        made = cli("backup", str(tmp_path / "during.db"), url=url, cwd=tmp_path)
    finally:
        stop.set()
        writer.join(timeout=120)
    assert made.returncode == 0, made.stderr
    assert failures == []

    restored_url = f"sqlite:///{tmp_path / 'during-restored.db'}"
    assert cli("restore", str(tmp_path / "during.db"), url=restored_url,
               cwd=tmp_path).returncode == 0
    engine = make_engine(restored_url)
    try:
        with engine.connect() as conn:
            # Every batch in the copy is whole: its ledger balances and its resources are there.
            rows = conn.execute(text(
                "SELECT b.id, b.received, b.stored, b.unchanged, b.rejected_count, "
                "(SELECT count(*) FROM resources r WHERE r.batch_id = b.id) AS held, "
                "(SELECT count(*) FROM patient_state s WHERE s.patient_id = b.patient_id) "
                "AS evaluated FROM import_batches b")).all()
            assert len(rows) >= 8
            for row in rows:
                assert row.received == row.stored + row.unchanged + row.rejected_count
                assert (row.held, row.evaluated) == (row.stored, 1)
    finally:
        engine.dispose()


def test_restore_refuses_to_overwrite_a_database_or_to_read_a_damaged_backup(
    live: tuple[Clinic, str], tmp_path: Path
) -> None:
    _, url = live
    backup = tmp_path / "b.db"
    assert cli("backup", str(backup), url=url, cwd=tmp_path).returncode == 0

    again = cli("backup", str(backup), url=url, cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr
    over = cli("restore", str(backup), url=url, cwd=tmp_path)
    assert over.returncode == 2 and "--force" in over.stderr

    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(backup.read_bytes()[:4096] + b"\0garbage" * 512)
    bad = cli("restore", str(damaged), url=f"sqlite:///{tmp_path / 'new.db'}", cwd=tmp_path)
    assert bad.returncode == 2 and "alemtrack: error:" in bad.stderr
    assert not (tmp_path / "new.db").exists()


def test_backup_of_a_postgresql_database_points_to_the_pg_dump_procedure(
    tmp_path: Path,
) -> None:
    result = cli("backup", str(tmp_path / "x.db"),
                 url="postgresql+psycopg://alemtrack@127.0.0.1:1/alemtrack", cwd=tmp_path)
    assert result.returncode == 2
    assert "pg_dump" in result.stderr and "docs/operations.md" in result.stderr
