"""The course plan: day-by-day orders for one alemtuzumab course (interfaces.md §3).

Pure: facts (or None), a start date and clock time, a course number, a premedication regimen
and a profile in; a ``CoursePlan`` out. It implements the plan side of clinical-rules.md §6:
Table P premedication (S3 Fig 3, or the label scheme, D3), gastric protection, herpes
prophylaxis (R-E7, D4), preparation (S3 Fig 3, §12 N4), Table I rate steps with clock times,
vital-sign times (R-E11), the 2-h observation (R-E10), post-infusion platelet counts (R-E12),
the infusion-day checks (R-G0), advice after the course (R-E14) and the windows that start
with the course (herpes, Listeria, contraception, breastfeeding, live vaccines).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from .context import group_courses
from .dates import add_days, add_months, age_on
from .facts import PatientFacts, Sex, StatementCode
from .parameters import PROFILES, Parameters

Regimen = Literal["es2019", "label"]
REGIMENS: tuple[Regimen, ...] = ("es2019", "label")


@dataclass(frozen=True, slots=True)
class Dose:
    """One administration of a medicine at a clock time."""

    at: datetime
    drug: str
    dose: str
    route: str
    purpose: str
    rule: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class RateStep:
    """One step of Table I: from ``start`` to ``end`` at ``rate_ml_h``."""

    start: datetime
    end: datetime
    rate_ml_h: float
    volume_ml: float

    @property
    def minutes(self) -> int:
        return round((self.end - self.start).total_seconds() / 60)


@dataclass(frozen=True, slots=True)
class InfusionDay:
    day: int
    date: date
    alemtuzumab_mg: float
    premedication: tuple[Dose, ...]
    prophylaxis: tuple[Dose, ...]
    infusion_start: datetime
    infusion_end: datetime
    rate_steps: tuple[RateStep, ...]
    vital_sign_times: tuple[datetime, ...]
    observation_end: datetime
    checks: tuple[str, ...]

    @property
    def duration_min(self) -> int:
        return round((self.infusion_end - self.infusion_start).total_seconds() / 60)


@dataclass(frozen=True, slots=True)
class PlanWindow:
    name: str
    value: date | None
    rule: str
    note: str = ""
    start: date | None = None


@dataclass(frozen=True, slots=True)
class CoursePlan:
    patient: str | None
    profile: str
    course_number: int
    regimen: Regimen
    start: date
    days: tuple[InfusionDay, ...]
    preparation: tuple[str, ...]
    herpes_prophylaxis: str
    post_course_advice: tuple[str, ...]
    windows: tuple[PlanWindow, ...]
    warnings: tuple[str, ...]

    @property
    def last_day(self) -> date:
        return self.days[-1].date

    @property
    def total_dose_mg(self) -> float:
        return sum(d.alemtuzumab_mg for d in self.days)

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "profile": self.profile,
            "course": self.course_number,
            "regimen": self.regimen,
            "start": self.start.isoformat(),
            "last_day": self.last_day.isoformat(),
            "total_dose_mg": self.total_dose_mg,
            "days": [_day_dict(d) for d in self.days],
            "preparation": list(self.preparation),
            "herpes_prophylaxis": self.herpes_prophylaxis,
            "post_course_advice": list(self.post_course_advice),
            "windows": {
                w.name: {"date": _iso(w.value), "from": _iso(w.start), "rule": w.rule,
                         "note": w.note}
                for w in self.windows
            },
            "warnings": list(self.warnings),
        }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _hm(t: datetime) -> str:
    return t.strftime("%H:%M")


def _dose_dict(d: Dose) -> dict[str, Any]:
    return {"time": _hm(d.at), "date": d.at.date().isoformat(), "drug": d.drug, "dose": d.dose,
            "route": d.route, "purpose": d.purpose, "rule": d.rule, "note": d.note}


def _day_dict(d: InfusionDay) -> dict[str, Any]:
    return {
        "day": d.day,
        "date": d.date.isoformat(),
        "alemtuzumab_mg": d.alemtuzumab_mg,
        "premedication": [_dose_dict(x) for x in d.premedication],
        "prophylaxis": [_dose_dict(x) for x in d.prophylaxis],
        "infusion": {
            "start": _hm(d.infusion_start),
            "end": _hm(d.infusion_end),
            "duration_min": d.duration_min,
            "rate_steps": [
                {"start": _hm(s.start), "end": _hm(s.end), "minutes": s.minutes,
                 "rate_ml_h": s.rate_ml_h, "volume_ml": round(s.volume_ml, 2)}
                for s in d.rate_steps
            ],
        },
        "vital_signs": [_hm(t) for t in d.vital_sign_times],
        "observation_end": _hm(d.observation_end),
        "checks": list(d.checks),
    }


PREPARATION: tuple[str, ...] = (
    "1 vial alemtuzumab 12 mg/1.2 mL into 100 mL sodium chloride 0.9 % or glucose 5 % "
    "(not glucose-saline); aseptic technique, laminar flow not required",
    "Do not shake; protect the bag from light (opaque bag; the line need not be opaque)",
    "Give immediately after mixing, or store at most 8 hours at 2-8 °C protected from light",
    "Prime the line with the drug solution, not with saline",
    "Make sure the solution left in the line is given at the end of the infusion",
)

POST_COURSE_ADVICE: tuple[str, ...] = (
    "Oral antihistamine and antipyretic at home if rash or headache; return to hospital if "
    "symptoms persist or worsen",
    "Seek emergency care for sudden weakness, speech or vision loss, severe headache or neck "
    "pain, chest pain, breathlessness or coughing blood (stroke, dissection, myocardial "
    "ischaemia, alveolar haemorrhage: mostly within 1-3 days)",
    "Hand and body hygiene; avoid poorly ventilated and crowded places",
    "Keep the Listeria diet: no raw or undercooked meat or fish, no unpasteurised dairy",
    "Patient alert card with the medication given",
    "Monthly blood and urine tests and symptom checklist for 48 months after the last infusion",
)


def courses_given(facts: PatientFacts | None, before: date, params: Parameters) -> int:
    """Courses given before ``before`` (§1 Course grouping)."""
    if facts is None:
        return 0
    infusions = [i for i in facts.infusions if i.date < before]
    return len(group_courses(infusions, params.core.new_course_gap_days.value))


def plan_course(
    facts: PatientFacts | None,
    start: date,
    start_time: time,
    course_number: int | None = None,
    regimen: Regimen | None = None,
    params: Parameters | None = None,
) -> CoursePlan:
    """Plan one course starting ``start`` with the alemtuzumab infusion at ``start_time``.

    ``course_number`` defaults to the courses given before ``start`` + 1; ``regimen`` to the
    profile's premedication regimen (D3)."""
    params = params or PROFILES["eu"]
    cp = params.course
    number = course_number or courses_given(facts, start, params) + 1
    if number < 1:
        raise ValueError(f"course number must be 1 or more, not {number}")
    chosen: Regimen = regimen or ("label" if cp.premedication_regimen.value == "label"
                                  else "es2019")
    if chosen not in REGIMENS:
        raise ValueError(f"regimen must be one of {', '.join(REGIMENS)}, not {chosen!r}")
    n_days = params.core.course1_days.value if number == 1 else params.core.later_course_days.value
    days = tuple(_infusion_day(params, number, chosen, day, add_days(start, day - 1), start_time)
                 for day in range(1, n_days + 1))
    warnings = _warnings(params, days)
    last = days[-1].date
    return CoursePlan(
        patient=facts.ref if facts is not None else None,
        profile=params.profile,
        course_number=number,
        regimen=chosen,
        start=start,
        days=days,
        preparation=PREPARATION,
        herpes_prophylaxis=_herpes_text(params, start, last),
        post_course_advice=POST_COURSE_ADVICE,
        windows=_windows(facts, params, start, last),
        warnings=warnings,
    )


def _infusion_day(params: Parameters, number: int, regimen: Regimen, day: int, on: date,
                  start_time: time) -> InfusionDay:
    cp = params.course
    start = datetime.combine(on, start_time)
    premed = _premedication(params, number, regimen, day, start)
    morning = start - timedelta(minutes=cp.antipyretic_lead_min.value)
    prophylaxis = (
        Dose(morning, "pantoprazole", f"{cp.pantoprazole_mg.value} mg", "oral",
             "gastric protection", "R-G0", "once daily on course days (Table P)"),
        Dose(morning, "aciclovir", f"{cp.aciclovir_mg.value} mg", "oral", "herpes prophylaxis",
             "R-E7", f"every {cp.aciclovir_every_h.value} h from day 1 (or valaciclovir "
             f"{cp.valaciclovir_mg.value} mg once daily)"),
        Dose(morning + timedelta(hours=cp.aciclovir_every_h.value), "aciclovir",
             f"{cp.aciclovir_mg.value} mg", "oral", "herpes prophylaxis", "R-E7",
             "second daily dose"),
    )
    steps = []
    t = start
    for minutes, rate in cp.rate_steps.value:
        end = t + timedelta(minutes=minutes)
        steps.append(RateStep(t, end, rate, rate * minutes / 60))
        t = end
    infusion_end = t
    observation_end = infusion_end + timedelta(minutes=cp.observation_min.value)
    checks = [
        "Before starting: heart rate, blood pressure, temperature (R-G0); do not start if "
        f"temperature ≥{cp.fever_hold_c.value:g} °C or after a grade 4 reaction without a "
        "physician order to resume",
        "Vital signs and skin inspection (hives, rash) every hour during the infusion and the "
        "2-hour observation (R-E11)",
        "Reaction grade 2-3: symptomatic medication, reduce the rate by 50 % or stop, flush with "
        "saline, resume at 50 % of the rate at stop; grade 4: stop and flush (R-E15)",
        "Keep the peripheral catheter in place during the 2-hour observation (R-E10)",
    ]
    if (number == 1 and day in (3, 5)) or (number > 1 and day == 3):
        checks.append("Platelet count (CBC) immediately after the infusion (R-E12)")
    return InfusionDay(
        day=day,
        date=on,
        alemtuzumab_mg=params.core.daily_dose_mg.value,
        premedication=premed,
        prophylaxis=prophylaxis,
        infusion_start=start,
        infusion_end=infusion_end,
        rate_steps=tuple(steps),
        vital_sign_times=_vital_times(params, start, infusion_end, observation_end),
        observation_end=observation_end,
        checks=tuple(checks),
    )


def methylprednisolone_mg(params: Parameters, number: int, regimen: Regimen, day: int) -> int:
    """Table P (S3 Fig 3; courses 3-4 ✱ as course 2) or the label's 1000 mg on days 1-3; 0 when
    none is given that day."""
    cp = params.course
    if regimen == "label":
        return cp.label_methylprednisolone_mg.value if day <= cp.label_steroid_days.value else 0
    scheme = cp.methylprednisolone_course1_mg.value if number == 1 else (
        cp.methylprednisolone_later_mg.value)
    return scheme[day - 1] if day <= len(scheme) else 0


def _premedication(params: Parameters, number: int, regimen: Regimen, day: int,
                   start: datetime) -> tuple[Dose, ...]:
    cp = params.course
    early = start - timedelta(minutes=cp.antipyretic_lead_min.value)
    optional = "" if regimen == "es2019" else "may be considered (label)"
    doses = [
        Dose(early, "paracetamol", f"{cp.paracetamol_mg.value / 1000:g} g", "oral or IV",
             "antipyretic", "R-G0", optional or "on demand later that day"),
        Dose(early, "dexchlorpheniramine", f"{cp.dexchlorpheniramine_mg.value} mg",
             "oral or IV", "antihistamine", "R-G0", optional or "on demand later that day"),
    ]
    mp = methylprednisolone_mg(params, number, regimen, day)
    if mp:
        lead = cp.steroid_lead_min.value if regimen == "es2019" else cp.label_steroid_lead_min.value
        note = (f"{lead} minutes before alemtuzumab" if regimen == "es2019"
                else "to finish immediately before alemtuzumab")
        doses.append(Dose(start - timedelta(minutes=lead), "methylprednisolone", f"{mp} mg", "IV",
                          "corticosteroid premedication", "R-G0", note))
    return tuple(sorted(doses, key=lambda d: d.at))


def _vital_times(params: Parameters, start: datetime, end: datetime,
                 observation_end: datetime) -> tuple[datetime, ...]:
    """Before the start, hourly during the infusion (✱ a set ≤15 min before the end merges with
    the end-of-infusion set), at the end, and hourly during the observation."""
    cp = params.course
    every = timedelta(minutes=cp.vitals_every_min.value)
    skip = timedelta(minutes=cp.vitals_skip_before_end_min.value)
    times = [start]
    t = start + every
    while t < end - skip:
        times.append(t)
        t += every
    times.append(end)
    t = end + every
    while t < observation_end:
        times.append(t)
        t += every
    times.append(observation_end)
    return tuple(times)


def _warnings(params: Parameters, days: tuple[InfusionDay, ...]) -> tuple[str, ...]:
    cp = params.course
    out = []
    volume = sum(s.volume_ml for s in days[0].rate_steps)
    if abs(volume - cp.bag_volume_ml.value) > 0.5:
        out.append(f"Rate steps deliver {volume:g} mL, not the {cp.bag_volume_ml.value:g} mL bag")
    minutes = days[0].duration_min
    if not cp.min_duration_min.value <= minutes <= cp.max_duration_min.value:
        out.append(f"R-E9: planned infusion lasts {minutes} min (outside "
                   f"{cp.min_duration_min.value}-{cp.max_duration_min.value} min)")
    return tuple(out)


def herpes_until(params: Parameters, d1: date, last: date) -> date:
    """R-E7 window for a course D1..last (D4); for ``us`` the 2-month floor (CD4 ≥200 also
    needed, not known at planning time)."""
    cp = params.course
    s3_end = add_days(d1, cp.herpes_min_days.value)
    match cp.herpes_rule.value:
        case "es2019":
            return s3_end
        case "us":
            return add_months(last, cp.herpes_us_months.value)
    return max(s3_end, add_months(last, cp.herpes_eu_months.value))


def _herpes_text(params: Parameters, d1: date, last: date) -> str:
    cp = params.course
    until = herpes_until(params, d1, last).isoformat()
    drug = (f"Aciclovir {cp.aciclovir_mg.value} mg every {cp.aciclovir_every_h.value} h (or "
            f"valaciclovir {cp.valaciclovir_mg.value} mg once daily) from day 1 "
            f"({d1.isoformat()})")
    if cp.herpes_rule.value == "us":
        return (f"{drug} for at least 2 months after the course (to {until}) and until CD4 "
                f"≥{cp.herpes_us_cd4_at_least.value:g} cells/µL, whichever is later")
    if cp.herpes_rule.value == "es2019":
        return f"{drug} for at least 4 weeks (to {until}; 4-8 weeks per S3 Rec 16)"
    return (f"{drug} to {until} (the later of 4 weeks from day 1 and 1 month after the last "
            f"infusion)")


def _windows(facts: PatientFacts | None, params: Parameters, d1: date,
             last: date) -> tuple[PlanWindow, ...]:
    cp, screening, special = params.course, params.screening, params.special
    women = _may_become_pregnant(facts, d1)
    herpes_note = "and until CD4 ≥200 cells/µL" if cp.herpes_rule.value == "us" else ""
    contraception = special.contraception_months.value
    breastfeeding = special.breastfeeding_months.value
    return (
        PlanWindow("herpes_prophylaxis_until", herpes_until(params, d1, last), "R-E7",
                   herpes_note, d1),
        PlanWindow("listeria_diet_until",
                   add_months(last, screening.listeria_diet_months_after.value), "R-B6",
                   "avoid raw or undercooked meat and fish, unpasteurised dairy",
                   add_days(d1, -screening.listeria_advice_days_before.value)),
        PlanWindow("contraception_until",
                   add_months(last, contraception) if women else None, "R-S1",
                   f"effective contraception during the course and {contraception} months after"
                   if women else "not applicable", d1 if women else None),
        PlanWindow("breastfeeding_resume",
                   add_months(last, breastfeeding) if women else None, "R-S3",
                   f"no breastfeeding during the course and {breastfeeding} months after the "
                   "last infusion" if women else "not applicable", d1 if women else None),
        PlanWindow("live_vaccines_from",
                   add_months(last, params.vaccination.live_after_course_months.value), "R-C5",
                   "not before this date and only once CD4 >200 cells/µL"),
    )


def _may_become_pregnant(facts: PatientFacts | None, on: date) -> bool:
    """✱ Windows for women are shown when the patient is unknown, female 12-55 y, or of unknown
    age, unless recorded as not of childbearing potential (R-B2 convention)."""
    if facts is None:
        return True
    if facts.sex is not Sex.FEMALE:
        return facts.sex in (Sex.UNKNOWN, Sex.OTHER)
    stated = sorted((s for s in facts.statements
                     if s.code is StatementCode.NOT_CHILDBEARING_POTENTIAL),
                    key=lambda s: s.date)
    if stated and stated[-1].value:
        return False
    if facts.birth_date is None:
        return True
    return 12 <= age_on(facts.birth_date, on) <= 55
