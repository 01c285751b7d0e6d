"""Worklist, patient-list and adherence times of a demo clinic on SQLite.

    .venv/bin/python bench/bench_worklist.py                   # 500 patients, 30 calls each
    .venv/bin/python bench/bench_worklist.py --patients 2000 --repeat 50
    .venv/bin/python bench/bench_worklist.py --database /tmp/clinic.db   # keep and reuse it

Builds a clinic of ``--patients`` synthetic patients with the demo builder
(``alemtrack.demo.builder.build_demo``: every bundle through ``Clinic.import_bundle``, i.e. FHIR
reading, storage, ledger, evaluation and alerts) and prints that ingest rate; then times the
read side the care team waits on, each call ``--repeat`` times after one warm-up call:
``Clinic.worklist`` (today and a week ahead), ``Clinic.list_patients`` with each filter, and
``Clinic.adherence`` for the clinic and for one patient. Median and 95th percentile.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import machine, ms, percentile, table, timed

from alemtrack import bootstrap
from alemtrack.config import Settings
from alemtrack.demo.builder import build_demo, database_url
from alemtrack.services.clinic import Clinic
from alemtrack.services.model import Worklist


def worklist_size(w: Worklist) -> int:
    return (len(w.infusions) + len(w.overdue) + len(w.due) + len(w.decisions)
            + sum(len(a) for a in w.alerts.values()))


def size_of(result: Any) -> str:
    if isinstance(result, Worklist):
        return f"{worklist_size(result)} entries"
    if hasattr(result, "total"):  # Page
        return f"{len(result.items)} of {result.total}"
    if hasattr(result, "slots_due"):  # Adherence
        return f"{result.slots_on_time}/{result.slots_due} slots"
    return "-"


def operations(clinic: Clinic, today: date) -> list[tuple[str, Callable[[], Any]]]:
    some_patient = clinic.list_patients(phase="monitoring", limit=1).items
    pid = some_patient[0].id if some_patient else clinic.list_patients(limit=1).items[0].id
    total = clinic.list_patients(limit=1).total
    last_page = max(0, (total - 1) // 50 * 50)
    return [
        ("worklist(today)", lambda: clinic.worklist(today)),
        ("worklist(today + 7 days)", lambda: clinic.worklist(today + timedelta(days=7))),
        ("list_patients() first page", lambda: clinic.list_patients()),
        ("list_patients() last page", lambda: clinic.list_patients(offset=last_page)),
        ("list_patients(query='an')", lambda: clinic.list_patients(query="an")),
        ("list_patients(phase=monitoring)", lambda: clinic.list_patients(phase="monitoring")),
        ("list_patients(overdue=True)", lambda: clinic.list_patients(overdue=True)),
        ("list_patients(open_alerts=True)", lambda: clinic.list_patients(open_alerts=True)),
        ("list_patients(all three filters)",
         lambda: clinic.list_patients(phase="monitoring", overdue=True, open_alerts=True)),
        ("adherence() whole clinic", lambda: clinic.adherence()),
        ("adherence(one patient)", lambda: clinic.adherence(patient_id=pid)),
        ("adherence(one patient, as_of)", lambda: clinic.adherence(patient_id=pid, as_of=today)),
    ]


def measure(database: Path, args: argparse.Namespace) -> None:
    build = build_demo(database, today=args.today, patients=args.patients, seed=args.seed,
                       fresh=args.fresh)
    if build.built:
        print(f"built {database}: {build.patients} patients, {build.resources:,} resources in "
              f"{build.seconds:.1f} s = {build.resources / build.seconds:,.0f} resources/s, "
              f"{build.patients / build.seconds:.1f} patients/s through Clinic.import_bundle "
              f"({build.rejected} rejected)")
    else:
        print(f"reused {database} ({build.patients} patients, built for {build.today})")
    settings = Settings(_env_file=None, database_url=database_url(database))  # type: ignore[call-arg]
    clinic = bootstrap.build_clinic(settings, clock=lambda: args.today)
    try:
        rows = []
        for label, call in operations(clinic, args.today):
            result = call()
            samples = timed(call, args.repeat)
            rows.append([label, size_of(result), ms(percentile(samples, 50)),
                         ms(percentile(samples, 95)), ms(max(samples))])
    finally:
        clinic.close()
    print(table(["call", "result", "median ms", "p95 ms", "max ms"], rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500, help="clinic size (default 500)")
    parser.add_argument("--repeat", type=int, default=30, help="timed calls each (default 30)")
    parser.add_argument("--seed", type=int, default=2026, help="demo generator seed")
    parser.add_argument("--today", type=date.fromisoformat, default=date(2026, 11, 21),
                        help="the clinic's date (YYYY-MM-DD)")
    parser.add_argument("--database", type=Path,
                        help="SQLite file to build (or reuse when built for the same date, size "
                             "and seed); default: a temporary file, deleted afterwards")
    parser.add_argument("--fresh", action="store_true", help="rebuild --database even if reusable")
    args = parser.parse_args(argv)
    if args.patients < 1 or args.repeat < 1:
        parser.error("--patients and --repeat must be at least 1")

    print(f"alemtrack clinic on SQLite; {machine()}")
    if args.database is not None:
        measure(args.database, args)
        return 0
    args.fresh = True
    with tempfile.TemporaryDirectory(prefix="alemtrack-bench-") as tmp:
        measure(Path(tmp) / "clinic.db", args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
