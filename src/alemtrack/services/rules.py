"""The rule catalogue as plain data, for the rule pages that cards and alerts link to."""

from __future__ import annotations

from alemtrack.errors import NotFound
from alemtrack.protocol.catalogue import all_rules
from alemtrack.protocol.results import Rule


def _entry(r: Rule) -> dict[str, str]:
    return {"id": r.id, "title": r.title, "produces": r.produces, "source": r.source,
            "family": r.family, "reference": f"clinical-rules.md {r.id}"}


def rule_catalogue() -> list[dict[str, str]]:
    return [_entry(r) for r in all_rules()]


def rule_entry(rule_id: str) -> dict[str, str]:
    for r in all_rules():
        if r.id == rule_id:
            return _entry(r)
    raise NotFound(f"no rule {rule_id}")
