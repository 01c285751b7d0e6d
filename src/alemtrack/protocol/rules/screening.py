"""R-B1..R-B7: pre-treatment screening (clinical-rules.md §3).

Screening gates concern the course under assessment only (``ctx.next_course_number``). Items with
a validity window are checked against the course's effective day 1 (§1 "Course under
assessment"): a result counts when dated in [D1_eff - window, D1_eff]. Before D1_eff - window a
missing item is only ``due`` on that date ✱; from then on it is a gate (``until`` null) and is due
now. ✱ A stale plan (planned day 1 already past, course not given) is checked against ``as_of``:
a course cannot start in the past.

``due`` item names (interfaces.md §2, "one name per screening test"):

========================  =====  ==========================================================
item                      rule   satisfied by
========================  =====  ==========================================================
``cbc``                   R-B1   platelets, Hb, WBC, neutrophils and lymphocytes
``creatinine``            R-B1   serum creatinine
``urinalysis``            R-B1   urine RBC (HPF or count) or dipstick blood, and dipstick
                                 protein or UPCR
``tsh``                   R-B1   TSH
``lft``                   R-B1   ALT, AST and total bilirubin
``upcr``                  R-B1   urine protein:creatinine ratio (``us`` profile)
``pregnancy-test``        R-B2   negative urine hCG or serum hCG < 5 m[IU]/mL
``hiv``                   R-B3   HIV Ab/Ag
``hbsag``                 R-B3   HBsAg
``anti-hbc``              R-B3   anti-HBc (total)
``anti-hbs``              R-B3   anti-HBs (>= 10 m[IU]/mL never expires)
``hcv-ab``                R-B3   HCV antibody
``igra``                  R-B3   IGRA or tuberculin skin test
``cmv-igg``               R-B3   CMV IgG
``vzv-igg``               R-B3   VZV IgG
``measles-igg``           R-B3   measles IgG
``hav-igg``               R-B3   hepatitis A IgG
``hpv-screening``         R-B3   cervical screening (women)
``strongyloides-igg``     R-B3   Strongyloides IgG (origin in a highly endemic region)
``ecg``                   R-B4   ECG
``chest-xray``            R-B4   chest X-ray
``skin-exam``             R-B5   skin examination (no end)
``listeria-advice``       R-B6   Listeria diet advice recorded
``mri``                   R-B7   brain MRI (pre-course PML screen; 6 and 12 months after
                                 course 1 for natalizumab-exposed JCV+/unknown patients)
========================  =====  ==========================================================

Positive IgG results and anti-HBs >= 10 m[IU]/mL never expire (R-B3). HIV positive is R-A2's
block, a positive pregnancy test R-S2's hold and possible PML on MRI R-I2's block: this module
only declines to count those results as a valid screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from itertools import chain

from ..context import Context, Phase
from ..dates import add_days, add_months
from ..facts import (
    Analyte,
    ConditionKind,
    Drug,
    LabResult,
    MedicationUse,
    MriScan,
    Procedure,
    ProcedureKind,
    Qual,
    Sex,
    StatementCode,
)
from ..results import Due, Evidence, Fact, GateOutcome, Output, Rule, Severity, evidence

R_B1 = Rule("R-B1", "Baseline labs missing or older than the validity window before a course",
            "gate: hold; due", "S3 Rec 13 ✔; EU 4.2 ◐; US ✔")
R_B2 = Rule("R-B2", "No negative pregnancy test before a course (women of childbearing potential)",
            "gate: hold; due", "S3 Rec 14 ✔, Fig 5 ✔")
R_B3 = Rule("R-B3", "Infection screening: missing tests, tuberculosis, hepatitis B/C",
            "gate: block, hold or warn; warn; due", "S3 Rec 7-8 ✔; EU ◐; US ◐ (HBV carriers ✔)")
R_B4 = Rule("R-B4", "ECG and chest X-ray before a course", "gate: hold; due", "S3 Rec 15 ✔; EU ◐")
R_B5 = Rule("R-B5", "Skin examination at baseline and yearly", "due", "US ✔")
R_B6 = Rule("R-B6", "Listeria diet advice and window", "gate: warn; due; window",
            "S3 Rec 10 ✔; US ✔")
R_B7 = Rule("R-B7", "Natalizumab-exposed: PML screening MRI and JCV; pre-course brain MRI",
            "gate: block, hold or warn; critical; due", "Table W ✔ (S3 Table 3); EU ◐")

RULES: tuple[Rule, ...] = (R_B1, R_B2, R_B3, R_B4, R_B5, R_B6, R_B7)


def evaluate(ctx: Context) -> Iterator[Output]:
    if _course_considered(ctx):
        pre_course = chain(
            _baseline_labs(ctx),
            _pregnancy_test(ctx),
            _infection_screening(ctx),
            _ecg_chest_xray(ctx),
            _listeria_advice(ctx),
            _natalizumab_pre_course(ctx),
            _pre_course_mri(ctx),
        )
        for out in pre_course:
            # An undated course (D1 = as_of, sliding) keeps its gates but schedules nothing.
            if isinstance(out, Due) and not ctx.next_course_dated:
                continue
            yield out
    yield from _skin_exam(ctx)
    yield from _listeria_window(ctx)
    yield from _natalizumab_post_course_mri(ctx)


# ---- shared -----------------------------------------------------------------------------------


def _course_considered(ctx: Context) -> bool:
    """As the engine (§1 ✱): nothing to screen for once monitoring is complete and no course is
    planned, nor beyond the maximum number of courses (R-E4)."""
    if ctx.phase is Phase.MONITORING_COMPLETE and ctx.planned_start is None:
        return False
    max_courses = ctx.params.core.max_courses.value
    return max_courses is None or ctx.next_course_number <= max_courses


def _day1(ctx: Context) -> date:
    """The date screening validity is checked against: D1_eff, or ``as_of`` for a stale plan ✱."""
    return max(ctx.d1_eff, ctx.as_of)


def _iso(d: date) -> str:
    return d.isoformat()


def _missing(
    rule: Rule,
    ctx: Context,
    item: str,
    window_start: date,
    outcome: GateOutcome,
    reason: str,
    found: Sequence[Evidence] = (),
) -> Iterator[Output]:
    """A missing item: only ``due`` before its window opens ✱ (§1), else a gate (undated) and
    due now."""
    if ctx.as_of < window_start:
        yield rule.due(item, window_start)
        return
    yield rule.gate(outcome, None, reason, found)
    yield rule.due(item, ctx.as_of)


def _indeterminate(lab: LabResult) -> bool:
    return lab.value is None and (lab.qual is None or lab.qual is Qual.INDETERMINATE)


def _positive(lab: LabResult | None) -> bool:
    return lab is not None and lab.qual is not None and lab.qual.is_positive


def _negative(lab: LabResult | None) -> bool:
    return lab is not None and lab.qual in (Qual.NEGATIVE, Qual.TRACE)


def _describe(lab: LabResult) -> str:
    if lab.value is not None:
        return f"{lab.value:g} {lab.unit}"
    return lab.qual.value if lab.qual is not None else "no value"


# ---- R-B1 baseline labs -----------------------------------------------------------------------

_CBC = (Analyte.PLATELETS, Analyte.HAEMOGLOBIN, Analyte.WBC, Analyte.NEUTROPHILS,
        Analyte.LYMPHOCYTES)
_LFT = (Analyte.ALT, Analyte.AST, Analyte.BILIRUBIN)
_URINE_BLOOD = (Analyte.URINE_RBC_HPF, Analyte.URINE_RBC_COUNT, Analyte.URINE_BLOOD_DIPSTICK)
_URINE_PROTEIN = (Analyte.URINE_PROTEIN_DIPSTICK, Analyte.UPCR)

_LABELS = {
    Analyte.PLATELETS: "platelets",
    Analyte.HAEMOGLOBIN: "haemoglobin",
    Analyte.WBC: "WBC",
    Analyte.NEUTROPHILS: "neutrophils",
    Analyte.LYMPHOCYTES: "lymphocytes",
    Analyte.ALT: "ALT",
    Analyte.AST: "AST",
    Analyte.BILIRUBIN: "total bilirubin",
}


def _baseline_labs(ctx: Context) -> Iterator[Output]:
    params = ctx.params.screening
    day1 = _day1(ctx)
    days = params.lab_validity_days.value
    start = add_days(day1, -days)
    when = f"≤{days} days before D1 {_iso(day1)}"

    def fresh(*analytes: Analyte) -> bool:
        return ctx.latest(*analytes, on_or_after=start) is not None

    def stale(*analytes: Analyte) -> list[LabResult | None]:
        return [ctx.latest(*analytes)]

    # (item, missing parts, evidence of older results)
    checks: list[tuple[str, str, list[str], list[LabResult | None]]] = []
    missing_cbc = [a for a in _CBC if not fresh(a)]
    checks.append(("cbc", "CBC with differential", [_LABELS[a] for a in missing_cbc],
                   [ctx.latest(a) for a in missing_cbc]))
    checks.append(("creatinine", "serum creatinine",
                   [] if fresh(Analyte.CREATININE) else ["creatinine"], stale(Analyte.CREATININE)))
    urine_missing = []
    if not fresh(*_URINE_BLOOD):
        urine_missing.append("urine RBC or dipstick blood")
    if not fresh(*_URINE_PROTEIN):
        urine_missing.append("dipstick protein or UPCR")
    older_urine = [ctx.latest(*_URINE_BLOOD) if not fresh(*_URINE_BLOOD) else None,
                   ctx.latest(*_URINE_PROTEIN) if not fresh(*_URINE_PROTEIN) else None]
    checks.append(("urinalysis", "urinalysis", urine_missing, older_urine))
    checks.append(("tsh", "TSH", [] if fresh(Analyte.TSH) else ["TSH"], stale(Analyte.TSH)))
    missing_lft = [a for a in _LFT if not fresh(a)]
    checks.append(("lft", "liver tests", [_LABELS[a] for a in missing_lft],
                   [ctx.latest(a) for a in missing_lft]))
    if params.require_upcr.value:
        checks.append(("upcr", "urine protein:creatinine ratio",
                       [] if fresh(Analyte.UPCR) else ["UPCR"], stale(Analyte.UPCR)))

    for item, label, missing, older in checks:
        if not missing:
            continue
        reason = f"baseline {label} {when} missing: {', '.join(missing)}"
        yield from _missing(R_B1, ctx, item, start, GateOutcome.HOLD, reason, evidence(older))


# ---- R-B2 pregnancy test ----------------------------------------------------------------------


def _hcg_negative(lab: LabResult, serum_below: float) -> bool:
    if lab.analyte is Analyte.HCG_SERUM and lab.value is not None:
        return lab.value < serum_below
    return lab.qual is Qual.NEGATIVE


def _pregnancy_test(ctx: Context) -> Iterator[Output]:
    params = ctx.params.screening
    day1 = _day1(ctx)
    if not ctx.childbearing_potential(day1):
        return
    days = params.pregnancy_test_validity_days.value
    start = add_days(day1, -days)
    below = params.hcg_serum_negative_below.value
    latest = ctx.latest(Analyte.HCG_URINE, Analyte.HCG_SERUM, on_or_after=start)
    if latest is not None and _hcg_negative(latest, below):
        return
    when = f"≤{days} days before D1 {_iso(day1)}"
    if latest is not None:
        # A positive or equivocal test is not a negative one; pregnancy itself is R-S2's hold.
        reason = (f"pregnancy test {_iso(latest.date)} not negative ({_describe(latest)}; "
                  f"serum hCG negative < {below:g} m[IU]/mL): no negative test {when}")
        found = evidence([latest])
    else:
        reason = f"no negative pregnancy test {when} (woman of childbearing potential)"
        found = evidence([ctx.latest(Analyte.HCG_URINE, Analyte.HCG_SERUM)])
    yield from _missing(R_B2, ctx, "pregnancy-test", start, GateOutcome.HOLD, reason, found)


# ---- R-B3 infection screening -----------------------------------------------------------------

Keeps = Callable[[LabResult], bool]


def _never(_: LabResult) -> bool:
    return False


def _screen_result(ctx: Context, analytes: tuple[Analyte, ...], start: date,
                   keeps: Keeps) -> LabResult | None:
    """The latest usable screen: dated on/after ``start`` and not indeterminate, or a result
    that never expires (positive IgG, protective anti-HBs)."""
    for lab in reversed(ctx.results(*analytes)):
        if keeps(lab):
            return lab
        if lab.date >= start and not _indeterminate(lab):
            return lab
    return None


def _infection_screening(ctx: Context) -> Iterator[Output]:
    params = ctx.params.screening
    if ctx.next_course_number == 1 or params.infection_screen_every_course.value:
        yield from _missing_infection_tests(ctx)
    # ✱ Known positives matter before every course (reactivation risk does not end with
    # course 1); only the screening for missing tests is limited to course 1.
    yield from _tuberculosis(ctx)
    yield from _hepatitis_b(ctx)
    yield from _hepatitis_c(ctx)
    yield from _strongyloides(ctx)


def _missing_infection_tests(ctx: Context) -> Iterator[Output]:
    params = ctx.params.screening
    day1 = _day1(ctx)
    months = params.infection_validity_months.value
    start = add_months(day1, -months)
    when = f"≤{months} months before D1 {_iso(day1)}"
    protective = params.anti_hbs_protective.value

    def igg_positive(lab: LabResult) -> bool:
        return _positive(lab)

    def anti_hbs_protected(lab: LabResult) -> bool:
        if lab.value is not None:
            return lab.value >= protective  # D10: ≥10 m[IU]/mL = protected
        return _positive(lab)

    hold, warn = GateOutcome.HOLD, GateOutcome.WARN
    items: list[tuple[str, str, tuple[Analyte, ...], GateOutcome, Keeps]] = [
        ("hiv", "HIV Ab/Ag", (Analyte.HIV,), hold, _never),
        ("hbsag", "HBsAg", (Analyte.HBSAG,), hold, _never),
        ("anti-hbc", "anti-HBc", (Analyte.ANTI_HBC,), hold, _never),
        ("hcv-ab", "HCV antibody", (Analyte.HCV_AB,), hold, _never),
        ("igra", "IGRA or tuberculin skin test", (Analyte.IGRA, Analyte.TST), hold, _never),
        # ✱ anti-HBs is not in either list of R-B3; it only guides HBV vaccination (R-C2): warn.
        ("anti-hbs", "anti-HBs", (Analyte.ANTI_HBS,), warn, anti_hbs_protected),
        ("cmv-igg", "CMV IgG", (Analyte.CMV_IGG,), warn, igg_positive),
        ("vzv-igg", "VZV IgG", (Analyte.VZV_IGG,), warn, igg_positive),
        ("measles-igg", "measles IgG", (Analyte.MEASLES_IGG,), warn, igg_positive),
        ("hav-igg", "hepatitis A IgG", (Analyte.HAV_IGG,), warn, igg_positive),
    ]
    endemic = ctx.latest_statement(StatementCode.ENDEMIC_STRONGYLOIDES_ORIGIN)
    if endemic is not None and endemic.value:
        items.append(("strongyloides-igg", "Strongyloides IgG (endemic-region origin)",
                      (Analyte.STRONGYLOIDES_IGG,), warn, igg_positive))
    for item, label, analytes, outcome, keeps in items:
        if _screen_result(ctx, analytes, start, keeps) is not None:
            continue
        older = ctx.latest(*analytes)
        reason = f"{label} {when} missing"
        if older is not None and older.date >= start:
            reason += f" (result {_iso(older.date)} indeterminate: repeat)"
        yield from _missing(R_B3, ctx, item, start, outcome, reason, evidence([older]))

    if ctx.facts.sex is Sex.FEMALE:
        # ✱ cervical screening counts for the same 12 months as the serologies.
        screens = [p for p in ctx.facts.procedures
                   if p.kind is ProcedureKind.CERVICAL_SCREENING and p.date >= start]
        if not screens:
            older_screens = _latest_procedure(ctx, ProcedureKind.CERVICAL_SCREENING, None)
            yield from _missing(R_B3, ctx, "hpv-screening", start, GateOutcome.WARN,
                                f"cervical HPV screening {when} missing",
                                evidence([older_screens]))


def _latent_tb_evidence(ctx: Context) -> list[Fact]:
    """Active TB_LATENT conditions and the latest positive IGRA/TST not covered by a resolved
    latent-TB condition ✱ (a treated LTBI keeps a positive IGRA for life)."""
    tst_mm = ctx.params.screening.tst_positive_mm.value
    found: list[Fact] = list(ctx.conditions(ConditionKind.TB_LATENT))
    resolved = [c for c in ctx.conditions(ConditionKind.TB_LATENT, active_only=False)
                if not c.active]
    treated_until: date | None = None
    if resolved:
        abated = [c.abated for c in resolved]
        treated_until = date.max if any(a is None for a in abated) else max(a for a in abated if a)
    igra = ctx.latest(Analyte.IGRA)
    tst = ctx.latest(Analyte.TST)
    for lab in (igra, tst):
        if lab is None:
            continue
        positive = _positive(lab) or (lab.analyte is Analyte.TST and lab.value is not None
                                      and lab.value >= tst_mm)
        if positive and (treated_until is None or lab.date > treated_until):
            found.append(lab)
    return found


def _tuberculosis(ctx: Context) -> Iterator[Output]:
    active = ctx.conditions(ConditionKind.TB_ACTIVE)
    if active:
        yield R_B3.gate(GateOutcome.BLOCK, None,
                        "active tuberculosis: no alemtuzumab until treated",
                        evidence(active))
    latent = _latent_tb_evidence(ctx)
    if not latent:
        return
    tolerance = ctx.params.screening.isoniazid_tolerance_days.value
    found = evidence(latent)
    inh = _latest_start(ctx, Drug.ISONIAZID)
    if inh is None or inh.start is None:
        yield R_B3.gate(
            GateOutcome.HOLD, None,
            "latent tuberculosis without isoniazid: start isoniazid 300 mg/day fasting for "
            f"6 months with vitamin B6; course not before {tolerance} days after the start "
            "(tolerability check)",
            found)
        return
    until = add_days(inh.start, tolerance)
    found = (*found, Evidence.of(inh))
    if inh.last_dose is not None and not inh.active and inh.last_dose < until:
        yield R_B3.gate(
            GateOutcome.HOLD, None,
            f"latent tuberculosis: isoniazid started {_iso(inh.start)} and stopped "
            f"{_iso(inh.last_dose)}, before the {tolerance}-day tolerability check: review "
            "latent TB treatment",
            found)
        return
    if _day1(ctx) < until:
        yield R_B3.gate(
            GateOutcome.HOLD, until,
            f"latent tuberculosis: isoniazid started {_iso(inh.start)}; course not before "
            f"{_iso(until)} ({tolerance} days to check isoniazid tolerability, S3 Rec 7)",
            found)


def _detectable(lab: LabResult | None) -> bool | None:
    """Viral load: True detectable, False undetectable, None unknown."""
    if lab is None:
        return None
    if lab.qual is not None:
        if lab.qual.is_positive:
            return True
        if lab.qual in (Qual.NEGATIVE, Qual.TRACE):
            return False
    if lab.value is not None:
        return lab.value > 0
    return None


def _hepatitis_b(ctx: Context) -> Iterator[Output]:
    hbsag = ctx.latest(Analyte.HBSAG)
    chronic = ctx.conditions(ConditionKind.HBV_CHRONIC)
    dna = ctx.latest(Analyte.HBV_DNA)
    dna_detectable = _detectable(dna) is True
    if _positive(hbsag) or chronic or dna_detectable:
        what = []
        if _positive(hbsag):
            assert hbsag is not None
            what.append(f"HBsAg positive ({_iso(hbsag.date)})")
        if chronic:
            what.append("chronic hepatitis B recorded")
        if dna_detectable:
            assert dna is not None
            what.append(f"HBV DNA detectable ({_describe(dna)}, {_iso(dna.date)})")
        found = evidence([hbsag if _positive(hbsag) else None, *chronic,
                          dna if dna_detectable else None])
        text = "; ".join(what)
        yield R_B3.gate(GateOutcome.HOLD, None,
                        f"hepatitis B infection ({text}): hepatology assessment before alemtuzumab",
                        found)
        yield R_B3.finding(
            Severity.WARN,
            f"Hepatitis B infection ({text}): risk of HBV reactivation with alemtuzumab",
            ("Refer to hepatology before alemtuzumab (carriers risk irreversible liver damage "
             "from reactivation)",
             "HBV DNA and antiviral prophylaxis per hepatology"),
            found)
        return
    anti_hbc = ctx.latest(Analyte.ANTI_HBC)
    if _positive(anti_hbc) and _negative(hbsag):
        assert anti_hbc is not None
        # ✱ anti-HBc+ with HBsAg- carries reactivation risk whatever the anti-HBs ("isolated"
        # when anti-HBs is absent or < 10).
        anti_hbs = ctx.latest(Analyte.ANTI_HBS)
        protected = anti_hbs is not None and (
            anti_hbs.value >= ctx.params.screening.anti_hbs_protective.value
            if anti_hbs.value is not None else _positive(anti_hbs))
        kind = "resolved HBV infection (anti-HBs ≥10)" if protected else "isolated anti-HBc"
        found = evidence([anti_hbc, hbsag, anti_hbs, dna])
        yield R_B3.gate(GateOutcome.WARN, None,
                        f"{kind}: anti-HBc positive {_iso(anti_hbc.date)}, HBsAg negative; "
                        "HBV DNA and hepatology opinion", found)
        yield R_B3.finding(
            Severity.WARN,
            f"Anti-HBc positive with HBsAg negative ({kind}): possible occult HBV, "
            "reactivation risk",
            ("HBV DNA before the course", "Hepatology opinion on prophylaxis or monitoring"),
            found)


def _hepatitis_c(ctx: Context) -> Iterator[Output]:
    hcv_ab = ctx.latest(Analyte.HCV_AB)
    conditions = ctx.conditions(ConditionKind.HCV)
    if not _positive(hcv_ab) and not conditions:
        return
    rna = ctx.latest(Analyte.HCV_RNA)
    rna_state = _detectable(rna)
    if not conditions and rna_state is False:
        return  # ✱ antibody with undetectable RNA: past or cured infection
    if rna_state is None:
        state = "HCV RNA not tested"
    else:
        assert rna is not None
        word = "detectable" if rna_state else "undetectable"
        state = f"HCV RNA {word} ({_describe(rna)}, {_iso(rna.date)})"
    parts = [f"HCV antibody positive ({_iso(hcv_ab.date)})"] if hcv_ab and _positive(hcv_ab) else []
    if conditions:
        parts.append("active hepatitis C recorded")
    text = f"{', '.join(parts)}; {state}"
    found = evidence([hcv_ab if _positive(hcv_ab) else None, *conditions, rna])
    yield R_B3.gate(GateOutcome.HOLD, None,
                    f"hepatitis C ({text}): hepatology assessment before alemtuzumab", found)
    yield R_B3.finding(
        Severity.WARN,
        f"Hepatitis C ({text}): hepatology assessment before alemtuzumab",
        ("Refer to hepatology before alemtuzumab",
         "HCV RNA if not done; treat active infection first"),
        found)


def _strongyloides(ctx: Context) -> Iterator[Output]:
    # ✱ not in the spec's outputs: corticosteroid premedication can trigger Strongyloides
    # hyperinfection, so a positive serology is flagged for treatment before the course.
    lab = ctx.latest(Analyte.STRONGYLOIDES_IGG)
    if not _positive(lab):
        return
    assert lab is not None
    found = evidence([lab])
    yield R_B3.gate(GateOutcome.WARN, None,
                    f"Strongyloides IgG positive ({_iso(lab.date)}): treat before the course",
                    found)
    yield R_B3.finding(
        Severity.WARN,
        f"Strongyloides IgG positive ({_iso(lab.date)}): hyperinfection risk with "
        "corticosteroid premedication",
        ("Treat (e.g. ivermectin) before the course; infectious diseases advice",),
        found)


# ---- R-B4 ECG and chest X-ray -----------------------------------------------------------------


def _latest_procedure(ctx: Context, kind: ProcedureKind,
                      on_or_after: date | None) -> Procedure | None:
    found = [p for p in ctx.facts.procedures
             if p.kind is kind and (on_or_after is None or p.date >= on_or_after)]
    return max(found, key=lambda p: (p.date, p.ref)) if found else None


def _ecg_chest_xray(ctx: Context) -> Iterator[Output]:
    params = ctx.params.screening
    if ctx.next_course_number > 1 and not params.ecg_cxr_every_course.value:
        return
    day1 = _day1(ctx)
    ecg_days = params.ecg_validity_days.value
    cxr_months = params.chest_xray_validity_months.value
    checks = (
        ("ecg", "ECG", ProcedureKind.ECG, add_days(day1, -ecg_days), f"≤{ecg_days} days"),
        ("chest-xray", "chest X-ray", ProcedureKind.CHEST_XRAY, add_months(day1, -cxr_months),
         f"≤{cxr_months} months"),
    )
    for item, label, kind, start, span in checks:
        done = _latest_procedure(ctx, kind, start)
        if done is None:
            yield from _missing(R_B4, ctx, item, start, GateOutcome.HOLD,
                                f"{label} {span} before D1 {_iso(day1)} missing",
                                evidence([_latest_procedure(ctx, kind, None)]))
        elif done.abnormal:
            # ✱ an abnormal result is the clinician's to weigh (R-A3 covers cardiovascular
            # contraindications); it does not stop the course.
            yield R_B4.gate(GateOutcome.WARN, None,
                            f"{label} {_iso(done.date)} reported abnormal: review before the "
                            "course",
                            evidence([done]))


# ---- R-B5 skin examination --------------------------------------------------------------------


def _skin_exam(ctx: Context) -> Iterator[Output]:
    latest = _latest_procedure(ctx, ProcedureKind.SKIN_EXAM, None)
    if latest is None:
        yield R_B5.due("skin-exam", ctx.course1_d1)
    else:
        months = ctx.params.screening.skin_exam_interval_months.value
        yield R_B5.due("skin-exam", add_months(latest.date, months))


# ---- R-B6 Listeria ----------------------------------------------------------------------------


def _listeria_advice(ctx: Context) -> Iterator[Output]:
    params = ctx.params.screening
    day1 = _day1(ctx)
    due = add_days(day1, -params.listeria_advice_days_before.value)
    previous = ctx.last_infusion
    # ✱ advice counts for the course under assessment when given after the previous course.
    given = [s for s in ctx.statements(StatementCode.LISTERIA_ADVICE_GIVEN)
             if s.value and (previous is None or s.date > previous)]
    if given:
        return
    yield R_B6.due("listeria-advice", due)
    if ctx.as_of >= due:
        yield R_B6.gate(GateOutcome.WARN, None,
                        f"Listeria diet advice not recorded by {_iso(due)} "
                        f"({params.listeria_advice_days_before.value} days before D1 {_iso(day1)})")


def _listeria_window(ctx: Context) -> Iterator[Output]:
    last = ctx.last_infusion
    months = ctx.params.screening.listeria_diet_months_after.value
    yield R_B6.window("listeria_diet_until", add_months(last, months) if last else None)


# ---- R-B7 natalizumab, PML screening MRI ------------------------------------------------------


def _latest_start(ctx: Context, drug: Drug) -> MedicationUse | None:
    uses = [m for m in ctx.facts.medications if m.drug is drug and m.start is not None]
    return max(uses, key=lambda m: (m.start or date.min, m.ref)) if uses else None


def _natalizumab_since(ctx: Context, after: date | None) -> tuple[MedicationUse, ...]:
    """Natalizumab statements with a dose after ``after`` (or ongoing, or last dose unknown)."""
    return tuple(m for m in ctx.facts.medications if m.drug is Drug.NATALIZUMAB
                 and (after is None or m.last_dose is None or m.last_dose > after))


def _last_dose(uses: Sequence[MedicationUse]) -> date | None:
    """Latest last dose; None when any statement has none (still taking, or unrecorded)."""
    if any(m.last_dose is None for m in uses):
        return None
    return max(m.last_dose for m in uses if m.last_dose is not None)


def _jcv_positive_or_unknown(ctx: Context) -> tuple[bool, LabResult | None]:
    jcv = ctx.latest(Analyte.JCV_ANTIBODY)
    if jcv is None:
        return True, None  # ✱ unknown = positive (Table W note)
    if jcv.qual is not None:
        return jcv.qual is not Qual.NEGATIVE, jcv
    if jcv.value is not None:
        return jcv.value >= ctx.params.screening.jcv_index_negative_below.value, jcv
    return True, jcv


def _latest_mri(ctx: Context, on_or_after: date, after: date | None = None,
                gd_only: bool = False) -> MriScan | None:
    scans = [m for m in ctx.facts.mri if m.date >= on_or_after
             and (after is None or m.date > after) and (m.gd_enhanced or not gd_only)]
    return max(scans, key=lambda m: (m.date, m.ref)) if scans else None


def _natalizumab_pre_course(ctx: Context) -> Iterator[Output]:
    uses = _natalizumab_since(ctx, ctx.last_infusion)
    if not uses:
        return
    params = ctx.params.screening
    day1 = _day1(ctx)
    last_dose = _last_dose(uses)
    days = params.natalizumab_mri_validity_days.value
    start = add_days(day1, -days)
    nat = evidence(uses)
    scan = _latest_mri(ctx, start, after=last_dose, gd_only=True)
    after = (f"after the last natalizumab dose {_iso(last_dose)}" if last_dose
             else "after natalizumab")
    if scan is None:
        yield from _missing(
            R_B7, ctx, "mri", start, GateOutcome.HOLD,
            f"natalizumab-exposed: no Gd-enhanced brain MRI {after} and ≤{days} days before "
            f"D1 {_iso(day1)} (PML screen)", nat)
    elif scan.pml_signs:
        yield R_B7.gate(GateOutcome.HOLD, None,
                        f"Gd-enhanced MRI {_iso(scan.date)} shows possible PML signs: PML must be "
                        "excluded (R-I2)", (*nat, Evidence.of(scan)))

    positive, jcv = _jcv_positive_or_unknown(ctx)
    if not positive:
        return
    status = (f"JCV antibody {_describe(jcv)} ({_iso(jcv.date)})" if jcv
              else "JCV antibody status unknown")
    csf = ctx.latest(Analyte.CSF_JCV_DNA, after=last_dose)
    found = (*nat, *evidence([jcv]))
    if csf is None:
        yield R_B7.gate(GateOutcome.WARN, None,
                        f"natalizumab-exposed, {status}: no CSF JCV DNA result; consider CSF JCV "
                        "DNA copy number to rule out latent PML (Table W)", found)
    elif _detectable(csf) is not False:
        # ✱ JCV DNA in CSF after natalizumab is PML until proven otherwise (R-I2 blocks).
        found = (*found, Evidence.of(csf))
        yield R_B7.gate(GateOutcome.BLOCK, None,
                        f"CSF JCV DNA {_describe(csf)} ({_iso(csf.date)}) after natalizumab: "
                        "PML must be excluded", found)
        yield R_B7.finding(
            Severity.CRITICAL,
            f"CSF JCV DNA {_describe(csf)} ({_iso(csf.date)}) after natalizumab: possible PML",
            ("Withhold alemtuzumab", "Urgent neurology/infectious diseases assessment for PML"),
            found)


def _natalizumab_post_course_mri(ctx: Context) -> Iterator[Output]:
    """Gd-MRI 6 and 12 months after course 1 for JCV+/unknown switches (Table W)."""
    if not ctx.courses or ctx.phase is Phase.MONITORING_COMPLETE:
        return  # R-M2: no automatic orders after monitoring ends
    course1 = ctx.courses[0]
    before = [m for m in ctx.facts.medications if m.drug is Drug.NATALIZUMAB
              and (m.start is None or m.start < course1.first_day)]
    if not before or not _jcv_positive_or_unknown(ctx)[0]:
        return
    params = ctx.params.screening
    tolerance = params.post_course_mri_tolerance_days.value
    slots = [add_months(course1.last_day, k) for k in params.post_course_mri_months.value]
    filled = []
    for i, slot in enumerate(slots):
        lo = add_days(slot, -tolerance)
        hi = add_days(slots[i + 1], -tolerance) if i + 1 < len(slots) else date.max
        filled.append(any(lo <= m.date < hi for m in ctx.facts.mri))
    last_filled = max((i for i, f in enumerate(filled) if f), default=-1)
    for i in range(last_filled + 1, len(slots)):
        if not filled[i]:
            yield R_B7.due("mri", slots[i])
            return


def _pre_course_mri(ctx: Context) -> Iterator[Output]:
    """``eu``: a brain MRI checked for PML signs before each (re-)administration (EU ◐)."""
    params = ctx.params.screening
    months = params.pre_course_mri_months.value
    if months is None:
        return
    if not params.pre_course_mri_all_patients.value and not _natalizumab_since(ctx, None):
        return
    day1 = _day1(ctx)
    start = add_months(day1, -months)
    scan = _latest_mri(ctx, start)
    if scan is None:
        yield from _missing(R_B7, ctx, "mri", start, GateOutcome.HOLD,
                            f"no brain MRI ≤{months} months before D1 {_iso(day1)} "
                            "(PML screen before each course, EU)")
    elif scan.pml_signs:
        yield R_B7.gate(GateOutcome.HOLD, None,
                        f"brain MRI {_iso(scan.date)} shows possible PML signs: PML must be "
                        "excluded (R-I2)", evidence([scan]))
