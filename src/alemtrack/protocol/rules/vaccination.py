"""§4 Vaccination (S3 Rec 4-6, Tables 1-2 ✔): R-C1 … R-C6.

R-C1 plans one ``due`` per indicated Table V1 dose, only where the indication is known from the
record (serology, vaccination history, a statement, sex and age); a dose already given is never
due again. Due items (``vaccine-<name>-<n>`` ✱, n = the dose's number in the vaccine's series):

- ``vaccine-influenza-1`` — every patient, each season: 1 October ✱ of the current campaign
  (October-December) when no dose was given since that 1 October, else the next 1 October.
- ``vaccine-pcv13-1`` — every patient without a recorded PCV13 dose, at ``as_of``.
- ``vaccine-ppsv23-1`` — ≥2 months after PCV13 (given or planned); ``vaccine-ppsv23-2`` — the
  booster 5 years after PPSV23 dose 1.
- ``vaccine-hepatitis-b-1`` … ``-4`` — anti-HBs <10 m[IU]/mL (D10), 0-1-2-6 months; ``-5`` …
  ``-7`` are R-C2's revaccination doses. ✱ Not planned when HBsAg or anti-HBc is positive
  (infection, not a vaccination question; R-B3 handles it).
- ``vaccine-hepatitis-a-1``, ``-2`` — HAV IgG negative, 0-6 months.
- ``vaccine-tetanus-diphtheria-<n>`` — ✱ primary series 0-1-6 months only when the record states
  "never vaccinated against tetanus"; otherwise recorded doses are taken as a completed primary
  series and the next dose (up to 5 in all) is a booster 10 years after the last one. Without a
  statement or a recorded dose the history is unknown and nothing is planned.
- ``vaccine-hpv-1`` … ``-3`` — women aged <26 years without a completed series, 0-1-6 months
  (S3 Table 1 note b; the post-CIN2-3 excision indication has no fact yet and is not planned).
- ``vaccine-varicella-1``, ``-2`` — VZV IgG negative, 0-1 month, live.
- ``vaccine-mmr-1``, ``-2`` — measles IgG negative, 0-1 month, live.

Dose 1 is due at ``as_of``; later doses at ``add_months(dose 1, m)`` and never sooner than the
schedule interval after the previous dose. Inactivated doses that fall inside a course (the one
in progress or the planned one) move to the day after it (Table V2 "postpone until after
alemtuzumab"). Live doses start no earlier than every Table V2 constraint allows: the R-C5
window after a course, R-D3 steroids, the prior DMT (``washout.dmt_live_constraint``) and 4
weeks after another live vaccine (Table 1 note c); with a planned course the series must end
≥42 days before D1 (R-C3). When a live series cannot be dated, R-C1 reports an ``info`` finding
instead of a due (Table V2 note a: vaccinate after alemtuzumab, or postpone the course).

R-C2 holds the HBV responder logic (post-series anti-HBs, revaccination, non-responder); R-C3
blocks for a live dose in (D1 − 42 d, D1]; R-C4 warns (or holds, D2) for an inactivated dose
in the same span; R-C5 sets ``live_vaccines_from`` and alerts on an early live dose; R-C6 asks
for the vaccination of susceptible cohabitants.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date

from ..context import Context, Phase, live_vaccines_in_gap
from ..dates import add_days, add_months
from ..facts import Analyte, LabResult, Qual, StatementCode, Vaccination, Vaccine
from ..results import Fact, GateOutcome, Output, Rule, Severity, evidence
from .washout import dmt_live_constraint, steroid_live_constraint

R_C1 = Rule("R-C1", "Vaccination needs from serology and history (Table V1)", "due; info",
            "S3 Rec 4 ✔, Rec 5 ✔, Table 1 ✔, Table 2 ✔")
R_C2 = Rule("R-C2", "Hepatitis B vaccine responder logic", "due; info",
            "S3 Table 1 notes a, d ✔")
R_C3 = Rule("R-C3", "Live vaccine within 6 weeks before D1", "gate: block",
            "S3 Table 2 ✔, Fig 5 ✔; EU ◐; US ◐")
R_C4 = Rule("R-C4", "Inactivated vaccine within 6 weeks before D1", "gate: warn (hold, D2)",
            "S3 Table 2 ✔; EU ◐/US ◐ 6 weeks (D2)")
R_C5 = Rule("R-C5", "Live vaccines after a course: 6 months and CD4 >200", "window; due; urgent",
            "S3 Table 2 note b ✔; US ✔; EU ◐; all profiles ✱ (N8)")
R_C6 = Rule("R-C6", "Vaccination of susceptible cohabitants", "info", "S3 Rec 25 ✔")

RULES: tuple[Rule, ...] = (R_C1, R_C2, R_C3, R_C4, R_C5, R_C6)

_LABEL = {
    Vaccine.INFLUENZA: "seasonal influenza",
    Vaccine.PCV13: "pneumococcal PCV13",
    Vaccine.PPSV23: "pneumococcal PPSV23",
    Vaccine.HEPATITIS_B: "hepatitis B",
    Vaccine.HEPATITIS_A: "hepatitis A",
    Vaccine.TETANUS_DIPHTHERIA: "tetanus/diphtheria",
    Vaccine.HPV: "HPV",
    Vaccine.VARICELLA: "varicella",
    Vaccine.MMR: "MMR",
}


def evaluate(ctx: Context) -> Iterator[Output]:
    if not (ctx.phase is Phase.MONITORING_COMPLETE and ctx.planned_start is None):
        # ✱ no vaccination plan once monitoring is complete and no course is considered.
        yield from _influenza(ctx)
        yield from _pneumococcal(ctx)
        yield from _hepatitis_b(ctx)
        yield from _serology_series(ctx, Vaccine.HEPATITIS_A, Analyte.HAV_IGG, "HAV IgG",
                                    ctx.params.vaccination.hepatitis_a_months.value)
        yield from _tetanus(ctx)
        yield from _hpv(ctx)
        yield from _live(ctx, Vaccine.VARICELLA, Analyte.VZV_IGG, "VZV IgG",
                         ctx.params.vaccination.varicella_months.value)
        yield from _live(ctx, Vaccine.MMR, Analyte.MEASLES_IGG, "measles IgG",
                         ctx.params.vaccination.mmr_months.value)
    yield from _live_before_d1(ctx)
    yield from _inactivated_before_d1(ctx)
    yield from _after_course(ctx)
    yield from _cohabitants(ctx)


# ---- shared helpers -------------------------------------------------------------------------


def _item(vaccine: Vaccine, n: int) -> str:
    return f"vaccine-{vaccine.value}-{n}"


def _given(ctx: Context, vaccine: Vaccine) -> list[Vaccination]:
    return sorted((v for v in ctx.facts.vaccinations if v.vaccine is vaccine),
                  key=lambda v: (v.date, v.ref))


def _negative(lab: LabResult | None) -> bool:
    """✱ Serology counts as negative only on the lab's qualitative call; indeterminate is not
    known and plans nothing."""
    return lab is not None and lab.qual is Qual.NEGATIVE


def _course_spans(ctx: Context) -> list[tuple[date, date]]:
    spans = []
    running = ctx.course_in_progress
    if running is not None:
        spans.append((running.first_day,
                      add_days(running.first_day, ctx.scheduled_days(running.number) - 1)))
    if ctx.planned_start is not None:
        spans.append((ctx.planned_start, add_days(
            ctx.planned_start, ctx.scheduled_days(ctx.next_course_number) - 1)))
    return spans


def _after_courses(ctx: Context) -> Callable[[date], date]:
    """Inactivated doses falling inside a course move to the day after it (Table V2)."""
    spans = _course_spans(ctx)

    def shift(d: date) -> date:
        moved = True
        while moved:
            moved = False
            for first, last in spans:
                if first <= d <= last:
                    d, moved = add_days(last, 1), True
        return d

    return shift


def _keep(d: date) -> date:
    return d


def _schedule(given: Sequence[date], offsets: Sequence[int], start: date,
              adjust: Callable[[date], date] = _keep) -> list[tuple[int, date]]:
    """Remaining doses (number, date): dose 1 at ``start``; dose k at ``add_months(dose 1,
    offsets[k])`` and never sooner than the interval after the previous dose."""
    out: list[tuple[int, date]] = []
    first = given[0] if given else None
    prev = given[-1] if given else None
    for i in range(len(given), len(offsets)):
        if first is None or prev is None:
            d = start
        else:
            d = max(add_months(first, offsets[i]), add_months(prev, offsets[i] - offsets[i - 1]))
        d = adjust(d)
        out.append((i + 1, d))
        first = first or d
        prev = d
    return out


def _dues(rule: Rule, vaccine: Vaccine, doses: list[tuple[int, date]]) -> Iterator[Output]:
    for n, d in doses:
        yield rule.due(_item(vaccine, n), d)


# ---- R-C1 inactivated vaccines ---------------------------------------------------------------


def _influenza(ctx: Context) -> Iterator[Output]:
    """One dose each campaign, due 1 October ✱ (campaign October-December, S3 Table 1)."""
    campaign = ctx.params.vaccination.influenza_campaign_months.value
    month = campaign[0]
    this_year = date(ctx.as_of.year, month, 1)
    season = this_year if ctx.as_of >= this_year else date(ctx.as_of.year - 1, month, 1)
    next_season = date(season.year + 1, month, 1)
    given_this_season = any(v.date >= season for v in _given(ctx, Vaccine.INFLUENZA))
    due = season if not given_this_season and ctx.as_of.month in campaign else next_season
    yield R_C1.due(_item(Vaccine.INFLUENZA, 1), _after_courses(ctx)(due))


def _pneumococcal(ctx: Context) -> Iterator[Output]:
    vp = ctx.params.vaccination
    shift = _after_courses(ctx)
    pcv = _given(ctx, Vaccine.PCV13)
    ppsv = _given(ctx, Vaccine.PPSV23)
    if pcv:
        pcv_date = pcv[-1].date
    else:
        pcv_date = shift(ctx.as_of)
        yield R_C1.due(_item(Vaccine.PCV13, 1), pcv_date)
    if not ppsv:
        earliest = add_months(pcv_date, vp.ppsv23_after_pcv13_months.value)
        yield R_C1.due(_item(Vaccine.PPSV23, 1), shift(max(ctx.as_of, earliest)))
    elif len(ppsv) == 1:
        yield R_C1.due(_item(Vaccine.PPSV23, 2),
                       shift(add_months(ppsv[0].date, vp.ppsv23_booster_months.value)))


def _serology_series(ctx: Context, vaccine: Vaccine, analyte: Analyte, label: str,
                     offsets: Sequence[int]) -> Iterator[Output]:
    """An inactivated series indicated by a negative IgG (hepatitis A)."""
    if not _negative(ctx.latest(analyte)):
        return
    given = [v.date for v in _given(ctx, vaccine)]
    yield from _dues(R_C1, vaccine, _schedule(given, offsets, ctx.as_of, _after_courses(ctx)))


def _tetanus(ctx: Context) -> Iterator[Output]:
    vp = ctx.params.vaccination
    given = [v.date for v in _given(ctx, Vaccine.TETANUS_DIPHTHERIA)]
    statement = ctx.latest_statement(StatementCode.NEVER_VACCINATED_TETANUS)
    never = statement is not None and statement.value
    primary = vp.tetanus_primary_months.value
    shift = _after_courses(ctx)
    if len(given) >= vp.tetanus_max_doses.value:
        return
    if never and len(given) < len(primary):
        yield from _dues(R_C1, Vaccine.TETANUS_DIPHTHERIA,
                         _schedule(given, primary, ctx.as_of, shift))
    elif given:
        booster = shift(add_months(given[-1], vp.tetanus_booster_months.value))
        yield R_C1.due(_item(Vaccine.TETANUS_DIPHTHERIA, len(given) + 1), booster)


def _hpv(ctx: Context) -> Iterator[Output]:
    vp = ctx.params.vaccination
    given = [v.date for v in _given(ctx, Vaccine.HPV)]
    offsets = vp.hpv_months.value
    if len(given) >= len(offsets) or not ctx.female:
        return
    if not given:
        age = ctx.age_on(ctx.as_of)
        if age is None or age >= vp.hpv_max_age.value:
            return
    yield from _dues(R_C1, Vaccine.HPV, _schedule(given, offsets, ctx.as_of, _after_courses(ctx)))


# ---- R-C2 hepatitis B ------------------------------------------------------------------------


def _protected(lab: LabResult, threshold: float) -> bool:
    """anti-HBs ≥10 m[IU]/mL (D10); a qualitative "positive" counts as protected ✱."""
    if lab.value is not None:
        return lab.value >= threshold
    return lab.qual is not None and lab.qual.is_positive


def _anti_hbs(ctx: Context) -> list[LabResult]:
    return [r for r in ctx.results(Analyte.ANTI_HBS) if r.value is not None or (
        r.qual is not None and r.qual is not Qual.INDETERMINATE)]


def _hbv_exposed(ctx: Context) -> bool:
    for analyte in (Analyte.HBSAG, Analyte.ANTI_HBC):
        lab = ctx.latest(analyte)
        if lab is not None and lab.qual is not None and lab.qual.is_positive:
            return True
    return False


def _hepatitis_b(ctx: Context) -> Iterator[Output]:
    """R-C1 series 0-1-2-6 months, then R-C2 (S3 Table 1 note d ✔): anti-HBs one month after
    the last dose; <10 → 3 more doses monthly (first on the result date), re-test one month
    after the third; still <10 → HBV non-responder."""
    vp = ctx.params.vaccination
    threshold = vp.anti_hbs_protective.value
    if _hbv_exposed(ctx):
        return
    doses = _given(ctx, Vaccine.HEPATITIS_B)
    tests = _anti_hbs(ctx)
    if tests and _protected(tests[-1], threshold):
        return
    if doses and any(t.date > doses[0].date and _protected(t, threshold) for t in tests):
        return  # ✱ a documented response after vaccination: responder, waning titre is fine
    if not tests and not doses:
        return  # indication unknown (R-B3 asks for anti-HBs)
    shift = _after_courses(ctx)
    series = vp.hepatitis_b_months.value
    dates = [v.date for v in doses]
    if len(doses) < len(series):
        yield from _dues(R_C1, Vaccine.HEPATITIS_B, _schedule(dates, series, ctx.as_of, shift))
        return
    retest = vp.anti_hbs_retest_months.value
    end1 = dates[len(series) - 1]
    revacc = dates[len(series):]
    total = len(series) + vp.hbv_revaccination_doses.value
    post1 = _latest_between(tests, end1, revacc[0] if revacc else None)
    if len(doses) < total:
        if post1 is None and not revacc:
            yield R_C2.due("anti-hbs", add_months(end1, retest))
            return
        step = vp.hbv_revaccination_interval_months.value
        offsets = [i * step for i in range(vp.hbv_revaccination_doses.value)]
        start = post1.date if post1 is not None else ctx.as_of
        for n, d in _schedule(revacc, offsets, start, shift):
            yield R_C2.due(_item(Vaccine.HEPATITIS_B, len(series) + n), d)
        return
    post2 = _latest_between(tests, dates[-1], None)
    if post2 is None:
        yield R_C2.due("anti-hbs", add_months(dates[-1], retest))
        return
    shown = f"{post2.value:g} m[IU]/mL" if post2.value is not None else "negative"
    facts: list[Fact | None] = [post1, post2, *doses]
    yield R_C2.finding(
        Severity.INFO,
        f"HBV non-responder: anti-HBs {shown} (< {threshold:g}) after {len(doses)} hepatitis B "
        "vaccine doses including revaccination",
        ["Advise post-exposure prophylaxis (HBIG) in risk situations",
         "No further routine hepatitis B vaccination"],
        evidence(facts),
    )


def _latest_between(tests: list[LabResult], after: date, before: date | None) -> LabResult | None:
    """Latest test after ``after`` and on or before ``before`` (a test drawn on the day of the
    next dose was taken before it)."""
    found = None
    for t in tests:
        if t.date > after and (before is None or t.date <= before):
            found = t
    return found


# ---- R-C1 live vaccines ----------------------------------------------------------------------


def live_vaccines_from(ctx: Context) -> tuple[date | None, LabResult | None]:
    """R-C5: later of 6 months after the last infusion and the latest CD4 after it if >200."""
    vp = ctx.params.vaccination
    last = ctx.last_infusion
    if last is None:
        return None, None
    six = add_months(last, vp.live_after_course_months.value)
    cd4 = ctx.latest(Analyte.CD4, after=last, quantitative=True)
    if cd4 is not None and cd4.value is not None and cd4.value > vp.live_cd4_above.value:
        return max(six, cd4.date), cd4
    return None, cd4


def _live_start(ctx: Context) -> tuple[date | None, str, list[Fact]]:
    """First date live vaccines may start (Table V2), or None with the reason."""
    start = ctx.as_of
    facts: list[Fact] = []
    if ctx.courses:
        window, cd4 = live_vaccines_from(ctx)
        if window is None:
            return None, ("live vaccines contraindicated until 6 months after the last infusion "
                          "and CD4 >200 /uL (R-C5)"), [cd4] if cd4 else []
        start = max(start, window)
    for constraint in (steroid_live_constraint(ctx), dmt_live_constraint(ctx)):
        if constraint is None:
            continue
        if constraint.not_before is None:
            return None, f"live vaccines wait: {constraint.reason}", list(constraint.facts)
        start = max(start, constraint.not_before)
        facts.extend(constraint.facts)
    live = [v.date for v in ctx.facts.vaccinations if v.live]
    if live:
        last = max(live)
        spacing = add_days(last, ctx.params.vaccination.live_spacing_days.value)
        if start != last and start < spacing:
            start = spacing  # together on one day or ≥4 weeks apart (S3 Table 1 note c)
    return start, "", facts


def _live(ctx: Context, vaccine: Vaccine, analyte: Analyte, label: str,
          offsets: Sequence[int]) -> Iterator[Output]:
    serology = ctx.latest(analyte)
    if not _negative(serology):
        return
    assert serology is not None
    given = [v.date for v in _given(ctx, vaccine)]
    if len(given) >= len(offsets):
        return
    start, why, facts = _live_start(ctx)
    doses: list[tuple[int, date]] = []
    if start is not None:
        doses = _schedule(given, offsets, start, lambda d: max(d, start))
        gap = ctx.params.vaccination.live_vaccine_gap_days.value
        d1 = ctx.planned_start
        if d1 is not None and doses[-1][1] > add_days(d1, -gap):
            why = (f"the series cannot be completed ≥{gap} days before D1 {d1.isoformat()}: "
                   "vaccinate after alemtuzumab once the live-vaccine window opens (R-C5), or "
                   "postpone the course")
            doses = []
    if doses:
        yield from _dues(R_C1, vaccine, doses)
        return
    yield R_C1.finding(
        Severity.INFO,
        f"{label} negative: {_LABEL[vaccine]} vaccination (live) indicated but not scheduled: "
        f"{why}",
        ["Plan live vaccination when it becomes possible (individual decision, S3 Table 2)"],
        evidence([serology, *facts]),
    )


# ---- R-C3, R-C4 ------------------------------------------------------------------------------


def _list(doses: Sequence[Vaccination]) -> str:
    return ", ".join(f"{_LABEL.get(v.vaccine, v.vaccine.value)} on {v.date.isoformat()}"
                     for v in doses)


def _live_before_d1(ctx: Context) -> Iterator[Output]:
    until, doses = live_vaccines_in_gap(ctx)
    if not doses or until is None:
        return
    gap = ctx.params.vaccination.live_vaccine_gap_days.value
    yield R_C3.gate(GateOutcome.BLOCK, until,
                    f"live vaccine ({_list(doses)}) within {gap} days before D1 "
                    f"{ctx.d1.isoformat()}: course not before {until.isoformat()}",
                    evidence(doses))


def _inactivated_before_d1(ctx: Context) -> Iterator[Output]:
    vp = ctx.params.vaccination
    gap = vp.inactivated_gap_days.value
    doses = sorted((v for v in ctx.facts.vaccinations
                    if not v.live and add_days(ctx.d1, -gap) < v.date <= ctx.d1),
                   key=lambda v: (v.date, v.ref))
    if not doses:
        return
    until = add_days(doses[-1].date, gap)
    outcome = GateOutcome.HOLD if vp.inactivated_outcome.value == "hold" else GateOutcome.WARN
    yield R_C4.gate(outcome, until,
                    f"inactivated vaccine ({_list(doses)}) within {gap} days before D1 "
                    f"{ctx.d1.isoformat()}: response may be lower (full response from "
                    f"{until.isoformat()})", evidence(doses))


# ---- R-C5 ------------------------------------------------------------------------------------


def _after_course(ctx: Context) -> Iterator[Output]:
    course = ctx.last_course
    last = ctx.last_infusion
    if course is None or last is None:
        return
    vp = ctx.params.vaccination
    window, cd4 = live_vaccines_from(ctx)
    yield R_C5.window("live_vaccines_from", window)
    if window is None and ctx.phase is not Phase.MONITORING_COMPLETE:
        six = add_months(last, vp.live_after_course_months.value)
        if cd4 is not None and cd4.date >= six:
            yield R_C5.due("cd4", add_months(cd4.date, vp.live_cd4_recheck_months.value))
        else:
            yield R_C5.due("cd4", six)
    alert_days = vp.live_after_course_alert_days.value
    early = sorted((v for v in ctx.facts.vaccinations
                    if v.live and v.date >= course.first_day
                    and (window is None or v.date < window)
                    and ctx.as_of <= add_days(v.date, alert_days)),
                   key=lambda v: (v.date, v.ref))
    if not early:
        return
    opens = (f"opens {window.isoformat()}" if window is not None
             else f"not open: needs 6 months after {last.isoformat()} and CD4 "
                  f"> {vp.live_cd4_above.value:g} /uL")
    facts: list[Fact | None] = [*early, course.infusions[-1], cd4]
    yield R_C5.finding(
        Severity.URGENT,
        f"Live vaccine after alemtuzumab course {course.number} ({_list(early)}) before the "
        f"live-vaccine window ({opens})",
        ["Assess today for vaccine-strain infection (fever, rash, vesicles)",
         "Consider antiviral treatment if vaccine-strain varicella is suspected",
         "No further live vaccine before the window opens"],
        evidence(facts),
    )


# ---- R-C6 ------------------------------------------------------------------------------------


def _cohabitants(ctx: Context) -> Iterator[Output]:
    if not ctx.courses:
        return
    negatives = [lab for lab in (ctx.latest(Analyte.VZV_IGG), ctx.latest(Analyte.MEASLES_IGG))
                 if _negative(lab)]
    if not negatives:
        return
    against = " and ".join("varicella" if lab.analyte is Analyte.VZV_IGG else "measles"
                           for lab in negatives if lab is not None)
    negs = ", ".join(f"{'VZV' if lab.analyte is Analyte.VZV_IGG else 'measles'} IgG negative "
                     f"({lab.date.isoformat()})" for lab in negatives if lab is not None)
    yield R_C6.finding(
        Severity.INFO,
        f"{negs}: evaluate vaccinating susceptible cohabitants against {against}",
        [f"Offer {against} vaccination to susceptible household contacts"],
        evidence(negatives),
    )
