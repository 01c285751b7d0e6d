"""Importing FHIR bundles: idempotent, with amended and retracted results, on both backends."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

from alemtrack.services.clinic import Clinic
from tests.conftest import FakeClock
from tests.integration.bundles import bundle, course1, patient, platelets


def _state(clinic: Clinic, pid: int) -> tuple[Any, ...]:
    """Everything an import could change, in comparable form."""
    detail = clinic.patient(pid)
    alerts = tuple((a.id, a.rule, a.severity, a.status, a.summary) for a in detail.alerts)
    labs = {k: tuple((p.ref, p.date, p.value) for p in v) for k, v in detail.labs.items()}
    return detail.summary, alerts, labs, detail.assessment


def _open_rules(clinic: Clinic, pid: int) -> set[str]:
    return {a.rule for a in clinic.alerts(patient_id=pid).items}


def test_importing_the_same_bundle_twice_changes_nothing(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> None:
    clock.today = date(2026, 11, 12)
    data = example_bundle("06")
    first = clinic.import_bundle(data, source="lab-feed", actor="nurse.kim")
    before = _state(clinic, first.patient_id)
    second = clinic.import_bundle(copy.deepcopy(data), source="lab-feed", actor="nurse.kim")

    assert first.stored == first.received == len(data["entry"])  # type: ignore[arg-type]
    assert (second.stored, second.superseded, second.unchanged) == (0, 0, second.received)
    assert second.patient_id == first.patient_id
    assert second.batch_id != first.batch_id  # the ledger keeps both imports
    assert _state(clinic, first.patient_id) == before
    assert clinic.list_patients().total == 1
    assert clinic.alerts(status=None).total == 1


def test_an_amended_platelet_count_replaces_the_original_and_resolves_the_itp_alert(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> None:
    clock.today = date(2026, 11, 12)
    data = example_bundle("06")
    pid = clinic.import_bundle(data, source="lab-feed", actor="feed").patient_id
    (itp,) = clinic.alerts(patient_id=pid).items
    assert (itp.rule, itp.severity, itp.status) == ("R-H4", "urgent", "open")

    original = next(e["resource"] for e in data["entry"]  # type: ignore[attr-defined]
                    if e["resource"]["id"] == "plt-2026-11-10")
    amended = copy.deepcopy(original)
    amended["status"] = "amended"
    amended["meta"] = {"versionId": "2"}
    amended["valueQuantity"]["value"] = 180
    patient_resource = data["entry"][0]["resource"]  # type: ignore[index]
    report = clinic.import_bundle(bundle(patient_resource, amended), source="lab-feed",
                                  actor="feed")

    assert (report.stored, report.superseded, report.unchanged) == (1, 1, 1)
    nov10 = [p for p in clinic.patient(pid).labs["platelets"] if p.date == date(2026, 11, 10)]
    assert [p.value for p in nov10] == [180]
    resolved = clinic.alerts(status="resolved", patient_id=pid).items
    assert [(a.id, a.resolved_by) for a in resolved] == [(itp.id, "system")]
    assert clinic.alerts(status="open", patient_id=pid).total == 0


def test_a_corrected_result_with_the_same_lab_identifier_supersedes_the_first(
    clinic: Clinic, clock: FakeClock
) -> None:
    clock.today = date(2026, 11, 12)
    first = platelets("lab-a", "2026-11-10", 62, identifier="ACC-1")
    pid = clinic.import_bundle(bundle(patient(), *course1(), first), source="s",
                               actor="a").patient_id
    assert "R-H4" in _open_rules(clinic, pid)

    corrected = platelets("lab-b", "2026-11-10", 210, identifier="ACC-1", status="corrected")
    report = clinic.import_bundle(bundle(patient(), corrected), source="s", actor="a")

    assert report.superseded == 1
    assert [(lab.ref, lab.value) for lab in clinic.facts(pid).labs] == [("Observation/lab-b",
                                                                          210)]
    assert "R-H4" not in _open_rules(clinic, pid)


def test_entered_in_error_retracts_a_result(clinic: Clinic, clock: FakeClock) -> None:
    clock.today = date(2026, 11, 12)
    wrong = platelets("lab-x", "2026-11-10", 40, version="1")
    pid = clinic.import_bundle(bundle(patient(), *course1(), wrong), source="s",
                               actor="a").patient_id
    assert "R-H4" in _open_rules(clinic, pid)

    retracted = platelets("lab-x", "2026-11-10", 40, version="2", status="entered-in-error")
    report = clinic.import_bundle(bundle(patient(), retracted), source="s", actor="a")

    assert report.superseded == 1
    assert clinic.facts(pid).labs == ()
    assert "R-H4" not in _open_rules(clinic, pid)
    # an older version sent again later does not bring the result back
    again = clinic.import_bundle(bundle(patient(), wrong), source="s", actor="a")
    assert (again.stored, again.unchanged) == (0, 2)
    assert clinic.facts(pid).labs == ()


def test_a_rejected_resource_is_reported_and_the_rest_of_the_bundle_kept(
    clinic: Clinic, clock: FakeClock
) -> None:
    bad = platelets("lab-bad", "2026-11-10", 200)
    bad["valueQuantity"] = {"value": 200, "unit": "furlongs"}
    good = platelets("lab-good", "2026-11-10", 210)
    report = clinic.import_bundle(bundle(patient(), bad, good), source="s", actor="a")

    assert [r.ref for r in report.rejected] == ["Observation/lab-bad"]
    assert "furlongs" in report.rejected[0].reason
    assert report.stored == 2  # the Patient and the good result
    assert [lab.ref for lab in clinic.facts(report.patient_id).labs] == ["Observation/lab-good"]
    assert clinic.list_patients(query="ada").items[0].name == "Ada Testperson"


def test_evaluating_every_patient_on_a_later_day_updates_each_evaluation(
    clinic: Clinic, clock: FakeClock
) -> None:
    for pid in ("t1", "t2", "t3"):
        clinic.import_bundle(bundle(patient(pid), *course1(pid)), source="s", actor="a")
    assert clinic.evaluate_all(as_of=date(2026, 12, 1)) == 3
    assert {p.evaluated_on for p in clinic.list_patients().items} == {date(2026, 12, 1)}
