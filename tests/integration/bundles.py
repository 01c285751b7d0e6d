"""Small synthetic FHIR bundles for the store and service tests (made-up ids, no real data)."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def patient(pid: str = "t1", family: str = "Testperson", given: str = "Ada") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": pid, "gender": "female", "birthDate": "1990-04-12",
            "name": [{"family": family, "given": [given]}]}


def platelets(oid: str, on: str, value: float, *, pid: str = "t1", status: str = "final",
              identifier: str | None = None, version: str | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {
        "resourceType": "Observation", "id": oid, "status": status,
        "code": {"coding": [{"system": LOINC, "code": "777-3"}]},
        "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": on,
        "valueQuantity": {"value": value, "unit": "10*3/uL", "system": UCUM, "code": "10*3/uL"},
    }
    if identifier:
        res["identifier"] = [{"system": "https://lab.example.org/result", "value": identifier}]
    if version:
        res["meta"] = {"versionId": version}
    return res


def infusion(mid: str, on: str, *, pid: str = "t1") -> dict[str, Any]:
    return {
        "resourceType": "MedicationAdministration", "id": mid, "status": "completed",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "117055"}]},
        "subject": {"reference": f"Patient/{pid}"}, "effectiveDateTime": on,
        "dosage": {"dose": {"value": 12, "unit": "mg", "system": UCUM, "code": "mg"}},
    }


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in resources]}


def course1(pid: str = "t1") -> list[dict[str, Any]]:
    """Course 1 given 7-11 April 2025."""
    return [infusion(f"ma-{pid}-{d}", f"2025-04-{d:02d}", pid=pid) for d in range(7, 12)]
