"""Nephropathies: R-N1..R-N5 (clinical-rules.md §7b, Fig 4 of §7c)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import (
    Analyte,
    ChecklistAnswer,
    ChecklistItem,
    ConditionKind,
    PatientFacts,
    Qual,
    Statement,
    StatementCode,
    Symptom,
    SymptomChecklist,
    SymptomCode,
)
from alemtrack.protocol.results import Severity
from alemtrack.protocol.rules import renal
from alemtrack.protocol.rules.renal import RULES
from builders import condition, ctx, lab, patient
from builders import course as infusions

COURSE1 = date(2024, 1, 8)
AS_OF = date(2025, 6, 15)
ON = date(2025, 6, 10)
BASE = lab(Analyte.CREATININE, 0.8, date(2023, 12, 20), ref="Observation/cr-base")


def assess_n(p: PatientFacts, as_of: date = AS_OF) -> Assessment:
    c = ctx(p, as_of)
    return assemble(c, list(renal.evaluate(c)))


def treated(*labs, **facts) -> PatientFacts:
    return patient(infusions=infusions(COURSE1), labs=labs, **facts)


def creat(value: float, on: date = ON, ref: str = "Observation/cr"):
    return lab(Analyte.CREATININE, value, on, ref=ref)


def rbc(value: float, on: date = ON, ref: str = "Observation/rbc", high: float | None = None):
    return lab(Analyte.URINE_RBC_HPF, value, on, ref=ref, high=high)


def dip(analyte: Analyte, q: Qual, on: date = ON, ref: str = "Observation/dip"):
    return lab(analyte, None, on, qual=q, ref=ref)


def checklist(on: date, *yes: ChecklistItem, ref: str = "QuestionnaireResponse/q1"):
    return SymptomChecklist(ref, on, tuple(ChecklistAnswer(i, True) for i in yes))


def findings(a: Assessment) -> dict[str, Severity]:
    return {f.rule: f.severity for f in a.findings}


def only(a: Assessment, rule: str):
    matches = [f for f in a.findings if f.rule == rule]
    assert len(matches) == 1, [(f.rule, f.summary) for f in a.findings]
    return matches[0]


def dues(a: Assessment) -> set[tuple[str, date, str]]:
    return {(d.item, d.due, d.rule) for d in a.due}


def refs(f) -> list[str]:
    return [e.ref for e in f.evidence]


def test_family_declares_every_nephropathy_rule_id():
    assert [r.id for r in RULES] == [f"R-N{i}" for i in range(1, 6)]


# ---- R-N1 --------------------------------------------------------------------------------------


def test_creatinine_rise_of_30_percent_with_haematuria_raises_urgent_anti_gbm_alert():
    a = assess_n(treated(BASE, creat(1.04), rbc(5, date(2025, 6, 12))))
    assert findings(a) == {"R-N1": Severity.URGENT}  # R-N2/R-N3 suppressed on the same results
    n1 = only(a, "R-N1")
    assert n1.summary == ("Suspected anti-GBM disease: creatinine 1.04 mg/dL, 30 % above "
                          "baseline 0.8 (≥ 30 %) with urine RBC 5/HPF (≥ 3)")
    assert refs(n1) == ["Observation/cr", "Observation/cr-base", "Observation/rbc"]
    assert dues(a) == {(item, ON, "R-N1")
                       for item in ("creatinine", "urinalysis", "upcr", "anti-gbm")}


def test_creatinine_rise_with_proteinuria_raises_urgent_anti_gbm_alert():
    a = assess_n(treated(BASE, creat(1.2), dip(Analyte.URINE_PROTEIN_DIPSTICK, Qual.PLUS2)))
    assert findings(a) == {"R-N1": Severity.URGENT}


def test_creatinine_rise_below_30_percent_with_haematuria_is_haematuria_only():
    a = assess_n(treated(BASE, creat(1.03), rbc(5)))
    assert findings(a) == {"R-N3": Severity.WARN}


def test_haematuria_not_concurrent_with_the_creatinine_rise_is_not_anti_gbm():
    a = assess_n(treated(BASE, creat(1.2), rbc(5, date(2025, 6, 1))))
    assert findings(a) == {"R-N2": Severity.WARN, "R-N3": Severity.WARN}


def test_coded_haemoptysis_raises_urgent_anti_gbm_alert_at_normal_creatinine():
    s = Symptom("Observation/cough-blood", SymptomCode.HAEMOPTYSIS, date(2025, 6, 11))
    a = assess_n(treated(BASE, creat(0.8, date(2025, 6, 1)), symptoms=[s]))
    n1 = only(a, "R-N1")
    assert n1.severity is Severity.URGENT
    assert refs(n1) == ["Observation/cough-blood"]
    assert ("anti-gbm", date(2025, 6, 11), "R-N1") in dues(a)


def test_checklist_bleeding_on_coughing_raises_urgent_anti_gbm_alert():
    q = checklist(date(2025, 6, 11), ChecklistItem.BLEEDING_NOSE_GUMS_COUGH)
    n1 = only(assess_n(treated(checklists=[q])), "R-N1")
    assert n1.severity is Severity.URGENT
    assert refs(n1) == ["QuestionnaireResponse/q1"]


def test_haemoptysis_followed_by_a_creatinine_result_raises_no_anti_gbm_alert():
    s = Symptom("Observation/cough-blood", SymptomCode.HAEMOPTYSIS, date(2025, 6, 1))
    a = assess_n(treated(BASE, creat(0.8, date(2025, 6, 2)), symptoms=[s]))
    assert a.findings == ()


def test_checklist_bruising_alone_is_not_haemoptysis():
    q = checklist(date(2025, 6, 11), ChecklistItem.BRUISING)
    assert assess_n(treated(checklists=[q])).findings == ()


# ---- R-N2 --------------------------------------------------------------------------------------


def test_creatinine_rise_alone_raises_warning_and_repeat_within_7_days():
    a = assess_n(treated(BASE, creat(1.1)))
    n2 = only(a, "R-N2")
    assert (n2.severity, n2.summary) == (
        Severity.WARN,
        "Creatinine rise: creatinine 1.1 mg/dL, 38 % above baseline 0.8 (≥ 30 %)")
    assert refs(n2) == ["Observation/cr", "Observation/cr-base"]
    assert dues(a) == {("creatinine", date(2025, 6, 17), "R-N2"),
                       ("urinalysis", date(2025, 6, 17), "R-N2")}


def test_confirmed_creatinine_rise_raises_urgent_referral():
    a = assess_n(treated(BASE, creat(1.1, date(2025, 6, 3), ref="Observation/cr-prev"),
                         creat(1.15)))
    n2 = only(a, "R-N2")
    assert n2.severity is Severity.URGENT
    assert refs(n2) == ["Observation/cr", "Observation/cr-prev", "Observation/cr-base"]
    assert a.due == ()


def test_creatinine_rise_below_30_percent_raises_no_alert():
    assert assess_n(treated(BASE, creat(1.03))).findings == ()


def test_creatinine_without_baseline_is_compared_with_the_first_recorded_value():
    a = assess_n(treated(creat(0.7, date(2024, 6, 1), ref="Observation/cr-first"), creat(1.0)))
    n2 = only(a, "R-N2")
    assert n2.summary == ("Creatinine rise: creatinine 1 mg/dL, 43 % above first recorded "
                          "value 0.7 (≥ 30 %)")
    assert refs(n2) == ["Observation/cr", "Observation/cr-first"]


# ---- R-N3 --------------------------------------------------------------------------------------


def test_three_rbc_per_hpf_raise_haematuria_warning_with_repeat_in_7_days():
    a = assess_n(treated(rbc(3)))
    n3 = only(a, "R-N3")
    assert (n3.severity, n3.summary) == (
        Severity.WARN, "Microscopic haematuria: urine RBC 3/HPF (≥ 3)")
    assert refs(n3) == ["Observation/rbc"]
    assert dues(a) == {("urinalysis", date(2025, 6, 17), "R-N3")}


def test_two_rbc_per_hpf_raise_no_haematuria_alert():
    assert assess_n(treated(rbc(2))).findings == ()


def test_trace_dipstick_blood_is_negative():
    assert assess_n(treated(dip(Analyte.URINE_BLOOD_DIPSTICK, Qual.TRACE))).findings == ()


def test_dipstick_blood_1_plus_raises_haematuria_warning():
    n3 = only(assess_n(treated(dip(Analyte.URINE_BLOOD_DIPSTICK, Qual.PLUS1))), "R-N3")
    assert (n3.severity, n3.summary) == (
        Severity.WARN, "Microscopic haematuria: dipstick blood 1+ (≥ 1+)")


def test_automated_urine_rbc_above_the_labs_uln_raises_haematuria_warning():
    count = lab(Analyte.URINE_RBC_COUNT, 30, ON, high=20, ref="Observation/cnt")
    n3 = only(assess_n(treated(count)), "R-N3")
    assert n3.summary == "Microscopic haematuria: urine RBC 30/uL (> ULN 20)"


def test_automated_urine_rbc_within_the_labs_range_raises_no_alert():
    count = lab(Analyte.URINE_RBC_COUNT, 30, ON, high=40)
    assert assess_n(treated(count)).findings == ()


def test_haematuria_during_menses_raises_warning_with_repeat_within_14_days():
    menses = Statement("Observation/menses", StatementCode.MENSES, date(2025, 6, 9))
    a = assess_n(treated(rbc(8, ref="Observation/prev-day", on=date(2025, 5, 10)), rbc(8),
                         statements=[menses]))
    n3 = only(a, "R-N3")  # explained: not escalated although the previous was positive
    assert (n3.severity, n3.summary) == (
        Severity.WARN, "Haematuria during menses: urine RBC 8/HPF (≥ 3)")
    assert refs(n3) == ["Observation/rbc", "Observation/menses"]
    assert dues(a) == {("urinalysis", date(2025, 6, 24), "R-N3")}


def test_haematuria_with_active_uti_raises_warning_with_repeat_within_14_days():
    uti = condition(ConditionKind.UTI, onset=date(2025, 6, 8))
    a = assess_n(treated(rbc(8), conditions=[uti]))
    assert only(a, "R-N3").summary.startswith("Haematuria during urinary tract infection")
    assert dues(a) == {("urinalysis", date(2025, 6, 24), "R-N3")}


def test_unexplained_haematuria_confirmed_on_repeat_raises_urgent_referral():
    a = assess_n(treated(rbc(4, date(2025, 6, 2), ref="Observation/rbc-prev"), rbc(6)))
    n3 = only(a, "R-N3")
    assert n3.severity is Severity.URGENT
    assert refs(n3) == ["Observation/rbc", "Observation/rbc-prev"]
    assert a.due == ()


def test_haematuria_resolved_on_repeat_raises_no_alert():
    a = assess_n(treated(rbc(6, date(2025, 6, 2)), rbc(1)))
    assert a.findings == ()


# ---- R-N4 --------------------------------------------------------------------------------------


def test_dipstick_protein_1_plus_raises_new_proteinuria_warning():
    a = assess_n(treated(dip(Analyte.URINE_PROTEIN_DIPSTICK, Qual.PLUS1)))
    n4 = only(a, "R-N4")
    assert (n4.severity, n4.summary) == (
        Severity.WARN, "New proteinuria: dipstick protein 1+ (≥ 1+)")
    assert dues(a) == {("upcr", date(2025, 6, 17), "R-N4")}


def test_upcr_of_150_mg_per_g_raises_new_proteinuria_warning():
    n4 = only(assess_n(treated(lab(Analyte.UPCR, 150, ON))), "R-N4")
    assert n4.summary == "New proteinuria: UPCR 150 mg/g (≥ 150)"


def test_upcr_reported_in_mg_per_mmol_is_compared_in_that_unit():
    # 16 mg/mmol = 141.4 mg/g: below 150 mg/g, but ≥15 in the reported unit (§1 Units).
    upcr = replace(lab(Analyte.UPCR, 141.44, ON), reported_value=16.0, reported_unit="mg/mmol")
    n4 = only(assess_n(treated(upcr)), "R-N4")
    assert n4.summary == "New proteinuria: UPCR 16 mg/mmol (≥ 15)"


def test_upcr_below_15_mg_per_mmol_raises_no_proteinuria_alert():
    # 14.5 mg/mmol = 128 mg/g.
    upcr = replace(lab(Analyte.UPCR, 151.0, ON), reported_value=14.5, reported_unit="mg/mmol")
    assert assess_n(treated(upcr)).findings == ()


def test_upcr_below_150_mg_per_g_raises_no_proteinuria_alert():
    assert assess_n(treated(lab(Analyte.UPCR, 149, ON))).findings == ()


def test_24h_protein_of_0_15_g_raises_new_proteinuria_warning():
    n4 = only(assess_n(treated(lab(Analyte.URINE_PROTEIN_24H, 0.15, ON))), "R-N4")
    assert n4.summary == "New proteinuria: 24-h urine protein 0.15 g (≥ 0.15)"


def test_confirmed_proteinuria_raises_urgent_referral():
    a = assess_n(treated(dip(Analyte.URINE_PROTEIN_DIPSTICK, Qual.PLUS1, date(2025, 6, 1),
                             ref="Observation/dip-prev"),
                         lab(Analyte.UPCR, 320, ON, ref="Observation/upcr")))
    n4 = only(a, "R-N4")
    assert n4.severity is Severity.URGENT
    assert refs(n4) == ["Observation/upcr", "Observation/dip-prev"]


def test_trace_protein_dipstick_raises_no_proteinuria_alert():
    assert assess_n(treated(dip(Analyte.URINE_PROTEIN_DIPSTICK, Qual.TRACE))).findings == ()


# ---- R-N5 --------------------------------------------------------------------------------------


def test_checklist_nephropathy_yes_asks_for_same_day_urinalysis_and_creatinine():
    q = checklist(date(2025, 6, 12), ChecklistItem.LEG_SWELLING)
    a = assess_n(treated(creat(0.8, date(2025, 6, 1)), checklists=[q]))
    n5 = only(a, "R-N5")
    assert n5.severity is Severity.URGENT
    assert refs(n5) == ["QuestionnaireResponse/q1"]
    assert dues(a) == {("urinalysis", date(2025, 6, 12), "R-N5"),
                       ("creatinine", date(2025, 6, 12), "R-N5")}


def test_checklist_nephropathy_yes_followed_by_urinalysis_raises_no_alert():
    q = checklist(date(2025, 6, 1), ChecklistItem.LESS_URINE_OR_DARK_URINE)
    a = assess_n(treated(rbc(1, date(2025, 6, 5)), checklists=[q]))
    assert a.findings == ()


def test_old_checklist_nephropathy_yes_raises_no_alert():
    q = checklist(date(2025, 5, 1), ChecklistItem.LEG_SWELLING)
    assert assess_n(treated(checklists=[q])).findings == ()


# ---- every phase -------------------------------------------------------------------------------


def test_candidate_with_haematuria_raises_warning():
    a = assess_n(patient(labs=[rbc(10)]))
    assert findings(a) == {"R-N3": Severity.WARN}
