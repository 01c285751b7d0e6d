"""CDS Hooks use cases: a hook call -> facts -> assessment -> cards; feedback; client JWTs.

The EHR's data is the record here: the prefetched (or fetched) FHIR resources are gathered into
one collection Bundle and read by ``interop.fhir.read_bundle``, the one road from FHIR to facts,
then assessed by the protocol core on the clinic's date and profile. Nothing of the hook's data
is stored; only card feedback and the JWT ids (replay cache) are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alemtrack.cds_hooks import (
    PREFETCH,
    CdsAuthError,
    CdsRequestError,
    FhirClient,
    HookRequest,
    HttpTransport,
    JwksCache,
    JwtPolicy,
    PrefetchUnavailable,
    TrustedIssuer,
    VerifiedClient,
    discovery,
    parse_feedback,
    parse_request,
    resolve_prefetch,
    service,
    urllib_transport,
    verify_jwt,
)
from alemtrack.cds_hooks.cards import (
    Card,
    CardSource,
    cards_response,
    course_gate_cards,
    live_vaccine_card,
    patient_view_cards,
)
from alemtrack.cds_hooks.fetch import FhirFetchError
from alemtrack.cds_hooks.orders import DraftOrder, draft_orders
from alemtrack.cds_hooks.servers import fhir_server_allowed
from alemtrack.errors import NotFound
from alemtrack.interop.fhir import read_bundle
from alemtrack.protocol import assess
from alemtrack.protocol.engine import Assessment
from alemtrack.protocol.facts import Analyte, PatientFacts
from alemtrack.protocol.parameters import PROFILES, Parameters
from alemtrack.protocol.results import Evidence
from alemtrack.store.cds_ports import CdsFeedbackRecord
from alemtrack.store.ports import UnitOfWorkFactory

RuleUrl = Callable[[str], str]
log = logging.getLogger("alemtrack.cds")


@dataclass(frozen=True, slots=True)
class HookAnswer:
    """The response body and what the call used (for logs and tests)."""

    body: dict[str, Any]
    fetched: tuple[str, ...]
    as_of: date


class CdsHooks:
    """The CDS services on the clinic's store, clock and protocol profile.

    ``transport`` reads the client's FHIR server and issuers' JWKS URLs (default: urllib).
    Keep one instance per application: it holds the JWKS cache.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        *,
        clock: Callable[[], date],
        params: Parameters | str | None = None,
        now: Callable[[], datetime] | None = None,
        transport: HttpTransport | None = None,
        fetch_timeout: float = 10.0,
    ) -> None:
        self._uow = uow
        self._clock = clock
        # A profile name (settings.profile) or the Parameters themselves.
        if isinstance(params, str):
            params = next(p for name, p in PROFILES.items() if name == params)
        self._params = params or PROFILES["eu"]
        self._now = now or (lambda: datetime.now(UTC))
        self._transport = transport or urllib_transport
        self._timeout = fetch_timeout
        self.jwks = JwksCache(self._transport, timeout=fetch_timeout)

    # -- discovery and calls --------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return discovery()

    def invoke(self, service_id: str, body: Any, *, rule_url: RuleUrl,
               fhir_servers: Sequence[str] = ()) -> HookAnswer:
        """Answer one hook call (``PrefetchUnavailable`` -> 412, ``CdsRequestError`` -> 400).

        ``fhir_servers``: the FHIR bases the calling client may name as ``fhirServer`` (its
        issuer's allow-list); data is fetched from no other server, so its token goes nowhere
        else."""
        definition = service(service_id)
        if definition is None:
            raise NotFound(f"no CDS service {service_id!r}")
        request = parse_request(body, definition.hook)
        resolved = resolve_prefetch(definition.prefetch, request.context, request.prefetch,
                                    lambda: self._fhir_client(request, fhir_servers))
        as_of = self._clock()
        patient = resolved.values.get("patient")
        if patient is None:  # the client says there is no such patient: nothing to say
            return HookAnswer(cards_response([]), resolved.fetched, as_of)
        bundle = _bundle(request, patient, (v for k, v in resolved.values.items()
                                            if k != "patient"))
        reading = read_bundle(bundle)
        facts = reading.facts
        cards: list[Card] = []
        if definition.hook == "patient-view":
            cards.extend(patient_view_cards(assess(facts, as_of, self._params), rule_url))
        else:
            selections = request.context.get("selections") if definition.hook == \
                "order-select" else None
            orders = draft_orders(request.context["draftOrders"], selections)
            cards.extend(self._order_cards(facts, as_of, orders, rule_url))
        if reading.rejected:
            cards.append(_rejected_card(reading.rejected))
        return HookAnswer(cards_response(cards), resolved.fetched, as_of)

    def _fhir_client(self, request: HookRequest, fhir_servers: Sequence[str]
                     ) -> FhirClient | None:
        if request.fhir_server is None:
            return None
        token = request.fhir_authorization.access_token if request.fhir_authorization else None
        try:
            client = FhirClient(request.fhir_server, token, self._transport,
                                timeout=self._timeout, allowed=fhir_servers)
        except FhirFetchError as exc:  # not an http(s) URL
            raise CdsRequestError(str(exc)) from exc
        if not fhir_server_allowed(request.fhir_server, fhir_servers):
            log.warning("CDS call names fhirServer %s, not an allowed FHIR server of the "
                        "client: nothing fetched", request.fhir_server[:300])
            raise FhirFetchError(f"fhirServer {request.fhir_server[:300]} is not an allowed "
                                 "FHIR server of this CDS client; nothing was fetched")
        return client

    def _order_cards(self, facts: PatientFacts, as_of: date, orders: Iterable[DraftOrder],
                     rule_url: RuleUrl) -> list[Card]:
        cards: list[Card] = []
        base: Assessment | None = None
        for order in orders:
            if order.kind == "alemtuzumab":
                # An order dated in the past starts today at the earliest.
                day1 = max(order.day or as_of, as_of)
                assessment = assess(facts, as_of, self._params, planned_start=day1)
                cards.extend(course_gate_cards(assessment, order.ref, rule_url))
            else:
                base = base or assess(facts, as_of, self._params)
                card = live_vaccine_card(base, order.ref, order.display, order.day or as_of,
                                         _latest_cd4(facts), rule_url)
                if card is not None:
                    cards.append(card)
        return cards

    # -- feedback -------------------------------------------------------------------------

    def feedback(self, service_id: str, body: Any, *, client: str) -> int:
        """Store the card outcomes; the number stored."""
        if service(service_id) is None:
            raise NotFound(f"no CDS service {service_id!r}")
        items = parse_feedback(body)
        now = self._now()
        with self._uow() as uow:
            uow.cds.add_feedback([CdsFeedbackRecord(
                service_id=service_id, card_uuid=i.card, outcome=i.outcome,
                outcome_at=i.outcome_timestamp, accepted_suggestions=i.accepted_suggestions,
                override_code=i.override_code, override_system=i.override_system,
                override_display=i.override_display, user_comment=i.user_comment,
                client=client[:600], received_at=now,
            ) for i in items])
            uow.commit()
        return len(items)

    def feedback_log(self, *, service_id: str | None = None, limit: int = 100
                     ) -> list[CdsFeedbackRecord]:
        with self._uow() as uow:
            return uow.cds.feedback(service_id=service_id, limit=limit)

    # -- the client's JWT -----------------------------------------------------------------

    def authenticate(self, token: str, policy: JwtPolicy, audiences: Iterable[str]
                     ) -> VerifiedClient:
        """Verify the bearer JWT and refuse a replayed ``jti`` (``CdsAuthError``)."""
        now = self._now()
        client = verify_jwt(token, policy, audiences, now, self.jwks)
        # Kept until the token can no longer be accepted (exp + leeway), then forgotten.
        keep_until = client.expires + timedelta(seconds=policy.leeway_seconds)
        with self._uow() as uow:
            fresh = uow.cds.claim_jti(client.iss, client.jti, expires_at=keep_until, at=now)
            uow.commit()
        if not fresh:
            raise CdsAuthError("JWT jti already used (replay)")
        return client


def _latest_cd4(facts: PatientFacts) -> Evidence | None:
    cd4 = [lab for lab in facts.labs if lab.analyte is Analyte.CD4]
    return Evidence.of(max(cd4, key=lambda lab: (lab.date, lab.ref))) if cd4 else None


def _resources(value: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if value is None:
        return []
    if value.get("resourceType") == "Bundle":
        out = []
        for entry in value.get("entry") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
                continue
            if (entry.get("search") or {}).get("mode") == "outcome":
                continue
            out.append(entry["resource"])
        return out
    return [dict(value)]


def _bundle(request: HookRequest, patient: Mapping[str, Any],
            values: Iterable[Mapping[str, Any] | None]) -> dict[str, Any]:
    """One collection Bundle of the patient and every prefetched resource (each type/id once;
    OperationOutcomes and other patients dropped)."""
    if patient.get("resourceType") != "Patient":
        raise CdsRequestError("prefetch.patient is not a Patient")
    if str(patient.get("id")) != request.patient_id:
        raise CdsRequestError("prefetch.patient is not the patient of context.patientId")
    seen: set[str] = {f"Patient/{request.patient_id}"}
    entries: list[dict[str, Any]] = [{"resource": dict(patient)}]
    for value in values:
        for res in _resources(value):
            rtype = res.get("resourceType")
            if rtype in ("OperationOutcome", "Patient", None):
                continue
            key = f"{rtype}/{res.get('id')}" if res.get("id") else None
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            entries.append({"resource": res})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def _rejected_card(rejected: Iterable[Exception]) -> Card:
    lines = [str(e) for e in rejected]
    shown = "\n".join(f"- {line}" for line in lines[:20])
    more = f"\n- … and {len(lines) - 20} more" if len(lines) > 20 else ""
    return Card(
        summary=f"{len(lines)} record(s) of the chart could not be read; the advice above may "
                "be incomplete",
        indicator="warning",
        source=CardSource(label="alemtrack FHIR reader"),
        detail="These resources were rejected by alemtrack's FHIR reader "
               "(docs/fhir-input.md), so the rules did not see them:\n\n" + shown + more,
    )


# What the routes need from the adapter, re-exported so that api/ depends on services only.
__all__ = [
    "PREFETCH",
    "CdsAuthError",
    "CdsHooks",
    "CdsRequestError",
    "HookAnswer",
    "JwtPolicy",
    "PrefetchUnavailable",
    "TrustedIssuer",
    "VerifiedClient",
]
