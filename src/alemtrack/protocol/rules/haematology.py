"""ITP and cytopenias (clinical-rules.md §7b R-H1..R-H11) and the Fig 4 haematology group (§7c).

These rules read the latest results in every phase (candidate included). Platelets: R-H3/H4/H5
are exclusive (most severe wins); R-H2 (a fall of ≥50 %) is checked on its own whenever
p ≥100. R-H6 only annotates R-H2-H5 findings during the expected post-infusion dip.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from ..context import Context
from ..dates import add_days, add_months
from ..facts import (
    Analyte,
    ChecklistGroup,
    ChecklistItem,
    LabResult,
    Symptom,
    SymptomChecklist,
    SymptomCode,
)
from ..results import Output, Rule, Severity, evidence
from .checklist import pending_answer

R_H1 = Rule("R-H1", "Platelets ≥150: normal (closes R-H3-H5 alerts)", "no output", "BE-ITP ◐")
R_H2 = Rule("R-H2", "Platelet fall ≥50 % with p ≥100: recheck for pseudothrombocytopenia",
            "urgent", "BE-ITP Fig 3 ✔")
R_H3 = Rule("R-H3", "Platelets 100-149: mild thrombocytopenia", "warn", "BE-ITP ◐; ✱ 7-day repeat")
R_H4 = Rule("R-H4", "Platelets 30-99 without bleeding: suspected ITP", "urgent",
            "EU ◐; BE-ITP ◐; DEV ◐")
R_H5 = Rule("R-H5", "Platelets <30, or <100 with mucocutaneous bleeding: emergency", "critical",
            "EU ◐; US ✔; ASH ◐")
R_H6 = Rule("R-H6", "Expected transient platelet fall from D1 to 2 months after the course",
            "annotation of R-H2-H5 (no finding)", "RAN ✔; EU (Polish copy) ✔ ITP 14-36 months")
R_H7 = Rule("R-H7", "Neutropenia (ANC <1.0)", "critical to urgent", "CTCAE ◐; US ✔")
R_H8 = Rule("R-H8", "Anaemia (Hb <10 g/dL or fall ≥2 g/dL vs baseline)", "urgent to warn",
            "US ✔ autoimmune haemolytic anaemia; ✱ thresholds")
R_H9 = Rule("R-H9", "aPTT > ULN: suspected acquired haemophilia A", "urgent", "EU ◐; US ✔")
R_H10 = Rule("R-H10", "Thrombocytopenia with haemolysis: suspected TTP", "critical",
             "US ✔; ✱ p <150")
R_H11 = Rule("R-H11", "Fig 4 haematology 'yes': same-day CBC, smear and coagulation", "urgent",
             "EU ◐; US ✔; S3 Fig 4 ✔")

RULES: tuple[Rule, ...] = (R_H1, R_H2, R_H3, R_H4, R_H5, R_H6, R_H7, R_H8, R_H9, R_H10, R_H11)

_TRANSIENT_NOTE = ("R-H6: within 2 months of an alemtuzumab course a transient platelet fall is "
                   "expected (possible transient infusion thrombocytopenia); ITP usually appears "
                   "14-36 months after first exposure")


def n(value: float | None) -> str:
    """A number as a clinician writes it: 95, 0.8, 1.25."""
    return "?" if value is None else f"{value:g}"


# ---- Figure 4 checklist (§7c) ---------------------------------------------------------------


_HAEM_ITEMS = tuple(i for i in ChecklistItem if i.group is ChecklistGroup.HAEMATOLOGY)


# ---- platelets: R-H1..R-H6 -------------------------------------------------------------------


@dataclass
class _PlateletResult:
    outputs: list[Output] = field(default_factory=list)
    h5_checklists: set[str] = field(default_factory=set)


def _within(d: date, on: date, days: int) -> bool:
    return add_days(on, -days) <= d <= add_days(on, days)


def _bleeding(ctx: Context, on: date) -> tuple[list[SymptomChecklist], list[Symptom]]:
    """Mucocutaneous bleeding concurrent with ``on``: a Fig 4 haematology "yes" or a coded
    bleeding symptom within the concurrent window (§1 ✱ 7 days)."""
    days = ctx.params.core.concurrent_days.value
    lists = [c for c in sorted(ctx.facts.checklists, key=lambda c: (c.date, c.ref))
             if _within(c.date, on, days) and c.yes(ChecklistGroup.HAEMATOLOGY)]
    symptoms = [s for s in sorted(ctx.facts.symptoms, key=lambda s: (s.date, s.ref))
                if s.code is SymptomCode.MUCOCUTANEOUS_BLEEDING and _within(s.date, on, days)]
    return lists, symptoms


def _transient_notes(ctx: Context, on: date) -> tuple[str, ...]:
    """R-H6: the result lies between D1 of a course and 2 months after its last infusion."""
    months = ctx.params.haem_renal.infusion_fall_months.value
    for c in ctx.courses:
        if c.first_day <= on <= add_months(c.last_day, months):
            return (_TRANSIENT_NOTE,)
    return ()


def _platelets(ctx: Context) -> _PlateletResult:
    out = _PlateletResult()
    hp = ctx.params.haem_renal
    plt = ctx.latest(Analyte.PLATELETS, quantitative=True)
    if plt is None or plt.value is None:
        return out
    p = plt.value
    prev = ctx.previous(plt)
    p_prev = prev.value if prev is not None else None
    notes = _transient_notes(ctx, plt.date)
    normal = hp.platelets_normal.value

    h2 = (
        p >= hp.platelets_fall_check_from.value
        and p_prev is not None
        and p <= hp.platelets_fall_fraction.value * p_prev
    )
    if h2:
        assert prev is not None and p_prev is not None
        pct = round(100 * (1 - p / p_prev))
        out.outputs.append(R_H2.finding(
            Severity.URGENT,
            f"Platelets {n(p)} x10^9/L fell {pct} % from {n(p_prev)} "
            f"(≤ {n(hp.platelets_fall_fraction.value * p_prev)}, a fall ≥50 %): "
            "recheck to exclude pseudothrombocytopenia",
            ("Repeat CBC today with a citrate tube and a blood smear (platelet clumps)",
             "Ask about bleeding symptoms"),
            evidence([plt, prev]),
            notes,
        ))
        # R-H2 "immediate recheck" replaces R-H3's 7-day repeat.
        out.outputs.append(R_H2.due("cbc", plt.date))

    if p >= normal:
        return out  # R-H1: normal, no finding

    lists, symptoms = _bleeding(ctx, plt.date)
    bleeding = bool(lists or symptoms)
    critical = hp.platelets_critical.value
    itp = hp.platelets_itp.value
    if p < critical or (p < itp and bleeding):
        if p < critical:
            summary = f"Platelets {n(p)} x10^9/L (< {n(critical)}): ITP emergency"
            if bleeding:
                summary += " with mucocutaneous bleeding"
        else:
            summary = (f"Platelets {n(p)} x10^9/L (< {n(itp)}) with mucocutaneous bleeding: "
                       "ITP emergency")
        out.outputs.append(R_H5.finding(
            Severity.CRITICAL,
            summary,
            ("Emergency assessment today (CBC with smear, bleeding examination)",
             "Immediate haematology referral",
             "Corticosteroids suggested for newly diagnosed adult ITP with PLT <30 (ASH)"),
            evidence([plt, *lists, *symptoms]),
            notes,
        ))
        out.h5_checklists = {c.ref for c in lists}
    elif p < itp:
        out.outputs.append(R_H4.finding(
            Severity.URGENT,
            f"Platelets {n(p)} x10^9/L (< {n(itp)}): suspected ITP",
            ("Repeat CBC with smear today",
             "If confirmed, same-day haematology referral (ITP suspected)",
             "Ask about bleeding symptoms"),
            evidence([plt]),
            notes,
        ))
        out.outputs.append(R_H4.due("cbc", plt.date))
    else:
        new = p_prev is None or p_prev >= normal
        if new and not h2:
            actions: tuple[str, ...] = (
                f"Repeat CBC within {hp.mild_repeat_days.value} days",
                "Ask about bleeding symptoms (Fig 4)")
            out.outputs.append(R_H3.due("cbc", add_days(plt.date, hp.mild_repeat_days.value)))
        elif new:
            actions = ("Immediate CBC recheck (R-H2)", "Ask about bleeding symptoms (Fig 4)")
        else:
            actions = ("Recheck at the next monthly CBC", "Ask about bleeding symptoms (Fig 4)")
        out.outputs.append(R_H3.finding(
            Severity.WARN,
            f"Platelets {n(p)} x10^9/L (< {n(normal)}): mild thrombocytopenia",
            actions,
            evidence([plt]),
            notes,
        ))
    return out


# ---- other cytopenias and coagulation: R-H7..R-H10 --------------------------------------------


def _neutrophils(ctx: Context) -> Iterator[Output]:
    hp = ctx.params.haem_renal
    anc = ctx.latest(Analyte.NEUTROPHILS, quantitative=True)
    if anc is None or anc.value is None:
        return
    actions = ("Repeat CBC with differential; check for fever or infection",
               "Haematology referral: autoimmune neutropenia possible after alemtuzumab")
    if anc.value < hp.anc_critical.value:
        yield R_H7.finding(
            Severity.CRITICAL,
            f"ANC {n(anc.value)} x10^9/L (< {n(hp.anc_critical.value)}): severe neutropenia",
            ("Assess today: febrile neutropenia needs emergency care", *actions),
            evidence([anc]),
        )
    elif anc.value < hp.anc_urgent.value:
        yield R_H7.finding(
            Severity.URGENT,
            f"ANC {n(anc.value)} x10^9/L (< {n(hp.anc_urgent.value)}): neutropenia",
            actions,
            evidence([anc]),
        )


def _haemoglobin(ctx: Context) -> Iterator[Output]:
    hp = ctx.params.haem_renal
    hb = ctx.latest(Analyte.HAEMOGLOBIN, quantitative=True)
    if hb is None or hb.value is None:
        return
    base = ctx.baseline(Analyte.HAEMOGLOBIN)
    fall = None
    if base is not None and base is not hb and base.value is not None:
        fall = round(base.value - hb.value, 9)  # 13.1 - 11.1 is a fall of exactly 2
    fell = fall is not None and fall >= hp.hb_fall.value
    screen = ("Haemolysis screen: reticulocytes, LDH, haptoglobin, bilirubin, direct "
              "antiglobulin test",)
    if hb.value < hp.hb_urgent.value:
        yield R_H8.finding(
            Severity.URGENT,
            f"Hb {n(hb.value)} g/dL (< {n(hp.hb_urgent.value)}): severe anaemia",
            ("Assess today; haematology referral", *screen),
            evidence([hb, base if fell else None]),
        )
        return
    reasons = []
    if hb.value < hp.hb_warn.value:
        reasons.append(f"< {n(hp.hb_warn.value)}")
    if fell:
        assert base is not None and fall is not None
        reasons.append(f"fell {n(round(fall, 2))} g/dL from baseline {n(base.value)}, "
                       f"≥ {n(hp.hb_fall.value)}")
    if reasons:
        yield R_H8.finding(
            Severity.WARN,
            f"Hb {n(hb.value)} g/dL ({'; '.join(reasons)}): anaemia",
            screen,
            evidence([hb, base if fell else None]),
        )


def _aptt(ctx: Context) -> Iterator[Output]:
    aptt = ctx.latest(Analyte.APTT, quantitative=True)
    if aptt is None or aptt.value is None:
        return
    uln = ctx.uln(aptt)
    if uln is not None and aptt.value > uln:
        yield R_H9.finding(
            Severity.URGENT,
            f"aPTT {n(aptt.value)} s (> ULN {n(uln)}): suspected acquired haemophilia A",
            ("Urgent haematology referral",
             "Factor VIII activity and inhibitor (mixing study)",
             "Avoid intramuscular injections and invasive procedures until assessed"),
            evidence([aptt]),
        )


def _ttp(ctx: Context) -> Iterator[Output]:
    hp = ctx.params.haem_renal
    plt = ctx.latest(Analyte.PLATELETS, quantitative=True)
    if plt is None or plt.value is None or plt.value >= hp.ttp_platelets.value:
        return
    ldh = ctx.concurrent(Analyte.LDH, plt.date, quantitative=True)
    hapto = ctx.concurrent(Analyte.HAPTOGLOBIN, plt.date, quantitative=True)
    schisto = ctx.concurrent(Analyte.SCHISTOCYTES, plt.date)
    ldh_uln = ctx.uln(ldh) if ldh is not None else None
    hapto_lln = ctx.lln(hapto) if hapto is not None else None
    high_ldh = ldh is not None and ldh.value is not None and ldh_uln is not None \
        and ldh.value > ldh_uln
    low_hapto = hapto is not None and hapto.value is not None and hapto_lln is not None \
        and hapto.value < hapto_lln
    schistocytes = schisto is not None and (
        (schisto.qual is not None and schisto.qual.is_positive)
        or (schisto.qual is None and schisto.value is not None and schisto.value > 0))
    # ✱ haemolysis = (LDH > ULN and haptoglobin < LLN) or schistocytes: schistocytes with
    # thrombocytopenia are a thrombotic microangiopathy until proven otherwise.
    signs = []
    facts: list[LabResult | None] = [plt]
    if high_ldh and low_hapto:
        assert ldh is not None and hapto is not None
        signs.append(f"LDH {n(ldh.value)} U/L (> ULN {n(ldh_uln)}) and haptoglobin "
                     f"{n(hapto.value)} mg/dL (< LLN {n(hapto_lln)})")
        facts += [ldh, hapto]
    if schistocytes:
        signs.append("schistocytes on smear")
        facts.append(schisto)
    if not signs:
        return
    yield R_H10.finding(
        Severity.CRITICAL,
        f"Platelets {n(plt.value)} x10^9/L (< {n(hp.ttp_platelets.value)}) with haemolysis "
        f"({'; '.join(signs)}): suspected TTP",
        ("Emergency haematology assessment today (ADAMTS13, smear)",
         "Check neurological and renal signs",
         "Discontinue alemtuzumab if TTP is confirmed"),
        evidence(facts),
    )


# ---- Fig 4 haematology: R-H11 -------------------------------------------------------------------


def _checklist(ctx: Context, h5_checklists: set[str]) -> Iterator[Output]:
    pending = pending_answer(ctx, _HAEM_ITEMS, (Analyte.PLATELETS, Analyte.APTT))
    if pending is None:
        return
    answer, yes = pending
    if answer.ref in h5_checklists:
        return  # R-H5 already fired on this answer
    yield R_H11.finding(
        Severity.URGENT,
        f"Fig 4 haematology 'yes' on {answer.date.isoformat()} "
        f"({', '.join(i.value for i in yes)}): no CBC or aPTT since",
        ("Same-day CBC with smear", "Coagulation tests including aPTT"),
        evidence([answer]),
    )
    yield R_H11.due("cbc", answer.date)
    yield R_H11.due("aptt", answer.date)


def evaluate(ctx: Context) -> Iterator[Output]:
    platelets = _platelets(ctx)
    yield from platelets.outputs
    yield from _neutrophils(ctx)
    yield from _haemoglobin(ctx)
    yield from _aptt(ctx)
    yield from _ttp(ctx)
    yield from _checklist(ctx, platelets.h5_checklists)
