"""R-T1..R-T7 thyroid rules (clinical-rules.md §7b Thyroid, §7c Fig 4)."""

from datetime import date

from alemtrack.protocol.context import build_context
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
    SymptomChecklist,
)
from alemtrack.protocol.parameters import PROFILES
from alemtrack.protocol.results import DueStatus, Severity
from alemtrack.protocol.rules import thyroid
from builders import condition, course, lab, patient

AS_OF = date(2026, 11, 21)
COURSE1 = course(date(2025, 1, 6))  # last infusion 2025-01-10


def assess(p: PatientFacts, as_of: date = AS_OF, planned_start: date | None = None) -> Assessment:
    c = build_context(p, as_of, PROFILES["eu"], planned_start)
    return assemble(c, list(thyroid.evaluate(c)))


def findings(a: Assessment) -> dict[str, object]:
    return {f.rule: f for f in a.findings}


def pregnant(on: date, value: bool = True) -> Statement:
    return Statement(
        ref=f"Observation/preg-{on.isoformat()}-{value}",
        code=StatementCode.PREGNANT,
        date=on,
        value=value,
    )


def checklist(on: date, *yes: ChecklistItem) -> SymptomChecklist:
    answers = tuple(ChecklistAnswer(item, item in yes) for item in ChecklistItem)
    return SymptomChecklist(
        ref=f"QuestionnaireResponse/c-{on.isoformat()}", date=on, answers=answers
    )


def test_rules_declare_every_thyroid_rule_id():
    assert [r.id for r in thyroid.RULES] == [f"R-T{i}" for i in range(1, 8)]


# ---- R-T1 / R-T2 ---------------------------------------------------------------------------


def test_normal_tsh_raises_no_thyroid_finding():
    a = assess(patient(infusions=COURSE1, labs=[lab(Analyte.TSH, 2.1, date(2026, 11, 1))]))
    assert a.findings == ()


def test_tsh_within_the_labs_own_range_is_normal_even_above_default_uln():
    tsh = lab(Analyte.TSH, 4.5, date(2026, 11, 1), low=0.3, high=5.0)
    assert assess(patient(infusions=COURSE1, labs=[tsh])).findings == ()


def test_high_tsh_with_normal_ft4_raises_thyroid_warning():
    tsh = lab(Analyte.TSH, 6.5, date(2026, 11, 1))
    ft4 = lab(Analyte.FT4, 1.1, date(2026, 11, 1))
    a = assess(patient(infusions=COURSE1, labs=[tsh, ft4]))
    assert set(findings(a)) == {"R-T2"}
    f = a.findings[0]
    assert f.severity is Severity.WARN
    assert "TSH 6.5 mIU/L (> 4)" in f.summary and "FT4 1.1 ng/dL (normal)" in f.summary
    assert [e.ref for e in f.evidence] == [tsh.ref, ft4.ref]
    assert any("TPO-Ab" in action for action in f.actions)


def test_low_tsh_without_ft4_raises_thyroid_warning_asking_for_ft3():
    tsh = lab(Analyte.TSH, 0.2, date(2026, 11, 1))
    a = assess(patient(infusions=COURSE1, labs=[tsh]))
    f = findings(a)["R-T2"]
    assert f.severity is Severity.WARN
    assert "TSH 0.2 mIU/L (< 0.4)" in f.summary
    assert "Reflex FT4 and FT3, TRAb and TPO-Ab" in f.actions


def test_the_latest_tsh_decides_so_a_normalised_tsh_closes_the_warning():
    labs = [lab(Analyte.TSH, 8.0, date(2026, 8, 1)), lab(Analyte.TSH, 3.0, date(2026, 11, 1))]
    assert assess(patient(infusions=COURSE1, labs=labs)).findings == ()


# ---- R-T3 ----------------------------------------------------------------------------------


def test_low_tsh_with_concurrent_high_ft4_raises_urgent_overt_hyperthyroidism():
    tsh = lab(Analyte.TSH, 0.01, date(2026, 11, 1))
    ft4 = lab(Analyte.FT4, 3.2, date(2026, 11, 6))  # 5 days later: concurrent
    a = assess(patient(infusions=COURSE1, labs=[tsh, ft4]))
    assert set(findings(a)) == {"R-T3"}
    f = findings(a)["R-T3"]
    assert f.severity is Severity.URGENT
    assert f.summary.startswith(
        "Overt hyperthyroidism: TSH 0.01 mIU/L (< 0.4) with FT4 3.2 ng/dL (> 1.8)"
    )
    assert [e.ref for e in f.evidence] == [tsh.ref, ft4.ref]


def test_overt_hyperthyroidism_with_trab_above_uln_is_labelled_graves_disease():
    trab = lab(Analyte.TRAB, 6.0, date(2026, 11, 1), high=1.75)
    labs = [
        lab(Analyte.TSH, 0.01, date(2026, 11, 1)),
        lab(Analyte.FT4, 3.2, date(2026, 11, 1)),
        trab,
    ]
    f = findings(assess(patient(infusions=COURSE1, labs=labs)))["R-T3"]
    assert f.summary.startswith("Graves' disease:")
    assert "TRAb 6 IU/L (> 1.75)" in f.summary
    assert trab.ref in [e.ref for e in f.evidence]


def test_overt_hyperthyroidism_with_trab_below_uln_is_not_labelled_graves():
    labs = [
        lab(Analyte.TSH, 0.01, date(2026, 11, 1)),
        lab(Analyte.FT4, 3.2, date(2026, 11, 1)),
        lab(Analyte.TRAB, 0.9, date(2026, 11, 1)),
    ]
    f = findings(assess(patient(infusions=COURSE1, labs=labs)))["R-T3"]
    assert "Graves" not in f.summary


def test_overt_hyperthyroidism_in_pregnancy_is_critical():
    preg = pregnant(date(2026, 10, 1))
    labs = [lab(Analyte.TSH, 0.01, date(2026, 11, 1)), lab(Analyte.FT4, 3.2, date(2026, 11, 1))]
    f = findings(assess(patient(infusions=COURSE1, labs=labs, statements=[preg])))["R-T3"]
    assert f.severity is Severity.CRITICAL
    assert "pregnant" in f.summary
    assert preg.ref in [e.ref for e in f.evidence]


def test_overt_hyperthyroidism_is_not_critical_once_the_latest_statement_says_not_pregnant():
    statements = [pregnant(date(2026, 1, 1)), pregnant(date(2026, 10, 1), value=False)]
    labs = [lab(Analyte.TSH, 0.01, date(2026, 11, 1)), lab(Analyte.FT4, 3.2, date(2026, 11, 1))]
    f = findings(assess(patient(infusions=COURSE1, labs=labs, statements=statements)))["R-T3"]
    assert f.severity is Severity.URGENT


def test_overt_hyperthyroidism_with_recorded_tachyarrhythmia_is_critical():
    af = condition(ConditionKind.TACHYARRHYTHMIA, onset=date(2026, 10, 20))
    labs = [lab(Analyte.TSH, 0.01, date(2026, 11, 1)), lab(Analyte.FT4, 3.2, date(2026, 11, 1))]
    f = findings(assess(patient(infusions=COURSE1, labs=labs, conditions=[af])))["R-T3"]
    assert f.severity is Severity.CRITICAL
    assert af.ref in [e.ref for e in f.evidence]


def test_ft4_more_than_7_days_from_low_tsh_is_not_concurrent_so_only_a_warning():
    labs = [lab(Analyte.TSH, 0.01, date(2026, 11, 1)), lab(Analyte.FT4, 3.2, date(2026, 10, 20))]
    a = assess(patient(infusions=COURSE1, labs=labs))
    assert set(findings(a)) == {"R-T2"}


# ---- R-T4 ----------------------------------------------------------------------------------


def test_high_tsh_with_low_ft4_raises_urgent_overt_hypothyroidism():
    tsh = lab(Analyte.TSH, 12.0, date(2026, 11, 1))
    ft4 = lab(Analyte.FT4, 0.5, date(2026, 11, 1))
    a = assess(patient(infusions=COURSE1, labs=[tsh, ft4]))
    assert set(findings(a)) == {"R-T4"}
    f = findings(a)["R-T4"]
    assert f.severity is Severity.URGENT
    assert "TSH 12 mIU/L (> 4) with FT4 0.5 ng/dL (< 0.8)" in f.summary


def test_high_tsh_with_normal_ft4_is_not_overt_hypothyroidism():
    labs = [lab(Analyte.TSH, 12.0, date(2026, 11, 1)), lab(Analyte.FT4, 0.9, date(2026, 11, 1))]
    assert set(findings(assess(patient(infusions=COURSE1, labs=labs)))) == {"R-T2"}


def test_thyroid_findings_do_not_hold_the_next_course_by_themselves():
    labs = [lab(Analyte.TSH, 12.0, date(2024, 11, 1)), lab(Analyte.FT4, 0.5, date(2024, 11, 1))]
    a = assess(patient(labs=labs), as_of=date(2024, 11, 21), planned_start=date(2024, 12, 2))
    assert "R-T4" in findings(a)
    assert a.next_course.gates == ()  # no course given yet: R-T6 not applicable


# ---- R-T5 ----------------------------------------------------------------------------------


def test_pregnant_woman_with_past_graves_gets_trimester_trab_and_tft_schedule():
    graves = condition(ConditionKind.GRAVES, onset=date(2025, 6, 1), active=False)
    preg = [pregnant(date(2026, 9, 1)), pregnant(date(2026, 10, 15))]
    tsh = lab(Analyte.TSH, 1.5, date(2026, 9, 10))
    a = assess(patient(infusions=COURSE1, conditions=[graves], statements=preg, labs=[tsh]))
    f = findings(a)["R-T5"]
    assert f.severity is Severity.WARN
    assert {e.ref for e in f.evidence} == {preg[1].ref, graves.ref}
    due = {(d.item, d.rule): (d.due, d.status) for d in a.due}
    # TSH since the pregnancy began: +3 months; no TRAb yet this pregnancy: due at its start.
    assert due[("tsh", "R-T5")] == (date(2026, 12, 10), DueStatus.UPCOMING)
    assert due[("trab", "R-T5")] == (date(2026, 9, 1), DueStatus.OVERDUE)


def test_pregnant_woman_with_trab_ever_above_uln_gets_trimester_schedule():
    trab = lab(Analyte.TRAB, 4.0, date(2025, 9, 1), high=1.75)
    a = assess(patient(infusions=COURSE1, labs=[trab], statements=[pregnant(date(2026, 11, 1))]))
    assert findings(a)["R-T5"].severity is Severity.WARN
    assert "TRAb 4 IU/L (> 1.75)" in findings(a)["R-T5"].summary


def test_pregnancy_without_thyroid_disease_or_trab_raises_no_thyroid_pregnancy_alert():
    labs = [lab(Analyte.TRAB, 0.5, date(2025, 9, 1)), lab(Analyte.TSH, 2.0, date(2026, 11, 1))]
    a = assess(patient(infusions=COURSE1, labs=labs, statements=[pregnant(date(2026, 11, 1))]))
    assert a.findings == () and a.due == ()


def test_thyroid_disease_without_current_pregnancy_raises_no_thyroid_pregnancy_alert():
    graves = condition(ConditionKind.GRAVES, onset=date(2025, 6, 1))
    statements = [pregnant(date(2025, 1, 1)), pregnant(date(2025, 10, 1), value=False)]
    a = assess(patient(infusions=COURSE1, conditions=[graves], statements=statements))
    assert "R-T5" not in findings(a)


# ---- R-T6 ----------------------------------------------------------------------------------


def test_active_thyroid_disease_after_first_infusion_holds_next_course_without_date():
    graves = condition(ConditionKind.GRAVES, onset=date(2025, 8, 1))
    a = assess(patient(infusions=COURSE1, conditions=[graves]), planned_start=date(2026, 12, 1))
    (g,) = a.next_course.gates
    assert (g.rule, g.outcome.value, g.until) == ("R-T6", "hold", None)
    assert "onset 2025-08-01" in g.reason
    assert [e.ref for e in g.evidence] == [graves.ref]
    assert a.next_course.status == "on-hold"


def test_abnormal_latest_tsh_since_first_infusion_holds_next_course():
    tsh = lab(Analyte.TSH, 0.1, date(2026, 10, 1))
    a = assess(patient(infusions=COURSE1, labs=[tsh]))
    g = next(g for g in a.next_course.gates if g.rule == "R-T6")
    assert (g.outcome.value, g.until) == ("hold", None)
    assert "latest TSH 0.1 mIU/L (< 0.4) on 2026-10-01" in g.reason


def test_thyroid_disease_before_first_infusion_with_normal_tsh_does_not_hold():
    hypo = condition(ConditionKind.HYPOTHYROIDISM, onset=date(2020, 1, 1))
    tsh = lab(Analyte.TSH, 2.0, date(2026, 10, 1))
    a = assess(patient(infusions=COURSE1, conditions=[hypo], labs=[tsh]))
    assert a.next_course.gates == ()


def test_resolved_thyroid_disease_with_normal_tsh_does_not_hold():
    graves = condition(ConditionKind.GRAVES, onset=date(2025, 8, 1), active=False)
    tsh = lab(Analyte.TSH, 2.0, date(2026, 10, 1))
    assert (
        assess(patient(infusions=COURSE1, conditions=[graves], labs=[tsh])).next_course.gates == ()
    )


def test_no_thyroid_course_gate_before_any_course_is_given():
    graves = condition(ConditionKind.GRAVES, onset=date(2025, 8, 1))
    a = assess(
        patient(conditions=[graves], labs=[lab(Analyte.TSH, 0.1, date(2026, 11, 1))]),
        planned_start=date(2026, 12, 1),
    )
    assert "R-T6" not in {g.rule for g in a.next_course.gates}


# ---- R-T7 ----------------------------------------------------------------------------------


def test_fig4_thyroid_yes_raises_warning_and_schedules_tsh_within_7_days():
    cl = checklist(date(2026, 11, 15), ChecklistItem.HEAT_COLD_INTOLERANCE)
    a = assess(patient(infusions=COURSE1, checklists=[cl]))
    f = findings(a)["R-T7"]
    assert f.severity is Severity.WARN
    assert "heat or cold intolerance" in f.summary
    assert [e.ref for e in f.evidence] == [cl.ref]
    assert [(d.item, d.due, d.rule) for d in a.due] == [("tsh", date(2026, 11, 22), "R-T7")]


def test_fig4_thyroid_yes_is_closed_by_a_tsh_dated_after_the_answer():
    cl = checklist(date(2026, 11, 10), ChecklistItem.WEIGHT_CHANGE)
    tsh = lab(Analyte.TSH, 2.0, date(2026, 11, 12))
    a = assess(patient(infusions=COURSE1, checklists=[cl], labs=[tsh]))
    assert a.findings == () and a.due == ()


def test_fig4_thyroid_yes_is_not_closed_by_a_tsh_of_the_same_day():
    cl = checklist(date(2026, 11, 10), ChecklistItem.BOWEL_CHANGE)
    tsh = lab(Analyte.TSH, 2.0, date(2026, 11, 10))
    assert "R-T7" in findings(assess(patient(infusions=COURSE1, checklists=[cl], labs=[tsh])))


def test_fig4_thyroid_yes_older_than_31_days_raises_no_alert():
    cl = checklist(date(2026, 10, 20), ChecklistItem.WEIGHT_CHANGE)  # 32 days before as_of
    assert assess(patient(infusions=COURSE1, checklists=[cl])).findings == ()


def test_fig4_thyroid_yes_superseded_by_a_newer_all_no_checklist_raises_no_alert():
    cls = [checklist(date(2026, 11, 1), ChecklistItem.WEIGHT_CHANGE), checklist(date(2026, 11, 18))]
    assert assess(patient(infusions=COURSE1, checklists=cls)).findings == ()


def test_fig4_checklist_with_only_other_groups_yes_raises_no_thyroid_alert():
    cl = checklist(date(2026, 11, 15), ChecklistItem.LEG_SWELLING)
    assert assess(patient(infusions=COURSE1, checklists=[cl])).findings == ()


def test_qualitative_positive_trab_counts_as_above_uln():
    trab = lab(Analyte.TRAB, None, date(2025, 9, 1), qual=Qual.POSITIVE)
    a = assess(patient(infusions=COURSE1, labs=[trab], statements=[pregnant(date(2026, 11, 1))]))
    assert "R-T5" in findings(a)
