"""Entries made by the care team become FHIR resources, facts and a new evaluation."""

from __future__ import annotations

from datetime import date, time

import pytest

from alemtrack.errors import ValidationError
from alemtrack.protocol.facts import Analyte, ChecklistItem
from alemtrack.services.clinic import Clinic
from alemtrack.services.model import InfusionEntry, LabEntry, MriEntry, VitalsEntry
from tests.conftest import FakeClock
from tests.integration.bundles import bundle, course1, patient


def _patient(clinic: Clinic) -> int:
    return clinic.import_bundle(bundle(patient(), *course1()), source="s", actor="a").patient_id


def _fields(err: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [e.field for e in err.value.errors]


def test_a_creatinine_with_an_unknown_unit_is_refused_naming_the_unit_field(
    clinic: Clinic,
) -> None:
    pid = _patient(clinic)
    with pytest.raises(ValidationError) as err:
        clinic.enter_lab_result(pid, LabEntry(code="2160-0", value=0.9, unit="furlongs",
                                              on=date(2026, 11, 20)), actor="nurse.kim")
    assert _fields(err) == ["unit"]
    assert "furlongs" in err.value.errors[0].message
    assert clinic.facts(pid).labs == ()  # nothing stored


def test_an_unknown_loinc_and_an_implausible_value_are_refused(clinic: Clinic) -> None:
    pid = _patient(clinic)
    with pytest.raises(ValidationError) as err:
        clinic.enter_lab_result(pid, LabEntry(code="9999-9", value=1, unit="mg/dL",
                                              on=date(2026, 11, 20)), actor="a")
    assert _fields(err) == ["code"]
    with pytest.raises(ValidationError) as err:
        clinic.enter_lab_result(pid, LabEntry(code="777-3", value=5000, unit="10*3/uL",
                                              on=date(2026, 11, 20)), actor="a")
    assert _fields(err) == ["value"]
    with pytest.raises(ValidationError) as err:
        clinic.enter_lab_result(pid, LabEntry(code="5794-3", value=None, unit="", qual="maybe",
                                              on=date(2026, 11, 20)), actor="a")
    assert _fields(err) == ["qual"]


def test_a_creatinine_in_umol_per_litre_is_stored_converted_and_plotted(clinic: Clinic) -> None:
    pid = _patient(clinic)
    summary = clinic.enter_lab_result(
        pid, LabEntry(code="2160-0", value=88.42, unit="umol/L", on=date(2026, 11, 20),
                      ref_low=45, ref_high=90), actor="nurse.kim")
    assert summary.evaluated_on == date(2026, 11, 21)
    (lab,) = clinic.facts(pid).labs
    assert (lab.analyte, lab.value, lab.reported_unit) == (Analyte.CREATININE, 1.0, "umol/L")
    (point,) = clinic.patient(pid).labs["creatinine"]
    assert (point.value, point.unit) == (1.0, "mg/dL")
    assert point.ref_high == pytest.approx(90 / 88.42, rel=1e-6)


def test_a_low_platelet_count_entered_by_hand_opens_an_alert(clinic: Clinic) -> None:
    pid = _patient(clinic)
    summary = clinic.enter_lab_result(pid, LabEntry(code="777-3", value=62, unit="10*9/L",
                                                    on=date(2026, 11, 20)), actor="nurse.kim")
    assert summary.open_alerts >= 1
    assert "R-H4" in {a.rule for a in clinic.alerts(patient_id=pid).items}


def test_an_infusion_day_records_dose_lot_vitals_and_the_reaction(
    clinic: Clinic, clock: FakeClock
) -> None:
    pid = clinic.import_bundle(bundle(patient()), source="s", actor="a").patient_id
    entry = InfusionEntry(
        on=date(2026, 11, 21), start=time(9, 30), end=time(13, 45), dose_mg=12, lot="LOT-77",
        vitals=(VitalsEntry(at=time(10, 0), temperature_c=37.1, heart_rate=80, systolic=128,
                            diastolic=82),),
        reaction_grade=2, reaction_at=time(11, 20), rate_at_stop_ml_h=50,
        reaction_action="infusion paused, paracetamol given",
    )
    summary = clinic.record_infusion_day(pid, entry, actor="nurse.kim")
    facts = clinic.facts(pid)

    (infusion,) = facts.infusions
    assert (infusion.date, infusion.dose_mg, infusion.lot) == (date(2026, 11, 21), 12, "LOT-77")
    assert infusion.start is not None and infusion.start.time() == time(9, 30)
    assert sorted(v.kind.value for v in facts.vitals) == [
        "diastolic", "heart-rate", "systolic", "temperature"]
    (reaction,) = facts.reactions
    assert (reaction.grade, reaction.rate_at_stop_ml_h) == (2, 50)
    assert reaction.infusion_ref == infusion.ref
    assert summary.phase == "in-course"
    (slot,) = clinic.worklist(date(2026, 11, 21)).infusions
    assert (slot.patient_id, slot.course_number, slot.day_number, slot.status) == (
        pid, 1, 1, "given")
    (tomorrow,) = clinic.worklist(date(2026, 11, 22)).infusions
    assert (tomorrow.day_number, tomorrow.status) == (2, "planned")


def test_an_infusion_day_with_a_missing_lot_and_wrong_grade_names_both_fields(
    clinic: Clinic,
) -> None:
    pid = _patient(clinic)
    entry = InfusionEntry(on=date(2026, 11, 21), start=time(9), end=None, dose_mg=12, lot=" ",
                          reaction_grade=7)
    with pytest.raises(ValidationError) as err:
        clinic.record_infusion_day(pid, entry, actor="a")
    assert _fields(err) == ["lot", "reaction_grade"]


def test_relapse_edss_mri_vaccination_and_checklist_become_facts(clinic: Clinic) -> None:
    pid = _patient(clinic)
    clinic.record_relapse(pid, date(2026, 10, 1), disabling=True, actor="dr.lind")
    clinic.record_edss(pid, date(2026, 10, 15), 3.5, actor="dr.lind")
    clinic.record_mri(pid, MriEntry(on=date(2026, 10, 20), gd_lesions=2, new_t2_lesions=1),
                      actor="dr.lind")
    clinic.record_vaccination(pid, date(2026, 10, 2), "150", actor="nurse.kim")
    clinic.record_checklist(pid, date(2026, 11, 20), {"haem-bruising": True, "inf-fever": False},
                            actor="nurse.kim")
    facts = clinic.facts(pid)
    assert [(r.onset, r.disabling) for r in facts.relapses] == [(date(2026, 10, 1), True)]
    assert [e.value for e in facts.edss] == [3.5]
    assert [(m.gd_lesions, m.new_t2_lesions) for m in facts.mri] == [(2, 1)]
    assert [v.code for v in facts.vaccinations] == ["150"]
    (checklist,) = facts.checklists
    assert {(a.item, a.yes) for a in checklist.answers} == {
        (ChecklistItem.BRUISING, True), (ChecklistItem.FEVER, False)}
    kinds = {e.kind for e in clinic.patient(pid).timeline}
    assert {"relapse", "edss", "mri", "vaccination", "checklist", "infusion", "course"} <= kinds


def test_wrong_edss_and_unknown_checklist_questions_are_refused(clinic: Clinic) -> None:
    pid = _patient(clinic)
    with pytest.raises(ValidationError) as err:
        clinic.record_edss(pid, date(2026, 10, 15), 3.3, actor="a")
    assert _fields(err) == ["value"]
    with pytest.raises(ValidationError) as err:
        clinic.record_checklist(pid, date(2026, 11, 20), {"tired": True}, actor="a")
    assert _fields(err) == ["tired"]
    with pytest.raises(ValidationError) as err:
        clinic.record_vaccination(pid, date(2027, 1, 1), "21", actor="a")
    assert _fields(err) == ["on"]
