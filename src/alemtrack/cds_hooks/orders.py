"""Draft orders of order-select/order-sign that alemtrack has something to say about.

* an alemtuzumab MedicationRequest (RxNorm 117055/1594660, ATC L04AG06/L04AA34): a course about
  to be ordered, day 1 from ``dosageInstruction[0].timing.repeat.boundsPeriod.start``, else
  ``authoredOn``, else the day of the request;
* a live vaccine (a CVX code of the live set, vocabulary.LIVE_CVX) ordered as a
  MedicationRequest, ServiceRequest or Immunization, on its occurrence or start date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from alemtrack.protocol import vocabulary as voc


@dataclass(frozen=True, slots=True)
class DraftOrder:
    ref: str  # Type/id as in selections
    kind: str  # alemtuzumab | live-vaccine
    day: date | None
    code: str
    display: str
    resource: Mapping[str, Any]


def _codings(concept: Any) -> list[tuple[str | None, str, str]]:
    if not isinstance(concept, dict):
        return []
    out = []
    for c in concept.get("coding") or []:
        if isinstance(c, dict) and isinstance(c.get("code"), str):
            system = c.get("system") if isinstance(c.get("system"), str) else None
            out.append((system, c["code"], str(c.get("display") or concept.get("text") or "")))
    return out


def _date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _medication_concepts(res: Mapping[str, Any]) -> list[Any]:
    concepts = [res.get("medicationCodeableConcept")]
    ref = res.get("medicationReference")
    if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
        target = ref["reference"].removeprefix("#")
        for contained in res.get("contained") or []:
            if isinstance(contained, dict) and contained.get("id") == target:
                concepts.append(contained.get("code"))
    return concepts


def classify(res: Mapping[str, Any]) -> DraftOrder | None:
    rtype = res.get("resourceType")
    ref = f"{rtype}/{res.get('id') or '(no id)'}"
    if rtype == "MedicationRequest":
        concepts = _medication_concepts(res)
        start = None
        dosage = res.get("dosageInstruction")
        if isinstance(dosage, list) and dosage and isinstance(dosage[0], dict):
            start = _date(((dosage[0].get("timing") or {}).get("repeat") or {})
                          .get("boundsPeriod", {}).get("start"))
        day = start or _date(res.get("authoredOn"))
    elif rtype == "ServiceRequest":
        concepts = [res.get("code")]
        period = res.get("occurrencePeriod")
        day = _date(res.get("occurrenceDateTime")) or (
            _date(period.get("start")) if isinstance(period, dict) else None) \
            or _date(res.get("authoredOn"))
    elif rtype == "Immunization":
        concepts = [res.get("vaccineCode")]
        day = _date(res.get("occurrenceDateTime")) or _date(res.get("recorded"))
    else:
        return None
    for concept in concepts:
        for system, code, display in _codings(concept):
            if rtype == "MedicationRequest" and voc.is_alemtuzumab(system, code):
                return DraftOrder(ref, "alemtuzumab", day, code, display or "alemtuzumab", res)
            if system == voc.CVX and voc.is_live_cvx(code):
                return DraftOrder(ref, "live-vaccine", day, code.zfill(2),
                                  display or f"CVX {code}", res)
    return None


def draft_orders(draft_bundle: Mapping[str, Any], selections: Iterable[str] | None
                 ) -> list[DraftOrder]:
    """The relevant orders of ``context.draftOrders`` (only the ``selections`` when given)."""
    chosen = set(selections) if selections is not None else None
    out = []
    for entry in draft_bundle.get("entry") or []:
        res = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(res, dict):
            continue
        order = classify(res)
        if order is None:
            continue
        if chosen is not None and order.ref not in chosen:
            continue
        out.append(order)
    return out
