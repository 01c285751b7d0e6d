"""Courses, premedication, prophylaxis, infusion: R-E1..R-E15 and the course-start gate R-G0.

clinical-rules.md §6, §9 D3, D4, D5, D11, D12. The interval and CD4 gates (R-E2/R-E3) and the
maximum (R-E4) are about the course under assessment (``ctx.next_course_number``); the infusion
record rules (R-E1, R-E9, R-E11, R-E15) read the infusions of the most recent course.

✱ How the R-G0 infusion-day checks show (pre-infusion vital signs, fever, grade-4 reaction
without an order to resume): while the course under assessment has not started yet (its day 1,
nothing of it recorded) they are ``R-G0`` gates of ``next_course``, as written in §6. Once the
course has started (phase in-course, an infusion of it recorded), ``next_course`` describes the
*following* course, so a gate there would hold the wrong course: the checks for today's infusion
are then an ``R-G0`` finding instead, ``urgent`` for a hold ("do not infuse until …") and
``warn`` for a warning. They are evaluated only on a scheduled infusion day (``as_of``) whose
infusion is not recorded yet; afterwards R-E11 and R-E15 review what happened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from ..context import Context, Course, Phase, interval_until
from ..dates import add_days, add_months
from ..facts import (
    Analyte,
    Condition,
    ConditionKind,
    Drug,
    Infusion,
    InfusionReaction,
    MedicationOrder,
    StatementCode,
    Symptom,
    SymptomCode,
    VitalKind,
    VitalSign,
)
from ..parameters import CourseParams
from ..results import Evidence, GateOutcome, Output, Rule, Severity, evidence

R_E1 = Rule("R-E1", "Dose 12 mg/day; course 1 = 5 days, later courses 3 days; no double dosing",
            "warn", "EU ✔; US ✔; S0 ✔")
R_E2 = Rule("R-E2", "Course 2: 12 months after course 1 and CD4 >200 cells/µL",
            "gate: block (interval), hold (CD4); due", "S3 Rec 23 ✔; EU ✔; D5; D11 ✱")
R_E3 = Rule("R-E3", "Courses 3-4: 12 months after the previous course and CD4 >200 cells/µL",
            "gate: block (interval), hold (CD4); due", "EU ◐; S3 ✔; S0 ✔; CD4 ✱ Rec 24 (N11)")
R_E4 = Rule("R-E4", "Maximum number of courses", "gate: block (EU mode), warn (US)",
            "EU/S3 up to 2 additional courses; US ✔ no stated maximum (D12)")
R_E5 = Rule("R-E5", "Same procedures (screening, premedication, monitoring) for every course",
            "no output", "S3 Rec 24 ✔")
R_E6 = Rule("R-E6", "Setting: inpatient or outpatient, access to emergency/intensive care",
            "no output", "S3 Rec 16 ✔; EU ◐; US ✔")
R_E7 = Rule("R-E7", "Herpes prophylaxis from D1 of every course", "window; info; due",
            "S3 Rec 9 ✔; EU ◐; US ✔; KC ✔; S1 ✔; S4 ✔ (D4)")
R_E8 = Rule("R-E8", "No routine antibacterial/antifungal/antiparasitic prophylaxis",
            "no output", "S3 Rec 11 ✔")
R_E9 = Rule("R-E9", "Infusion duration between 4 and 8 hours", "warn",
            "S3 Rec 18 ✔; EU ✔; US ✔")
R_E10 = Rule("R-E10", "Observation for 2 hours after the end of the infusion", "no output",
             "S3 Rec 18 ✔; US ✔; EU ◐")
R_E11 = Rule("R-E11", "Vital signs before and every hour during infusion and observation",
             "warn", "S3 Rec 19 ✔; EU ◐; gap ✱")
R_E12 = Rule("R-E12", "Platelet count after infusion on D3 and D5 of course 1, D3 of later courses",
             "due", "EU ◐; RAN ✔")
R_E13 = Rule("R-E13", "Stroke, dissection, MI, alveolar haemorrhage after an infusion",
             "critical", "US ✔; EU ◐; 30 days ✱")
R_E14 = Rule("R-E14", "Advice after each course (symptomatic treatment, hygiene)", "no output",
             "S3 post-perfusion period ✔")
R_E15 = Rule("R-E15", "Infusion-related reaction graded 1-4 (Table R)", "critical to warn",
             "S3 Fig 3 ✔; grade 4 resumption ✱")
R_G0 = Rule("R-G0", "Course-start and infusion-day gate: premedication, aciclovir, vitals, fever",
            "gate: hold, warn; urgent to warn (in-course)", "S3 Fig 3 ✔; EU ◐; fever 38.0 °C ✱")

RULES: tuple[Rule, ...] = (
    R_E1, R_E2, R_E3, R_E4, R_E5, R_E6, R_E7, R_E8, R_E9, R_E10, R_E11, R_E12, R_E13, R_E14,
    R_E15, R_G0,
)

_TABLE_R_GRADE_2_3 = (
    "Give symptomatic medication",
    "Reduce the rate by 50 % or stop the infusion; flush the line with saline",
    "Wait for symptoms to subside, then resume at 50 % of the rate at which it was stopped",
)
_TABLE_R_GRADE_4 = (
    "Give symptomatic medication",
    "Stop/discontinue the infusion; flush the line with saline",
    "No further infusion without a documented physician order to resume",
)


def evaluate(ctx: Context) -> Iterator[Output]:
    cp = ctx.params.course
    yield from _interval_and_cd4(ctx, cp)
    yield from _maximum(ctx)
    yield from _dose(ctx)
    yield from _herpes(ctx, cp)
    yield from _duration(ctx, cp)
    yield from _vitals(ctx, cp)
    yield from _post_infusion_platelets(ctx)
    yield from _late_events(ctx, cp)
    yield from _reactions(ctx, cp)
    yield from _orders(ctx, cp)
    yield from _infusion_day(ctx, cp)


# ---- R-E2 / R-E3: interval and CD4 ---------------------------------------------------------


def _interval_and_cd4(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    number = ctx.next_course_number
    last = ctx.last_infusion
    if number < 2 or last is None:
        return
    rule = R_E2 if number == 2 else R_E3
    previous = "course 1" if number == 2 else f"course {number - 1}"
    last_fact = _last_infusion_fact(ctx)
    until = interval_until(ctx)
    assert until is not None
    if ctx.d1 < until:
        yield rule.gate(
            GateOutcome.BLOCK, until,
            f"course {number} not before {cp.interval_months.value} months after the last "
            f"infusion of {previous} ({last.isoformat()}): {until.isoformat()}",
            evidence([last_fact]),
        )
    # (b) systemic immune reconstitution: CD4 > 200 /uL after the previous course, ≤30 d old.
    validity = cp.cd4_validity_days.value
    window_start = add_days(ctx.d1_eff, -validity)
    cd4 = ctx.latest(Analyte.CD4, after=last, on_or_after=window_start,
                     on_or_before=ctx.d1_eff, quantitative=True)
    threshold = cp.cd4_above.value
    if cd4 is None or cd4.value is None or cd4.value <= threshold:
        if cd4 is not None:
            yield rule.gate(
                GateOutcome.HOLD, None,
                f"CD4 {cd4.value:g} /uL (≤ {threshold:g}): no systemic immune reconstitution; "
                f"extend the interval and recheck CD4",
                [Evidence.of(cd4)],
            )
        elif ctx.as_of >= window_start:
            yield rule.gate(
                GateOutcome.HOLD, None,
                f"no CD4 count after {previous} within {validity} days before "
                f"{ctx.d1_eff.isoformat()} (needed > {threshold:g} /uL)",
            )
    yield from _cd4_due(ctx, cp, rule, number, until, window_start)


def _cd4_due(ctx: Context, cp: CourseParams, rule: Rule, number: int, until: date,
             window_start: date) -> Iterator[Output]:
    """✱ When the CD4 count is scheduled. Only for a planned course, or for course 2 (given
    to most patients at 12 months; courses 3-4 are as-needed, so an unplanned one schedules
    nothing). An unplanned course 2 has no D1 of its own (D1 = as_of would make the date
    slide every day), so its count is due 30 days before the interval ends. A count dated on
    or after that date satisfies it; one ≤200 schedules a recheck 1 month later."""
    planned = ctx.planned_start is not None
    if not planned and number != 2:
        return
    anchor = window_start if planned else add_days(until, -cp.cd4_validity_days.value)
    ref = ctx.latest(Analyte.CD4, after=ctx.last_infusion, on_or_after=anchor,
                     quantitative=True)
    if ref is None or ref.value is None:
        yield rule.due("cd4", anchor)
    elif ref.value <= cp.cd4_above.value:
        yield rule.due("cd4", add_months(ref.date, cp.cd4_recheck_months.value))


def _last_infusion_fact(ctx: Context) -> Infusion | None:
    course = ctx.last_course
    return course.infusions[-1] if course else None


# ---- R-E4 maximum --------------------------------------------------------------------------


def _maximum(ctx: Context) -> Iterator[Output]:
    number = ctx.next_course_number
    limit = ctx.params.core.max_courses.value
    if limit is not None:
        if number > limit:
            yield R_E4.gate(
                GateOutcome.BLOCK, None,
                f"course {number}: the maximum of {limit} courses has been given",
                evidence([_last_infusion_fact(ctx)]),
            )
        return
    studied = ctx.params.course.us_warn_above_courses.value
    if number > studied:
        yield R_E4.gate(
            GateOutcome.WARN, None,
            f"course {number}: beyond the {studied} courses studied (no stated maximum in the "
            f"US label)",
            evidence([_last_infusion_fact(ctx)]),
        )


# ---- infusion record: R-E1, R-E9, R-E11 ----------------------------------------------------


def _recent_course(ctx: Context) -> Course | None:
    """The most recent course while its infusion record is current (✱ 30 days)."""
    course = ctx.last_course
    if course is None:
        return None
    scheduled_end = add_days(course.first_day, ctx.scheduled_days(course.number) - 1)
    horizon = add_days(max(course.last_day, scheduled_end),
                       ctx.params.course.infusion_record_days.value)
    return course if ctx.as_of <= horizon else None


def _dose(ctx: Context) -> Iterator[Output]:
    course = _recent_course(ctx)
    if course is None:
        return
    daily = ctx.params.core.daily_dose_mg.value
    scheduled = ctx.scheduled_days(course.number)
    problems: list[str] = []
    facts: list[Infusion] = []
    for inf in course.infusions:
        if inf.dose_mg is not None and abs(inf.dose_mg - daily) > 1e-6:
            problems.append(f"{inf.dose_mg:g} mg on {inf.date.isoformat()} (≠ {daily:g} mg)")
            facts.append(inf)
    by_day: dict[date, list[Infusion]] = {}
    for inf in course.infusions:
        by_day.setdefault(inf.date, []).append(inf)
    for day, infs in by_day.items():
        if len(infs) > 1:
            problems.append(f"{len(infs)} infusions on {day.isoformat()} (missed doses must not "
                            f"be given on the same day as a scheduled dose)")
            facts.extend(infs)
    days = sorted(by_day)
    if len(days) > scheduled:
        problems.append(f"{len(days)} infusion days in course {course.number} "
                        f"(scheduled {scheduled})")
        facts.extend(course.infusions)
    gaps = [(a, b) for a, b in pairwise(days) if (b - a).days > 1]
    for a, b in gaps:
        problems.append(f"missed day between {a.isoformat()} and {b.isoformat()}")
        facts.extend(by_day[a] + by_day[b])
    scheduled_end = add_days(course.first_day, scheduled - 1)
    if not gaps and len(days) < scheduled and ctx.as_of > scheduled_end:
        problems.append(f"course {course.number} incomplete: {len(days)} of {scheduled} days "
                        f"given by {scheduled_end.isoformat()}")
        facts.extend(course.infusions)
    if problems:
        yield R_E1.finding(
            Severity.WARN,
            f"Course {course.number} dosing: " + "; ".join(problems),
            ("Check the infusion record and the prescription",
             f"Give {daily:g} mg once a day; a missed dose is given on a later separate day"),
            _unique_evidence(facts),
        )


def _duration(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    course = _recent_course(ctx)
    if course is None:
        return
    low, high = cp.min_duration_min.value, cp.max_duration_min.value
    for inf in course.infusions:
        if inf.start is None or inf.end is None:
            continue
        minutes = round((inf.end - inf.start).total_seconds() / 60)
        if low <= minutes <= high:
            continue
        bound = f"< {low}" if minutes < low else f"> {high}"
        yield R_E9.finding(
            Severity.WARN,
            f"Infusion on {inf.date.isoformat()} lasted {minutes} min ({bound} min): "
            f"alemtuzumab is given over 4 to 8 hours",
            ("Check the rate steps (Table I) and record the reason",),
            [Evidence.of(inf)],
        )


def _vitals(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    course = _recent_course(ctx)
    if course is None:
        return
    gap_limit = timedelta(minutes=cp.vitals_max_gap_min.value)
    observation = timedelta(minutes=cp.observation_min.value)
    for inf in course.infusions:
        if inf.start is None:
            continue
        day_vitals = sorted((v for v in ctx.facts.vitals if v.date == inf.date),
                            key=lambda v: (v.at, v.ref))
        before = [v for v in day_vitals if v.at <= inf.start]
        problems: list[str] = []
        facts: list[VitalSign] = []
        if not before:
            problems.append(f"no vital signs before the start at {inf.start:%H:%M}")
        # Sets during the infusion and the 2-h observation; the tail is checked once the day
        # is over (✱ on the infusion day itself the observation may still be running).
        end_of_obs = inf.end + observation if inf.end is not None else None
        times = sorted({v.at for v in day_vitals if v.at > inf.start
                        and (end_of_obs is None or v.at <= end_of_obs)})
        points = [before[-1].at if before else inf.start, *times]
        if end_of_obs is not None and ctx.as_of > inf.date:
            points.append(end_of_obs)
        for a, b in pairwise(points):
            if b - a > gap_limit:
                problems.append(f"{round((b - a).total_seconds() / 60)} min without vital "
                                f"signs from {a:%H:%M} to {b:%H:%M} "
                                f"(> {cp.vitals_max_gap_min.value} min)")
                facts.extend(v for v in day_vitals if v.at in (a, b))
        if problems:
            yield R_E11.finding(
                Severity.WARN,
                f"Vital signs on {inf.date.isoformat()}: " + "; ".join(problems),
                ("Record heart rate, blood pressure and temperature before the infusion, every "
                 "hour during it and during the 2-hour observation",),
                _unique_evidence([inf, *facts]),
            )


# ---- R-E7 herpes prophylaxis ---------------------------------------------------------------


def _herpes(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    course = ctx.last_course
    if course is None:
        yield R_E7.window("herpes_prophylaxis_until", None)
        return
    d1, last = course.first_day, course.last_day
    s3_end = add_days(d1, cp.herpes_min_days.value)
    rule = cp.herpes_rule.value
    if rule == "es2019":
        yield R_E7.window("herpes_prophylaxis_until", s3_end)
        return
    if rule != "us":
        # D4: eu = later of S3 4 weeks from D1 and EU ◐ 1 month after the last infusion.
        eu_end = add_months(last, cp.herpes_eu_months.value)
        yield R_E7.window("herpes_prophylaxis_until", max(s3_end, eu_end))
        return
    two_months = add_months(last, cp.herpes_us_months.value)
    floor = cp.herpes_us_cd4_at_least.value
    by_then = ctx.latest(Analyte.CD4, after=last, on_or_before=two_months, quantitative=True)
    if by_then is not None and by_then.value is not None and by_then.value >= floor:
        yield R_E7.window("herpes_prophylaxis_until", two_months)
        return
    later = [r for r in ctx.results(Analyte.CD4)
             if r.date > two_months and r.value is not None and r.value >= floor]
    if later:
        yield R_E7.window("herpes_prophylaxis_until", later[0].date)
        return
    yield R_E7.window("herpes_prophylaxis_until", None)
    if ctx.phase is Phase.MONITORING_COMPLETE:
        return
    latest = ctx.latest(Analyte.CD4, after=last, quantitative=True)
    value = (f"latest CD4 {latest.value:g} /uL (< {floor:g})" if latest is not None
             and latest.value is not None else "no CD4 count since the course")
    yield R_E7.finding(
        Severity.INFO,
        f"Herpes prophylaxis: continue at least until {two_months.isoformat()} and until CD4 "
        f"≥{floor:g} /uL ({value})",
        ("Continue aciclovir until CD4 ≥200 cells/µL and at least 2 months after the course",),
        evidence([latest]),
    )
    recheck = two_months
    if latest is not None and latest.date >= two_months:
        recheck = add_months(latest.date, cp.cd4_recheck_months.value)
    yield R_E7.due("cd4", recheck)


# ---- R-E12 platelets after infusion --------------------------------------------------------


def _post_infusion_platelets(ctx: Context) -> Iterator[Output]:
    """Due while the course is under way (✱: and for 7 days after its last scheduled day),
    unless a platelet count dated that day is recorded."""
    course = ctx.last_course
    if course is not None and ctx.as_of <= add_days(
            course.first_day, ctx.scheduled_days(course.number) - 1 + 7):
        d1, number = course.first_day, course.number
    elif ctx.phase is Phase.IN_COURSE and ctx.planned_start is not None:
        d1, number = ctx.planned_start, ctx.next_course_number
    else:
        return
    dates = [add_days(d1, day - 1) for day in ((3, 5) if number == 1 else (3,))]
    for i, on in enumerate(dates):
        if ctx.latest(Analyte.PLATELETS, on_or_after=on, on_or_before=on) is not None:
            continue
        if i + 1 < len(dates) and ctx.as_of >= dates[i + 1]:
            continue  # ✱ a missed day-3 count is superseded by the day-5 count
        # The engine keeps the earliest date per (item, rule): day 5 shows once day 3 is done.
        yield R_E12.due("cbc", on)


# ---- R-E13 late infusion events ------------------------------------------------------------

_LATE_SYMPTOMS = frozenset({
    SymptomCode.STROKE, SymptomCode.ARTERIAL_DISSECTION, SymptomCode.MYOCARDIAL_ISCHAEMIA,
    SymptomCode.ALVEOLAR_HAEMORRHAGE,
    # ✱ presenting symptoms of myocardial ischaemia and alveolar haemorrhage count too.
    SymptomCode.CHEST_PAIN, SymptomCode.HAEMOPTYSIS,
})
_LATE_CONDITIONS = (ConditionKind.STROKE, ConditionKind.ARTERIAL_DISSECTION,
                    ConditionKind.ANGINA_MI, ConditionKind.ALVEOLAR_HAEMORRHAGE)


def _late_events(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    infusions = sorted((i for c in ctx.courses for i in c.infusions), key=lambda i: i.date)
    if not infusions:
        return
    events: list[tuple[date, Symptom | Condition, str]] = [
        (s.date, s, s.code.value.replace("-", " ")) for s in ctx.facts.symptoms
        if s.code in _LATE_SYMPTOMS
    ]
    for c in ctx.conditions(*_LATE_CONDITIONS, active_only=False):
        when = c.onset or c.recorded
        if when is not None:
            events.append((when, c, c.display))
    for when, fact, name in sorted(events, key=lambda e: e[0]):
        # ✱ reported while the event is ≤30 days old; it is then managed outside this rule.
        if (ctx.as_of - when).days > cp.late_event_days.value:
            continue
        before = [i for i in infusions if i.date <= when]
        if not before or (when - before[-1].date).days > cp.late_event_days.value:
            continue
        inf = before[-1]
        yield R_E13.finding(
            Severity.CRITICAL,
            f"{name.capitalize()} on {when.isoformat()}, {(when - inf.date).days} days after "
            f"the alemtuzumab infusion of {inf.date.isoformat()} (≤ "
            f"{cp.late_event_days.value} days)",
            ("Emergency assessment now (stroke/cervicocephalic dissection, myocardial "
             "ischaemia, alveolar haemorrhage)",
             "Hospitalise and extend observation; report as a serious adverse reaction"),
            [Evidence.of(fact), Evidence.of(inf)],
        )


# ---- R-E15 infusion reactions --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resumption:
    """Where an infusion stands after a reaction, and its projected end if resumed."""

    delivered_ml: float
    remaining_ml: float
    rate_at_stop_ml_h: float
    resume_rate_ml_h: float
    projected_end: datetime
    projected_minutes: int


def rate_at(minute: float, steps: tuple[tuple[int, float], ...]) -> float:
    """Table I rate (mL/h) in force ``minute`` minutes after the start."""
    elapsed = 0
    for length, rate in steps:
        elapsed += length
        if minute < elapsed:
            return rate
    return steps[-1][1]


def delivered_by(minute: float, steps: tuple[tuple[int, float], ...]) -> float:
    """Volume (mL) given by ``minute`` minutes after the start, following Table I."""
    volume, elapsed = 0.0, 0.0
    for length, rate in steps:
        part = min(max(minute - elapsed, 0.0), float(length))
        volume += rate * part / 60
        elapsed += length
    if minute > elapsed:
        volume += steps[-1][1] * (minute - elapsed) / 60
    return volume


def resumption(start: datetime, stopped_at: datetime, cp: CourseParams,
               rate_at_stop: float | None = None) -> Resumption:
    """R-E15 ✱: resume at 50 % of the rate at stop and keep that rate to the end (re-escalation
    is the clinician's decision); the pause while symptoms subside is not known in advance, so
    the projected end assumes an immediate resumption ("plus the pause")."""
    steps = cp.rate_steps.value
    minute = (stopped_at - start).total_seconds() / 60
    delivered = min(delivered_by(minute, steps), cp.bag_volume_ml.value)
    remaining = cp.bag_volume_ml.value - delivered
    stop_rate = rate_at_stop if rate_at_stop is not None else rate_at(minute, steps)
    resume = stop_rate * cp.resume_rate_fraction.value
    end = stopped_at + timedelta(minutes=remaining / resume * 60)
    total = round((end - start).total_seconds() / 60)
    return Resumption(delivered, remaining, stop_rate, resume, end, total)


def _reactions(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    course = _recent_course(ctx)
    if course is None:
        return
    refs = {i.ref: i for i in course.infusions}
    by_date = {i.date: i for i in course.infusions}
    for reaction in sorted(ctx.facts.reactions, key=lambda r: r.at):
        inf = refs.get(reaction.infusion_ref or "") or by_date.get(reaction.date)
        if inf is None or reaction.grade < 2:
            continue  # grade 1: symptomatic medication, continue the infusion; no finding
        if reaction.grade >= 4:
            yield R_E15.finding(
                Severity.CRITICAL,
                f"Grade 4 infusion reaction at {reaction.at:%Y-%m-%d %H:%M}: infusion stopped",
                (*_TABLE_R_GRADE_4, "Major medical intervention; probable hospitalisation"),
                [Evidence.of(reaction), Evidence.of(inf)],
            )
            continue
        actions = list(_TABLE_R_GRADE_2_3)
        if inf.start is not None:
            res = resumption(inf.start, reaction.at, cp, reaction.rate_at_stop_ml_h)
            actions.append(
                f"Resume at {res.resume_rate_ml_h:g} mL/h (50 % of {res.rate_at_stop_ml_h:g} "
                f"mL/h); {res.remaining_ml:.1f} mL left; projected end "
                f"{res.projected_end:%H:%M} plus the pause")
            if res.projected_minutes > cp.max_duration_min.value:
                yield R_E9.finding(
                    Severity.WARN,
                    f"Projected infusion on {inf.date.isoformat()} after the grade "
                    f"{reaction.grade} reaction: {res.projected_minutes} min "
                    f"(> {cp.max_duration_min.value} min)",
                    ("Decide with the physician whether to re-escalate the rate or stop",),
                    [Evidence.of(reaction), Evidence.of(inf)],
                )
        else:
            actions.append("Resume at 50 % of the rate at which it was stopped (start time not "
                           "recorded: end not computed)")
        yield R_E15.finding(
            Severity.WARN,
            f"Grade {reaction.grade} infusion reaction at {reaction.at:%Y-%m-%d %H:%M}",
            actions,
            [Evidence.of(reaction), Evidence.of(inf)],
        )


# ---- R-G0: orders (item 9) and infusion-day checks -----------------------------------------

_ORDER_NAMES = {
    Drug.METHYLPREDNISOLONE: "methylprednisolone",
    Drug.PARACETAMOL: "paracetamol",
    Drug.DEXCHLORPHENIRAMINE: "dexchlorpheniramine",
    Drug.PANTOPRAZOLE: "pantoprazole",
}


def _orders(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    """R-G0 item 9: premedication (Table P, or the label's corticosteroid) and aciclovir from D1
    ordered for the course under assessment. ✱ An order belongs to the course when it starts
    after the previous course's last infusion and on or before D1_eff (undated orders count for
    course 1 only)."""
    last = ctx.last_infusion
    orders: list[MedicationOrder] = []
    for o in ctx.facts.orders:
        if o.start is None:
            if last is None:
                orders.append(o)
        elif (last is None or o.start > last) and o.start <= ctx.d1_eff:
            orders.append(o)
    ordered = {o.drug for o in orders}
    required = [Drug.METHYLPREDNISOLONE]
    if cp.premedication_regimen.value == "es2019":
        required += [Drug.PARACETAMOL, Drug.DEXCHLORPHENIRAMINE, Drug.PANTOPRAZOLE]
    missing = [_ORDER_NAMES[d] for d in required if d not in ordered]
    if missing:
        yield R_G0.gate(GateOutcome.WARN, None,
                        f"premedication not ordered for course {ctx.next_course_number}: "
                        + ", ".join(missing))
    if not ordered & {Drug.ACICLOVIR, Drug.VALACICLOVIR}:
        yield R_G0.gate(GateOutcome.WARN, None,
                        f"herpes prophylaxis (aciclovir from D1) not ordered for course "
                        f"{ctx.next_course_number}")


def _infusion_day(ctx: Context, cp: CourseParams) -> Iterator[Output]:
    if ctx.phase is not Phase.IN_COURSE:
        return
    today = ctx.as_of
    started = ctx.course_in_progress
    if started is not None:
        if any(i.date == today for i in started.infusions):
            return  # today's infusion is recorded: R-E11/R-E15 review it
        if started.days_given >= ctx.scheduled_days(started.number):
            return
        course_start = started.first_day
    else:
        course_start = ctx.d1
    day_vitals = [v for v in ctx.facts.vitals if v.date == today]
    checks: list[tuple[GateOutcome, str, list[Evidence]]] = []
    if not day_vitals:
        checks.append((GateOutcome.WARN, "no pre-infusion vital signs recorded today", []))
    temps = [v for v in day_vitals if v.kind is VitalKind.TEMPERATURE]
    fever = [v for v in temps if v.value >= cp.fever_hold_c.value]
    if fever:
        top = max(fever, key=lambda v: v.value)
        checks.append((GateOutcome.HOLD,
                       f"temperature {top.value:g} °C (≥ {cp.fever_hold_c.value:g} °C): do not "
                       f"infuse until fever is assessed", [Evidence.of(top)]))
    unresolved = _unresolved_grade4(ctx, course_start)
    if unresolved is not None:
        checks.append((GateOutcome.HOLD,
                       f"grade 4 infusion reaction on {unresolved.date.isoformat()} without a "
                       f"physician order to resume", [Evidence.of(unresolved)]))
    for outcome, reason, ev in checks:
        text = f"infusion day {today.isoformat()}: {reason}"
        if started is None:
            yield R_G0.gate(outcome, None, text, ev)
        else:
            severity = Severity.URGENT if outcome is GateOutcome.HOLD else Severity.WARN
            yield R_G0.finding(
                severity, text[0].upper() + text[1:],
                ("Do not start today's infusion until this is resolved" if severity is
                 Severity.URGENT else "Record heart rate, blood pressure and temperature "
                 "before starting the infusion",),
                ev,
            )


def _unresolved_grade4(ctx: Context, course_start: date) -> InfusionReaction | None:
    """A grade-4 reaction of this course with no infusion since and no order to resume dated on
    or after it (✱ 'the next infusion day', not only the calendar day after)."""
    infusions = [i for i in ctx.facts.infusions if i.date >= course_start]
    for r in sorted(ctx.facts.reactions, key=lambda r: r.at, reverse=True):
        if r.grade < 4 or r.date < course_start or r.date >= ctx.as_of:
            continue
        if any(i.date > r.date for i in infusions):
            continue
        orders = [s for s in ctx.statements(StatementCode.PHYSICIAN_ORDER_TO_RESUME)
                  if s.value and s.date >= r.date]
        if not orders:
            return r
    return None


def _unique_evidence(facts: Iterable[Infusion | VitalSign]) -> tuple[Evidence, ...]:
    return tuple(dict.fromkeys(Evidence.of(f) for f in facts))
