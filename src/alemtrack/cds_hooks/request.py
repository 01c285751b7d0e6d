"""The hook request and the feedback body, checked against CDS Hooks 2.0.

Plain dictionaries in (the JSON the client sent), frozen dataclasses out; anything the
specification requires and is missing or mistyped is a ``CdsRequestError`` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import CdsRequestError

# Context fields each hook requires (the hook definitions of patient-view, order-select and
# order-sign 1.0/2.0).
_REQUIRED_CONTEXT: dict[str, tuple[str, ...]] = {
    "patient-view": ("userId", "patientId"),
    "order-select": ("userId", "patientId", "selections", "draftOrders"),
    "order-sign": ("userId", "patientId", "draftOrders"),
}


@dataclass(frozen=True, slots=True)
class FhirAuthorization:
    access_token: str
    token_type: str
    expires_in: int
    scope: str
    subject: str


@dataclass(frozen=True, slots=True)
class HookRequest:
    hook: str
    hook_instance: str
    fhir_server: str | None
    fhir_authorization: FhirAuthorization | None
    context: dict[str, Any]
    prefetch: dict[str, Any]

    @property
    def patient_id(self) -> str:
        return str(self.context["patientId"])


def _string(data: Mapping[str, Any], name: str, where: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise CdsRequestError(f"{where}{name} is required (a non-empty string)")
    return value


def parse_request(data: Any, hook: str) -> HookRequest:
    """Check a hook request for the service of ``hook``."""
    if not isinstance(data, dict):
        raise CdsRequestError("the request body is not a JSON object")
    sent_hook = _string(data, "hook")
    if sent_hook != hook:
        raise CdsRequestError(f'hook is "{sent_hook}"; this service answers "{hook}"')
    instance = _string(data, "hookInstance")
    server = data.get("fhirServer")
    if server is not None and (not isinstance(server, str) or not server.strip()):
        raise CdsRequestError("fhirServer is not a URL string")
    auth = _authorization(data.get("fhirAuthorization"))
    if auth is not None and server is None:
        raise CdsRequestError("fhirAuthorization is given without a fhirServer")
    context = data.get("context")
    if not isinstance(context, dict):
        raise CdsRequestError("context is required (an object)")
    for name in _REQUIRED_CONTEXT.get(hook, ()):
        if name not in context or context[name] in (None, ""):
            raise CdsRequestError(f"context.{name} is required by the {hook} hook")
    if not isinstance(context.get("patientId"), str):
        raise CdsRequestError("context.patientId is not a string")
    for name in ("draftOrders",):
        if name in context and not (isinstance(context[name], dict)
                                    and context[name].get("resourceType") == "Bundle"):
            raise CdsRequestError(f"context.{name} is not a FHIR Bundle")
    if "selections" in context and not (
        isinstance(context["selections"], list)
        and all(isinstance(s, str) for s in context["selections"])
    ):
        raise CdsRequestError("context.selections is not an array of strings")
    prefetch = data.get("prefetch", {})
    if prefetch is None:
        prefetch = {}
    if not isinstance(prefetch, dict):
        raise CdsRequestError("prefetch is not an object")
    return HookRequest(sent_hook, instance, server, auth, context, prefetch)


def _authorization(raw: Any) -> FhirAuthorization | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise CdsRequestError("fhirAuthorization is not an object")
    where = "fhirAuthorization."
    token_type = _string(raw, "token_type", where)
    if token_type.lower() != "bearer":
        raise CdsRequestError(f'{where}token_type is "{token_type}"; only "Bearer" is defined')
    expires = raw.get("expires_in")
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise CdsRequestError(f"{where}expires_in is required (an integer)")
    return FhirAuthorization(
        access_token=_string(raw, "access_token", where),
        token_type=token_type,
        expires_in=expires,
        scope=_string(raw, "scope", where),
        subject=_string(raw, "subject", where),
    )


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """One card's outcome, as the client reports it (CDS Hooks 2.0 §Feedback)."""

    card: str
    outcome: str  # accepted | overridden
    outcome_timestamp: datetime
    accepted_suggestions: tuple[str, ...] = ()
    override_code: str | None = None
    override_system: str | None = None
    override_display: str | None = None
    user_comment: str | None = None


def parse_feedback(data: Any) -> tuple[FeedbackItem, ...]:
    if not isinstance(data, dict) or not isinstance(data.get("feedback"), list):
        raise CdsRequestError("feedback is required (an array)")
    items = []
    for i, raw in enumerate(data["feedback"]):
        where = f"feedback[{i}]."
        if not isinstance(raw, dict):
            raise CdsRequestError(f"feedback[{i}] is not an object")
        card = _string(raw, "card", where)
        outcome = _string(raw, "outcome", where)
        if outcome not in ("accepted", "overridden"):
            raise CdsRequestError(f'{where}outcome is "{outcome}"; accepted or overridden')
        stamp = _timestamp(_string(raw, "outcomeTimestamp", where), f"{where}outcomeTimestamp")
        accepted = raw.get("acceptedSuggestions") or []
        if not isinstance(accepted, list) or not all(
            isinstance(s, dict) and isinstance(s.get("id"), str) for s in accepted
        ):
            raise CdsRequestError(f"{where}acceptedSuggestions is not an array of {{id}}")
        if outcome == "accepted" and raw.get("overrideReason") is not None:
            raise CdsRequestError(f"{where}overrideReason is only for overridden cards")
        if outcome == "overridden" and accepted:
            raise CdsRequestError(f"{where}acceptedSuggestions is only for accepted cards")
        reason = raw.get("overrideReason") or {}
        if not isinstance(reason, dict):
            raise CdsRequestError(f"{where}overrideReason is not an object")
        coding = reason.get("reason") or {}
        comment = reason.get("userComment")
        if not isinstance(coding, dict) or (comment is not None and not isinstance(comment, str)):
            raise CdsRequestError(f"{where}overrideReason is malformed")
        items.append(FeedbackItem(
            card=card,
            outcome=outcome,
            outcome_timestamp=stamp,
            accepted_suggestions=tuple(s["id"] for s in accepted),
            override_code=_opt_str(coding.get("code")),
            override_system=_opt_str(coding.get("system")),
            override_display=_opt_str(coding.get("display")),
            user_comment=comment,
        ))
    return tuple(items)


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _timestamp(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CdsRequestError(f"{where} is not an ISO 8601 instant") from exc
    if parsed.tzinfo is None:
        raise CdsRequestError(f"{where} has no time zone")
    return parsed.astimezone(UTC)
