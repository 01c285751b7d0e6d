"""Protocol outputs -> CDS Hooks cards (CDS Hooks 2.0 §Card).

Every card says where it comes from: ``source.label`` is ``alemtrack <rule>``, ``source.url``
and the first link open the rule and its source, ``source.topic`` codes the rule. ``summary`` is
at most 140 characters; ``detail`` is GitHub-flavoured markdown with the evidence (each record
with its reference, code, value, unit and date), so the clinician can review the basis.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from alemtrack.protocol.catalogue import rule as catalogue_rule
from alemtrack.protocol.engine import Assessment, DueEntry
from alemtrack.protocol.results import Evidence, Finding, Gate, GateOutcome, Severity

RULE_SYSTEM = "https://alemtrack.org/fhir/CodeSystem/rule"
OVERRIDE_SYSTEM = "https://alemtrack.org/fhir/CodeSystem/cds-override-reason"
SUMMARY_MAX = 140

# Severity -> indicator (issue 4): critical -> critical, urgent -> warning, the rest -> info.
INDICATOR: dict[Severity, str] = {
    Severity.CRITICAL: "critical",
    Severity.URGENT: "warning",
    Severity.WARN: "info",
    Severity.ROUTINE: "info",
    Severity.INFO: "info",
}
GATE_INDICATOR: dict[GateOutcome, str] = {
    GateOutcome.BLOCK: "critical",
    GateOutcome.HOLD: "warning",
    GateOutcome.WARN: "info",
}


@dataclass(frozen=True, slots=True)
class OverrideReason:
    code: str
    display: str
    system: str = OVERRIDE_SYSTEM

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "system": self.system, "display": self.display}


# A hold may be overridden with a documented reason (clinical-rules.md §1); a block may not.
HOLD_OVERRIDES = (
    OverrideReason("prescriber-override-documented", "Prescriber override, reason documented"),
    OverrideReason("data-outdated-in-ehr", "Newer results not yet in the record"),
)
INFO_OVERRIDES = (
    OverrideReason("already-addressed", "Already addressed"),
    OverrideReason("not-relevant", "Not relevant for this patient"),
)


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str
    type: str = "absolute"

    def as_json(self) -> dict[str, str]:
        return {"label": self.label, "url": self.url, "type": self.type}


@dataclass(frozen=True, slots=True)
class CardSource:
    label: str
    url: str | None = None
    topic_code: str | None = None
    topic_display: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label}
        if self.url:
            out["url"] = self.url
        if self.topic_code:
            out["topic"] = {"system": RULE_SYSTEM, "code": self.topic_code,
                            "display": self.topic_display or self.topic_code}
        return out


@dataclass(frozen=True, slots=True)
class Card:
    summary: str
    indicator: str  # info | warning | critical
    source: CardSource
    detail: str | None = None
    links: tuple[Link, ...] = ()
    override_reasons: tuple[OverrideReason, ...] = ()
    rule: str | None = None  # the protocol rule behind the card (for tests and feedback)
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "uuid": self.uuid,
            "summary": shorten(self.summary),
            "indicator": self.indicator,
            "source": self.source.as_json(),
        }
        if self.detail:
            out["detail"] = self.detail
        if self.override_reasons:
            out["overrideReasons"] = [r.as_json() for r in self.override_reasons]
        if self.links:
            out["links"] = [link.as_json() for link in self.links]
        return out


def cards_response(cards: Iterable[Card]) -> dict[str, Any]:
    return {"cards": [c.as_json() for c in cards]}


def shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    """At most ``limit`` characters (the spec's summary limit), cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


# ---- the links of a card: the rule page and its source ---------------------------------------

RuleUrl = Callable[[str], str]  # rule id -> URL of the rule (e.g. .../api/v1/rules/R-H4)


def _rule_title(rule_id: str) -> tuple[str, str]:
    try:
        r = catalogue_rule(rule_id)
    except KeyError:
        return rule_id, ""
    return r.title, r.source


def source_for(rule_id: str, rule_url: RuleUrl) -> CardSource:
    title, _ = _rule_title(rule_id)
    return CardSource(label=f"alemtrack {rule_id}", url=rule_url(rule_id),
                      topic_code=rule_id, topic_display=title)


def links_for(rule_ids: Iterable[str], rule_url: RuleUrl) -> tuple[Link, ...]:
    out = []
    for rid in dict.fromkeys(rule_ids):
        title, _ = _rule_title(rid)
        out.append(Link(f"Rule {rid}: {title}", rule_url(rid)))
    return tuple(out)


# ---- markdown --------------------------------------------------------------------------------


def _md(text: str) -> str:
    """Escape the characters that would turn clinical text into markdown markup."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")


def _value(e: Evidence) -> str:
    if e.value is None:
        return ""
    if isinstance(e.value, bool):
        return "yes" if e.value else "no"
    if isinstance(e.value, float):
        return f"{e.value:g}"
    return str(e.value)


def evidence_table(evidence: Sequence[Evidence]) -> str:
    if not evidence:
        return ""
    rows = ["| Record | Code | Value | Unit | Date |", "|---|---|---|---|---|"]
    for e in evidence:
        rows.append(f"| {_md(e.ref)} | {_md(e.code)} | {_md(_value(e))} | {_md(e.unit or '')} "
                    f"| {e.date.isoformat() if e.date else ''} |")
    return "\n".join(rows)


def _source_line(rule_id: str, source: str | None = None) -> str:
    title, rule_source = _rule_title(rule_id)
    return f"*Rule {rule_id} ({_md(title)}); source: {_md(source or rule_source)}.*"


def _iso(d: date | None) -> str:
    return d.isoformat() if d is not None else "no date yet (waits on a result or a document)"


def _until(g: Gate) -> str:
    """Short form for summaries: ``R-D1 until 2027-01-12`` or ``R-D1 (no date yet)``."""
    return f"{g.rule} until {g.until.isoformat()}" if g.until else f"{g.rule} (no date yet)"


# ---- findings, due items, next course --------------------------------------------------------


def finding_card(f: Finding, rule_url: RuleUrl) -> Card:
    parts = [_md(f.summary)]
    if f.actions:
        parts.append("**Actions**\n\n" + "\n".join(f"- {_md(a)}" for a in f.actions))
    if f.evidence:
        parts.append("**Evidence**\n\n" + evidence_table(f.evidence))
    if f.notes:
        parts.append("\n".join(f"- {_md(n)}" for n in f.notes))
    parts.append(_source_line(f.rule, f.source))
    return Card(
        summary=f"{f.rule} {f.severity.value}: {f.summary}",
        indicator=INDICATOR[f.severity],
        source=source_for(f.rule, rule_url),
        detail="\n\n".join(parts),
        links=links_for([f.rule], rule_url),
        override_reasons=INFO_OVERRIDES,
        rule=f.rule,
    )


def overdue_cards(due: Iterable[DueEntry], as_of: date, rule_url: RuleUrl) -> list[Card]:
    """One card per rule with overdue items (R-M1: more than 7 days past the due date)."""
    by_rule: dict[str, list[DueEntry]] = {}
    for d in due:
        if d.status.value == "overdue":
            by_rule.setdefault(d.rule, []).append(d)
    cards = []
    for rid, entries in by_rule.items():
        listed = ", ".join(f"{d.item} (due {d.due.isoformat()})" for d in entries)
        rows = "\n".join(f"| {_md(d.item)} | {d.due.isoformat()} | {(as_of - d.due).days} |"
                         for d in entries)
        detail = (f"Monitoring overdue on {as_of.isoformat()}:\n\n"
                  f"| Test | Due | Days overdue |\n|---|---|---|\n{rows}\n\n"
                  + _source_line(rid))
        cards.append(Card(
            summary=f"Overdue monitoring: {listed}",
            indicator="warning",
            source=source_for(rid, rule_url),
            detail=detail,
            links=links_for([rid], rule_url),
            override_reasons=INFO_OVERRIDES,
            rule=rid,
        ))
    return cards


def _gate_lines(gates: Iterable[Gate]) -> str:
    return "\n".join(
        f"- **{g.rule}** {g.outcome.value} until {_iso(g.until)}: {_md(g.reason)}" for g in gates)


def readiness_card(a: Assessment, rule_url: RuleUrl) -> Card | None:
    """patient-view: where the next course stands (None when no course is considered)."""
    nc = a.next_course
    if nc.status == "not-applicable":
        return None
    stopping = [g for g in nc.gates if g.outcome is not GateOutcome.WARN]
    when = f"earliest {nc.earliest_start.isoformat()}" if nc.earliest_start else "no date yet"
    summary = {
        "ready": f"Alemtuzumab course {nc.number}: ready ({when})",
        "blocked": f"Alemtuzumab course {nc.number}: blocked ({len(stopping)} gate(s); {when})",
        "on-hold": f"Alemtuzumab course {nc.number}: on hold ({len(stopping)} gate(s); {when})",
        "not-eligible": f"Alemtuzumab course {nc.number}: not eligible",
    }.get(nc.status, f"Alemtuzumab course {nc.number}: {nc.status}")
    detail = [f"Course {nc.number}, status **{nc.status}**, planned start "
              f"{nc.planned_start.isoformat() if nc.planned_start else 'not set'}, earliest "
              f"start {nc.earliest_start.isoformat() if nc.earliest_start else 'not known'}."]
    if nc.gates:
        detail.append("**Gates**\n\n" + _gate_lines(nc.gates))
    detail.append(_source_line("R-G0"))
    return Card(
        summary=summary,
        indicator="info" if nc.status in ("ready", "not-eligible") else "warning",
        source=source_for("R-G0", rule_url),
        detail="\n\n".join(detail),
        links=links_for(["R-G0", *(g.rule for g in nc.gates)], rule_url),
        rule="R-G0",
    )


def patient_view_cards(a: Assessment, rule_url: RuleUrl) -> list[Card]:
    cards = [finding_card(f, rule_url) for f in a.findings]
    cards.extend(overdue_cards(a.due, a.as_of, rule_url))
    ready = readiness_card(a, rule_url)
    if ready is not None:
        cards.append(ready)
    return cards


def course_gate_cards(a: Assessment, order_ref: str, rule_url: RuleUrl) -> list[Card]:
    """order-select/-sign of an alemtuzumab order: the R-G0 decision, then one card per gate."""
    nc = a.next_course
    start = nc.planned_start.isoformat() if nc.planned_start else "not set"
    stopping = [g for g in nc.gates if g.outcome is not GateOutcome.WARN]
    evidence = [e for g in nc.gates for e in g.evidence]
    detail = [f"Order {_md(order_ref)}: alemtuzumab course {nc.number}, day 1 {start}."]
    if nc.status in ("blocked", "not-eligible"):
        blocking = [g for g in nc.gates if g.outcome is GateOutcome.BLOCK]
        dates = ", ".join(_until(g) for g in blocking)
        summary = (f"Do not start alemtuzumab course {nc.number} on {start}: "
                   f"{nc.status} by {dates}")
        detail.append("**Blocking reasons**\n\n" + _gate_lines(blocking))
        indicator = "critical"
        overrides: tuple[OverrideReason, ...] = ()
    elif nc.status == "on-hold":
        summary = (f"Alemtuzumab course {nc.number} on hold: "
                   + ", ".join(_until(g) for g in stopping))
        indicator = "warning"
        overrides = HOLD_OVERRIDES
    else:
        summary = f"Alemtuzumab course {nc.number} on {start}: every course-start gate met"
        indicator = "info"
        overrides = ()
    detail.append(
        f"Earliest start: {nc.earliest_start.isoformat() if nc.earliest_start else 'not known'}"
        " (the first date on which every dated gate is met).")
    if nc.gates:
        detail.append("**All gates**\n\n" + _gate_lines(nc.gates))
    if evidence:
        detail.append("**Evidence**\n\n" + evidence_table(list(dict.fromkeys(evidence))))
    detail.append(_source_line("R-G0"))
    cards = [Card(
        summary=summary,
        indicator=indicator,
        source=source_for("R-G0", rule_url),
        detail="\n\n".join(detail),
        links=links_for(["R-G0", *(g.rule for g in nc.gates)], rule_url),
        override_reasons=overrides,
        rule="R-G0",
    )]
    for g in nc.gates:
        parts = [f"{g.outcome.value.upper()} until {_iso(g.until)}: {_md(g.reason)}"]
        if g.evidence:
            parts.append("**Evidence**\n\n" + evidence_table(g.evidence))
        parts.append(_source_line(g.rule))
        cards.append(Card(
            summary=f"{g.rule} {g.outcome.value} "
                    f"{'until ' + g.until.isoformat() if g.until else '(no date yet)'}: {g.reason}",
            indicator=GATE_INDICATOR[g.outcome],
            source=source_for(g.rule, rule_url),
            detail="\n\n".join(parts),
            links=links_for([g.rule], rule_url),
            override_reasons=HOLD_OVERRIDES if g.outcome is GateOutcome.HOLD else (),
            rule=g.rule,
        ))
    return cards


def live_vaccine_card(a: Assessment, order_ref: str, vaccine: str, planned: date,
                      cd4: Evidence | None, rule_url: RuleUrl) -> Card | None:
    """A live vaccine ordered after a course: the R-C5 window (None before any course)."""
    if not a.courses:
        return None
    last = a.courses[-1]
    window = a.windows.get("live_vaccines_from")
    facts = [f"Order {_md(order_ref)}: live vaccine {_md(vaccine)} on {planned.isoformat()}.",
             f"Last alemtuzumab course {last.number}: {last.first_day.isoformat()} to "
             f"{last.last_day.isoformat()}."]
    if window is None:
        summary = (f"Live vaccine {vaccine} not allowed yet: R-C5 window not open (6 months "
                   f"after {last.last_day.isoformat()} and CD4 > 200/µL)")
        facts.append("The live-vaccine window is not open: it needs 6 months after the last "
                      "infusion and a CD4 count above 200 cells/µL after them.")
        indicator = "critical"
    elif planned < window:
        summary = (f"Live vaccine {vaccine} on {planned.isoformat()} is before the R-C5 window "
                   f"(opens {window.isoformat()})")
        facts.append(f"The live-vaccine window opens on {window.isoformat()}.")
        indicator = "critical"
    else:
        summary = f"Live vaccine {vaccine}: R-C5 window open since {window.isoformat()}"
        facts.append(f"The live-vaccine window opened on {window.isoformat()}.")
        indicator = "info"
    if cd4 is not None:
        facts.append("**Latest CD4**\n\n" + evidence_table([cd4]))
    facts.append(_source_line("R-C5"))
    return Card(
        summary=summary,
        indicator=indicator,
        source=source_for("R-C5", rule_url),
        detail="\n\n".join(facts),
        links=links_for(["R-C5"], rule_url),
        rule="R-C5",
    )
