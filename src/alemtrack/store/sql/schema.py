"""Every table of the store, gathered: the metadata Alembic and the schema tests compare."""

from __future__ import annotations

from . import audit_tables, interop_tables, security_tables, tables

metadata = tables.Base.metadata

__all__ = ["audit_tables", "interop_tables", "metadata", "security_tables", "tables"]
