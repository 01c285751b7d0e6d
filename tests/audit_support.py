"""What the audit tests share: filling a trail, and tampering with it as a superuser would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from alemtrack.services.audit import AuditRecorder
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.audit_tables import append_only_ddl, drop_append_only_ddl


def fill(recorder: AuditRecorder, n: int = 5) -> None:
    """``n`` reads of patients 1..n by user1..usern."""
    for i in range(1, n + 1):
        recorder.record("patient.read", actor=f"user{i}", patient_id=i, source_ip="10.0.0.7",
                        detail={"method": "GET", "route": "/api/v1/patients/{patient_id}",
                                "status": 200})


@contextmanager
def superuser(url: str) -> Iterator[Connection]:
    """A connection with the append-only triggers dropped, as a database superuser (or the
    tables' owner) could do; the triggers are put back afterwards."""
    engine = make_engine(url)
    dialect = engine.dialect.name
    try:
        with engine.begin() as conn:
            for statement in drop_append_only_ddl(dialect):
                conn.execute(text(statement))
            yield conn
            for statement in append_only_ddl(dialect):
                conn.execute(text(statement))
    finally:
        engine.dispose()
