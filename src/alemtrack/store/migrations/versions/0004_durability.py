"""Import ledger durability (issue 5): the ledger balances, enforced by the database.

Every received entry of an import batch ends in exactly one of stored, unchanged or refused
(rejected), so ``received = stored + unchanged + rejected_count``. ``rejected_count`` is new
(the ``rejected`` JSON keeps the reasons); the balance is a CHECK constraint on PostgreSQL and a
pair of triggers on SQLite (adding a CHECK there would rebuild a table other tables reference).

Batches recorded before this revision get ``rejected_count = received - stored - unchanged``:
what their ledger left unaccounted (refused entries and older in-bundle versions).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BALANCED = ("received = stored + unchanged + rejected_count AND received >= 0 AND stored >= 0 "
            "AND unchanged >= 0 AND superseded >= 0 AND rejected_count >= 0")
CHECK_NAME = "ck_import_batches_balanced"
TRIGGERS = ("import_batches_balanced_insert", "import_batches_balanced_update")


def upgrade() -> None:
    op.add_column("import_batches", sa.Column("rejected_count", sa.Integer(), nullable=False,
                                              server_default="0"))
    op.execute("UPDATE import_batches SET rejected_count = received - stored - unchanged")
    if op.get_bind().dialect.name == "sqlite":
        for name, event in zip(TRIGGERS, ("INSERT", "UPDATE"), strict=True):
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON import_batches "
                f"WHEN NOT (NEW.received = NEW.stored + NEW.unchanged + NEW.rejected_count "
                f"AND NEW.received >= 0 AND NEW.stored >= 0 AND NEW.unchanged >= 0 "
                f"AND NEW.superseded >= 0 AND NEW.rejected_count >= 0) "
                f"BEGIN SELECT RAISE(ABORT, 'import ledger does not balance'); END"
            )
    else:
        op.create_check_constraint(CHECK_NAME, "import_batches", BALANCED)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.drop_constraint(CHECK_NAME, "import_batches", type_="check")
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("rejected_count")
