"""The rule catalogue: every rule of clinical-rules.md with its title, output and source."""

from __future__ import annotations

from .results import Rule
from .rules import FAMILIES


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in spec order (family letter as in the spec, then number)."""
    rules = [r for family in FAMILIES for r in family.RULES]
    seen: set[str] = set()
    for r in rules:
        if r.id in seen:
            raise ValueError(f"rule {r.id} declared twice")
        seen.add(r.id)
    return tuple(sorted(rules, key=lambda r: (_FAMILY_ORDER.index(r.id[2]), int(r.id[3:]))))


# Section order of clinical-rules.md: §2 A, §3 B, §4 C, §5 D, §6 E/G, §7a M, §7b H N T L X I, §7c S.
_FAMILY_ORDER = "ABCDEGMHNTLXIS"


def rule(rule_id: str) -> Rule:
    for r in all_rules():
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)
