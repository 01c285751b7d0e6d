"""R-C1..R-C6: vaccination plan (Tables V1/V2), HBV responder logic, live/inactivated timing."""

from dataclasses import replace
from datetime import date

from alemtrack.protocol.context import build_context
from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import Analyte, Drug, Qual, Sex, Statement, StatementCode, Vaccine
from alemtrack.protocol.parameters import PROFILES, Parameters, p
from alemtrack.protocol.results import GateOutcome, Severity
from alemtrack.protocol.rules import vaccination
from builders import course, lab, med_use, patient, vaccine_dose

AS_OF = date(2026, 11, 21)
NEG = Qual.NEGATIVE
POS = Qual.POSITIVE


def assess(pt, as_of=AS_OF, planned_start=None, params: Parameters | None = None) -> Assessment:
    c = build_context(pt, as_of, params or PROFILES["eu"], planned_start)
    return assemble(c, list(vaccination.evaluate(c)))


def dues(a: Assessment, rule: str = "R-C1", prefix: str = "") -> dict[str, date]:
    return {d.item: d.due for d in a.due if d.rule == rule and d.item.startswith(prefix)}


def findings(a: Assessment, rule: str):
    return [f for f in a.findings if f.rule == rule]


def gates(a: Assessment, rule: str):
    return [g for g in a.next_course.gates if g.rule == rule]


def serology(analyte: Analyte, qual: Qual, on: date = date(2026, 11, 1)):
    return lab(analyte, None, on, qual=qual)


def anti_hbs(value: float, on: date):
    return lab(Analyte.ANTI_HBS, value, on)


# ---- R-C1 -----------------------------------------------------------------------------------


def test_influenza_not_given_this_campaign_is_due_on_1_october():
    a = assess(patient())
    assert dues(a, prefix="vaccine-influenza") == {"vaccine-influenza-1": date(2026, 10, 1)}


def test_influenza_given_this_campaign_is_next_due_on_next_1_october():
    flu = vaccine_dose(Vaccine.INFLUENZA, date(2026, 10, 12))
    a = assess(patient(vaccinations=[flu]))
    assert dues(a, prefix="vaccine-influenza") == {"vaccine-influenza-1": date(2027, 10, 1)}


def test_influenza_outside_the_campaign_is_due_next_1_october():
    a = assess(patient(), as_of=date(2026, 5, 3))
    assert dues(a, prefix="vaccine-influenza") == {"vaccine-influenza-1": date(2026, 10, 1)}


def test_pneumococcal_pcv13_now_and_ppsv23_two_months_later():
    a = assess(patient())
    assert dues(a, prefix="vaccine-p") == {
        "vaccine-pcv13-1": date(2026, 11, 21),
        "vaccine-ppsv23-1": date(2027, 1, 21),
    }


def test_pneumococcal_doses_given_are_not_due_again_and_ppsv23_booster_at_5_years():
    pcv = vaccine_dose(Vaccine.PCV13, date(2020, 1, 10))
    ppsv = vaccine_dose(Vaccine.PPSV23, date(2020, 3, 15))
    a = assess(patient(vaccinations=[pcv, ppsv]))
    assert dues(a, prefix="vaccine-p") == {"vaccine-ppsv23-2": date(2025, 3, 15)}


def test_negative_hav_igg_plans_hepatitis_a_at_0_and_6_months():
    a = assess(patient(labs=[serology(Analyte.HAV_IGG, NEG)]))
    assert dues(a, prefix="vaccine-hepatitis-a") == {
        "vaccine-hepatitis-a-1": date(2026, 11, 21),
        "vaccine-hepatitis-a-2": date(2027, 5, 21),
    }


def test_positive_or_unknown_hav_igg_plans_no_hepatitis_a():
    assert dues(assess(patient(labs=[serology(Analyte.HAV_IGG, POS)])), prefix="vaccine-hep") == {}
    assert dues(assess(patient()), prefix="vaccine-hep") == {}


def test_hepatitis_a_second_dose_follows_the_first_given():
    dose1 = vaccine_dose(Vaccine.HEPATITIS_A, date(2026, 8, 31))
    a = assess(patient(labs=[serology(Analyte.HAV_IGG, NEG, date(2026, 8, 1))],
                       vaccinations=[dose1]))
    assert dues(a, prefix="vaccine-hepatitis-a") == {"vaccine-hepatitis-a-2": date(2027, 2, 28)}


def test_anti_hbs_below_10_plans_hepatitis_b_at_0_1_2_6_months():
    a = assess(patient(labs=[anti_hbs(3, date(2026, 11, 1))]))
    assert dues(a, prefix="vaccine-hepatitis-b") == {
        "vaccine-hepatitis-b-1": date(2026, 11, 21),
        "vaccine-hepatitis-b-2": date(2026, 12, 21),
        "vaccine-hepatitis-b-3": date(2027, 1, 21),
        "vaccine-hepatitis-b-4": date(2027, 5, 21),
    }


def test_anti_hbs_of_10_is_protected_and_plans_no_hepatitis_b():
    a = assess(patient(labs=[anti_hbs(10, date(2026, 11, 1))]))
    assert dues(a, prefix="vaccine-hepatitis-b") == {}
    assert dues(a, "R-C2") == {}


def test_positive_anti_hbc_plans_no_hepatitis_b_vaccine():
    hbc = lab(Analyte.ANTI_HBC, None, date(2026, 11, 1), qual=POS)
    a = assess(patient(labs=[anti_hbs(2, date(2026, 11, 1)), hbc]))
    assert dues(a, prefix="vaccine-hepatitis-b") == {}


def test_inactivated_dose_falling_inside_the_planned_course_moves_to_the_day_after():
    pt = patient(labs=[anti_hbs(3, date(2026, 11, 1))])
    a = assess(pt, as_of=date(2026, 11, 21), planned_start=date(2026, 11, 20))
    hbv = dues(a, prefix="vaccine-hepatitis-b")
    assert hbv["vaccine-hepatitis-b-1"] == date(2026, 11, 25)  # course 20-24 November
    assert hbv["vaccine-hepatitis-b-2"] == date(2026, 12, 25)
    assert dues(a, prefix="vaccine-pcv13") == {"vaccine-pcv13-1": date(2026, 11, 25)}


def test_never_vaccinated_against_tetanus_starts_primary_series_0_1_6():
    never = Statement("Observation/s1", StatementCode.NEVER_VACCINATED_TETANUS, date(2026, 11, 1))
    a = assess(patient(statements=[never]))
    assert dues(a, prefix="vaccine-tetanus") == {
        "vaccine-tetanus-diphtheria-1": date(2026, 11, 21),
        "vaccine-tetanus-diphtheria-2": date(2026, 12, 21),
        "vaccine-tetanus-diphtheria-3": date(2027, 5, 21),
    }


def test_tetanus_booster_is_due_10_years_after_the_last_recorded_dose():
    doses = [vaccine_dose(Vaccine.TETANUS_DIPHTHERIA, d)
             for d in (date(1995, 1, 1), date(1995, 2, 1), date(1995, 8, 1))]
    a = assess(patient(vaccinations=doses))
    assert dues(a, prefix="vaccine-tetanus") == {"vaccine-tetanus-diphtheria-4": date(2005, 8, 1)}


def test_unknown_tetanus_history_plans_nothing():
    assert dues(assess(patient()), prefix="vaccine-tetanus") == {}


def test_woman_under_26_is_offered_hpv_0_1_6():
    a = assess(patient(born=date(2004, 2, 2)))
    assert dues(a, prefix="vaccine-hpv") == {
        "vaccine-hpv-1": date(2026, 11, 21),
        "vaccine-hpv-2": date(2026, 12, 21),
        "vaccine-hpv-3": date(2027, 5, 21),
    }


def test_hpv_is_not_planned_for_a_woman_of_26_or_a_man():
    assert dues(assess(patient(born=date(2000, 11, 21))), prefix="vaccine-hpv") == {}
    assert dues(assess(patient(sex=Sex.MALE, born=date(2004, 2, 2))), prefix="vaccine-hpv") == {}


def test_negative_vzv_igg_plans_varicella_at_0_and_1_month_for_a_candidate():
    a = assess(patient(labs=[serology(Analyte.VZV_IGG, NEG)]))
    assert dues(a, prefix="vaccine-varicella") == {
        "vaccine-varicella-1": date(2026, 11, 21),
        "vaccine-varicella-2": date(2026, 12, 21),
    }
    assert findings(a, "R-C1") == []


def test_positive_vzv_igg_plans_no_varicella():
    a = assess(patient(labs=[serology(Analyte.VZV_IGG, POS)]))
    assert dues(a, prefix="vaccine-varicella") == {}


def test_live_series_ending_42_days_before_planned_d1_is_scheduled():
    pt = patient(labs=[serology(Analyte.MEASLES_IGG, NEG)])
    a = assess(pt, planned_start=date(2027, 2, 1))  # D1 − 42 = 2026-12-21 = dose 2
    assert dues(a, prefix="vaccine-mmr") == {
        "vaccine-mmr-1": date(2026, 11, 21),
        "vaccine-mmr-2": date(2026, 12, 21),
    }


def test_live_series_that_cannot_end_42_days_before_d1_is_deferred_with_info():
    measles = serology(Analyte.MEASLES_IGG, NEG)
    a = assess(patient(labs=[measles]), planned_start=date(2027, 1, 31))
    assert dues(a, prefix="vaccine-mmr") == {}
    [f] = findings(a, "R-C1")
    assert f.severity is Severity.INFO
    assert "measles IgG negative" in f.summary and "2027-01-31" in f.summary
    assert [e.ref for e in f.evidence] == [measles.ref]


def test_live_vaccines_given_apart_respect_4_weeks_spacing():
    var1 = vaccine_dose(Vaccine.VARICELLA, date(2026, 11, 10))
    pt = patient(labs=[serology(Analyte.MEASLES_IGG, NEG), serology(Analyte.VZV_IGG, NEG)],
                 vaccinations=[var1])
    a = assess(pt)
    assert dues(a, prefix="vaccine-mmr") == {
        "vaccine-mmr-1": date(2026, 12, 8),
        "vaccine-mmr-2": date(2027, 1, 8),
    }
    assert dues(a, prefix="vaccine-varicella") == {"vaccine-varicella-2": date(2026, 12, 10)}


def test_high_dose_steroids_delay_live_vaccines_one_month_after_last_dose():
    pred = med_use(Drug.PREDNISONE, start=date(2026, 10, 20), last_dose=date(2026, 11, 10),
                   daily_dose_mg=40)
    a = assess(patient(labs=[serology(Analyte.VZV_IGG, NEG)], medications=[pred]))
    assert dues(a, prefix="vaccine-varicella") == {
        "vaccine-varicella-1": date(2026, 12, 10),
        "vaccine-varicella-2": date(2027, 1, 10),
    }


def test_fingolimod_delays_live_vaccines_three_months_after_last_dose():
    fingo = med_use(Drug.FINGOLIMOD, last_dose=date(2026, 10, 1))
    a = assess(patient(labs=[serology(Analyte.VZV_IGG, NEG)], medications=[fingo]))
    assert dues(a, prefix="vaccine-varicella") == {
        "vaccine-varicella-1": date(2027, 1, 1),
        "vaccine-varicella-2": date(2027, 2, 1),
    }


def test_teriflunomide_without_washout_level_defers_live_vaccines():
    teri = med_use(Drug.TERIFLUNOMIDE, last_dose=date(2026, 10, 1))
    vzv = serology(Analyte.VZV_IGG, NEG)
    a = assess(patient(labs=[vzv], medications=[teri]))
    assert dues(a, prefix="vaccine-varicella") == {}
    [f] = findings(a, "R-C1")
    assert "teriflunomide washout not complete" in f.summary
    assert {e.ref for e in f.evidence} == {vzv.ref, teri.ref}


def test_no_vaccination_plan_once_monitoring_is_complete():
    pt = patient(labs=[serology(Analyte.VZV_IGG, NEG)], infusions=course(date(2021, 1, 4)))
    a = assess(pt)
    assert dues(a) == {}


# ---- R-C2 -----------------------------------------------------------------------------------


def _hbv_doses(*days: date):
    return [vaccine_dose(Vaccine.HEPATITIS_B, d) for d in days]


SERIES1 = (date(2026, 1, 5), date(2026, 2, 5), date(2026, 3, 5), date(2026, 7, 6))


def test_anti_hbs_is_due_one_month_after_the_fourth_hepatitis_b_dose():
    a = assess(patient(labs=[anti_hbs(2, date(2025, 12, 20))], vaccinations=_hbv_doses(*SERIES1)))
    assert dues(a, "R-C2") == {"anti-hbs": date(2026, 8, 6)}
    assert dues(a, prefix="vaccine-hepatitis-b") == {}


def test_anti_hbs_below_10_after_the_series_plans_three_monthly_doses_from_the_result():
    post = anti_hbs(4, date(2026, 8, 10))
    a = assess(patient(labs=[anti_hbs(2, date(2025, 12, 20)), post],
                       vaccinations=_hbv_doses(*SERIES1)))
    assert dues(a, "R-C2") == {
        "vaccine-hepatitis-b-5": date(2026, 8, 10),
        "vaccine-hepatitis-b-6": date(2026, 9, 10),
        "vaccine-hepatitis-b-7": date(2026, 10, 10),
    }
    assert findings(a, "R-C2") == []


def test_anti_hbs_10_or_more_after_the_series_is_a_responder():
    a = assess(patient(labs=[anti_hbs(2, date(2025, 12, 20)), anti_hbs(85, date(2026, 8, 10))],
                       vaccinations=_hbv_doses(*SERIES1)))
    assert dues(a, "R-C2") == {}
    assert findings(a, "R-C2") == []


def test_anti_hbs_below_10_after_revaccination_is_an_hbv_non_responder():
    post1 = anti_hbs(4, date(2026, 8, 10))
    post2 = anti_hbs(6.5, date(2026, 11, 12))
    doses = _hbv_doses(*SERIES1, date(2026, 8, 10), date(2026, 9, 10), date(2026, 10, 10))
    a = assess(patient(labs=[anti_hbs(2, date(2025, 12, 20)), post1, post2], vaccinations=doses))
    [f] = findings(a, "R-C2")
    assert f.severity is Severity.INFO
    assert f.summary.startswith("HBV non-responder: anti-HBs 6.5 m[IU]/mL (< 10) after 7")
    assert any("post-exposure prophylaxis" in act for act in f.actions)
    refs = [e.ref for e in f.evidence]
    assert refs[:2] == [post1.ref, post2.ref]
    assert set(refs[2:]) == {d.ref for d in doses}
    assert dues(a, "R-C2") == {}


def test_anti_hbs_is_due_one_month_after_the_third_revaccination_dose():
    doses = _hbv_doses(*SERIES1, date(2026, 8, 10), date(2026, 9, 10), date(2026, 10, 10))
    a = assess(patient(labs=[anti_hbs(4, date(2026, 8, 10))], vaccinations=doses))
    assert dues(a, "R-C2") == {"anti-hbs": date(2026, 11, 10)}
    assert findings(a, "R-C2") == []


# ---- R-C3 / R-C4 ----------------------------------------------------------------------------


def test_live_vaccine_within_42_days_before_d1_blocks_until_42_days_after_it():
    var = vaccine_dose(Vaccine.VARICELLA, date(2026, 11, 10))
    a = assess(patient(vaccinations=[var]), planned_start=date(2026, 12, 1))
    [g] = gates(a, "R-C3")
    assert g.outcome is GateOutcome.BLOCK
    assert g.until == date(2026, 12, 22)
    assert [e.ref for e in g.evidence] == [var.ref]
    assert a.next_course.status == "blocked"


def test_live_vaccine_more_than_42_days_before_d1_does_not_block():
    var = vaccine_dose(Vaccine.VARICELLA, date(2026, 10, 20))  # D1 − 42 = 2026-10-20
    a = assess(patient(vaccinations=[var]), planned_start=date(2026, 12, 1))
    assert gates(a, "R-C3") == []


def test_inactivated_vaccine_within_6_weeks_before_d1_warns():
    flu = vaccine_dose(Vaccine.INFLUENZA, date(2026, 11, 10))
    a = assess(patient(vaccinations=[flu]), planned_start=date(2026, 12, 1))
    [g] = gates(a, "R-C4")
    assert g.outcome is GateOutcome.WARN
    assert g.until == date(2026, 12, 22)
    assert [e.ref for e in g.evidence] == [flu.ref]
    assert a.next_course.status == "ready"


def test_inactivated_vaccine_can_be_configured_to_hold():
    eu = PROFILES["eu"]
    params = replace(eu, vaccination=replace(eu.vaccination,
                                             inactivated_outcome=p("hold", "R-C4", "test")))
    flu = vaccine_dose(Vaccine.INFLUENZA, date(2026, 11, 10))
    a = assess(patient(vaccinations=[flu]), planned_start=date(2026, 12, 1), params=params)
    [g] = gates(a, "R-C4")
    assert g.outcome is GateOutcome.HOLD
    assert g.until == date(2026, 12, 22)
    assert a.next_course.earliest_start == date(2026, 12, 22)


def test_inactivated_vaccine_more_than_6_weeks_before_d1_does_not_warn():
    flu = vaccine_dose(Vaccine.INFLUENZA, date(2026, 10, 1))
    a = assess(patient(vaccinations=[flu]), planned_start=date(2026, 12, 1))
    assert gates(a, "R-C4") == []


# ---- R-C5 -----------------------------------------------------------------------------------

COURSE1 = course(date(2026, 1, 5))  # last infusion 2026-01-09


def test_live_vaccine_window_opens_6_months_after_course_when_cd4_above_200():
    cd4 = lab(Analyte.CD4, 350, date(2026, 4, 1))
    a = assess(patient(infusions=COURSE1, labs=[cd4]))
    assert a.windows["live_vaccines_from"] == date(2026, 7, 9)
    assert dues(a, "R-C5") == {}


def test_live_vaccine_window_opens_on_the_cd4_date_when_later_than_6_months():
    cd4 = lab(Analyte.CD4, 350, date(2026, 8, 1))
    a = assess(patient(infusions=COURSE1, labs=[cd4]))
    assert a.windows["live_vaccines_from"] == date(2026, 8, 1)


def test_live_vaccine_window_closed_without_cd4_and_cd4_due_at_6_months():
    a = assess(patient(infusions=COURSE1))
    assert a.windows["live_vaccines_from"] is None
    assert dues(a, "R-C5") == {"cd4": date(2026, 7, 9)}


def test_cd4_of_200_keeps_the_window_closed_and_is_rechecked():
    cd4 = lab(Analyte.CD4, 200, date(2026, 8, 1))
    a = assess(patient(infusions=COURSE1, labs=[cd4]))
    assert a.windows["live_vaccines_from"] is None
    assert dues(a, "R-C5") == {"cd4": date(2026, 11, 1)}


def test_no_live_vaccine_window_before_any_course():
    a = assess(patient())
    assert a.windows["live_vaccines_from"] is None
    assert dues(a, "R-C5") == {}


def test_live_vaccine_after_course_before_the_window_raises_urgent_alert():
    cd4 = lab(Analyte.CD4, 150, date(2026, 8, 1))
    var = vaccine_dose(Vaccine.VARICELLA, date(2026, 11, 10))
    a = assess(patient(infusions=COURSE1, labs=[cd4], vaccinations=[var]))
    [f] = findings(a, "R-C5")
    assert f.severity is Severity.URGENT
    assert "varicella on 2026-11-10" in f.summary
    refs = [e.ref for e in f.evidence]
    assert refs == [var.ref, COURSE1[-1].ref, cd4.ref]


def test_live_vaccine_after_the_window_opened_raises_no_alert():
    cd4 = lab(Analyte.CD4, 350, date(2026, 8, 1))
    var = vaccine_dose(Vaccine.VARICELLA, date(2026, 11, 10))
    a = assess(patient(infusions=COURSE1, labs=[cd4], vaccinations=[var]))
    assert findings(a, "R-C5") == []


def test_varicella_after_a_course_is_scheduled_from_the_open_window():
    cd4 = lab(Analyte.CD4, 350, date(2026, 6, 20))
    vzv = serology(Analyte.VZV_IGG, NEG, date(2025, 12, 1))
    a = assess(patient(infusions=COURSE1, labs=[cd4, vzv]), as_of=date(2026, 7, 1))
    assert a.windows["live_vaccines_from"] == date(2026, 7, 9)
    assert dues(a, prefix="vaccine-varicella") == {
        "vaccine-varicella-1": date(2026, 7, 9),
        "vaccine-varicella-2": date(2026, 8, 9),
    }


def test_varicella_after_a_course_waits_while_the_window_is_closed():
    vzv = serology(Analyte.VZV_IGG, NEG, date(2025, 12, 1))
    a = assess(patient(infusions=COURSE1, labs=[vzv]))
    assert dues(a, prefix="vaccine-varicella") == {}
    [f] = findings(a, "R-C1")
    assert "R-C5" in f.summary


# ---- R-C6 -----------------------------------------------------------------------------------


def test_negative_vzv_igg_after_an_infusion_suggests_vaccinating_cohabitants():
    vzv = serology(Analyte.VZV_IGG, NEG, date(2025, 12, 1))
    a = assess(patient(infusions=COURSE1, labs=[vzv]))
    [f] = findings(a, "R-C6")
    assert f.severity is Severity.INFO
    assert "cohabitants against varicella" in f.summary
    assert [e.ref for e in f.evidence] == [vzv.ref]


def test_no_cohabitant_advice_before_any_infusion_or_when_immune():
    vzv_neg = serology(Analyte.VZV_IGG, NEG, date(2025, 12, 1))
    assert findings(assess(patient(labs=[vzv_neg])), "R-C6") == []
    vzv_pos = serology(Analyte.VZV_IGG, POS, date(2025, 12, 1))
    assert findings(assess(patient(infusions=COURSE1, labs=[vzv_pos])), "R-C6") == []


def test_every_vaccination_rule_id_is_declared():
    assert [r.id for r in vaccination.RULES] == ["R-C1", "R-C2", "R-C3", "R-C4", "R-C5", "R-C6"]
