"""Assessments per second of the pure clinical core (``alemtrack.protocol.assess``).

    .venv/bin/python bench/bench_assess.py                    # examples + 500 demo patients
    .venv/bin/python bench/bench_assess.py --patients 2000 --repeat 50

Two sets of patients: the example patients of ``examples/`` (each on its own date and
profile, assessed ``--repeat`` times) and ``--patients`` synthetic patients of the demo
generator (``alemtrack.demo.generator``), each assessed once per profile on ``--today``.
Bundles are read into facts first and that reading is reported on its own line; the assessment
figures are the core alone: facts + date + profile -> Assessment, no database, no I/O.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import machine, ms, percentile, table

from alemtrack.interop.fhir import read_bundle, read_bundle_file
from alemtrack.protocol import PROFILES, assess
from alemtrack.protocol.facts import PatientFacts

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
Job = tuple[PatientFacts, date, str]


def example_jobs() -> list[Job]:
    jobs = []
    for case_file in sorted(EXAMPLES.glob("*.case.json")):
        case = json.loads(case_file.read_text(encoding="utf-8"))
        bundle = case_file.with_name(case_file.name.replace(".case.json", ".bundle.json"))
        jobs.append((read_bundle_file(bundle).facts, date.fromisoformat(case["as_of"]),
                     case.get("profile", "eu")))
    return jobs


def run(jobs: list[Job], repeat: int) -> list[float]:
    """Seconds of each assessment (``repeat`` passes over ``jobs``, one untimed pass first)."""
    for facts, on, profile in jobs:
        assess(facts, on, PROFILES[profile])
    samples = []
    for _ in range(repeat):
        for facts, on, profile in jobs:
            started = time.perf_counter()
            assess(facts, on, PROFILES[profile])
            samples.append(time.perf_counter() - started)
    return samples


def row(label: str, profile: str, patients: int, samples: list[float]) -> list[object]:
    total = sum(samples)
    return [label, profile, patients, len(samples), f"{total:.2f}",
            f"{len(samples) / total:,.0f}", ms(percentile(samples, 50)),
            ms(percentile(samples, 95))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500,
                        help="demo patients to generate and assess (default 500; 0 skips)")
    parser.add_argument("--repeat", type=int, default=20,
                        help="passes over the example patients (default 20)")
    parser.add_argument("--profiles", nargs="+", choices=sorted(PROFILES),
                        default=["eu", "us", "es2019"], help="profiles for the demo patients")
    parser.add_argument("--seed", type=int, default=2026, help="demo generator seed")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 21),
                        help="reference date of the demo clinic (YYYY-MM-DD)")
    args = parser.parse_args(argv)

    print(f"alemtrack protocol.assess; {machine()}")
    rows = []
    jobs = example_jobs()
    rows.append(row(f"examples ({len(jobs)})", "per case", len(jobs), run(jobs, args.repeat)))
    reading = ""
    if args.patients > 0:
        from alemtrack.demo.generator import generate_clinic

        patients = generate_clinic(args.patients, args.seed, args.today)
        resources = sum(len(p.bundle.get("entry", [])) for p in patients)
        started = time.perf_counter()
        facts = [read_bundle(p.bundle).facts for p in patients]
        read_s = time.perf_counter() - started
        reading = (f"reading the demo bundles into facts (not in the figures above): "
                   f"{len(facts)} bundles, {resources:,} resources in {read_s:.1f} s = "
                   f"{resources / read_s:,.0f} resources/s")
        for profile in args.profiles:
            demo_jobs = [(f, args.today, profile) for f in facts]
            rows.append(row("demo clinic", profile, len(facts), run(demo_jobs, 1)))
    print(table(["set", "profile", "patients", "assessments", "seconds", "assess/s",
                 "median ms", "p95 ms"], rows))
    if reading:
        print(reading)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
