"""Schemathesis over the whole OpenAPI document, positive and negative data (``--mode all``)
with every built-in check, against the live application: no 5xx, no response outside the
schema, invalid input refused, valid input accepted.

Fixed seed (derandomized Hypothesis) and a bounded number of examples per operation and mode,
so the run is repeatable and takes about a minute. Every failure of every operation is
collected and reported together, with the request that caused it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup

from tests.e2e.api_support import ApiClient, api_client, import_example

EXAMPLES_PER_OPERATION = 30
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# Schema-valid data may still be refused for what a JSON schema cannot state: a date in the
# future, a LOINC code with a unit it cannot be converted from, a Bundle the FHIR reader cannot
# use (422, naming the field); an id that does not exist (404); an alert already resolved (409).
# Any other refusal of valid data (400, 401, 403, 405, 415, ...) still fails.
# CDS Hooks services take the EHR's signed JWT (not a personal token: 401) and the OAuth token
# endpoint answers RFC 6749 errors (400) to an assertion that is not a signed JWT. The HL7 v2
# endpoint answers any message, even an unreadable one, with an HL7 ACK: 200 carrying MSA|AR
# (a rejecting acknowledgement), as HL7 over HTTP does; the ACK itself is checked.
CONFIG = schemathesis.Config.from_dict({
    "checks": {"positive_data_acceptance": {"expected-statuses": ["2XX", 404, 409, 422]}},
    "operations": [{
        "include-path-regex": "^/(cds-services|oauth/)",
        "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2XX", 400, 401, 404, 409, 412, 422]}},
    }, {
        "include-path-regex": "^/api/v1/hl7$",
        "checks": {"negative_data_rejection": {
            "expected-statuses": [200, 400, 401, 403, 404, 405, 406, 409, 415, 422, 428, 429]}},
    }],
})


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiClient]:
    with api_client(tmp_path_factory.mktemp("fuzz") / "clinic.db") as client:
        import_example(client, "06-itp-month-19")  # patient 1 with an open alert 1
        import_example(client, "01-treatment-naive-ready-to-start")
        yield client


def _checks() -> list[Any]:
    load_all_checks()
    return list(CHECKS.get_all())


def fuzz(operation: Any, mode: GenerationMode, *, base_url: str, auth: dict[str, str],
         failures: dict[tuple[str, str], str]) -> bool:
    """Run one operation in one mode; record each kind of failure with its first example.
    False when nothing of the operation can be generated in that mode."""
    label = f"{operation.label} [{mode.value}]"
    checks = _checks()

    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None,
              deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        try:
            case.call_and_validate(base_url=base_url, headers=auth, checks=checks, timeout=30)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.setdefault((label, f"{failure.code} {failure.title}"), str(group))

    try:
        run()
    except Unsatisfiable:
        return False
    return True


def test_schemathesis_finds_no_server_error_and_no_response_outside_the_schema(
    live: ApiClient,
) -> None:
    base_url = str(live.base_url).rstrip("/")
    schema = schemathesis.openapi.from_dict(live.get("/openapi.json").json(), config=CONFIG)
    auth = {"Authorization": live.headers["Authorization"]}
    failures: dict[tuple[str, str], str] = {}  # (operation [mode], failure) -> first example
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    for operation in operations:
        for mode in MODES:
            generated = fuzz(operation, mode, base_url=base_url, auth=auth, failures=failures)
            # Only an operation with no parameters and no body has nothing to make invalid.
            assert generated or mode is GenerationMode.NEGATIVE, operation.label

    summary = "\n".join(f"{op}: {kind}" for op, kind in sorted(failures))
    examples = "\n\n".join(failures[k] for k in sorted(failures))
    assert not failures, f"{len(failures)} kind(s) of failure:\n{summary}\n\n{examples}"
