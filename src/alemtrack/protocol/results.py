"""What the rules produce: findings, gates, due items and windows (interfaces.md §2).

Every output is made through the ``Rule`` that produced it, so it always carries the rule's spec
ID and source: ``R_H4.finding(Severity.URGENT, ...)``. The rule modules declare their ``Rule``
objects at the top; ``catalogue`` collects them for ``alemtrack rules``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum

from .facts import (
    Condition,
    Consent,
    EdssScore,
    Infusion,
    InfusionReaction,
    LabResult,
    MedicationOrder,
    MedicationUse,
    MriScan,
    PlannedCourse,
    PlannedSurgery,
    Procedure,
    Relapse,
    Statement,
    Symptom,
    SymptomChecklist,
    Vaccination,
    VitalSign,
)


class Severity(Enum):
    """Finding severity, most severe first (§1 Outputs)."""

    CRITICAL = "critical"  # act now
    URGENT = "urgent"  # act within 24 h
    WARN = "warn"
    ROUTINE = "routine"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.URGENT: 3,
    Severity.WARN: 2,
    Severity.ROUTINE: 1,
    Severity.INFO: 0,
}


class GateOutcome(Enum):
    BLOCK = "block"  # hard stop, no override
    HOLD = "hold"  # stop unless the prescriber overrides with a documented reason
    WARN = "warn"  # proceed, but look

    @property
    def rank(self) -> int:
        return _OUTCOME_RANK[self]


_OUTCOME_RANK = {GateOutcome.BLOCK: 2, GateOutcome.HOLD: 1, GateOutcome.WARN: 0}


class DueStatus(Enum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"


Value = float | int | str | bool | None

Fact = (
    LabResult
    | Condition
    | MedicationUse
    | MedicationOrder
    | Infusion
    | PlannedCourse
    | Vaccination
    | Procedure
    | Relapse
    | MriScan
    | EdssScore
    | Statement
    | Consent
    | VitalSign
    | Symptom
    | SymptomChecklist
    | InfusionReaction
    | PlannedSurgery
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of data that made a rule fire (or that a gate found missing/old)."""

    ref: str
    code: str
    value: Value
    unit: str | None
    date: date | None

    @staticmethod
    def of(fact: Fact) -> Evidence:
        """Evidence for any fact: the exact record, with value, unit and date."""
        return _evidence(fact)


def _evidence(fact: Fact) -> Evidence:
    match fact:
        case LabResult():
            value: Value = (
                fact.value
                if fact.value is not None
                else (fact.qual.value if fact.qual is not None else None)
            )
            unit = fact.unit if fact.value is not None else None
            return Evidence(fact.ref, fact.code, value, unit, fact.date)
        case Condition():
            return Evidence(fact.ref, fact.code, fact.display, None, fact.onset or fact.recorded)
        case MedicationUse():
            return Evidence(
                fact.ref, fact.code, fact.drug.value, None, fact.last_dose or fact.start
            )
        case MedicationOrder():
            return Evidence(fact.ref, fact.code, fact.drug.value, None, fact.start)
        case Infusion():
            return Evidence(fact.ref, "117055", fact.dose_mg, "mg", fact.date)
        case PlannedCourse():
            return Evidence(fact.ref, "117055", "planned", None, fact.start)
        case Vaccination():
            return Evidence(fact.ref, fact.code, fact.vaccine.value, None, fact.date)
        case Procedure():
            return Evidence(fact.ref, fact.kind.value, fact.abnormal, None, fact.date)
        case Relapse():
            return Evidence(fact.ref, "relapse", fact.disabling, None, fact.onset)
        case MriScan():
            summary = f"Gd+ {fact.gd_lesions}, new/enlarging T2 {fact.new_t2_lesions}"
            if fact.pml_signs:
                summary += ", possible PML"
            return Evidence(fact.ref, "mri", summary, None, fact.date)
        case EdssScore():
            return Evidence(fact.ref, "273554001", fact.value, None, fact.date)
        case Statement():
            return Evidence(fact.ref, fact.code.value, fact.value, None, fact.date)
        case Consent():
            return Evidence(fact.ref, "consent", True, None, fact.date)
        case VitalSign():
            return Evidence(
                fact.ref, fact.kind.value, fact.value, _VITAL_UNITS[fact.kind.value], fact.date
            )
        case Symptom():
            return Evidence(fact.ref, fact.code.value, True, None, fact.date)
        case SymptomChecklist():
            yes = ", ".join(a.item.value for a in fact.answers if a.yes) or "all no"
            return Evidence(fact.ref, "symptom-checklist", yes, None, fact.date)
        case InfusionReaction():
            return Evidence(fact.ref, "infusion-reaction", fact.grade, "{grade}", fact.date)
        case PlannedSurgery():
            return Evidence(fact.ref, "planned-surgery", fact.elective, None, fact.date)
    raise TypeError(f"no evidence form for {type(fact).__name__}")  # pragma: no cover


_VITAL_UNITS = {
    "temperature": "Cel",
    "heart-rate": "/min",
    "systolic": "mm[Hg]",
    "diastolic": "mm[Hg]",
}


def evidence(facts: Iterable[Fact | None]) -> tuple[Evidence, ...]:
    """Evidence for several facts, skipping None (a missing fact is named in the reason)."""
    return tuple(Evidence.of(f) for f in facts if f is not None)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    summary: str
    actions: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    source: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Gate:
    """One condition on the next course. ``until`` is the first date it is met (None: undated)."""

    rule: str
    outcome: GateOutcome
    until: date | None
    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True, slots=True)
class Due:
    """Something to do by a date: a test, a dose, a piece of advice (``SCHEDULE``)."""

    item: str
    due: date
    rule: str


@dataclass(frozen=True, slots=True)
class Window:
    """A named date window (interfaces.md §2 ``windows``); None when it does not apply."""

    name: str
    value: date | None
    rule: str


WINDOW_NAMES = (
    "contraception_until",
    "breastfeeding_resume",
    "listeria_diet_until",
    "herpes_prophylaxis_until",
    "live_vaccines_from",
)

Output = Finding | Gate | Due | Window


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule of clinical-rules.md: its ID, what it does, and where it comes from.

    ``produces`` says what the rule emits, in the catalogue's words: a severity
    (``"urgent"``, ``"critical to warn"``), a gate outcome (``"gate: hold"``), ``"due"``,
    ``"window"`` or ``"no output"`` for rules that only shape a plan or a site setting.
    """

    id: str
    title: str
    produces: str
    source: str
    family: str = field(default="")

    def finding(
        self,
        severity: Severity,
        summary: str,
        actions: Iterable[str] = (),
        evidence: Iterable[Evidence] = (),
        notes: Iterable[str] = (),
    ) -> Finding:
        return Finding(
            rule=self.id,
            severity=severity,
            summary=summary,
            actions=tuple(actions),
            evidence=tuple(evidence),
            source=f"clinical-rules.md {self.id}; {self.source}",
            notes=tuple(notes),
        )

    def gate(
        self,
        outcome: GateOutcome,
        until: date | None,
        reason: str,
        evidence: Iterable[Evidence] = (),
    ) -> Gate:
        return Gate(self.id, outcome, until, reason, tuple(evidence))

    def due(self, item: str, on: date) -> Due:
        return Due(item, on, self.id)

    def window(self, name: str, value: date | None) -> Window:
        if name not in WINDOW_NAMES:
            raise ValueError(f"unknown window {name!r}")
        return Window(name, value, self.id)
