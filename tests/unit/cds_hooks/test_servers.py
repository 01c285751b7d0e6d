"""The allow-list of FHIR servers a CDS client may name: parsed URLs matched on scheme, host,
port and whole path segments, never on raw string prefixes; anything ambiguous is refused."""

from __future__ import annotations

import pytest

from alemtrack.cds_hooks.fetch import FhirClient, FhirFetchError, HttpResponse
from alemtrack.cds_hooks.servers import check_allow_list_entry, fhir_server_allowed

ALLOWED = ["https://ehr.example.org/fhir", "http://127.0.0.1:8080/r4/"]


@pytest.mark.parametrize("url", [
    "https://ehr.example.org/fhir",
    "https://ehr.example.org/fhir/",
    "https://EHR.example.org/fhir",
    "https://ehr.example.org:443/fhir",
    "https://ehr.example.org/fhir/tenant-a",
    "http://127.0.0.1:8080/r4",
])
def test_a_listed_base_or_a_url_under_it_is_allowed(url: str) -> None:
    assert fhir_server_allowed(url, ALLOWED)


@pytest.mark.parametrize("url", [
    "https://ehr.example.org.evil.net/fhir",  # a longer host
    "https://ehr.example.org@evil.net/fhir",  # user info: the host is evil.net
    "https://evil.net/?https://ehr.example.org/fhir",
    "https://ehr.example.org/fhir-other",  # not a whole segment
    "https://ehr.example.org/fhir/../admin",
    "https://ehr.example.org/fhir/%2e%2e/admin",
    "https://ehr.example.org/fhir/a%2Fb",
    "https://ehr.example.org/fhir//x",
    "https://ehr.example.org/other",
    "https://ehr.example.org",
    "http://ehr.example.org/fhir",  # another scheme
    "https://ehr.example.org:8443/fhir",  # another port
    "http://127.0.0.1:8081/r4",
    "http://127.0.0.1/r4",
    "https://ehr.example.org/fhir?x=1",
    "https://ehr.example.org/fhir#x",
    "https://ehr.example.org\\@evil.net/fhir",
    "file:///etc/passwd",
    "not a url",
    "",
])
def test_anything_else_is_refused(url: str) -> None:
    assert not fhir_server_allowed(url, ALLOWED)


def test_an_empty_list_allows_nothing() -> None:
    assert not fhir_server_allowed("https://ehr.example.org/fhir", [])


def test_unusable_entries_are_refused_and_never_match() -> None:
    with pytest.raises(ValueError, match="not an http"):
        check_allow_list_entry("https://user@ehr.example.org/fhir")
    assert check_allow_list_entry("https://ehr.example.org/fhir") == "https://ehr.example.org/fhir"
    assert not fhir_server_allowed("https://ehr.example.org/fhir", ["ehr.example.org/fhir"])


def test_the_client_checks_every_request_next_pages_included_before_sending_the_token() -> None:
    sent: list[str] = []

    def transport(url: str, headers: object, timeout: float) -> HttpResponse:
        sent.append(url)
        return HttpResponse(200, b'{"resourceType": "Bundle", "type": "searchset", "link": '
                                 b'[{"relation": "next", "url": "/other/page2"}]}')

    client = FhirClient("https://ehr.example.org/fhir", "tok", transport,
                        allowed=["https://ehr.example.org/fhir"])
    with pytest.raises(FhirFetchError, match="not under an allowed FHIR server"):
        client.get("Observation?patient=1")
    assert sent == ["https://ehr.example.org/fhir/Observation?patient=1"]
    with pytest.raises(FhirFetchError, match="not under an allowed"):
        client.get("../admin/Patient/1")  # a patient id that climbs out of the base
    assert len(sent) == 1
