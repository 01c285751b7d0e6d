"""ITP and cytopenias: R-H1..R-H11 (clinical-rules.md §7b, Fig 4 of §7c)."""

from __future__ import annotations

from datetime import date

from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import (
    Analyte,
    ChecklistAnswer,
    ChecklistItem,
    PatientFacts,
    Qual,
    Symptom,
    SymptomChecklist,
    SymptomCode,
)
from alemtrack.protocol.results import Evidence, Severity
from alemtrack.protocol.rules import haematology
from alemtrack.protocol.rules.haematology import RULES
from builders import course as infusions
from builders import ctx, lab, patient

COURSE1 = date(2024, 1, 8)  # last infusion 2024-01-12
AS_OF = date(2025, 6, 15)
ON = date(2025, 6, 10)


def assess_h(p: PatientFacts, as_of: date = AS_OF) -> Assessment:
    """Only this family, merged by the engine (one finding per rule, due status)."""
    c = ctx(p, as_of)
    return assemble(c, list(haematology.evaluate(c)))


def treated(*labs, **facts) -> PatientFacts:
    return patient(infusions=infusions(COURSE1), labs=labs, **facts)


def platelets(*values_dates: tuple[float, date]):
    return [lab(Analyte.PLATELETS, v, d, ref=f"Observation/plt-{d.isoformat()}")
            for v, d in values_dates]


def checklist(on: date, *yes: ChecklistItem, ref: str = "QuestionnaireResponse/q1"):
    return SymptomChecklist(ref, on, tuple(ChecklistAnswer(i, True) for i in yes))


def findings(a: Assessment) -> dict[str, tuple[Severity, str]]:
    return {f.rule: (f.severity, f.summary) for f in a.findings}


def only(a: Assessment, rule: str):
    matches = [f for f in a.findings if f.rule == rule]
    assert len(matches) == 1, findings(a)
    return matches[0]


def dues(a: Assessment) -> set[tuple[str, date, str]]:
    return {(d.item, d.due, d.rule) for d in a.due}


def refs(f) -> list[str]:
    return [e.ref for e in f.evidence]


# ---- catalogue -------------------------------------------------------------------------------


def test_family_declares_every_haematology_rule_id():
    assert [r.id for r in RULES] == [f"R-H{i}" for i in range(1, 12)]


# ---- R-H1 / spec examples ----------------------------------------------------------------------


def test_normal_platelets_raise_no_itp_alert():
    a = assess_h(treated(*platelets((250, date(2025, 5, 10)), (210, ON))))
    assert a.findings == ()
    assert a.due == ()


def test_fall_from_300_to_160_raises_no_alert():
    a = assess_h(treated(*platelets((300, date(2025, 5, 10)), (160, ON))))
    assert a.findings == ()


def test_fall_from_230_to_110_raises_recheck_and_mild_thrombocytopenia():
    a = assess_h(treated(*platelets((230, date(2025, 5, 10)), (110, ON))))
    assert set(findings(a)) == {"R-H2", "R-H3"}
    h2 = only(a, "R-H2")
    assert h2.severity is Severity.URGENT
    assert h2.summary.startswith("Platelets 110 x10^9/L fell 52 % from 230 (≤ 115")
    assert refs(h2) == ["Observation/plt-2025-06-10", "Observation/plt-2025-05-10"]
    assert only(a, "R-H3").severity is Severity.WARN
    # R-H2's immediate recheck replaces R-H3's 7-day repeat.
    assert dues(a) == {("cbc", ON, "R-H2")}


def test_fall_from_200_to_95_raises_suspected_itp_only():
    a = assess_h(treated(*platelets((200, date(2025, 5, 10)), (95, ON))))
    assert set(findings(a)) == {"R-H4"}
    h4 = only(a, "R-H4")
    assert h4.severity is Severity.URGENT
    assert h4.summary == "Platelets 95 x10^9/L (< 100): suspected ITP"
    assert h4.evidence == (Evidence("Observation/plt-2025-06-10", "777-3", 95, "10*3/uL", ON),)
    assert dues(a) == {("cbc", ON, "R-H4")}


def test_platelets_below_30_raise_critical_itp_alert():
    a = assess_h(treated(*platelets((24, ON))))
    assert set(findings(a)) == {"R-H5"}
    h5 = only(a, "R-H5")
    assert h5.severity is Severity.CRITICAL
    assert h5.summary == "Platelets 24 x10^9/L (< 30): ITP emergency"
    assert refs(h5) == ["Observation/plt-2025-06-10"]


def test_fall_of_half_above_150_still_raises_urgent_recheck():
    # §12 N7: a ≥50 % fall fires at any count.
    a = assess_h(treated(*platelets((400, date(2025, 5, 10)), (190, ON))))
    assert set(findings(a)) == {"R-H2"}
    assert only(a, "R-H2").severity is Severity.URGENT


def test_fall_just_under_half_raises_no_recheck():
    a = assess_h(treated(*platelets((400, date(2025, 5, 10)), (201, ON))))
    assert a.findings == ()


def test_platelets_exactly_100_are_mild_not_suspected_itp():
    a = assess_h(treated(*platelets((100, ON))))
    assert set(findings(a)) == {"R-H3"}


def test_platelets_exactly_30_are_suspected_itp_not_emergency():
    a = assess_h(treated(*platelets((30, ON))))
    assert set(findings(a)) == {"R-H4"}


# ---- R-H3 --------------------------------------------------------------------------------------


def test_new_mild_thrombocytopenia_asks_for_cbc_within_7_days():
    a = assess_h(treated(*platelets((180, date(2025, 5, 10)), (130, ON))))
    h3 = only(a, "R-H3")
    assert (h3.severity, h3.summary) == (
        Severity.WARN, "Platelets 130 x10^9/L (< 150): mild thrombocytopenia")
    assert dues(a) == {("cbc", date(2025, 6, 17), "R-H3")}


def test_known_mild_thrombocytopenia_waits_for_the_monthly_cbc():
    a = assess_h(treated(*platelets((140, date(2025, 5, 10)), (130, ON))))
    assert only(a, "R-H3").severity is Severity.WARN
    assert a.due == ()


# ---- R-H5 with bleeding ------------------------------------------------------------------------


def test_platelets_below_100_with_checklist_bleeding_raise_critical_alert():
    q = checklist(date(2025, 6, 12), ChecklistItem.BRUISING)
    a = assess_h(treated(*platelets((80, ON)), checklists=[q]))
    assert set(findings(a)) == {"R-H5"}  # R-H11 not emitted on the same answer
    h5 = only(a, "R-H5")
    assert h5.severity is Severity.CRITICAL
    assert h5.summary == ("Platelets 80 x10^9/L (< 100) with mucocutaneous bleeding: "
                          "ITP emergency")
    assert refs(h5) == ["Observation/plt-2025-06-10", "QuestionnaireResponse/q1"]


def test_platelets_below_100_with_coded_bleeding_raise_critical_alert():
    s = Symptom("Observation/bleed", SymptomCode.MUCOCUTANEOUS_BLEEDING, date(2025, 6, 4))
    a = assess_h(treated(*platelets((60, ON)), symptoms=[s]))
    h5 = only(a, "R-H5")
    assert h5.severity is Severity.CRITICAL
    assert refs(h5) == ["Observation/plt-2025-06-10", "Observation/bleed"]
    assert "R-H4" not in findings(a)


def test_bleeding_outside_the_concurrent_window_does_not_escalate_suspected_itp():
    s = Symptom("Observation/bleed", SymptomCode.MUCOCUTANEOUS_BLEEDING, date(2025, 6, 2))
    a = assess_h(treated(*platelets((60, ON)), symptoms=[s]))
    assert set(findings(a)) == {"R-H4"}


def test_bleeding_with_platelets_of_100_or_more_is_not_an_itp_emergency():
    q = checklist(date(2025, 6, 12), ChecklistItem.BRUISING)
    a = assess_h(treated(*platelets((120, ON)), checklists=[q]))
    assert "R-H5" not in findings(a)
    assert only(a, "R-H11").severity is Severity.URGENT


# ---- R-H6 --------------------------------------------------------------------------------------


def test_platelet_fall_within_2_months_of_the_course_is_annotated_as_possibly_transient():
    a = assess_h(treated(*platelets((90, date(2024, 3, 12)))), as_of=date(2024, 3, 13))
    h4 = only(a, "R-H4")
    assert h4.severity is Severity.URGENT  # still fires
    assert len(h4.notes) == 1 and h4.notes[0].startswith("R-H6: ")
    assert "R-H6" not in findings(a)


def test_platelet_fall_after_2_months_of_the_course_is_not_annotated():
    a = assess_h(treated(*platelets((90, date(2024, 3, 13)))), as_of=date(2024, 3, 14))
    assert only(a, "R-H4").notes == ()


# ---- R-H7 --------------------------------------------------------------------------------------


def test_anc_below_0_5_raises_critical_neutropenia():
    a = assess_h(treated(lab(Analyte.NEUTROPHILS, 0.4, ON)))
    h7 = only(a, "R-H7")
    assert (h7.severity, h7.summary) == (
        Severity.CRITICAL, "ANC 0.4 x10^9/L (< 0.5): severe neutropenia")


def test_anc_between_0_5_and_1_raises_urgent_neutropenia():
    a = assess_h(treated(lab(Analyte.NEUTROPHILS, 0.5, ON)))
    h7 = only(a, "R-H7")
    assert (h7.severity, h7.summary) == (Severity.URGENT, "ANC 0.5 x10^9/L (< 1): neutropenia")


def test_anc_of_1_raises_no_neutropenia_alert():
    a = assess_h(treated(lab(Analyte.NEUTROPHILS, 1.0, ON)))
    assert a.findings == ()


# ---- R-H8 --------------------------------------------------------------------------------------

BASE_HB = lab(Analyte.HAEMOGLOBIN, 13.5, date(2023, 12, 20), ref="Observation/hb-base")


def test_hb_below_8_raises_urgent_anaemia():
    a = assess_h(treated(BASE_HB, lab(Analyte.HAEMOGLOBIN, 7.9, ON, ref="Observation/hb")))
    h8 = only(a, "R-H8")
    assert (h8.severity, h8.summary) == (Severity.URGENT, "Hb 7.9 g/dL (< 8): severe anaemia")
    assert refs(h8) == ["Observation/hb", "Observation/hb-base"]


def test_hb_below_10_raises_anaemia_warning_with_haemolysis_screen():
    a = assess_h(treated(lab(Analyte.HAEMOGLOBIN, 9.5, ON, ref="Observation/hb")))
    h8 = only(a, "R-H8")
    assert (h8.severity, h8.summary) == (Severity.WARN, "Hb 9.5 g/dL (< 10): anaemia")
    assert "haemolysis screen" in h8.actions[0].lower()
    assert refs(h8) == ["Observation/hb"]


def test_hb_fall_of_2_from_baseline_raises_anaemia_warning():
    a = assess_h(treated(BASE_HB, lab(Analyte.HAEMOGLOBIN, 11.5, ON, ref="Observation/hb")))
    h8 = only(a, "R-H8")
    assert (h8.severity, h8.summary) == (
        Severity.WARN, "Hb 11.5 g/dL (fell 2 g/dL from baseline 13.5, ≥ 2): anaemia")
    assert refs(h8) == ["Observation/hb", "Observation/hb-base"]


def test_small_hb_fall_from_baseline_raises_no_anaemia_alert():
    a = assess_h(treated(BASE_HB, lab(Analyte.HAEMOGLOBIN, 11.6, ON)))
    assert a.findings == ()


# ---- R-H9 --------------------------------------------------------------------------------------


def test_aptt_above_default_uln_raises_urgent_acquired_haemophilia_alert():
    a = assess_h(treated(lab(Analyte.APTT, 45, ON, ref="Observation/aptt")))
    h9 = only(a, "R-H9")
    assert (h9.severity, h9.summary) == (
        Severity.URGENT, "aPTT 45 s (> ULN 38): suspected acquired haemophilia A")
    assert refs(h9) == ["Observation/aptt"]


def test_aptt_within_the_labs_range_raises_no_alert():
    a = assess_h(treated(lab(Analyte.APTT, 45, ON, high=50)))
    assert a.findings == ()


# ---- R-H10 -------------------------------------------------------------------------------------


def test_thrombocytopenia_with_high_ldh_and_low_haptoglobin_raises_critical_ttp_alert():
    a = assess_h(treated(
        *platelets((120, ON)),
        lab(Analyte.LDH, 400, date(2025, 6, 8), ref="Observation/ldh"),
        lab(Analyte.HAPTOGLOBIN, 10, date(2025, 6, 12), ref="Observation/hp"),
    ))
    h10 = only(a, "R-H10")
    assert h10.severity is Severity.CRITICAL
    assert h10.summary == ("Platelets 120 x10^9/L (< 150) with haemolysis (LDH 400 U/L "
                           "(> ULN 250) and haptoglobin 10 mg/dL (< LLN 30)): suspected TTP")
    assert refs(h10) == ["Observation/plt-2025-06-10", "Observation/ldh", "Observation/hp"]


def test_thrombocytopenia_with_schistocytes_raises_critical_ttp_alert():
    a = assess_h(treated(*platelets((120, ON)),
                         lab(Analyte.SCHISTOCYTES, None, ON, qual=Qual.POSITIVE,
                             ref="Observation/smear")))
    h10 = only(a, "R-H10")
    assert h10.severity is Severity.CRITICAL
    assert refs(h10) == ["Observation/plt-2025-06-10", "Observation/smear"]


def test_high_ldh_without_low_haptoglobin_raises_no_ttp_alert():
    a = assess_h(treated(*platelets((120, ON)), lab(Analyte.LDH, 400, ON),
                         lab(Analyte.HAPTOGLOBIN, 80, ON)))
    assert "R-H10" not in findings(a)


def test_haemolysis_with_normal_platelets_raises_no_ttp_alert():
    a = assess_h(treated(*platelets((200, ON)), lab(Analyte.LDH, 400, ON),
                         lab(Analyte.HAPTOGLOBIN, 10, ON)))
    assert a.findings == ()


def test_haemolysis_not_concurrent_with_the_platelet_count_raises_no_ttp_alert():
    a = assess_h(treated(*platelets((120, ON)), lab(Analyte.LDH, 400, date(2025, 6, 2)),
                         lab(Analyte.HAPTOGLOBIN, 10, date(2025, 6, 2))))
    assert "R-H10" not in findings(a)


# ---- R-H11 -------------------------------------------------------------------------------------


def test_checklist_haematology_yes_asks_for_same_day_cbc_and_aptt():
    q = checklist(date(2025, 6, 1), ChecklistItem.BLEEDING_NOSE_GUMS_COUGH,
                  ChecklistItem.BRUISING)
    a = assess_h(treated(*platelets((210, date(2025, 5, 20))), checklists=[q]))
    h11 = only(a, "R-H11")
    assert h11.severity is Severity.URGENT
    assert h11.summary == ("Fig 4 haematology 'yes' on 2025-06-01 (haem-bleeding, "
                           "haem-bruising): no CBC or aPTT since")
    assert refs(h11) == ["QuestionnaireResponse/q1"]
    assert dues(a) == {("cbc", date(2025, 6, 1), "R-H11"), ("aptt", date(2025, 6, 1), "R-H11")}


def test_checklist_haematology_yes_followed_by_a_cbc_raises_no_alert():
    q = checklist(date(2025, 6, 1), ChecklistItem.BRUISING)
    a = assess_h(treated(*platelets((210, date(2025, 6, 2))), checklists=[q]))
    assert a.findings == ()


def test_checklist_answer_older_than_31_days_raises_no_alert():
    q = checklist(date(2025, 5, 14), ChecklistItem.BRUISING)
    a = assess_h(treated(checklists=[q]))
    assert a.findings == ()
    q = checklist(date(2025, 5, 15), ChecklistItem.BRUISING)
    assert only(assess_h(treated(checklists=[q])), "R-H11").severity is Severity.URGENT


def test_checklist_without_haematology_yes_raises_no_alert():
    q = checklist(date(2025, 6, 1), ChecklistItem.LEG_SWELLING)
    assert assess_h(treated(checklists=[q])).findings == ()


def test_only_the_latest_checklist_counts():
    old = checklist(date(2025, 6, 1), ChecklistItem.BRUISING, ref="QuestionnaireResponse/old")
    new = SymptomChecklist("QuestionnaireResponse/new", date(2025, 6, 10),
                           (ChecklistAnswer(ChecklistItem.BRUISING, False),))
    assert assess_h(treated(checklists=[old, new])).findings == ()


# ---- every phase -------------------------------------------------------------------------------


def test_candidate_with_low_platelets_raises_suspected_itp():
    a = assess_h(patient(labs=platelets((95, ON))))
    assert only(a, "R-H4").severity is Severity.URGENT
