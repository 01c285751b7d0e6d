"""CDS Hooks latency: patient-view and order-sign answered by a real server on localhost.

    .venv/bin/python bench/bench_cds_hooks.py                  # 50 calls per scenario
    .venv/bin/python bench/bench_cds_hooks.py --calls 200 --warmup 10

Starts ``alemtrack serve`` (uvicorn) in a child process on 127.0.0.1 and a free port, with a
fresh SQLite database and one trusted EHR whose EC P-384 public key is configured inline
(``ALEMTRACK_CDS_ISSUERS``). Each call carries a freshly signed ES384 JWT (``aud`` = the
service URL, a new ``jti``: the server checks signature, audience, expiry and replay and records
the ``jti``) and the patient's whole record as prefetch, built from an example bundle, as an EHR
would send it. The JWT is signed before the clock starts; the figure is the HTTP round trip over
one keep-alive connection: JWT checks, FHIR reading, assessment, cards, JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
import jwt
from benchkit import machine, ms, percentile, table
from cryptography.hazmat.primitives.asymmetric import ec

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
ISSUER = "https://ehr.bench.example"
KID = "bench-key-1"
VIEW = "/cds-services/alemtrack-patient-view"
SIGN = "/cds-services/alemtrack-order-sign"
# Prefetch keys of the services (docs/cds-hooks.md) and the resource type each one holds.
PREFETCH_KEYS = {
    "conditions": "Condition", "observations": "Observation",
    "medicationStatements": "MedicationStatement", "medicationRequests": "MedicationRequest",
    "medicationAdministrations": "MedicationAdministration", "immunizations": "Immunization",
    "procedures": "Procedure", "diagnosticReports": "DiagnosticReport",
    "allergies": "AllergyIntolerance", "serviceRequests": "ServiceRequest",
    "consents": "Consent", "questionnaireResponses": "QuestionnaireResponse",
}
# (label, hook path, example, alemtuzumab draft start or None)
SCENARIOS = (
    ("patient-view, ITP in month 19", VIEW, "06-itp-month-19", None),
    ("patient-view, candidate ready", VIEW, "01-treatment-naive-ready-to-start", None),
    ("order-sign, washout blocks", SIGN, "02-fingolimod-washout-lymphopenia", "2026-12-01"),
    ("order-sign, course 1 ready", SIGN, "01-treatment-naive-ready-to-start", "2026-12-07"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def public_jwks(key: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": KID, "alg": "ES384", "use": "sig"}]}


def signed(key: ec.EllipticCurvePrivateKey, aud: str) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "bench-ehr", "aud": aud, "iat": now, "exp": now + 300,
              "jti": str(uuid.uuid4())}
    return jwt.encode(claims, key, algorithm="ES384", headers={"kid": KID, "typ": "JWT"})


def prefetch_of(stem: str) -> tuple[str, dict[str, Any], int]:
    """The example's resources as an EHR's prefetch (a searchset per key, null when empty)."""
    bundle = json.loads((EXAMPLES / f"{stem}.bundle.json").read_text(encoding="utf-8"))
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    out: dict[str, Any] = {"patient": patient}
    for key, rtype in PREFETCH_KEYS.items():
        found = [r for r in resources if r["resourceType"] == rtype]
        out[key] = ({"resourceType": "Bundle", "type": "searchset", "total": len(found),
                     "entry": [{"resource": r, "search": {"mode": "match"}} for r in found]}
                    if found else None)
    return patient["id"], out, len(resources)


def hook_body(path: str, stem: str, start: str | None) -> tuple[dict[str, Any], int]:
    patient_id, prefetch, n = prefetch_of(stem)
    context: dict[str, Any] = {"userId": "Practitioner/bench", "patientId": patient_id}
    hook = "patient-view"
    if path == SIGN:
        hook = "order-sign"
        draft = {
            "resourceType": "MedicationRequest", "id": "draft-alemtuzumab", "status": "draft",
            "intent": "order",
            "medicationCodeableConcept": {"coding": [{
                "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "117055",
                "display": "alemtuzumab"}]},
            "subject": {"reference": f"Patient/{patient_id}"},
            "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": start}}}}],
        }
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": draft}]}
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context,
            "prefetch": prefetch}, n


def start_server(folder: Path, key: ec.EllipticCurvePrivateKey) -> tuple[subprocess.Popen[bytes],
                                                                          str, Path]:
    port = free_port()
    env = {**os.environ,
           "ALEMTRACK_DATABASE_URL": f"sqlite:///{folder / 'cds.db'}",
           "ALEMTRACK_CDS_ISSUERS": json.dumps([{"iss": ISSUER, "jwks": public_jwks(key)}]),
           "ALEMTRACK_DEMO": "false", "ALEMTRACK_CDS_REQUIRE_JWT": "true"}
    env.pop("ALEMTRACK_CDS_PUBLIC_URL", None)
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", "from alemtrack.cli.main import app; app()",
             "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code < 500:
                return process, base, log
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the server did not answer within 60 s:\n{log.read_text()}")
        time.sleep(0.1)


def run_scenario(client: httpx.Client, key: ec.EllipticCurvePrivateKey, base: str,
                 scenario: tuple[str, str, str, str | None], calls: int,
                 warmup: int) -> list[object]:
    label, path, stem, start = scenario
    body, resources = hook_body(path, stem, start)
    samples: list[float] = []
    cards = 0
    for i in range(warmup + calls):
        headers = {"Authorization": f"Bearer {signed(key, base + path)}"}
        body["hookInstance"] = str(uuid.uuid4())
        started = time.perf_counter()
        response = client.post(path, json=body, headers=headers)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code}: {response.text[:500]}")
        cards = len(response.json()["cards"])
        if i >= warmup:
            samples.append(elapsed)
    return [label, resources, cards, calls, ms(percentile(samples, 50)),
            ms(percentile(samples, 95)), ms(max(samples))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="timed calls per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="untimed calls first")
    args = parser.parse_args(argv)
    if args.calls < 1 or args.warmup < 0:
        parser.error("--calls must be at least 1 and --warmup at least 0")

    print(f"alemtrack CDS Hooks over HTTP on localhost (uvicorn, SQLite); {machine()}")
    key = ec.generate_private_key(ec.SECP384R1())
    with tempfile.TemporaryDirectory(prefix="alemtrack-bench-") as tmp:
        process, base, _log = start_server(Path(tmp), key)
        try:
            with httpx.Client(base_url=base, timeout=60) as client:
                rows = [run_scenario(client, key, base, s, args.calls, args.warmup)
                        for s in SCENARIOS]
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    print(table(["scenario", "resources", "cards", "calls", "median ms", "p95 ms", "max ms"],
                rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
