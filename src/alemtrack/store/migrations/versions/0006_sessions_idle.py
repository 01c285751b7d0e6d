"""Web sessions: last activity, for the idle timeout.

``web_sessions.last_seen_at`` is the time of the last request seen with the session (updated
at most once a minute); a session idle for longer than ``ALEMTRACK_SESSION_IDLE_MINUTES`` is
ended. Open sessions get their creation time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("web_sessions", sa.Column("last_seen_at", sa.DateTime(timezone=True),
                                            nullable=True))
    # Sessions open at the upgrade count as seen when they were opened.
    op.execute("UPDATE web_sessions SET last_seen_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
