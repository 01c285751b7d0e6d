"""Reading a FHIR R4 Bundle into PatientFacts (docs/fhir-input.md)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from alemtrack.errors import FhirInputError, UnitError
from alemtrack.interop.fhir import read_bundle, read_bundle_file
from alemtrack.protocol.facts import (
    Analyte,
    ChecklistAnswer,
    ChecklistItem,
    ConditionKind,
    Drug,
    ProcedureKind,
    Qual,
    Sex,
    StatementCode,
    SymptomCode,
    Vaccine,
    VitalKind,
)

from .fhir_bundles import (
    CVX,
    LOINC,
    PROJECT,
    RXNORM,
    SNOMED,
    bundle,
    component,
    concept,
    lab,
    obs,
    patient,
    quantity,
)

# -- unusable bundles ----------------------------------------------------------------------


def test_a_file_that_is_not_json_is_unusable(tmp_path: Path) -> None:
    f = tmp_path / "b.json"
    f.write_text("{not json")
    with pytest.raises(FhirInputError, match=r"b\.json: is not JSON"):
        read_bundle_file(f)


def test_a_resource_that_is_not_a_bundle_is_unusable() -> None:
    with pytest.raises(FhirInputError, match='Bundle: resourceType is "Patient"'):
        read_bundle(patient())


def test_a_document_bundle_is_unusable() -> None:
    with pytest.raises(FhirInputError, match='Bundle: type "document" is not read'):
        read_bundle(bundle(btype="document"))


@pytest.mark.parametrize("btype", ["collection", "batch", "transaction", "searchset"])
def test_the_four_bundle_types_are_read(btype: str) -> None:
    assert read_bundle(bundle(btype=btype)).facts.ref == "Patient/p1"


def test_a_bundle_without_patient_is_unusable() -> None:
    with pytest.raises(FhirInputError, match="holds no Patient"):
        read_bundle(bundle(with_patient=False))


def test_a_bundle_with_two_patients_is_unusable() -> None:
    with pytest.raises(FhirInputError, match=r"holds 2 Patients \(Patient/p1, Patient/p2\)"):
        read_bundle(bundle(patient("p2")))


def test_bundle_file_is_read(tmp_path: Path) -> None:
    f = tmp_path / "b.json"
    f.write_text(json.dumps(bundle(lab("o1", "777-3", 95, "10*3/uL"))))
    facts = read_bundle_file(f).facts
    assert facts.sex is Sex.FEMALE and facts.birth_date == date(1990, 4, 12)
    assert facts.labs[0].value == 95


# -- laboratory results and units -----------------------------------------------------------


def test_lowercase_mg_dl_creatinine_is_accepted_with_a_note() -> None:
    reading = read_bundle(bundle(lab("abc", "2160-0", 1.3, "mg/dl", ucum=False)))
    (result,) = reading.facts.labs
    assert (result.analyte, result.value, result.unit) == (Analyte.CREATININE, 1.3, "mg/dL")
    assert (result.reported_value, result.reported_unit) == (1.3, "mg/dl")
    assert 'Observation/abc: valueQuantity.unit "mg/dl" for LOINC 2160-0 converted to mg/dL' \
        in reading.notes


def test_creatinine_in_umol_per_litre_is_converted_to_mg_per_dl() -> None:
    reading = read_bundle(bundle(lab("c1", "14682-9", 88.42, "umol/L",
                                     referenceRange=[{"low": quantity(44.21, "umol/L"),
                                                      "high": quantity(106.104, "umol/L")}])))
    (result,) = reading.facts.labs
    assert result.value == pytest.approx(1.0)
    assert (result.ref_low, result.ref_high) == (pytest.approx(0.5), pytest.approx(1.2))
    assert (result.reported_value, result.reported_unit) == (88.42, "umol/L")


def test_platelets_in_furlongs_are_rejected_naming_resource_field_and_code() -> None:
    reading = read_bundle(bundle(lab("xyz", "777-3", 95, "furlongs", ucum=False),
                                 lab("ok", "718-7", 12.5, "g/dL")))
    (error,) = reading.rejected
    assert isinstance(error, UnitError)
    assert error.resource == "Observation/xyz" and error.field == "valueQuantity.unit"
    assert str(error).startswith(
        'Observation/xyz: valueQuantity.unit "furlongs" cannot be converted for LOINC 777-3')
    assert str(error).endswith("result rejected")
    # nothing already accepted is lost
    assert [r.ref for r in reading.facts.labs] == ["Observation/ok"]
    assert str(error) in reading.facts.warnings


def test_implausible_platelets_are_rejected_with_the_value() -> None:
    reading = read_bundle(bundle(lab("big", "777-3", 9500, "10*3/uL")))
    (error,) = reading.rejected
    assert error.field == "valueQuantity.value"
    assert "9500 10*3/uL for LOINC 777-3 is implausible" in str(error)
    assert reading.facts.labs == ()


def test_lymphocytes_in_cells_per_microlitre_become_thousands() -> None:
    reading = read_bundle(bundle(lab("l1", "731-0", 800, "{cells}/uL")))
    assert reading.facts.labs[0].value == pytest.approx(0.8)


def test_teriflunomide_project_code_in_ng_per_ml_is_converted() -> None:
    reading = read_bundle(bundle(obs("t1", PROJECT, "teriflunomide-level",
                                     valueQuantity=quantity(15, "ng/mL"))))
    (result,) = reading.facts.labs
    assert (result.analyte, result.value) == (Analyte.TERIFLUNOMIDE, 0.015)


def test_a_qualitative_hbsag_coded_negative_in_snomed_is_negative() -> None:
    reading = read_bundle(bundle(obs("h1", LOINC, "5196-1",
                                     valueCodeableConcept=concept(SNOMED, "260385009"))))
    assert reading.facts.labs[0].qual is Qual.NEGATIVE
    assert reading.facts.labs[0].value is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"valueCodeableConcept": concept(SNOMED, "10828004")}, Qual.POSITIVE),
        ({"valueCodeableConcept": concept(
            "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "NEG")},
         Qual.NEGATIVE),
        ({"valueString": "2+"}, Qual.PLUS2),
        ({"valueString": "Trace"}, Qual.TRACE),
        ({"valueCodeableConcept": {"text": "1+"}}, Qual.PLUS1),
    ],
)
def test_dipstick_blood_answers_map_to_grades(value: dict[str, Any], expected: Qual) -> None:
    reading = read_bundle(bundle(obs("u1", LOINC, "5794-3", **value)))
    assert reading.facts.labs[0].qual is expected


def test_an_unrecognised_qualitative_answer_is_rejected() -> None:
    reading = read_bundle(bundle(obs("u1", LOINC, "5794-3", valueString="lots")))
    assert reading.rejected[0].field == "valueString"
    assert reading.facts.labs == ()


def test_a_vzv_titre_with_interpretation_positive_is_read_as_positive() -> None:
    reading = read_bundle(bundle(lab("v1", "8047-3", 250, "m[IU]/mL", interpretation=[concept(
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "POS")])))
    assert reading.facts.labs[0].qual is Qual.POSITIVE


def test_a_protein_strip_in_mg_per_dl_is_read_as_a_grade() -> None:
    reading = read_bundle(bundle(lab("p1", "5804-0", 100, "mg/dL")))
    assert reading.facts.labs[0].qual is Qual.PLUS2


def test_a_less_than_comparator_keeps_the_bound_with_a_note() -> None:
    reading = read_bundle(bundle(lab("r1", "30391-7", 1, "/uL")))
    assert reading.facts.labs[0].value == 1
    q = quantity(5, "/uL")
    q["comparator"] = "<"
    reading = read_bundle(bundle(obs("r2", LOINC, "30391-7", valueQuantity=q)))
    assert reading.facts.labs[0].value == 5
    assert any("valueQuantity <5" in n for n in reading.notes)


def test_a_result_without_a_date_is_rejected_naming_the_field() -> None:
    o = lab("nodate", "777-3", 150, "10*3/uL")
    del o["effectiveDateTime"]
    (error,) = read_bundle(bundle(o)).rejected
    assert (error.resource, error.field) == ("Observation/nodate", "effectiveDateTime")


def test_an_invalid_fhir_date_is_rejected_by_the_model_check() -> None:
    (error,) = read_bundle(bundle(lab("bad", "777-3", 150, "10*3/uL",
                                      when="2024-13-45"))).rejected
    assert error.resource == "Observation/bad" and error.field == "effectiveDateTime"


def test_a_result_of_another_patient_is_ignored_with_a_note() -> None:
    o = lab("other", "777-3", 150, "10*3/uL")
    o["subject"] = {"reference": "Patient/zz"}
    reading = read_bundle(bundle(o))
    assert reading.facts.labs == ()
    assert any("Observation/other: subject.reference Patient/zz" in n for n in reading.notes)


def test_a_subject_given_as_the_patient_full_url_is_accepted() -> None:
    o = lab("u", "777-3", 150, "10*3/uL")
    o["subject"] = {"reference": "urn:uuid:p1"}
    assert len(read_bundle(bundle(o)).facts.labs) == 1


def test_unknown_resource_types_are_ignored_with_a_note() -> None:
    reading = read_bundle(bundle({"resourceType": "Specimen", "id": "s1"}))
    assert reading.notes == ("Specimen/s1: resource type Specimen is not used; ignored",)


# -- status and amendment lineage -----------------------------------------------------------


def test_entered_in_error_results_are_ignored_silently() -> None:
    reading = read_bundle(bundle(lab("e1", "777-3", 20, "10*3/uL", status="entered-in-error")))
    assert reading.facts.labs == () and reading.notes == () and reading.rejected == ()


@pytest.mark.parametrize("status", ["preliminary", "registered", "cancelled"])
def test_non_final_results_are_ignored_with_a_note(status: str) -> None:
    reading = read_bundle(bundle(lab("x", "777-3", 20, "10*3/uL", status=status)))
    assert reading.facts.labs == ()
    assert reading.notes == (f"Observation/x: status {status} is not final/amended/corrected; "
                             "ignored",)


def test_an_amended_result_replaces_the_original_with_the_same_identifier() -> None:
    ident = [{"system": "urn:lab", "value": "A-1"}]
    original = lab("o1", "777-3", 20, "10*3/uL", identifier=ident)
    amended = lab("o2", "777-3", 210, "10*3/uL", identifier=ident, status="amended")
    reading = read_bundle(bundle(amended, original))
    assert [(r.ref, r.value) for r in reading.facts.labs] == [("Observation/o2", 210)]
    assert "Observation/o2 (amended) replaces Observation/o1" in reading.notes


def test_the_latest_version_of_the_same_id_is_read() -> None:
    v1 = lab("o1", "777-3", 20, "10*3/uL", meta={"versionId": "1"})
    v2 = lab("o1", "777-3", 210, "10*3/uL", status="corrected", meta={"versionId": "2"})
    reading = read_bundle(bundle(v2, v1))
    assert [r.value for r in reading.facts.labs] == [210]


def test_a_later_entered_in_error_version_retracts_the_result() -> None:
    v1 = lab("o1", "777-3", 20, "10*3/uL", meta={"versionId": "1"})
    v2 = lab("o1", "777-3", 20, "10*3/uL", status="entered-in-error", meta={"versionId": "2"})
    assert read_bundle(bundle(v1, v2)).facts.labs == ()


# -- every fact type ------------------------------------------------------------------------


def _full_bundle() -> dict[str, Any]:
    yes = {"valueBoolean": True}
    return bundle(
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
         "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                   "active"),
         "code": concept(SNOMED, "426373005", "RRMS"), "onsetDateTime": "2019-06-01"},
        {"resourceType": "Condition", "id": "c2", "subject": {"reference": "Patient/p1"},
         "clinicalStatus": concept("http://terminology.hl7.org/CodeSystem/condition-clinical",
                                   "resolved"),
         "code": concept(PROJECT, "condition-hlh"), "abatementDateTime": "2020-01-01"},
        {"resourceType": "AllergyIntolerance", "id": "a1", "patient": {"reference": "Patient/p1"},
         "code": concept(RXNORM, "117055")},
        {"resourceType": "MedicationStatement", "id": "ms1", "status": "completed",
         "subject": {"reference": "Patient/p1"},
         "medicationCodeableConcept": concept(RXNORM, "1012892"),
         "effectivePeriod": {"start": "2020-01-15", "end": "2023-09-30"}},
        {"resourceType": "MedicationStatement", "id": "ms2", "status": "active",
         "subject": {"reference": "Patient/p1"},
         "medicationCodeableConcept": concept("http://www.whocc.no/atc", "H02AB04"),
         "effectivePeriod": {"start": "2024-01-01"},
         "dosage": [{"route": concept(SNOMED, "47625008"),
                     "doseAndRate": [{"doseQuantity": quantity(1, "g")}],
                     "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}}]},
        {"resourceType": "MedicationAdministration", "id": "ma1", "status": "completed",
         "contained": [{"resourceType": "Medication", "id": "lem",
                        "code": concept(RXNORM, "117055"), "batch": {"lotNumber": "A1"}}],
         "medicationReference": {"reference": "#lem"}, "subject": {"reference": "Patient/p1"},
         "effectivePeriod": {"start": "2024-01-08T09:30:00+01:00",
                             "end": "2024-01-08T13:45:00+01:00"},
         "dosage": {"dose": quantity(12, "mg")}},
        {"resourceType": "MedicationRequest", "id": "mr1", "status": "active", "intent": "plan",
         "medicationCodeableConcept": concept(RXNORM, "117055"),
         "subject": {"reference": "Patient/p1"},
         "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": "2025-01-13"}}}}]},
        {"resourceType": "MedicationRequest", "id": "mr2", "status": "active", "intent": "order",
         "medicationCodeableConcept": concept(RXNORM, "281"),
         "subject": {"reference": "Patient/p1"}, "authoredOn": "2025-01-10"},
        lab("o1", "777-3", 95, "10*3/uL"),
        {"resourceType": "Immunization", "id": "i1", "status": "completed",
         "vaccineCode": concept(CVX, "94"), "patient": {"reference": "Patient/p1"},
         "occurrenceDateTime": "2023-10-02"},
        {"resourceType": "Procedure", "id": "pr1", "status": "completed",
         "code": concept(SNOMED, "29303009"), "subject": {"reference": "Patient/p1"},
         "performedDateTime": "2024-12-10",
         "outcome": concept(PROJECT, "procedure-abnormal")},
        obs("rel1", PROJECT, "relapse", when="2023-08-14",
            component=[component("relapse-disabling", valueBoolean=True)]),
        obs("mri1", PROJECT, "mri-brain", when="2023-09-01",
            component=[component("mri-gd-lesions", valueInteger=2),
                       component("mri-pml-signs", valueBoolean=True)]),
        obs("edss1", SNOMED, "273554001", valueQuantity={"value": 3.5}),
        obs("st1", PROJECT, "alert-card-given", **yes),
        obs("preg1", LOINC, "82810-3", valueCodeableConcept=concept(SNOMED, "60001007")),
        obs("bf1", LOINC, "63895-7", valueBoolean=False),
        {"resourceType": "Consent", "id": "cons1", "status": "active",
         "scope": concept("http://terminology.hl7.org/CodeSystem/consentscope", "treatment"),
         "category": [concept(PROJECT, "alemtuzumab-consent")],
         "patient": {"reference": "Patient/p1"}, "dateTime": "2024-12-15"},
        obs("t1", LOINC, "8310-5", when="2024-01-08T10:15:00+01:00",
            valueQuantity=quantity(101.3, "[degF]")),
        obs("bp1", LOINC, "85354-9", when="2024-01-08T10:15:00Z", component=[
            {"code": concept(LOINC, "8480-6"), "valueQuantity": quantity(128, "mm[Hg]")},
            {"code": concept(LOINC, "8462-4"), "valueQuantity": quantity(82, "mm[Hg]")}]),
        obs("sym1", PROJECT, "symptom-haemoptysis", **yes),
        {"resourceType": "QuestionnaireResponse", "id": "qr1", "status": "completed",
         "questionnaire": "https://alemtrack.org/fhir/Questionnaire/fig4-symptom-checklist",
         "subject": {"reference": "Patient/p1"}, "authored": "2025-03-01T09:00:00+01:00",
         "item": [{"linkId": "haem-bruising", "answer": [{"valueBoolean": True}]},
                  {"linkId": "inf-fever", "answer": [{"valueBoolean": False}]}]},
        {**obs("irr1", PROJECT, "infusion-reaction", when="2024-01-08T11:20:00+01:00",
               valueInteger=2,
               component=[component("infusion-rate-at-stop", valueQuantity=quantity(50, "mL/h"))]),
         "partOf": [{"reference": "MedicationAdministration/ma1"}]},
        {"resourceType": "ServiceRequest", "id": "sr1", "status": "active", "intent": "order",
         "priority": "routine", "code": concept(PROJECT, "planned-surgery"),
         "subject": {"reference": "Patient/p1"}, "occurrenceDateTime": "2025-04-10"},
    )


def test_a_full_synthetic_bundle_yields_every_fact_type() -> None:
    reading = read_bundle(_full_bundle())
    f = reading.facts
    assert reading.rejected == ()
    assert [(c.kind, c.active) for c in f.conditions] == [
        (ConditionKind.RRMS, True), (ConditionKind.HLH, False),
        (ConditionKind.HYPERSENSITIVITY_ALEMTUZUMAB, True)]
    assert f.conditions[0].onset == date(2019, 6, 1)
    fingolimod, methylpred = f.medications
    assert (fingolimod.drug, fingolimod.start, fingolimod.last_dose, fingolimod.active) == (
        Drug.FINGOLIMOD, date(2020, 1, 15), date(2023, 9, 30), False)
    assert (methylpred.drug, methylpred.daily_dose_mg, methylpred.iv_bolus) == (
        Drug.METHYLPREDNISOLONE, 1250.0, True)
    (inf,) = f.infusions
    assert (inf.date, inf.start, inf.end, inf.dose_mg, inf.lot) == (
        date(2024, 1, 8), datetime(2024, 1, 8, 9, 30), datetime(2024, 1, 8, 13, 45), 12.0, "A1")
    assert [(p.ref, p.start) for p in f.planned_courses] == [
        ("MedicationRequest/mr1", date(2025, 1, 13))]
    assert [(o.drug, o.start) for o in f.orders] == [(Drug.ACICLOVIR, date(2025, 1, 10))]
    assert [(x.analyte, x.value) for x in f.labs] == [(Analyte.PLATELETS, 95)]
    assert sorted((v.vaccine.value, v.live) for v in f.vaccinations) == [
        ("mmr", True), ("varicella", True)]
    assert [(p.kind, p.abnormal) for p in f.procedures] == [(ProcedureKind.ECG, True)]
    assert [(r.onset, r.disabling, r.protocol_defined) for r in f.relapses] == [
        (date(2023, 8, 14), True, True)]
    (scan,) = f.mri
    assert (scan.gd_lesions, scan.new_t2_lesions, scan.pml_signs, scan.gd_enhanced) == (
        2, None, True, True)
    assert [e.value for e in f.edss] == [3.5]
    assert sorted((s.code.value, s.value) for s in f.statements) == [
        (StatementCode.ALERT_CARD_GIVEN.value, True), (StatementCode.BREASTFEEDING.value, False),
        (StatementCode.PREGNANT.value, False)]
    assert [c.date for c in f.consents] == [date(2024, 12, 15)]
    temp, systolic, diastolic = f.vitals
    assert temp.kind is VitalKind.TEMPERATURE and temp.value == pytest.approx(38.5)
    assert temp.at == datetime(2024, 1, 8, 10, 15)
    assert (systolic.kind, systolic.value, diastolic.kind, diastolic.value) == (
        VitalKind.SYSTOLIC, 128, VitalKind.DIASTOLIC, 82)
    assert [s.code for s in f.symptoms] == [SymptomCode.HAEMOPTYSIS]
    (checklist,) = f.checklists
    assert checklist.date == date(2025, 3, 1)
    assert checklist.answers == (ChecklistAnswer(ChecklistItem.BRUISING, True),
                                 ChecklistAnswer(ChecklistItem.FEVER, False))
    (reaction,) = f.reactions
    assert (reaction.grade, reaction.rate_at_stop_ml_h, reaction.infusion_ref, reaction.at) == (
        2, 50, "MedicationAdministration/ma1", datetime(2024, 1, 8, 11, 20))
    assert [(s.date, s.elective) for s in f.surgeries] == [(date(2025, 4, 10), True)]


def test_an_immunization_without_cvx_is_other_and_not_live_with_a_note() -> None:
    reading = read_bundle(bundle({"resourceType": "Immunization", "id": "i1",
                                  "status": "completed", "vaccineCode": {"text": "flu"},
                                  "patient": {"reference": "Patient/p1"},
                                  "occurrenceDateTime": "2023-10-02"}))
    (v,) = reading.facts.vaccinations
    assert (v.vaccine, v.live) == (Vaccine.OTHER, False)
    assert any("no CVX coding" in n for n in reading.notes)


def test_a_planned_course_without_day_one_is_rejected_naming_the_field() -> None:
    (error,) = read_bundle(bundle({
        "resourceType": "MedicationRequest", "id": "mr1", "status": "active", "intent": "plan",
        "medicationCodeableConcept": concept(RXNORM, "117055"),
        "subject": {"reference": "Patient/p1"}})).rejected
    assert error.field == "dosageInstruction[0].timing.repeat.boundsPeriod.start"


def test_an_alemtuzumab_infusion_on_hold_is_not_an_infusion_day() -> None:
    reading = read_bundle(bundle({
        "resourceType": "MedicationAdministration", "id": "ma1", "status": "on-hold",
        "medicationCodeableConcept": concept(RXNORM, "117055"),
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2024-01-08"}))
    assert reading.facts.infusions == ()
    assert any("status on-hold is not counted" in n for n in reading.notes)


def test_an_edss_off_the_half_point_scale_is_rejected() -> None:
    (error,) = read_bundle(bundle(obs("e", SNOMED, "273554001",
                                      valueQuantity={"value": 3.3}))).rejected
    assert error.resource == "Observation/e" and "EDSS 3.3" in str(error)


def test_an_implausible_heart_rate_is_rejected() -> None:
    (error,) = read_bundle(bundle(obs("hr", LOINC, "8867-4",
                                      valueQuantity=quantity(900, "/min")))).rejected
    assert error.field == "valueQuantity.value"


def test_a_partial_birth_date_takes_the_last_day_of_the_year() -> None:
    b = bundle()
    b["entry"][0]["resource"]["birthDate"] = "1990"
    reading = read_bundle(b)
    assert reading.facts.birth_date == date(1990, 12, 31)
    assert any("birthDate" in n for n in reading.notes)
