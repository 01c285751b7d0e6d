"""Monitoring programme: Table M, R-M1..R-M3 (clinical-rules.md §7a)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alemtrack.protocol.dates import add_days, add_months
from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import (
    Analyte,
    ChecklistAnswer,
    ChecklistItem,
    PatientFacts,
    Qual,
    SymptomChecklist,
)
from alemtrack.protocol.results import DueStatus, Severity
from alemtrack.protocol.rules import monitoring
from alemtrack.protocol.rules.monitoring import RULES
from builders import course as infusions
from builders import ctx, lab, patient, run

COURSE1 = date(2024, 1, 8)  # 5 days: last infusion (anchor) 2024-01-12
ANCHOR = date(2024, 1, 12)
LAB_ITEMS = ("cbc", "creatinine", "urinalysis", "lft", "symptom-checklist")


def assess_m(p: PatientFacts, as_of: date) -> Assessment:
    c = ctx(p, as_of)
    return assemble(c, list(monitoring.evaluate(c)))


def treated(*labs, **facts) -> PatientFacts:
    return patient(infusions=infusions(COURSE1), labs=labs, **facts)


def due_of(a: Assessment) -> dict[str, tuple[date, DueStatus]]:
    return {d.item: (d.due, d.status) for d in a.due if d.rule == "R-M1"}


def checklist(on: date, ref: str = "QuestionnaireResponse/q1") -> SymptomChecklist:
    return SymptomChecklist(ref, on, (ChecklistAnswer(ChecklistItem.BRUISING, False),))


def full_draw(on: date) -> list:
    """A monthly draw: platelets, creatinine, urine RBC, ALT."""
    return [lab(Analyte.PLATELETS, 220, on), lab(Analyte.CREATININE, 0.8, on),
            lab(Analyte.URINE_RBC_HPF, 0, on), lab(Analyte.ALT, 20, on)]


def test_family_declares_every_monitoring_rule_id():
    assert [r.id for r in RULES] == ["R-M1", "R-M2", "R-M3"]
    assert [r.produces for r in RULES][1:] == ["no output", "no output"]


# ---- R-M1 schedule -----------------------------------------------------------------------------


def test_first_monthly_tests_are_due_one_month_after_the_last_infusion():
    a = assess_m(treated(), date(2024, 2, 1))
    assert due_of(a) == {
        **{item: (date(2024, 2, 12), DueStatus.UPCOMING) for item in LAB_ITEMS},
        "tsh": (date(2024, 4, 12), DueStatus.UPCOMING),
    }
    assert a.findings == ()


def test_a_result_in_the_slot_window_moves_the_item_to_the_next_month():
    # Slot 1 (2024-02-12) is filled by results dated 2024-02-05 .. 2024-03-04.
    a = assess_m(treated(*full_draw(date(2024, 2, 5)), lab(Analyte.TSH, 1.2, date(2024, 4, 5))),
                 date(2024, 4, 6))
    assert due_of(a) == {
        "cbc": (date(2024, 3, 12), DueStatus.OVERDUE),
        "creatinine": (date(2024, 3, 12), DueStatus.OVERDUE),
        "urinalysis": (date(2024, 3, 12), DueStatus.OVERDUE),
        "lft": (date(2024, 3, 12), DueStatus.OVERDUE),
        "symptom-checklist": (date(2024, 2, 12), DueStatus.OVERDUE),
        "tsh": (date(2024, 7, 12), DueStatus.UPCOMING),
    }


def test_a_result_more_than_7_days_before_the_slot_does_not_fill_it():
    a = assess_m(treated(lab(Analyte.PLATELETS, 220, date(2024, 2, 4))), date(2024, 2, 6))
    assert due_of(a)["cbc"] == (date(2024, 2, 12), DueStatus.DUE)


def test_a_late_result_still_fills_its_slot():
    # 2024-03-04 is the last day of slot 1's window [02-05, 03-05).
    a = assess_m(treated(lab(Analyte.PLATELETS, 220, date(2024, 3, 4))), date(2024, 3, 4))
    assert due_of(a)["cbc"] == (date(2024, 3, 12), DueStatus.UPCOMING)
    a = assess_m(treated(lab(Analyte.PLATELETS, 220, date(2024, 3, 5))), date(2024, 3, 5))
    assert due_of(a)["cbc"] == (date(2024, 4, 12), DueStatus.UPCOMING)


def test_urinalysis_lft_and_checklist_are_filled_by_their_own_results():
    on = date(2024, 2, 12)
    a = assess_m(treated(lab(Analyte.URINE_BLOOD_DIPSTICK, None, on, qual=Qual.NEGATIVE),
                         lab(Analyte.AST, 22, on), checklists=[checklist(on)]), on)
    due = due_of(a)
    assert due["urinalysis"][0] == due["lft"][0] == due["symptom-checklist"][0] == date(2024, 3, 12)
    assert due["cbc"][0] == due["creatinine"][0] == date(2024, 2, 12)


def test_the_due_slot_is_the_first_unfilled_after_the_latest_filled_one():
    # Filled slots 1 and 3, slot 2 missed: the next due is slot 4 (2024-05-12).
    labs = [lab(Analyte.PLATELETS, 220, date(2024, 2, 12)),
            lab(Analyte.PLATELETS, 220, date(2024, 4, 12))]
    a = assess_m(treated(*labs), date(2024, 4, 20))
    assert due_of(a)["cbc"] == (date(2024, 5, 12), DueStatus.UPCOMING)


def test_tsh_is_due_every_third_month():
    labs = [lab(Analyte.TSH, 1.5, date(2024, 4, 12))]
    a = assess_m(treated(*labs), date(2024, 4, 13))
    assert due_of(a)["tsh"] == (date(2024, 7, 12), DueStatus.UPCOMING)


def test_the_last_slot_is_48_months_after_the_anchor_and_nothing_is_due_once_it_is_filled():
    last = add_months(ANCHOR, 48)  # 2028-01-12 = monitoring_end
    labs = [lab(Analyte.PLATELETS, 220, add_months(ANCHOR, 47))]
    a = assess_m(treated(*labs), add_months(ANCHOR, 47))
    assert due_of(a)["cbc"] == (last, DueStatus.UPCOMING)
    labs.append(lab(Analyte.PLATELETS, 220, last))
    a = assess_m(treated(*labs), last)
    assert "cbc" not in due_of(a)


# ---- R-M1 adherence finding --------------------------------------------------------------------


def test_a_missing_test_is_reported_overdue_not_ok():
    # Nothing done since the course: 18 days after slot 1 every monthly item is overdue.
    a = assess_m(treated(), date(2024, 3, 1))
    assert {item for item, (_, status) in due_of(a).items()
            if status is DueStatus.OVERDUE} == set(LAB_ITEMS)
    [m1] = a.findings
    assert m1.rule == "R-M1"
    assert m1.severity is Severity.WARN
    assert m1.summary == (
        "Monitoring overdue (> 14 days): cbc due 2024-02-12 (18 days ago); creatinine due "
        "2024-02-12 (18 days ago); urinalysis due 2024-02-12 (18 days ago); lft due 2024-02-12 "
        "(18 days ago); symptom-checklist due 2024-02-12 (18 days ago)")
    # Never tested: the anchor infusion is the evidence.
    assert [(e.ref, e.date) for e in m1.evidence] == [(m1.evidence[0].ref, ANCHOR)]
    assert m1.evidence[0].code == "117055"


def test_monitoring_more_than_31_days_late_is_urgent():
    a = assess_m(treated(), date(2024, 3, 14))  # 31 days: still warn
    assert a.findings[0].severity is Severity.WARN
    a = assess_m(treated(), date(2024, 3, 15))  # 32 days
    assert a.findings[0].severity is Severity.URGENT


def test_monitoring_up_to_14_days_late_raises_no_finding():
    a = assess_m(treated(), date(2024, 2, 26))  # 14 days: overdue status, no finding yet
    assert due_of(a)["cbc"] == (date(2024, 2, 12), DueStatus.OVERDUE)
    assert a.findings == ()


def test_the_overdue_finding_shows_the_last_result_of_each_overdue_item():
    draw = full_draw(date(2024, 2, 10))
    tsh = lab(Analyte.TSH, 1.1, date(2024, 4, 10), ref="Observation/tsh")
    q = checklist(date(2024, 3, 10))
    a = assess_m(treated(*draw, tsh, checklists=[q]), date(2024, 4, 1))
    [m1] = a.findings
    # cbc/creatinine/urinalysis/lft due 2024-03-12, 20 days late; the checklist filled slot 2.
    assert m1.severity is Severity.WARN
    assert [e.ref for e in m1.evidence] == [r.ref for r in draw]
    assert "symptom-checklist" not in m1.summary and "tsh" not in m1.summary


def test_up_to_date_monitoring_raises_no_finding():
    on = date(2024, 4, 12)
    labs = [*full_draw(date(2024, 2, 12)), *full_draw(date(2024, 3, 12)), *full_draw(on),
            lab(Analyte.TSH, 1.0, on)]
    qs = [checklist(date(2024, m, 12), ref=f"QuestionnaireResponse/q{m}") for m in (2, 3, 4)]
    a = assess_m(treated(*labs, checklists=qs), date(2024, 4, 20))
    assert a.findings == ()
    assert {d for d, _ in due_of(a).values()} == {date(2024, 5, 12), date(2024, 7, 12)}


# ---- R-M2 / phases ---------------------------------------------------------------------------


def test_nothing_is_scheduled_after_monitoring_end():
    a = assess_m(treated(), add_days(add_months(ANCHOR, 48), 1))
    assert a.due == ()
    assert a.findings == ()


def test_monitoring_is_still_scheduled_on_its_last_day():
    a = assess_m(treated(), add_months(ANCHOR, 48))
    assert due_of(a)["cbc"] == (date(2024, 2, 12), DueStatus.OVERDUE)
    assert a.findings[0].severity is Severity.URGENT


def test_a_candidate_has_no_monitoring_schedule():
    a = assess_m(patient(), date(2024, 3, 1))
    assert a.due == () and a.findings == ()


def test_a_new_course_restarts_the_schedule_from_its_last_infusion():
    p = patient(infusions=[*infusions(COURSE1), *infusions(date(2025, 2, 3), 3)])
    a = assess_m(p, date(2025, 2, 20))
    assert due_of(a)["cbc"] == (date(2025, 3, 5), DueStatus.UPCOMING)
    assert due_of(a)["tsh"] == (date(2025, 5, 5), DueStatus.UPCOMING)
    assert a.findings == ()  # older slots were dropped


# ---- properties (engine.assess) ----------------------------------------------------------------

dates = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=dates, offset=st.integers(min_value=0, max_value=48 * 31),
       draws=st.lists(st.integers(min_value=0, max_value=48 * 31), max_size=12))
def test_every_scheduled_test_lies_between_the_anchor_and_monitoring_until(first, offset, draws):
    anchor = add_days(first, 4)
    as_of = add_days(anchor, offset)
    labs = [lab(Analyte.PLATELETS, 220, add_days(anchor, k)) for k in draws]
    labs += [lab(Analyte.TSH, 1.0, add_days(anchor, k)) for k in draws[::2]]
    a = run(patient(infusions=infusions(first), labs=labs), as_of)
    assert a.monitoring_until == add_months(anchor, 48)
    m1 = [d for d in a.due if d.rule == "R-M1"]
    if as_of > add_months(anchor, 48):
        assert m1 == []
    for d in m1:
        assert anchor < d.due <= a.monitoring_until


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=dates, offset=st.integers(min_value=0, max_value=48 * 31),
       draws=st.lists(st.integers(min_value=0, max_value=48 * 31), max_size=8))
def test_tsh_is_due_on_every_third_monthly_slot(first, offset, draws):
    anchor = add_days(first, 4)
    labs = [lab(Analyte.TSH, 1.0, add_days(anchor, k)) for k in draws]
    a = run(patient(infusions=infusions(first), labs=labs), add_days(anchor, offset))
    tsh = [d.due for d in a.due if d.rule == "R-M1" and d.item == "tsh"]
    quarterly = {add_months(anchor, k) for k in range(3, 49, 3)}
    assert all(d in quarterly for d in tsh)
    cbc = [d.due for d in a.due if d.rule == "R-M1" and d.item == "cbc"]
    monthly = {add_months(anchor, k) for k in range(1, 49)}
    assert all(d in monthly for d in cbc)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=dates, gap_months=st.integers(min_value=12, max_value=40),
       later=st.integers(min_value=0, max_value=400))
def test_a_new_course_moves_monitoring_until_to_48_months_after_its_last_infusion(
        first, gap_months, later):
    second = add_months(first, gap_months)
    p = patient(infusions=[*infusions(first), *infusions(second, 3)])
    as_of = add_days(second, 2 + later)
    a = run(p, as_of)
    anchor2 = add_days(second, 2)
    assert a.monitoring_until == add_months(anchor2, 48)
    m1 = [d for d in a.due if d.rule == "R-M1"]
    assert m1, "monitoring must continue after the new course"
    for d in m1:
        assert anchor2 < d.due <= a.monitoring_until
        assert d.due >= add_months(anchor2, 1)
    assert min(d.due for d in m1) - as_of <= timedelta(days=31)
