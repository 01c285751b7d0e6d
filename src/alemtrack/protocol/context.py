"""The evaluation context: one patient's facts seen on one date under one profile.

``build_context`` derives what every rule family needs (clinical-rules.md §1): the courses given,
the course under assessment and its day 1 (``d1``) and effective day 1 (``d1_eff``), the
monitoring anchor and the phase, and offers the result queries the rules share (latest,
previous, baseline, concurrent, reference limits). Nothing here reads the clock: ``as_of`` is
always passed in, and facts dated after it are invisible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from functools import cached_property

from .dates import add_days, add_months, add_weeks, age_on
from .facts import (
    Analyte,
    Condition,
    ConditionKind,
    Drug,
    Infusion,
    LabResult,
    MedicationUse,
    PatientFacts,
    Sex,
    Statement,
    StatementCode,
    Vaccination,
)
from .parameters import WASHOUT_DRUGS, Parameters, WashoutRow, washout_row


class Phase(Enum):
    CANDIDATE = "candidate"
    PRE_TREATMENT = "pre-treatment"
    IN_COURSE = "in-course"
    MONITORING = "monitoring"
    MONITORING_COMPLETE = "monitoring-complete"


@dataclass(frozen=True, slots=True)
class Course:
    """A course actually given: consecutive infusion days (§1 Course)."""

    number: int
    infusions: tuple[Infusion, ...]

    @property
    def first_day(self) -> date:
        return self.infusions[0].date

    @property
    def last_day(self) -> date:
        return self.infusions[-1].date

    @property
    def days_given(self) -> int:
        return len({i.date for i in self.infusions})


def group_courses(infusions: Iterable[Infusion], new_course_gap_days: int) -> tuple[Course, ...]:
    """Infusions -> courses: one more than ``new_course_gap_days`` after the previous starts a
    new course; otherwise it joins the current one (late missed doses included)."""
    ordered = sorted(infusions, key=lambda i: (i.date, i.ref))
    groups: list[list[Infusion]] = []
    for infusion in ordered:
        if groups and (infusion.date - groups[-1][-1].date).days <= new_course_gap_days:
            groups[-1].append(infusion)
        else:
            groups.append([infusion])
    return tuple(Course(n, tuple(g)) for n, g in enumerate(groups, start=1))


def _dated(fact: object) -> date | None:
    for name in ("date", "onset", "start"):
        value = getattr(fact, name, None)
        if isinstance(value, date):
            return value
    return None


def visible_on(facts: PatientFacts, as_of: date) -> PatientFacts:
    """The record as it stood on ``as_of``: anything dated later is dropped (§1 Results)."""

    def keep(items: tuple[object, ...]) -> tuple[object, ...]:
        out = []
        for item in items:
            d = _dated(item)
            if d is None or d <= as_of:
                out.append(item)
        return tuple(out)

    # Planned courses are intentions, not events: a plan dated later is still visible.
    return replace(
        facts,
        conditions=keep(facts.conditions),  # type: ignore[arg-type]
        medications=tuple(m for m in facts.medications if m.start is None or m.start <= as_of),
        infusions=keep(facts.infusions),  # type: ignore[arg-type]
        labs=keep(facts.labs),  # type: ignore[arg-type]
        vaccinations=keep(facts.vaccinations),  # type: ignore[arg-type]
        procedures=keep(facts.procedures),  # type: ignore[arg-type]
        relapses=keep(facts.relapses),  # type: ignore[arg-type]
        mri=keep(facts.mri),  # type: ignore[arg-type]
        edss=keep(facts.edss),  # type: ignore[arg-type]
        statements=keep(facts.statements),  # type: ignore[arg-type]
        consents=keep(facts.consents),  # type: ignore[arg-type]
        vitals=keep(facts.vitals),  # type: ignore[arg-type]
        symptoms=keep(facts.symptoms),  # type: ignore[arg-type]
        checklists=keep(facts.checklists),  # type: ignore[arg-type]
        reactions=keep(facts.reactions),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Context:
    """Facts + ``as_of`` + profile, with the derived dates of §1. Build with ``build_context``."""

    facts: PatientFacts
    as_of: date
    params: Parameters
    courses: tuple[Course, ...]
    planned_start: date | None
    """Planned day 1 of the next course (``--planned-start`` or a MedicationRequest plan)."""
    d1: date
    """Day 1 of the course under assessment: planned start, else ``as_of`` (§1)."""
    d1_eff: date = field(default=date.min)
    """Latest of ``d1`` and the dated gates (R-C3, R-D1 wait, R-E2/E3 interval)."""

    # ---- courses, anchors, phase --------------------------------------------------------

    @property
    def next_course_number(self) -> int:
        return len(self.courses) + 1

    @property
    def last_course(self) -> Course | None:
        return self.courses[-1] if self.courses else None

    @property
    def last_infusion(self) -> date | None:
        """Last day infused of the most recent course."""
        return self.courses[-1].last_day if self.courses else None

    @property
    def first_infusion(self) -> date | None:
        """Day 1 actually given of course 1."""
        return self.courses[0].first_day if self.courses else None

    @property
    def monitoring_end(self) -> date | None:
        last = self.last_infusion
        return add_months(last, self.params.core.monitoring_months.value) if last else None

    def scheduled_days(self, course_number: int) -> int:
        core = self.params.core
        return core.course1_days.value if course_number == 1 else core.later_course_days.value

    @property
    def course_in_progress(self) -> Course | None:
        """The latest course when ``as_of`` lies between its first and last scheduled day."""
        course = self.last_course
        if course is None:
            return None
        last_scheduled = add_days(course.first_day, self.scheduled_days(course.number) - 1)
        return course if course.first_day <= self.as_of <= last_scheduled else None

    @cached_property
    def phase(self) -> Phase:
        if self.course_in_progress is not None:
            return Phase.IN_COURSE
        start = self.planned_start
        if start is not None and start <= self.as_of < add_days(
            start, self.scheduled_days(self.next_course_number)
        ):
            return Phase.IN_COURSE
        if not self.courses:
            return Phase.PRE_TREATMENT if start is not None else Phase.CANDIDATE
        end = self.monitoring_end
        assert end is not None
        return Phase.MONITORING if self.as_of <= end else Phase.MONITORING_COMPLETE

    @property
    def next_course_dated(self) -> bool:
        """Whether pre-course items (R-B1, R-B2, R-B4, R-B6, R-B7) get due dates ✱.

        Yes when the course has a planned start, for course 1 (the work-up is the point of a
        candidate assessment), and for course 2 while its 12-month date lies ahead (D1_eff is
        fixed there). Otherwise D1 is ``as_of`` and would slide every day: a due date would be
        noise on the worklist. The gates still say what is missing.
        """
        if self.planned_start is not None or not self.courses:
            return True
        return self.next_course_number == 2 and self.d1_eff > self.as_of

    @property
    def course1_d1(self) -> date:
        """Day 1 of course 1: given, else planned, else the course under assessment's D1."""
        return self.first_infusion or self.d1

    # ---- patient --------------------------------------------------------------------------

    @property
    def female(self) -> bool:
        return self.facts.sex is Sex.FEMALE

    def age_on(self, on: date) -> int | None:
        return age_on(self.facts.birth_date, on) if self.facts.birth_date else None

    def childbearing_potential(self, on: date) -> bool:
        """✱ female aged 12-55 unless recorded otherwise (R-B2)."""
        if not self.female:
            return False
        stated = self.latest_statement(StatementCode.NOT_CHILDBEARING_POTENTIAL)
        if stated is not None and stated.value:
            return False
        age = self.age_on(on)
        return age is None or 12 <= age <= 55

    # ---- laboratory results ---------------------------------------------------------------

    @cached_property
    def _labs_by_analyte(self) -> dict[Analyte, tuple[LabResult, ...]]:
        grouped: dict[Analyte, list[LabResult]] = {}
        for lab in sorted(self.facts.labs, key=lambda r: (r.date, r.ref)):
            grouped.setdefault(lab.analyte, []).append(lab)
        return {k: tuple(v) for k, v in grouped.items()}

    def results(self, *analytes: Analyte) -> tuple[LabResult, ...]:
        """Results of these analytes, oldest first."""
        if len(analytes) == 1:
            return self._labs_by_analyte.get(analytes[0], ())
        merged = [r for a in analytes for r in self._labs_by_analyte.get(a, ())]
        return tuple(sorted(merged, key=lambda r: (r.date, r.ref)))

    def latest(
        self,
        *analytes: Analyte,
        after: date | None = None,
        on_or_after: date | None = None,
        before: date | None = None,
        on_or_before: date | None = None,
        quantitative: bool = False,
    ) -> LabResult | None:
        """Most recent result of these analytes within the bounds given."""
        for lab in reversed(self.results(*analytes)):
            if after is not None and lab.date <= after:
                continue
            if on_or_after is not None and lab.date < on_or_after:
                continue
            if before is not None and lab.date >= before:
                continue
            if on_or_before is not None and lab.date > on_or_before:
                continue
            if quantitative and lab.value is None:
                continue
            return lab
        return None

    def previous(self, lab: LabResult, *, quantitative: bool = True) -> LabResult | None:
        """The result of the same analyte immediately before ``lab``."""
        earlier = None
        for candidate in self.results(lab.analyte):
            if candidate is lab or (candidate.date, candidate.ref) >= (lab.date, lab.ref):
                break
            if quantitative and candidate.value is None:
                continue
            earlier = candidate
        return earlier

    def baseline(self, analyte: Analyte) -> LabResult | None:
        """Latest quantitative result before day 1 of course 1 (§1 Results)."""
        return self.latest(analyte, before=self.course1_d1, quantitative=True)

    def concurrent(
        self, analyte: Analyte, on: date, *, quantitative: bool = False
    ) -> LabResult | None:
        """Latest result within ``concurrent_days`` either side of ``on`` (§1 ✱ 7 days)."""
        days = self.params.core.concurrent_days.value
        return self.latest(
            analyte,
            on_or_after=add_days(on, -days),
            on_or_before=add_days(on, days),
            quantitative=quantitative,
        )

    def uln(self, lab: LabResult) -> float | None:
        """The lab's upper reference limit, else the §1 default."""
        return (
            lab.ref_high if lab.ref_high is not None else self.params.core.default_high(lab.analyte)
        )

    def lln(self, lab: LabResult) -> float | None:
        return lab.ref_low if lab.ref_low is not None else self.params.core.default_low(lab.analyte)

    # ---- other facts ----------------------------------------------------------------------

    def conditions(self, *kinds: ConditionKind, active_only: bool = True) -> tuple[Condition, ...]:
        return tuple(
            c for c in self.facts.conditions if c.kind in kinds and (c.active or not active_only)
        )

    def statements(self, code: StatementCode) -> tuple[Statement, ...]:
        return tuple(
            sorted(
                (s for s in self.facts.statements if s.code is code), key=lambda s: (s.date, s.ref)
            )
        )

    def latest_statement(self, code: StatementCode) -> Statement | None:
        found = self.statements(code)
        return found[-1] if found else None


# ---- dated gates that fix D1_eff (§1 "Course under assessment") -----------------------------


def interval_until(ctx: Context) -> date | None:
    """R-E2/R-E3 (a): the next course not before 12 months after the last infusion (D11)."""
    last = ctx.last_infusion
    return add_months(last, ctx.params.course.interval_months.value) if last else None


def live_vaccines_in_gap(ctx: Context) -> tuple[date | None, tuple[Vaccination, ...]]:
    """R-C3: live doses dated in (D1 - 42 d, D1]; returns (until, doses)."""
    gap = ctx.params.vaccination.live_vaccine_gap_days.value
    doses = tuple(
        v for v in ctx.facts.vaccinations if v.live and add_days(ctx.d1, -gap) < v.date <= ctx.d1
    )
    if not doses:
        return None, ()
    return add_days(max(v.date for v in doses), gap), doses


def washout_statements(ctx: Context) -> tuple[MedicationUse, ...]:
    """R-D1: the DMTs to check: each last dosed ≤ lookback before D1, and always the most recent.

    A statement with no last dose (still taking, or not recorded) is always checked. Once
    alemtuzumab has been given, only DMTs taken after its last infusion count ✱: a DMT stopped
    before course 1 was washed out for course 1, and re-checking its lymphocyte gate before course
    2 would read alemtuzumab's own lymphopenia as an unfinished washout.
    """
    dmts = [
        m
        for m in ctx.facts.medications
        if (m.drug in WASHOUT_DRUGS or m.drug is Drug.OTHER_DMT) and _after_alemtuzumab(ctx, m)
    ]
    if not dmts:
        return ()
    lookback = add_months(ctx.d1, -ctx.params.washout.lookback_months.value)
    ongoing = [m for m in dmts if m.last_dose is None]
    dated = sorted(
        (m for m in dmts if m.last_dose is not None), key=lambda m: (m.last_dose or date.min, m.ref)
    )
    chosen = {m.ref: m for m in ongoing}
    for m in dated:
        if m.last_dose is not None and m.last_dose >= lookback:
            chosen[m.ref] = m
    if dated:
        chosen.setdefault(dated[-1].ref, dated[-1])
    return tuple(chosen.values())


def _after_alemtuzumab(ctx: Context, m: MedicationUse) -> bool:
    last = ctx.last_infusion
    if last is None:
        return True
    if m.last_dose is not None:
        return m.last_dose > last
    return m.active or m.start is None or m.start > last


def washout_wait_until(med: MedicationUse, row: WashoutRow) -> date | None:
    """R-D1 (a): last dose + the row's minimum wait; None when the last dose is unknown."""
    if med.last_dose is None:
        return None
    end = add_weeks(med.last_dose, row.wait_weeks)
    return add_months(end, row.wait_months) if row.wait_months else end


def washout_waits(ctx: Context) -> tuple[date, ...]:
    waits = []
    for med in washout_statements(ctx):
        row = washout_row(med.drug)
        if row is None:
            continue
        until = washout_wait_until(med, row)
        if until is not None:
            waits.append(until)
    return tuple(waits)


def build_context(
    facts: PatientFacts,
    as_of: date,
    params: Parameters,
    planned_start: date | None = None,
) -> Context:
    """Derive courses, D1 and D1_eff for ``facts`` as they stood on ``as_of``."""
    visible = visible_on(facts, as_of)
    courses = group_courses(visible.infusions, params.core.new_course_gap_days.value)
    if planned_start is None:
        last = courses[-1].last_day if courses else None
        plans = sorted(
            pc.start for pc in visible.planned_courses if last is None or pc.start > last
        )
        planned_start = plans[0] if plans else None
    d1 = planned_start or as_of
    ctx = Context(visible, as_of, params, courses, planned_start, d1, d1)
    dated = [
        d
        for d in (interval_until(ctx), live_vaccines_in_gap(ctx)[0], *washout_waits(ctx))
        if d is not None
    ]
    return replace(ctx, d1_eff=max([d1, *dated]))
