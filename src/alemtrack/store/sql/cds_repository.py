"""SQL implementation of the CDS Hooks ports (``store/cds_ports.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..cds_ports import CdsFeedbackRecord
from .interop_tables import CdsFeedback, CdsJwtSeen


class SqlCds:
    def __init__(self, session: Session) -> None:
        self._s = session

    def add_feedback(self, items: Sequence[CdsFeedbackRecord]) -> None:
        self._s.add_all(CdsFeedback(
            service_id=i.service_id, card_uuid=i.card_uuid, outcome=i.outcome,
            outcome_at=i.outcome_at, accepted_suggestions=list(i.accepted_suggestions),
            override_code=i.override_code, override_system=i.override_system,
            override_display=i.override_display, user_comment=i.user_comment,
            client=i.client, received_at=i.received_at,
        ) for i in items)
        self._s.flush()

    def feedback(self, *, service_id: str | None = None, limit: int = 100
                 ) -> list[CdsFeedbackRecord]:
        query = select(CdsFeedback).order_by(CdsFeedback.received_at.desc(),
                                             CdsFeedback.id.desc()).limit(limit)
        if service_id is not None:
            query = query.where(CdsFeedback.service_id == service_id)
        return [CdsFeedbackRecord(
            service_id=r.service_id, card_uuid=r.card_uuid, outcome=r.outcome,
            outcome_at=r.outcome_at, accepted_suggestions=tuple(r.accepted_suggestions),
            override_code=r.override_code, override_system=r.override_system,
            override_display=r.override_display, user_comment=r.user_comment,
            client=r.client, received_at=r.received_at,
        ) for r in self._s.scalars(query)]

    def claim_jti(self, iss: str, jti: str, *, expires_at: datetime, at: datetime) -> bool:
        self._s.execute(delete(CdsJwtSeen).where(CdsJwtSeen.expires_at < at))
        try:
            # A savepoint: a concurrent claim of the same id loses on the unique constraint
            # without spoiling the caller's transaction.
            with self._s.begin_nested():
                self._s.add(CdsJwtSeen(iss=iss, jti=jti, expires_at=expires_at, seen_at=at))
        except IntegrityError:
            return False
        return True
