"""Findings, gates and windows as cards: indicator mapping, summary length, source and links."""

from __future__ import annotations

from datetime import date

from alemtrack.cds_hooks.cards import (
    INDICATOR,
    SUMMARY_MAX,
    finding_card,
    shorten,
)
from alemtrack.cds_hooks.orders import classify
from alemtrack.protocol.results import Evidence, Finding, Severity


def url(rule: str) -> str:
    return f"https://alemtrack.example/api/v1/rules/{rule}"


def test_severities_map_to_the_three_spec_indicators() -> None:
    assert INDICATOR[Severity.CRITICAL] == "critical"
    assert INDICATOR[Severity.URGENT] == "warning"
    assert {INDICATOR[s] for s in (Severity.WARN, Severity.ROUTINE, Severity.INFO)} == {"info"}


def test_a_finding_card_carries_rule_source_link_and_evidence() -> None:
    finding = Finding("R-H4", Severity.URGENT, "Platelets 95 x10^9/L (< 100): suspected ITP " * 5,
                      ("Repeat CBC today",),
                      (Evidence("Observation/o7", "777-3", 95.0, "10*3/uL", date(2026, 11, 1)),),
                      "clinical-rules.md R-H4; EU SmPC 4.4")
    card = finding_card(finding, url).as_json()
    assert len(card["summary"]) <= SUMMARY_MAX and card["summary"].endswith("…")
    assert card["indicator"] == "warning"
    assert card["source"] == {"label": "alemtrack R-H4", "url": url("R-H4"), "topic": {
        "system": "https://alemtrack.org/fhir/CodeSystem/rule", "code": "R-H4",
        "display": card["source"]["topic"]["display"]}}
    assert card["links"][0]["url"] == url("R-H4")
    assert "| Observation/o7 | 777-3 | 95 | 10\\*3/uL | 2026-11-01 |" in card["detail"]
    assert "EU SmPC 4.4" in card["detail"]


def test_shorten_keeps_short_text() -> None:
    assert shorten("  Platelets   low ") == "Platelets low"


def test_draft_orders_are_recognised_by_code() -> None:
    mr = {"resourceType": "MedicationRequest", "id": "m",
          "medicationCodeableConcept": {"coding": [{"system": "http://www.whocc.no/atc",
                                                    "code": "L04AG06"}]},
          "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {
              "start": "2027-01-04"}}}}]}
    order = classify(mr)
    assert order is not None and order.kind == "alemtuzumab" and order.day == date(2027, 1, 4)
    mmr = {"resourceType": "Immunization", "id": "i", "occurrenceDateTime": "2027-02-01",
           "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx", "code": "3"}]}}
    live = classify(mmr)
    assert live is not None and live.kind == "live-vaccine" and live.code == "03"
    flu = {**mmr, "vaccineCode": {"coding": [{"system": "http://hl7.org/fhir/sid/cvx",
                                              "code": "150"}]}}
    assert classify(flu) is None
