"""R-E1..R-E15 and R-G0: courses, premedication, prophylaxis, infusion, course-start gate."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import count
from typing import Any

from alemtrack.protocol.dates import add_days
from alemtrack.protocol.engine import Assessment
from alemtrack.protocol.facts import (
    Analyte,
    ConditionKind,
    Drug,
    Infusion,
    InfusionReaction,
    LabResult,
    MedicationOrder,
    PatientFacts,
    Statement,
    StatementCode,
    Symptom,
    SymptomCode,
    VitalKind,
    VitalSign,
)
from alemtrack.protocol.results import Due, GateOutcome, Severity
from alemtrack.protocol.rules import course as course_rules
from builders import condition, finding, gate, lab, patient, rules_fired
from builders import ctx as build_ctx
from builders import run as run_engine

_ids = count(1)

C1 = date(2026, 1, 5)  # course 1: 2026-01-05 .. 2026-01-09
C1_LAST = date(2026, 1, 9)


def infusions(first_day: date, days: int = 5, *, start: time = time(10, 0),
              minutes: int | None = 306, dose_mg: float = 12.0,
              skip: tuple[int, ...] = ()) -> tuple[Infusion, ...]:
    out = []
    for i in range(days):
        if i + 1 in skip:
            continue
        d = add_days(first_day, i)
        begin = datetime.combine(d, start)
        out.append(Infusion(
            ref=f"MedicationAdministration/c{next(_ids)}", date=d, start=begin,
            end=begin + timedelta(minutes=minutes) if minutes is not None else None,
            dose_mg=dose_mg, lot="L1"))
    return tuple(out)


def cd4(value: float, on: date) -> LabResult:
    return lab(Analyte.CD4, value, on)


def vital(kind: VitalKind, value: float, at: datetime) -> VitalSign:
    return VitalSign(f"Observation/v{next(_ids)}", kind, value, at)


def hourly_vitals(day: date, start: time = time(10, 0), until_min: int = 306 + 120,
                  every: int = 60) -> list[VitalSign]:
    """Heart rate sets from 5 min before the start to the end of the observation."""
    begin = datetime.combine(day, start)
    out = [vital(VitalKind.HEART_RATE, 72, begin - timedelta(minutes=5))]
    m = every
    while m < until_min:
        out.append(vital(VitalKind.HEART_RATE, 74, begin + timedelta(minutes=m)))
        m += every
    out.append(vital(VitalKind.HEART_RATE, 70, begin + timedelta(minutes=until_min)))
    return out


def order(drug: Drug, on: date | None) -> MedicationOrder:
    return MedicationOrder(f"MedicationRequest/o{next(_ids)}", drug, drug.value, on)


def all_orders(on: date) -> list[MedicationOrder]:
    return [order(d, on) for d in (Drug.METHYLPREDNISOLONE, Drug.PARACETAMOL,
                                   Drug.DEXCHLORPHENIRAMINE, Drug.PANTOPRAZOLE, Drug.ACICLOVIR)]


def reaction(at: datetime, grade: int, rate: float | None = None,
             inf: Infusion | None = None) -> InfusionReaction:
    return InfusionReaction(f"Observation/r{next(_ids)}", at, grade, rate,
                            inf.ref if inf else None)


def gates_of(a: Assessment, rule: str) -> list[object]:
    return [g for g in a.next_course.gates if g.rule == rule]


_OWN_DUES: dict[int, tuple[Assessment, list[Due]]] = {}


def run(p: PatientFacts, as_of: date, **kw: Any) -> Assessment:
    """The engine's assessment; the course family's own ``due`` outputs are kept aside because
    the engine keeps one entry per item across rules."""
    a = run_engine(p, as_of, **kw)
    own = [o for o in course_rules.evaluate(build_ctx(p, as_of, **kw)) if isinstance(o, Due)]
    _OWN_DUES[id(a)] = (a, own)
    return a


def dues_of(a: Assessment, rule: str) -> list[tuple[str, date]]:
    return sorted((d.item, d.due) for d in _OWN_DUES[id(a)][1] if d.rule == rule)


# ---- catalogue -----------------------------------------------------------------------------


def test_every_course_rule_is_declared_once_with_its_source() -> None:
    ids = [r.id for r in course_rules.RULES]
    assert ids == [*(f"R-E{n}" for n in range(1, 16)), "R-G0"]
    no_output = {r.id for r in course_rules.RULES if r.produces == "no output"}
    assert no_output == {"R-E5", "R-E6", "R-E8", "R-E10", "R-E14"}
    assert all(r.source for r in course_rules.RULES)


def test_no_output_rules_never_emit_anything() -> None:
    p = patient(infusions=infusions(C1), vitals=hourly_vitals(C1))
    a = run(p, date(2026, 1, 20))
    emitted = ({f.rule for f in a.findings} | {g.rule for g in a.next_course.gates}
               | {d.rule for d in a.due})
    assert not emitted & {"R-E5", "R-E6", "R-E8", "R-E10", "R-E14"}


# ---- R-E1 dose -----------------------------------------------------------------------------


def test_a_10_mg_infusion_raises_a_dose_warning_with_that_infusion_as_evidence() -> None:
    given = (*infusions(C1, 4), *infusions(add_days(C1, 4), 1, dose_mg=10.0))
    a = run(patient(infusions=given), date(2026, 1, 12))
    f = finding(a, "R-E1")
    assert f.severity is Severity.WARN
    assert "10 mg on 2026-01-09 (≠ 12 mg)" in f.summary
    assert [e.ref for e in f.evidence] == [given[-1].ref]
    assert f.evidence[0].value == 10.0


def test_two_infusions_on_the_same_day_raise_a_dose_warning() -> None:
    given = (*infusions(C1, 5), *infusions(add_days(C1, 4), 1))
    f = finding(run(patient(infusions=given), date(2026, 1, 12)), "R-E1")
    assert "2 infusions on 2026-01-09" in f.summary
    assert "6 infusion" not in f.summary  # five distinct days: not "too many days"


def test_a_missed_day_within_the_course_raises_a_dose_warning() -> None:
    given = infusions(C1, 6, skip=(3,))  # days 1, 2, 4, 5, 6
    f = finding(run(patient(infusions=given), date(2026, 1, 14)), "R-E1")
    assert "missed day between 2026-01-06 and 2026-01-08" in f.summary


def test_a_course_that_stops_after_four_days_is_reported_incomplete() -> None:
    a = run(patient(infusions=infusions(C1, 4)), date(2026, 1, 12))
    assert "course 1 incomplete: 4 of 5 days given by 2026-01-09" in finding(a, "R-E1").summary


def test_a_six_day_course_1_raises_too_many_days() -> None:
    f = finding(run(patient(infusions=infusions(C1, 6)), date(2026, 1, 14)), "R-E1")
    assert "6 infusion days in course 1 (scheduled 5)" in f.summary


def test_a_complete_course_of_12_mg_raises_no_dose_warning() -> None:
    a = run(patient(infusions=infusions(C1)), date(2026, 1, 12))
    assert "R-E1" not in rules_fired(a)


def test_a_course_in_progress_is_not_called_incomplete() -> None:
    a = run(patient(infusions=infusions(C1, 2)), date(2026, 1, 6))
    assert "R-E1" not in rules_fired(a)


# ---- R-E2 course 2: interval and CD4 -------------------------------------------------------


def test_course_2_is_blocked_until_12_months_after_the_last_infusion_of_course_1() -> None:
    a = run(patient(infusions=infusions(C1)), date(2026, 11, 21))
    g = gate(a, "R-E2")
    assert g.outcome is GateOutcome.BLOCK
    assert g.until == date(2027, 1, 9)
    assert "course 2 not before 12 months after the last infusion of course 1" in g.reason
    assert a.next_course.status == "blocked"
    # CD4 not yet due: only a due date 30 days before D1_eff, no CD4 condition in the gate.
    assert dues_of(a, "R-E2") == [("cd4", date(2026, 12, 10))]
    assert "CD4" not in g.reason


def test_course_2_on_or_after_12_months_with_cd4_above_200_has_no_interval_gate() -> None:
    p = patient(infusions=infusions(C1), labs=[cd4(420, date(2027, 1, 2))])
    a = run(p, date(2027, 1, 5), planned_start=date(2027, 1, 9))
    assert gates_of(a, "R-E2") == []
    assert dues_of(a, "R-E2") == []


def test_cd4_of_200_within_30_days_holds_course_2_and_schedules_a_recheck_in_a_month() -> None:
    low = cd4(200, date(2027, 1, 2))
    a = run(patient(infusions=infusions(C1), labs=[low]), date(2027, 1, 5),
            planned_start=date(2027, 1, 12))
    g = gate(a, "R-E2")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert "CD4 200 /uL (≤ 200)" in g.reason
    assert [e.ref for e in g.evidence] == [low.ref]
    assert dues_of(a, "R-E2") == [("cd4", date(2027, 2, 2))]
    assert a.next_course.status == "on-hold"


def test_missing_cd4_within_30_days_of_day_1_holds_course_2_undated() -> None:
    old = cd4(500, date(2026, 11, 1))  # older than 30 days before D1
    a = run(patient(infusions=infusions(C1), labs=[old]), date(2027, 1, 5),
            planned_start=date(2027, 1, 12))
    g = gate(a, "R-E2")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    assert "no CD4 count after course 1 within 30 days before 2027-01-12" in g.reason
    assert dues_of(a, "R-E2") == [("cd4", date(2026, 12, 13))]
    assert a.next_course.earliest_start is None


def test_a_cd4_count_exactly_30_days_before_day_1_still_counts() -> None:
    p = patient(infusions=infusions(C1), labs=[cd4(201, date(2026, 12, 13))])
    a = run(p, date(2027, 1, 5), planned_start=date(2027, 1, 12))
    assert gates_of(a, "R-E2") == []


# ---- R-E3 courses 3-4 ----------------------------------------------------------------------


def test_course_3_is_blocked_12_months_after_course_2_and_held_without_cd4() -> None:
    given = (*infusions(C1), *infusions(date(2027, 2, 1), 3))
    a = run(patient(infusions=given), date(2027, 12, 20))
    g = gate(a, "R-E3")
    assert g.outcome is GateOutcome.BLOCK
    assert g.until == date(2028, 2, 3)
    assert "course 3 not before 12 months after the last infusion of course 2" in g.reason
    # ✱ Course 3 is as-needed: without a planned start no CD4 count is scheduled.
    assert dues_of(a, "R-E3") == []
    planned = run(patient(infusions=given), date(2027, 12, 20), planned_start=date(2028, 3, 1))
    assert dues_of(planned, "R-E3") == [("cd4", date(2028, 1, 31))]
    assert gates_of(a, "R-E2") == []


def test_course_3_with_recent_cd4_above_200_after_12_months_has_no_gate() -> None:
    given = (*infusions(C1), *infusions(date(2027, 2, 1), 3))
    p = patient(infusions=given, labs=[cd4(350, date(2028, 2, 1))])
    a = run(p, date(2028, 2, 3), planned_start=date(2028, 2, 10))
    assert gates_of(a, "R-E3") == []


def test_course_3_with_cd4_150_is_held() -> None:
    given = (*infusions(C1), *infusions(date(2027, 2, 1), 3))
    p = patient(infusions=given, labs=[cd4(150, date(2028, 2, 1))])
    a = run(p, date(2028, 2, 3), planned_start=date(2028, 2, 10))
    g = gate(a, "R-E3")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    assert "CD4 150 /uL (≤ 200)" in g.reason
    assert dues_of(a, "R-E3") == [("cd4", date(2028, 3, 1))]


# ---- R-E4 maximum --------------------------------------------------------------------------


def four_courses() -> tuple[Infusion, ...]:
    return (*infusions(date(2021, 1, 4)), *infusions(date(2022, 2, 1), 3),
            *infusions(date(2023, 3, 1), 3), *infusions(date(2024, 4, 1), 3))


def test_a_fifth_course_is_blocked_in_eu_mode_and_not_eligible() -> None:
    a = run(patient(infusions=four_courses()), date(2026, 11, 21))
    g = gate(a, "R-E4")
    assert (g.outcome, g.until) == (GateOutcome.BLOCK, None)
    assert "course 5: the maximum of 4 courses has been given" in g.reason
    assert a.next_course.status == "not-eligible"
    assert a.next_course.earliest_start is None


def test_a_fifth_course_is_only_a_warning_in_the_us_profile() -> None:
    a = run(patient(infusions=four_courses()), date(2026, 11, 21), profile="us")
    g = gate(a, "R-E4")
    assert g.outcome is GateOutcome.WARN
    assert "beyond the 4 courses studied" in g.reason
    assert a.next_course.status != "not-eligible"


def test_a_fourth_course_raises_no_maximum_gate() -> None:
    a = run(patient(infusions=four_courses()[:-3]), date(2026, 11, 21))
    assert a.next_course.number == 4
    assert gates_of(a, "R-E4") == []


# ---- R-E7 herpes prophylaxis ---------------------------------------------------------------


def test_eu_herpes_window_is_the_later_of_4_weeks_and_1_month_after_the_last_infusion() -> None:
    a = run(patient(infusions=infusions(C1)), date(2026, 1, 20))
    assert a.windows["herpes_prophylaxis_until"] == date(2026, 2, 9)


def test_es2019_herpes_window_is_4_weeks_from_day_1() -> None:
    a = run(patient(infusions=infusions(C1)), date(2026, 1, 20), profile="es2019")
    assert a.windows["herpes_prophylaxis_until"] == date(2026, 2, 2)


def test_us_herpes_window_is_2_months_after_the_course_when_cd4_is_200_by_then() -> None:
    p = patient(infusions=infusions(C1), labs=[cd4(200, date(2026, 3, 1))])
    a = run(p, date(2026, 3, 2), profile="us")
    assert a.windows["herpes_prophylaxis_until"] == date(2026, 3, 9)
    assert "R-E7" not in rules_fired(a)


def test_us_herpes_window_runs_to_the_first_later_cd4_of_200_or_more() -> None:
    p = patient(infusions=infusions(C1),
                labs=[cd4(180, date(2026, 3, 1)), cd4(230, date(2026, 5, 10))])
    a = run(p, date(2026, 5, 12), profile="us")
    assert a.windows["herpes_prophylaxis_until"] == date(2026, 5, 10)


def test_us_herpes_window_without_cd4_is_open_with_an_info_finding_and_a_cd4_due() -> None:
    low = cd4(150, date(2026, 3, 1))
    a = run(patient(infusions=infusions(C1), labs=[low]), date(2026, 3, 2), profile="us")
    assert a.windows["herpes_prophylaxis_until"] is None
    f = finding(a, "R-E7")
    assert f.severity is Severity.INFO
    assert "until CD4 ≥200 /uL (latest CD4 150 /uL (< 200))" in f.summary
    assert [e.ref for e in f.evidence] == [low.ref]
    assert dues_of(a, "R-E7") == [("cd4", date(2026, 3, 9))]


def test_no_herpes_window_before_any_infusion() -> None:
    a = run(patient(), date(2026, 11, 21))
    assert a.windows["herpes_prophylaxis_until"] is None
    assert "R-E7" not in rules_fired(a)


# ---- R-E9 duration -------------------------------------------------------------------------


def test_a_3_hour_infusion_raises_a_duration_warning() -> None:
    given = (*infusions(C1, 4), *infusions(add_days(C1, 4), 1, minutes=180))
    f = finding(run(patient(infusions=given), date(2026, 1, 12)), "R-E9")
    assert f.severity is Severity.WARN
    assert "Infusion on 2026-01-09 lasted 180 min (< 240 min)" in f.summary
    assert [e.ref for e in f.evidence] == [given[-1].ref]


def test_a_9_hour_infusion_raises_a_duration_warning() -> None:
    given = infusions(C1, 5, minutes=540)
    assert "(> 480 min)" in finding(run(patient(infusions=given), date(2026, 1, 12)),
                                    "R-E9").summary


def test_the_table_i_duration_of_306_minutes_raises_no_warning() -> None:
    a = run(patient(infusions=infusions(C1)), date(2026, 1, 12))
    assert "R-E9" not in rules_fired(a)


# ---- R-E11 vital signs ---------------------------------------------------------------------


def test_no_vital_signs_before_the_start_raise_a_warning() -> None:
    day = C1
    given = infusions(day, 1)
    vitals = hourly_vitals(day)[1:]  # drop the pre-infusion set
    f = finding(run(patient(infusions=given, vitals=vitals), date(2026, 1, 6)), "R-E11")
    assert f.severity is Severity.WARN
    assert "no vital signs before the start at 10:00" in f.summary


def test_a_90_minute_gap_in_vital_signs_raises_a_warning() -> None:
    given = infusions(C1, 1)
    vitals = [v for v in hourly_vitals(C1) if v.at.time() not in (time(12, 0),)]
    f = finding(run(patient(infusions=given, vitals=vitals), date(2026, 1, 6)), "R-E11")
    assert "120 min without vital signs from 11:00 to 13:00 (> 75 min)" in f.summary
    assert {e.date for e in f.evidence} == {C1}


def test_vital_signs_stopping_at_the_end_of_the_infusion_miss_the_observation() -> None:
    given = infusions(C1, 1)
    vitals = hourly_vitals(C1, until_min=306)  # last set at 15:06, none during observation
    f = finding(run(patient(infusions=given, vitals=vitals), date(2026, 1, 6)), "R-E11")
    assert "120 min without vital signs from 15:06 to 17:06 (> 75 min)" in f.summary
    # On the infusion day itself the observation may still be running: no warning yet.
    assert "R-E11" not in rules_fired(run(patient(infusions=given, vitals=vitals), C1))


def test_hourly_vital_signs_through_the_observation_raise_no_warning() -> None:
    given = infusions(C1, 1)
    a = run(patient(infusions=given, vitals=hourly_vitals(C1)), date(2026, 1, 6))
    assert "R-E11" not in rules_fired(a)


# ---- R-E12 platelets after infusion --------------------------------------------------------


def test_platelet_counts_are_due_on_day_3_and_then_day_5_of_course_1() -> None:
    a = run(patient(infusions=infusions(C1, 2)), date(2026, 1, 6))
    assert dues_of(a, "R-E12") == [("cbc", date(2026, 1, 7)), ("cbc", date(2026, 1, 9))]
    # the merged list shows the day-3 count as the next CBC, under R-E12
    assert next((d.due, d.rule) for d in a.due if d.item == "cbc") == (date(2026, 1, 7), "R-E12")
    day3 = lab(Analyte.PLATELETS, 180, date(2026, 1, 7))
    b = run(patient(infusions=infusions(C1, 3), labs=[day3]), date(2026, 1, 7))
    assert dues_of(b, "R-E12") == [("cbc", date(2026, 1, 9))]
    # Day 3 missed: on day 5 the day-5 count is what is due.
    c = run(patient(infusions=infusions(C1, 5)), date(2026, 1, 9))
    assert dues_of(c, "R-E12") == [("cbc", date(2026, 1, 9))]


def test_only_day_3_is_due_in_course_2_and_a_count_that_day_fills_it() -> None:
    given = (*infusions(C1), *infusions(date(2027, 1, 11), 2))
    a = run(patient(infusions=given), date(2027, 1, 12))
    assert dues_of(a, "R-E12") == [("cbc", date(2027, 1, 13))]
    filled = patient(infusions=(*given, *infusions(date(2027, 1, 13), 1)),
                     labs=[lab(Analyte.PLATELETS, 140, date(2027, 1, 13))])
    assert dues_of(run(filled, date(2027, 1, 13)), "R-E12") == []


def test_no_post_infusion_platelet_count_is_due_months_after_the_course() -> None:
    a = run(patient(infusions=infusions(C1)), date(2026, 5, 1))
    assert dues_of(a, "R-E12") == []


# ---- R-E13 late infusion events ------------------------------------------------------------


def test_a_stroke_two_days_after_an_infusion_is_critical() -> None:
    stroke = Symptom("Observation/s1", SymptomCode.STROKE, date(2026, 1, 11))
    p = patient(infusions=infusions(C1), symptoms=[stroke])
    f = finding(run(p, date(2026, 1, 11)), "R-E13")
    assert f.severity is Severity.CRITICAL
    assert "Stroke on 2026-01-11, 2 days after the alemtuzumab infusion of 2026-01-09" in f.summary
    assert [e.ref for e in f.evidence] == ["Observation/s1", p.infusions[-1].ref]


def test_an_alveolar_haemorrhage_condition_within_30_days_is_critical() -> None:
    c = condition(ConditionKind.ALVEOLAR_HAEMORRHAGE, onset=date(2026, 2, 5))
    a = run(patient(infusions=infusions(C1), conditions=[c]), date(2026, 2, 6))
    assert finding(a, "R-E13").severity is Severity.CRITICAL


def test_a_stroke_40_days_after_the_last_infusion_is_not_an_infusion_event() -> None:
    stroke = Symptom("Observation/s2", SymptomCode.STROKE, date(2026, 2, 18))
    a = run(patient(infusions=infusions(C1), symptoms=[stroke]), date(2026, 2, 18))
    assert "R-E13" not in rules_fired(a)


# ---- R-E15 infusion reactions --------------------------------------------------------------


def test_a_grade_2_reaction_warns_with_the_resumed_rate_and_the_recomputed_end() -> None:
    given = infusions(C1, 1)
    r = reaction(datetime(2026, 1, 5, 11, 15), 2, 15.0, given[0])
    a = run(patient(infusions=given, reactions=[r]), date(2026, 1, 5))
    f = finding(a, "R-E15")
    assert f.severity is Severity.WARN
    assert "Grade 2 infusion reaction at 2026-01-05 11:15" in f.summary
    assert any("reduce the rate by 50 %" in x.lower() for x in f.actions)
    # 11.25 mL given by 11:15; 88.75 mL at 7.5 mL/h = 710 min -> 23:05.
    assert ("Resume at 7.5 mL/h (50 % of 15 mL/h); 88.8 mL left; projected end 23:05 plus "
            "the pause") in f.actions
    assert [e.ref for e in f.evidence] == [r.ref, given[0].ref]
    # 785 min in all: beyond 8 hours, so R-E9 warns about the projection.
    assert "785 min (> 480 min)" in finding(a, "R-E9").summary


def test_the_rate_at_stop_defaults_to_the_table_i_rate_at_that_minute() -> None:
    given = infusions(C1, 1)
    r = reaction(datetime(2026, 1, 5, 13, 0), 3, None, given[0])  # minute 180: 25 mL/h
    f = finding(run(patient(infusions=given, reactions=[r]), date(2026, 1, 5)), "R-E15")
    assert any(a.startswith("Resume at 12.5 mL/h (50 % of 25 mL/h)") for a in f.actions)


def test_a_grade_4_reaction_is_critical() -> None:
    given = infusions(C1, 1)
    r = reaction(datetime(2026, 1, 5, 11, 0), 4, 10.0, given[0])
    f = finding(run(patient(infusions=given, reactions=[r]), date(2026, 1, 5)), "R-E15")
    assert f.severity is Severity.CRITICAL
    assert "Stop/discontinue the infusion; flush the line with saline" in f.actions


def test_a_grade_1_reaction_raises_no_finding() -> None:
    given = infusions(C1, 1)
    r = reaction(datetime(2026, 1, 5, 11, 0), 1, 10.0, given[0])
    a = run(patient(infusions=given, reactions=[r]), date(2026, 1, 5))
    assert "R-E15" not in rules_fired(a)


# ---- R-G0 course-start and infusion-day gate -----------------------------------------------


def test_missing_premedication_and_aciclovir_orders_warn_on_the_course_start_gate() -> None:
    p = patient(orders=[order(Drug.METHYLPREDNISOLONE, date(2026, 11, 20))])
    a = run(p, date(2026, 11, 21), planned_start=date(2026, 12, 1))
    g = gate(a, "R-G0")
    assert (g.outcome, g.until) == (GateOutcome.WARN, None)
    assert "premedication not ordered for course 1: paracetamol, dexchlorpheniramine, " \
           "pantoprazole" in g.reason
    assert "herpes prophylaxis (aciclovir from D1) not ordered for course 1" in g.reason


def test_complete_orders_for_the_course_raise_no_course_start_gate() -> None:
    p = patient(orders=all_orders(date(2026, 11, 20)))
    a = run(p, date(2026, 11, 21), planned_start=date(2026, 12, 1))
    assert gates_of(a, "R-G0") == []


def test_orders_of_course_1_do_not_count_for_course_2() -> None:
    p = patient(infusions=infusions(C1), orders=all_orders(date(2026, 1, 2)),
                labs=[cd4(400, date(2027, 1, 10))])
    a = run(p, date(2027, 1, 12), planned_start=date(2027, 1, 12))
    assert "premedication not ordered for course 2" in gate(a, "R-G0").reason


def test_the_label_regimen_only_requires_the_corticosteroid_order() -> None:
    p = patient(orders=[order(Drug.METHYLPREDNISOLONE, date(2026, 11, 20)),
                        order(Drug.VALACICLOVIR, date(2026, 11, 20))])
    a = run(p, date(2026, 11, 21), profile="us", planned_start=date(2026, 12, 1))
    assert gates_of(a, "R-G0") == []


def test_fever_on_day_1_holds_the_course_start() -> None:
    d1 = date(2026, 12, 1)
    t = vital(VitalKind.TEMPERATURE, 38.2, datetime(2026, 12, 1, 9, 30))
    p = patient(orders=all_orders(date(2026, 11, 20)), vitals=[t])
    a = run(p, d1, planned_start=d1)
    g = gate(a, "R-G0")
    assert (g.outcome, g.until) == (GateOutcome.HOLD, None)
    assert "infusion day 2026-12-01: temperature 38.2 °C (≥ 38 °C)" in g.reason
    assert [e.ref for e in g.evidence] == [t.ref]
    assert a.next_course.status == "on-hold"


def test_no_pre_infusion_vitals_on_day_1_warn_and_37_8_does_not_hold() -> None:
    d1 = date(2026, 12, 1)
    p = patient(orders=all_orders(date(2026, 11, 20)))
    g = gate(run(p, d1, planned_start=d1), "R-G0")
    assert (g.outcome, g.reason) == (
        GateOutcome.WARN, "infusion day 2026-12-01: no pre-infusion vital signs recorded today")
    afebrile = patient(orders=all_orders(date(2026, 11, 20)),
                       vitals=[vital(VitalKind.TEMPERATURE, 37.8, datetime(2026, 12, 1, 9, 30))])
    assert gates_of(run(afebrile, d1, planned_start=d1), "R-G0") == []


def test_fever_on_day_2_of_a_started_course_is_an_urgent_infusion_day_finding() -> None:
    t = vital(VitalKind.TEMPERATURE, 38.5, datetime(2026, 1, 6, 8, 0))
    p = patient(infusions=infusions(C1, 1), vitals=[t])
    a = run(p, date(2026, 1, 6))
    f = finding(a, "R-G0")
    assert f.severity is Severity.URGENT
    assert "Infusion day 2026-01-06: temperature 38.5 °C (≥ 38 °C)" in f.summary
    # next_course is course 2 now: today's infusion does not hold it.
    assert all("infusion day" not in g.reason for g in gates_of(a, "R-G0"))


def test_a_grade_4_reaction_holds_the_next_infusion_day_until_a_physician_order() -> None:
    given = infusions(C1, 1)
    r = reaction(datetime(2026, 1, 5, 11, 0), 4, 10.0, given[0])
    morning = [vital(VitalKind.TEMPERATURE, 36.8, datetime(2026, 1, 6, 8, 0))]
    held = run(patient(infusions=given, reactions=[r], vitals=morning), date(2026, 1, 6))
    f = finding(held, "R-G0")
    assert f.severity is Severity.URGENT
    assert "grade 4 infusion reaction on 2026-01-05 without a physician order" in f.summary
    ordered = Statement("Observation/po1", StatementCode.PHYSICIAN_ORDER_TO_RESUME,
                        date(2026, 1, 5))
    resumed = run(patient(infusions=given, reactions=[r], vitals=morning,
                          statements=[ordered]), date(2026, 1, 6))
    assert "R-G0" not in rules_fired(resumed)


def test_no_infusion_day_checks_once_todays_infusion_is_recorded() -> None:
    given = infusions(C1, 2)
    a = run(patient(infusions=given, vitals=hourly_vitals(C1) + hourly_vitals(add_days(C1, 1))),
            date(2026, 1, 6))
    assert "R-G0" not in rules_fired(a)
