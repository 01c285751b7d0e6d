"""R-D1..R-D3: washout from prior DMTs (Table W) and recent corticosteroids."""

from dataclasses import replace
from datetime import date

from alemtrack.protocol.context import build_context
from alemtrack.protocol.engine import Assessment, assemble
from alemtrack.protocol.facts import Analyte, Drug
from alemtrack.protocol.parameters import PROFILES, Parameters, p
from alemtrack.protocol.results import GateOutcome, Severity
from alemtrack.protocol.rules import washout
from builders import course, lab, med_use, patient

AS_OF = date(2026, 11, 21)


def assess(pt, as_of=AS_OF, planned_start=None, params: Parameters | None = None) -> Assessment:
    c = build_context(pt, as_of, params or PROFILES["eu"], planned_start)
    return assemble(c, list(washout.evaluate(c)))


def d1_gate(a: Assessment):
    gates = [g for g in a.next_course.gates if g.rule == "R-D1"]
    assert len(gates) <= 1
    return gates[0] if gates else None


def dues(a: Assessment, rule: str = "R-D1") -> dict[str, date]:
    return {d.item: d.due for d in a.due if d.rule == rule}


def findings(a: Assessment, rule: str):
    return [f for f in a.findings if f.rule == rule]


def two_level_params() -> Parameters:
    eu = PROFILES["eu"]
    wp = replace(eu.washout, teriflunomide_levels_required=p(2, "R-D2", "test"))
    return replace(eu, washout=wp)


# ---- R-D1 wait ----------------------------------------------------------------------------


def test_fingolimod_stopped_three_weeks_before_d1_blocks_until_six_weeks_after_last_dose():
    fingo = med_use(Drug.FINGOLIMOD, start=date(2020, 1, 1), last_dose=date(2026, 11, 1))
    a = assess(patient(medications=[fingo]), planned_start=date(2026, 12, 1))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK
    assert g.until == date(2026, 12, 13)  # 2026-11-01 + 42 days
    assert "6 weeks" in g.reason
    assert [e.ref for e in g.evidence] == [fingo.ref]
    # D1_eff = 2026-12-13; lymphocytes are not yet due (window opens 2026-11-29)
    assert dues(a) == {"cbc": date(2026, 11, 29)}
    assert a.next_course.earliest_start == date(2026, 12, 13)


def test_fingolimod_washout_met_with_lymphocytes_above_800_gives_no_washout_gate():
    fingo = med_use(Drug.FINGOLIMOD, last_dose=date(2026, 8, 1))
    lymph = lab(Analyte.LYMPHOCYTES, 0.95, date(2026, 11, 20))
    a = assess(patient(medications=[fingo], labs=[lymph]), planned_start=date(2026, 11, 30))
    assert d1_gate(a) is None
    assert dues(a) == {}


def test_lymphocytes_exactly_800_after_fingolimod_block_without_date():
    fingo = med_use(Drug.FINGOLIMOD, last_dose=date(2026, 8, 1))
    lymph = lab(Analyte.LYMPHOCYTES, 0.8, date(2026, 11, 20))
    a = assess(patient(medications=[fingo], labs=[lymph]), planned_start=date(2026, 11, 30))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK
    assert g.until is None
    assert "lymphocytes 0.8 10*3/uL on 2026-11-20 (not > 0.8)" in g.reason
    assert {e.ref for e in g.evidence} == {fingo.ref, lymph.ref}
    assert a.next_course.status == "blocked"
    assert a.next_course.earliest_start is None


def test_lymphocyte_count_older_than_14_days_before_d1_counts_as_missing():
    dmf = med_use(Drug.DIMETHYL_FUMARATE, last_dose=date(2026, 9, 1))
    old = lab(Analyte.LYMPHOCYTES, 1.5, date(2026, 11, 1))  # 29 days before D1
    a = assess(patient(medications=[dmf], labs=[old]), planned_start=date(2026, 11, 30))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK and g.until is None
    assert "no lymphocytes count" in g.reason
    assert dues(a) == {"cbc": date(2026, 11, 16)}


def test_dimethyl_fumarate_with_labs_not_yet_due_gives_only_a_due_cbc():
    dmf = med_use(Drug.DIMETHYL_FUMARATE, last_dose=date(2026, 10, 1))
    a = assess(patient(medications=[dmf]), planned_start=date(2027, 1, 15))
    assert d1_gate(a) is None
    assert dues(a) == {"cbc": date(2027, 1, 1)}


def test_rituximab_three_months_wait_and_cd4_gate():
    rtx = med_use(Drug.RITUXIMAB, last_dose=date(2026, 9, 10))
    lymph = lab(Analyte.LYMPHOCYTES, 1.2, date(2026, 12, 4))
    cd4 = lab(Analyte.CD4, 150, date(2026, 12, 4))
    a = assess(patient(medications=[rtx], labs=[lymph, cd4]), as_of=date(2026, 12, 5),
               planned_start=date(2026, 12, 8))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK
    assert g.until is None  # the 3-month wait is dated, CD4 150 (not > 200) is not
    assert "3 months" in g.reason and "not before 2026-12-10" in g.reason
    assert "CD4 150 /uL on 2026-12-04 (not > 200)" in g.reason
    assert "lymphocytes" not in g.reason  # 1.2 > 0.8 within 14 days of D1_eff 2026-12-10


def test_rituximab_wait_alone_is_dated_when_labs_are_not_yet_due():
    rtx = med_use(Drug.RITUXIMAB, last_dose=date(2026, 11, 1))
    a = assess(patient(medications=[rtx]), planned_start=date(2026, 12, 15))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK
    assert g.until == date(2027, 2, 1)
    assert dues(a) == {"cbc": date(2027, 1, 18), "cd4": date(2027, 1, 18)}


def test_natalizumab_waits_12_weeks_and_leaves_mri_to_r_b7():
    ntz = med_use(Drug.NATALIZUMAB, last_dose=date(2026, 10, 1))
    a = assess(patient(medications=[ntz]), planned_start=date(2026, 12, 1))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK
    assert g.until == date(2026, 12, 24)  # 2026-10-01 + 84 days
    assert "MRI" not in g.reason
    assert dues(a) == {}


def test_interferon_beta_needs_no_washout():
    ifn = med_use(Drug.INTERFERON_BETA, last_dose=date(2026, 11, 15))
    a = assess(patient(medications=[ifn]), planned_start=date(2026, 11, 30))
    assert d1_gate(a) is None


def test_dmt_not_in_table_w_holds_with_washout_not_defined():
    other = med_use(Drug.OTHER_DMT, last_dose=date(2026, 10, 1), code="999")
    a = assess(patient(medications=[other]), planned_start=date(2026, 12, 1))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.HOLD
    assert g.until is None
    assert "washout not defined" in g.reason
    assert a.next_course.status == "on-hold"


def test_dmt_without_recorded_last_dose_blocks_without_date():
    dmf = med_use(Drug.DIMETHYL_FUMARATE, start=date(2024, 1, 1), active=True)
    a = assess(patient(medications=[dmf]), planned_start=date(2026, 12, 1))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK and g.until is None
    assert "last dose not recorded" in g.reason


def test_dmt_stopped_before_course_1_does_not_gate_course_2():
    fingo = med_use(Drug.FINGOLIMOD, last_dose=date(2025, 6, 1))
    low = lab(Analyte.LYMPHOCYTES, 0.5, date(2026, 11, 20))  # alemtuzumab lymphopenia
    pt = patient(medications=[fingo], labs=[low], infusions=course(date(2025, 9, 1)))
    a = assess(pt, planned_start=date(2026, 12, 1))
    assert d1_gate(a) is None


# ---- R-D1 teriflunomide and R-D2 ----------------------------------------------------------


def test_teriflunomide_below_0_02_mg_per_l_clears_washout():
    teri = med_use(Drug.TERIFLUNOMIDE, last_dose=date(2026, 9, 1))
    level = lab(Analyte.TERIFLUNOMIDE, 0.01, date(2026, 9, 20))  # any date after last dose
    a = assess(patient(medications=[teri], labs=[level]), planned_start=date(2026, 12, 1))
    assert d1_gate(a) is None
    assert dues(a) == {}


def test_teriflunomide_level_at_threshold_blocks_without_date():
    teri = med_use(Drug.TERIFLUNOMIDE, last_dose=date(2026, 9, 1))
    level = lab(Analyte.TERIFLUNOMIDE, 0.02, date(2026, 9, 20))
    a = assess(patient(medications=[teri], labs=[level]), planned_start=date(2026, 12, 1))
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK and g.until is None
    assert "teriflunomide 0.02 mg/L on 2026-09-20 (not < 0.02)" in g.reason


def test_missing_teriflunomide_level_is_due_after_accelerated_elimination():
    teri = med_use(Drug.TERIFLUNOMIDE, last_dose=date(2026, 11, 10))
    a = assess(patient(medications=[teri]), planned_start=date(2027, 1, 20))
    assert d1_gate(a) is None  # not yet due: only a due
    assert dues(a) == {"teriflunomide-level": date(2026, 11, 21)}
    near = assess(patient(medications=[teri]), planned_start=date(2026, 12, 1))
    g = d1_gate(near)
    assert g.outcome is GateOutcome.BLOCK and g.until is None
    assert "no teriflunomide level" in g.reason


def test_two_teriflunomide_levels_required_hold_after_a_single_clear_level():
    teri = med_use(Drug.TERIFLUNOMIDE, last_dose=date(2026, 9, 1))
    level = lab(Analyte.TERIFLUNOMIDE, 0.01, date(2026, 11, 10))
    a = assess(patient(medications=[teri], labs=[level]), planned_start=date(2026, 12, 1),
               params=two_level_params())
    g = d1_gate(a)
    assert g.outcome is GateOutcome.BLOCK and g.until is None
    assert "second level" in g.reason and "R-D2" in g.reason
    assert dues(a) == {"teriflunomide-level": date(2026, 11, 24)}


def test_two_teriflunomide_levels_14_days_apart_clear_washout():
    teri = med_use(Drug.TERIFLUNOMIDE, last_dose=date(2026, 9, 1))
    first = lab(Analyte.TERIFLUNOMIDE, 0.015, date(2026, 10, 20))
    second = lab(Analyte.TERIFLUNOMIDE, 0.01, date(2026, 11, 3))
    a = assess(patient(medications=[teri], labs=[first, second]),
               planned_start=date(2026, 12, 1), params=two_level_params())
    assert d1_gate(a) is None


def test_two_teriflunomide_levels_13_days_apart_do_not_clear_washout():
    teri = med_use(Drug.TERIFLUNOMIDE, last_dose=date(2026, 9, 1))
    first = lab(Analyte.TERIFLUNOMIDE, 0.015, date(2026, 10, 21))
    second = lab(Analyte.TERIFLUNOMIDE, 0.01, date(2026, 11, 3))
    a = assess(patient(medications=[teri], labs=[first, second]),
               planned_start=date(2026, 12, 1), params=two_level_params())
    assert d1_gate(a).outcome is GateOutcome.BLOCK


# ---- R-D3 ---------------------------------------------------------------------------------


def test_prednisone_above_20_mg_for_more_than_15_days_delays_live_vaccines_one_month():
    pred = med_use(Drug.PREDNISONE, start=date(2026, 10, 20), last_dose=date(2026, 11, 10),
                   daily_dose_mg=30)
    a = assess(patient(medications=[pred]))
    [f] = findings(a, "R-D3")
    assert f.severity is Severity.INFO
    assert "30 mg/day for 22 days" in f.summary
    assert "live vaccines not before 2026-12-10" in f.summary
    assert [e.ref for e in f.evidence] == [pred.ref]
    assert d1_gate(a) is None  # steroids never gate


def test_prednisone_20_mg_or_15_days_does_not_delay_live_vaccines():
    at_dose = med_use(Drug.PREDNISONE, start=date(2026, 10, 20), last_dose=date(2026, 11, 10),
                      daily_dose_mg=20)
    short = med_use(Drug.PREDNISONE, start=date(2026, 10, 27), last_dose=date(2026, 11, 10),
                    daily_dose_mg=60)  # 15 days inclusive
    a = assess(patient(medications=[at_dose, short]))
    assert findings(a, "R-D3") == []


def test_iv_methylprednisolone_bolus_in_last_3_months_asks_for_immune_assessment():
    bolus = med_use(Drug.METHYLPREDNISOLONE, start=date(2026, 9, 1), last_dose=date(2026, 9, 5),
                    daily_dose_mg=1250, iv_bolus=True)
    a = assess(patient(medications=[bolus]))
    [f] = findings(a, "R-D3")
    assert f.severity is Severity.INFO
    assert "individual immune assessment before live vaccines" in f.summary
    assert [e.ref for e in f.evidence] == [bolus.ref]


def test_iv_bolus_more_than_3_months_ago_raises_nothing():
    bolus = med_use(Drug.METHYLPREDNISOLONE, start=date(2026, 8, 1), last_dose=date(2026, 8, 5),
                    daily_dose_mg=1250, iv_bolus=True)
    a = assess(patient(medications=[bolus]))
    assert findings(a, "R-D3") == []


def test_every_washout_rule_id_is_declared():
    assert [r.id for r in washout.RULES] == ["R-D1", "R-D2", "R-D3"]
