"""Rewrite the regression snapshots ``NN-slug.expected.json`` of the example patients.

Usage (repository root)::

    .venv/bin/python examples/regenerate.py            # every case
    .venv/bin/python examples/regenerate.py 06 14      # cases whose file name starts so
    .venv/bin/python examples/regenerate.py --check    # only report which snapshots differ

Run it only after an INTENDED rule change, then review the diff: a snapshot records what the
engine said and was checked by hand against the case's reasoned ``expect`` (its ``.case.json``)
and clinical-rules.md. Never regenerate to make a disagreement with ``expect`` go away;
``tests/integration/test_examples.py`` checks ``expect`` independently of the snapshot.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from alemtrack.interop.fhir import read_bundle_file
from alemtrack.protocol import PROFILES, assess

HERE = Path(__file__).resolve().parent


def case_files(prefixes: list[str] | None = None) -> list[Path]:
    files = sorted(HERE.glob("*.case.json"))
    if prefixes:
        files = [f for f in files if any(f.name.startswith(p) for p in prefixes)]
    return files


def bundle_path(case_file: Path) -> Path:
    return case_file.with_name(case_file.name.replace(".case.json", ".bundle.json"))


def snapshot_path(case_file: Path) -> Path:
    return case_file.with_name(case_file.name.replace(".case.json", ".expected.json"))


def assessment(case_file: Path) -> dict[str, Any]:
    """The assessment JSON (interfaces.md §2) of one example, as ``alemtrack assess`` prints it."""
    case = json.loads(case_file.read_text(encoding="utf-8"))
    reading = read_bundle_file(bundle_path(case_file))
    planned = case.get("planned_start")
    result = assess(
        reading.facts,
        date.fromisoformat(case["as_of"]),
        PROFILES[case.get("profile", "eu")],
        date.fromisoformat(planned) if planned else None,
    )
    return result.to_dict()


def render(payload: dict[str, Any]) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    prefixes = [a for a in argv if not a.startswith("--")]
    differing = 0
    for case_file in case_files(prefixes):
        target = snapshot_path(case_file)
        text = render(assessment(case_file))
        old = target.read_text(encoding="utf-8") if target.exists() else None
        if old == text:
            print(f"unchanged  {target.name}")
            continue
        differing += 1
        if check:
            print(f"DIFFERS    {target.name}")
        else:
            target.write_text(text, encoding="utf-8")
            print(f"{'written' if old is None else 'rewritten':<10} {target.name}")
    return 1 if check and differing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
