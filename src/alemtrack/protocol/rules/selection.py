"""Patient selection and contraindications: R-A1..R-A7 (clinical-rules.md §2).

Every rule here is a gate on the course under assessment (``ctx.next_course_number``, day 1
``ctx.d1``). The engine drops the gates when no further course is considered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from ..context import Context
from ..dates import add_months
from ..facts import Analyte as A
from ..facts import (
    Condition,
    ConditionKind,
    Drug,
    MedicationUse,
    MriScan,
    Relapse,
    Statement,
    StatementCode,
    VitalKind,
    VitalSign,
)
from ..parameters import WASHOUT_DRUGS
from ..results import GateOutcome, Output, Rule, evidence

R_A1 = Rule("R-A1", "Indication (profile-dependent); activity before courses 3-4",
            "gate: block/hold/warn",
            "EU ✔; US ✔; S3 Rec 1 ✔; BER ✔; ✱ operational criteria and age <18 block")
R_A2 = Rule("R-A2", "Absolute contraindications: hypersensitivity, HIV", "gate: block",
            "EU ◐; US ✔; S3 implicitly via screening")
R_A3 = Rule("R-A3", "2020 EU contraindications; active infection", "gate: block/hold/warn",
            "EMA ✔; Swissmedic DHPC ✔; EU 4.3 ◐; US ✔ active infection; S3 ✔ infection")
R_A4 = Rule("R-A4", "Alemtuzumab-associated autoimmunity before a further course",
            "gate: hold", "EU ◐; S3 Rec 23 ✔; US ✔")
R_A5 = Rule("R-A5", "Prior Campath or other immunosuppressants", "gate: warn",
            "S3 Rec 2 ✔; US ✔")
R_A6 = Rule("R-A6", "REMS enrolment and site certification (US)", "gate: block", "US ✔")
R_A7 = Rule("R-A7", "Consent, Patient Alert Card and Patient Guide", "gate: hold",
            "S3 Rec 12 ✔; ✱ one consent per course (Rec 24); EU ◐ alert card (§12 N3)")

RULES: tuple[Rule, ...] = (R_A1, R_A2, R_A3, R_A4, R_A5, R_A6, R_A7)

# Prior DMTs counted by R-A1: Table W drugs plus any other DMT (not steroids, antithrombotics,
# Campath).
DMT_DRUGS: frozenset[Drug] = WASHOUT_DRUGS | {Drug.OTHER_DMT}

# R-A5 value set (S3 Rec 2 "other immunosuppressants"; ✱ = Table W's immunosuppressant rows).
IMMUNOSUPPRESSANTS: frozenset[Drug] = frozenset({
    Drug.CAMPATH, Drug.AZATHIOPRINE, Drug.CYCLOPHOSPHAMIDE, Drug.RITUXIMAB, Drug.OCRELIZUMAB,
    Drug.OFATUMUMAB, Drug.CLADRIBINE, Drug.MITOXANTRONE, Drug.METHOTREXATE, Drug.MYCOPHENOLATE,
})

# MS phenotypes, in order of progression (tie-break when two are equally dated).
PHENOTYPES: tuple[ConditionKind, ...] = (
    ConditionKind.CIS, ConditionKind.RRMS, ConditionKind.SPMS_ACTIVE,
    ConditionKind.SPMS_NON_ACTIVE, ConditionKind.PPMS,
)
_US_RELAPSING = frozenset({ConditionKind.RRMS, ConditionKind.SPMS_ACTIVE})

# Secondary (alemtuzumab-associated) autoimmunity, thyroid excluded (R-T6). ✱ HLH included:
# an active HLH must stop further courses as much as any autoimmune complication.
SECONDARY_AUTOIMMUNITY: frozenset[ConditionKind] = frozenset({
    ConditionKind.AUTOIMMUNE_OTHER, ConditionKind.ITP, ConditionKind.AUTOIMMUNE_CYTOPENIA,
    ConditionKind.ANTI_GBM, ConditionKind.MEMBRANOUS_NEPHROPATHY,
    ConditionKind.AUTOIMMUNE_HEPATITIS, ConditionKind.ACQUIRED_HAEMOPHILIA, ConditionKind.TTP,
    ConditionKind.AOSD, ConditionKind.AUTOIMMUNE_ENCEPHALITIS, ConditionKind.IMMUNE_COLITIS,
    ConditionKind.HLH,
})
# Thyroid disease that is autoimmune by definition (counts as R-A3 before the first infusion).
_AUTOIMMUNE_THYROID = frozenset({ConditionKind.GRAVES})
# ✱ Unspecified thyroid disease / hypothyroidism may or may not be autoimmune: before the first
# infusion it only warns ("confirm it is not autoimmune").
_UNSPECIFIED_THYROID = frozenset({ConditionKind.THYROID_DISEASE, ConditionKind.HYPOTHYROIDISM})

# R-A3 "history of" items count whatever the clinical status.
_HISTORY_CONTRAINDICATIONS: dict[ConditionKind, str] = {
    ConditionKind.ARTERIAL_DISSECTION: "history of cervicocephalic arterial dissection",
    ConditionKind.STROKE: "history of stroke",
    ConditionKind.ANGINA_MI: "history of angina pectoris or myocardial infarction",
}
# ✱ UTI counts as an active infection (treat and postpone); TB and viral hepatitis are R-B3.
_INFECTIONS = (ConditionKind.ACTIVE_INFECTION, ConditionKind.SEVERE_INFECTION, ConditionKind.UTI)


def evaluate(ctx: Context) -> Iterator[Output]:
    yield from _indication(ctx)
    yield from _absolute(ctx)
    yield from _eu_contraindications(ctx)
    yield from _active_infection(ctx)
    yield from _autoimmunity(ctx)
    yield from _immunosuppressants(ctx)
    yield from _rems(ctx)
    yield from _consent_and_education(ctx)


# ---- R-A1 indication ------------------------------------------------------------------------


def _indication(ctx: Context) -> Iterator[Output]:
    sel = ctx.params.selection
    n = ctx.next_course_number
    # ✱ Age applies to every course (paediatric use is never labelled), not only course 1.
    age = ctx.age_on(ctx.d1)
    if age is not None and age < sel.min_age_years.value:
        yield R_A1.gate(GateOutcome.BLOCK, None,
                        f"age {age} y at D1 {ctx.d1} (< {sel.min_age_years.value}): "
                        "not indicated in children and adolescents")
    if n == 1:
        if age is None:
            # Missing data is never normal: adulthood cannot be confirmed.
            yield R_A1.gate(GateOutcome.HOLD, None, "birth date not recorded: age at D1 unknown")
        yield from _course1_indication(ctx)
    elif n >= 3:  # ✱ also beyond course 4 where no maximum applies (US)
        yield from _retreatment_activity(ctx)


def phenotype(ctx: Context) -> Condition | None:
    """The current MS phenotype: the most recently dated active phenotype Condition."""
    found = ctx.conditions(*PHENOTYPES)
    if not found:
        return None
    return max(found, key=lambda c: (c.onset or c.recorded or date.min, PHENOTYPES.index(c.kind)))


def prior_dmts(ctx: Context) -> tuple[MedicationUse, ...]:
    """DMT statements started on/before D1, one per distinct drug (earliest statement kept)."""
    by_drug: dict[Drug, MedicationUse] = {}
    for m in sorted(ctx.facts.medications, key=lambda m: (m.start or date.min, m.ref)):
        if m.drug in DMT_DRUGS and (m.start is None or m.start <= ctx.d1):
            by_drug.setdefault(m.drug, m)
    return tuple(by_drug.values())


def _true_statement(ctx: Context, code: StatementCode, on_or_before: date) -> Statement | None:
    """The latest statement of ``code`` dated on/before the date, if it says yes."""
    found = [s for s in ctx.statements(code) if s.date <= on_or_before]
    return found[-1] if found and found[-1].value else None


def _gd_at_least(scan: MriScan, n: int) -> bool:
    return scan.gd_lesions is not None and scan.gd_lesions >= n


def _t2_at_least(scan: MriScan, n: int) -> bool:
    return scan.new_t2_lesions is not None and scan.new_t2_lesions >= n


def _course1_indication(ctx: Context) -> Iterator[Output]:
    sel = ctx.params.selection
    pheno = phenotype(ctx)
    label = sel.indication.value
    if pheno is None:
        yield R_A1.gate(GateOutcome.HOLD, None,
                        "MS phenotype (RRMS, SPMS, PPMS, CIS) not recorded: "
                        "indication unverifiable")
        return
    phen = pheno.kind.value.upper()
    if label == "us":
        if pheno.kind not in _US_RELAPSING:
            # ✔ CIS not recommended; ✱ PPMS and non-active SPMS are outside "relapsing forms".
            yield R_A1.gate(GateOutcome.HOLD, None,
                            f"outside US label: {phen} is not a relapsing form of MS",
                            evidence([pheno]))
            return
        dmts = prior_dmts(ctx)
        if len(dmts) < sel.us_min_prior_dmts.value:
            yield R_A1.gate(GateOutcome.WARN, None,
                            f"{len(dmts)} prior DMT(s) (< {sel.us_min_prior_dmts.value}): US label "
                            "generally reserves alemtuzumab for inadequate response to ≥2 MS drugs",
                            evidence([pheno, *dmts]))
        return
    if pheno.kind is not ConditionKind.RRMS:
        # EU ✔ RRMS only; es2019: BER ✔ not for progressive MS, S3 Rec 1 speaks of RRMS.
        yield R_A1.gate(GateOutcome.HOLD, None,
                        f"outside {'EU label' if label == 'eu' else 'S3 Rec 1'}: {phen}, not RRMS",
                        evidence([pheno]))
        return
    if label == "eu":
        yield from _eu_indication(ctx, pheno)
    else:
        yield from _es2019_indication(ctx, pheno)


def _eu_indication(ctx: Context, pheno: Condition) -> Iterator[Output]:
    sel = ctx.params.selection
    dmts = prior_dmts(ctx)
    attestation = _true_statement(ctx, StatementCode.HIGHLY_ACTIVE_DESPITE_DMT, ctx.d1)
    if len(dmts) >= sel.eu_min_prior_dmts.value and attestation is not None:
        return  # highly active despite a full and adequate DMT course
    since = add_months(ctx.d1, -sel.res_lookback_months.value)
    disabling = [r for r in ctx.facts.relapses if r.disabling and since <= r.onset <= ctx.d1]
    active_mri = [s for s in ctx.facts.mri if since <= s.date <= ctx.d1 and (
        _gd_at_least(s, sel.res_min_gd_lesions.value) or s.t2_load_increase)]
    if len(disabling) >= sel.res_min_disabling_relapses.value and active_mri:
        return  # rapidly evolving severe RRMS
    missing = []
    if len(dmts) < sel.eu_min_prior_dmts.value:
        missing.append(f"{len(dmts)} prior DMT(s) (< {sel.eu_min_prior_dmts.value})")
    if attestation is None:
        missing.append("no attestation of highly active disease despite a full and adequate "
                       "DMT course")
    not_res = []
    if len(disabling) < sel.res_min_disabling_relapses.value:
        not_res.append(f"{len(disabling)} disabling relapse(s) since {since} "
                       f"(< {sel.res_min_disabling_relapses.value})")
    if not active_mri:
        not_res.append(f"no MRI since {since} with Gd+ ≥{sel.res_min_gd_lesions.value} or "
                       "T2-load increase")
    scans = [s for s in ctx.facts.mri if since <= s.date <= ctx.d1]
    yield R_A1.gate(GateOutcome.HOLD, None,
                    f"outside EU label: {'; '.join(missing)}; not RES: {', '.join(not_res)}",
                    evidence([pheno, *dmts, *disabling, *scans]))


def _es2019_indication(ctx: Context, pheno: Condition) -> Iterator[Output]:
    sel = ctx.params.selection
    since = add_months(ctx.d1, -sel.es_activity_lookback_months.value)
    if any(since <= r.onset <= ctx.d1 for r in ctx.facts.relapses):
        return
    # ✱ a reported T2-load increase is radiological activity too.
    if any(since <= s.date <= ctx.d1 and (
            _gd_at_least(s, sel.es_min_gd_lesions.value)
            or _t2_at_least(s, sel.es_min_new_t2_lesions.value) or s.t2_load_increase)
           for s in ctx.facts.mri):
        return
    for code in (StatementCode.HIGHLY_ACTIVE_DESPITE_DMT, StatementCode.SUBOPTIMAL_RESPONSE,
                 StatementCode.RAPID_PROGRESSION):
        if _true_statement(ctx, code, ctx.d1) is not None:
            return
    scans = [s for s in ctx.facts.mri if since <= s.date <= ctx.d1]
    yield R_A1.gate(GateOutcome.HOLD, None,
                    f"outside S3 Rec 1: no relapse or MRI activity (Gd+ ≥"
                    f"{sel.es_min_gd_lesions.value} or new/enlarging T2 ≥"
                    f"{sel.es_min_new_t2_lesions.value}) since {since}, and no attestation of "
                    "suboptimal response or rapid progression",
                    evidence([pheno, *scans]))


def retreatment_activity(ctx: Context) -> tuple[tuple[Relapse, ...], tuple[MriScan, ...], bool]:
    """The activity criteria for courses 3-4 (R-E3, CARE-MS extension, S3 ✔): after the previous
    course, ≥1 protocol-defined relapse or an MRI with ≥2 new/enlarging T2 or ≥1 Gd+ lesion
    (§12 N1). Returns the relapses and scans seen since, and whether the criteria are met."""
    sel = ctx.params.selection
    last = ctx.last_infusion
    if last is None:
        return (), (), False
    relapses = tuple(
        r for r in ctx.facts.relapses if r.protocol_defined and last < r.onset <= ctx.d1
    )
    scans = tuple(s for s in ctx.facts.mri if last < s.date <= ctx.d1)
    met = len(relapses) >= sel.retreat_min_relapses.value or any(
        _t2_at_least(s, sel.retreat_min_new_t2_lesions.value)
        or _gd_at_least(s, sel.retreat_min_gd_lesions.value)
        for s in scans
    )
    return relapses, scans, met


def _retreatment_activity(ctx: Context) -> Iterator[Output]:
    """Courses 3-4 need disease activity after the previous course (R-E3, CARE-MS extension)."""
    sel = ctx.params.selection
    relapses, scans, met = retreatment_activity(ctx)
    if met:
        return
    prev = ctx.next_course_number - 1
    yield R_A1.gate(GateOutcome.HOLD, None,
                    f"course {ctx.next_course_number} needs disease activity after course {prev} "
                    f"(last infusion {ctx.last_infusion}): {len(relapses)} protocol-defined "
                    f"relapse(s) (< {sel.retreat_min_relapses.value}), no MRI with ≥"
                    f"{sel.retreat_min_new_t2_lesions.value} new/enlarging T2 or ≥"
                    f"{sel.retreat_min_gd_lesions.value} Gd-enhancing lesion(s)",
                    evidence([*relapses, *scans]))


# ---- R-A2 absolute contraindications --------------------------------------------------------


def _absolute(ctx: Context) -> Iterator[Output]:
    # ✱ hypersensitivity and HIV count whatever the clinical status (neither resolves).
    for c in ctx.conditions(ConditionKind.HYPERSENSITIVITY_ALEMTUZUMAB, active_only=False):
        yield R_A2.gate(GateOutcome.BLOCK, None,
                        f"hypersensitivity to alemtuzumab or excipients ({c.display})",
                        evidence([c]))
    for c in ctx.conditions(ConditionKind.HIV, active_only=False):
        yield R_A2.gate(GateOutcome.BLOCK, None, f"HIV infection ({c.display})", evidence([c]))
    hiv = ctx.latest(A.HIV)
    if hiv is not None and hiv.qual is not None and hiv.qual.is_positive:
        yield R_A2.gate(GateOutcome.BLOCK, None,
                        f"HIV Ab/Ag {hiv.qual.value} on {hiv.date}: HIV infection",
                        evidence([hiv]))


# ---- R-A3 EU contraindications and active infection -----------------------------------------


def _onset(c: Condition) -> date | None:
    return c.onset or c.recorded


def _before_first_infusion(ctx: Context, c: Condition) -> bool:
    """Onset before the first infusion. ✱ Unknown onset after treatment started counts as
    after (R-A4 hold: overridable, the clinician confirms), before any infusion as before."""
    first = ctx.first_infusion
    if first is None:
        return True
    onset = _onset(c)
    return onset is not None and onset < first


def _ongoing(m: MedicationUse, d1: date) -> bool:
    """Medication still taken: marked active, or last dose on/after D1."""
    return m.active or (m.last_dose is not None and m.last_dose >= d1)


def _eu_contraindications(ctx: Context) -> Iterator[Output]:
    sel = ctx.params.selection
    outcome = GateOutcome.BLOCK if sel.eu_contraindications_block.value else GateOutcome.WARN
    where = "EU contraindication" if outcome is GateOutcome.BLOCK else "EU (2020) contraindication"

    # Uncontrolled hypertension: clinician attestation (✱, no numeric definition in any source).
    stated = ctx.latest_statement(StatementCode.UNCONTROLLED_HYPERTENSION)
    uncontrolled = ctx.conditions(ConditionKind.UNCONTROLLED_HYPERTENSION)
    if uncontrolled or (stated is not None and stated.value):
        yield R_A3.gate(outcome, None, f"{where}: uncontrolled hypertension",
                        evidence([*uncontrolled, stated if stated and stated.value else None]))
    elif stated is None and (known := ctx.conditions(ConditionKind.HYPERTENSION)):
        # ✱ known hypertension needs the clinician to attest it is controlled.
        yield R_A3.gate(GateOutcome.HOLD if outcome is GateOutcome.BLOCK else GateOutcome.WARN,
                        None, "hypertension: control not attested (uncontrolled hypertension is "
                        "an EU contraindication)", evidence(known))
    if sel.bp_trigger_enabled.value:
        yield from _bp_trigger(ctx)

    for kind, text in _HISTORY_CONTRAINDICATIONS.items():
        found = ctx.conditions(kind, active_only=False)
        if found:
            yield R_A3.gate(outcome, None, f"{where}: {text}", evidence(found))

    coagulopathy = ctx.conditions(ConditionKind.COAGULOPATHY)
    if coagulopathy:
        yield R_A3.gate(outcome, None, f"{where}: known coagulopathy", evidence(coagulopathy))
    antithrombotics = [m for m in ctx.facts.medications
                       if m.drug in (Drug.ANTIPLATELET, Drug.ANTICOAGULANT)
                       and _ongoing(m, ctx.d1)]
    if antithrombotics:
        names = ", ".join(sorted({m.drug.value for m in antithrombotics}))
        yield R_A3.gate(outcome, None, f"{where}: ongoing {names} therapy",
                        evidence(antithrombotics))

    # Other autoimmune disease present before the first infusion (later onset: R-A4 / R-T6).
    pre = [c for c in ctx.conditions(*SECONDARY_AUTOIMMUNITY, *_AUTOIMMUNE_THYROID)
           if _before_first_infusion(ctx, c)]
    if pre:
        names = ", ".join(c.display for c in pre)
        yield R_A3.gate(outcome, None,
                        f"{where}: concomitant autoimmune disease other than MS ({names})",
                        evidence(pre))
    thyroid = [c for c in ctx.conditions(*_UNSPECIFIED_THYROID)
               if _before_first_infusion(ctx, c)]
    if thyroid:
        names = ", ".join(c.display for c in thyroid)
        yield R_A3.gate(GateOutcome.WARN, None,
                        f"pre-existing thyroid disease ({names}): confirm it is not autoimmune "
                        "(autoimmune disease other than MS is an EU contraindication)",
                        evidence(thyroid))


def _bp_trigger(ctx: Context) -> Iterator[Output]:
    sel = ctx.params.selection
    readings: list[VitalSign] = []
    for kind, limit in ((VitalKind.SYSTOLIC, sel.bp_systolic_warn.value),
                        (VitalKind.DIASTOLIC, sel.bp_diastolic_warn.value)):
        vitals = sorted((v for v in ctx.facts.vitals if v.kind is kind), key=lambda v: v.at)
        if vitals and vitals[-1].value >= limit:
            readings.append(vitals[-1])
    if readings:
        bp = ", ".join(f"{v.kind.value} {v.value:g} mmHg" for v in readings)
        yield R_A3.gate(GateOutcome.WARN, None,
                        f"latest blood pressure {bp} (≥ {sel.bp_systolic_warn.value:g}/"
                        f"{sel.bp_diastolic_warn.value:g}): assess hypertension control",
                        evidence(readings))


def _active_infection(ctx: Context) -> Iterator[Output]:
    always = ctx.params.selection.active_infection_always_blocks.value
    for c in ctx.conditions(*_INFECTIONS):
        severe = c.severe or c.kind is ConditionKind.SEVERE_INFECTION
        if always or severe:
            yield R_A3.gate(GateOutcome.BLOCK, None,
                            f"{'severe ' if severe else ''}active infection ({c.display}): "
                            "not until complete resolution", evidence([c]))
        else:
            yield R_A3.gate(GateOutcome.HOLD, None,
                            f"active infection ({c.display}): treat and postpone until resolved",
                            evidence([c]))


# ---- R-A4 secondary autoimmunity ------------------------------------------------------------


def _autoimmunity(ctx: Context) -> Iterator[Output]:
    if ctx.first_infusion is None:
        return
    for c in ctx.conditions(*SECONDARY_AUTOIMMUNITY):
        if _before_first_infusion(ctx, c):
            continue
        onset = _onset(c)
        when = f"onset {onset}" if onset else "onset not recorded"
        yield R_A4.gate(GateOutcome.HOLD, None,
                        f"active {c.display} ({when}, after the first infusion): further course "
                        "held until specialist-confirmed control", evidence([c]))


# ---- R-A5 prior immunosuppressants ----------------------------------------------------------


def _immunosuppressants(ctx: Context) -> Iterator[Output]:
    prior = [m for m in ctx.facts.medications if m.drug in IMMUNOSUPPRESSANTS]
    if prior:
        names = ", ".join(sorted({m.drug.value for m in prior}))
        yield R_A5.gate(GateOutcome.WARN, None,
                        f"prior immunosuppressant(s) ({names}): additional safety measures "
                        "beyond the label", evidence(prior))


# ---- R-A6 REMS ------------------------------------------------------------------------------


def _rems(ctx: Context) -> Iterator[Output]:
    if not ctx.params.selection.rems_required.value:
        return
    for code, what in ((StatementCode.REMS_PATIENT_ENROLLED, "patient REMS enrolment"),
                       (StatementCode.REMS_SITE_CERTIFIED, "infusion site REMS certification")):
        latest = ctx.latest_statement(code)
        if latest is None or not latest.value:
            yield R_A6.gate(GateOutcome.BLOCK, None, f"{what} not recorded",
                            evidence([latest]))


# ---- R-A7 consent and education -------------------------------------------------------------


def _consent_and_education(ctx: Context) -> Iterator[Output]:
    n = ctx.next_course_number
    last = ctx.last_infusion
    consents = sorted(ctx.facts.consents, key=lambda c: (c.date, c.ref))
    # ✱ one consent per course: after the previous course's last infusion, on/before D1.
    valid = [c for c in consents if (last is None or c.date > last) and c.date <= ctx.d1]
    if not valid:
        stale = consents[-1:]
        after = f" dated after the last infusion of course {n - 1} ({last})" if last else ""
        yield R_A7.gate(GateOutcome.HOLD, None,
                        f"no written informed consent for course {n}{after}", evidence(stale))
    # ✱ alert card and patient guide: given once, on/before D1 (not per course).
    for code, what in ((StatementCode.ALERT_CARD_GIVEN, "Patient Alert Card"),
                       (StatementCode.PATIENT_GUIDE_GIVEN, "Patient Guide")):
        if _true_statement(ctx, code, ctx.d1) is None:
            yield R_A7.gate(GateOutcome.HOLD, None, f"{what} not recorded as given")

