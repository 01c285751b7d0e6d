"""Synthetic FHIR Bulk Data exports for the bulk-import tests: Patients and laboratory
Observations, written as ndjson with the patients' lines interleaved (as a server writes them:
by resource type, then in no patient order)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

LABS = (("777-3", 180.0, "10*3/uL"), ("2160-0", 0.8, "mg/dL"), ("3016-3", 1.9, "m[IU]/L"))


def write_export(
    folder: Path, patients: int, observations_per_patient: int, prefix: str = "bulk"
) -> int:
    """Write ``Patient.000.ndjson`` and ``Observation.000.ndjson`` in ``folder``; the number of
    lines written. Observation lines cycle over the patients (p0, p1, ..., p0, p1, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "Patient.000.ndjson").open("w", encoding="utf-8") as out:
        for n in range(patients):
            out.write(json.dumps({
                "resourceType": "Patient", "id": f"{prefix}-{n}", "gender": "female",
                "birthDate": "1985-03-02", "name": [{"family": f"Bulk{n}", "given": ["Test"]}],
            }) + "\n")
    start = date(2025, 1, 6)
    with (folder / "Observation.000.ndjson").open("w", encoding="utf-8") as out:
        for k in range(observations_per_patient):
            code, value, unit = LABS[k % len(LABS)]
            day = start + timedelta(days=30 * (k // len(LABS)))
            for n in range(patients):
                out.write(json.dumps({
                    "resourceType": "Observation", "id": f"{prefix}-{n}-obs-{k}", "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                    "subject": {"reference": f"Patient/{prefix}-{n}"},
                    "effectiveDateTime": day.isoformat(),
                    "valueQuantity": {"value": value, "unit": unit,
                                      "system": "http://unitsofmeasure.org", "code": unit},
                }) + "\n")
    return patients * (1 + observations_per_patient)
