"""HLH and other alemtuzumab-associated autoimmunity: R-X1, R-X2 (clinical-rules.md §7b HLH).

R-X1: a fever (temperature ≥ hlh_fever_celsius, a Fig 4 fever answer or a coded fever, within
the last 31 days ✱) plus any two criteria whose latest result is concurrent with that fever
(§1, 7 days ✱) → critical. The HLH-2004 count of what is known is shown; do not wait for 5/8.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    Symptom,
    SymptomChecklist,
    SymptomCode,
    VitalKind,
    VitalSign,
)
from ..results import Output, Rule, Severity, evidence
from .checklist import latest_checklist_yes
from .infection import fmt

R_X1 = Rule("R-X1", "Fever plus two HLH criteria: possible HLH — evaluate immediately",
            "critical", "US ✔; HLH04 ◐; ✱ fever ≥38.0 °C configurable, Fig 4 fever")
R_X2 = Rule("R-X2", "AOSD, autoimmune encephalitis or immune colitis: evaluate", "urgent",
            "US ✔")

RULES: tuple[Rule, ...] = (R_X1, R_X2)

_MMOL_L = ("mmol/l",)

FeverFact = VitalSign | Symptom | SymptomChecklist


@dataclass(frozen=True, slots=True)
class _Criterion:
    name: str
    text: str
    labs: tuple[LabResult, ...]


def evaluate(ctx: Context) -> Iterator[Output]:
    yield from _hlh(ctx)
    yield from _other_autoimmunity(ctx)


# ---- R-X1 ----------------------------------------------------------------------------------


def _fevers(ctx: Context) -> list[tuple[date, FeverFact, str]]:
    """Fever events in the lookback, most recent first: (date, fact, text)."""
    organ = ctx.params.organ
    since = add_days(ctx.as_of, -organ.hlh_lookback_days.value)
    events: list[tuple[date, FeverFact, str]] = []
    for v in ctx.facts.vitals:
        if (v.kind is VitalKind.TEMPERATURE and v.value >= organ.hlh_fever_celsius.value
                and since <= v.date <= ctx.as_of):
            events.append((v.date, v, f"fever {fmt(v.value)} °C on {v.date.isoformat()}"))
    for s in ctx.facts.symptoms:
        if s.code is SymptomCode.FEVER and since <= s.date <= ctx.as_of:
            events.append((s.date, s, f"fever recorded on {s.date.isoformat()}"))
    answered = latest_checklist_yes(ctx, ChecklistGroup.INFECTION)
    if answered is not None and ChecklistItem.FEVER in answered[1]:
        checklist = answered[0]
        events.append((checklist.date, checklist,
                       f"fever on the Fig 4 checklist of {checklist.date.isoformat()}"))
    return sorted(events, key=lambda e: e[0], reverse=True)


def _near(ctx: Context, analyte: Analyte, on: date) -> LabResult | None:
    """The latest quantitative result of ``analyte``, when it is concurrent with ``on``."""
    lab = ctx.latest(analyte, quantitative=True)
    days = ctx.params.core.concurrent_days.value
    if lab is None or abs((lab.date - on).days) > days:
        return None
    return lab


def _triglycerides_high(ctx: Context, lab: LabResult) -> tuple[bool, str]:
    """§1 Units: TG compared in the result's unit when reported in mmol/L (3.0), else 265 mg/dL."""
    organ = ctx.params.organ
    unit = (lab.reported_unit or "").strip().lower()
    if unit in _MMOL_L and lab.reported_value is not None:
        threshold = organ.hlh_triglycerides_mmol_l.value
        return (lab.reported_value >= threshold,
                f"triglycerides {fmt(lab.reported_value)} mmol/L (≥ {fmt(threshold)})")
    assert lab.value is not None
    threshold = organ.hlh_triglycerides_mg_dl.value
    return lab.value >= threshold, f"triglycerides {fmt(lab.value)} mg/dL (≥ {fmt(threshold)})"


def _criteria(ctx: Context, on: date) -> tuple[list[_Criterion], list[_Criterion]]:
    """(R-X1 criteria met, extra HLH-2004 criteria met) with the latest results near ``on``."""
    organ = ctx.params.organ
    met: list[_Criterion] = []

    ferritin = _near(ctx, Analyte.FERRITIN, on)
    if (ferritin is not None and ferritin.value is not None
            and ferritin.value >= organ.hlh_ferritin.value):
        met.append(_Criterion("ferritin", f"ferritin {fmt(ferritin.value)} µg/L "
                                          f"(≥ {fmt(organ.hlh_ferritin.value)})", (ferritin,)))

    lineages: list[tuple[LabResult, str]] = []
    for analyte, limit, label, unit in (
        (Analyte.HAEMOGLOBIN, organ.hlh_haemoglobin_below.value, "Hb", "g/dL"),
        (Analyte.PLATELETS, organ.hlh_platelets_below.value, "PLT", "x10^9/L"),
        (Analyte.NEUTROPHILS, organ.hlh_neutrophils_below.value, "ANC", "x10^9/L"),
    ):
        lab = _near(ctx, analyte, on)
        if lab is not None and lab.value is not None and lab.value < limit:
            lineages.append((lab, f"{label} {fmt(lab.value)} {unit} (< {fmt(limit)})"))
    if len(lineages) >= 2:
        met.append(_Criterion("cytopenias", "cytopenias: " + ", ".join(t for _, t in lineages),
                              tuple(lab for lab, _ in lineages)))

    # Transaminases count for R-X1 (US ✔ transaminitis) but are not an HLH-2004 criterion.
    liver = []
    for analyte, label in ((Analyte.ALT, "ALT"), (Analyte.AST, "AST")):
        lab = _near(ctx, analyte, on)
        uln = ctx.uln(lab) if lab is not None else None
        if lab is not None and lab.value is not None and uln is not None and lab.value > uln:
            liver.append((lab, f"{label} {fmt(lab.value)} U/L (> {fmt(uln)})"))
    if liver:
        met.append(_Criterion("transaminases", ", ".join(t for _, t in liver),
                              tuple(lab for lab, _ in liver)))

    tg = _near(ctx, Analyte.TRIGLYCERIDES, on)
    if tg is not None:
        high, text = _triglycerides_high(ctx, tg)
        if high:
            met.append(_Criterion("triglycerides", text, (tg,)))
    fib = _near(ctx, Analyte.FIBRINOGEN, on)
    if fib is not None and fib.value is not None and fib.value <= organ.hlh_fibrinogen.value:
        met.append(_Criterion("fibrinogen", f"fibrinogen {fmt(fib.value)} mg/dL "
                                            f"(≤ {fmt(organ.hlh_fibrinogen.value)})", (fib,)))

    extra: list[_Criterion] = []
    scd25 = _near(ctx, Analyte.SCD25, on)
    if scd25 is not None and scd25.value is not None and scd25.value >= organ.hlh_scd25.value:
        extra.append(_Criterion("sCD25", f"sCD25 {fmt(scd25.value)} U/mL "
                                         f"(≥ {fmt(organ.hlh_scd25.value)})", (scd25,)))
    return met, extra


def _hlh2004_count(ctx: Context, fever: FeverFact, met: list[_Criterion],
                   extra: list[_Criterion], splenomegaly: bool) -> str:
    """HLH-2004 (HLH04 ◐): k/8 met of what is known; NK activity and haemophagocytosis are not
    recorded facts, so they are always listed as not assessed."""
    names = {c.name for c in met}
    known: list[str] = []
    # The HLH-2004 fever criterion is a measured ≥38.5 °C, whatever the R-X1 trigger ✱.
    if isinstance(fever, VitalSign) and fever.value >= ctx.params.organ.hlh2004_fever_celsius.value:
        known.append("fever")
    if splenomegaly:
        known.append("splenomegaly")
    if "cytopenias" in names:
        known.append("cytopenias")
    if names & {"triglycerides", "fibrinogen"}:
        known.append("TG/fibrinogen")
    if "ferritin" in names:
        known.append("ferritin")
    if extra:
        known.append("sCD25")
    text = f"HLH-2004 criteria met {len(known)}/8 ({', '.join(known) or 'none'})"
    return text + "; not assessed: NK-cell activity, haemophagocytosis (≥5/8 diagnostic)"


def _hlh(ctx: Context) -> Iterator[Output]:
    organ = ctx.params.organ
    best: tuple[FeverFact, str, list[_Criterion], list[_Criterion]] | None = None
    for on, fact, text in _fevers(ctx):
        met, extra = _criteria(ctx, on)
        if len(met) >= organ.hlh_min_criteria.value and (best is None or len(met) > len(best[2])):
            best = (fact, text, met, extra)
    if best is None:
        return
    fever, fever_text, met, extra = best
    since = add_days(ctx.as_of, -organ.hlh_lookback_days.value)
    spleen = tuple(s for s in ctx.facts.symptoms
                   if s.code is SymptomCode.SPLENOMEGALY and since <= s.date <= ctx.as_of)
    count = _hlh2004_count(ctx, fever, met, extra, bool(spleen))
    summary = (f"Possible HLH — evaluate immediately: {fever_text} with "
               + "; ".join(c.text for c in met) + f". {count}")
    labs = [lab for c in (*met, *extra) for lab in c.labs]
    yield R_X1.finding(
        Severity.CRITICAL,
        summary,
        ["Evaluate immediately for HLH (haematology, admission)",
         "Ferritin, triglycerides, fibrinogen, CBC, LFT, sCD25; abdominal ultrasound for "
         "splenomegaly",
         "Discontinue alemtuzumab if no alternative cause (US)"],
        evidence([fever, *labs, *spleen]),
    )


# ---- R-X2 ----------------------------------------------------------------------------------

_X2_CONDITIONS = {
    ConditionKind.AOSD: "adult-onset Still's disease",
    ConditionKind.AUTOIMMUNE_ENCEPHALITIS: "autoimmune encephalitis",
    ConditionKind.IMMUNE_COLITIS: "immune-mediated colitis",
}
_X2_SYMPTOMS = {
    SymptomCode.AOSD: "AOSD features (fever, arthritis, rash, leukocytosis)",
    SymptomCode.ENCEPHALITIS: "encephalitis symptoms",
    SymptomCode.COLITIS: "colitis symptoms",
}


def _other_autoimmunity(ctx: Context) -> Iterator[Output]:
    conditions = ctx.conditions(*_X2_CONDITIONS)
    since = add_days(ctx.as_of, -ctx.params.organ.coded_symptom_days.value)
    symptoms = tuple(sorted((s for s in ctx.facts.symptoms
                             if s.code in _X2_SYMPTOMS and since <= s.date <= ctx.as_of),
                            key=lambda s: (s.date, s.ref)))
    if not conditions and not symptoms:
        return
    parts = list(dict.fromkeys([*(_X2_CONDITIONS[c.kind] for c in conditions),
                                *(f"{_X2_SYMPTOMS[s.code]} on {s.date.isoformat()}"
                                  for s in symptoms)]))
    yield R_X2.finding(
        Severity.URGENT,
        "Alemtuzumab-associated autoimmunity: " + "; ".join(parts),
        ["Urgent specialist evaluation (rheumatology / neurology / gastroenterology)",
         "Hold further alemtuzumab courses until evaluated"],
        evidence([*conditions, *symptoms]),
    )
