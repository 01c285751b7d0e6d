"""Thyroid: R-T1..R-T7 (clinical-rules.md §7b Thyroid, §7c Fig 4 Thyroid group).

TSH is read from the latest result in every phase; FT4 counts when concurrent (§1, 7 days ✱).
R-T3 or R-T4 when matched, else R-T2 (§1 precedence). Thyroid findings never hold a course by
themselves (R-G0 item 10): R-T6 is the thyroid course gate.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..dates import add_days, add_months
from ..facts import (
    Analyte,
    ChecklistGroup,
    Condition,
    ConditionKind,
    LabResult,
    Statement,
    StatementCode,
)
from ..results import GateOutcome, Output, Rule, Severity, evidence
from .checklist import latest_checklist_yes
from .infection import fmt

R_T1 = Rule("R-T1", "Normal TSH: no finding (closes R-T2-T4 alerts)", "no output",
            "EU ◐; US ✔; S3 ✔")
R_T2 = Rule("R-T2", "TSH outside reference: reflex FT4, TRAb, TPO-Ab; routine endocrinology",
            "warn", "EU ◐; US ✔; S3 ✔; ETA ✔")
R_T3 = Rule("R-T3", "Overt hyperthyroidism (Graves' if TRAb > ULN): endocrinology",
            "critical to urgent", "US ✔; ETA ✔; ✱ critical if pregnant or tachyarrhythmia")
R_T4 = Rule("R-T4", "Overt hypothyroidism: endocrinology", "urgent",
            "ETA ✔ referral; urgency ✱ (§12 N5)")
R_T5 = Rule("R-T5", "Pregnant with thyroid disease or TRAb > ULN: TRAb + TFTs each trimester",
            "warn", "US ✔; ✱ each trimester")
R_T6 = Rule("R-T6", "Active thyroid disease when the next course is considered", "gate: hold",
            "S3 Rec 23 ✔")
R_T7 = Rule("R-T7", "Fig 4 thyroid symptoms: unscheduled TSH", "warn",
            "S3 Fig 4 ✔; ✱ TSH within 7 days")

RULES: tuple[Rule, ...] = (R_T1, R_T2, R_T3, R_T4, R_T5, R_T6, R_T7)

THYROID_KINDS = (ConditionKind.THYROID_DISEASE, ConditionKind.GRAVES, ConditionKind.HYPOTHYROIDISM)


def evaluate(ctx: Context) -> Iterator[Output]:
    yield from _tsh(ctx)
    yield from _pregnancy(ctx)
    yield from _course_gate(ctx)
    yield from _checklist(ctx)


# ---- helpers -------------------------------------------------------------------------------


def trab_above_uln(ctx: Context, trab: LabResult) -> bool:
    """TRAb > ULN: the lab's range, else the ✱ default; a qualitative "positive" counts."""
    if trab.value is not None:
        uln = ctx.uln(trab)
        if uln is None:
            uln = ctx.params.organ.trab_uln.value
        return trab.value > uln
    return trab.qual is not None and trab.qual.is_positive


def _trab_desc(ctx: Context, trab: LabResult) -> str:
    if trab.value is None:
        return f"TRAb {trab.qual.value if trab.qual else '?'} on {trab.date.isoformat()}"
    uln = ctx.uln(trab)
    uln = ctx.params.organ.trab_uln.value if uln is None else uln
    return f"TRAb {fmt(trab.value)} IU/L (> {fmt(uln)})"


def pregnancy_statement(ctx: Context) -> Statement | None:
    """The latest PREGNANT statement when it says pregnant."""
    stated = ctx.latest_statement(StatementCode.PREGNANT)
    return stated if stated is not None and stated.value else None


def _pregnancy_since(ctx: Context, latest: Statement) -> Statement:
    """First "pregnant" statement of the current pregnancy (after the last "not pregnant")."""
    first = latest
    for s in reversed(ctx.statements(StatementCode.PREGNANT)):
        if not s.value:
            break
        first = s
    return first


# ---- R-T1..R-T4 ----------------------------------------------------------------------------


def _tsh(ctx: Context) -> Iterator[Output]:
    tsh = ctx.latest(Analyte.TSH, quantitative=True)
    if tsh is None or tsh.value is None:
        return  # missing TSH is R-M1's concern, never "normal"
    low, high = ctx.lln(tsh), ctx.uln(tsh)
    is_low = low is not None and tsh.value < low
    is_high = high is not None and tsh.value > high
    if not (is_low or is_high):
        return  # R-T1: normal TSH, no finding
    ft4 = ctx.concurrent(Analyte.FT4, tsh.date, quantitative=True)
    ft4_low = ft4_high = False
    if ft4 is not None and ft4.value is not None:
        f_low, f_high = ctx.lln(ft4), ctx.uln(ft4)
        ft4_low = f_low is not None and ft4.value < f_low
        ft4_high = f_high is not None and ft4.value > f_high
    tsh_text = (f"TSH {fmt(tsh.value)} mIU/L (< {fmt(low)})" if is_low and low is not None
                else f"TSH {fmt(tsh.value)} mIU/L (> {fmt(high)})" if high is not None else "")
    ft4_text = ""
    if ft4 is not None and ft4.value is not None:
        f_low, f_high = ctx.lln(ft4), ctx.uln(ft4)
        bound = (f" (> {fmt(f_high)})" if ft4_high and f_high is not None
                 else f" (< {fmt(f_low)})" if ft4_low and f_low is not None else " (normal)")
        ft4_text = f" with FT4 {fmt(ft4.value)} ng/dL{bound}"

    if is_low and ft4_high:
        yield from _overt_hyper(ctx, tsh, ft4, tsh_text + ft4_text)
    elif is_high and ft4_low:
        yield R_T4.finding(
            Severity.URGENT,
            f"Overt hypothyroidism: {tsh_text}{ft4_text}",
            ["Endocrinology referral within 24 h (ETA: refer after any IRT-induced thyroid "
             "dysfunction)", "TPO-Ab and TRAb (Graves' may fluctuate hyper↔hypo)",
             "Start levothyroxine per endocrinology"],
            evidence([tsh, ft4]),
        )
    else:
        kind = "low" if is_low else "high"
        actions = ["Reflex FT4" + (" and FT3" if is_low else "") + ", TRAb and TPO-Ab",
                   "Routine endocrinology referral"]
        summary = f"TSH {kind}: {tsh_text}{ft4_text} — thyroid dysfunction to characterise"
        yield R_T2.finding(Severity.WARN, summary, actions, evidence([tsh, ft4]))


def _overt_hyper(
    ctx: Context, tsh: LabResult, ft4: LabResult | None, lab_text: str
) -> Iterator[Output]:
    trab = ctx.latest(Analyte.TRAB)
    graves = trab is not None and trab_above_uln(ctx, trab)
    pregnant = pregnancy_statement(ctx)
    arrhythmia = ctx.conditions(ConditionKind.TACHYARRHYTHMIA)
    label = "Graves' disease" if graves else "Overt hyperthyroidism"
    summary = f"{label}: {lab_text}"
    if graves and trab is not None:
        summary += f"; {_trab_desc(ctx, trab)}"
    aggravating = []
    if pregnant is not None:
        aggravating.append("pregnant")
    if arrhythmia:
        aggravating.append("tachyarrhythmia recorded")
    # ✱ critical when pregnant (fetal/neonatal thyrotoxicosis) or with a tachyarrhythmia.
    severity = Severity.CRITICAL if aggravating else Severity.URGENT
    if aggravating:
        summary += " — " + ", ".join(aggravating)
    actions = ["Endocrinology referral within 24 h" if not aggravating
               else "Same-day endocrinology assessment",
               "FT3, TRAb and TPO-Ab if not done"]
    if arrhythmia:
        actions.append("ECG and heart-rate control (beta-blocker unless contraindicated)")
    if pregnant is not None:
        actions.append("Inform obstetrics; TRAb crosses the placenta (neonatal Graves)")
    yield R_T3.finding(severity, summary, actions,
                       evidence([tsh, ft4, trab if graves else None, pregnant, *arrhythmia]))


# ---- R-T5 ----------------------------------------------------------------------------------


def _pregnancy(ctx: Context) -> Iterator[Output]:
    pregnant = pregnancy_statement(ctx)
    if pregnant is None:
        return
    # ✱ any recorded thyroid condition, also resolved: past Graves' keeps TRAb transfer risk.
    conditions: tuple[Condition, ...] = ctx.conditions(*THYROID_KINDS, active_only=False)
    trabs = tuple(t for t in ctx.results(Analyte.TRAB) if trab_above_uln(ctx, t))
    if not conditions and not trabs:
        return
    reasons = [c.display for c in conditions]
    if trabs:
        reasons.append(_trab_desc(ctx, trabs[-1]) + f" on {trabs[-1].date.isoformat()}")
    yield R_T5.finding(
        Severity.WARN,
        "Pregnant with thyroid disease or positive TRAb: " + "; ".join(reasons),
        ["TRAb and thyroid function tests each trimester",
         "Obstetric and endocrinology referral (placental TRAb transfer: neonatal Graves')"],
        evidence([pregnant, *conditions, *trabs]),
    )
    # ✱ every 3 months from the first test of this pregnancy; due now if none yet.
    since = _pregnancy_since(ctx, pregnant).date
    months = ctx.params.organ.pregnancy_tft_interval_months.value
    for analyte, item in ((Analyte.TSH, "tsh"), (Analyte.TRAB, "trab")):
        last = ctx.latest(analyte, on_or_after=since)
        yield R_T5.due(item, add_months(last.date, months) if last is not None else since)


# ---- R-T6 ----------------------------------------------------------------------------------


def _course_gate(ctx: Context) -> Iterator[Output]:
    first = ctx.first_infusion
    if first is None:
        return  # before course 1 thyroid disease is R-A3's (onset before the first infusion)
    reasons: list[str] = []
    found: list[Condition] = []
    for c in ctx.conditions(*THYROID_KINDS):
        onset = c.onset or c.recorded
        # ✱ unknown onset in a treated patient: treat as after the first infusion (overridable).
        if onset is None or onset > first:
            found.append(c)
            reasons.append(f"{c.display} (onset {onset.isoformat() if onset else 'unknown'})")
    # "since the first infusion": a TSH drawn on day 1 itself is the pre-infusion baseline ✱.
    tsh = ctx.latest(Analyte.TSH, after=first, quantitative=True)
    if tsh is not None and tsh.value is not None:
        low, high = ctx.lln(tsh), ctx.uln(tsh)
        on = tsh.date.isoformat()
        if low is not None and tsh.value < low:
            reasons.append(f"latest TSH {fmt(tsh.value)} mIU/L (< {fmt(low)}) on {on}")
        elif high is not None and tsh.value > high:
            reasons.append(f"latest TSH {fmt(tsh.value)} mIU/L (> {fmt(high)}) on {on}")
        else:
            tsh = None
    else:
        tsh = None
    if not reasons:
        return
    yield R_T6.gate(
        GateOutcome.HOLD, None,
        "active thyroid disease after alemtuzumab: " + "; ".join(reasons)
        + " — extend the interval until endocrinology confirms control (S3 Rec 23)",
        evidence([*found, tsh]),
    )


# ---- R-T7 ----------------------------------------------------------------------------------


def _checklist(ctx: Context) -> Iterator[Output]:
    # The rule orders a TSH: a TSH dated after the answer closes it (§7c).
    answered = latest_checklist_yes(ctx, ChecklistGroup.THYROID, (Analyte.TSH,))
    if answered is None:
        return
    checklist, items = answered
    symptoms = ", ".join(_ITEM_TEXT[i.value] for i in items)
    yield R_T7.finding(
        Severity.WARN,
        f"Thyroid symptoms on the Fig 4 checklist of {checklist.date.isoformat()}: {symptoms}",
        ["Unscheduled TSH (with FT4) within 7 days"],
        evidence([checklist]),
    )
    yield R_T7.due("tsh", add_days(checklist.date, ctx.params.organ.checklist_tsh_days.value))


_ITEM_TEXT = {
    "thy-weight": "unexplained weight change",
    "thy-temperature": "heat or cold intolerance",
    "thy-bowel": "more diarrhoea or constipation",
}
