"""Audit entries as FHIR R4 AuditEvent resources, in the shape of IHE Basic Audit Log Patterns
(BALP): event type and subtype from DICOM (DCM) or the FHIR RESTful interactions, the
requesting agent with its network address, the server agent, the patient as an entity, the
outcome; the chain's sequence number and hashes travel as an entity so an exported trail can
still be checked.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from alemtrack.store.audit_ports import AuditEntry

DCM = "http://dicom.nema.org/resources/ontology/DCM"
EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
RESTFUL = "http://hl7.org/fhir/restful-interaction"
ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
USER_SYSTEM = "urn:alemtrack:user"
PATIENT_SYSTEM = "urn:alemtrack:patient"
CHAIN_SYSTEM = "urn:alemtrack:audit-chain"


def _coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


_LOGIN = _coding(DCM, "110122", "Login")
_TYPES: dict[str, tuple[dict[str, str], dict[str, str] | None, str]] = {
    # action: (type, subtype, FHIR action code C/R/U/D/E)
    "user.login": (_coding(DCM, "110114", "User Authentication"), _LOGIN, "E"),
    "user.logout": (_coding(DCM, "110114", "User Authentication"),
                    _coding(DCM, "110123", "Logout"), "E"),
    "audit.disable": (_coding(DCM, "110113", "Security Alert"),
                      _coding(DCM, "110133", "Audit Recording Stopped"), "E"),
    "audit.enable": (_coding(DCM, "110113", "Security Alert"),
                     _coding(DCM, "110134", "Audit Recording Started"), "E"),
    "audit.verify": (_coding(DCM, "110101", "Audit Log Used"), None, "R"),
    "audit.export": (_coding(DCM, "110101", "Audit Log Used"), None, "R"),
    "audit.read": (_coding(DCM, "110101", "Audit Log Used"), None, "R"),
}
_USERS = (_coding(DCM, "110113", "Security Alert"),
          [_coding(DCM, "110137", "User Security Attributes Changed")], "U")
_PREFIXES: dict[str, tuple[dict[str, str], list[dict[str, str]], str]] = {
    "export.": (_coding(DCM, "110106", "Export"), [], "R"),
    "import.": (_coding(DCM, "110107", "Import"), [], "C"),
    "user.": _USERS,
    "users.": _USERS,
    "token.": _USERS,
    "client.": _USERS,
}
_REST = _coding(EVENT_TYPE, "rest", "RESTful Operation")
_METHODS = {"POST": ("create", "C"), "PUT": ("update", "U"), "PATCH": ("patch", "U"),
            "DELETE": ("delete", "D")}
_OUTCOMES = {"success": "0", "failure": "4", "denied": "4", "error": "8"}


def _classify(entry: AuditEntry) -> tuple[dict[str, str], list[dict[str, str]], str]:
    # A system client getting a token authenticates, as a user logging in does.
    login = entry.action.startswith("user.login") or entry.action == "client.token"
    action = "user.login" if login else entry.action
    if action in _TYPES:
        kind, subtype, code = _TYPES[action]
        return kind, [subtype] if subtype else [], code
    method = entry.detail.get("method")
    if isinstance(method, str) and method:
        if method in ("GET", "HEAD"):
            # A read names one patient's record; anything else is a search or list.
            name = "read" if entry.patient_id is not None else "search-type"
            extra = [_coding(RESTFUL, name, name)]
            kind, code = _REST, "R"
        else:
            name, code = _METHODS.get(method, ("operation", "E"))
            extra = [_coding(RESTFUL, name, name)]
            kind = _REST
        for prefix, (typed, subs, typed_code) in _PREFIXES.items():
            if entry.action.startswith(prefix):
                return typed, subs or extra, typed_code
        return kind, extra, code
    for prefix, (typed, subs, typed_code) in _PREFIXES.items():
        if entry.action.startswith(prefix):
            return typed, subs, typed_code
    if entry.patient_id is not None:
        return _coding(DCM, "110110", "Patient Record"), [], "R"
    return _coding(DCM, "110100", "Application Activity"), [], "E"


def _instant(entry: AuditEntry) -> str:
    return entry.at.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def audit_event(entry: AuditEntry, patient_ref: str | None, *, site: str) -> dict[str, Any]:
    """One entry as an AuditEvent; ``patient_ref`` is the patient's FHIR id when known."""
    kind, subtypes, action = _classify(entry)
    requestor: dict[str, Any] = {
        "type": {"coding": [_coding(DCM, "110153", "Source Role ID")]},
        "who": {"identifier": {"system": USER_SYSTEM, "value": entry.actor},
                "display": entry.actor},
        "requestor": True,
    }
    if entry.source_ip:
        requestor["network"] = {"address": entry.source_ip, "type": "2"}  # 2: IP address
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"audit-{entry.seq}",
        "type": kind,
        "action": action,
        "recorded": _instant(entry),
        "outcome": _OUTCOMES.get(entry.outcome, "8"),
        "agent": [
            requestor,
            {"type": {"coding": [_coding(DCM, "110152", "Destination Role ID")]},
             "who": {"display": f"alemtrack ({site})"}, "requestor": False},
        ],
        "source": {
            "site": site,
            "observer": {"display": "alemtrack"},
            "type": [_coding(SOURCE_TYPE, "4", "Application Server")],
        },
        "entity": [],
    }
    if subtypes:
        event["subtype"] = subtypes
    if entry.outcome != "success":
        status = entry.detail.get("status")
        event["outcomeDesc"] = f"{entry.outcome}" + (f" (HTTP {status})" if status else "")
    if entry.patient_id is not None:
        what: dict[str, Any] = (
            {"reference": f"Patient/{patient_ref}"} if patient_ref
            else {"identifier": {"system": PATIENT_SYSTEM, "value": str(entry.patient_id)}})
        event["entity"].append({
            "what": what,
            "type": _coding(ENTITY_TYPE, "1", "Person"),
            "role": _coding(OBJECT_ROLE, "1", "Patient"),
        })
    details = [{"type": "action", "valueString": entry.action}]
    details += [{"type": key, "valueString": str(value)}
                for key, value in sorted(entry.detail.items()) if value is not None]
    details += [{"type": "prev_hash", "valueString": entry.prev_hash},
                {"type": "hash", "valueString": entry.hash}]
    event["entity"].append({
        "what": {"identifier": {"system": CHAIN_SYSTEM, "value": str(entry.seq)}},
        "type": _coding(ENTITY_TYPE, "2", "System Object"),
        "detail": details,
    })
    return event


def _uuid(event: dict[str, Any]) -> uuid.UUID:
    """A stable id per entry: from its chain hash (the last detail of the chain entity)."""
    return uuid.UUID(hex=event["entity"][-1]["detail"][-1]["valueString"][:32])


def bundle(events: list[dict[str, Any]], *, timestamp: str) -> dict[str, Any]:
    """A ``collection`` Bundle of AuditEvents (``--format bundle``)."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timestamp,
        "entry": [{"fullUrl": f"urn:uuid:{_uuid(e)}", "resource": e} for e in events],
    }


__all__ = ["audit_event", "bundle"]
