"""R-B1..R-B7: pre-treatment screening (clinical-rules.md §3).

Most tests plan course 1 for 2026-11-25 and assess on 2026-11-21 (today): the lab window is
[2026-10-26, 2026-11-25], the pregnancy-test window [2026-11-18, 2026-11-25], the infection window
[2025-11-25, ...], the chest X-ray window from 2026-09-25 and the EU MRI window from 2026-08-25.
The outputs of this family are merged by the engine's own ``assemble`` (other families left out).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import count
from typing import Any

from alemtrack.protocol.engine import Assessment, DueEntry, assemble
from alemtrack.protocol.facts import (
    Analyte,
    ConditionKind,
    Drug,
    LabResult,
    MedicationUse,
    MriScan,
    PatientFacts,
    Procedure,
    ProcedureKind,
    Qual,
    Sex,
    Statement,
    StatementCode,
)
from alemtrack.protocol.parameters import ProfileName
from alemtrack.protocol.results import DueStatus, GateOutcome, Severity
from alemtrack.protocol.rules import screening
from builders import condition, course, finding, gate, gate_rules, lab, patient, rules_fired
from builders import ctx as make_ctx

_ids = count(1)

TODAY = date(2026, 11, 21)
D1 = date(2026, 11, 25)
LAB_DAY = date(2026, 11, 10)
SCREEN_DAY = date(2026, 6, 1)


# ---- builders local to this module ----------------------------------------------------------


def _q(analyte: Analyte, qual: Qual, on: date) -> LabResult:
    return lab(analyte, None, on, qual=qual)


def _proc(kind: ProcedureKind, on: date, *, abnormal: bool | None = None) -> Procedure:
    return Procedure(f"Procedure/p{next(_ids)}", kind, on, abnormal)


def _stmt(code: StatementCode, on: date, value: bool = True) -> Statement:
    return Statement(f"Observation/s{next(_ids)}", code, on, value)


def _mri(on: date, *, gd: bool = True, pml: bool = False) -> MriScan:
    return MriScan(f"Observation/mri{next(_ids)}", on, gd_enhanced=gd, pml_signs=pml)


def _med(drug: Drug, *, start: date | None = None, last: date | None = None,
         active: bool = False) -> MedicationUse:
    return MedicationUse(f"MedicationStatement/m{next(_ids)}", drug, drug.value, start=start,
                         last_dose=last, active=active)


def baseline_labs(on: date = LAB_DAY) -> list[LabResult]:
    return [
        lab(Analyte.PLATELETS, 250, on), lab(Analyte.HAEMOGLOBIN, 13.5, on),
        lab(Analyte.WBC, 6.0, on), lab(Analyte.NEUTROPHILS, 3.5, on),
        lab(Analyte.LYMPHOCYTES, 1.8, on), lab(Analyte.CREATININE, 0.8, on),
        lab(Analyte.URINE_RBC_HPF, 1, on), _q(Analyte.URINE_PROTEIN_DIPSTICK, Qual.NEGATIVE, on),
        lab(Analyte.TSH, 2.0, on), lab(Analyte.ALT, 20, on), lab(Analyte.AST, 22, on),
        lab(Analyte.BILIRUBIN, 0.6, on),
    ]


def infection_screen(on: date = SCREEN_DAY) -> list[LabResult]:
    neg = Qual.NEGATIVE
    pos = Qual.POSITIVE
    return [
        _q(Analyte.HIV, neg, on), _q(Analyte.HBSAG, neg, on), _q(Analyte.ANTI_HBC, neg, on),
        lab(Analyte.ANTI_HBS, 50, on), _q(Analyte.HCV_AB, neg, on), _q(Analyte.IGRA, neg, on),
        _q(Analyte.CMV_IGG, pos, on), _q(Analyte.VZV_IGG, pos, on),
        _q(Analyte.MEASLES_IGG, pos, on), _q(Analyte.HAV_IGG, pos, on),
    ]


def complete(*, drop: tuple[Analyte, ...] = (), **extra: Any) -> PatientFacts:
    """A woman of 36 with a complete work-up for course 1 on D1; ``drop`` removes analytes."""
    labs = [r for r in (*baseline_labs(), *infection_screen(),
                        _q(Analyte.HCG_URINE, Qual.NEGATIVE, date(2026, 11, 20)))
            if r.analyte not in drop]
    facts: dict[str, list[Any]] = {
        "labs": labs,
        "procedures": [_proc(ProcedureKind.ECG, LAB_DAY),
                       _proc(ProcedureKind.CHEST_XRAY, date(2026, 10, 1)),
                       _proc(ProcedureKind.CERVICAL_SCREENING, SCREEN_DAY),
                       _proc(ProcedureKind.SKIN_EXAM, SCREEN_DAY)],
        "statements": [_stmt(StatementCode.LISTERIA_ADVICE_GIVEN, date(2026, 11, 1))],
        "mri": [_mri(date(2026, 10, 15))],
    }
    for key, values in extra.items():
        facts[key] = [*facts.get(key, []), *values]
    return patient(**facts)


def without(p: PatientFacts, kind: ProcedureKind) -> PatientFacts:
    """``p`` without its procedures of this kind."""
    return replace(p, procedures=tuple(x for x in p.procedures if x.kind is not kind))


def assess_screening(p: PatientFacts, as_of: date = TODAY, *, profile: ProfileName = "eu",
                     planned_start: date | None = D1) -> Assessment:
    c = make_ctx(p, as_of, profile=profile, planned_start=planned_start)
    return assemble(c, list(screening.evaluate(c)))


def due_of(a: Assessment, item: str, rule: str) -> DueEntry:
    matches = [d for d in a.due if d.item == item and d.rule == rule]
    assert matches, f"no {item} due for {rule}; due: {[(d.item, d.rule) for d in a.due]}"
    return matches[0]


def due_items(a: Assessment, rule: str) -> set[str]:
    return {d.item for d in a.due if d.rule == rule}


# ---- all rules ------------------------------------------------------------------------------


def test_family_declares_every_screening_rule():
    assert [r.id for r in screening.RULES] == [f"R-B{n}" for n in range(1, 8)]


def test_complete_work_up_leaves_the_course_ready_without_screening_gates():
    a = assess_screening(complete())
    assert gate_rules(a) == set()
    assert a.next_course.status == "ready"
    assert rules_fired(a) == set()
    # Only the yearly skin exam remains scheduled.
    assert {(d.item, d.rule, d.due) for d in a.due} == {("skin-exam", "R-B5", date(2027, 6, 1))}


def test_no_screening_gate_or_due_once_monitoring_is_complete_and_no_course_is_planned():
    p = patient(infusions=course(date(2020, 1, 6), 5))
    a = assess_screening(p, TODAY, planned_start=None)
    assert a.next_course.status == "not-applicable"
    assert {(d.item, d.rule) for d in a.due} == {("skin-exam", "R-B5")}


# ---- R-B1 baseline labs ---------------------------------------------------------------------


def test_missing_neutrophil_count_holds_the_course_with_cbc_due_now():
    a = assess_screening(complete(drop=(Analyte.NEUTROPHILS,)))
    g = gate(a, "R-B1")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert "neutrophils" in g.reason and "≤30 days before D1 2026-11-25" in g.reason
    assert "platelets" not in g.reason
    d = due_of(a, "cbc", "R-B1")
    assert (d.due, d.status) == (TODAY, DueStatus.DUE)
    assert a.next_course.status == "on-hold"
    assert a.next_course.earliest_start is None


def test_each_missing_lab_item_gives_its_reason_in_one_r_b1_gate():
    a = assess_screening(complete(drop=(Analyte.TSH, Analyte.CREATININE, Analyte.BILIRUBIN)))
    g = gate(a, "R-B1")
    assert "TSH" in g.reason and "creatinine" in g.reason and "total bilirubin" in g.reason
    assert due_items(a, "R-B1") == {"tsh", "creatinine", "lft"}
    assert [x.rule for x in a.next_course.gates] == ["R-B1"]


def test_cbc_31_days_before_day_1_is_stale_and_holds_the_course():
    old = date(2026, 10, 25)  # D1 - 31 days
    labs = [r for r in baseline_labs() if r.analyte is not Analyte.PLATELETS]
    stale = lab(Analyte.PLATELETS, 240, old)
    p = complete(drop=tuple(Analyte), labs=[*labs, stale, *infection_screen(),
                                             _q(Analyte.HCG_URINE, Qual.NEGATIVE, TODAY)])
    g = gate(assess_screening(p), "R-B1")
    assert g.reason == ("baseline CBC with differential ≤30 days before D1 2026-11-25 missing: "
                        "platelets")
    assert [e.ref for e in g.evidence] == [stale.ref]
    assert g.evidence[0].date == old


def test_cbc_exactly_30_days_before_day_1_is_still_valid():
    edge = date(2026, 10, 26)
    p = complete(drop=tuple(Analyte), labs=[*baseline_labs(edge), *infection_screen(),
                                             _q(Analyte.HCG_URINE, Qual.NEGATIVE, TODAY)])
    assert "R-B1" not in gate_rules(assess_screening(p))


def test_labs_not_yet_due_before_the_30_day_window_are_only_scheduled():
    p = complete(drop=tuple(Analyte))
    a = assess_screening(p, planned_start=date(2027, 1, 15))
    assert "R-B1" not in gate_rules(a)
    d = due_of(a, "cbc", "R-B1")
    assert (d.due, d.status) == (date(2026, 12, 16), DueStatus.UPCOMING)
    assert due_items(a, "R-B1") == {"cbc", "creatinine", "urinalysis", "tsh", "lft"}


def test_urinalysis_needs_both_a_blood_and_a_protein_result():
    a = assess_screening(complete(drop=(Analyte.URINE_PROTEIN_DIPSTICK,)))
    g = gate(a, "R-B1")
    assert g.reason.endswith("missing: dipstick protein or UPCR")
    assert due_items(a, "R-B1") == {"urinalysis"}


def test_dipstick_blood_and_upcr_make_a_complete_urinalysis():
    urine = [_q(Analyte.URINE_BLOOD_DIPSTICK, Qual.NEGATIVE, LAB_DAY),
             lab(Analyte.UPCR, 80, LAB_DAY)]
    p = complete(drop=(Analyte.URINE_RBC_HPF, Analyte.URINE_PROTEIN_DIPSTICK), labs=urine)
    assert "R-B1" not in gate_rules(assess_screening(p))


def test_us_profile_also_requires_a_urine_protein_creatinine_ratio():
    a = assess_screening(complete(), profile="us")
    g = gate(a, "R-B1")
    assert g.reason.endswith("missing: UPCR")
    assert due_items(a, "R-B1") == {"upcr"}


def test_eu_profile_accepts_a_dipstick_protein_without_upcr():
    assert "R-B1" not in gate_rules(assess_screening(complete(), profile="eu"))


def test_labs_before_course_2_are_checked_against_the_effective_day_1():
    # Course 1 2025-12-01..05: course 2 not before 2026-12-05 (R-E2), so D1_eff = 2026-12-05
    # and the lab window opens 2026-11-05; a CBC of 2026-11-01 is within 30 days of today only.
    infusions = course(date(2025, 12, 1), 5)
    early = complete(drop=tuple(Analyte), labs=baseline_labs(date(2026, 11, 1)),
                     infusions=infusions)
    a = assess_screening(early, planned_start=None)
    g = gate(a, "R-B1")
    assert "before D1 2026-12-05" in g.reason
    assert a.next_course.number == 2
    timely = complete(drop=tuple(Analyte), labs=baseline_labs(date(2026, 11, 6)),
                      infusions=infusions)
    assert "R-B1" not in gate_rules(assess_screening(timely, planned_start=None))


# ---- R-B2 pregnancy test --------------------------------------------------------------------


def test_woman_without_a_pregnancy_test_in_the_last_7_days_is_held():
    a = assess_screening(complete(drop=(Analyte.HCG_URINE,)))
    g = gate(a, "R-B2")
    assert g.outcome is GateOutcome.HOLD and g.until is None
    assert g.reason == ("no negative pregnancy test ≤7 days before D1 2026-11-25 "
                        "(woman of childbearing potential)")
    assert due_of(a, "pregnancy-test", "R-B2").due == TODAY


def test_pregnancy_test_8_days_before_day_1_does_not_count():
    old = _q(Analyte.HCG_URINE, Qual.NEGATIVE, date(2026, 11, 17))
    a = assess_screening(complete(drop=(Analyte.HCG_URINE,), labs=[old]))
    g = gate(a, "R-B2")
    assert [e.ref for e in g.evidence] == [old.ref]


def test_pregnancy_test_is_only_due_7_days_before_a_later_day_1():
    a = assess_screening(complete(drop=(Analyte.HCG_URINE,)), planned_start=date(2026, 12, 4))
    assert "R-B2" not in gate_rules(a)
    d = due_of(a, "pregnancy-test", "R-B2")
    assert (d.due, d.status) == (date(2026, 11, 27), DueStatus.DUE)


def test_serum_hcg_below_5_is_a_negative_test():
    serum = lab(Analyte.HCG_SERUM, 3, date(2026, 11, 19))
    a = assess_screening(complete(drop=(Analyte.HCG_URINE,), labs=[serum]))
    assert "R-B2" not in gate_rules(a)


def test_serum_hcg_of_12_is_not_a_negative_test():
    serum = lab(Analyte.HCG_SERUM, 12, date(2026, 11, 19))
    g = gate(assess_screening(complete(drop=(Analyte.HCG_URINE,), labs=[serum])), "R-B2")
    assert g.outcome is GateOutcome.HOLD
    assert "not negative (12 m[IU]/mL; serum hCG negative < 5 m[IU]/mL)" in g.reason


def test_positive_urine_pregnancy_test_is_not_taken_as_negative():
    pos = _q(Analyte.HCG_URINE, Qual.POSITIVE, date(2026, 11, 20))
    g = gate(assess_screening(complete(drop=(Analyte.HCG_URINE,), labs=[pos])), "R-B2")
    assert g.outcome is GateOutcome.HOLD and "not negative (positive" in g.reason


def test_men_need_no_pregnancy_test():
    p = complete(drop=(Analyte.HCG_URINE,))
    a = assess_screening(replace(p, sex=Sex.MALE))
    assert "R-B2" not in gate_rules(a)
    assert "pregnancy-test" not in due_items(a, "R-B2")


def test_woman_recorded_as_not_of_childbearing_potential_needs_no_pregnancy_test():
    stmt = _stmt(StatementCode.NOT_CHILDBEARING_POTENTIAL, date(2025, 1, 1))
    a = assess_screening(complete(drop=(Analyte.HCG_URINE,), statements=[stmt]))
    assert "R-B2" not in gate_rules(a)


# ---- R-B3 infection screening ---------------------------------------------------------------


def test_missing_hiv_test_holds_course_1():
    a = assess_screening(complete(drop=(Analyte.HIV,)))
    g = gate(a, "R-B3")
    assert g.outcome is GateOutcome.HOLD and g.until is None
    assert g.reason == "HIV Ab/Ag ≤12 months before D1 2026-11-25 missing"
    assert due_items(a, "R-B3") == {"hiv"}


def test_missing_cmv_igg_only_warns():
    a = assess_screening(complete(drop=(Analyte.CMV_IGG,)))
    g = gate(a, "R-B3")
    assert g.outcome is GateOutcome.WARN
    assert a.next_course.status == "ready"
    assert due_items(a, "R-B3") == {"cmv-igg"}


def test_negative_screen_older_than_12_months_is_repeated_but_positive_igg_never_expires():
    old = date(2025, 11, 24)  # one day outside the 12-month window
    a = assess_screening(complete(drop=tuple(Analyte), labs=[
        *baseline_labs(), _q(Analyte.HCG_URINE, Qual.NEGATIVE, TODAY), *infection_screen(old)]))
    g = gate(a, "R-B3")
    assert g.outcome is GateOutcome.HOLD
    # Negative HIV/HBV/HCV/IGRA are stale; positive CMV/VZV/measles/HAV IgG and anti-HBs 50 stand.
    assert due_items(a, "R-B3") == {"hiv", "hbsag", "anti-hbc", "hcv-ab", "igra"}


def test_infection_screen_exactly_12_months_before_day_1_is_valid():
    a = assess_screening(complete(drop=tuple(Analyte), labs=[
        *baseline_labs(), _q(Analyte.HCG_URINE, Qual.NEGATIVE, TODAY),
        *infection_screen(date(2025, 11, 25))]))
    assert "R-B3" not in gate_rules(a)


def test_old_anti_hbs_below_10_is_repeated_with_a_warning():
    old = lab(Analyte.ANTI_HBS, 5, date(2020, 1, 1))
    a = assess_screening(complete(drop=(Analyte.ANTI_HBS,), labs=[old]))
    assert gate(a, "R-B3").outcome is GateOutcome.WARN
    assert due_items(a, "R-B3") == {"anti-hbs"}


def test_anti_hbs_of_10_years_ago_at_10_still_protects():
    old = lab(Analyte.ANTI_HBS, 10, date(2016, 1, 1))
    a = assess_screening(complete(drop=(Analyte.ANTI_HBS,), labs=[old]))
    assert "R-B3" not in gate_rules(a)


def test_strongyloides_serology_is_required_only_for_endemic_origin():
    endemic = _stmt(StatementCode.ENDEMIC_STRONGYLOIDES_ORIGIN, date(2026, 1, 1))
    a = assess_screening(complete(statements=[endemic]))
    assert gate(a, "R-B3").outcome is GateOutcome.WARN
    assert due_items(a, "R-B3") == {"strongyloides-igg"}
    assert "R-B3" not in gate_rules(assess_screening(complete()))


def test_woman_without_cervical_screening_gets_a_warning_and_hpv_screening_due():
    p = without(complete(), ProcedureKind.CERVICAL_SCREENING)
    a = assess_screening(p)
    g = gate(a, "R-B3")
    assert g.outcome is GateOutcome.WARN
    assert g.reason == "cervical HPV screening ≤12 months before D1 2026-11-25 missing"
    assert due_items(a, "R-B3") == {"hpv-screening"}


def test_infection_screening_is_not_repeated_before_course_2():
    p = complete(drop=tuple(Analyte), labs=baseline_labs(date(2026, 11, 6)),
                 infusions=course(date(2025, 12, 1), 5))
    a = assess_screening(p, planned_start=None)
    assert "R-B3" not in gate_rules(a)
    assert due_items(a, "R-B3") == set()


def test_active_tuberculosis_blocks_the_course_without_a_date():
    a = assess_screening(complete(conditions=[condition(ConditionKind.TB_ACTIVE)]))
    g = gate(a, "R-B3")
    assert (g.outcome, g.until) == (GateOutcome.BLOCK, None)
    assert a.next_course.status == "blocked"


def test_positive_igra_without_isoniazid_holds_until_treatment_starts():
    igra = _q(Analyte.IGRA, Qual.POSITIVE, date(2026, 10, 1))
    a = assess_screening(complete(drop=(Analyte.IGRA,), labs=[igra]))
    g = gate(a, "R-B3")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    assert "isoniazid 300 mg/day" in g.reason
    assert [e.ref for e in g.evidence] == [igra.ref]


def test_latent_tb_on_isoniazid_holds_until_14_days_after_the_start():
    igra = _q(Analyte.IGRA, Qual.POSITIVE, date(2026, 10, 1))
    inh = _med(Drug.ISONIAZID, start=date(2026, 11, 15), active=True)
    a = assess_screening(complete(drop=(Analyte.IGRA,), labs=[igra], medications=[inh]))
    g = gate(a, "R-B3")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, date(2026, 11, 29))
    assert a.next_course.earliest_start == date(2026, 11, 29)


def test_latent_tb_on_isoniazid_for_more_than_14_days_does_not_hold():
    igra = _q(Analyte.IGRA, Qual.POSITIVE, date(2026, 10, 1))
    inh = _med(Drug.ISONIAZID, start=date(2026, 11, 11), active=True)  # + 14 = D1
    a = assess_screening(complete(drop=(Analyte.IGRA,), labs=[igra], medications=[inh]))
    assert "R-B3" not in gate_rules(a)


def test_tuberculin_skin_test_of_6_mm_counts_as_latent_tb_but_3_mm_does_not():
    pos = lab(Analyte.TST, 6, date(2026, 10, 1))
    assert gate(assess_screening(complete(drop=(Analyte.IGRA,), labs=[pos])),
                "R-B3").outcome is GateOutcome.HOLD
    neg = lab(Analyte.TST, 3, date(2026, 10, 1))
    assert "R-B3" not in gate_rules(assess_screening(complete(drop=(Analyte.IGRA,), labs=[neg])))


def test_positive_hbsag_holds_and_refers_to_hepatology():
    hbsag = _q(Analyte.HBSAG, Qual.POSITIVE, SCREEN_DAY)
    a = assess_screening(complete(drop=(Analyte.HBSAG,), labs=[hbsag]))
    g = gate(a, "R-B3")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    f = finding(a, "R-B3")
    assert f.severity is Severity.WARN
    assert f.summary.startswith("Hepatitis B infection (HBsAg positive (2026-06-01))")
    assert any("hepatology" in action for action in f.actions)
    assert [e.ref for e in f.evidence] == [hbsag.ref]


def test_isolated_anti_hbc_warns_and_asks_for_hbv_dna():
    anti_hbc = _q(Analyte.ANTI_HBC, Qual.POSITIVE, SCREEN_DAY)
    low_hbs = lab(Analyte.ANTI_HBS, 2, SCREEN_DAY)
    a = assess_screening(complete(drop=(Analyte.ANTI_HBC, Analyte.ANTI_HBS),
                                  labs=[anti_hbc, low_hbs]))
    g = gate(a, "R-B3")
    assert g.outcome is GateOutcome.WARN
    assert g.reason.startswith("isolated anti-HBc")
    f = finding(a, "R-B3")
    assert f.severity is Severity.WARN
    assert "HBV DNA before the course" in f.actions
    assert anti_hbc.ref in [e.ref for e in f.evidence]
    assert a.next_course.status == "ready"


def test_negative_hepatitis_b_markers_raise_no_hepatitis_finding():
    assert "R-B3" not in rules_fired(assess_screening(complete()))


def test_hcv_antibody_without_rna_holds_and_with_undetectable_rna_does_not():
    ab = _q(Analyte.HCV_AB, Qual.POSITIVE, SCREEN_DAY)
    a = assess_screening(complete(drop=(Analyte.HCV_AB,), labs=[ab]))
    assert gate(a, "R-B3").reason.startswith("hepatitis C (HCV antibody positive (2026-06-01); "
                                             "HCV RNA not tested)")
    assert finding(a, "R-B3").severity is Severity.WARN
    rna = _q(Analyte.HCV_RNA, Qual.NEGATIVE, date(2026, 7, 1))
    cleared = assess_screening(complete(drop=(Analyte.HCV_AB,), labs=[ab, rna]))
    assert "R-B3" not in gate_rules(cleared)
    assert "R-B3" not in rules_fired(cleared)


# ---- R-B4 ECG and chest X-ray ---------------------------------------------------------------


def test_missing_ecg_holds_the_course():
    a = assess_screening(without(complete(), ProcedureKind.ECG))
    g = gate(a, "R-B4")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    assert g.reason == "ECG ≤30 days before D1 2026-11-25 missing"
    assert due_items(a, "R-B4") == {"ecg"}


def test_chest_xray_on_the_2_month_boundary_is_valid_and_the_day_before_is_not():
    base = without(complete(), ProcedureKind.CHEST_XRAY)
    on_edge = replace(base, procedures=(*base.procedures,
                                        _proc(ProcedureKind.CHEST_XRAY, date(2026, 9, 25))))
    assert "R-B4" not in gate_rules(assess_screening(on_edge))
    old = _proc(ProcedureKind.CHEST_XRAY, date(2026, 9, 24))
    a = assess_screening(replace(base, procedures=(*base.procedures, old)))
    g = gate(a, "R-B4")
    assert g.reason == "chest X-ray ≤2 months before D1 2026-11-25 missing"
    assert [e.ref for e in g.evidence] == [old.ref]


def test_abnormal_ecg_warns_without_stopping_the_course():
    base = without(complete(), ProcedureKind.ECG)
    p = replace(base, procedures=(*base.procedures, _proc(ProcedureKind.ECG, LAB_DAY,
                                                          abnormal=True)))
    a = assess_screening(p)
    assert gate(a, "R-B4").outcome is GateOutcome.WARN
    assert a.next_course.status == "ready"


# ---- R-B5 skin examination ------------------------------------------------------------------


def test_skin_exam_is_due_by_course_1_day_1_when_never_done():
    a = assess_screening(without(complete(), ProcedureKind.SKIN_EXAM))
    d = due_of(a, "skin-exam", "R-B5")
    assert (d.due, d.status) == (D1, DueStatus.DUE)
    assert "R-B5" not in gate_rules(a)


def test_skin_exam_is_due_12_months_after_the_last_one_even_after_monitoring_ends():
    p = patient(infusions=course(date(2020, 1, 6), 5),
                procedures=[_proc(ProcedureKind.SKIN_EXAM, date(2026, 2, 28))])
    a = assess_screening(p, planned_start=None)
    d = due_of(a, "skin-exam", "R-B5")
    assert (d.due, d.status) == (date(2027, 2, 28), DueStatus.UPCOMING)


# ---- R-B6 Listeria --------------------------------------------------------------------------


def test_listeria_advice_not_recorded_14_days_before_day_1_warns():
    p = complete()
    a = assess_screening(replace(p, statements=()))
    g = gate(a, "R-B6")
    assert (g.outcome, g.until) == (GateOutcome.WARN, None)
    assert g.reason == ("Listeria diet advice not recorded by 2026-11-11 "
                        "(14 days before D1 2026-11-25)")
    d = due_of(a, "listeria-advice", "R-B6")
    assert (d.due, d.status) == (date(2026, 11, 11), DueStatus.OVERDUE)
    assert a.next_course.status == "ready"


def test_listeria_advice_is_only_due_before_day_1_minus_14():
    a = assess_screening(replace(complete(), statements=()), planned_start=date(2026, 12, 20))
    assert "R-B6" not in gate_rules(a)
    assert due_of(a, "listeria-advice", "R-B6").due == date(2026, 12, 6)


def test_recorded_listeria_advice_satisfies_r_b6():
    a = assess_screening(complete())
    assert "R-B6" not in gate_rules(a)
    assert due_items(a, "R-B6") == set()


def test_listeria_advice_given_before_course_1_does_not_cover_course_2():
    p = complete(infusions=course(date(2025, 12, 1), 5))  # advice 2026-11-01 is after course 1
    assert "R-B6" not in gate_rules(assess_screening(p, planned_start=date(2026, 12, 5)))
    old = replace(p, statements=(_stmt(StatementCode.LISTERIA_ADVICE_GIVEN, date(2025, 11, 1)),))
    a = assess_screening(old, as_of=date(2026, 11, 25), planned_start=date(2026, 12, 5))
    assert gate(a, "R-B6").outcome is GateOutcome.WARN


def test_listeria_diet_window_ends_one_month_after_the_last_infusion():
    p = patient(infusions=course(date(2026, 1, 12), 5))
    a = assess_screening(p, as_of=date(2026, 1, 20), planned_start=None)
    assert a.windows["listeria_diet_until"] == date(2026, 2, 16)


def test_listeria_diet_window_is_null_before_any_infusion():
    assert assess_screening(complete()).windows["listeria_diet_until"] is None


# ---- R-B7 natalizumab and brain MRI ---------------------------------------------------------

NTZ_LAST = date(2026, 8, 20)  # 12-week wait ends 2026-11-12, before D1


def _jcv(qual: Qual | None = None, index: float | None = None) -> LabResult:
    return lab(Analyte.JCV_ANTIBODY, index, date(2025, 7, 1), qual=qual)


def test_natalizumab_switch_with_recent_clean_gd_mri_and_negative_jcv_is_not_held():
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 labs=[_jcv(index=0.1)], mri=[_mri(date(2026, 11, 20))])
    a = assess_screening(p)
    assert "R-B7" not in gate_rules(a)


def test_natalizumab_switch_without_mri_in_the_last_30_days_is_held():
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 labs=[_jcv(Qual.NEGATIVE)])  # MRI 2026-10-15 is 41 days before D1
    a = assess_screening(p)
    g = gate(a, "R-B7")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    assert g.reason == ("natalizumab-exposed: no Gd-enhanced brain MRI after the last natalizumab "
                        "dose 2026-08-20 and ≤30 days before D1 2026-11-25 (PML screen)")
    assert due_of(a, "mri", "R-B7").due == TODAY


def test_mri_without_gadolinium_does_not_clear_a_natalizumab_switch():
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 labs=[_jcv(Qual.NEGATIVE)], mri=[_mri(date(2026, 11, 20), gd=False)])
    assert gate(assess_screening(p), "R-B7").outcome is GateOutcome.HOLD


def test_mri_with_possible_pml_signs_holds_a_natalizumab_switch():
    scan = _mri(date(2026, 11, 20), pml=True)
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 labs=[_jcv(Qual.NEGATIVE)], mri=[scan])
    g = gate(assess_screening(p), "R-B7")
    assert g.outcome is GateOutcome.HOLD
    assert "possible PML signs" in g.reason
    assert scan.ref in [e.ref for e in g.evidence]


def test_jcv_positive_switch_without_csf_jcv_dna_warns():
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 labs=[_jcv(index=1.8)], mri=[_mri(date(2026, 11, 20))])
    a = assess_screening(p)
    g = gate(a, "R-B7")
    assert g.outcome is GateOutcome.WARN
    assert "JCV antibody 1.8 {index}" in g.reason
    assert a.next_course.status == "ready"


def test_unknown_jcv_status_counts_as_positive():
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 mri=[_mri(date(2026, 11, 20))])
    g = gate(assess_screening(p), "R-B7")
    assert g.outcome is GateOutcome.WARN and "status unknown" in g.reason


def test_negative_csf_jcv_dna_clears_the_jcv_warning():
    csf = _q(Analyte.CSF_JCV_DNA, Qual.NEGATIVE, date(2026, 11, 1))
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 labs=[_jcv(Qual.POSITIVE), csf], mri=[_mri(date(2026, 11, 20))])
    assert "R-B7" not in gate_rules(assess_screening(p))


def test_detectable_csf_jcv_dna_blocks_and_raises_a_critical_finding():
    csf = lab(Analyte.CSF_JCV_DNA, 120, date(2026, 11, 1))
    p = complete(medications=[_med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=NTZ_LAST)],
                 labs=[_jcv(Qual.POSITIVE), csf], mri=[_mri(date(2026, 11, 20))])
    a = assess_screening(p)
    assert gate(a, "R-B7").outcome is GateOutcome.BLOCK
    f = finding(a, "R-B7")
    assert f.severity is Severity.CRITICAL
    assert csf.ref in [e.ref for e in f.evidence]


def test_jcv_positive_switch_has_mri_due_6_then_12_months_after_course_1():
    ntz = _med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=date(2025, 10, 1))
    p = patient(infusions=course(date(2026, 1, 12), 5), medications=[ntz],
                labs=[_jcv(Qual.POSITIVE)])
    a = assess_screening(p, as_of=date(2026, 5, 1), profile="es2019", planned_start=None)
    assert due_of(a, "mri", "R-B7").due == date(2026, 7, 16)
    later = patient(infusions=course(date(2026, 1, 12), 5), medications=[ntz],
                    labs=[_jcv(Qual.POSITIVE)], mri=[_mri(date(2026, 7, 10))])
    a = assess_screening(later, as_of=date(2026, 8, 1), profile="es2019", planned_start=None)
    assert due_of(a, "mri", "R-B7").due == date(2027, 1, 16)


def test_post_course_mri_is_no_longer_due_once_monitoring_is_complete():
    ntz = _med(Drug.NATALIZUMAB, start=date(2015, 1, 1), last=date(2019, 10, 1))
    p = patient(infusions=course(date(2020, 1, 13), 5), medications=[ntz])
    a = assess_screening(p, planned_start=None)
    assert due_items(a, "R-B7") == set()


def test_jcv_negative_switch_has_no_post_course_mri_due():
    ntz = _med(Drug.NATALIZUMAB, start=date(2022, 1, 1), last=date(2025, 10, 1))
    p = patient(infusions=course(date(2026, 1, 12), 5), medications=[ntz],
                labs=[_jcv(Qual.NEGATIVE)])
    a = assess_screening(p, as_of=date(2026, 5, 1), profile="es2019", planned_start=None)
    assert due_items(a, "R-B7") == set()


def test_eu_profile_holds_any_course_without_a_brain_mri_in_the_last_3_months():
    p = replace(complete(), mri=(_mri(date(2026, 8, 24)),))
    a = assess_screening(p)
    g = gate(a, "R-B7")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    assert g.reason == ("no brain MRI ≤3 months before D1 2026-11-25 "
                        "(PML screen before each course, EU)")
    assert "R-B7" not in gate_rules(assess_screening(replace(p, mri=(_mri(date(2026, 8, 25)),))))


def test_us_and_es2019_profiles_need_no_mri_without_natalizumab():
    p = replace(complete(), mri=())
    assert "R-B7" not in gate_rules(assess_screening(p, profile="us"))
    assert "R-B7" not in gate_rules(assess_screening(p, profile="es2019"))
