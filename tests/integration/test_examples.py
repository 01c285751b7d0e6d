"""The example patients of ``examples/``: each reads cleanly, meets the expectations reasoned
from clinical-rules.md (``NN-slug.case.json`` ``expect``) and reproduces its snapshot
(``NN-slug.expected.json``, rewritten only by ``examples/regenerate.py`` after an intended change).

``expect`` keys (all optional):
- ``phase``, ``next_course_number``, ``next_course_status``, ``earliest_start``,
  ``monitoring_until``: equal to the assessment's value (null included).
- ``findings``: rule ID -> severity that must be present.
- ``absent_findings``: rule IDs that must not fire.
- ``gates``: rule ID -> outcome, or -> ``{"outcome": ..., "until": ...}``.
- ``absent_gates``: rule IDs with no gate.
- ``due``: ``item`` or ``item@RULE`` -> due date (some entry of that item, of that rule).
- ``absent_due``: items with no due entry at all.
- ``windows``: window name -> date or null.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alemtrack.interop.fhir import read_bundle_file
from alemtrack.protocol import PROFILES, assess

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SCHEMA = ROOT / "docs" / "assessment.schema.json"
CASES = sorted(EXAMPLES.glob("*.case.json"))
EXPECT_KEYS = {
    "phase", "next_course_number", "next_course_status", "earliest_start", "monitoring_until",
    "findings", "absent_findings", "gates", "absent_gates", "due", "absent_due", "windows",
}
CASE_KEYS = {"title", "story", "as_of", "profile", "planned_start", "expect"}


def slug(path: Path) -> str:
    return path.name.removesuffix(".case.json")


def sibling(case_file: Path, suffix: str) -> Path:
    return case_file.with_name(case_file.name.replace(".case.json", suffix))


@cache
def load_case(case_file: Path) -> dict[str, Any]:
    return json.loads(case_file.read_text(encoding="utf-8"))


@cache
def assessed(case_file: Path) -> dict[str, Any]:
    case = load_case(case_file)
    reading = read_bundle_file(sibling(case_file, ".bundle.json"))
    planned = case.get("planned_start")
    result = assess(
        reading.facts,
        date.fromisoformat(case["as_of"]),
        PROFILES[case.get("profile", "eu")],
        date.fromisoformat(planned) if planned else None,
    )
    return result.to_dict()


def mismatches(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Every way ``got`` (assessment JSON) departs from ``expect``; empty when it agrees."""
    out: list[str] = []
    nc = got["next_course"]
    scalars = {
        "phase": got["phase"],
        "next_course_number": nc["number"],
        "next_course_status": nc["status"],
        "earliest_start": nc["earliest_start"],
        "monitoring_until": got["monitoring_until"],
    }
    for key, value in scalars.items():
        if key in expect and expect[key] != value:
            out.append(f"{key}: expected {expect[key]!r}, got {value!r}")

    findings = {f["rule"]: f for f in got["findings"]}
    for rule, severity in expect.get("findings", {}).items():
        if rule not in findings:
            out.append(f"finding {rule} ({severity}) missing; fired: {sorted(findings)}")
        elif findings[rule]["severity"] != severity:
            out.append(f"finding {rule}: expected {severity}, got {findings[rule]['severity']} "
                       f"({findings[rule]['summary']})")
    for rule in expect.get("absent_findings", []):
        if rule in findings:
            out.append(f"finding {rule} must not fire: {findings[rule]['severity']} "
                       f"{findings[rule]['summary']!r}")

    gates = {g["rule"]: g for g in nc["gates"]}
    for rule, want in expect.get("gates", {}).items():
        want = want if isinstance(want, dict) else {"outcome": want}
        gate = gates.get(rule)
        if gate is None:
            out.append(f"gate {rule} ({want}) missing; gates: {sorted(gates)}")
            continue
        for field in ("outcome", "until"):
            if field in want and gate[field] != want[field]:
                out.append(f"gate {rule} {field}: expected {want[field]!r}, got {gate[field]!r} "
                           f"({gate['reason']})")
    for rule in expect.get("absent_gates", []):
        if rule in gates:
            g = gates[rule]
            out.append(f"gate {rule} must be absent: {g['outcome']} until {g['until']} "
                       f"({g['reason']})")

    for key, when in expect.get("due", {}).items():
        item, _, rule = key.partition("@")
        entries = [d for d in got["due"] if d["item"] == item and (not rule or d["rule"] == rule)]
        if not any(d["due"] == when for d in entries):
            found = [(d["due"], d["rule"]) for d in entries]
            out.append(f"due {key}: expected {when}, got {found or 'nothing'}")
    for item in expect.get("absent_due", []):
        entries = [(d["due"], d["rule"]) for d in got["due"] if d["item"] == item]
        if entries:
            out.append(f"due {item} must be absent, got {entries}")

    for name, when in expect.get("windows", {}).items():
        if got["windows"].get(name) != when:
            out.append(f"window {name}: expected {when!r}, got {got['windows'].get(name)!r}")
    return out


def test_there_are_at_least_15_example_patients() -> None:
    assert len(CASES) >= 15, [c.name for c in CASES]


@pytest.mark.parametrize("case_file", CASES, ids=slug)
def test_case_file_is_complete(case_file: Path) -> None:
    case = load_case(case_file)
    assert set(case) == CASE_KEYS, set(case) ^ CASE_KEYS
    assert set(case["expect"]) <= EXPECT_KEYS, set(case["expect"]) - EXPECT_KEYS
    assert case["profile"] in PROFILES
    assert sibling(case_file, ".bundle.json").exists()


@pytest.mark.parametrize("case_file", CASES, ids=slug)
def test_bundle_reads_without_rejections(case_file: Path) -> None:
    reading = read_bundle_file(sibling(case_file, ".bundle.json"))
    assert list(reading.rejected) == []
    assert reading.facts.ref.startswith("Patient/")


@pytest.mark.parametrize("case_file", CASES, ids=slug)
def test_assessment_meets_the_reasoned_expectations(case_file: Path) -> None:
    problems = mismatches(load_case(case_file)["expect"], assessed(case_file))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case_file", CASES, ids=slug)
def test_assessment_equals_the_snapshot(case_file: Path) -> None:
    snapshot = sibling(case_file, ".expected.json")
    assert snapshot.exists(), f"no snapshot {snapshot.name}: run examples/regenerate.py"
    assert assessed(case_file) == json.loads(snapshot.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case_file", CASES, ids=slug)
def test_assessment_validates_against_the_schema(case_file: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(assessed(case_file))
