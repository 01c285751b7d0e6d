"""Store ports of the CDS Hooks service: card feedback and the JWT ``jti`` replay cache.

Implemented by ``store.sql.cds_repository.SqlCds``; reached as ``uow.cds``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CdsFeedbackRecord:
    """One card outcome reported by a CDS client (CDS Hooks 2.0 §Feedback)."""

    service_id: str
    card_uuid: str
    outcome: str  # accepted | overridden
    outcome_at: datetime
    accepted_suggestions: tuple[str, ...]
    override_code: str | None
    override_system: str | None
    override_display: str | None
    user_comment: str | None
    client: str  # the JWT's iss (and sub), or "demo" when JWT checks are off
    received_at: datetime


class CdsRepository(Protocol):
    def add_feedback(self, items: Sequence[CdsFeedbackRecord]) -> None: ...

    def feedback(self, *, service_id: str | None = None, limit: int = 100
                 ) -> list[CdsFeedbackRecord]:
        """Most recent first."""
        ...

    def claim_jti(self, iss: str, jti: str, *, expires_at: datetime, at: datetime) -> bool:
        """Record a JWT id; False when (iss, jti) was seen before (a replay). Ids whose token
        expired before ``at`` are forgotten (they can no longer be replayed)."""
        ...


__all__ = ["CdsFeedbackRecord", "CdsRepository"]
