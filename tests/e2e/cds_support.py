"""What the CDS Hooks tests share: a trusted EHR key pair, signed client JWTs, hook requests
built from the example bundles, and the spec's example files."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from .api_support import ApiClient, api_client, bundle

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "cds-hooks"
if not SPEC.is_dir():  # the shared folder beside the clone, or the workspace's
    SPEC = Path("/work/shared/testdata/cds-hooks")

ISSUER = "https://ehr.example.org"
KID = "ehr-key-1"
PRIVATE_KEY = ec.generate_private_key(ec.SECP384R1())
OTHER_KEY = ec.generate_private_key(ec.SECP384R1())


def public_jwks(key: ec.EllipticCurvePrivateKey = PRIVATE_KEY, kid: str = KID) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": "ES384", "use": "sig"}]}


def spec_file(name: str) -> Any:
    return json.loads((SPEC / name).read_text("utf-8"))


def token(aud: str, *, key: Any = PRIVATE_KEY, alg: str = "ES384", kid: str = KID,
          iss: str = ISSUER, exp_in: int = 300, jti: str | None = None,
          **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": iss, "sub": "ehr-client", "aud": aud, "exp": now + exp_in, "iat": now,
               "jti": jti or str(uuid.uuid4()), **claims}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


@contextmanager
def cds_client(db: Path, *, today: date = date(2026, 11, 20), **overrides: Any
               ) -> Iterator[ApiClient]:
    """The application with one trusted EHR (inline JWKS) on a fresh database."""
    overrides.setdefault("cds_issuers", [{"iss": ISSUER, "jwks": public_jwks()}])
    with api_client(db, today=today, **overrides) as client:
        yield client


def auth(client: ApiClient, path: str, **kwargs: Any) -> dict[str, str]:
    """An Authorization header with a fresh JWT whose aud is the URL of ``path``."""
    return {"Authorization": f"Bearer {token(str(client.base_url).rstrip('/') + path, **kwargs)}"}


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not resources:
        return None
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources]}


_KEYS = {
    "conditions": "Condition", "observations": "Observation",
    "medicationStatements": "MedicationStatement", "medicationRequests": "MedicationRequest",
    "medicationAdministrations": "MedicationAdministration", "immunizations": "Immunization",
    "procedures": "Procedure", "diagnosticReports": "DiagnosticReport",
    "allergies": "AllergyIntolerance", "serviceRequests": "ServiceRequest",
    "consents": "Consent", "questionnaireResponses": "QuestionnaireResponse",
}


def prefetch_of(stem: str) -> tuple[str, dict[str, Any]]:
    """An example bundle as the prefetch an EHR would send (searchset per key, null if none)."""
    resources = [e["resource"] for e in bundle(stem)["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    out: dict[str, Any] = {"patient": patient}
    for key, rtype in _KEYS.items():
        out[key] = searchset([r for r in resources if r["resourceType"] == rtype])
    return patient["id"], out


def alemtuzumab_draft(patient_id: str, start: str) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest", "id": "draft-alemtuzumab", "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{
            "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "117055",
            "display": "alemtuzumab"}]},
        "subject": {"reference": f"Patient/{patient_id}"},
        "authoredOn": "2026-11-20",
        "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": start}}}}],
    }


def hook_request(hook: str, patient_id: str, prefetch: dict[str, Any] | None,
                 drafts: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/example", "patientId": patient_id}
    if hook != "patient-view":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": d} for d in drafts or []]}
    if hook == "order-select":
        context["selections"] = [f"{d['resourceType']}/{d['id']}" for d in drafts or []]
    body: dict[str, Any] = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context,
                            **extra}
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body
