"""``assess``: facts + ``as_of`` + profile -> Assessment (interfaces.md §2).

The engine runs every rule family on one ``Context`` and merges what they emit following §1 of
the rules: one finding per rule (highest severity, all evidence), one gate per rule (strongest
outcome, ``until`` the first date all its conditions are met), the course status from the gates,
due items with their status, and the named windows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from .context import Context, Course, Phase, build_context
from .dates import add_days
from .facts import PatientFacts
from .parameters import PROFILES, Parameters
from .results import (
    WINDOW_NAMES,
    Due,
    DueStatus,
    Evidence,
    Finding,
    Gate,
    GateOutcome,
    Output,
    Window,
)
from .rules import FAMILIES

# §1 R-G0 item 10: rule families of §7b whose urgent/critical findings hold the next course.
_ALERT_FAMILIES = ("R-H", "R-N", "R-L", "R-X", "R-I")
_G0_BLOCKING_FINDINGS = frozenset({"R-I2"})
_G0_HOLD_SEVERITIES = frozenset({"critical", "urgent"})


@dataclass(frozen=True, slots=True)
class DueEntry:
    item: str
    due: date
    status: DueStatus
    rule: str


@dataclass(frozen=True, slots=True)
class NextCourse:
    number: int
    planned_start: date | None
    earliest_start: date | None
    status: str  # ready | blocked | on-hold | not-eligible | not-applicable
    gates: tuple[Gate, ...]


@dataclass(frozen=True, slots=True)
class Assessment:
    patient: str
    as_of: date
    profile: str
    phase: Phase
    courses: tuple[Course, ...]
    monitoring_until: date | None
    next_course: NextCourse
    findings: tuple[Finding, ...]
    due: tuple[DueEntry, ...]
    windows: dict[str, date | None]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of interfaces.md §2."""
        return {
            "patient": self.patient,
            "as_of": self.as_of.isoformat(),
            "profile": self.profile,
            "phase": self.phase.value,
            "courses": [
                {
                    "number": c.number,
                    "first_day": c.first_day.isoformat(),
                    "last_day": c.last_day.isoformat(),
                    "days_given": c.days_given,
                }
                for c in self.courses
            ],
            "monitoring_until": _iso(self.monitoring_until),
            "next_course": {
                "number": self.next_course.number,
                "planned_start": _iso(self.next_course.planned_start),
                "earliest_start": _iso(self.next_course.earliest_start),
                "status": self.next_course.status,
                "gates": [
                    {
                        "rule": g.rule,
                        "outcome": g.outcome.value,
                        "until": _iso(g.until),
                        "reason": g.reason,
                        "evidence": [_evidence_dict(e) for e in g.evidence],
                    }
                    for g in self.next_course.gates
                ],
            },
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity.value,
                    "summary": f.summary,
                    "actions": list(f.actions),
                    "evidence": [_evidence_dict(e) for e in f.evidence],
                    "source": f.source,
                    "notes": list(f.notes),
                }
                for f in self.findings
            ],
            "due": [
                {"item": d.item, "due": d.due.isoformat(), "status": d.status.value, "rule": d.rule}
                for d in self.due
            ],
            "windows": {name: _iso(value) for name, value in self.windows.items()},
        }


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _evidence_dict(e: Evidence) -> dict[str, Any]:
    return {"ref": e.ref, "code": e.code, "value": e.value, "unit": e.unit, "date": _iso(e.date)}


def assess(
    facts: PatientFacts,
    as_of: date,
    params: Parameters | None = None,
    planned_start: date | None = None,
) -> Assessment:
    """Evaluate every rule for ``facts`` on ``as_of`` under ``params`` (default: ``eu``)."""
    params = params or PROFILES["eu"]
    ctx = build_context(facts, as_of, params, planned_start)
    outputs: list[Output] = []
    for family in FAMILIES:
        outputs.extend(family.evaluate(ctx))
    return assemble(ctx, outputs)


def assemble(ctx: Context, outputs: Iterable[Output]) -> Assessment:
    findings: list[Finding] = []
    gates: list[Gate] = []
    dues: list[Due] = []
    windows: dict[str, date | None] = dict.fromkeys(WINDOW_NAMES)
    for out in outputs:
        match out:
            case Finding():
                findings.append(out)
            case Gate():
                gates.append(out)
            case Due():
                dues.append(out)
            case Window():
                windows[out.name] = out.value
    merged_findings = merge_findings(findings)
    considered = _course_considered(ctx)
    if considered:
        gates.extend(_alert_gates(merged_findings))
    merged_gates = merge_gates(gates) if considered else ()
    return Assessment(
        patient=ctx.facts.ref,
        as_of=ctx.as_of,
        profile=ctx.params.profile,
        phase=ctx.phase,
        courses=ctx.courses,
        monitoring_until=ctx.monitoring_end,
        next_course=_next_course(ctx, merged_gates, considered),
        findings=merged_findings,
        due=merge_due(dues, ctx.as_of),
        windows=windows,
    )


def _course_considered(ctx: Context) -> bool:
    """✱ §1: no further course is considered once monitoring is complete and none is planned."""
    return not (ctx.phase is Phase.MONITORING_COMPLETE and ctx.planned_start is None)


def _alert_gates(findings: Iterable[Finding]) -> list[Gate]:
    """R-G0 item 10 ✱: an urgent/critical §7b finding still firing at D1 holds the course under
    its own rule ID (R-I2 blocks; thyroid findings gate through R-T6 only)."""
    gates = []
    for f in findings:
        if not f.rule.startswith(_ALERT_FAMILIES) or f.severity.value not in _G0_HOLD_SEVERITIES:
            continue
        outcome = GateOutcome.BLOCK if f.rule in _G0_BLOCKING_FINDINGS else GateOutcome.HOLD
        gates.append(
            Gate(
                f.rule,
                outcome,
                None,
                f"{f.severity.value} finding still active: {f.summary} (R-G0 item 10)",
                f.evidence,
            )
        )
    return gates


def _next_course(ctx: Context, gates: tuple[Gate, ...], considered: bool) -> NextCourse:
    number = ctx.next_course_number
    if not considered:
        return NextCourse(number, ctx.planned_start, None, "not-applicable", ())
    stopping = [g for g in gates if g.outcome is not GateOutcome.WARN]
    if any(g.rule == "R-E4" and g.outcome is GateOutcome.BLOCK for g in gates):
        status = "not-eligible"
    elif any(g.outcome is GateOutcome.BLOCK for g in gates):
        status = "blocked"
    elif stopping:
        status = "on-hold"
    else:
        status = "ready"
    earliest: date | None
    if status == "not-eligible" or any(g.until is None for g in stopping):
        earliest = None
    else:
        earliest = max([ctx.d1, *(g.until for g in stopping if g.until is not None)])
    return NextCourse(number, ctx.planned_start, earliest, status, gates)


def merge_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """One finding per rule: the most severe one's text, every piece of evidence."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    merged = []
    for group in by_rule.values():
        top = max(group, key=lambda f: f.severity.rank)
        merged.append(
            Finding(
                rule=top.rule,
                severity=top.severity,
                summary=top.summary,
                actions=_unique(
                    a for f in group for a in ([*top.actions] if f is top else f.actions)
                ),
                evidence=_unique(e for f in group for e in f.evidence),
                source=top.source,
                notes=_unique(n for f in group for n in f.notes),
            )
        )
    return tuple(sorted(merged, key=lambda f: (-f.severity.rank, _rule_key(f.rule))))


def merge_gates(gates: Iterable[Gate]) -> tuple[Gate, ...]:
    """One gate per rule: strongest outcome; ``until`` null if any unmet condition is undated."""
    by_rule: dict[str, list[Gate]] = {}
    for g in gates:
        by_rule.setdefault(g.rule, []).append(g)
    merged = []
    for rule, group in by_rule.items():
        outcome = max((g.outcome for g in group), key=lambda o: o.rank)
        # A gate that stops the course is met when its stopping conditions are; an undated
        # warning beside them must not make the date unknown.
        deciding = [
            g for g in group if outcome is GateOutcome.WARN or g.outcome is not GateOutcome.WARN
        ]
        untils = [g.until for g in deciding]
        until = None if any(u is None for u in untils) else max(u for u in untils if u)
        merged.append(
            Gate(
                rule=rule,
                outcome=outcome,
                until=until,
                reason="; ".join(_unique(g.reason for g in group)),
                evidence=_unique(e for g in group for e in g.evidence),
            )
        )
    return tuple(sorted(merged, key=lambda g: (-g.outcome.rank, _rule_key(g.rule))))


def due_status(due: date, as_of: date) -> DueStatus:
    """R-M1: ``upcoming`` before due - 7 days, ``due`` to due + 7, then ``overdue``."""
    if as_of < add_days(due, -7):
        return DueStatus.UPCOMING
    if as_of <= add_days(due, 7):
        return DueStatus.DUE
    return DueStatus.OVERDUE


def merge_due(dues: Iterable[Due], as_of: date) -> tuple[DueEntry, ...]:
    """One entry per (item, rule), the earliest date that rule asks for it, so the clinician sees
    each reason (a 7-day CBC repeat for R-H3 beside the monthly R-M1 slot). Two rules asking for
    the same item on the same day give one entry, under the first rule in spec order."""
    earliest: dict[tuple[str, str], date] = {}
    for d in dues:
        key = (d.item, d.rule)
        if key not in earliest or d.due < earliest[key]:
            earliest[key] = d.due
    same_day: dict[tuple[str, date], str] = {}
    for (item, rule), on in sorted(earliest.items(), key=lambda kv: _rule_key(kv[0][1])):
        same_day.setdefault((item, on), rule)
    entries = [
        DueEntry(item, on, due_status(on, as_of), rule) for (item, on), rule in same_day.items()
    ]
    return tuple(sorted(entries, key=lambda e: (e.due, e.item, _rule_key(e.rule))))


def _rule_key(rule: str) -> tuple[str, int]:
    """Natural order of rule IDs: R-H2 before R-H10."""
    body = rule.removeprefix("R-")
    head = "".join(ch for ch in body if ch.isalpha())
    digits = "".join(ch for ch in body if ch.isdigit())
    return head, int(digits or 0)


T = TypeVar("T")


def _unique(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
