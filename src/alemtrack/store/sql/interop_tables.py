"""Tables of the interop part (see its revision under migrations/versions/).

Models share ``tables.Base``; ``schema.metadata`` gathers every table module so that Alembic
and the schema test see them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .tables import Base, UTCDateTime

__all__ = ["Base", "CdsFeedback", "CdsJwtSeen"]


# ---- CDS Hooks (cds_repository.py) ----------------------------------------------------------


class CdsFeedback(Base):
    """Card outcomes reported to ``POST /cds-services/{id}/feedback``."""

    __tablename__ = "cds_feedback"
    __table_args__ = (Index("ix_cds_feedback_service", "service_id", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100))
    card_uuid: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(16))
    outcome_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_suggestions: Mapped[list[Any]] = mapped_column()
    override_code: Mapped[str | None] = mapped_column(String(200))
    override_system: Mapped[str | None] = mapped_column(String(500))
    override_display: Mapped[str | None] = mapped_column(String(500))
    user_comment: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str] = mapped_column(String(600))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CdsJwtSeen(Base):
    """JWT ids already accepted, kept until the token expires (replay refused)."""

    __tablename__ = "cds_jwt_seen"
    __table_args__ = (UniqueConstraint("iss", "jti", name="uq_cds_jwt_seen_iss_jti"),
                      Index("ix_cds_jwt_seen_expires", "expires_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iss: Mapped[str] = mapped_column(String(500))
    jti: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
