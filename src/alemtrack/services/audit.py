"""The audit trail's use cases: record who did what to which patient, verify the chain, export
it as FHIR AuditEvents, switch recording off and on (itself recorded).

Everyone records through ``AuditRecorder.record``::

    clinic.audit.record("user.login", actor="anna", outcome="failure", source_ip="10.0.0.7",
                        detail={"reason": "bad password"})

``detail`` holds identifiers and codes only (strings, integers, booleans): never a clinical value,
so floats are refused outright and strings are capped. The HTTP middleware (``api.audit``)
records every request to a patient's data; services and commands record what has no request
(logins, command-line imports and exports, the audit switch).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alemtrack.store.audit_ports import (
    GENESIS,
    AuditDraft,
    AuditEntry,
    AuditStore,
    DetailValue,
    chain_hash,
)

from . import audit_fhir

SUCCESS, FAILURE, DENIED, ERROR = "success", "failure", "denied", "error"
OUTCOMES = (SUCCESS, FAILURE, DENIED, ERROR)

# Actions recorded outside HTTP requests (the middleware uses the route's authorization action).
LOGIN = "user.login"
LOGOUT = "user.logout"
AUDIT_DISABLE = "audit.disable"
AUDIT_ENABLE = "audit.enable"
AUDIT_VERIFY = "audit.verify"
AUDIT_EXPORT = "audit.export"

_MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What ``verify`` found: ``intact``, or the first bad entry's sequence number and why."""

    intact: bool
    checked: int  # entries walked
    head_seq: int  # the tip the store recorded
    first_bad: int | None = None
    problem: str | None = None


def _clean_detail(detail: Mapping[str, Any] | None) -> dict[str, DetailValue]:
    clean: dict[str, DetailValue] = {}
    for key, value in (detail or {}).items():
        if not isinstance(key, str):
            raise TypeError("audit detail keys are strings")
        if isinstance(value, float):
            # Clinical values are numbers with decimals; none belongs in the trail.
            raise TypeError(f"audit detail {key!r}: no measurements in the audit trail")
        if isinstance(value, str):
            value = value[:_MAX_TEXT]
        elif value is not None and not isinstance(value, bool | int):
            raise TypeError(f"audit detail {key!r}: strings, integers and booleans only")
        clean[key] = value
    return clean


class AuditRecorder:
    """Records audit entries into an ``AuditStore``.

    ``enabled`` is the ``audit_enabled`` setting; recording also stops while the stored switch
    is off (``disable``). Both ways of turning it off write an entry first.
    """

    def __init__(self, store: AuditStore, *, now: Callable[[], datetime] | None = None,
                 enabled: bool = True) -> None:
        self._store = store
        self._now = now or (lambda: datetime.now(UTC))
        self._setting_on = enabled

    # -- recording -----------------------------------------------------------------------------
    def record(self, action: str, *, actor: str, patient_id: int | None = None,
               outcome: str = SUCCESS, source_ip: str | None = None,
               detail: Mapping[str, Any] | None = None) -> int | None:
        """Append one entry; its sequence number, or ``None`` while recording is off.

        Raises if the entry cannot be stored: callers that serve patient data must not serve
        it unrecorded."""
        if not self._setting_on:
            return None
        entry = self._store.append(self._draft(action, actor, patient_id, outcome, source_ip,
                                               detail))
        return entry.seq if entry is not None else None

    def security_event(self, event: str, *, actor: str, outcome: str,
                       address: str | None = None, detail: str | None = None,
                       patient_id: int | None = None) -> None:
        """The ``AuditHook`` of ``services.accounts`` (logins, users, tokens, clients):
        ``login``/``logout`` become ``user.login``/``user.logout``; ``failed`` and ``locked``
        are failures (``locked``: denied)."""
        action = {"login": LOGIN, "logout": LOGOUT}.get(event, event)
        mapped = {"failed": FAILURE, "locked": DENIED}.get(outcome, outcome)
        if mapped not in OUTCOMES:
            mapped = FAILURE
        info: dict[str, Any] = {"event": event, "result": outcome}
        if detail:
            info["note"] = detail
        self.record(action, actor=actor, patient_id=patient_id, outcome=mapped,
                    source_ip=address, detail=info)

    def _draft(self, action: str, actor: str, patient_id: int | None, outcome: str,
               source_ip: str | None, detail: Mapping[str, Any] | None) -> AuditDraft:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r}: one of {', '.join(OUTCOMES)}")
        return AuditDraft(at=self._now().astimezone(UTC), actor=actor[:128] or "anonymous",
                          action=action[:64], outcome=outcome, patient_id=patient_id,
                          source_ip=source_ip[:64] if source_ip else None,
                          detail=_clean_detail(detail))

    def is_enabled(self) -> bool:
        return self._setting_on and self._store.head().enabled

    def disable(self, *, actor: str, source_ip: str | None = None,
                reason: str | None = None) -> int:
        """Stop recording; the entry saying so is written first (same transaction)."""
        draft = self._draft(AUDIT_DISABLE, actor, None, SUCCESS, source_ip,
                            {"by": "command", "reason": reason})
        entry = self._store.append(draft, force=True, set_enabled=False)
        assert entry is not None
        return entry.seq

    def enable(self, *, actor: str, source_ip: str | None = None) -> int:
        draft = self._draft(AUDIT_ENABLE, actor, None, SUCCESS, source_ip, {"by": "command"})
        entry = self._store.append(draft, force=True, set_enabled=True)
        assert entry is not None
        return entry.seq

    def stopped_by_setting(self, *, actor: str = "system") -> int:
        """The ``audit_enabled`` setting is off: say so in the trail (each process that
        starts that way does), since nothing else will be recorded."""
        draft = self._draft(AUDIT_DISABLE, actor, None, SUCCESS, None,
                            {"by": "setting ALEMTRACK_AUDIT_ENABLED=false"})
        self._setting_on = False
        entry = self._store.append(draft, force=True)
        assert entry is not None
        return entry.seq

    # -- reading -------------------------------------------------------------------------------
    def entries(self, *, since: datetime | None = None, batch: int = 1000
                ) -> Iterator[AuditEntry]:
        """Every entry (from ``since``), by sequence number, fetched in batches."""
        after = 0
        while True:
            chunk = self._store.entries(after=after, limit=batch, since=since)
            yield from chunk
            if len(chunk) < batch:
                return
            after = chunk[-1].seq

    def verify(self, *, batch: int = 1000) -> ChainReport:
        """Walk the chain from the first entry: the first entry missing (sequence gap),
        changed (its hash no longer matches its content) or out of place (its ``prev_hash`` is
        not its predecessor's hash) is reported with its sequence number."""
        head = self._store.head()
        expected, prev, checked = 1, GENESIS, 0
        for entry in self.entries(batch=batch):
            if entry.seq != expected:
                return ChainReport(False, checked, head.seq, expected,
                                   f"entry {expected} is missing (the next stored entry is "
                                   f"{entry.seq}): deleted")
            if chain_hash(entry.seq, entry.draft(), entry.prev_hash) != entry.hash:
                return ChainReport(False, checked, head.seq, entry.seq,
                                   f"entry {entry.seq} does not match its hash: changed or "
                                   "moved")
            if entry.prev_hash != prev:
                return ChainReport(False, checked, head.seq, entry.seq,
                                   f"entry {entry.seq} does not follow entry {expected - 1}: "
                                   "the chain is broken there (an entry replaced or "
                                   "reordered)")
            prev, expected, checked = entry.hash, expected + 1, checked + 1
        last = expected - 1
        if head.seq > last:
            return ChainReport(False, checked, head.seq, last + 1,
                               f"entries {last + 1} to {head.seq} are missing: deleted")
        if head.seq == last and head.hash != prev:
            return ChainReport(False, checked, head.seq, last,
                               f"entry {last} is not the entry the chain's tip records")
        return ChainReport(True, checked, head.seq)

    def export(self, *, since: datetime | None = None, site: str = "alemtrack"
               ) -> Iterator[dict[str, Any]]:
        """FHIR R4 AuditEvent resources (IHE BALP shape), one per entry, oldest first."""
        batch: list[AuditEntry] = []
        for entry in self.entries(since=since):
            batch.append(entry)
            if len(batch) == 500:
                yield from self._events(batch, site)
                batch = []
        yield from self._events(batch, site)

    def _events(self, batch: list[AuditEntry], site: str) -> Iterator[dict[str, Any]]:
        refs = self._store.patient_refs({e.patient_id for e in batch if e.patient_id})
        for entry in batch:
            yield audit_fhir.audit_event(entry, refs.get(entry.patient_id or 0), site=site)


__all__ = [
    "AUDIT_DISABLE",
    "AUDIT_ENABLE",
    "AUDIT_EXPORT",
    "AUDIT_VERIFY",
    "DENIED",
    "ERROR",
    "FAILURE",
    "LOGIN",
    "LOGOUT",
    "OUTCOMES",
    "SUCCESS",
    "AuditRecorder",
    "ChainReport",
]
