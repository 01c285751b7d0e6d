"""Special situations: R-S1..R-S5 (clinical-rules.md §7c) - contraception, pregnancy,
breastfeeding, surgery, cohabitants."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from ..context import Context
from ..dates import add_days, add_months
from ..facts import Analyte, LabResult, PlannedSurgery, Qual, Statement, StatementCode
from ..results import GateOutcome, Output, Rule, Severity, evidence

R_S1 = Rule("R-S1", "Contraception during each course and 4 months after",
            "window; urgent", "S3 Rec 14, 27 ✔; EU ◐; US ✔")
R_S2 = Rule("R-S2", "Pregnancy: give only if benefit justifies fetal risk", "gate: hold",
            "S3 Rec 26 ✔")
R_S3 = Rule("R-S3", "Breastfeeding: interrupt during each course and 4 months after",
            "window; gate: hold", "S3 Rec 28 ✔; EU ◐; US ◐ (D8)")
R_S4 = Rule("R-S4", "Elective surgery before immune reconstitution", "warn",
            "S3 Rec 29 ✔; ✱ reconstitution = CD4 >200 (Rec 23)")
R_S5 = Rule("R-S5", "Cohabitants: see R-C6", "no output", "S3 Rec 25 ✔")

RULES: tuple[Rule, ...] = (R_S1, R_S2, R_S3, R_S4, R_S5)


def evaluate(ctx: Context) -> Iterator[Output]:
    yield from _contraception(ctx)
    yield from _pregnancy(ctx)
    yield from _breastfeeding(ctx)
    yield from _surgery(ctx)
    # R-S5: cohabitant vaccination is emitted by R-C6.


# ---- pregnancy status -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PregnancyEvidence:
    """One conclusive pregnancy test or status: ``positive`` True/False."""

    date: date
    positive: bool
    fact: LabResult | Statement


def _hcg_positive(ctx: Context, lab: LabResult) -> bool | None:
    """True/False for a conclusive hCG result, None when inconclusive.

    Serum value: ≥25 positive, <5 negative, 5-25 inconclusive (✱ R-B2). Qualitative result:
    positive/1+.. positive, negative negative; ✱ trace and indeterminate are inconclusive
    (a faint line needs a repeat, not a conclusion either way).
    """
    sp = ctx.params.special
    if lab.analyte is Analyte.HCG_SERUM and lab.value is not None:
        if lab.value >= sp.hcg_serum_positive_from.value:
            return True
        if lab.value < sp.hcg_serum_negative_below.value:
            return False
        return None
    if lab.qual is None or lab.qual in (Qual.TRACE, Qual.INDETERMINATE):
        return None
    return lab.qual.is_positive


def pregnancy_evidence(ctx: Context) -> tuple[PregnancyEvidence, ...]:
    """Every conclusive pregnancy test or status, oldest first; on the same day a positive
    sorts last so that it wins (✱ conservative)."""
    found: list[PregnancyEvidence] = [
        PregnancyEvidence(s.date, s.value, s) for s in ctx.statements(StatementCode.PREGNANT)
    ]
    for lab in ctx.results(Analyte.HCG_URINE, Analyte.HCG_SERUM):
        positive = _hcg_positive(ctx, lab)
        if positive is not None:
            found.append(PregnancyEvidence(lab.date, positive, lab))
    return tuple(sorted(found, key=lambda e: (e.date, e.positive, e.fact.ref)))


def latest_pregnancy_evidence(ctx: Context) -> PregnancyEvidence | None:
    found = pregnancy_evidence(ctx)
    return found[-1] if found else None


def pregnant(ctx: Context) -> PregnancyEvidence | None:
    """The positive evidence when the latest pregnancy test or status is positive (R-S2)."""
    latest = latest_pregnancy_evidence(ctx)
    return latest if latest is not None and latest.positive else None


def _describe(e: PregnancyEvidence) -> str:
    fact = e.fact
    if isinstance(fact, Statement):
        return f"pregnancy status positive on {e.date}"
    if fact.value is not None:
        return f"serum hCG {fact.value:g} m[IU]/mL on {e.date}"
    kind = "urine" if fact.analyte is Analyte.HCG_URINE else "serum"
    qual = fact.qual.value if fact.qual is not None else "positive"
    return f"{kind} hCG {qual} on {e.date}"


# ---- R-S1 contraception ---------------------------------------------------------------------


def contraception_until(ctx: Context) -> date | None:
    """R-S1 window: 4 months after the last infusion of the most recent course, for women of
    childbearing potential (✱ judged on the day of that infusion); else None."""
    last = ctx.last_infusion
    if last is None or not ctx.childbearing_potential(last):
        return None
    return add_months(last, ctx.params.special.contraception_months.value)


def _contraception(ctx: Context) -> Iterator[Output]:
    until = contraception_until(ctx)
    yield R_S1.window("contraception_until", until)
    course = ctx.last_course
    if course is None or not ctx.female:
        return
    window_end = add_months(course.last_day, ctx.params.special.contraception_months.value)
    positive = pregnant(ctx)
    if positive is None or not course.first_day <= positive.date <= window_end:
        return
    # ✱ an unrefuted positive is taken as the current pregnancy for 40 weeks.
    if ctx.as_of > add_days(positive.date, ctx.params.special.pregnancy_assumed_days.value):
        return
    months = ctx.params.special.contraception_months.value
    yield R_S1.finding(
        Severity.URGENT,
        f"Pregnancy during the alemtuzumab exposure window: {_describe(positive)}, within "
        f"{months} months after course {course.number} (last infusion {course.last_day}, "
        f"window to {window_end})",
        ("Refer to obstetrics and inform the MS team today",
         "Continue the monthly safety monitoring, including thyroid function (R-T5)"),
        evidence([positive.fact, course.infusions[-1]]),
    )


# ---- R-S2 pregnancy -------------------------------------------------------------------------


def _pregnancy(ctx: Context) -> Iterator[Output]:
    positive = pregnant(ctx)
    if positive is None:
        return
    yield R_S2.gate(GateOutcome.HOLD, None,
                    f"pregnant ({_describe(positive)}): give only if the potential benefit "
                    "justifies the potential risk to the foetus",
                    evidence([positive.fact]))


# ---- R-S3 breastfeeding ---------------------------------------------------------------------


def breastfeeding_resume(ctx: Context) -> date | None:
    """R-S3 window: first day breastfeeding may resume, for women; else None."""
    last = ctx.last_infusion
    if last is None or not ctx.female:
        return None
    return add_months(last, ctx.params.special.breastfeeding_months.value)


def _breastfeeding(ctx: Context) -> Iterator[Output]:
    yield R_S3.window("breastfeeding_resume", breastfeeding_resume(ctx))
    status = ctx.latest_statement(StatementCode.BREASTFEEDING)
    if status is None or not status.value:
        return
    # ✱ the agreement to stop is per course: dated after the previous course's last infusion
    # and on/before D1 (as consent, R-A7).
    last = ctx.last_infusion
    agreements = [s for s in ctx.statements(StatementCode.AGREES_TO_STOP_BREASTFEEDING)
                  if (last is None or s.date > last) and s.date <= ctx.d1]
    if agreements and agreements[-1].value:
        return
    months = ctx.params.special.breastfeeding_months.value
    yield R_S3.gate(GateOutcome.HOLD, None,
                    f"breastfeeding (recorded {status.date}) without a recorded agreement to stop "
                    f"during course {ctx.next_course_number} and for {months} months after its "
                    "last infusion", evidence([status, *agreements[-1:]]))


# ---- R-S4 surgery ---------------------------------------------------------------------------


def _surgery(ctx: Context) -> Iterator[Output]:
    last = ctx.last_infusion
    if last is None:
        return
    # Planned = undated or dated today or later (a past date is a surgery already done).
    planned: list[PlannedSurgery] = [s for s in ctx.facts.surgeries
                                     if s.date is None or s.date >= ctx.as_of]
    if not planned:
        return
    threshold = ctx.params.special.surgery_cd4_above.value
    cd4 = ctx.latest(Analyte.CD4, after=last, quantitative=True)
    if cd4 is not None and cd4.value is not None and cd4.value > threshold:
        return
    level = (f"CD4 {cd4.value:g} /uL on {cd4.date} (≤ {threshold:g})"
             if cd4 is not None and cd4.value is not None
             else f"no CD4 count since the last infusion ({last})")
    elective = [s for s in planned if s.elective]
    urgent = [s for s in planned if not s.elective]
    if elective:
        when = ", ".join(str(s.date) if s.date else "undated" for s in elective)
        yield R_S4.finding(
            Severity.WARN,
            f"Elective surgery planned ({when}) before immune reconstitution: {level}",
            ("Delay elective surgery until immune reconstitution (CD4 > "
             f"{threshold:g} cells/uL) if the clinical reason allows",
             "Check a CD4 count before the date is confirmed"),
            evidence([*elective, cd4]),
        )
    if urgent:
        # ✱ urgent surgery is not delayed: remind the immunosuppressed-patient protocol.
        when = ", ".join(str(s.date) if s.date else "undated" for s in urgent)
        yield R_S4.finding(
            Severity.INFO,
            f"Urgent surgery planned ({when}) during possible lymphopenia: {level}",
            ("Apply the usual protocol for immunosuppressed patients",),
            evidence([*urgent, cd4]),
        )
