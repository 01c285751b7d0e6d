"""The import ledger balances (received = stored + unchanged + rejected_count), whatever the
bundle holds, and the database refuses a ledger entry that does not, on both backends."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from alemtrack.services.clinic import Clinic
from alemtrack.services.model import ImportReport
from alemtrack.store.sql import make_engine
from tests.integration.bundles import bundle, course1, patient, platelets


def _balanced(report: ImportReport) -> bool:
    return report.received == report.stored + report.unchanged + report.rejected_count


def _ledger_rows(database_url: str) -> list[Any]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT id, received, stored, unchanged, superseded, rejected_count, rejected "
                "FROM import_batches ORDER BY id")))
    finally:
        engine.dispose()


def test_a_bundle_with_rejected_malformed_and_repeated_entries_balances_its_ledger(
    clinic: Clinic, database_url: str
) -> None:
    bad_unit = platelets("lab-bad", "2026-11-10", 200)
    bad_unit["valueQuantity"] = {"value": 200, "unit": "furlongs"}
    v1 = platelets("lab-v", "2026-11-01", 150, version="1")
    v2 = platelets("lab-v", "2026-11-01", 155, version="2")
    data = bundle(patient(), *course1(), bad_unit, v1, v2)
    data["entry"].append({"resource": {"id": "no-type"}})  # no resourceType: rejected
    data["entry"].append({"fullUrl": "urn:uuid:nothing"})  # no resource at all: not received

    report = clinic.import_bundle(data, source="s", actor="a")

    # 1 Patient + 5 infusions + 3 observations + the resource without a type
    assert report.received == 10
    assert (report.stored, report.unchanged, report.rejected_count) == (7, 1, 2)
    assert _balanced(report)
    assert {r.ref for r in report.rejected} == {"Observation/lab-bad", "Bundle.entry[9]"}
    again = clinic.import_bundle(data, source="s", actor="a")
    assert (again.stored, again.unchanged, again.rejected_count) == (0, 8, 2)
    assert all(row.received == row.stored + row.unchanged + row.rejected_count
               for row in _ledger_rows(database_url))


def test_a_patient_kept_with_an_unreadable_birth_date_is_stored_not_counted_twice(
    clinic: Clinic,
) -> None:
    person = patient()
    person["birthDate"] = "not-a-date"
    report = clinic.import_bundle(bundle(person, *course1()), source="s", actor="a")

    assert [r.ref for r in report.rejected] == ["Patient/t1"]  # the reason is kept
    assert (report.received, report.stored, report.rejected_count) == (6, 6, 0)
    assert _balanced(report)


@pytest.mark.parametrize("rid", ["   ", 42])
def test_a_rejected_resource_with_an_odd_id_is_not_stored_under_another_name(
    clinic: Clinic, rid: Any
) -> None:
    bad = platelets("x", "2026-11-10", 200)
    bad["id"] = rid
    bad["valueQuantity"] = {"value": 200, "unit": "furlongs"}
    report = clinic.import_bundle(bundle(patient(), bad), source="s", actor="a")

    assert (report.stored, report.rejected_count) == (1, 1)
    assert _balanced(report)
    assert clinic.facts(report.patient_id).labs == ()


def test_the_database_refuses_a_ledger_entry_that_does_not_balance(
    clinic: Clinic, database_url: str
) -> None:
    batch = clinic.import_bundle(bundle(patient(), *course1()), source="s", actor="a").batch_id
    engine = make_engine(database_url)
    try:
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("UPDATE import_batches SET stored = stored + 1 WHERE id = :id"),
                         {"id": batch})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO import_batches (source, actor, received_at, received, stored, "
                "unchanged, superseded, rejected, rejected_count) "
                "VALUES ('s', 'a', '2026-11-21 09:00:00', 3, 1, 1, 0, '[]', 0)"))
    finally:
        engine.dispose()
    assert len(_ledger_rows(database_url)) == 1
