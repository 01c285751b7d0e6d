"""R-A1..R-A7: indication, contraindications, REMS, consent (clinical-rules.md §2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from itertools import count
from typing import Any

from alemtrack.protocol.engine import Assessment, assess
from alemtrack.protocol.facts import (
    Analyte,
    ConditionKind,
    Consent,
    Drug,
    MedicationUse,
    MriScan,
    PatientFacts,
    Qual,
    Relapse,
    Sex,
    Statement,
    StatementCode,
    VitalKind,
    VitalSign,
)
from alemtrack.protocol.parameters import PROFILES, ProfileName, p
from alemtrack.protocol.results import GateOutcome
from alemtrack.protocol.rules import selection
from builders import condition, course, gate, gate_rules, lab, patient, run
from builders import ctx as make_ctx

_ids = count(1)

AS_OF = date(2026, 11, 21)
D1 = date(2026, 12, 1)


def _statement(code: StatementCode, on: date, value: bool = True) -> Statement:
    return Statement(f"Observation/s{next(_ids)}", code, on, value)


def _med(drug: Drug, *, start: date | None = date(2018, 1, 1), last_dose: date | None = None,
         active: bool = False) -> MedicationUse:
    return MedicationUse(f"MedicationStatement/m{next(_ids)}", drug, drug.value, start=start,
                         last_dose=last_dose, active=active)


def _relapse(onset: date, *, disabling: bool = True, protocol_defined: bool = True) -> Relapse:
    return Relapse(f"Observation/r{next(_ids)}", onset, disabling, protocol_defined)


def _mri(on: date, *, gd: int | None = 0, t2: int | None = 0,
         t2_load_increase: bool = False) -> MriScan:
    return MriScan(f"Observation/mri{next(_ids)}", on, gd_lesions=gd, new_t2_lesions=t2,
                   t2_load_increase=t2_load_increase)


def _consent(on: date) -> Consent:
    return Consent(f"Consent/c{next(_ids)}", on)


def _education(on: date = date(2026, 11, 1)) -> list[Statement]:
    return [_statement(StatementCode.ALERT_CARD_GIVEN, on),
            _statement(StatementCode.PATIENT_GUIDE_GIVEN, on)]


def candidate(**facts: Any) -> PatientFacts:
    """An EU-eligible course-1 candidate: RRMS, highly active despite interferon (attested),
    consented, card and guide given."""
    statements = [
        _statement(StatementCode.HIGHLY_ACTIVE_DESPITE_DMT, date(2026, 10, 1)),
        *_education(),
        *facts.pop("statements", []),
    ]
    base = patient(
        medications=[_med(Drug.INTERFERON_BETA, last_dose=date(2026, 9, 1)),
                     *facts.pop("medications", [])],
        statements=statements,
        consents=facts.pop("consents", [_consent(date(2026, 11, 1))]),
        **facts,
    )
    return base


def bare(**facts: Any) -> PatientFacts:
    """RRMS patient with consent and education but no DMT and no attestation."""
    return patient(consents=[_consent(date(2026, 11, 1))],
                   statements=[*_education(), *facts.pop("statements", [])],
                   **facts)


def assess_c1(p_: PatientFacts, profile: ProfileName = "eu") -> Assessment:
    return run(p_, AS_OF, profile=profile, planned_start=D1)


# ---- R-A1 ---------------------------------------------------------------------------------


def test_highly_active_rrms_despite_one_dmt_meets_eu_indication():
    a = assess_c1(candidate())
    assert "R-A1" not in gate_rules(a)


def test_treatment_naive_rrms_without_res_is_held_outside_eu_label():
    a = assess_c1(bare())
    g = gate(a, "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason.startswith("outside EU label: 0 prior DMT(s) (< 1)")
    assert "0 disabling relapse(s) since 2025-12-01 (< 2)" in g.reason


def test_one_dmt_without_highly_active_attestation_is_held_in_eu():
    p_ = bare(medications=[_med(Drug.GLATIRAMER, last_dose=date(2026, 8, 1))])
    g = gate(assess_c1(p_), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert "no attestation of highly active disease" in g.reason
    assert "(< 1)" not in g.reason


def test_two_disabling_relapses_in_12_months_with_gd_lesion_meet_eu_res():
    # The first relapse is exactly 12 months before D1: inside the year.
    p_ = bare(relapses=[_relapse(date(2025, 12, 1)), _relapse(date(2026, 6, 1))],
              mri=[_mri(date(2026, 7, 1), gd=1)])
    assert "R-A1" not in gate_rules(assess_c1(p_))


def test_relapse_one_day_outside_the_year_does_not_count_for_eu_res():
    old, recent = _relapse(date(2025, 11, 30)), _relapse(date(2026, 6, 1))
    scan = _mri(date(2026, 7, 1), gd=2)
    g = gate(assess_c1(bare(relapses=[old, recent], mri=[scan])), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert "1 disabling relapse(s) since 2025-12-01 (< 2)" in g.reason
    assert {e.ref for e in g.evidence} >= {recent.ref, scan.ref}
    assert old.ref not in {e.ref for e in g.evidence}


def test_two_disabling_relapses_with_t2_load_increase_meet_eu_res():
    p_ = bare(relapses=[_relapse(date(2026, 1, 10)), _relapse(date(2026, 6, 1))],
              mri=[_mri(date(2026, 7, 1), gd=0, t2_load_increase=True)])
    assert "R-A1" not in gate_rules(assess_c1(p_))


def test_two_non_disabling_relapses_do_not_meet_eu_res():
    p_ = bare(relapses=[_relapse(date(2026, 1, 10), disabling=False),
                        _relapse(date(2026, 6, 1), disabling=False)],
              mri=[_mri(date(2026, 7, 1), gd=3)])
    assert gate(assess_c1(p_), "R-A1").outcome is GateOutcome.HOLD


def test_secondary_progressive_ms_is_held_outside_eu_label():
    spms = condition(ConditionKind.SPMS_NON_ACTIVE, onset=date(2024, 1, 1))
    g = gate(assess_c1(candidate(conditions=[spms])), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert g.reason == "outside EU label: SPMS-NON-ACTIVE, not RRMS"
    assert [e.ref for e in g.evidence] == [spms.ref]


def test_missing_ms_phenotype_holds_course_1():
    p_ = replace(candidate(), conditions=(condition(ConditionKind.MS),))
    g = gate(assess_c1(p_), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert "phenotype" in g.reason


def test_us_relapsing_ms_after_one_dmt_only_warns():
    g = gate(assess_c1(candidate(), "us"), "R-A1")
    assert g.outcome is GateOutcome.WARN
    assert g.reason.startswith("1 prior DMT(s) (< 2)")


def test_us_relapsing_ms_after_two_dmts_raises_no_indication_gate():
    p_ = candidate(medications=[_med(Drug.FINGOLIMOD, last_dose=date(2026, 5, 1))])
    assert "R-A1" not in gate_rules(assess_c1(p_, "us"))


def test_us_active_spms_is_a_relapsing_form():
    p_ = candidate(conditions=[condition(ConditionKind.SPMS_ACTIVE, onset=date(2024, 1, 1))],
                   medications=[_med(Drug.FINGOLIMOD, last_dose=date(2026, 5, 1))])
    assert "R-A1" not in gate_rules(assess_c1(p_, "us"))


def test_us_clinically_isolated_syndrome_is_held():
    p_ = replace(candidate(), conditions=(condition(ConditionKind.CIS, onset=date(2026, 3, 1)),))
    g = gate(assess_c1(p_, "us"), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert g.reason == "outside US label: CIS is not a relapsing form of MS"


def test_es2019_relapse_in_the_last_year_meets_s3_rec_1():
    p_ = bare(relapses=[_relapse(date(2026, 2, 1), disabling=False)])
    assert "R-A1" not in gate_rules(assess_c1(p_, "es2019"))


def test_es2019_single_new_t2_lesion_meets_s3_rec_1():
    assert "R-A1" not in gate_rules(assess_c1(bare(mri=[_mri(date(2026, 9, 1), t2=1)]),
                                              "es2019"))


def test_es2019_inactive_disease_is_held():
    p_ = bare(relapses=[_relapse(date(2025, 11, 30))], mri=[_mri(date(2026, 9, 1))])
    g = gate(assess_c1(p_, "es2019"), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert g.reason.startswith("outside S3 Rec 1: no relapse or MRI activity")


def test_es2019_suboptimal_response_attestation_meets_s3_rec_1():
    p_ = bare(statements=[_statement(StatementCode.SUBOPTIMAL_RESPONSE, date(2026, 10, 1))])
    assert "R-A1" not in gate_rules(assess_c1(p_, "es2019"))


def test_patient_under_18_at_d1_is_blocked_in_every_profile():
    # 18th birthday is the day after D1.
    young = candidate(born=date(2008, 12, 2),
                      medications=[_med(Drug.FINGOLIMOD, last_dose=date(2026, 5, 1))])
    for profile in ("eu", "us", "es2019"):
        g = gate(assess_c1(young, profile), "R-A1")
        assert g.outcome is GateOutcome.BLOCK, profile
        assert g.until is None
        assert "age 17 y at D1 2026-12-01 (< 18)" in g.reason


def test_patient_turning_18_on_d1_is_not_blocked_for_age():
    adult = candidate(born=date(2008, 12, 1))
    assert "R-A1" not in gate_rules(assess_c1(adult))


def _treated_twice(**facts: Any) -> PatientFacts:
    """Courses 1 (2023-01-09..13) and 2 (2024-01-15..17) given; course 3 under assessment."""
    return candidate(infusions=[*course(date(2023, 1, 9), 5), *course(date(2024, 1, 15), 3)],
                     consents=[_consent(date(2026, 11, 1))], **facts)


def test_course_2_needs_no_disease_activity():
    p_ = candidate(infusions=course(date(2025, 11, 3), 5), consents=[_consent(date(2026, 11, 1))])
    assert "R-A1" not in gate_rules(assess_c1(p_))


def test_course_3_without_activity_since_course_2_is_held():
    before = _relapse(date(2024, 1, 10))  # before course 2's last infusion: does not count
    g = gate(assess_c1(_treated_twice(relapses=[before])), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason.startswith("course 3 needs disease activity after course 2 "
                               "(last infusion 2024-01-17): 0 protocol-defined relapse(s)")


def test_course_3_after_a_protocol_defined_relapse_is_not_held():
    a = assess_c1(_treated_twice(relapses=[_relapse(date(2026, 3, 1), disabling=False)]))
    assert "R-A1" not in gate_rules(a)


def test_course_3_after_relapse_not_meeting_protocol_definition_is_held():
    a = assess_c1(_treated_twice(relapses=[_relapse(date(2026, 3, 1), protocol_defined=False)]))
    assert gate(a, "R-A1").outcome is GateOutcome.HOLD


def test_course_3_after_two_new_t2_lesions_is_not_held():
    assert "R-A1" not in gate_rules(assess_c1(_treated_twice(mri=[_mri(date(2026, 5, 1), t2=2)])))


def test_course_3_after_one_new_t2_lesion_only_is_held():
    scan = _mri(date(2026, 5, 1), t2=1)
    g = gate(assess_c1(_treated_twice(mri=[scan])), "R-A1")
    assert g.outcome is GateOutcome.HOLD
    assert [e.ref for e in g.evidence] == [scan.ref]


def test_course_3_after_a_gd_enhancing_lesion_is_not_held():
    assert "R-A1" not in gate_rules(assess_c1(_treated_twice(mri=[_mri(date(2026, 5, 1), gd=1)])))


# ---- R-A2 ---------------------------------------------------------------------------------


def test_alemtuzumab_hypersensitivity_blocks_in_every_profile():
    allergy = condition(ConditionKind.HYPERSENSITIVITY_ALEMTUZUMAB, active=False)
    for profile in ("eu", "us", "es2019"):
        g = gate(assess_c1(candidate(conditions=[allergy]), profile), "R-A2")
        assert g.outcome is GateOutcome.BLOCK
        assert g.until is None
        assert [e.ref for e in g.evidence] == [allergy.ref]


def test_positive_hiv_test_blocks():
    hiv = lab(Analyte.HIV, None, date(2026, 10, 20), qual=Qual.POSITIVE)
    g = gate(assess_c1(candidate(labs=[hiv])), "R-A2")
    assert g.outcome is GateOutcome.BLOCK
    assert g.reason == "HIV Ab/Ag positive on 2026-10-20: HIV infection"
    assert [e.ref for e in g.evidence] == [hiv.ref]


def test_hiv_condition_blocks():
    hiv = condition(ConditionKind.HIV, onset=date(2020, 1, 1))
    assert gate(assess_c1(candidate(conditions=[hiv])), "R-A2").outcome is GateOutcome.BLOCK


def test_negative_hiv_test_raises_no_absolute_contraindication():
    hiv = lab(Analyte.HIV, None, date(2026, 10, 20), qual=Qual.NEGATIVE)
    assert "R-A2" not in gate_rules(assess_c1(candidate(labs=[hiv])))


# ---- R-A3 ---------------------------------------------------------------------------------


def test_history_of_stroke_blocks_in_eu_and_warns_in_us():
    stroke = condition(ConditionKind.STROKE, onset=date(2019, 4, 1), active=False)
    eu = gate(assess_c1(candidate(conditions=[stroke])), "R-A3")
    assert eu.outcome is GateOutcome.BLOCK
    assert eu.reason == "EU contraindication: history of stroke"
    assert [e.ref for e in eu.evidence] == [stroke.ref]
    us = gate(assess_c1(candidate(conditions=[stroke]), "us"), "R-A3")
    assert us.outcome is GateOutcome.WARN


def test_es2019_applies_the_2020_eu_contraindications():
    mi = condition(ConditionKind.ANGINA_MI, onset=date(2021, 4, 1), active=False)
    assert gate(assess_c1(candidate(conditions=[mi]), "es2019"), "R-A3").outcome is \
        GateOutcome.BLOCK


def test_ongoing_anticoagulant_blocks_in_eu():
    doac = _med(Drug.ANTICOAGULANT, start=date(2025, 1, 1), active=True)
    g = gate(assess_c1(candidate(medications=[doac])), "R-A3")
    assert g.outcome is GateOutcome.BLOCK
    assert g.reason == "EU contraindication: ongoing anticoagulant therapy"


def test_stopped_antiplatelet_is_not_a_contraindication():
    aspirin = _med(Drug.ANTIPLATELET, start=date(2024, 1, 1), last_dose=date(2025, 3, 1))
    assert "R-A3" not in gate_rules(assess_c1(candidate(medications=[aspirin])))


def test_attested_uncontrolled_hypertension_blocks_in_eu():
    stated = _statement(StatementCode.UNCONTROLLED_HYPERTENSION, date(2026, 11, 10))
    g = gate(assess_c1(candidate(statements=[stated])), "R-A3")
    assert g.outcome is GateOutcome.BLOCK
    assert [e.ref for e in g.evidence] == [stated.ref]


def test_known_hypertension_without_control_attestation_is_held_in_eu():
    htn = condition(ConditionKind.HYPERTENSION, onset=date(2022, 1, 1))
    g = gate(assess_c1(candidate(conditions=[htn])), "R-A3")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason.startswith("hypertension: control not attested")


def test_hypertension_attested_controlled_raises_no_contraindication():
    htn = condition(ConditionKind.HYPERTENSION, onset=date(2022, 1, 1))
    controlled = _statement(StatementCode.UNCONTROLLED_HYPERTENSION, date(2026, 11, 10), False)
    assert "R-A3" not in gate_rules(assess_c1(candidate(conditions=[htn],
                                                        statements=[controlled])))


def _bp(value: float, kind: VitalKind) -> VitalSign:
    return VitalSign(f"Observation/v{next(_ids)}", kind, value, datetime(2026, 11, 15, 9, 0))


def test_high_blood_pressure_is_ignored_while_the_optional_bp_trigger_is_off():
    p_ = candidate(vitals=[_bp(165, VitalKind.SYSTOLIC), _bp(95, VitalKind.DIASTOLIC)])
    assert "R-A3" not in gate_rules(assess_c1(p_))


def test_optional_bp_trigger_warns_at_140_systolic():
    params = PROFILES["eu"]
    sel = replace(params.selection, bp_trigger_enabled=p(True, "R-A3", "test"))
    systolic = _bp(140, VitalKind.SYSTOLIC)
    p_ = candidate(vitals=[systolic, _bp(85, VitalKind.DIASTOLIC)])
    a = assess(p_, AS_OF, replace(params, selection=sel), D1)
    g = gate(a, "R-A3")
    assert g.outcome is GateOutcome.WARN
    assert [e.ref for e in g.evidence] == [systolic.ref]


def test_autoimmune_disease_before_treatment_blocks_in_eu():
    ra = condition(ConditionKind.AUTOIMMUNE_OTHER, onset=date(2020, 6, 1), display="Psoriasis")
    g = gate(assess_c1(candidate(conditions=[ra])), "R-A3")
    assert g.outcome is GateOutcome.BLOCK
    assert g.reason == "EU contraindication: concomitant autoimmune disease other than MS " \
                       "(Psoriasis)"


def test_graves_disease_before_treatment_blocks_in_eu():
    graves = condition(ConditionKind.GRAVES, onset=date(2021, 2, 1))
    assert gate(assess_c1(candidate(conditions=[graves])), "R-A3").outcome is GateOutcome.BLOCK


def test_unspecified_pre_existing_hypothyroidism_only_warns():
    hypo = condition(ConditionKind.HYPOTHYROIDISM, onset=date(2021, 2, 1))
    g = gate(assess_c1(candidate(conditions=[hypo])), "R-A3")
    assert g.outcome is GateOutcome.WARN
    assert "confirm it is not autoimmune" in g.reason


def test_resolved_autoimmune_disease_is_not_a_contraindication():
    old = condition(ConditionKind.AUTOIMMUNE_OTHER, onset=date(2015, 1, 1), active=False)
    assert "R-A3" not in gate_rules(assess_c1(candidate(conditions=[old])))


def test_mild_active_infection_holds_in_eu():
    flu = condition(ConditionKind.ACTIVE_INFECTION, onset=date(2026, 11, 18), display="Influenza")
    g = gate(assess_c1(candidate(conditions=[flu])), "R-A3")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason == "active infection (Influenza): treat and postpone until resolved"


def test_severe_active_infection_blocks_in_eu():
    pneumonia = condition(ConditionKind.ACTIVE_INFECTION, onset=date(2026, 11, 18), severe=True)
    assert gate(assess_c1(candidate(conditions=[pneumonia])), "R-A3").outcome is \
        GateOutcome.BLOCK


def test_any_active_infection_blocks_in_us():
    flu = condition(ConditionKind.ACTIVE_INFECTION, onset=date(2026, 11, 18))
    assert gate(assess_c1(candidate(conditions=[flu]), "us"), "R-A3").outcome is \
        GateOutcome.BLOCK


def test_resolved_infection_raises_no_gate():
    flu = condition(ConditionKind.ACTIVE_INFECTION, onset=date(2026, 10, 1), active=False)
    assert "R-A3" not in gate_rules(assess_c1(candidate(conditions=[flu])))


# ---- R-A4 ---------------------------------------------------------------------------------


def _after_course_1(**facts: Any) -> PatientFacts:
    return candidate(infusions=course(date(2025, 1, 6), 5), consents=[_consent(date(2026, 11, 1))],
                     **facts)


def test_active_itp_after_the_first_infusion_holds_the_next_course():
    itp = condition(ConditionKind.ITP, onset=date(2026, 5, 2), display="ITP")
    a = run(_after_course_1(conditions=[itp]), AS_OF, planned_start=date(2027, 1, 11))
    g = gate(a, "R-A4")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason.startswith("active ITP (onset 2026-05-02, after the first infusion)")
    assert [e.ref for e in g.evidence] == [itp.ref]
    assert "R-A3" not in gate_rules(a)


def test_resolved_itp_after_the_first_infusion_raises_no_autoimmunity_gate():
    itp = condition(ConditionKind.ITP, onset=date(2025, 5, 2), active=False)
    a = run(_after_course_1(conditions=[itp]), AS_OF, planned_start=date(2027, 1, 11))
    assert "R-A4" not in gate_rules(a)


def test_thyroid_disease_after_the_first_infusion_is_left_to_r_t6():
    graves = condition(ConditionKind.GRAVES, onset=date(2026, 3, 1))
    a = run(_after_course_1(conditions=[graves]), AS_OF, planned_start=date(2027, 1, 11))
    assert {"R-A3", "R-A4"}.isdisjoint(gate_rules(a))


def test_selection_emits_no_thyroid_gate_after_the_first_infusion():
    hypo = condition(ConditionKind.HYPOTHYROIDISM, onset=date(2026, 3, 1))
    outs = list(selection.evaluate(make_ctx(_after_course_1(conditions=[hypo]), AS_OF,
                                            planned_start=date(2027, 1, 11))))
    assert not [o for o in outs if getattr(o, "rule", "") in {"R-A3", "R-A4"}]


# ---- R-A5 ---------------------------------------------------------------------------------


def test_prior_rituximab_warns_about_additional_safety_measures():
    rtx = _med(Drug.RITUXIMAB, start=date(2022, 1, 1), last_dose=date(2025, 6, 1))
    g = gate(assess_c1(candidate(medications=[rtx])), "R-A5")
    assert g.outcome is GateOutcome.WARN
    assert g.reason.startswith("prior immunosuppressant(s) (rituximab)")
    assert [e.ref for e in g.evidence] == [rtx.ref]


def test_prior_campath_warns():
    campath = _med(Drug.CAMPATH, start=date(2010, 1, 1), last_dose=date(2010, 2, 1))
    assert gate(assess_c1(candidate(medications=[campath])), "R-A5").outcome is GateOutcome.WARN


def test_interferon_alone_raises_no_immunosuppressant_warning():
    assert "R-A5" not in gate_rules(assess_c1(candidate()))


# ---- R-A6 ---------------------------------------------------------------------------------


def test_us_without_rems_enrolment_and_site_certification_is_blocked():
    g = gate(assess_c1(candidate(), "us"), "R-A6")
    assert g.outcome is GateOutcome.BLOCK
    assert g.until is None
    assert "patient REMS enrolment not recorded" in g.reason
    assert "infusion site REMS certification not recorded" in g.reason


def test_us_with_rems_enrolment_but_no_site_certification_is_blocked():
    enrolled = _statement(StatementCode.REMS_PATIENT_ENROLLED, date(2026, 11, 2))
    g = gate(assess_c1(candidate(statements=[enrolled]), "us"), "R-A6")
    assert g.reason == "infusion site REMS certification not recorded"


def test_us_with_rems_records_is_not_blocked():
    rems = [_statement(StatementCode.REMS_PATIENT_ENROLLED, date(2026, 11, 2)),
            _statement(StatementCode.REMS_SITE_CERTIFIED, date(2026, 1, 2))]
    assert "R-A6" not in gate_rules(assess_c1(candidate(statements=rems), "us"))


def test_eu_needs_no_rems_records():
    assert "R-A6" not in gate_rules(assess_c1(candidate()))


# ---- R-A7 ---------------------------------------------------------------------------------


def test_missing_consent_holds_course_1():
    g = gate(assess_c1(candidate(consents=[])), "R-A7")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason == "no written informed consent for course 1"


def test_consent_dated_after_d1_does_not_count():
    late = _consent(date(2026, 12, 2))
    a = run(candidate(consents=[late]), date(2026, 12, 3), planned_start=D1)
    assert gate(a, "R-A7").reason == "no written informed consent for course 1"


def test_course_1_consent_does_not_cover_course_2():
    first = _consent(date(2024, 12, 1))
    p_ = candidate(infusions=course(date(2025, 1, 6), 5), consents=[first])
    g = gate(run(p_, AS_OF, planned_start=date(2027, 1, 11)), "R-A7")
    assert g.outcome is GateOutcome.HOLD
    assert g.reason == ("no written informed consent for course 2 dated after the last "
                        "infusion of course 1 (2025-01-10)")
    assert [e.ref for e in g.evidence] == [first.ref]


def test_new_consent_after_course_1_covers_course_2():
    p_ = candidate(infusions=course(date(2025, 1, 6), 5),
                   consents=[_consent(date(2024, 12, 1)), _consent(date(2026, 11, 1))])
    assert "R-A7" not in gate_rules(run(p_, AS_OF, planned_start=date(2027, 1, 11)))


def test_missing_patient_alert_card_holds():
    p_ = candidate()
    p_ = replace(p_, statements=tuple(s for s in p_.statements
                                      if s.code is not StatementCode.ALERT_CARD_GIVEN))
    g = gate(assess_c1(p_), "R-A7")
    assert g.outcome is GateOutcome.HOLD
    assert g.reason == "Patient Alert Card not recorded as given"


def test_consent_card_and_guide_recorded_raise_no_consent_gate():
    assert "R-A7" not in gate_rules(assess_c1(candidate()))


# ---- catalogue ----------------------------------------------------------------------------


def test_selection_declares_every_r_a_rule():
    assert [r.id for r in selection.RULES] == [f"R-A{i}" for i in range(1, 8)]


def test_male_patient_is_handled_like_any_other_for_selection():
    assert "R-A1" not in gate_rules(assess_c1(candidate(sex=Sex.MALE)))
