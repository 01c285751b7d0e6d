"""The alert lifecycle: open -> acknowledged (who, when, note) -> resolved, on both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from alemtrack.errors import Conflict, NotFound, ValidationError
from alemtrack.services.clinic import Clinic
from alemtrack.services.model import LabEntry
from tests.conftest import FakeClock


def _itp_patient(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> int:
    clock.today = date(2026, 11, 12)
    return clinic.import_bundle(example_bundle("06"), source="s", actor="feed").patient_id


def test_a_nurse_acknowledges_then_a_doctor_resolves_the_platelet_alert(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> None:
    pid = _itp_patient(clinic, clock, example_bundle)
    (alert,) = clinic.alerts(patient_id=pid).items
    assert alert.status == "open" and alert.opened_at == clock.now()
    assert alert.evidence[0]["ref"] == "Observation/plt-2026-11-10"

    acked = clinic.acknowledge_alert(alert.id, actor="nurse.kim", note="patient called in")
    assert (acked.status, acked.acknowledged_by, acked.acknowledge_note) == (
        "acknowledged", "nurse.kim", "patient called in")
    assert acked.acknowledged_at == clock.now()
    assert clinic.alerts(status="open").total == 0  # it leaves the open list
    assert clinic.list_patients(open_alerts=True).total == 0

    with pytest.raises(Conflict):
        clinic.acknowledge_alert(alert.id, actor="nurse.kim", note="again")

    done = clinic.resolve_alert(alert.id, actor="dr.lind", note="repeat CBC normal")
    assert (done.status, done.resolved_by, done.resolve_note) == (
        "resolved", "dr.lind", "repeat CBC normal")
    with pytest.raises(Conflict):
        clinic.resolve_alert(alert.id, actor="dr.lind", note="twice")
    with pytest.raises(Conflict):
        clinic.acknowledge_alert(alert.id, actor="nurse.kim", note="too late")


def test_unknown_alerts_and_patients_are_not_found(clinic: Clinic) -> None:
    with pytest.raises(NotFound):
        clinic.acknowledge_alert(999, actor="a", note="")
    with pytest.raises(NotFound):
        clinic.resolve_alert(999, actor="a", note="")
    with pytest.raises(NotFound):
        clinic.patient(999)
    with pytest.raises(NotFound):
        clinic.evaluate(999)


def test_acknowledging_needs_to_say_who(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> None:
    pid = _itp_patient(clinic, clock, example_bundle)
    (alert,) = clinic.alerts(patient_id=pid).items
    with pytest.raises(ValidationError) as err:
        clinic.acknowledge_alert(alert.id, actor=" ", note="x")
    assert err.value.errors[0].field == "actor"


def test_a_finding_still_firing_keeps_one_alert_and_a_resolved_finding_closes_it(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> None:
    pid = _itp_patient(clinic, clock, example_bundle)
    (alert,) = clinic.alerts(patient_id=pid).items
    clinic.evaluate(pid)
    clinic.evaluate(pid)
    assert [a.id for a in clinic.alerts(patient_id=pid).items] == [alert.id]

    clinic.enter_lab_result(pid, LabEntry(code="777-3", value=190, unit="10*9/L",
                                          on=date(2026, 11, 12)), actor="nurse.kim")
    closed = clinic.alerts(status="resolved", patient_id=pid).items
    assert [(a.id, a.resolved_by) for a in closed] == [(alert.id, "system")]


def test_an_acknowledged_alert_reopens_when_its_severity_escalates(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> None:
    clock.today = date(2026, 9, 10)  # monitoring overdue: R-M1 warns
    pid = clinic.import_bundle(example_bundle("13"), source="s", actor="feed").patient_id
    (alert,) = [a for a in clinic.alerts(patient_id=pid).items if a.rule == "R-M1"]
    assert alert.severity == "warn"
    clinic.acknowledge_alert(alert.id, actor="nurse.kim", note="letter sent")

    clock.today = date(2026, 9, 25)  # still overdue, now urgent
    clinic.evaluate(pid)
    (reopened,) = [a for a in clinic.alerts(patient_id=pid).items if a.rule == "R-M1"]
    assert (reopened.id, reopened.severity, reopened.status) == (alert.id, "urgent", "open")
    assert reopened.acknowledged_by is None


def test_an_acknowledged_alert_stays_acknowledged_while_its_finding_is_unchanged(
    clinic: Clinic, clock: FakeClock, example_bundle: Callable[[str], dict[str, Any]]
) -> None:
    pid = _itp_patient(clinic, clock, example_bundle)
    (alert,) = clinic.alerts(patient_id=pid).items
    clinic.acknowledge_alert(alert.id, actor="nurse.kim", note="seen")
    clinic.evaluate(pid)
    assert clinic.alerts(status="acknowledged", patient_id=pid).items[0].id == alert.id
    assert clinic.alerts(status="open", patient_id=pid).total == 0
