"""Tables of the audit part (see its revision under migrations/versions/).

Models share ``tables.Base``; ``schema.metadata`` gathers every table module so that Alembic
and the schema test see them all.

``audit_entries`` is append-only: the DDL below (run by revision 0003) installs triggers that
refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) for everyone, and revokes those
privileges from PUBLIC. ``audit_head`` is the one-row lock every append takes, and holds the
chain's tip (so a deleted tail is noticed) and the on/off switch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime


class AuditEntryRow(Base):
    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    # No foreign key: the trail outlives the records it mentions.
    patient_id: Mapped[int | None] = mapped_column(Integer)
    source_ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_entries_patient", "patient_id"),
        Index("ix_audit_entries_at", "at"),
    )


class AuditHeadRow(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean)


_MESSAGE = "audit_entries is append-only"

POSTGRES_APPEND_ONLY = [
    f"""CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{_MESSAGE}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$""",
    """CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""",
    # ALWAYS: the triggers fire even under session_replication_role = replica.
    "ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_no_change",
    "ALTER TABLE audit_entries ENABLE ALWAYS TRIGGER audit_entries_no_truncate",
    "REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM PUBLIC",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries",
    "DROP TRIGGER IF EXISTS audit_entries_no_change ON audit_entries",
    "DROP FUNCTION IF EXISTS audit_entries_append_only()",
]

SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: DELETE refused'); END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_entries_no_update",
    "DROP TRIGGER IF EXISTS audit_entries_no_delete",
]


def append_only_ddl(dialect: str) -> list[str]:
    """The statements that make ``audit_entries`` append-only on ``dialect``."""
    return POSTGRES_APPEND_ONLY if dialect == "postgresql" else SQLITE_APPEND_ONLY


def drop_append_only_ddl(dialect: str) -> list[str]:
    return POSTGRES_DROP if dialect == "postgresql" else SQLITE_DROP


def postgres_app_role_grants(role: str) -> list[str]:
    """What the owner grants the (non-owner) role the application runs as: everything it
    needs on every table, but only SELECT and INSERT on the audit trail (docs/audit.md).
    Run after each ``alemtrack db upgrade`` (new tables)."""
    quoted = '"' + role.replace('"', '""') + '"'
    return [
        f"GRANT USAGE ON SCHEMA public TO {quoted}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_entries FROM {quoted}",
    ]


__all__ = [
    "AuditEntryRow",
    "AuditHeadRow",
    "Base",
    "append_only_ddl",
    "drop_append_only_ddl",
    "postgres_app_role_grants",
]
