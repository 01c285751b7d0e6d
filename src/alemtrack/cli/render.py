"""Plain-text renderings for people: an assessment, the rule catalogue."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from alemtrack.protocol.catalogue import SOURCES
from alemtrack.protocol.engine import Assessment
from alemtrack.protocol.results import Rule

_MARK = {"critical": "!!!", "urgent": "!! ", "warn": "!  ", "routine": "-  ", "info": "i  "}


def assessment_text(a: Assessment) -> str:
    """A readable assessment: what is wrong first, then the course, then what is due."""
    lines = [
        f"{a.patient}  on {a.as_of.isoformat()}  profile {a.profile}",
        f"Phase: {a.phase.value}",
    ]
    for c in a.courses:
        lines.append(
            f"Course {c.number}: {c.first_day.isoformat()} to {c.last_day.isoformat()}"
            f" ({c.days_given} day{'s' if c.days_given != 1 else ''})"
        )
    if a.monitoring_until:
        lines.append(f"Monitoring until: {a.monitoring_until.isoformat()}")

    lines.append("")
    lines.append(f"Findings ({len(a.findings)})")
    if not a.findings:
        lines.append("  none")
    for f in a.findings:
        lines.append(
            f"  {_MARK[f.severity.value]}{f.severity.value.upper():8} {f.rule:6} {f.summary}"
        )
        lines.extend(f"        -> {action}" for action in f.actions)
        lines.extend(f"        note: {note}" for note in f.notes)
        for e in f.evidence:
            value = "" if e.value is None else f" {e.value}{' ' + e.unit if e.unit else ''}"
            when = f" ({e.date.isoformat()})" if e.date else ""
            lines.append(f"        evidence: {e.ref} {e.code}{value}{when}")
        lines.append(f"        source: {f.source}")

    nc = a.next_course
    lines.append("")
    lines.append(f"Next course: {nc.number}  status {nc.status.upper()}")
    if nc.planned_start:
        lines.append(f"  planned start: {nc.planned_start.isoformat()}")
    earliest = (
        nc.earliest_start.isoformat() if nc.earliest_start else "not yet known (undated gate)"
    )
    if nc.status != "not-applicable":
        lines.append(f"  earliest start: {earliest}")
    for g in nc.gates:
        until = f" until {g.until.isoformat()}" if g.until else ""
        lines.append(f"  [{g.outcome.value.upper():5}] {g.rule:6}{until}: {g.reason}")

    lines.append("")
    lines.append(f"Due ({len(a.due)})")
    if not a.due:
        lines.append("  nothing scheduled")
    lines.extend(f"  {d.due.isoformat()}  {d.status.value:9} {d.item:22} {d.rule}" for d in a.due)

    windows = [(name, value) for name, value in a.windows.items() if value is not None]
    if windows:
        lines.append("")
        lines.append("Windows")
        lines.extend(f"  {name}: {value.isoformat()}" for name, value in windows if value)
    return "\n".join(lines)


def rules_table(rules: Iterable[Rule]) -> Table:
    table = Table(title="alemtrack protocol rules", show_lines=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("Rule")
    table.add_column("Output")
    table.add_column("Source")
    for r in rules:
        table.add_row(r.id, r.title, r.produces, r.source)
    return table


def sources_table() -> Table:
    """The legend of the source keys the rules cite."""
    table = Table(title="Sources (clinical-rules.md §0)", show_header=False)
    table.add_column("Key", no_wrap=True)
    table.add_column("Source")
    for key, text in SOURCES.items():
        table.add_row(key, text)
    return table
