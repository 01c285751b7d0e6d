"""The audit trail's port: an append-only, hash-chained log, and the chain's format.

Each entry carries a sequence number (1, 2, 3, ... without gaps) and the SHA-256 of a canonical
serialisation of itself plus the hash of the entry before it (``GENESIS`` for the first). Any
changed, deleted or reordered row then breaks the chain at that row: its own hash no longer
matches, its ``prev_hash`` no longer names its predecessor, or its sequence number leaves a gap.

The format lives here, beside the port, because both the store (which computes the hash under
its append lock) and the services (which verify the chain) must agree on it byte for byte.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

GENESIS = "0" * 64

# What may go in ``detail``: identifiers and codes, never clinical values (no floats at all).
DetailValue = str | int | bool | None


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """An entry before the store gives it its place in the chain."""

    at: datetime  # timezone-aware, UTC
    actor: str
    action: str  # e.g. patient.read, entry.lab, user.login, audit.disable
    outcome: str  # success | failure | denied | error
    patient_id: int | None = None
    source_ip: str | None = None
    detail: Mapping[str, DetailValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    outcome: str
    patient_id: int | None
    source_ip: str | None
    detail: Mapping[str, DetailValue]
    prev_hash: str
    hash: str

    def draft(self) -> AuditDraft:
        return AuditDraft(self.at, self.actor, self.action, self.outcome, self.patient_id,
                          self.source_ip, self.detail)


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The chain's tip as the store last wrote it (catches a deleted tail) and the switch."""

    seq: int
    hash: str
    enabled: bool


def canonical(seq: int, draft: AuditDraft, prev_hash: str) -> bytes:
    """The bytes an entry's hash is computed over: sorted-key compact JSON, UTC timestamp to
    the microsecond (both databases keep microseconds)."""
    at = draft.at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = {
        "seq": seq,
        "at": at,
        "actor": draft.actor,
        "action": draft.action,
        "outcome": draft.outcome,
        "patient_id": draft.patient_id,
        "source_ip": draft.source_ip,
        "detail": dict(draft.detail),
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def chain_hash(seq: int, draft: AuditDraft, prev_hash: str) -> str:
    return hashlib.sha256(canonical(seq, draft, prev_hash)).hexdigest()


class AuditStore(Protocol):
    """Appends are serialised across processes (one writer at a time); every method is its
    own transaction."""

    def append(self, draft: AuditDraft, *, force: bool = False,
               set_enabled: bool | None = None) -> AuditEntry | None:
        """Append ``draft`` as the next entry; ``None`` (nothing written) while recording is
        off, unless ``force``. ``set_enabled`` switches recording in the same transaction,
        after the entry is written."""
        ...

    def head(self) -> AuditHead: ...

    def entries(self, *, after: int = 0, limit: int = 1000,
                since: datetime | None = None) -> list[AuditEntry]:
        """Entries with ``seq > after`` (and ``at >= since``), by sequence number."""
        ...

    def patient_refs(self, patient_ids: Collection[int]) -> dict[int, str]:
        """FHIR ids of the patients still stored (for exports)."""
        ...


__all__ = [
    "GENESIS",
    "AuditDraft",
    "AuditEntry",
    "AuditHead",
    "AuditStore",
    "DetailValue",
    "canonical",
    "chain_hash",
]
