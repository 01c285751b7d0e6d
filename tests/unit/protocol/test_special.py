"""R-S1..R-S5: contraception, pregnancy, breastfeeding, surgery (clinical-rules.md §7c)."""

from __future__ import annotations

from datetime import date
from itertools import count
from typing import Any

from alemtrack.protocol.facts import (
    Analyte,
    PatientFacts,
    PlannedSurgery,
    Qual,
    Sex,
    Statement,
    StatementCode,
)
from alemtrack.protocol.results import GateOutcome, Severity
from alemtrack.protocol.rules import special
from builders import course, finding, gate, gate_rules, lab, patient, rules_fired, run
from builders import ctx as make_ctx

_ids = count(1)

# Course 1 given 2026-01-05..09: windows end 4 months after the last infusion.
COURSE1 = date(2026, 1, 5)
LAST = date(2026, 1, 9)
WINDOW_END = date(2026, 5, 9)


def _statement(code: StatementCode, on: date, value: bool = True) -> Statement:
    return Statement(f"Observation/s{next(_ids)}", code, on, value)


def _surgery(on: date | None, *, elective: bool = True) -> PlannedSurgery:
    return PlannedSurgery(f"ServiceRequest/sr{next(_ids)}", on, elective)


def treated(**facts: Any) -> PatientFacts:
    return patient(infusions=course(COURSE1, 5), **facts)


def _urine_hcg(on: date, qual: Qual = Qual.POSITIVE) -> Any:
    return lab(Analyte.HCG_URINE, None, on, qual=qual)


# ---- R-S1 contraception ---------------------------------------------------------------------


def test_contraception_window_ends_4_months_after_the_last_infusion_for_women():
    a = run(treated(), date(2026, 2, 1))
    assert a.windows["contraception_until"] == WINDOW_END


def test_contraception_window_clamps_to_month_end():
    # Last infusion 2025-10-31 -> 2026-02-28 (no 31 February).
    a = run(patient(infusions=course(date(2025, 10, 27), 5)), date(2025, 11, 15))
    assert a.windows["contraception_until"] == date(2026, 2, 28)
    assert a.windows["breastfeeding_resume"] == date(2026, 2, 28)


def test_contraception_window_follows_the_most_recent_course():
    p_ = patient(infusions=[*course(date(2024, 1, 8), 5), *course(date(2025, 3, 3), 3)])
    assert run(p_, date(2025, 4, 1)).windows["contraception_until"] == date(2025, 7, 5)


def test_no_contraception_window_for_men():
    a = run(treated(sex=Sex.MALE), date(2026, 2, 1))
    assert a.windows["contraception_until"] is None


def test_no_contraception_window_for_women_recorded_without_childbearing_potential():
    stated = _statement(StatementCode.NOT_CHILDBEARING_POTENTIAL, date(2025, 6, 1))
    a = run(treated(statements=[stated]), date(2026, 2, 1))
    assert a.windows["contraception_until"] is None


def test_no_contraception_window_before_any_infusion():
    assert run(patient(), date(2026, 2, 1)).windows["contraception_until"] is None


def test_positive_pregnancy_test_within_4_months_of_a_course_raises_urgent_alert():
    test = _urine_hcg(date(2026, 3, 2))
    f = finding(run(treated(labs=[test]), date(2026, 3, 3)), "R-S1")
    assert f.severity is Severity.URGENT
    assert f.summary.startswith("Pregnancy during the alemtuzumab exposure window: urine hCG "
                                "positive on 2026-03-02, within 4 months after course 1 "
                                "(last infusion 2026-01-09, window to 2026-05-09)")
    assert test.ref in {e.ref for e in f.evidence}
    assert any(e.date == LAST for e in f.evidence)


def test_positive_test_on_the_last_day_of_the_window_raises_alert():
    a = run(treated(labs=[_urine_hcg(WINDOW_END)]), date(2026, 5, 10))
    assert finding(a, "R-S1").severity is Severity.URGENT


def test_positive_test_the_day_after_the_window_raises_no_exposure_alert():
    a = run(treated(labs=[_urine_hcg(date(2026, 5, 10))]), date(2026, 5, 11))
    assert "R-S1" not in rules_fired(a)


def test_pregnancy_status_during_the_course_raises_urgent_alert():
    stated = _statement(StatementCode.PREGNANT, date(2026, 1, 7))
    f = finding(run(treated(statements=[stated]), date(2026, 1, 8)), "R-S1")
    assert f.severity is Severity.URGENT
    assert stated.ref in {e.ref for e in f.evidence}


def test_positive_test_refuted_by_a_later_negative_raises_no_alert():
    labs = [_urine_hcg(date(2026, 3, 2)), lab(Analyte.HCG_SERUM, 2.0, date(2026, 3, 4))]
    assert "R-S1" not in rules_fired(run(treated(labs=labs), date(2026, 3, 5)))


def test_positive_test_before_the_course_raises_no_exposure_alert():
    a = run(treated(labs=[_urine_hcg(date(2026, 1, 2))]), date(2026, 1, 3))
    assert "R-S1" not in rules_fired(a)


def test_exposure_alert_stops_40_weeks_after_the_positive_test():
    test = _urine_hcg(date(2026, 3, 2))
    assert "R-S1" in rules_fired(run(treated(labs=[test]), date(2026, 12, 7)))
    assert "R-S1" not in rules_fired(run(treated(labs=[test]), date(2026, 12, 8)))


# ---- R-S2 pregnancy -------------------------------------------------------------------------


def test_serum_hcg_25_or_more_holds_the_course():
    hcg = lab(Analyte.HCG_SERUM, 25.0, date(2026, 11, 20))
    a = run(patient(labs=[hcg]), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    g = gate(a, "R-S2")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason.startswith("pregnant (serum hCG 25 m[IU]/mL on 2026-11-20)")
    assert [e.ref for e in g.evidence] == [hcg.ref]


def test_equivocal_serum_hcg_below_25_does_not_hold_for_pregnancy():
    hcg = lab(Analyte.HCG_SERUM, 24.9, date(2026, 11, 20))
    a = run(patient(labs=[hcg]), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    assert "R-S2" not in gate_rules(a)


def test_recorded_pregnancy_status_holds_the_course():
    stated = _statement(StatementCode.PREGNANT, date(2026, 11, 10))
    a = run(patient(statements=[stated]), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    assert gate(a, "R-S2").outcome is GateOutcome.HOLD


def test_negative_test_after_a_positive_lifts_the_pregnancy_hold():
    labs = [_urine_hcg(date(2025, 3, 1)), _urine_hcg(date(2026, 11, 20), Qual.NEGATIVE)]
    a = run(patient(labs=labs), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    assert "R-S2" not in gate_rules(a)


def test_positive_and_negative_on_the_same_day_count_as_pregnant():
    on = date(2026, 11, 20)
    labs = [_urine_hcg(on, Qual.NEGATIVE), lab(Analyte.HCG_SERUM, 40.0, on)]
    a = run(patient(labs=labs), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    assert gate(a, "R-S2").outcome is GateOutcome.HOLD


def test_pregnant_helper_reports_the_positive_evidence():
    stated = _statement(StatementCode.PREGNANT, date(2026, 11, 10))
    c = make_ctx(patient(statements=[stated]), date(2026, 11, 21))
    found = special.pregnant(c)
    assert found is not None and found.fact is stated


# ---- R-S3 breastfeeding ---------------------------------------------------------------------


def test_breastfeeding_resume_is_4_months_after_the_last_infusion():
    assert run(treated(), date(2026, 2, 1)).windows["breastfeeding_resume"] == WINDOW_END


def test_no_breastfeeding_window_for_men():
    assert run(treated(sex=Sex.MALE), date(2026, 2, 1)).windows["breastfeeding_resume"] is None


def test_breastfeeding_without_agreement_to_stop_holds_the_course():
    bf = _statement(StatementCode.BREASTFEEDING, date(2026, 11, 10))
    a = run(patient(statements=[bf]), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    g = gate(a, "R-S3")
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert g.reason == ("breastfeeding (recorded 2026-11-10) without a recorded agreement to "
                        "stop during course 1 and for 4 months after its last infusion")
    assert [e.ref for e in g.evidence] == [bf.ref]


def test_breastfeeding_with_agreement_to_stop_is_not_held():
    statements = [_statement(StatementCode.BREASTFEEDING, date(2026, 11, 10)),
                  _statement(StatementCode.AGREES_TO_STOP_BREASTFEEDING, date(2026, 11, 10))]
    a = run(patient(statements=statements), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    assert "R-S3" not in gate_rules(a)


def test_agreement_given_before_course_1_does_not_cover_course_2():
    statements = [_statement(StatementCode.AGREES_TO_STOP_BREASTFEEDING, date(2025, 12, 20)),
                  _statement(StatementCode.BREASTFEEDING, date(2026, 11, 10))]
    a = run(treated(statements=statements), date(2026, 11, 21), planned_start=date(2027, 1, 11))
    g = gate(a, "R-S3")
    assert g.outcome is GateOutcome.HOLD
    assert "course 2" in g.reason


def test_stopped_breastfeeding_raises_no_breastfeeding_gate():
    statements = [_statement(StatementCode.BREASTFEEDING, date(2026, 3, 1)),
                  _statement(StatementCode.BREASTFEEDING, date(2026, 11, 10), False)]
    a = run(patient(statements=statements), date(2026, 11, 21), planned_start=date(2026, 12, 1))
    assert "R-S3" not in gate_rules(a)


# ---- R-S4 surgery ---------------------------------------------------------------------------


def test_elective_surgery_with_cd4_200_after_the_course_warns():
    cd4 = lab(Analyte.CD4, 200.0, date(2026, 4, 1))
    op = _surgery(date(2026, 6, 1))
    f = finding(run(treated(labs=[cd4], surgeries=[op]), date(2026, 4, 10)), "R-S4")
    assert f.severity is Severity.WARN
    assert f.summary == ("Elective surgery planned (2026-06-01) before immune reconstitution: "
                         "CD4 200 /uL on 2026-04-01 (≤ 200)")
    assert {e.ref for e in f.evidence} == {cd4.ref, op.ref}


def test_elective_surgery_after_cd4_above_200_raises_no_surgery_alert():
    cd4 = lab(Analyte.CD4, 201.0, date(2026, 4, 1))
    a = run(treated(labs=[cd4], surgeries=[_surgery(date(2026, 6, 1))]), date(2026, 4, 10))
    assert "R-S4" not in rules_fired(a)


def test_elective_surgery_without_cd4_since_the_last_infusion_warns():
    before = lab(Analyte.CD4, 650.0, date(2025, 12, 1))  # pre-treatment value does not count
    a = run(treated(labs=[before], surgeries=[_surgery(None)]), date(2026, 4, 10))
    f = finding(a, "R-S4")
    assert f.severity is Severity.WARN
    assert f.summary.endswith("no CD4 count since the last infusion (2026-01-09)")
    assert before.ref not in {e.ref for e in f.evidence}


def test_urgent_surgery_during_lymphopenia_reminds_the_immunosuppressed_protocol():
    cd4 = lab(Analyte.CD4, 90.0, date(2026, 2, 9))
    a = run(treated(labs=[cd4], surgeries=[_surgery(date(2026, 2, 12), elective=False)]),
            date(2026, 2, 10))
    f = finding(a, "R-S4")
    assert f.severity is Severity.INFO
    assert f.actions == ("Apply the usual protocol for immunosuppressed patients",)


def test_surgery_before_any_alemtuzumab_raises_no_surgery_alert():
    a = run(patient(surgeries=[_surgery(date(2026, 12, 1))]), date(2026, 11, 21))
    assert "R-S4" not in rules_fired(a)


def test_surgery_dated_in_the_past_raises_no_surgery_alert():
    a = run(treated(surgeries=[_surgery(date(2026, 3, 1))]), date(2026, 4, 10))
    assert "R-S4" not in rules_fired(a)


# ---- R-S5 and catalogue ---------------------------------------------------------------------


def test_special_declares_every_r_s_rule_and_r_s5_has_no_output():
    assert [r.id for r in special.RULES] == ["R-S1", "R-S2", "R-S3", "R-S4", "R-S5"]
    assert special.R_S5.produces == "no output"


def test_cohabitant_rule_r_s5_never_emits_output():
    p_ = treated(labs=[lab(Analyte.VZV_IGG, None, date(2025, 10, 1), qual=Qual.NEGATIVE)],
                 statements=[_statement(StatementCode.PREGNANT, date(2026, 2, 1))],
                 surgeries=[_surgery(None)])
    outs = list(special.evaluate(make_ctx(p_, date(2026, 2, 2))))
    assert outs and all(getattr(o, "rule", None) != "R-S5" for o in outs)
