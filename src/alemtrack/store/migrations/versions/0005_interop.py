"""CDS Hooks feedback and JWT replay cache; HL7 v2 / CSV import bookkeeping (issue 4).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _upgrade_cds_hooks()


def downgrade() -> None:
    _downgrade_cds_hooks()


# ---- CDS Hooks: card feedback, JWT jti replay cache (store/sql/interop_tables.py) ------------


def _upgrade_cds_hooks() -> None:
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=100), nullable=False),
        sa.Column("card_uuid", sa.String(length=100), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_suggestions", sa.JSON(), nullable=False),
        sa.Column("override_code", sa.String(length=200), nullable=True),
        sa.Column("override_system", sa.String(length=500), nullable=True),
        sa.Column("override_display", sa.String(length=500), nullable=True),
        sa.Column("user_comment", sa.Text(), nullable=True),
        sa.Column("client", sa.String(length=600), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cds_feedback_service", "cds_feedback", ["service_id", "received_at"])
    op.create_table(
        "cds_jwt_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iss", sa.String(length=500), nullable=False),
        sa.Column("jti", sa.String(length=255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("iss", "jti", name="uq_cds_jwt_seen_iss_jti"),
    )
    op.create_index("ix_cds_jwt_seen_expires", "cds_jwt_seen", ["expires_at"])


def _downgrade_cds_hooks() -> None:
    op.drop_index("ix_cds_jwt_seen_expires", table_name="cds_jwt_seen")
    op.drop_table("cds_jwt_seen")
    op.drop_index("ix_cds_feedback_service", table_name="cds_feedback")
    op.drop_table("cds_feedback")
