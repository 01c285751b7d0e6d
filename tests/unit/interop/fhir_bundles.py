"""Builders of small synthetic FHIR R4 JSON resources for the reader tests (made-up ids)."""

from __future__ import annotations

from typing import Any

PROJECT = "https://alemtrack.org/fhir/CodeSystem/alemtrack"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"


def patient(pid: str = "p1", **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": "female",
            "birthDate": "1990-04-12", **extra}


def bundle(*resources: dict[str, Any], btype: str = "collection",
           with_patient: bool = True) -> dict[str, Any]:
    entries = ([{"fullUrl": "urn:uuid:p1", "resource": patient()}] if with_patient else [])
    entries += [{"resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": btype, "entry": entries}


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def quantity(value: float, unit: str, *, ucum: bool = True) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value, "unit": unit}
    if ucum:
        q.update(system=UCUM, code=unit)
    return q


def obs(oid: str, system: str, code: str, *, when: str = "2024-11-01", status: str = "final",
        **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": status,
            "code": concept(system, code), "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": when, **value}


def lab(oid: str, loinc: str, value: float, unit: str, *, ucum: bool = True,
        **extra: Any) -> dict[str, Any]:
    return obs(oid, LOINC, loinc, valueQuantity=quantity(value, unit, ucum=ucum), **extra)


def component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": concept(PROJECT, code), **value}
