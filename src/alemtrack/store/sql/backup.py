"""Backup and restore of a SQLite database with SQLite's online backup API.

The backup is a consistent snapshot taken while the application runs (WAL mode: readers and
writers go on; the copy is made in one step under one read transaction). It is written to a
temporary file beside the target, checked (``PRAGMA integrity_check``), synced and then renamed,
so a backup file that exists is complete. PostgreSQL is backed up with ``pg_dump`` instead
(docs/operations.md).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from alemtrack.errors import UsageError

PG_PROCEDURE = ("PostgreSQL is backed up with pg_dump and restored with pg_restore; "
                "see docs/operations.md (Backup and restore)")


@dataclass(frozen=True, slots=True)
class BackupResult:
    source: Path
    target: Path
    pages: int
    tables: dict[str, int]  # table -> rows in the copy


def sqlite_path(url: str) -> Path:
    """The database file of a ``sqlite:///`` URL; a UsageError for anything else."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise UsageError(f"backup and restore copy SQLite files. {PG_PROCEDURE}")
    if not parsed.database or parsed.database == ":memory:":
        raise UsageError("an in-memory SQLite database cannot be backed up or restored")
    return Path(parsed.database)


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    return sqlite3.connect(path, timeout=30)


def check_file(path: Path) -> dict[str, int]:
    """Integrity-check a SQLite file that holds an alemtrack schema; rows per table."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    try:
        with contextlib.closing(_connect(path, readonly=True)) as conn:
            result = conn.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise UsageError(f"{path}: integrity check failed: "
                                 + "; ".join(r[0] for r in result[:5]))
            names = [r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
            if "alembic_version" not in names:
                raise UsageError(f"{path}: not an alemtrack database (no alembic_version)")
            return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    except sqlite3.DatabaseError as exc:
        raise UsageError(f"{path}: not a readable SQLite database ({exc})") from None


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy(source: Path, target: Path) -> int:
    """Online backup of ``source`` into a new file ``target``; pages copied."""
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    try:
        with contextlib.closing(_connect(source)) as src, \
                contextlib.closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)  # one step: a consistent snapshot
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            # A self-contained file: no -wal beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
        check_file(tmp)
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    return pages


def backup_sqlite(url: str, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Back up the database of ``url`` (open or not) to ``target``."""
    source = sqlite_path(url)
    if not source.is_file():
        raise UsageError(f"{source}: no database to back up")
    if target.resolve() == source.resolve():
        raise UsageError("the backup file must not be the database itself")
    if target.exists() and not overwrite:
        raise UsageError(f"{target} exists; choose a new file (or --force)")
    pages = _copy(source, target)
    return BackupResult(source, target, pages, check_file(target))


def restore_sqlite(backup: Path, url: str, *, overwrite: bool = False) -> BackupResult:
    """Restore ``backup`` as the database of ``url``. The application must be stopped."""
    target = sqlite_path(url)
    tables = check_file(backup)
    if target.exists() and not overwrite:
        raise UsageError(f"{target} exists; restore into a new file, or stop the application "
                         "and pass --force to replace it")
    if target.resolve() == backup.resolve():
        raise UsageError("the backup file is the database itself")
    if target.exists():
        # Through SQLite, not a file copy: the old -wal/-shm are reset with it.
        with contextlib.closing(_connect(backup, readonly=True)) as src, \
                contextlib.closing(_connect(target)) as dst:
            src.backup(dst)
            pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        pages = _copy(backup, target)
    return BackupResult(backup, target, pages, tables)
