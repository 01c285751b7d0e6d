"""R-X1 HLH and R-X2 other autoimmunity (clinical-rules.md §7b HLH)."""

from dataclasses import replace
from datetime import date, datetime, time

from alemtrack.protocol.context import build_context
from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import (
    Analyte,
    ChecklistAnswer,
    ChecklistItem,
    ConditionKind,
    LabResult,
    PatientFacts,
    Symptom,
    SymptomChecklist,
    SymptomCode,
    VitalKind,
    VitalSign,
)
from alemtrack.protocol.parameters import PROFILES, Parameters, p
from alemtrack.protocol.results import Severity
from alemtrack.protocol.rules import hlh
from builders import condition, course, lab, patient

AS_OF = date(2026, 11, 21)
COURSE1 = course(date(2025, 1, 6))


def assess(
    p_: PatientFacts, as_of: date = AS_OF, params: Parameters = PROFILES["eu"]
) -> Assessment:
    c = build_context(p_, as_of, params, None)
    return assemble(c, list(hlh.evaluate(c)))


def fired(a: Assessment) -> dict[str, object]:
    return {f.rule: f for f in a.findings}


def temperature(celsius: float, on: date) -> VitalSign:
    return VitalSign(
        ref=f"Observation/temp-{on.isoformat()}-{celsius}",
        kind=VitalKind.TEMPERATURE,
        value=celsius,
        at=datetime.combine(on, time(9, 0)),
    )


def symptom(code: SymptomCode, on: date) -> Symptom:
    return Symptom(ref=f"Observation/sym-{code.value}-{on.isoformat()}", code=code, date=on)


def checklist(on: date, *yes: ChecklistItem) -> SymptomChecklist:
    answers = tuple(ChecklistAnswer(item, item in yes) for item in ChecklistItem)
    return SymptomChecklist(
        ref=f"QuestionnaireResponse/c-{on.isoformat()}", date=on, answers=answers
    )


def tg_mmol(mmol: float, on: date) -> LabResult:
    """Triglycerides reported in mmol/L, stored in canonical mg/dL (× 88.57)."""
    return replace(
        lab(Analyte.TRIGLYCERIDES, round(mmol * 88.57, 2), on),
        reported_value=mmol,
        reported_unit="mmol/L",
    )


def test_rules_declare_every_hlh_and_autoimmunity_rule_id():
    assert [r.id for r in hlh.RULES] == ["R-X1", "R-X2"]


# ---- R-X1 ----------------------------------------------------------------------------------


def test_fever_with_high_ferritin_and_triglycerides_raises_critical_possible_hlh():
    fever = temperature(39.2, date(2026, 11, 18))
    ferritin = lab(Analyte.FERRITIN, 2300, date(2026, 11, 19))
    tg = lab(Analyte.TRIGLYCERIDES, 300, date(2026, 11, 19))
    a = assess(patient(infusions=COURSE1, vitals=[fever], labs=[ferritin, tg]))
    f = fired(a)["R-X1"]
    assert f.severity is Severity.CRITICAL
    assert f.summary.startswith("Possible HLH — evaluate immediately: fever 39.2 °C on 2026-11-18")
    assert "ferritin 2300 µg/L (≥ 500)" in f.summary
    assert "triglycerides 300 mg/dL (≥ 265)" in f.summary
    assert "HLH-2004 criteria met 3/8 (fever, TG/fibrinogen, ferritin)" in f.summary
    assert [e.ref for e in f.evidence] == [fever.ref, ferritin.ref, tg.ref]


def test_urgent_hlh_alert_holds_the_next_course_via_r_g0_item_10():
    fever = temperature(39.2, date(2026, 11, 18))
    labs = [
        lab(Analyte.FERRITIN, 2300, date(2026, 11, 19)),
        lab(Analyte.FIBRINOGEN, 120, date(2026, 11, 19)),
    ]
    a = assess(patient(infusions=COURSE1, vitals=[fever], labs=labs))
    (g,) = a.next_course.gates
    assert (g.rule, g.outcome.value, g.until) == ("R-X1", "hold", None)


def test_fever_with_a_single_hlh_criterion_raises_no_hlh_alert():
    a = assess(
        patient(
            infusions=COURSE1,
            vitals=[temperature(39.2, date(2026, 11, 18))],
            labs=[lab(Analyte.FERRITIN, 2300, date(2026, 11, 19))],
        )
    )
    assert a.findings == ()


def test_hlh_criteria_without_fever_raise_no_hlh_alert():
    labs = [
        lab(Analyte.FERRITIN, 2300, date(2026, 11, 19)),
        lab(Analyte.TRIGLYCERIDES, 300, date(2026, 11, 19)),
    ]
    a = assess(
        patient(infusions=COURSE1, vitals=[temperature(37.9, date(2026, 11, 18))], labs=labs)
    )
    assert a.findings == ()


def test_criteria_more_than_7_days_from_the_fever_are_not_concurrent():
    labs = [
        lab(Analyte.FERRITIN, 2300, date(2026, 11, 1)),
        lab(Analyte.TRIGLYCERIDES, 300, date(2026, 11, 1)),
    ]
    a = assess(
        patient(infusions=COURSE1, vitals=[temperature(39.2, date(2026, 11, 18))], labs=labs)
    )
    assert a.findings == ()


def test_temperature_38_2_is_not_an_hlh_fever_by_default():
    labs = [
        lab(Analyte.FERRITIN, 900, date(2026, 11, 18)),
        lab(Analyte.ALT, 90, date(2026, 11, 18)),
    ]
    a = assess(
        patient(infusions=COURSE1, vitals=[temperature(38.2, date(2026, 11, 18))], labs=labs)
    )
    assert a.findings == ()


def test_hlh_fever_threshold_configured_to_38_counts_38_2():
    eu = PROFILES["eu"]
    params = replace(eu, organ=replace(eu.organ, hlh_fever_celsius=p(38.0, "R-X1", "site")))
    labs = [
        lab(Analyte.FERRITIN, 900, date(2026, 11, 18)),
        lab(Analyte.ALT, 90, date(2026, 11, 18)),
    ]
    a = assess(
        patient(infusions=COURSE1, vitals=[temperature(38.2, date(2026, 11, 18))], labs=labs),
        params=params,
    )
    f = fired(a)["R-X1"]
    assert f.severity is Severity.CRITICAL
    # 38.2 °C is not the HLH-2004 fever (≥38.5): only ferritin counts there; ALT is not HLH-2004.
    assert "HLH-2004 criteria met 1/8 (ferritin)" in f.summary
    assert "ALT 90 U/L (> 40)" in f.summary


def test_fig4_fever_with_two_lineage_cytopenia_and_raised_alt_raises_hlh_alert():
    cl = checklist(date(2026, 11, 15), ChecklistItem.FEVER)
    hb = lab(Analyte.HAEMOGLOBIN, 8.5, date(2026, 11, 16))
    plt = lab(Analyte.PLATELETS, 80, date(2026, 11, 16))
    alt = lab(Analyte.ALT, 90, date(2026, 11, 16))
    a = assess(patient(infusions=COURSE1, checklists=[cl], labs=[hb, plt, alt]))
    f = fired(a)["R-X1"]
    assert "fever on the Fig 4 checklist of 2026-11-15" in f.summary
    assert "cytopenias: Hb 8.5 g/dL (< 9), PLT 80 x10^9/L (< 100)" in f.summary
    assert "HLH-2004 criteria met 1/8 (cytopenias)" in f.summary
    assert [e.ref for e in f.evidence] == [cl.ref, hb.ref, plt.ref, alt.ref]


def test_single_lineage_cytopenia_is_not_an_hlh_criterion():
    labs = [
        lab(Analyte.HAEMOGLOBIN, 8.5, date(2026, 11, 16)),
        lab(Analyte.PLATELETS, 180, date(2026, 11, 16)),
        lab(Analyte.ALT, 90, date(2026, 11, 16)),
    ]
    a = assess(
        patient(
            infusions=COURSE1, symptoms=[symptom(SymptomCode.FEVER, date(2026, 11, 16))], labs=labs
        )
    )
    assert a.findings == ()


def test_coded_fever_with_low_fibrinogen_and_ferritin_raises_hlh_alert():
    labs = [
        lab(Analyte.FIBRINOGEN, 140, date(2026, 11, 16)),
        lab(Analyte.FERRITIN, 600, date(2026, 11, 16)),
    ]
    spleen = symptom(SymptomCode.SPLENOMEGALY, date(2026, 11, 17))
    a = assess(
        patient(
            infusions=COURSE1,
            labs=labs,
            symptoms=[symptom(SymptomCode.FEVER, date(2026, 11, 16)), spleen],
        )
    )
    f = fired(a)["R-X1"]
    assert "fibrinogen 140 mg/dL (≤ 150)" in f.summary
    assert "HLH-2004 criteria met 3/8 (splenomegaly, TG/fibrinogen, ferritin)" in f.summary
    assert spleen.ref in [e.ref for e in f.evidence]


def test_fibrinogen_above_150_is_not_an_hlh_criterion():
    labs = [
        lab(Analyte.FIBRINOGEN, 160, date(2026, 11, 16)),
        lab(Analyte.FERRITIN, 600, date(2026, 11, 16)),
    ]
    a = assess(
        patient(
            infusions=COURSE1, labs=labs, symptoms=[symptom(SymptomCode.FEVER, date(2026, 11, 16))]
        )
    )
    assert a.findings == ()


def test_triglycerides_reported_in_mmol_are_compared_with_3_0_mmol():
    fever = temperature(39.0, date(2026, 11, 16))
    ferritin = lab(Analyte.FERRITIN, 600, date(2026, 11, 16))
    high = assess(
        patient(
            infusions=COURSE1, vitals=[fever], labs=[ferritin, tg_mmol(3.2, date(2026, 11, 16))]
        )
    )
    assert "triglycerides 3.2 mmol/L (≥ 3)" in fired(high)["R-X1"].summary
    # 2.995 mmol/L is 265.27 mg/dL: above 265 in mg/dL, yet below 3.0 in the reported unit.
    low = assess(
        patient(
            infusions=COURSE1, vitals=[fever], labs=[ferritin, tg_mmol(2.995, date(2026, 11, 16))]
        )
    )
    assert low.findings == ()


def test_a_fever_older_than_31_days_does_not_trigger_hlh_alert():
    labs = [
        lab(Analyte.FERRITIN, 2300, date(2026, 10, 15)),
        lab(Analyte.TRIGLYCERIDES, 300, date(2026, 10, 15)),
    ]
    a = assess(
        patient(infusions=COURSE1, vitals=[temperature(39.2, date(2026, 10, 15))], labs=labs)
    )
    assert a.findings == ()


def test_hlh_criteria_use_the_latest_result_so_a_normal_recheck_stops_the_alert():
    labs = [
        lab(Analyte.FERRITIN, 2300, date(2026, 11, 16)),
        lab(Analyte.FERRITIN, 200, date(2026, 11, 19)),
        lab(Analyte.TRIGLYCERIDES, 300, date(2026, 11, 16)),
    ]
    a = assess(
        patient(infusions=COURSE1, vitals=[temperature(39.2, date(2026, 11, 16))], labs=labs)
    )
    assert a.findings == ()


# ---- R-X2 ----------------------------------------------------------------------------------


def test_active_adult_onset_stills_disease_raises_urgent_evaluation():
    aosd = condition(ConditionKind.AOSD, onset=date(2026, 10, 1))
    a = assess(patient(infusions=COURSE1, conditions=[aosd]))
    f = fired(a)["R-X2"]
    assert f.severity is Severity.URGENT
    assert "adult-onset Still's disease" in f.summary
    assert [e.ref for e in f.evidence] == [aosd.ref]


def test_coded_colitis_symptom_within_31_days_raises_urgent_evaluation():
    colitis = symptom(SymptomCode.COLITIS, date(2026, 11, 10))
    enceph = symptom(SymptomCode.ENCEPHALITIS, date(2026, 11, 12))
    a = assess(patient(infusions=COURSE1, symptoms=[colitis, enceph]))
    f = fired(a)["R-X2"]
    assert f.severity is Severity.URGENT
    assert [e.ref for e in f.evidence] == [colitis.ref, enceph.ref]
    assert "colitis symptoms on 2026-11-10" in f.summary


def test_resolved_encephalitis_or_old_symptoms_raise_no_autoimmunity_alert():
    enc = condition(ConditionKind.AUTOIMMUNE_ENCEPHALITIS, onset=date(2025, 10, 1), active=False)
    old = symptom(SymptomCode.AOSD, date(2026, 10, 1))  # 51 days before as_of
    assert assess(patient(infusions=COURSE1, conditions=[enc], symptoms=[old])).findings == ()
