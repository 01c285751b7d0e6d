"""The demo clinic's generator: a seeded synthetic clinic whose every bundle reads cleanly and
whose patients, assessed by the protocol on the reference date, cover the whole programme."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date

import pytest

from alemtrack.demo.generator import DemoPatient, generate_clinic
from alemtrack.interop.fhir import BundleReading, read_bundle
from alemtrack.protocol import PROFILES, Assessment, assess
from alemtrack.protocol.dates import add_months
from alemtrack.protocol.facts import Analyte

TODAY = date(2026, 11, 21)
SEED = 2026


@dataclass(frozen=True)
class Assessed:
    patient: DemoPatient
    reading: BundleReading
    assessment: Assessment

    @property
    def rules(self) -> set[str]:
        return {f.rule for f in self.assessment.findings}


@pytest.fixture(scope="module")
def clinic() -> list[Assessed]:
    """The default demo clinic (150 patients), each read and assessed on TODAY (EU profile)."""
    assessed = []
    for patient in generate_clinic(150, SEED, TODAY):
        reading = read_bundle(patient.bundle)
        assessed.append(Assessed(patient, reading,
                                 assess(reading.facts, TODAY, PROFILES["eu"])))
    return assessed


def _phases(clinic: list[Assessed]) -> Counter[str]:
    return Counter(a.assessment.phase.value for a in clinic)


def _with_rule(clinic: list[Assessed], prefix: str) -> list[Assessed]:
    return [a for a in clinic if any(r.startswith(prefix) for r in a.rules)]


def test_the_same_seed_and_day_give_the_same_clinic_byte_for_byte() -> None:
    first = generate_clinic(30, SEED, TODAY)
    again = generate_clinic(30, SEED, TODAY)
    assert [json.dumps(p.bundle, sort_keys=True) for p in first] == [
        json.dumps(p.bundle, sort_keys=True) for p in again]
    other = generate_clinic(30, SEED + 1, TODAY)
    assert [p.bundle for p in other] != [p.bundle for p in first]


def test_the_clinic_follows_its_reference_date() -> None:
    later = date(2027, 3, 2)
    patients = generate_clinic(20, SEED, later)
    phases = Counter(assess(read_bundle(p.bundle).facts, later, PROFILES["eu"]).phase.value
                     for p in patients)
    assert phases["in-course"] >= 1 and phases["monitoring"] >= 1


def test_the_default_clinic_has_150_patients_with_unique_ids_and_names(
        clinic: list[Assessed]) -> None:
    assert len(clinic) == 150
    assert len({a.patient.fhir_id for a in clinic}) == 150
    assert len({a.patient.name for a in clinic}) == 150
    ids = [e["resource"]["resourceType"] + "/" + e["resource"]["id"]
           for a in clinic for e in a.patient.bundle["entry"]]
    assert len(ids) == len(set(ids)), "resource ids must be unique across the whole clinic"


def test_every_bundle_reads_with_zero_rejections(clinic: list[Assessed]) -> None:
    rejected = {a.patient.fhir_id: [str(r) for r in a.reading.rejected]
                for a in clinic if a.reading.rejected}
    assert rejected == {}


def test_no_fact_is_dated_after_the_reference_date(clinic: list[Assessed]) -> None:
    late = []
    for a in clinic:
        f = a.reading.facts
        for group in (f.labs, f.infusions, f.vaccinations, f.procedures, f.relapses, f.mri,
                      f.edss, f.statements, f.consents, f.vitals, f.checklists, f.reactions):
            late += [(a.patient.fhir_id, x) for x in group
                     if (getattr(x, "date", None) or x.onset) > TODAY]
    assert late == []


def test_every_phase_of_the_programme_is_represented_and_most_patients_are_monitored(
        clinic: list[Assessed]) -> None:
    phases = _phases(clinic)
    assert set(phases) == {"candidate", "pre-treatment", "in-course", "monitoring",
                           "monitoring-complete"}
    assert phases["monitoring"] > len(clinic) / 2
    assert phases["in-course"] >= 5
    assert phases["candidate"] >= 10
    assert phases["pre-treatment"] >= 8
    assert phases["monitoring-complete"] >= 5


def test_monitoring_patients_sit_at_every_month_1_to_48_after_their_last_course(
        clinic: list[Assessed]) -> None:
    months = set()
    for a in clinic:
        if a.assessment.phase.value != "monitoring":
            continue
        last = a.assessment.courses[-1].last_day
        months.add(next(k for k in range(1, 50) if add_months(last, k) > TODAY))
    assert set(range(1, 49)) <= months


def test_the_clinic_has_courses_1_2_and_3_given_and_course_2_due(
        clinic: list[Assessed]) -> None:
    courses = Counter(len(a.assessment.courses) for a in clinic)
    assert courses[1] >= 20 and courses[2] >= 60 and courses[3] >= 3
    due_for_2 = [a for a in clinic if a.assessment.phase.value == "monitoring"
                 and a.assessment.next_course.number == 2
                 and add_months(a.assessment.courses[0].last_day, 12) <= TODAY]
    assert len(due_for_2) >= 5
    course_3_planned = [a for a in clinic if a.assessment.next_course.number == 3
                        and a.assessment.next_course.planned_start is not None
                        and a.assessment.phase.value == "monitoring"]
    assert course_3_planned, "a patient who relapsed after course 2 has course 3 planned"


def test_infusions_happen_today_and_courses_start_this_week(clinic: list[Assessed]) -> None:
    in_course = [a for a in clinic if a.assessment.phase.value == "in-course"]
    assert any(a.assessment.next_course.number == 1 or len(a.assessment.courses) == 1
               for a in in_course)
    this_week = [a for a in clinic if a.assessment.phase.value == "pre-treatment"
                 and a.assessment.next_course.planned_start is not None
                 and (a.assessment.next_course.planned_start - TODAY).days <= 7]
    assert len(this_week) >= 3


def test_candidates_wait_for_washouts_of_each_second_line_dmt(clinic: list[Assessed]) -> None:
    candidates = [a for a in clinic if a.assessment.phase.value == "candidate"]
    washout = [a for a in candidates if any(
        g.rule == "R-D1" and g.outcome.value != "pass" for g in a.assessment.next_course.gates)]
    drugs = {m.drug.value for a in washout for m in a.reading.facts.medications}
    assert {"fingolimod", "natalizumab", "teriflunomide", "dimethyl-fumarate"} <= drugs


def test_there_are_suspected_itp_and_platelet_emergencies(clinic: list[Assessed]) -> None:
    assert _with_rule(clinic, "R-H4"), "platelets 30-99 without bleeding"
    assert _with_rule(clinic, "R-H5"), "platelets < 30 with bleeding"
    recovered = [a for a in clinic if any(c.kind.value == "itp"
                                          for c in a.reading.facts.conditions)]
    assert recovered, "some patients had ITP in the past and recovered"


def test_there_are_thyroid_renal_and_liver_pictures(clinic: list[Assessed]) -> None:
    thyroid = {r for a in _with_rule(clinic, "R-T") for r in a.rules if r.startswith("R-T")}
    assert {"R-T2", "R-T3", "R-T4"} <= thyroid
    graves = [a for a in _with_rule(clinic, "R-T3")
              if a.reading.facts.labs and any(
                  lab.analyte is Analyte.TRAB and lab.value and lab.value > 1.75
                  for lab in a.reading.facts.labs)]
    assert graves, "Graves' disease: low TSH, high FT4 and TRAb positive"
    assert _with_rule(clinic, "R-N1"), "creatinine rise with haematuria"
    assert _with_rule(clinic, "R-L"), "abnormal liver tests"


def test_about_one_patient_in_seven_misses_monitoring_and_some_are_overdue(
        clinic: list[Assessed]) -> None:
    overdue = _with_rule(clinic, "R-M1")
    assert len(overdue) >= 6
    assert {f.severity.value for a in overdue for f in a.assessment.findings
            if f.rule == "R-M1"} >= {"urgent"}
    irregular = [a for a in clinic if "overdue" in a.patient.story or "gaps" in a.patient.story]
    assert 0.10 <= len(irregular) / len(clinic) <= 0.22


def test_lymphocytes_fall_after_alemtuzumab_and_recover_over_the_year(
        clinic: list[Assessed]) -> None:
    month1, month11 = [], []
    for a in clinic:
        if not a.assessment.courses:
            continue
        first = a.assessment.courses[0]
        for lab in a.reading.facts.labs:
            if lab.analyte is not Analyte.LYMPHOCYTES or lab.value is None:
                continue
            days = (lab.date - first.last_day).days
            if 20 <= days <= 40:
                month1.append(lab.value)
            elif 320 <= days <= 345:
                month11.append(lab.value)
    assert month1 and month11
    assert sum(month1) / len(month1) < 0.5 < sum(month11) / len(month11)


def test_infusions_are_12_mg_with_a_lot_number_and_orders_cover_every_planned_course(
        clinic: list[Assessed]) -> None:
    infusions = [i for a in clinic for i in a.reading.facts.infusions]
    assert infusions
    assert {i.dose_mg for i in infusions} == {12.0}
    assert all(i.lot for i in infusions)
    planned = [a for a in clinic if a.assessment.next_course.planned_start is not None]
    assert planned
    for a in planned:
        start = a.assessment.next_course.planned_start
        drugs = {o.drug.value for o in a.reading.facts.orders if o.start == start}
        assert {"aciclovir", "methylprednisolone"} <= drugs, a.patient.fhir_id


def test_a_clinic_of_20_still_has_every_phase_and_the_key_complications() -> None:
    assessed = []
    for patient in generate_clinic(20, SEED, TODAY):
        reading = read_bundle(patient.bundle)
        assert reading.rejected == ()
        assessed.append(Assessed(patient, reading, assess(reading.facts, TODAY,
                                                          PROFILES["eu"])))
    assert set(_phases(assessed)) == {"candidate", "pre-treatment", "in-course", "monitoring",
                                      "monitoring-complete"}
    assert _with_rule(assessed, "R-H") and _with_rule(assessed, "R-T")
    assert _with_rule(assessed, "R-M1")
