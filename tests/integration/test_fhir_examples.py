"""The official FHIR R4 examples (testdata/fhir-examples) read through alemtrack's reader."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from alemtrack.interop.fhir import read_bundle
from alemtrack.protocol.facts import Analyte, ConditionKind, Vaccine, VitalKind

# The repository is checked out with ../shared (spec, seeds, third-party test data) beside it.
EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "fhir-examples"


def test_the_official_examples_are_present():
    assert EXAMPLES.is_dir(), f"the official FHIR examples are expected in {EXAMPLES}"


def load(name: str) -> dict[str, Any]:
    with (EXAMPLES / name).open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def bundle_of(patient: str, *names: str, subject: str | None = None) -> dict[str, Any]:
    resources = [load(n) for n in names]
    if subject:
        for r in resources:
            for key in ("subject", "patient"):
                if key in r:
                    r[key] = {"reference": subject}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": load(patient)}] + [{"resource": r} for r in resources]}


def test_us_core_serum_creatinine_is_read_in_mg_per_dl() -> None:
    reading = read_bundle(bundle_of("r4-Patient-example.json",
                                    "uscore-r4-Observation-serum-creatinine.json",
                                    subject="Patient/example"))
    (lab,) = reading.facts.labs
    assert (lab.analyte, lab.code, lab.value, lab.unit) == (
        Analyte.CREATININE, "2160-0", 1.0, "mg/dL")
    assert (lab.reported_unit, lab.ref_low, lab.ref_high) == ("mg/dL", 0.2, 0.6)
    assert lab.date == date(2005, 7, 5)
    assert reading.rejected == ()


def test_glucose_f001_is_ignored_and_haemoglobin_f005_is_read() -> None:
    reading = read_bundle(bundle_of("r4-Patient-f001.json", "r4-Observation-f001.json",
                                    "r4-Observation-f005.json"))
    (hb,) = reading.facts.labs
    assert (hb.ref, hb.analyte, hb.value) == ("Observation/f005", Analyte.HAEMOGLOBIN, 7.2)
    assert "Observation/f001: code http://loinc.org|15074-8 is not used by alemtrack; ignored" \
        in reading.notes


def test_local_creatinine_code_f204_is_not_guessed() -> None:
    reading = read_bundle(bundle_of("r4-Patient-f201.json", "r4-Observation-f204.json",
                                    "r4-Condition-f204.json"))
    assert reading.facts.labs == ()
    (cond,) = reading.facts.conditions
    assert (cond.kind, cond.active, cond.abated) == (ConditionKind.OTHER, False,
                                                     date(2013, 3, 20))


def test_blood_pressure_panel_gives_systolic_and_diastolic() -> None:
    reading = read_bundle(bundle_of("r4-Patient-example.json",
                                    "r4-Observation-blood-pressure.json",
                                    subject="Patient/example"))
    assert [(v.kind, v.value) for v in reading.facts.vitals] == [
        (VitalKind.SYSTOLIC, 107), (VitalKind.DIASTOLIC, 60)]


def test_immunization_examples_local_code_and_not_done() -> None:
    reading = read_bundle(bundle_of("r4-Patient-example.json", "r4-Immunization-example.json",
                                    "r4-Immunization-notGiven.json", subject="Patient/example"))
    (v,) = reading.facts.vaccinations
    assert (v.vaccine, v.live, v.date) == (Vaccine.OTHER, False, date(2013, 1, 10))
    assert "Immunization/notGiven: immunization status not-done; ignored" in reading.notes


def test_lemtrada_administration_on_hold_is_not_an_infusion_day() -> None:
    reading = read_bundle(bundle_of("r4-Patient-example.json",
                                    "r4-MedicationAdministration-medadminexample03.json",
                                    "r4-MedicationAdministration-medadmin0301.json",
                                    "r4-MedicationStatement-example001.json",
                                    subject="Patient/example"))
    assert reading.facts.infusions == ()
    assert reading.rejected == ()
    assert any("medadminexample03: alemtuzumab administration with status on-hold" in n
               for n in reading.notes)
    assert [m.ref for m in reading.facts.medications] == ["MedicationStatement/example001"]


def test_general_health_profile_bundle_reads_cbc_chemistry_and_urinalysis() -> None:
    data = load("r4-Bundle-ghp.json")
    data["entry"].insert(0, {"resource": {"resourceType": "Patient", "id": "pat2"}})
    reading = read_bundle(data)
    labs = {lab.ref.split("/")[1]: lab for lab in reading.facts.labs}
    assert labs["r6"].analyte is Analyte.PLATELETS and labs["r6"].value == 444
    assert labs["r1"].value == pytest.approx(17.6)  # 176 g/L
    assert labs["o8"].value == pytest.approx(90 / 88.42)  # creatinine 0.09 mmol/L
    assert labs["o10"].value == pytest.approx(7 / 17.1)  # bilirubin 7 umol/L
    assert labs["r1"].date == date(2015, 8, 16)  # from the report, results carry no date
    assert reading.rejected == ()


def test_every_official_example_passes_the_model_check() -> None:
    from alemtrack.interop.fhir.model import check_resource

    for f in sorted(EXAMPLES.glob("*.json")):
        check = check_resource(load(f.name))
        assert check is not None and check.errors == [], f.name
