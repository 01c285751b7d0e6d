"""Bulk ndjson import: resources per second and peak RSS for exports of growing size.

    .venv/bin/python bench/bench_bulk_import.py                        # reader and clinic
    .venv/bin/python bench/bench_bulk_import.py --through reader --patients 1000 10000 50000
    .venv/bin/python bench/bench_bulk_import.py --through clinic --patients 100 1000 3000

Each size runs in a fresh process (peak RSS is per process), on a generated export of Patients
and laboratory Observations (``--observations`` per patient, lines interleaved across patients
as a server writes them). ``reader`` measures the streaming reader alone (index, then one
patient Bundle at a time); ``clinic`` imports through ``Clinic.import_bundle`` into a new SQLite
database (store, ledger and evaluation of every patient included). Flat memory shows as a peak
RSS that does not grow with the export.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

LABS = (("777-3", 180.0, "10*3/uL"), ("2160-0", 0.8, "mg/dL"), ("3016-3", 1.9, "m[IU]/L"),
        ("26464-8", 6.1, "10*3/uL"), ("1742-6", 22.0, "U/L"))


def write_export(folder: Path, patients: int, observations: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "Patient.000.ndjson").open("w", encoding="utf-8") as out:
        for n in range(patients):
            out.write(json.dumps({"resourceType": "Patient", "id": f"b{n}", "gender": "male",
                                  "birthDate": "1980-06-01",
                                  "name": [{"family": f"Bench{n}", "given": ["B"]}]}) + "\n")
    start = date(2025, 1, 6)
    with (folder / "Observation.000.ndjson").open("w", encoding="utf-8") as out:
        for k in range(observations):
            code, value, unit = LABS[k % len(LABS)]
            day = (start + timedelta(days=30 * (k // len(LABS)))).isoformat()
            for n in range(patients):
                out.write(json.dumps({
                    "resourceType": "Observation", "id": f"b{n}-o{k}", "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                    "subject": {"reference": f"Patient/b{n}"}, "effectiveDateTime": day,
                    "valueQuantity": {"value": value, "unit": unit,
                                      "system": "http://unitsofmeasure.org", "code": unit},
                }) + "\n")
    return patients * (1 + observations)


def run_one(through: str, folder: Path) -> None:
    """In the child process: import ``folder`` and print one JSON line of figures."""
    from alemtrack.interop.fhir import read_bundle
    from alemtrack.interop.fhir.bulk import BulkReader, ndjson_files

    started = time.perf_counter()
    if through == "reader":
        resources = 0
        with BulkReader(ndjson_files([folder]), spool_dir=str(folder)) as reader:
            reader.index()
            for group in reader.groups():
                resources += len(read_bundle(group.bundle).facts.labs) + 1
    else:
        from alemtrack.bootstrap import build_clinic
        from alemtrack.config import Settings
        from alemtrack.services.bulk import import_bulk

        clinic = build_clinic(Settings(database_url=f"sqlite:///{folder}/bench.db"),
                              clock=lambda: date(2026, 11, 21))
        try:
            report = import_bulk(clinic, [folder], source="bench", actor="bench",
                                 spool_dir=str(folder))
            assert report.balanced, "the ledger does not balance"
            resources = report.received
        finally:
            clinic.close()
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"resources": resources, "seconds": seconds, "peak_rss_kib": peak_kib}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--through", choices=("reader", "clinic", "both"), default="both")
    parser.add_argument("--patients", type=int, nargs="+")
    parser.add_argument("--observations", type=int, default=10, help="per patient")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.child[0], Path(args.child[1]))
        return
    plans = {"reader": [1_000, 10_000, 50_000], "clinic": [100, 1_000, 3_000]}
    modes = ["reader", "clinic"] if args.through == "both" else [args.through]
    print(f"{'through':8} {'patients':>9} {'lines':>10} {'MB':>8} {'resources/s':>12} "
          f"{'seconds':>8} {'peak RSS MiB':>13}")
    for mode in modes:
        for patients in args.patients or plans[mode]:
            with tempfile.TemporaryDirectory(prefix="alemtrack-bench-") as tmp:
                folder = Path(tmp)
                lines = write_export(folder, patients, args.observations)
                size = sum(f.stat().st_size for f in folder.glob("*.ndjson"))
                out = subprocess.run([sys.executable, __file__, "--child", mode, str(folder)],
                                     check=True, capture_output=True, text=True)
                figures = json.loads(out.stdout.strip().splitlines()[-1])
            rate = figures["resources"] / figures["seconds"]
            print(f"{mode:8} {patients:>9,} {lines:>10,} {size / 1e6:>8.1f} {rate:>12,.0f} "
                  f"{figures['seconds']:>8.1f} {figures['peak_rss_kib'] / 1024:>13.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
