"""Infections: R-I1 fever/infection, R-I2 suspected PML, R-I3 cervical HPV screening
(clinical-rules.md §7b Infections, §7c Fig 4 Infections group).

The Fig 4 rule itself lives in ``checklist``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..context import Context
from ..dates import add_days, add_months
from ..facts import (
    ChecklistGroup,
    ChecklistItem,
    ConditionKind,
    ProcedureKind,
    SymptomCode,
    VitalKind,
    VitalSign,
)
from ..results import Evidence, Output, Rule, Severity, evidence
from .checklist import latest_checklist_yes

R_I1 = Rule("R-I1", "Fever or infection: rule out opportunistic infection (Listeria 3 d-8 mo)",
            "urgent to warn", "S3 Rec 11 ✔; S3 Fig 4 ✔; US ✔ Listeria window; ✱ 38.0 °C ≤7 days")
R_I2 = Rule("R-I2", "Suspected PML: withhold alemtuzumab, MRI ± CSF JCV", "critical", "US ✔")
R_I3 = Rule("R-I3", "Women: annual cervical HPV screening", "due",
            "S3 Rec 22 ✔; US ✔; until monitoring_end (D15)")

RULES: tuple[Rule, ...] = (R_I1, R_I2, R_I3)


def fmt(value: float) -> str:
    """A number as clinicians write it: 38.5, 0.01, 500 (no trailing zeros)."""
    return f"{value:g}"


# ---- rules -----------------------------------------------------------------------------------


def evaluate(ctx: Context) -> Iterator[Output]:
    yield from _fever_or_infection(ctx)
    yield from _pml(ctx)
    yield from _hpv_screening(ctx)


def _recent_fevers(ctx: Context) -> tuple[VitalSign, ...]:
    """Temperatures ≥ infection_fever_celsius measured in [as_of - 7 d, as_of] ✱."""
    organ = ctx.params.organ
    since = add_days(ctx.as_of, -organ.infection_fever_days.value)
    return tuple(sorted(
        (v for v in ctx.facts.vitals
         if v.kind is VitalKind.TEMPERATURE and v.value >= organ.infection_fever_celsius.value
         and since <= v.date <= ctx.as_of),
        key=lambda v: (v.at, v.ref),
    ))


def _in_listeria_window(ctx: Context, on: date) -> bool:
    """US ✔: Listeria risk from 3 days to 8 months after any alemtuzumab infusion."""
    organ = ctx.params.organ
    return any(
        add_days(i.date, organ.listeria_from_days.value) <= on
        <= add_months(i.date, organ.listeria_until_months.value)
        for c in ctx.courses for i in c.infusions
    )


def _fever_or_infection(ctx: Context) -> Iterator[Output]:
    organ = ctx.params.organ
    fevers = _recent_fevers(ctx)
    since = add_days(ctx.as_of, -organ.infection_fever_days.value)
    # ✱ a coded fever symptom in the same 7 days counts like a measured one.
    fever_symptoms = tuple(s for s in ctx.facts.symptoms
                           if s.code is SymptomCode.FEVER and since <= s.date <= ctx.as_of)
    # The infection group orders no laboratory test the record can show (blood cultures,
    # opportunistic work-up), so it fires while the checklist is current ✱.
    answered = latest_checklist_yes(ctx, ChecklistGroup.INFECTION)
    checklist, items = answered if answered is not None else (None, ())
    fig4_fever = ChecklistItem.FEVER in items
    fig4_infection = ChecklistItem.INFECTIONS in items

    parts: list[str] = []
    event_dates: list[date] = []
    if fevers:
        top = max(fevers, key=lambda v: v.value)
        parts.append(f"temperature {fmt(top.value)} °C on {top.date.isoformat()} "
                     f"(≥ {fmt(organ.infection_fever_celsius.value)})")
        event_dates.extend(v.date for v in fevers)
    if fever_symptoms:
        dates = sorted({s.date.isoformat() for s in fever_symptoms})
        parts.append("fever recorded " + ", ".join(dates))
        event_dates.extend(s.date for s in fever_symptoms)
    if checklist is not None and fig4_fever:
        parts.append(f"fever reported on the Fig 4 checklist of {checklist.date.isoformat()}")
        event_dates.append(checklist.date)
    febrile = bool(parts)
    if checklist is not None and fig4_infection:
        parts.append(f"infection (herpes, cold, fungal…) reported on the Fig 4 checklist of "
                     f"{checklist.date.isoformat()}")
        event_dates.append(checklist.date)
    if not parts:
        return

    severity = Severity.URGENT if febrile else Severity.WARN
    summary = ("Fever" if febrile else "Infection") + " after alemtuzumab: " + "; ".join(parts)
    actions = ["Assess today: rule out severe and opportunistic infection (S3 Rec 11)"
               if febrile else "Assess for infection; rule out opportunistic infection (S3 Rec 11)"]
    if any(_in_listeria_window(ctx, d) for d in event_dates):
        summary += " — within 3 days to 8 months of an infusion: consider listeriosis"
        actions.append("Consider listeriosis (blood cultures)")
    yield R_I1.finding(severity, summary, actions,
                       evidence([*fevers, *fever_symptoms, checklist]))


def _pml(ctx: Context) -> Iterator[Output]:
    latest_mri = max(ctx.facts.mri, key=lambda m: (m.date, m.ref)) if ctx.facts.mri else None
    conditions = ctx.conditions(ConditionKind.PML)
    # ✱ coded PML signs stay suspect until a brain MRI dated on or after them shows no PML
    # signs (CSF JCV is advised on the finding but is not needed to clear it).
    symptoms = tuple(
        s for s in ctx.facts.symptoms
        if s.code is SymptomCode.PML_SIGNS
        and (latest_mri is None or latest_mri.date < s.date or latest_mri.pml_signs)
    )
    mri_suspect = latest_mri if latest_mri is not None and latest_mri.pml_signs else None
    if not (conditions or symptoms or mri_suspect):
        return
    reasons: list[str] = []
    if conditions:
        reasons.append("PML recorded as an active condition")
    if mri_suspect is not None:
        reasons.append(f"MRI of {mri_suspect.date.isoformat()} reports possible PML")
    if symptoms:
        reasons.append("new PML-suggestive signs recorded "
                       + ", ".join(sorted({s.date.isoformat() for s in symptoms})))
    ev: list[Evidence] = [*evidence(conditions)]
    if mri_suspect is not None:
        ev.append(Evidence.of(mri_suspect))
    ev.extend(evidence(symptoms))
    yield R_I2.finding(
        Severity.CRITICAL,
        "Suspected PML: " + "; ".join(reasons),
        ["Withhold alemtuzumab", "Urgent neurology review: brain MRI with gadolinium",
         "CSF JC virus DNA (PCR) if MRI is suggestive"],
        ev,
    )


def _hpv_screening(ctx: Context) -> Iterator[Output]:
    if not ctx.female:
        return
    screenings = [p for p in ctx.facts.procedures if p.kind is ProcedureKind.CERVICAL_SCREENING]
    if screenings:
        last = max(screenings, key=lambda p: (p.date, p.ref))
        due = add_months(last.date, ctx.params.organ.hpv_interval_months.value)
    else:
        due = ctx.course1_d1  # baseline screening by course 1 D1 (Table M)
    end = ctx.monitoring_end
    # D15: annual screening until monitoring_end; afterwards local routine screening (R-M2: no
    # automatic orders once monitoring is complete, so no overdue slot is carried over either).
    if end is not None and (due > end or ctx.as_of > end):
        return
    yield R_I3.due("hpv-screening", due)
