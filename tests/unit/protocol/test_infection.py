"""R-I1..R-I3 infection rules (clinical-rules.md §7b Infections, §7c Fig 4 Infections)."""

from datetime import date, datetime, time

from alemtrack.protocol.context import build_context
from alemtrack.protocol.dates import add_months
from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import (
    ChecklistAnswer,
    ChecklistItem,
    ConditionKind,
    MriScan,
    PatientFacts,
    Procedure,
    ProcedureKind,
    Sex,
    Symptom,
    SymptomChecklist,
    SymptomCode,
    VitalKind,
    VitalSign,
)
from alemtrack.protocol.parameters import PROFILES
from alemtrack.protocol.results import Severity
from alemtrack.protocol.rules import infection
from builders import condition, course, patient

AS_OF = date(2026, 11, 21)
OLD_COURSE = course(date(2025, 1, 6))  # last infusion 2025-01-10: Listeria window over
RECENT_COURSE = course(date(2026, 5, 4), 3)  # last infusion 2026-05-06


def assess(p: PatientFacts, as_of: date = AS_OF, planned_start: date | None = None) -> Assessment:
    c = build_context(p, as_of, PROFILES["eu"], planned_start)
    return assemble(c, list(infection.evaluate(c)))


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


def mri(on: date, *, pml: bool = False) -> MriScan:
    return MriScan(
        ref=f"Observation/mri-{on.isoformat()}",
        date=on,
        gd_lesions=0,
        new_t2_lesions=0,
        pml_signs=pml,
    )


def screening(on: date) -> Procedure:
    return Procedure(
        ref=f"Procedure/hpv-{on.isoformat()}", kind=ProcedureKind.CERVICAL_SCREENING, date=on
    )


def hpv_due(a: Assessment) -> list[tuple[date, str]]:
    return [(d.due, d.rule) for d in a.due if d.item == "hpv-screening"]


MAN = {"sex": Sex.MALE}


def test_rules_declare_every_infection_rule_id():
    assert [r.id for r in infection.RULES] == ["R-I1", "R-I2", "R-I3"]


# ---- R-I1 ----------------------------------------------------------------------------------


def test_temperature_38_within_7_days_raises_urgent_infection_alert():
    t = temperature(38.0, date(2026, 11, 14))  # exactly 7 days before as_of
    a = assess(patient(**MAN, infusions=OLD_COURSE, vitals=[t]))
    f = fired(a)["R-I1"]
    assert f.severity is Severity.URGENT
    assert "temperature 38 °C on 2026-11-14 (≥ 38)" in f.summary
    assert [e.ref for e in f.evidence] == [t.ref]
    assert "Consider listeriosis (blood cultures)" not in f.actions


def test_temperature_measured_8_days_ago_raises_no_infection_alert():
    a = assess(patient(**MAN, infusions=OLD_COURSE, vitals=[temperature(38.6, date(2026, 11, 13))]))
    assert a.findings == ()


def test_temperature_below_38_raises_no_infection_alert():
    a = assess(patient(**MAN, infusions=OLD_COURSE, vitals=[temperature(37.9, date(2026, 11, 20))]))
    assert a.findings == ()


def test_fever_within_8_months_of_an_infusion_adds_listeriosis():
    t = temperature(38.4, date(2026, 11, 20))
    f = fired(assess(patient(**MAN, infusions=RECENT_COURSE, vitals=[t])))["R-I1"]
    assert f.severity is Severity.URGENT
    assert "Consider listeriosis (blood cultures)" in f.actions
    assert "consider listeriosis" in f.summary


def test_listeria_window_ends_8_months_after_the_last_infusion():
    last = RECENT_COURSE[-1].date
    end = add_months(last, 8)  # 2027-01-06
    inside = assess(
        patient(**MAN, infusions=RECENT_COURSE, vitals=[temperature(38.5, end)]), as_of=end
    )
    assert "Consider listeriosis (blood cultures)" in fired(inside)["R-I1"].actions
    after = date(2027, 1, 7)
    outside = assess(
        patient(**MAN, infusions=RECENT_COURSE, vitals=[temperature(38.5, after)]), as_of=after
    )
    assert "Consider listeriosis (blood cultures)" not in fired(outside)["R-I1"].actions


def test_listeria_window_starts_3_days_after_an_infusion():
    first = RECENT_COURSE[0].date  # 2026-05-04, infusions 05-04..05-06
    early = date(2026, 5, 6)  # 2 days after the first infusion, day of the last
    a = assess(
        patient(**MAN, infusions=RECENT_COURSE, vitals=[temperature(38.5, early)]), as_of=early
    )
    assert "Consider listeriosis (blood cultures)" not in fired(a)["R-I1"].actions
    day3 = date(2026, 5, 7)  # first + 3 days
    assert (day3 - first).days == 3
    b = assess(
        patient(**MAN, infusions=RECENT_COURSE, vitals=[temperature(38.5, day3)]), as_of=day3
    )
    assert "Consider listeriosis (blood cultures)" in fired(b)["R-I1"].actions


def test_fig4_fever_answer_raises_urgent_infection_alert():
    cl = checklist(date(2026, 11, 1), ChecklistItem.FEVER)
    f = fired(assess(patient(**MAN, infusions=OLD_COURSE, checklists=[cl])))["R-I1"]
    assert f.severity is Severity.URGENT
    assert "fever reported on the Fig 4 checklist of 2026-11-01" in f.summary
    assert [e.ref for e in f.evidence] == [cl.ref]


def test_fig4_other_infection_answer_raises_infection_warning():
    cl = checklist(date(2026, 11, 1), ChecklistItem.INFECTIONS)
    f = fired(assess(patient(**MAN, infusions=OLD_COURSE, checklists=[cl])))["R-I1"]
    assert f.severity is Severity.WARN
    assert f.summary.startswith("Infection after alemtuzumab")


def test_fig4_infection_answer_older_than_31_days_raises_no_alert():
    cl = checklist(date(2026, 10, 20), ChecklistItem.FEVER, ChecklistItem.INFECTIONS)
    assert assess(patient(**MAN, infusions=OLD_COURSE, checklists=[cl])).findings == ()


def test_coded_fever_symptom_within_7_days_raises_urgent_infection_alert():
    s = symptom(SymptomCode.FEVER, date(2026, 11, 19))
    f = fired(assess(patient(**MAN, infusions=OLD_COURSE, symptoms=[s])))["R-I1"]
    assert f.severity is Severity.URGENT


def test_urgent_infection_alert_holds_the_next_course_via_r_g0_item_10():
    a = assess(
        patient(**MAN, infusions=OLD_COURSE, vitals=[temperature(38.9, date(2026, 11, 20))]),
        planned_start=date(2026, 12, 1),
    )
    (g,) = a.next_course.gates
    assert (g.rule, g.outcome.value, g.until) == ("R-I1", "hold", None)


# ---- R-I2 ----------------------------------------------------------------------------------


def test_mri_reporting_possible_pml_raises_critical_alert_and_blocks_the_course():
    scan = mri(date(2026, 11, 10), pml=True)
    a = assess(patient(**MAN, infusions=OLD_COURSE, mri=[scan]), planned_start=date(2026, 12, 1))
    f = fired(a)["R-I2"]
    assert f.severity is Severity.CRITICAL
    assert "MRI of 2026-11-10 reports possible PML" in f.summary
    assert "Withhold alemtuzumab" in f.actions
    assert [e.ref for e in f.evidence] == [scan.ref]
    (g,) = a.next_course.gates
    assert (g.rule, g.outcome.value) == ("R-I2", "block")
    assert a.next_course.status == "blocked"


def test_active_pml_condition_raises_critical_alert():
    pml = condition(ConditionKind.PML, onset=date(2026, 9, 1))
    f = fired(assess(patient(**MAN, infusions=OLD_COURSE, conditions=[pml])))["R-I2"]
    assert f.severity is Severity.CRITICAL
    assert [e.ref for e in f.evidence] == [pml.ref]


def test_coded_pml_signs_raise_critical_alert_until_a_later_mri_shows_none():
    signs = symptom(SymptomCode.PML_SIGNS, date(2026, 11, 5))
    before = assess(
        patient(**MAN, infusions=OLD_COURSE, symptoms=[signs], mri=[mri(date(2026, 6, 1))])
    )
    assert fired(before)["R-I2"].severity is Severity.CRITICAL
    cleared = assess(
        patient(
            **MAN,
            infusions=OLD_COURSE,
            symptoms=[signs],
            mri=[mri(date(2026, 6, 1)), mri(date(2026, 11, 8))],
        )
    )
    assert cleared.findings == ()


def test_clean_mri_and_no_pml_signs_raise_no_pml_alert():
    pml_resolved = condition(ConditionKind.PML, onset=date(2020, 1, 1), active=False)
    a = assess(
        patient(
            **MAN, infusions=OLD_COURSE, mri=[mri(date(2026, 11, 1))], conditions=[pml_resolved]
        )
    )
    assert a.findings == ()


# ---- R-I3 ----------------------------------------------------------------------------------


def test_woman_without_cervical_screening_is_due_by_course_1_day_1():
    a = assess(patient(), as_of=date(2026, 11, 1), planned_start=date(2026, 12, 7))
    assert hpv_due(a) == [(date(2026, 12, 7), "R-I3")]


def test_woman_in_monitoring_is_due_12_months_after_last_cervical_screening():
    a = assess(
        patient(
            infusions=OLD_COURSE,
            procedures=[screening(date(2025, 1, 2)), screening(date(2026, 3, 10))],
        )
    )
    assert hpv_due(a) == [(date(2027, 3, 10), "R-I3")]
    assert a.due[0].status.value == "upcoming"


def test_woman_with_overdue_cervical_screening_is_shown_overdue():
    a = assess(patient(infusions=OLD_COURSE, procedures=[screening(date(2025, 1, 2))]))
    assert hpv_due(a) == [(date(2026, 1, 2), "R-I3")]
    assert a.due[0].status.value == "overdue"


def test_men_get_no_cervical_screening():
    assert hpv_due(assess(patient(**MAN, infusions=OLD_COURSE))) == []


def test_no_cervical_screening_scheduled_after_monitoring_end():
    infusions = course(date(2021, 1, 4))  # monitoring_end 2025-01-08
    a = assess(
        patient(infusions=infusions, procedures=[screening(date(2024, 6, 1))]),
        as_of=date(2024, 10, 1),
    )
    assert hpv_due(a) == []  # next screening 2025-06-01 falls after monitoring_end
    b = assess(
        patient(infusions=infusions, procedures=[screening(date(2023, 12, 1))]),
        as_of=date(2024, 10, 1),
    )
    assert hpv_due(b) == [(date(2024, 12, 1), "R-I3")]
    # Once monitoring is complete (R-M2) no screening is ordered, not even an overdue one.
    c = assess(
        patient(infusions=infusions, procedures=[screening(date(2023, 12, 1))]),
        as_of=date(2025, 1, 9),
    )
    assert hpv_due(c) == []
