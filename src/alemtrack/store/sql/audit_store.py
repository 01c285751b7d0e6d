"""The audit trail on SQL (``AuditStore``): appends serialised across processes.

An append is one short transaction of its own that first takes the write lock, then reads the
chain's tip, writes the entry and moves the tip. On PostgreSQL the lock is the ``audit_head``
row (``SELECT ... FOR UPDATE``); on SQLite it is the database's write lock, taken up front with
``BEGIN IMMEDIATE`` so no writer reads a tip another is about to move.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select, update

from ..audit_ports import AuditDraft, AuditEntry, AuditHead, chain_hash
from .audit_tables import AuditEntryRow, AuditHeadRow
from .tables import Patient

_E: Table = AuditEntryRow.__table__  # type: ignore[assignment]
_H: Table = AuditHeadRow.__table__  # type: ignore[assignment]


class SqlAuditStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def _locked(self) -> Iterator[Connection]:
        """A transaction holding the append lock; committed on success."""
        if not self._sqlite:
            with self._engine.begin() as conn:
                yield conn
            return
        with self._engine.connect() as raw:
            # pysqlite would issue a deferred BEGIN; take the write lock at once instead.
            conn = raw.execution_options(isolation_level="AUTOCOMMIT")
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.exec_driver_sql("ROLLBACK")
                raise
            conn.exec_driver_sql("COMMIT")

    def append(self, draft: AuditDraft, *, force: bool = False,
               set_enabled: bool | None = None) -> AuditEntry | None:
        with self._locked() as conn:
            row = conn.execute(
                select(_H.c.seq, _H.c.hash, _H.c.enabled).where(_H.c.id == 1).with_for_update()
            ).one()
            entry: AuditEntry | None = None
            if row.enabled or force:
                seq = int(row.seq) + 1
                digest = chain_hash(seq, draft, row.hash)
                entry = AuditEntry(seq, draft.at, draft.actor, draft.action, draft.outcome,
                                   draft.patient_id, draft.source_ip, dict(draft.detail),
                                   row.hash, digest)
                conn.execute(insert(_E).values(
                    seq=seq, at=draft.at, actor=draft.actor, action=draft.action,
                    outcome=draft.outcome, patient_id=draft.patient_id,
                    source_ip=draft.source_ip, detail=dict(draft.detail),
                    prev_hash=row.hash, hash=digest))
                conn.execute(update(_H).where(_H.c.id == 1).values(seq=seq, hash=digest))
            if set_enabled is not None:
                conn.execute(update(_H).where(_H.c.id == 1).values(enabled=set_enabled))
            return entry

    def head(self) -> AuditHead:
        with self._engine.connect() as conn:
            row = conn.execute(select(_H.c.seq, _H.c.hash, _H.c.enabled)
                               .where(_H.c.id == 1)).one()
        return AuditHead(int(row.seq), row.hash, bool(row.enabled))

    def entries(self, *, after: int = 0, limit: int = 1000,
                since: datetime | None = None) -> list[AuditEntry]:
        query = select(_E).where(_E.c.seq > after).order_by(_E.c.seq).limit(limit)
        if since is not None:
            query = query.where(_E.c.at >= since)
        with self._engine.connect() as conn:
            return [_entry(r._mapping) for r in conn.execute(query)]

    def patient_refs(self, patient_ids: Collection[int]) -> dict[int, str]:
        if not patient_ids:
            return {}
        table = Patient.__table__
        with self._engine.connect() as conn:
            rows = conn.execute(select(table.c.id, table.c.fhir_id)
                                .where(table.c.id.in_(sorted(patient_ids))))
            return {int(r.id): str(r.fhir_id) for r in rows}


def _entry(m: Any) -> AuditEntry:
    at: datetime = m["at"]
    return AuditEntry(
        seq=int(m["seq"]), at=at.astimezone(UTC), actor=m["actor"], action=m["action"],
        outcome=m["outcome"], patient_id=m["patient_id"], source_ip=m["source_ip"],
        detail=dict(m["detail"] or {}), prev_hash=m["prev_hash"], hash=m["hash"])


__all__ = ["SqlAuditStore"]
