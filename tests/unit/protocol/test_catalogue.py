"""`alemtrack rules` lists every rule of the spec, each with a title and a source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alemtrack.protocol.catalogue import all_rules

# The repository is checked out with ../shared (spec, seeds, test data) beside it.
REPO = Path(__file__).resolve().parents[3]
SPEC = REPO.parent / "shared" / "spec" / "clinical-rules.md"


def spec_rule_ids() -> set[str]:
    if not SPEC.exists():
        pytest.fail(f"the spec is expected at {SPEC} (../shared beside the repository)")
    return set(re.findall(r"\bR-[A-Z]\d+\b", SPEC.read_text(encoding="utf-8")))


def test_catalogue_covers_every_rule_id_of_the_spec():
    catalogue = {r.id for r in all_rules()}
    assert spec_rule_ids() - catalogue == set()


def test_catalogue_has_no_rule_the_spec_does_not_define():
    assert {r.id for r in all_rules()} - spec_rule_ids() == set()


def test_every_rule_has_a_title_an_output_and_a_source():
    for r in all_rules():
        assert r.title.strip(), r.id
        assert r.produces.strip(), r.id
        assert r.source.strip(), r.id
