"""One current version per resource and patient, enforced by the database.

A partial unique index on ``resources (patient_id, rtype, rid) WHERE current``: two concurrent
imports of the same new resource can no longer both store it as current (the second fails on
the index, its unit of work is rolled back and retried). Both SQLite and PostgreSQL support
partial indexes.

Rows stored twice as current before this revision (the race it closes) are repaired first: the
newest row (highest id) stays current, the others are marked superseded by it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

INDEX = "uq_resources_current"
COLUMNS = ["patient_id", "rtype", "rid"]


def upgrade() -> None:
    resources = sa.table(
        "resources", sa.column("id", sa.Integer), sa.column("patient_id", sa.Integer),
        sa.column("rtype", sa.String), sa.column("rid", sa.String),
        sa.column("current", sa.Boolean), sa.column("superseded_by", sa.Integer),
    )
    newer = resources.alias("newer")
    newest_current = (
        sa.select(sa.func.max(newer.c.id))
        .where(newer.c.patient_id == resources.c.patient_id, newer.c.rtype == resources.c.rtype,
               newer.c.rid == resources.c.rid, newer.c.current.is_(True))
        .scalar_subquery()
    )
    op.execute(
        resources.update()
        .where(resources.c.current.is_(True), resources.c.id < newest_current)
        .values(current=False, superseded_by=newest_current)
    )
    op.create_index(INDEX, "resources", COLUMNS, unique=True,
                    postgresql_where=sa.text("current"), sqlite_where=sa.text("current"))


def downgrade() -> None:
    op.drop_index(INDEX, table_name="resources")
