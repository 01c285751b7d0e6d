"""The demo clinic: a seeded, synthetic alemtuzumab clinic of FHIR R4 bundles, one per patient.

``generate_clinic(n, seed, today)`` returns the same bundles for the same arguments (one
``random.Random`` per patient, seeded from ``seed`` and the patient's number). Every date is
relative to ``today``, so the clinic always looks current: patients in every phase (candidates
waiting for a washout, pre-treatment with a planned course 1, in-course today, monitoring at
every month 1-48 after course 1 or 2, course 2 due, course 3 after a relapse, monitoring
complete), monthly Table M histories with the post-alemtuzumab lymphopenia and its recovery,
and the complications a clinic sees: ITP, Graves' disease, hypothyroidism, anti-GBM-like renal
pictures, raised transaminases, infections, and patients who miss their blood tests.

Every name, identifier and value is invented.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from alemtrack.protocol.dates import add_days, add_months

from .fhir import MONTHLY_LABS, PatientRecord, Vitals

DEFAULT_PATIENTS = 150
DEFAULT_SEED = 2026
# Courses ending within this many days of today carry the full hourly vital-sign chart (what
# R-E11 reviews); older courses keep the pre-infusion, end and end-of-observation sets only,
# which keeps the demo database quick to build.
FULL_VITALS_DAYS = 45

FEMALE_NAMES = (
    "Amara", "Beatriz", "Camille", "Dalia", "Elin", "Freya", "Greta", "Hana", "Ines", "Jana",
    "Kaja", "Lena", "Mira", "Nadia", "Olga", "Paula", "Rosa", "Saskia", "Tilde", "Ursula",
    "Vera", "Wanda", "Yara", "Zofia", "Alba", "Brit", "Carla", "Dora", "Edda", "Flora",
    "Gaia", "Hedda", "Ilse", "Jorun", "Klara", "Liv", "Maren", "Noemi", "Ottilie", "Petra",
)
MALE_NAMES = (
    "Anton", "Bruno", "Casper", "Dario", "Emil", "Felix", "Goran", "Hugo", "Ivo", "Jonas",
    "Karl", "Leon", "Milo", "Nils", "Oskar", "Pavel", "Rafael", "Sven", "Tomas", "Ulrik",
    "Viktor", "Wim", "Yannick", "Zeno", "Arvid", "Bastian", "Cyril", "Dag",
)
FAMILY_NAMES = (
    "Aalberg", "Brenner", "Castellano", "Dahlgren", "Eskola", "Falkner", "Garnier", "Halvorsen",
    "Ibarra", "Jaskowski", "Kettunen", "Lindahl", "Moravec", "Norberg", "Ortega", "Pellegrini",
    "Quist", "Rautio", "Sandoval", "Tamm", "Uhlig", "Valcarcel", "Wennberg", "Ylinen", "Zeller",
    "Achterberg", "Bogdan", "Cerny", "Delacroix", "Engstrom", "Fonseca", "Grimaldi", "Hartig",
    "Iversen", "Jovanovic", "Kowalczyk", "Lehtonen", "Marchand", "Nyberg", "Olander", "Paredes",
    "Ruokonen", "Sorensen", "Toivonen", "Urquhart", "Vidal", "Westerlund", "Zamora", "Abela",
    "Brandt", "Colombo", "Duval", "Eberhardt", "Ferreira", "Gustavsson", "Holm", "Ilic",
    "Kovacs", "Laine", "Mendes", "Novak", "Oliveira", "Petersen", "Rossi", "Strand", "Toth",
)

# Prior disease-modifying therapies (RxNorm code, display).
INTERFERON = ("72257", "interferon beta-1a")
GLATIRAMER = ("214582", "glatiramer acetate")
FINGOLIMOD = ("1012892", "fingolimod")
NATALIZUMAB = ("354770", "natalizumab")
TERIFLUNOMIDE = ("1310520", "teriflunomide")
DMF = ("1373478", "dimethyl fumarate")
FIRST_LINE = (INTERFERON, GLATIRAMER)
SECOND_LINE = (FINGOLIMOD, NATALIZUMAB, TERIFLUNOMIDE, DMF)

# (archetype, patients in a clinic of 150). The order is the priority when the clinic is
# smaller than the number of archetypes: the first ones cover every phase.
ARCHETYPES: tuple[tuple[str, int], ...] = (
    ("monitoring-course-2", 69),
    ("candidate-washout", 10),
    ("pre-treatment-this-week", 4),
    ("starts-today", 2),
    ("in-course-1", 3),
    ("monitoring-complete", 9),
    ("course-2-due", 9),
    ("monitoring-course-1", 22),
    ("course-3-planned", 3),
    ("monitoring-course-3", 4),
    ("candidate-new", 4),
    ("pre-treatment", 8),
    ("in-course-later", 3),
)
# Complications of patients in monitoring after course 2 or 3, in the order they are handed out
# (a small clinic still gets the first ones).
CLINICAL = (
    "itp", "graves", "renal", "hypothyroid", "itp-critical", "lft-high", "relapse",
    "graves-past", "itp-past", "hypothyroid-treated", "lft-mild", "tsh-subclinical",
    "infection", "graves", "itp", "renal", "lft-mild", "hypothyroid", "itp-past",
    "graves-past", "tsh-subclinical", "infection", "hypothyroid-treated", "relapse",
)
CLINICAL_SHARE = 0.33
# Adherence problems of the other monitoring patients: ~15 % of the clinic.
ADHERENCE = ("overdue", "gaps", "overdue", "gaps", "overdue", "overdue", "gaps")
ADHERENCE_SHARE = 0.25


@dataclass(frozen=True, slots=True)
class DemoPatient:
    """One generated patient: the FHIR Bundle and what the generator meant it to show."""

    number: int
    fhir_id: str
    name: str
    archetype: str
    story: str
    bundle: dict[str, Any]


def local_today() -> date:
    """The clinic's calendar date (local time), the default reference date."""
    return datetime.now().astimezone().date()


def generate_clinic(
    n: int = DEFAULT_PATIENTS, seed: int = DEFAULT_SEED, today: date | None = None
) -> list[DemoPatient]:
    """``n`` synthetic patients relative to ``today`` (default: the clock's date)."""
    if n < 1:
        raise ValueError("the demo clinic needs at least one patient")
    today = today or local_today()
    plans = _plan(n, random.Random(f"alemtrack-demo:{seed}:plan"))
    used_names: set[tuple[str, str]] = set()
    patients = []
    for i, plan in enumerate(plans):
        rng = random.Random(f"alemtrack-demo:{seed}:{i}")
        story = _Story(i + 1, rng, today, used_names, plan)
        story.tell()
        patients.append(DemoPatient(
            number=i + 1,
            fhir_id=story.record.pid,
            name=f"{story.record.given} {story.record.family}",
            archetype=plan.archetype,
            story="; ".join(story.notes),
            bundle=story.record.to_bundle(),
        ))
    return patients


@dataclass(frozen=True, slots=True)
class _Plan:
    archetype: str
    months: int | None = None  # months since the last course (monitoring archetypes)
    complication: str | None = None


# Months after the last course that monitoring patients are spread over (first, last).
_MONTH_SPREAD = {
    "monitoring-course-1": (1, 11),
    "monitoring-course-2": (1, 48),
    "monitoring-course-3": (2, 30),
}
# Least months since the last course for a complication to show (after the R-H6 transient
# fall; a relapse more than 12 months after the last course).
_MIN_MONTHS = {"relapse": 14, "overdue": 4, "gaps": 8}
_CLINICAL_MIN_MONTHS = 5


def _plan(n: int, rng: random.Random) -> list[_Plan]:
    """Archetype, months since the last course and complication of every patient."""
    archetypes = _allocate(n)
    rng.shuffle(archetypes)
    months: list[int | None] = [None] * n
    for name, (first, last) in _MONTH_SPREAD.items():
        members = [i for i, a in enumerate(archetypes) if a == name]
        for ordinal, i in enumerate(members):
            months[i] = first + ordinal * (last - first + 1) // len(members)
    complication: list[str | None] = [None] * n

    def hand_out(labels: tuple[str, ...], k: int, pool: list[int]) -> None:
        order = list(pool)
        rng.shuffle(order)
        given = 0
        for attempt in range(3 * k + len(labels)):
            if given == k:
                break
            label = labels[attempt % len(labels)]
            need = _MIN_MONTHS.get(label, _CLINICAL_MIN_MONTHS)
            chosen = next((i for i in order if complication[i] is None
                           and (months[i] or 0) >= need), None)
            if chosen is not None:
                complication[chosen] = label
                given += 1

    late = [i for i, a in enumerate(archetypes)
            if a in ("monitoring-course-2", "monitoring-course-3")]
    hand_out(CLINICAL, min(len(late), max(3, round(CLINICAL_SHARE * len(late)))), late)
    monitoring = [i for i, a in enumerate(archetypes)
                  if a in _MONTH_SPREAD and complication[i] is None]
    hand_out(ADHERENCE, min(len(monitoring), max(2, round(ADHERENCE_SHARE * len(monitoring)))),
             monitoring)
    return [_Plan(a, m, c) for a, m, c in zip(archetypes, months, complication, strict=True)]


def _allocate(n: int) -> list[str]:
    """Archetype of every patient: proportional to ARCHETYPES (largest remainder), each
    present when n allows."""
    if n <= len(ARCHETYPES):
        return [name for name, _ in ARCHETYPES[:n]]
    total = sum(w for _, w in ARCHETYPES)
    shares = {name: n * w / total for name, w in ARCHETYPES}
    counts = {name: max(1, int(share)) for name, share in shares.items()}
    by_remainder = sorted(ARCHETYPES, key=lambda a: int(shares[a[0]]) - shares[a[0]])
    i = 0
    while sum(counts.values()) < n:
        counts[by_remainder[i % len(by_remainder)][0]] += 1
        i += 1
    largest = ARCHETYPES[0][0]
    while sum(counts.values()) > n:
        counts[largest] -= 1
    return [name for name, _ in ARCHETYPES for _ in range(counts[name])]


# ---- one patient's story ------------------------------------------------------------------


@dataclass
class _Draw:
    """One monthly Table M draw (values by lab key) before emission."""

    when: date
    values: dict[str, float]
    tsh: bool
    checklist: bool = True
    yes: set[str] = field(default_factory=set)
    ublood: str | None = None
    uprot: str | None = None
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Course:
    number: int
    first_day: date
    days: int

    @property
    def last_day(self) -> date:
        return add_days(self.first_day, self.days - 1)


class _Story:
    """Builds one patient: demographics, MS history, courses, monitoring, complications."""

    def __init__(self, number: int, rng: random.Random, today: date,
                 used_names: set[tuple[str, str]], plan: _Plan) -> None:
        self.rng = rng
        self.today = today
        self.archetype = plan.archetype
        self.months = plan.months or 1
        self.complication = plan.complication
        self.notes: list[str] = [plan.archetype.replace("-", " ")]
        self.female = rng.random() < 0.7
        given, family = self._name(used_names)
        self.age = rng.randint(22, 52)
        birth = date(today.year - self.age, rng.randint(1, 12), rng.randint(1, 28))
        self.record = PatientRecord(
            pid=f"demo-{number:04d}", family=family, given=given,
            gender="female" if self.female else "male", birth=birth,
            mrn=f"MSC-{104200 + number * 7:06d}")
        self.courses: list[_Course] = []
        # Per-patient baselines (what this person's blood looks like when well).
        self.plt_b = rng.uniform(195, 320)
        self.hb_b = rng.uniform(12.8, 14.4) if self.female else rng.uniform(14.0, 15.8)
        self.anc_b = rng.uniform(2.6, 4.6)
        self.lym_b = rng.uniform(1.5, 2.5)
        self.mono_b = rng.uniform(0.35, 0.6)
        self.crea_b = rng.uniform(0.62, 0.86) if self.female else rng.uniform(0.78, 1.02)
        self.alt_b = rng.uniform(14, 27)
        self.ast_b = rng.uniform(15, 25)
        self.tsh_b = rng.uniform(0.9, 2.6)
        self.cd4_b = rng.uniform(650, 1100)
        self.cd4_tau = rng.uniform(11, 20)
        self.lym_tau = rng.uniform(7, 11)
        self.influenza_every_year = rng.random() < 0.9
        self.td_last: date | None = None

    # ---- helpers -------------------------------------------------------------------------

    def _name(self, used: set[tuple[str, str]]) -> tuple[str, str]:
        pool = FEMALE_NAMES if self.female else MALE_NAMES
        for _ in range(200):
            pair = (self.rng.choice(pool), self.rng.choice(FAMILY_NAMES))
            if pair not in used:
                used.add(pair)
                return pair
        return pair  # pragma: no cover - the lists allow thousands of pairs

    def past(self, d: date) -> bool:
        return d <= self.today

    def jitter(self, d: date, low: int, high: int) -> date:
        return add_days(d, self.rng.randint(low, high))

    def weekday(self, d: date) -> date:
        """Courses start on Mondays: the Monday before a past date, after a future one."""
        if d <= self.today:
            return add_days(d, -d.weekday())
        return d if d.weekday() == 0 else add_days(d, 7 - d.weekday())

    def noisy(self, value: float, cv: float) -> float:
        return value * (1 + self.rng.gauss(0, cv))

    def months_after(self, d: date) -> float | None:
        """Months since the last day of the latest course given before ``d``."""
        before = [c for c in self.courses if c.last_day < d]
        if not before:
            return None
        return (d - before[-1].last_day).days / 30.4375

    @property
    def childbearing(self) -> bool:
        return self.female and self.age <= 50

    # ---- the laboratory model ------------------------------------------------------------

    def cbc(self, d: date) -> dict[str, float]:
        t = self.months_after(d)
        recovery = 1.0 if t is None else 0.05 + 0.95 * (1 - math.exp(-t / self.lym_tau))
        lym = max(0.06, self.noisy(self.lym_b * recovery, 0.08))
        dip = 0.0 if t is None else math.exp(-t / 0.9)
        anc = min(max(1.6, self.noisy(self.anc_b * (1 - 0.18 * dip), 0.1)), 7.2)
        plt = max(165.0, self.noisy(self.plt_b * (1 - 0.08 * dip), 0.06))
        hb = min(max(self.hb_b - 0.9, self.noisy(self.hb_b, 0.025)), self.hb_b + 0.9)
        wbc = anc + lym + self.noisy(self.mono_b, 0.1) + 0.15
        return {"plt": round(plt), "hb": round(hb, 1), "wbc": round(wbc, 2),
                "anc": round(anc, 2), "lym": round(lym, 2)}

    def chemistry(self, d: date) -> dict[str, float]:
        crea = min(max(self.crea_b * 0.9, self.noisy(self.crea_b, 0.04)), self.crea_b * 1.12)
        alt = min(38.0, max(8.0, self.noisy(self.alt_b, 0.15)))
        ast = min(37.0, max(10.0, self.noisy(self.ast_b, 0.12)))
        urbc = self.rng.choices((0, 1, 2), (50, 35, 15))[0]
        return {"crea": round(crea, 2), "urbc": urbc, "alt": round(alt), "ast": round(ast)}

    def tsh(self) -> float:
        return round(min(3.8, max(0.6, self.tsh_b * math.exp(self.rng.gauss(0, 0.18)))), 2)

    def cd4(self, d: date) -> float:
        t = self.months_after(d)
        recovery = 1.0 if t is None else 0.04 + 0.96 * (1 - math.exp(-t / self.cd4_tau))
        return round(self.noisy(self.cd4_b * recovery, 0.07))

    def panel(self, d: date, *, tsh: bool, checklist: bool = True) -> _Draw:
        return _Draw(d, {**self.cbc(d), **self.chemistry(d)}, tsh, checklist)

    def emit(self, draw: _Draw) -> None:
        r, d = self.record, draw.when
        drawn = time(self.rng.randint(7, 10), self.rng.choice((0, 10, 20, 30, 40, 50)))
        for key in MONTHLY_LABS:
            if key in draw.values:
                r.lab(key, draw.values[key], d, drawn=drawn)
        r.qual("uprot", draw.uprot is not None, d, grade=draw.uprot)
        if draw.ublood is not None:
            r.qual("ublood", True, d, grade=draw.ublood)
        if draw.tsh:
            r.lab("tsh", draw.values.get("tsh", self.tsh()), d, drawn=drawn)
        for key, value in draw.extra.items():
            r.lab(key, value, d, drawn=drawn)
        if draw.checklist:
            # A "yes" answer is phoned in the day before the draw it prompts (the rules close
            # on tests dated after the answer).
            r.checklist(add_days(d, -1) if draw.yes else d, sorted(draw.yes))

    # ---- MS history before alemtuzumab ---------------------------------------------------

    def ms_history(self, course1: date, *, second_line: tuple[str, str] | None,
                   stopped: date | None = None, cleared: bool = True) -> None:
        """Diagnosis, first- and second-line DMTs, the relapses and MRI that made the disease
        highly active, baseline EDSS."""
        r, rng = self.record, self.rng
        # Events before the decision to treat are dated before today even when course 1 is
        # still ahead.
        ref = min(course1, add_days(self.today, -rng.randint(0, 14)))
        years = rng.randint(3, 12)
        onset = add_days(ref, -365 * years - rng.randint(0, 300))
        r.condition("426373005", "Relapsing remitting multiple sclerosis", onset)
        first = rng.choice(FIRST_LINE)
        first_start = add_days(onset, rng.randint(30, 120))
        if second_line is None:
            first_end = stopped or add_days(course1, -rng.randint(20, 60))
            r.medication(*first, first_start, first_end if self.past(first_end) else None)
        else:
            switch = add_days(first_start, rng.randint(500, max(600, 365 * years - 400)))
            switch = min(switch, add_days(ref, -400))
            r.medication(*first, first_start, add_days(switch, -14))
            end = stopped or self._second_line_stop(second_line, course1)
            r.medication(*second_line, switch, end)
            if second_line == NATALIZUMAB:
                r.project_lab("jcv", add_days(switch, rng.randint(200, 500)),
                              value=round(rng.uniform(0.25, 0.6), 2), positive=True)
                r.project_lab("jcv", add_days(end, -rng.randint(40, 90)),
                              value=round(rng.uniform(1.1, 3.2), 2), positive=True)
            if second_line == TERIFLUNOMIDE:
                r.atc_medication("C10AC01",
                                 "colestyramine 8 g three times daily (accelerated elimination)",
                                 add_days(end, 1), add_days(end, 11))
                level = add_days(end, rng.randint(16, 24))
                if self.past(level):
                    value = rng.uniform(0.004, 0.015) if cleared else rng.uniform(0.04, 0.3)
                    r.project_lab("teri", level, value=round(value, 3))
            self.notes.append(f"previously on {second_line[1]}")
        r.relapse(add_days(ref, -rng.randint(250, 330)))
        r.relapse(add_days(ref, -rng.randint(60, 150)), disabling=rng.random() < 0.8)
        mri = add_days(ref, -rng.randint(40, 80))
        r.mri(mri, gd=rng.randint(1, 4), new_t2=rng.randint(2, 6))
        r.edss(rng.choice((1.5, 2.0, 2.5, 3.0, 3.5, 4.0)), mri)
        r.statement("highly-active-despite-dmt", add_days(mri, rng.randint(7, 20)))

    def _second_line_stop(self, drug: tuple[str, str], course1: date) -> date:
        """When the DMT stopped so that its Table W washout is over by course 1."""
        weeks = {FINGOLIMOD: (8, 12), NATALIZUMAB: (14, 20), TERIFLUNOMIDE: (6, 10),
                 DMF: (6, 10)}[drug]
        return add_days(course1, -7 * self.rng.randint(*weeks))

    # ---- before a course -----------------------------------------------------------------

    def workup(self, course: _Course, *, complete: bool = True) -> None:
        """What is done before a course: screening, vaccines, baseline labs, ECG and X-ray,
        skin examination, consent and paperwork, pregnancy test, plan and premedication
        orders. Only what is dated on or before today is recorded."""
        r, rng, d1 = self.record, self.rng, course.first_day
        paperwork = add_days(d1, -rng.randint(15, 24))
        if course.number == 1:
            screen = add_days(d1, -rng.randint(55, 75))
            if self.past(screen):
                self.infection_screen(screen)
                r.vaccine("133", add_days(screen, -rng.randint(60, 150)))
                r.vaccine("33", add_days(screen, rng.randint(1, 10)))
                self.td_last = add_days(screen, -365 * rng.randint(2, 9))
                r.vaccine("139", self.td_last)
                flu: date | None = add_days(d1, -rng.randint(45, 60))
                if flu is not None and flu.month not in (9, 10, 11, 12):
                    flu = self.last_october(flu)  # out of season: last autumn's dose
                if flu is not None and self.past(flu):
                    r.vaccine("150", flu)
        labs = self.done_by(add_days(d1, -rng.randint(8, 18)), d1, 30)
        if complete and labs is not None:
            draw = self.panel(labs, tsh=True, checklist=False)
            draw.extra["bili"] = round(self.rng.uniform(0.3, 1.0), 1)
            if course.number > 1:
                draw.extra["cd4"] = self.cd4(labs)
            self.emit(draw)
            r.procedure("procedure-ecg", "12-lead ECG", labs)
            r.procedure("procedure-chest-xray", "Chest X-ray", labs)
        mri = self.done_by(add_days(d1, -rng.randint(5, 25)), d1, 30)
        if mri is not None:
            r.mri(mri, gd=0, new_t2=rng.choice((0, 0, 0, 1)))
        skin = add_days(d1, -rng.randint(25, 45))
        if self.past(skin) and course.number == 1:
            r.procedure("procedure-skin-exam", "Skin examination", skin)
            if self.female:
                r.procedure("procedure-cervical-screening", "Cervical HPV screening", skin)
        done = self.done_by(paperwork, d1, 60)
        if complete and done is not None:
            paperwork = done
            r.consent(paperwork)
            r.statement("alert-card-given", paperwork)
            r.statement("patient-guide-given", paperwork)
            r.statement("listeria-advice-given", paperwork)
            r.statement("uncontrolled-hypertension", paperwork, False)
        hcg = self.done_by(add_days(d1, -rng.randint(1, 5)), d1, 7)
        if self.childbearing and hcg is not None:
            r.qual("hcg", False, hcg)
        authored = min(paperwork, self.today)
        if course.first_day >= add_days(self.today, -10):
            # Current and future courses keep their plan; older plans were closed.
            r.course_plan(d1, course.days, authored)
        r.premedication_orders(d1, authored)

    def done_by(self, when: date, d1: date, validity_days: int) -> date | None:
        """When a pre-course item dated ``when`` is recorded: as planned when that is past;
        brought forward to the last few days when day 1 is close enough for the result to
        stay valid (``validity_days`` before day 1); otherwise not done yet (None)."""
        if self.past(when):
            return when
        early = add_days(self.today, -self.rng.randint(0, 3))
        return early if (d1 - early).days <= validity_days - 2 else None

    def infection_screen(self, when: date) -> None:
        r = self.record
        flu = self.last_october(self.today)
        if flu is not None and flu <= self.today and self.archetype.startswith("candidate"):
            r.vaccine("150", flu)
        r.qual("hiv", False, when)
        r.qual("hbsag", False, when)
        r.qual("antihbc", False, when)
        r.lab("antihbs", round(self.rng.uniform(25, 400)), when)
        r.qual("hcv", False, when)
        r.qual("igra", False, when)
        r.project_lab("cmv", when, positive=self.rng.random() < 0.55)
        r.qual("vzv", True, when)
        r.qual("measles", True, when)
        r.qual("hav", self.rng.random() < 0.85, when)

    def last_october(self, before: date) -> date | None:
        year = before.year if before.month >= 10 else before.year - 1
        candidate = date(year, 10, self.rng.randint(1, 28))
        return candidate if candidate <= before else None

    # ---- a course ------------------------------------------------------------------------

    def give_course(self, course: _Course, *, lot: str) -> None:
        """Infusions of the course given up to yesterday (today's is not given yet: the
        demo opens in the morning), with vitals, reactions and post-infusion platelets."""
        r, rng = self.record, self.rng
        self.courses.append(course)
        full = (self.today - course.last_day).days <= FULL_VITALS_DAYS
        for i in range(course.days):
            day = add_days(course.first_day, i)
            if day > self.today:
                break
            start = time(9, rng.choice((15, 30, 45)))
            if day == self.today:
                if rng.random() < 0.6:  # arrived: pre-infusion vital signs taken
                    r.vitals(day, self.vital(_minus(start, 15)))
                continue
            minutes = rng.randint(255, 330)
            end = _plus(start, minutes)
            times = [_minus(start, 15)]
            if full:
                times += [_plus(start, m) for m in range(55, minutes, 60)]
                times += [end, _plus(end, 60), _plus(end, 120)]
            else:
                times += [end, _plus(end, 120)]
            for moment in times:
                r.vitals(day, self.vital(moment))
            infusion = r.infusion(day, start, end, lot)
            if i == 0 and rng.random() < 0.35:
                grade = 2 if rng.random() < 0.25 else 1
                r.infusion_reaction(day, _plus(start, rng.randint(60, 150)), grade, infusion,
                                    rate_at_stop=50.0 if grade == 2 else None)
            if i == 2 or (i == 4 and course.days == 5):
                r.lab("plt", round(self.plt_b * rng.uniform(0.74, 0.9)), day)

    def vital(self, moment: time) -> Vitals:
        rng = self.rng
        return Vitals(moment, round(rng.uniform(36.2, 37.3), 1), rng.randint(62, 92),
                      rng.randint(108, 134), rng.randint(66, 84))

    def lot(self, d: date) -> str:
        return f"LMT{d:%y}{self.rng.choice('ABCDEFGHJK')}{self.rng.randint(1, 40):02d}"

    # ---- after a course ------------------------------------------------------------------

    def monitoring_draws(self, until: date) -> list[_Draw]:
        """Monthly Table M draws after every course given, each slot k drawn a few days
        around ``last infusion + k months``, up to ``until`` (exclusive of later courses)."""
        draws: list[_Draw] = []
        for n, course in enumerate(self.courses):
            stop = self.courses[n + 1].first_day if n + 1 < len(self.courses) else until
            stop = min(stop, until, add_months(course.last_day, 48))
            low_cd4 = False
            for k in range(1, 49):
                slot = add_months(course.last_day, k)
                when = self.jitter(slot, -5, 5)
                if when > stop or (when >= add_days(stop, -7) and n + 1 < len(self.courses)):
                    break
                if when > self.today:
                    break
                draw = self.panel(when, tsh=k % 3 == 0, checklist=self.rng.random() < 0.92)
                if k == 6 or (k in (9, 12) and low_cd4):
                    draw.extra["cd4"] = self.cd4(when)
                    low_cd4 = draw.extra["cd4"] <= 200
                draws.append(draw)
        if draws:
            draws[-1].checklist = True
        return draws

    def yearly(self, start: date) -> None:
        """Skin examination, cervical screening, EDSS and MRI once a year; influenza vaccine
        every autumn."""
        r, rng = self.record, self.rng
        year = add_months(start, 12)
        while year <= self.today:
            d = self.jitter(year, -20, 10)
            if self.past(d):
                r.procedure("procedure-skin-exam", "Skin examination", d)
                if self.female:
                    r.procedure("procedure-cervical-screening", "Cervical HPV screening", d)
                r.edss(rng.choice((1.0, 1.5, 2.0, 2.5, 3.0, 3.5)), d)
                r.mri(d, gd=0, new_t2=rng.choice((0, 0, 0, 0, 1)))
            year = add_months(year, 12)
        if self.td_last is not None:
            booster = add_days(add_months(self.td_last, 120), rng.randint(-60, 30))
            if booster <= self.today and rng.random() < 0.8:
                r.vaccine("139", booster)
        if self.influenza_every_year:
            y = start.year if start.month < 10 else start.year + 1
            while date(y, 10, 1) <= self.today:
                flu = date(y, 10, rng.randint(1, 28))
                if flu <= self.today:
                    r.vaccine("150", flu)
                y += 1

    # ---- archetypes ----------------------------------------------------------------------

    def tell(self) -> None:
        getattr(self, "_" + self.archetype.replace("-", "_"))()

    def _course_timeline(self, last_first: date, intervals: tuple[int, ...] = ()) -> None:
        """Give the courses: the last one starting on (the Monday of) ``last_first``, the
        earlier ones ``intervals`` months apart (course 1 -> 2, 2 -> 3), each with its
        work-up; the MS history before course 1."""
        firsts = [self.weekday(last_first)]
        for months in reversed(intervals):
            firsts.insert(0, self.weekday(add_months(firsts[0], -months)))
        self.ms_history(firsts[0], second_line=self.rng.choice((*SECOND_LINE, None)))
        for number, first in enumerate(firsts, start=1):
            course = _Course(number, first, 5 if number == 1 else 3)
            self.workup(course)
            self.give_course(course, lot=self.lot(first))

    def _finish_monitoring(self) -> None:
        draws = self.monitoring_draws(self.today)
        draws = self.apply(draws)
        for draw in draws:
            self.emit(draw)
        self.yearly(self.courses[0].first_day)

    def month_in_progress(self, month: int) -> date:
        """Last infusion day such that today lies in month ``month`` (1-48) after it."""
        return add_days(add_months(self.today, -(month - 1)), -self.rng.randint(1, 20))

    def _monitoring_course_1(self) -> None:
        months = self.months
        self.notes.append(f"month {months} after course 1")
        self._course_timeline(add_days(self.month_in_progress(months), -4))
        self._finish_monitoring()

    def _monitoring_course_2(self) -> None:
        months = self.months
        self.notes.append(f"month {months} after course 2")
        interval = self.rng.choice((12, 12, 12, 13, 13, 14, 16))
        self._course_timeline(add_days(self.month_in_progress(months), -2), (interval,))
        self._finish_monitoring()

    def _monitoring_course_3(self) -> None:
        months = self.months
        self.notes.append(f"month {months} after course 3 (relapse after course 2)")
        gap3 = self.rng.randint(20, 30)
        self._course_timeline(add_days(self.month_in_progress(months), -2), (12, gap3))
        self.record.relapse(add_months(self.courses[2].first_day, -self.rng.randint(3, 6)))
        self._finish_monitoring()

    def _monitoring_complete(self) -> None:
        months = self.rng.randint(49, 80)
        self.notes.append(f"{months} months after the last course")
        self._course_timeline(add_months(self.today, -months), (12,))
        self._finish_monitoring()
        annual = self.jitter(add_months(self.today, -self.rng.randint(1, 10)), 0, 0)
        self.emit(self.panel(annual, tsh=True, checklist=False))

    def _course_2_due(self) -> None:
        months = self.rng.randint(12, 15)
        variant = self.rng.choice(("undecided", "undecided", "planned", "cd4-low"))
        self.notes.append(f"month {months} after course 1; course 2 {variant}")
        end = add_days(add_months(self.today, -months), -self.rng.randint(0, 20))
        if variant == "cd4-low":
            self.cd4_tau = 90.0  # slow reconstitution: CD4 still < 200 at 12 months
        self._course_timeline(add_days(end, -4))
        self._finish_monitoring()
        if variant == "planned":
            d1 = self.weekday(add_days(self.today, self.rng.randint(7, 28)))
            self.workup(_Course(2, d1, 3))
        else:
            when = add_days(self.today, -self.rng.randint(3, 25))
            self.record.lab("cd4", self.cd4(when), when)

    def _course_3_planned(self) -> None:
        c2_months = self.rng.randint(16, 30)
        self._course_timeline(add_months(self.today, -c2_months), (12,))
        relapse = add_days(self.today, -self.rng.randint(60, 150))
        self.record.relapse(relapse)
        self.record.mri(add_days(relapse, 14), gd=self.rng.randint(1, 3),
                        new_t2=self.rng.randint(2, 4))
        self._finish_monitoring()
        d1 = self.weekday(add_days(self.today, self.rng.randint(8, 30)))
        self.notes.append(f"relapse {c2_months} months after course 2; course 3 planned {d1}")
        self.workup(_Course(3, d1, 3))

    def _in_course_1(self) -> None:
        day = self.rng.randint(2, 5)
        self.notes.append(f"course 1 day {day} today")
        first = add_days(self.today, -(day - 1))
        c1 = _Course(1, first, 5)
        self.ms_history(first, second_line=self.rng.choice(SECOND_LINE))
        self.workup(c1)
        self.give_course(c1, lot=self.lot(first))

    def _in_course_later(self) -> None:
        day = self.rng.randint(1, 3)
        number = self.rng.choice((2, 2, 3))
        self.notes.append(f"course {number} day {day} today")
        first = add_days(self.today, -(day - 1))
        if number == 2:
            self._course_timeline(add_months(first, -self.rng.randint(12, 14)))
        else:
            self._course_timeline(add_months(first, -self.rng.randint(24, 32)), (12,))
            self.record.relapse(add_days(first, -self.rng.randint(90, 160)))
        draws = self.apply(self.monitoring_draws(add_days(first, -8)))
        for draw in draws:
            self.emit(draw)
        self.yearly(self.courses[0].first_day)
        course = _Course(number, first, 3)
        self.workup(course)
        if day > 1:
            self.give_course(course, lot=self.lot(first))
        elif self.rng.random() < 0.6:
            self.record.vitals(self.today, self.vital(time(9, 20)))

    def _starts_today(self) -> None:
        self.notes.append("course 1 day 1 today")
        c1 = _Course(1, self.today, 5)
        self.ms_history(self.today, second_line=self.rng.choice((*SECOND_LINE, None)))
        self.workup(c1)
        if self.rng.random() < 0.5:
            self.record.vitals(self.today, self.vital(time(9, 25)))

    def _pre_treatment_this_week(self) -> None:
        d1 = add_days(self.today, self.rng.randint(1, 4))
        self.notes.append(f"course 1 planned {d1}")
        self.ms_history(d1, second_line=self.rng.choice((*SECOND_LINE, None)))
        self.workup(_Course(1, d1, 5))

    def _pre_treatment(self) -> None:
        d1 = self.weekday(add_days(self.today, self.rng.randint(8, 42)))
        self.notes.append(f"course 1 planned {d1}")
        self.ms_history(d1, second_line=self.rng.choice((*SECOND_LINE, None)))
        self.workup(_Course(1, d1, 5))

    def _candidate_new(self) -> None:
        """Treatment on a first-line DMT, highly active: work-up started, no date yet."""
        expected = add_days(self.today, self.rng.randint(40, 80))
        self.ms_history(expected, second_line=None, stopped=None)
        self.notes.append("work-up started, no course date yet")
        when = add_days(self.today, -self.rng.randint(3, 20))
        self.infection_screen(when)
        self.emit(self.panel(when, tsh=True, checklist=False))

    def _candidate_washout(self) -> None:
        """Switching from a DMT whose Table W washout is not over yet."""
        drug = SECOND_LINE[self.rng.randrange(len(SECOND_LINE))]
        r, rng = self.record, self.rng
        expected = add_days(self.today, rng.randint(45, 90))
        stopped = add_days(self.today, -rng.randint(10, 35))
        self.ms_history(expected, second_line=drug, stopped=stopped, cleared=False)
        self.notes.append(f"washout from {drug[1]} (stopped {stopped})")
        when = add_days(self.today, -rng.randint(2, 9))
        draw = self.panel(when, tsh=True, checklist=False)
        if drug == FINGOLIMOD:
            draw.values["lym"] = round(rng.uniform(0.32, 0.62), 2)
        elif drug == DMF:
            draw.values["lym"] = round(rng.uniform(0.62, 0.78), 2)
        draw.values["wbc"] = round(draw.values["anc"] + draw.values["lym"] + self.mono_b + 0.15,
                                   2)
        self.emit(draw)
        self.infection_screen(add_days(when, -rng.randint(0, 10)))
        if drug == NATALIZUMAB:
            r.mri(add_days(self.today, -rng.randint(1, 10)), gd=0, new_t2=0)

    # ---- complications and adherence -----------------------------------------------------

    def apply(self, draws: list[_Draw]) -> list[_Draw]:
        """Shape the monitoring draws by this patient's complication or adherence problem."""
        c = self.complication
        if c is None or not draws:
            return draws
        handler: Callable[[list[_Draw]], list[_Draw]] = getattr(
            self, "_c_" + c.replace("-", "_"))
        self.notes.append(c.replace("-", " "))
        return handler(draws)

    def _c_overdue(self, draws: list[_Draw]) -> list[_Draw]:
        # Missed the last 1-4 monthly draws: R-M1 overdue (warn at >14 days, urgent >31).
        missed = min(len(draws) - 1, self.rng.randint(1, 4))
        return draws[: len(draws) - missed] if missed > 0 else draws

    def _c_gaps(self, draws: list[_Draw]) -> list[_Draw]:
        # Skipped a few months in the middle; back on schedule since.
        if len(draws) < 6:
            return draws
        skip = set(self.rng.sample(range(1, len(draws) - 2), min(3, len(draws) - 4)))
        return [d for i, d in enumerate(draws) if i not in skip]

    def _c_itp(self, draws: list[_Draw], *, nadir: tuple[int, int] = (42, 88),
               bleeding: bool = False) -> list[_Draw]:
        last = draws[-1]
        last.values["plt"] = self.rng.randint(*nadir)
        if bleeding:
            last.yes |= {"haem-bruising", "haem-skin"}
        last.checklist = True
        return draws

    def _c_itp_critical(self, draws: list[_Draw]) -> list[_Draw]:
        return self._c_itp(draws, nadir=(9, 26), bleeding=True)

    def _c_itp_past(self, draws: list[_Draw]) -> list[_Draw]:
        """ITP months ago: platelets fell, prednisone, recovered."""
        if len(draws) < 8:
            return self._c_itp(draws)
        i = self.rng.randint(3, len(draws) - 4)
        onset = draws[i]
        onset.values["plt"] = self.rng.randint(18, 45)
        onset.yes |= {"haem-bruising"}
        onset.checklist = True
        for j, value in ((i + 1, self.rng.randint(95, 140)), (i + 2, self.rng.randint(150, 190))):
            draws[j].values["plt"] = value
        self.record.condition("32273002", "Immune thrombocytopenic purpura", onset.when,
                              active=False, abated=draws[i + 2].when)
        self.record.medication("8640", "prednisone 1 mg/kg daily, tapering", onset.when,
                               add_days(onset.when, 42))
        return draws

    def _tsh_draw(self, draws: list[_Draw]) -> _Draw:
        last = draws[-1]
        last.tsh = True
        return last

    def _c_graves(self, draws: list[_Draw]) -> list[_Draw]:
        last = self._tsh_draw(draws)
        last.values["tsh"] = round(self.rng.uniform(0.005, 0.03), 3)
        last.extra = {"ft4": round(self.rng.uniform(2.3, 3.9), 2),
                      "trab": round(self.rng.uniform(3.5, 14.0), 1)}
        last.yes |= {"thy-weight", "thy-temperature"}
        last.checklist = True
        return draws

    def _c_graves_past(self, draws: list[_Draw]) -> list[_Draw]:
        """Graves' disease diagnosed months ago, on carbimazole, TSH recovering."""
        if len(draws) < 8:
            return self._c_graves(draws)
        i = self.rng.randint(2, len(draws) - 6)
        onset = draws[i]
        onset.tsh = True
        onset.values["tsh"] = 0.01
        onset.extra = {"ft4": round(self.rng.uniform(2.4, 3.6), 2),
                       "trab": round(self.rng.uniform(4.0, 11.0), 1)}
        for j, tsh in zip(range(i + 1, len(draws)), (0.02, 0.08, 0.35, 0.9), strict=False):
            draws[j].tsh = True
            draws[j].values["tsh"] = tsh
        self.record.condition("353295004", "Graves disease", onset.when)
        self.record.atc_medication("H03BB01", "carbimazole 20 mg daily", add_days(onset.when, 3),
                                   None)
        return draws

    def _c_hypothyroid(self, draws: list[_Draw]) -> list[_Draw]:
        last = self._tsh_draw(draws)
        last.values["tsh"] = round(self.rng.uniform(9.0, 24.0), 1)
        last.extra = {"ft4": round(self.rng.uniform(0.42, 0.7), 2),
                      "tpo": round(self.rng.uniform(120, 600))}
        last.yes |= {"thy-weight"}
        last.checklist = True
        return draws

    def _c_hypothyroid_treated(self, draws: list[_Draw]) -> list[_Draw]:
        if len(draws) < 8:
            return self._c_hypothyroid(draws)
        i = self.rng.randint(2, len(draws) - 5)
        onset = draws[i]
        onset.tsh = True
        onset.values["tsh"] = round(self.rng.uniform(8.0, 15.0), 1)
        onset.extra = {"ft4": round(self.rng.uniform(0.5, 0.75), 2)}
        for j, tsh in zip(range(i + 2, len(draws)), (6.2, 3.1, 2.2), strict=False):
            draws[j].tsh = True
            draws[j].values["tsh"] = tsh
        self.record.condition("40930008", "Hypothyroidism", onset.when)
        self.record.atc_medication("H03AA01", "levothyroxine 75 micrograms daily",
                                   add_days(onset.when, 5), None)
        return draws

    def _c_tsh_subclinical(self, draws: list[_Draw]) -> list[_Draw]:
        last = self._tsh_draw(draws)
        last.values["tsh"] = round(self.rng.uniform(4.6, 7.4), 2)
        return draws

    def _c_renal(self, draws: list[_Draw]) -> list[_Draw]:
        last = draws[-1]
        last.values["crea"] = round(self.crea_b * self.rng.uniform(1.38, 1.7), 2)
        last.values["urbc"] = self.rng.randint(12, 40)
        last.ublood, last.uprot = "2+", "1+"
        last.yes |= {"neph-urine"} if self.rng.random() < 0.5 else {"neph-swelling"}
        last.checklist = True
        return draws

    def _c_lft_mild(self, draws: list[_Draw]) -> list[_Draw]:
        last = draws[-1]
        last.values["alt"] = self.rng.randint(52, 105)
        last.values["ast"] = self.rng.randint(42, 80)
        return draws

    def _c_lft_high(self, draws: list[_Draw]) -> list[_Draw]:
        last = draws[-1]
        last.values["alt"] = self.rng.randint(140, 260)
        last.values["ast"] = self.rng.randint(110, 190)
        last.extra = {"bili": round(self.rng.uniform(0.6, 1.4), 1)}
        return draws

    def _c_infection(self, draws: list[_Draw]) -> list[_Draw]:
        last = draws[-1]
        last.yes |= {"inf-infections", "inf-fever"} if self.rng.random() < 0.5 else {
            "inf-infections"}
        last.checklist = True
        return draws

    def _c_relapse(self, draws: list[_Draw]) -> list[_Draw]:
        """A relapse more than a year after the last course: retreatment to consider."""
        onset = add_days(self.today, -self.rng.randint(20, 70))
        if self.courses and onset > add_months(self.courses[-1].last_day, 12):
            self.record.relapse(onset)
            self.record.mri(add_days(onset, 10), gd=self.rng.randint(1, 2),
                            new_t2=self.rng.randint(1, 3))
        return draws


def _plus(t: time, minutes: int) -> time:
    total = t.hour * 60 + t.minute + minutes
    return time(min(23, total // 60), total % 60 if total < 24 * 60 else 59)


def _minus(t: time, minutes: int) -> time:
    return _plus(t, -minutes)


__all__ = [
    "DEFAULT_PATIENTS", "DEFAULT_SEED", "DemoPatient", "generate_clinic", "local_today",
]
