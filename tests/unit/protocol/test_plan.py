"""The course plan (plan.py): Table P, Table I, vital signs, observation, windows."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from alemtrack.protocol.facts import Sex, Statement, StatementCode
from alemtrack.protocol.parameters import PROFILES, p
from alemtrack.protocol.plan import CoursePlan, plan_course
from builders import course, patient

START = date(2026, 12, 1)


def hm(ts: tuple[datetime, ...] | list[datetime]) -> list[str]:
    return [t.strftime("%H:%M") for t in ts]


def doses(plan: CoursePlan, day: int, drug: str) -> list[tuple[str, str]]:
    d = plan.days[day - 1]
    return [(x.at.strftime("%H:%M"), x.dose) for x in (*d.premedication, *d.prophylaxis)
            if x.drug == drug]


def test_course_1_day_starting_at_10_follows_table_i_and_ends_at_15_06() -> None:
    plan = plan_course(None, START, time(10, 0))
    day1 = plan.days[0]
    assert plan.course_number == 1
    assert [(s.start.strftime("%H:%M"), s.end.strftime("%H:%M"), s.rate_ml_h)
            for s in day1.rate_steps] == [
        ("10:00", "10:30", 5.0), ("10:30", "11:00", 10.0), ("11:00", "11:30", 15.0),
        ("11:30", "12:30", 20.0), ("12:30", "15:06", 25.0)]
    assert sum(s.volume_ml for s in day1.rate_steps) == pytest.approx(100.0)
    assert day1.infusion_end == datetime(2026, 12, 1, 15, 6)
    assert day1.observation_end == datetime(2026, 12, 1, 17, 6)
    assert day1.duration_min == 306
    assert plan.warnings == ()


def test_es2019_premedication_is_given_120_and_90_minutes_before_with_1000_mg_on_day_1() -> None:
    plan = plan_course(None, START, time(10, 0))
    assert doses(plan, 1, "paracetamol") == [("08:00", "1 g")]
    assert doses(plan, 1, "dexchlorpheniramine") == [("08:00", "5 mg")]
    assert doses(plan, 1, "methylprednisolone") == [("08:30", "1000 mg")]


def test_course_1_methylprednisolone_tapers_1000_1000_500_250_250() -> None:
    plan = plan_course(None, START, time(10, 0), course_number=1, regimen="es2019")
    assert [doses(plan, d, "methylprednisolone")[0][1] for d in range(1, 6)] == [
        "1000 mg", "1000 mg", "500 mg", "250 mg", "250 mg"]
    assert [d.date for d in plan.days] == [date(2026, 12, n) for n in range(1, 6)]
    assert plan.total_dose_mg == 60


def test_course_2_has_three_days_with_750_500_250_mg() -> None:
    plan = plan_course(None, START, time(9, 30), course_number=2)
    assert len(plan.days) == 3
    assert [doses(plan, d, "methylprednisolone") for d in (1, 2, 3)] == [
        [("08:00", "750 mg")], [("08:00", "500 mg")], [("08:00", "250 mg")]]
    assert plan.total_dose_mg == 36


def test_label_regimen_gives_1000_mg_immediately_before_on_days_1_to_3_only() -> None:
    plan = plan_course(None, START, time(10, 0), course_number=1, regimen="label")
    assert [doses(plan, d, "methylprednisolone") for d in range(1, 6)] == [
        [("09:00", "1000 mg")], [("09:00", "1000 mg")], [("09:00", "1000 mg")], [], []]
    assert plan.regimen == "label"


def test_the_us_profile_defaults_to_the_label_regimen() -> None:
    assert plan_course(None, START, time(10, 0), params=PROFILES["us"]).regimen == "label"
    assert plan_course(None, START, time(10, 0)).regimen == "es2019"


def test_pantoprazole_daily_and_aciclovir_every_12_hours_from_day_1() -> None:
    plan = plan_course(None, START, time(10, 0))
    for day in range(1, 6):
        assert doses(plan, day, "pantoprazole") == [("08:00", "40 mg")]
        assert doses(plan, day, "aciclovir") == [("08:00", "200 mg"), ("20:00", "200 mg")]


def test_vital_signs_before_hourly_at_the_end_and_through_the_observation() -> None:
    day1 = plan_course(None, START, time(10, 0)).days[0]
    assert hm(day1.vital_sign_times) == [
        "10:00", "11:00", "12:00", "13:00", "14:00", "15:06", "16:06", "17:06"]


def test_platelet_counts_after_infusion_on_days_3_and_5_of_course_1_and_day_3_later() -> None:
    c1 = plan_course(None, START, time(10, 0), course_number=1)
    with_count = [d.day for d in c1.days if any("R-E12" in c for c in d.checks)]
    assert with_count == [3, 5]
    c3 = plan_course(None, START, time(10, 0), course_number=3)
    assert [d.day for d in c3.days if any("R-E12" in c for c in d.checks)] == [3]


def test_course_number_defaults_to_courses_given_plus_one() -> None:
    given = patient(infusions=course(date(2025, 11, 3)))
    plan = plan_course(given, START, time(10, 0))
    assert plan.course_number == 2
    assert len(plan.days) == 3
    assert plan.patient == "Patient/test"


def test_windows_of_the_eu_plan() -> None:
    plan = plan_course(patient(), START, time(10, 0))  # last infusion 2026-12-05
    windows = {w.name: (w.start, w.value) for w in plan.windows}
    assert windows == {
        "herpes_prophylaxis_until": (START, date(2027, 1, 5)),
        "listeria_diet_until": (date(2026, 11, 17), date(2027, 1, 5)),
        "contraception_until": (START, date(2027, 4, 5)),
        "breastfeeding_resume": (START, date(2027, 4, 5)),
        "live_vaccines_from": (None, date(2027, 6, 5)),
    }


def test_herpes_window_per_profile() -> None:
    es = plan_course(None, START, time(10, 0), params=PROFILES["es2019"])
    us = plan_course(None, START, time(10, 0), params=PROFILES["us"])
    assert {w.name: w.value for w in es.windows}["herpes_prophylaxis_until"] == date(2026, 12, 29)
    us_window = next(w for w in us.windows if w.name == "herpes_prophylaxis_until")
    assert us_window.value == date(2027, 2, 5)
    assert "CD4" in us_window.note and "CD4" in us.herpes_prophylaxis


def test_no_contraception_or_breastfeeding_window_for_a_man_or_a_woman_who_cannot_conceive(
) -> None:
    man = plan_course(patient(sex=Sex.MALE), START, time(10, 0))
    stated = Statement("Observation/n1", StatementCode.NOT_CHILDBEARING_POTENTIAL,
                       date(2026, 1, 1))
    woman = plan_course(patient(statements=[stated]), START, time(10, 0))
    for plan in (man, woman):
        windows = {w.name: w.value for w in plan.windows}
        assert windows["contraception_until"] is None
        assert windows["breastfeeding_resume"] is None


def test_preparation_never_offers_glucose_saline() -> None:
    prep = " ".join(plan_course(None, START, time(10, 0)).preparation)
    assert "sodium chloride 0.9 % or glucose 5 % (not glucose-saline)" in prep
    assert "not with saline" in prep


def test_a_rate_scheme_outside_4_to_8_hours_is_flagged_r_e9() -> None:
    fast = replace(PROFILES["eu"], course=replace(
        PROFILES["eu"].course, rate_steps=p(((60, 50.0), (60, 50.0)), "R-E9", "test")))
    plan = plan_course(None, START, time(10, 0), params=fast)
    assert plan.warnings == ("R-E9: planned infusion lasts 120 min (outside 240-480 min)",)


def test_a_late_start_carries_the_observation_past_midnight() -> None:
    day1 = plan_course(None, START, time(20, 0)).days[0]
    assert day1.infusion_end == datetime(2026, 12, 2, 1, 6)
    assert day1.observation_end == datetime(2026, 12, 2, 3, 6)


def test_json_shape_of_the_plan() -> None:
    d = plan_course(None, START, time(10, 0)).to_dict()
    assert d["course"] == 1 and d["start"] == "2026-12-01" and d["last_day"] == "2026-12-05"
    day1 = d["days"][0]
    assert day1["infusion"]["end"] == "15:06"
    assert day1["observation_end"] == "17:06"
    assert day1["infusion"]["rate_steps"][-1] == {
        "start": "12:30", "end": "15:06", "minutes": 156, "rate_ml_h": 25.0, "volume_ml": 65.0}
    assert d["windows"]["listeria_diet_until"]["from"] == "2026-11-17"


def test_invalid_course_number_and_regimen_are_rejected() -> None:
    with pytest.raises(ValueError, match="course number"):
        plan_course(None, START, time(10, 0), course_number=-1)
    with pytest.raises(ValueError, match="regimen"):
        plan_course(None, START, time(10, 0), regimen="daily")  # type: ignore[arg-type]
