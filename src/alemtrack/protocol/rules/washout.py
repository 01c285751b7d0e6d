"""§5 Washout from prior DMTs (Table W, S3 Table 3 ✔): R-D1, R-D2, R-D3.

R-D1 blocks the course under assessment until each prior DMT is washed out: (a) the row's minimum
wait after the last dose (dated; the same date ``context.washout_waits`` folds into D1_eff) and
(b) the row's lab gates, read from the latest result after the last dose and ≤14 days before
D1_eff (teriflunomide: any date after the last dose). An unmet or missing lab is an undated
condition; before D1_eff − 14 days a missing lab is only ``due`` (``cbc``, ``cd4``,
``teriflunomide-level``). A DMT Table W does not cover holds with "washout not defined".
Natalizumab's MRI/CSF items are R-B7's, not emitted here.

R-D2 is R-D1's teriflunomide option (D9): one level <0.02 mg/L (S3, default) or two levels
≥14 days apart (Aubagio label ◐); it has no output of its own.

R-D3 (steroids for a relapse) never gates: prednisone-equivalent >20 mg/day for >15 days puts
live vaccines off until one month after the last dose; an IV bolus in the last 3 months asks for
an individual immune assessment before live vaccines (both ``info``). ``steroid_live_constraint``
and ``dmt_live_constraint`` give R-C1 (vaccination) the Table V2 start dates for live vaccines.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from ..context import Context, washout_statements, washout_wait_until
from ..dates import add_days, add_months
from ..facts import Analyte, Drug, LabResult, MedicationUse
from ..parameters import WashoutRow, washout_row
from ..results import Evidence, GateOutcome, Output, Rule, Severity, evidence

R_D1 = Rule("R-D1", "Washout from prior DMTs (Table W)", "gate: block (hold if not defined)",
            "S3 Table 3 ✔; S3 Rec 13 ✔")
R_D2 = Rule("R-D2", "Teriflunomide clearance: one level or two levels ≥14 days apart",
            "no output (sets R-D1's teriflunomide condition)", "S3 Table 3 ✔; Aubagio label ◐ (D9)")
R_D3 = Rule("R-D3", "Recent corticosteroids: live vaccines delayed, bolus needs assessment",
            "info", "S3 Table 2 ✔")

RULES: tuple[Rule, ...] = (R_D1, R_D2, R_D3)

_STEROIDS = frozenset({Drug.PREDNISONE, Drug.METHYLPREDNISOLONE})
_S1P_NATALIZUMAB = frozenset({Drug.FINGOLIMOD, Drug.SIPONIMOD, Drug.OZANIMOD, Drug.PONESIMOD,
                              Drug.NATALIZUMAB})


def evaluate(ctx: Context) -> Iterator[Output]:
    yield from _washout(ctx)
    yield from _steroids(ctx)


# ---- R-D1 / R-D2 ----------------------------------------------------------------------------


def _name(med: MedicationUse) -> str:
    return med.drug.value.replace("-", " ")


_LAB_LABEL = {Analyte.LYMPHOCYTES: "lymphocytes", Analyte.CD4: "CD4",
              Analyte.TERIFLUNOMIDE: "teriflunomide"}
_LAB_DUE = {Analyte.LYMPHOCYTES: "cbc", Analyte.CD4: "cd4",
            Analyte.TERIFLUNOMIDE: "teriflunomide-level"}


def _washout(ctx: Context) -> Iterator[Output]:
    for med in washout_statements(ctx):
        if med.drug is Drug.OTHER_DMT:
            yield R_D1.gate(GateOutcome.HOLD, None,
                            f"washout not defined for DMT {med.code} (not in Table W): "
                            "prescriber to decide", [Evidence.of(med)])
            continue
        row = washout_row(med.drug)
        if row is None or not _has_conditions(row):
            continue  # interferon-β, glatiramer: no washout
        if med.last_dose is None:
            yield R_D1.gate(GateOutcome.BLOCK, None,
                            f"{_name(med)}: last dose not recorded (Table W needs it)",
                            [Evidence.of(med)])
            continue
        yield from _wait(ctx, med, row, med.last_dose)
        yield from _labs(ctx, med, row, med.last_dose)


def _has_conditions(row: WashoutRow) -> bool:
    return bool(row.wait_weeks or row.wait_months or row.lymphocytes_above is not None
                or row.cd4_above is not None or row.teriflunomide_below is not None)


def _wait(ctx: Context, med: MedicationUse, row: WashoutRow, last_dose: date) -> Iterator[Output]:
    until = washout_wait_until(med, row)
    if until is None or ctx.d1 >= until:
        return
    span = f"{row.wait_weeks} weeks" if row.wait_weeks else f"{row.wait_months} months"
    yield R_D1.gate(GateOutcome.BLOCK, until,
                    f"{_name(med)} last dose {last_dose.isoformat()}: wait {span} "
                    f"(Table W), not before {until.isoformat()}", [Evidence.of(med)])


def _labs(ctx: Context, med: MedicationUse, row: WashoutRow, last_dose: date) -> Iterator[Output]:
    wp = ctx.params.washout
    validity = wp.lab_validity_days.value
    window_start = add_days(ctx.d1_eff, -validity)
    not_yet_due = ctx.as_of < window_start
    for analyte, threshold in ((Analyte.LYMPHOCYTES, row.lymphocytes_above),
                               (Analyte.CD4, row.cd4_above)):
        if threshold is None:
            continue
        label = _LAB_LABEL[analyte]
        result = ctx.latest(analyte, after=last_dose, on_or_before=ctx.d1_eff, quantitative=True)
        if result is not None and result.date >= window_start:
            assert result.value is not None
            if result.value > threshold:
                continue
            yield R_D1.gate(GateOutcome.BLOCK, None,
                            f"{label} {result.value:g} {result.unit} on {result.date.isoformat()} "
                            f"(not > {threshold:g}) after {_name(med)}",
                            evidence([med, result]))
            continue
        # Missing or older than the validity window: due when the window opens.
        yield R_D1.due(_LAB_DUE[analyte], max(window_start, add_days(last_dose, 1)))
        if not_yet_due:
            continue
        yield R_D1.gate(GateOutcome.BLOCK, None,
                        f"no {label} count after the last {_name(med)} dose within {validity} "
                        f"days before D1 {ctx.d1_eff.isoformat()} (needs > {threshold:g})",
                        evidence([med, result]))
    if row.teriflunomide_below is not None:
        yield from _teriflunomide(ctx, med, row.teriflunomide_below, last_dose, not_yet_due)


def _teriflunomide(ctx: Context, med: MedicationUse, threshold: float, last_dose: date,
                   not_yet_due: bool) -> Iterator[Output]:
    """Level <0.02 mg/L at any date after the last dose; R-D2 (D9) may require a second level
    ≥14 days after an earlier one."""
    wp = ctx.params.washout
    levels = [r for r in ctx.results(Analyte.TERIFLUNOMIDE) if r.date > last_dose
              and r.value is not None]
    latest = levels[-1] if levels else None
    if latest is None:
        yield R_D1.due("teriflunomide-level",
                       add_days(last_dose, wp.teriflunomide_elimination_days.value))
        if not not_yet_due:
            yield R_D1.gate(GateOutcome.BLOCK, None,
                            f"no teriflunomide level after the last dose "
                            f"{last_dose.isoformat()} (needs < {threshold:g} mg/L after "
                            "accelerated elimination)", [Evidence.of(med)])
        return
    assert latest.value is not None
    if latest.value >= threshold:
        yield R_D1.gate(GateOutcome.BLOCK, None,
                        f"teriflunomide {latest.value:g} mg/L on {latest.date.isoformat()} "
                        f"(not < {threshold:g})", evidence([med, latest]))
        return
    if wp.teriflunomide_levels_required.value < 2:
        return
    gap = wp.teriflunomide_levels_min_gap_days.value
    earlier = _earlier_clear_level(levels[:-1], latest, threshold, gap)
    if earlier is not None:
        return
    yield R_D1.due("teriflunomide-level", add_days(latest.date, gap))
    if not not_yet_due:
        yield R_D1.gate(GateOutcome.BLOCK, None,
                        f"teriflunomide {latest.value:g} mg/L on {latest.date.isoformat()}: a "
                        f"second level < {threshold:g} mg/L ≥{gap} days apart is required (R-D2)",
                        evidence([med, latest]))


def _earlier_clear_level(levels: list[LabResult], latest: LabResult, threshold: float,
                         gap: int) -> LabResult | None:
    for r in reversed(levels):
        if r.value is not None and r.value < threshold and (latest.date - r.date).days >= gap:
            return r
    return None


# ---- R-D3 and the Table V2 live-vaccine start dates ------------------------------------------


@dataclass(frozen=True, slots=True)
class LiveConstraint:
    """When live vaccines may start (Table V2). ``not_before`` None with ``undated`` True: not
    yet known (still on the drug, or a washout lab not met)."""

    not_before: date | None
    undated: bool
    reason: str
    facts: tuple[MedicationUse | LabResult, ...] = ()


def _steroid_days(med: MedicationUse, as_of: date) -> int | None:
    """Days of treatment, start to last dose inclusive ✱ (to ``as_of`` while ongoing)."""
    if med.start is None:
        return None
    end = med.last_dose or as_of
    return (end - med.start).days + 1


def high_dose_steroids(ctx: Context) -> tuple[MedicationUse, ...]:
    """Prednisone-equivalent > 20 mg/day for > 15 days (S3 Table 2 ✔)."""
    wp = ctx.params.washout
    out = []
    for m in ctx.facts.medications:
        if m.drug not in _STEROIDS or m.daily_dose_mg is None:
            continue
        days = _steroid_days(m, ctx.as_of)
        if (m.daily_dose_mg > wp.steroid_daily_dose_mg.value and days is not None
                and days > wp.steroid_duration_days.value):
            out.append(m)
    return tuple(out)


def steroid_live_constraint(ctx: Context) -> LiveConstraint | None:
    """R-D3: live vaccines not before one month after the last high-dose steroid dose."""
    meds = high_dose_steroids(ctx)
    if not meds:
        return None
    months = ctx.params.washout.steroid_live_wait_months.value
    if any(m.last_dose is None for m in meds):
        return LiveConstraint(None, True, "high-dose corticosteroids still being taken", meds)
    last = max(m.last_dose for m in meds if m.last_dose is not None)
    return LiveConstraint(add_months(last, months), False,
                          f"not before {months} month(s) after high-dose corticosteroids "
                          f"(last dose {last.isoformat()})", meds)


def _recent_boluses(ctx: Context) -> tuple[MedicationUse, ...]:
    since = add_months(ctx.as_of, -ctx.params.washout.steroid_bolus_lookback_months.value)
    out = []
    for m in ctx.facts.medications:
        if m.drug not in _STEROIDS or not m.iv_bolus:
            continue
        when = m.last_dose or m.start
        if m.active or (when is not None and when >= since):
            out.append(m)
    return tuple(out)


def _steroids(ctx: Context) -> Iterator[Output]:
    wp = ctx.params.washout
    constraint = steroid_live_constraint(ctx)
    if constraint is not None and (constraint.undated or (
            constraint.not_before is not None and ctx.as_of < constraint.not_before)):
        worst = max(high_dose_steroids(ctx), key=lambda m: m.daily_dose_mg or 0.0)
        days = _steroid_days(worst, ctx.as_of)
        when = (f"not before {constraint.not_before.isoformat()}" if constraint.not_before
                else "not until 1 month after the last dose")
        yield R_D3.finding(
            Severity.INFO,
            f"Prednisone-equivalent {worst.daily_dose_mg:g} mg/day for {days} days "
            f"(> {wp.steroid_daily_dose_mg.value:g} mg/day for > "
            f"{wp.steroid_duration_days.value} days): live vaccines {when}",
            ["Do not start live vaccines before the date shown",
             "Inactivated vaccines are allowed; the response may be lower"],
            evidence(constraint.facts),
        )
    boluses = _recent_boluses(ctx)
    if boluses:
        yield R_D3.finding(
            Severity.INFO,
            f"Corticosteroid IV bolus in the last {wp.steroid_bolus_lookback_months.value} "
            "months: individual immune assessment before live vaccines",
            ["Assess immune status individually before any live vaccine"],
            evidence(boluses),
        )


def dmt_live_constraint(ctx: Context) -> LiveConstraint | None:
    """Table V2 (S3 Table 2 ✔): live vaccines ≥3 months after natalizumab/fingolimod (S1P
    modulators mapped ✱); after teriflunomide/DMF once the washout is complete; ✱ after other
    immunosuppressants (Table V2 silent) once their Table W wait and labs are met; interferon-β
    and glatiramer: no delay. A washout is complete from the date of the first result after
    the last dose that meets the row's threshold, if the latest one still does ✱."""
    dates: list[date] = []
    facts: list[MedicationUse | LabResult] = []
    for med in washout_statements(ctx):
        row = washout_row(med.drug)
        if med.drug is not Drug.OTHER_DMT and (row is None or not _has_conditions(row)):
            continue
        facts.append(med)
        if med.drug is Drug.OTHER_DMT or med.last_dose is None or row is None:
            return LiveConstraint(None, True, f"{_name(med)} washout not complete", tuple(facts))
        if med.drug in _S1P_NATALIZUMAB:
            dates.append(add_months(med.last_dose,
                                    ctx.params.washout.live_after_s1p_natalizumab_months.value))
            continue
        wait = washout_wait_until(med, row)
        if wait is not None:
            dates.append(wait)
        for analyte, limit, above in ((Analyte.LYMPHOCYTES, row.lymphocytes_above, True),
                                      (Analyte.CD4, row.cd4_above, True),
                                      (Analyte.TERIFLUNOMIDE, row.teriflunomide_below, False)):
            if limit is None:
                continue
            met = _met_since(ctx, analyte, limit, above, med.last_dose)
            if met is None:
                return LiveConstraint(None, True, f"{_name(med)} washout not complete",
                                      tuple(facts))
            dates.append(met.date)
            facts.append(met)
    if not dates:
        return None
    return LiveConstraint(max(dates), False, "after the prior DMT (Table V2)", tuple(facts))


def _met_since(ctx: Context, analyte: Analyte, limit: float, above: bool,
               last_dose: date) -> LabResult | None:
    results = [r for r in ctx.results(analyte) if r.date > last_dose and r.value is not None]
    if not results:
        return None

    def ok(r: LabResult) -> bool:
        assert r.value is not None
        return r.value > limit if above else r.value < limit

    if not ok(results[-1]):
        return None
    first = results[-1]
    for r in reversed(results):
        if not ok(r):
            break
        first = r
    return first
