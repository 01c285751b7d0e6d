"""Liver / autoimmune hepatitis: R-L1..R-L3 (clinical-rules.md §7b Liver).

The latest ALT, the latest AST and the latest total bilirubin are read in every phase, each
against its ULN (lab range, else the §1 default). R-L3 > R-L2 > R-L1 (exclusive). For R-L3 the
bilirubin must be concurrent (§1, 7 days ✱) with the transaminase above 3×ULN.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..dates import add_days
from ..facts import Analyte, LabResult
from ..results import Output, Rule, Severity, evidence
from .infection import fmt

R_L1 = Rule("R-L1", "ALT or AST >ULN and ≤3×ULN: repeat in 2-4 weeks", "warn",
            "US ✔; ✱ repeat 2-4 weeks")
R_L2 = Rule("R-L2", "ALT/AST >3×ULN or bilirubin >2×ULN: hepatology, AIH work-up", "urgent",
            "US ✔; DILI ◐ thresholds")
R_L3 = Rule("R-L3", "ALT/AST >3×ULN and bilirubin >2×ULN (Hy's-law pattern)", "critical",
            "US ✔; DILI ◐ (Hy's law)")

RULES: tuple[Rule, ...] = (R_L1, R_L2, R_L3)

_NAMES = {Analyte.ALT: "ALT", Analyte.AST: "AST", Analyte.BILIRUBIN: "Bilirubin"}
_UNITS = {Analyte.ALT: "U/L", Analyte.AST: "U/L", Analyte.BILIRUBIN: "mg/dL"}


def _ratio(ctx: Context, lab: LabResult | None) -> float | None:
    """Value / ULN, or None when the value or the ULN is missing."""
    if lab is None or lab.value is None:
        return None
    uln = ctx.uln(lab)
    return lab.value / uln if uln else None


def _describe(ctx: Context, lab: LabResult, multiple: float | None = None) -> str:
    uln = ctx.uln(lab)
    assert lab.value is not None and uln is not None
    bound = f"> {fmt(multiple)}×ULN {fmt(multiple * uln)}" if multiple else f"> ULN {fmt(uln)}"
    return (f"{_NAMES[lab.analyte]} {fmt(lab.value)} {_UNITS[lab.analyte]} ({bound}; "
            f"{lab.value / uln:.1f}×ULN) on {lab.date.isoformat()}")


def evaluate(ctx: Context) -> Iterator[Output]:
    organ = ctx.params.organ
    t_mult = organ.transaminase_uln_multiple.value
    b_mult = organ.bilirubin_uln_multiple.value
    transaminases = [lab for lab in (ctx.latest(Analyte.ALT, quantitative=True),
                                     ctx.latest(Analyte.AST, quantitative=True))
                     if lab is not None]
    above = [lab for lab in transaminases if (_ratio(ctx, lab) or 0.0) > 1.0]
    severe = [lab for lab in above if (_ratio(ctx, lab) or 0.0) > t_mult]
    bili = ctx.latest(Analyte.BILIRUBIN, quantitative=True)
    bili_high = bili if (_ratio(ctx, bili) or 0.0) > b_mult else None

    if severe and bili_high is not None:
        days = ctx.params.core.concurrent_days.value
        hy = [lab for lab in severe if abs((lab.date - bili_high.date).days) <= days]
        if hy:
            yield R_L3.finding(
                Severity.CRITICAL,
                "Hy's-law pattern: " + ", ".join(_describe(ctx, lab, t_mult) for lab in hy)
                + " with " + _describe(ctx, bili_high, b_mult),
                ["Same-day hepatology assessment (possible autoimmune or drug-induced hepatitis)",
                 "INR, autoantibodies (ANA, ASMA, anti-LKM1), IgG, viral hepatitis incl. HBV "
                 "reactivation (HBsAg, HBV DNA)",
                 "Interrupt further alemtuzumab courses",
                 "Repeat ALT, AST and bilirubin within 72 h"],
                evidence([*hy, bili_high]),
            )
            yield R_L3.due("lft", add_days(max(lab.date for lab in [*hy, bili_high]),
                                           organ.lft_severe_repeat_days.value))
            return
    if severe or bili_high is not None:
        parts = [_describe(ctx, lab, t_mult) for lab in severe]
        if bili_high is not None:
            parts.append(_describe(ctx, bili_high, b_mult))
        triggers = [*severe, bili_high]
        yield R_L2.finding(
            Severity.URGENT,
            "Liver injury: " + "; ".join(parts),
            ["Repeat ALT, AST and bilirubin within 72 h", "Hepatology referral",
             "Autoimmune hepatitis work-up (ANA, ASMA, anti-LKM1, IgG)",
             "Viral hepatitis incl. HBV reactivation (HBsAg, HBV DNA)",
             "Hold further alemtuzumab courses"],
            evidence(triggers),
        )
        yield R_L2.due("lft", add_days(max(lab.date for lab in triggers if lab is not None),
                                       organ.lft_severe_repeat_days.value))
        return
    if above:
        yield R_L1.finding(
            Severity.WARN,
            "Transaminases raised: " + "; ".join(_describe(ctx, lab) for lab in above),
            ["Repeat ALT, AST and bilirubin in 2-4 weeks", "Ask about alcohol, new drugs, "
             "hepatic symptoms"],
            evidence(above),
        )
        yield R_L1.due("lft", add_days(max(lab.date for lab in above),
                                       organ.lft_mild_repeat_days.value))
