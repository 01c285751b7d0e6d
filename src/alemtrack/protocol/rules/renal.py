"""Nephropathies: anti-GBM disease and membranous nephropathy (clinical-rules.md §7b R-N1..R-N5).

Creatinine rise = (latest − baseline) / baseline. A urine "sample" is every result of one group
(haematuria: urine RBC by microscopy or automated count, dipstick blood; proteinuria: dipstick
protein, UPCR, 24-h protein) dated on the same day; the latest sample decides and the one
before it confirms. R-N1 suppresses R-N2-N4 on the same results. Runs in every phase.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from ..context import Context
from ..dates import add_days
from ..facts import (
    Analyte,
    ChecklistGroup,
    ChecklistItem,
    ConditionKind,
    LabResult,
    StatementCode,
    SymptomCode,
)
from ..results import Evidence, Output, Rule, Severity, evidence
from .checklist import pending_answer, pending_symptoms
from .haematology import n

R_N1 = Rule("R-N1", "Creatinine rise with haematuria/proteinuria, or haemoptysis: "
            "suspected anti-GBM disease", "urgent", "EU ◐; US ✔; ✱ 30 % rise")
R_N2 = Rule("R-N2", "Creatinine rise ≥30 % vs baseline", "urgent to warn", "EU ◐; US ✔; ✱ 30 %")
R_N3 = Rule("R-N3", "Microscopic haematuria", "urgent to warn", "EU ◐; US ✔; AUA ◐")
R_N4 = Rule("R-N4", "New proteinuria: suspected membranous nephropathy", "urgent to warn",
            "EU ◐; KDIGO ◐")
R_N5 = Rule("R-N5", "Fig 4 nephropathy 'yes': same-day urinalysis and creatinine", "urgent",
            "EU ◐; US ✔; S3 Fig 4 ✔")

RULES: tuple[Rule, ...] = (R_N1, R_N2, R_N3, R_N4, R_N5)

HAEMATURIA = (Analyte.URINE_RBC_HPF, Analyte.URINE_RBC_COUNT, Analyte.URINE_BLOOD_DIPSTICK)
PROTEINURIA = (Analyte.URINE_PROTEIN_DIPSTICK, Analyte.UPCR, Analyte.URINE_PROTEIN_24H)
URINALYSIS = HAEMATURIA
# Tests R-N1 orders (anti-GBM antibody, UPCR, repeat creatinine and urinalysis).
_N1_TESTS = (Analyte.CREATININE, *URINALYSIS, Analyte.UPCR, Analyte.ANTI_GBM)
_N5_TESTS = (Analyte.CREATININE, *URINALYSIS)
_NEPH_ITEMS = tuple(i for i in ChecklistItem if i.group is ChecklistGroup.NEPHROPATHY)
# §7c note ✱: bleeding on coughing may be alveolar haemorrhage of anti-GBM disease.
_HAEMOPTYSIS_ITEMS = (ChecklistItem.BLEEDING_NOSE_GUMS_COUGH,)
_HAEMOPTYSIS_CODES = (SymptomCode.HAEMOPTYSIS, SymptomCode.ALVEOLAR_HAEMORRHAGE)


# ---- positive urine results -------------------------------------------------------------------


def _haematuria(ctx: Context, lab: LabResult) -> str | None:
    """Why ``lab`` shows microscopic haematuria, or None."""
    hp = ctx.params.haem_renal
    if lab.analyte is Analyte.URINE_RBC_HPF and lab.value is not None:
        if lab.value >= hp.urine_rbc_hpf.value:
            return f"urine RBC {n(lab.value)}/HPF (≥ {n(hp.urine_rbc_hpf.value)})"
    elif lab.analyte is Analyte.URINE_RBC_COUNT and lab.value is not None:
        uln = lab.ref_high if lab.ref_high is not None else hp.urine_rbc_count_uln.value
        if lab.value > uln:
            return f"urine RBC {n(lab.value)}/uL (> ULN {n(uln)})"
    elif lab.analyte is Analyte.URINE_BLOOD_DIPSTICK and lab.qual is not None:
        grade = lab.qual.grade  # trace counts as 0 (negative)
        if grade is not None and grade >= hp.dipstick_positive_grade.value:
            return f"dipstick blood {lab.qual.value} (≥ 1+)"
    return None


def _proteinuria(ctx: Context, lab: LabResult) -> str | None:
    """Why ``lab`` shows proteinuria, or None. UPCR is compared in the reported unit when the
    lab reported mg/mmol (§1 Units: the source prints both 150 mg/g and 15 mg/mmol)."""
    hp = ctx.params.haem_renal
    if lab.analyte is Analyte.URINE_PROTEIN_DIPSTICK and lab.qual is not None:
        grade = lab.qual.grade
        if grade is not None and grade >= hp.dipstick_positive_grade.value:
            return f"dipstick protein {lab.qual.value} (≥ 1+)"
    elif lab.analyte is Analyte.UPCR:
        unit = (lab.reported_unit or "").replace(" ", "").lower()
        if unit.startswith(("mg/mmol", "g/mol")) and lab.reported_value is not None:
            if lab.reported_value >= hp.upcr_mg_mmol.value:
                return (f"UPCR {n(lab.reported_value)} mg/mmol "
                        f"(≥ {n(hp.upcr_mg_mmol.value)})")
        elif lab.value is not None and lab.value >= hp.upcr_mg_g.value:
            return f"UPCR {n(lab.value)} mg/g (≥ {n(hp.upcr_mg_g.value)})"
    elif (lab.analyte is Analyte.URINE_PROTEIN_24H and lab.value is not None
          and lab.value >= hp.protein_24h_g.value):
        return f"24-h urine protein {n(lab.value)} g (≥ {n(hp.protein_24h_g.value)})"
    return None


@dataclass(frozen=True, slots=True)
class Sample:
    """The results of one urine test group dated on one day, and those that are positive."""

    date: date
    results: tuple[LabResult, ...]
    positive: tuple[tuple[LabResult, str], ...]

    @property
    def refs(self) -> set[str]:
        return {lab.ref for lab, _ in self.positive}


Judge = Callable[[Context, LabResult], str | None]


def _samples(ctx: Context, analytes: tuple[Analyte, ...], judge: Judge) -> list[Sample]:
    """Samples of a urine group, oldest first. ✱ Results of the group on the same day are one
    sample; a result that cannot be judged (no value) does not make a sample."""
    by_day: dict[date, list[LabResult]] = {}
    for lab in ctx.results(*analytes):
        if lab.value is None and lab.qual is None:
            continue
        by_day.setdefault(lab.date, []).append(lab)
    samples = []
    for day in sorted(by_day):
        labs = tuple(by_day[day])
        positive = tuple((lab, why) for lab in labs if (why := judge(ctx, lab)) is not None)
        samples.append(Sample(day, labs, positive))
    return samples


def _latest_sample(samples: list[Sample], *, near: date | None = None,
                   days: int = 0) -> Sample | None:
    for s in reversed(samples):
        if near is None or add_days(near, -days) <= s.date <= add_days(near, days):
            return s
    return None


def _why(sample: Sample) -> str:
    return ", ".join(why for _, why in sample.positive)


# ---- evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Creatinine:
    latest: LabResult
    reference: LabResult
    rise: float
    baseline: bool  # False: ✱ no pre-treatment baseline, the first recorded value is used


def _rise(ctx: Context, lab: LabResult, ref: LabResult) -> float | None:
    if lab is ref or lab.value is None or ref.value is None or ref.value <= 0:
        return None
    # Rounded so that a rise of exactly 30 % is not lost to floating point (1.04 vs 0.8).
    return round((lab.value - ref.value) / ref.value, 9)


def _creatinine(ctx: Context) -> _Creatinine | None:
    latest = ctx.latest(Analyte.CREATININE, quantitative=True)
    if latest is None:
        return None
    ref = ctx.baseline(Analyte.CREATININE)
    is_baseline = ref is not None
    if ref is None:
        # ✱ no value before course 1: the first recorded creatinine is the reference, because
        # a rise must not go unseen for want of a baseline (missing data is never normal).
        quantitative = [r for r in ctx.results(Analyte.CREATININE) if r.value is not None]
        ref = quantitative[0]
    rise = _rise(ctx, latest, ref)
    if rise is None:
        return None
    return _Creatinine(latest, ref, rise, is_baseline)


def _rise_text(c: _Creatinine, threshold: float) -> str:
    ref = "baseline" if c.baseline else "first recorded value"
    assert c.latest.value is not None and c.reference.value is not None
    return (f"creatinine {n(c.latest.value)} mg/dL, {round(100 * c.rise)} % above {ref} "
            f"{n(c.reference.value)} (≥ {round(100 * threshold)} %)")


def evaluate(ctx: Context) -> Iterator[Output]:
    hp = ctx.params.haem_renal
    days = ctx.params.core.concurrent_days.value
    threshold = hp.creatinine_rise.value
    blood = _samples(ctx, HAEMATURIA, _haematuria)
    protein = _samples(ctx, PROTEINURIA, _proteinuria)
    creat = _creatinine(ctx)
    risen = creat is not None and creat.rise >= threshold

    # ---- R-N1 ----
    n1_reasons: list[str] = []
    n1_evidence: list[Evidence] = []
    n1_dates: list[date] = []
    n1_lab_refs: set[str] = set()
    n1_on_creatinine = False
    if risen:
        assert creat is not None
        urine = [s for s in (_latest_sample(blood, near=creat.latest.date, days=days),
                             _latest_sample(protein, near=creat.latest.date, days=days))
                 if s is not None and s.positive]
        if urine:
            n1_on_creatinine = True
            n1_reasons.append(_rise_text(creat, threshold) + " with "
                              + "; ".join(_why(s) for s in urine))
            n1_evidence += evidence([creat.latest, creat.reference,
                                     *(lab for s in urine for lab, _ in s.positive)])
            n1_lab_refs |= {ref for s in urine for ref in s.refs}
            n1_dates.append(creat.latest.date)
    answer = pending_answer(ctx, _HAEMOPTYSIS_ITEMS, _N1_TESTS)
    coded = pending_symptoms(ctx, _HAEMOPTYSIS_CODES, _N1_TESTS)
    if answer is not None:
        n1_reasons.append(f"Fig 4 bleeding on coughing/nose/gums 'yes' on "
                          f"{answer[0].date.isoformat()} (possible alveolar haemorrhage)")
        n1_evidence += evidence([answer[0]])
        n1_dates.append(answer[0].date)
    for s in coded:
        n1_reasons.append(f"{s.code.value.replace('-', ' ')} recorded on {s.date.isoformat()}")
        n1_evidence += evidence([s])
        n1_dates.append(s.date)
    if n1_reasons:
        yield R_N1.finding(
            Severity.URGENT,
            "Suspected anti-GBM disease: " + "; ".join(n1_reasons),
            ("Same-day nephrology referral",
             "Anti-GBM antibody, UPCR, repeat creatinine and urinalysis today"),
            n1_evidence,
        )
        on = min(n1_dates)
        for item in ("creatinine", "urinalysis", "upcr", "anti-gbm"):
            yield R_N1.due(item, on)

    # ---- R-N2 ---- (suppressed when R-N1 fired on the same creatinine)
    if risen and not n1_on_creatinine:
        assert creat is not None
        prev = ctx.previous(creat.latest)
        prev_rise = _rise(ctx, prev, creat.reference) if prev is not None else None
        if prev is not None and prev_rise is not None and prev_rise >= threshold:
            yield R_N2.finding(
                Severity.URGENT,
                f"Confirmed rise: {_rise_text(creat, threshold)}; previous "
                f"{n(prev.value)} mg/dL also ≥ {round(100 * threshold)} % above",
                ("Urgent nephrology referral", "Urinalysis and UPCR"),
                evidence([creat.latest, prev, creat.reference]),
            )
        else:
            repeat = hp.creatinine_repeat_days.value
            yield R_N2.finding(
                Severity.WARN,
                "Creatinine rise: " + _rise_text(creat, threshold),
                (f"Repeat creatinine and urinalysis within {repeat} days",
                 "Urgent nephrology referral if the rise is confirmed"),
                evidence([creat.latest, creat.reference]),
            )
            on = add_days(creat.latest.date, repeat)
            yield R_N2.due("creatinine", on)
            yield R_N2.due("urinalysis", on)

    # ---- R-N3 ----
    yield from _haematuria_rule(ctx, blood, n1_lab_refs)

    # ---- R-N4 ----
    latest_p = _latest_sample(protein)
    if latest_p is not None and latest_p.positive and not (latest_p.refs & n1_lab_refs):
        prev_p = _latest_sample([s for s in protein if s.date < latest_p.date])
        if prev_p is not None and prev_p.positive:
            yield R_N4.finding(
                Severity.URGENT,
                f"Confirmed proteinuria: {_why(latest_p)}; previous {_why(prev_p)}",
                ("Urgent nephrology referral (suspected membranous nephropathy)",
                 "Quantify with UPCR if not done"),
                evidence([*(lab for lab, _ in latest_p.positive),
                          *(lab for lab, _ in prev_p.positive)]),
            )
        else:
            quantify = hp.proteinuria_quantify_days.value
            yield R_N4.finding(
                Severity.WARN,
                f"New proteinuria: {_why(latest_p)}",
                (f"Quantify with UPCR within {quantify} days",
                 "Urgent nephrology referral if confirmed"),
                evidence(lab for lab, _ in latest_p.positive),
            )
            yield R_N4.due("upcr", add_days(latest_p.date, quantify))

    # ---- R-N5 ----
    neph = pending_answer(ctx, _NEPH_ITEMS, _N5_TESTS)
    if neph is not None:
        answer_n5, yes = neph
        yield R_N5.finding(
            Severity.URGENT,
            f"Fig 4 nephropathy 'yes' on {answer_n5.date.isoformat()} "
            f"({', '.join(i.value for i in yes)}): no urinalysis or creatinine since",
            ("Same-day urinalysis and serum creatinine",),
            evidence([answer_n5]),
        )
        yield R_N5.due("urinalysis", answer_n5.date)
        yield R_N5.due("creatinine", answer_n5.date)


def _haematuria_rule(ctx: Context, blood: list[Sample], n1_refs: set[str]) -> Iterator[Output]:
    hp = ctx.params.haem_renal
    days = ctx.params.core.concurrent_days.value
    latest = _latest_sample(blood)
    if latest is None or not latest.positive or latest.refs & n1_refs:
        return
    on = latest.date
    menses = [s for s in ctx.statements(StatementCode.MENSES)
              if s.value and add_days(on, -days) <= s.date <= add_days(on, days)]
    # ✱ a UTI explains haematuria when it is active, or its onset is concurrent with the sample.
    uti = [c for c in ctx.conditions(ConditionKind.UTI, active_only=False)
           if c.active or (c.onset is not None
                           and add_days(on, -days) <= c.onset <= add_days(on, days))]
    positives = [lab for lab, _ in latest.positive]
    if menses or uti:
        cause = "menses" if menses else "urinary tract infection"
        repeat = hp.haematuria_explained_repeat_days.value
        yield R_N3.finding(
            Severity.WARN,
            f"Haematuria during {cause}: {_why(latest)}",
            (f"Repeat urinalysis after {cause} (within {repeat} days)",),
            evidence([*positives, *menses, *uti]),
        )
        yield R_N3.due("urinalysis", add_days(on, repeat))
        return
    prev = _latest_sample([s for s in blood if s.date < on])
    if prev is not None and prev.positive:
        yield R_N3.finding(
            Severity.URGENT,
            f"Unexplained haematuria confirmed on repeat: {_why(latest)}; previous {_why(prev)}",
            ("Urgent nephrology referral", "Creatinine, UPCR and anti-GBM antibody"),
            evidence([*positives, *(lab for lab, _ in prev.positive)]),
        )
        return
    repeat = hp.haematuria_repeat_days.value
    yield R_N3.finding(
        Severity.WARN,
        f"Microscopic haematuria: {_why(latest)}",
        (f"Repeat urinalysis within {repeat} days",
         "Urgent nephrology referral if unexplained and confirmed"),
        evidence(positives),
    )
    yield R_N3.due("urinalysis", add_days(on, repeat))
