"""Concurrent imports store nothing twice, on SQLite and PostgreSQL.

Many workers (threads with their own engine, as web workers have, and separate processes)
import the same bundle of a new patient at the same moment: one patient, each resource stored
once, one current version of each, a balanced ledger entry for every batch and each alert
opened once. The database itself refuses a second current version of a resource (partial unique
index, migration 0007); a unit of work that loses such a race raises ``ConcurrentWrite`` and
``Clinic.import_bundle`` retries it, a bounded number of times.
"""

from __future__ import annotations

import copy
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from datetime import date
from types import TracebackType
from typing import Any, Self

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from alemtrack.bootstrap import build_clinic, upgrade_database
from alemtrack.config import Settings
from alemtrack.errors import ConcurrentWrite
from alemtrack.services import retry
from alemtrack.services.clinic import Clinic
from alemtrack.services.model import ImportReport
from alemtrack.store.ports import NewResource, RejectedRecord, UnitOfWork
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.uow import sql_unit_of_work_factory
from tests.conftest import EXAMPLES, FakeClock
from tests.integration.bundles import bundle, course1, patient, platelets

TODAY = date(2026, 11, 12)  # example 06: ITP in month 19, one alert
WORKERS = 8


def _itp_bundle() -> dict[str, Any]:
    import json

    (path,) = EXAMPLES.glob("06*.bundle.json")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_database(database_url)
    eng = make_engine(database_url)
    try:
        yield eng
    finally:
        eng.dispose()


def _rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def _check_stored_once(engine: Engine, data: dict[str, Any], reports: list[ImportReport]) -> None:
    """One patient, each resource once and current, every batch balanced, alerts once."""
    entries = len(data["entry"])
    assert _rows(engine, "SELECT count(*) FROM patients")[0][0] == 1
    assert len({r.patient_id for r in reports}) == 1
    # exactly one worker stored the bundle; every other one found it all unchanged
    assert sorted(r.stored for r in reports) == [0] * (len(reports) - 1) + [entries]
    assert all(r.unchanged == r.received for r in reports if r.stored == 0)
    versions = _rows(engine, "SELECT rtype, rid, count(*), sum(CASE WHEN current THEN 1 ELSE 0 "
                             "END) FROM resources GROUP BY rtype, rid")
    assert len(versions) == entries
    assert all(count == 1 and current == 1 for _, _, count, current in versions)
    ledger = _rows(engine, "SELECT received, stored, unchanged, rejected_count "
                           "FROM import_batches")
    assert len(ledger) == len(reports)  # a lost attempt leaves no ledger entry behind
    assert all(rec == st + un + rej for rec, st, un, rej in ledger)
    assert all(r.received == r.stored + r.unchanged + r.rejected_count for r in reports)
    alerts = _rows(engine, "SELECT rule FROM alerts")
    assert len(alerts) >= 1  # example 06 fires its ITP alert ...
    assert len(alerts) == len({rule for (rule,) in alerts})  # ... once
    opened = _rows(engine, "SELECT count(*) FROM alert_events WHERE action = 'opened'")
    assert opened[0][0] == len(alerts)


def _import_together(
    database_url: str, data: dict[str, Any], workers: int
) -> list[ImportReport]:
    """``workers`` threads, each with its own clinic (engine and pool), released at once."""
    clinics = [build_clinic(Settings(database_url=database_url), clock=FakeClock(TODAY))
               for _ in range(workers)]
    barrier = threading.Barrier(workers)
    reports: list[ImportReport] = []
    failures: list[BaseException] = []

    def work(clinic: Clinic) -> None:
        try:
            barrier.wait(timeout=60)
            reports.append(clinic.import_bundle(copy.deepcopy(data), source="feed",
                                                actor="nurse.kim"))
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clinics]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for c in clinics:
            c.close()
    assert failures == []
    assert len(reports) == workers
    return reports


def test_many_threads_importing_the_same_new_patient_at_once_store_everything_once(
    database_url: str, engine: Engine
) -> None:
    data = _itp_bundle()
    reports = _import_together(database_url, data, WORKERS)
    _check_stored_once(engine, data, reports)


def _import_in_process(database_url: str, data: dict[str, Any], barrier: Any,
                       results: Any) -> None:
    clinic = build_clinic(Settings(database_url=database_url), clock=FakeClock(TODAY))
    try:
        barrier.wait(timeout=120)
        report = clinic.import_bundle(data, source="feed", actor="nurse.kim")
        results.put(("ok", report.patient_id, report.received, report.stored,
                     report.unchanged, report.rejected_count))
    except BaseException as exc:
        results.put(("error", repr(exc)))
    finally:
        clinic.close()


def test_several_processes_importing_the_same_new_patient_at_once_store_everything_once(
    database_url: str, engine: Engine
) -> None:
    data = _itp_bundle()
    ctx = multiprocessing.get_context("spawn")
    workers = 4
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    procs = [ctx.Process(target=_import_in_process, args=(database_url, data, barrier, results))
             for _ in range(workers)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [o for o in outcomes if o[0] != "ok"] == []
    reports = [ImportReport(batch_id=0, received=o[2], stored=o[3], unchanged=o[4],
                            superseded=0, rejected=(), patient_id=o[1], rejected_count=o[5])
               for o in outcomes]
    _check_stored_once(engine, data, reports)


def test_many_threads_adding_the_same_new_results_to_a_known_patient_store_them_once(
    database_url: str, engine: Engine
) -> None:
    known = bundle(patient(), *course1())
    with_labs = bundle(patient(), *course1(), platelets("plt-1", "2026-10-01", 48),
                       platelets("plt-2", "2026-11-01", 41))
    first = build_clinic(Settings(database_url=database_url), clock=FakeClock(TODAY))
    try:
        first.import_bundle(known, source="feed", actor="nurse.kim")
    finally:
        first.close()

    reports = _import_together(database_url, with_labs, WORKERS)

    assert sorted(r.stored for r in reports) == [0] * (WORKERS - 1) + [2]
    current = _rows(engine, "SELECT rid, count(*) FROM resources WHERE rid LIKE 'plt-%' "
                            "GROUP BY rid")
    assert sorted(current) == [("plt-1", 1), ("plt-2", 1)]
    ledger = _rows(engine, "SELECT received, stored, unchanged, rejected_count "
                           "FROM import_batches")
    assert len(ledger) == WORKERS + 1
    assert all(rec == st + un + rej for rec, st, un, rej in ledger)
    alerts = _rows(engine, "SELECT rule FROM alerts")
    assert len(alerts) >= 1  # platelets under 50 after a course: ITP
    assert len(alerts) == len({rule for (rule,) in alerts})


# ---- the database constraint ------------------------------------------------------------------

_COPY = ("INSERT INTO resources (patient_id, rtype, rid, full_url, version, meta_version, "
         "identifier_key, status, effective, body, content_hash, current, superseded_by, "
         "source, batch_id, received_at) SELECT patient_id, rtype, rid, full_url, version + 1, "
         "meta_version, identifier_key, status, effective, body, content_hash, {current}, NULL, "
         "source, batch_id, received_at FROM resources WHERE rid = 'plt-1'")


def _one_result_stored(clinic: Clinic) -> None:
    clinic.import_bundle(bundle(patient(), platelets("plt-1", "2026-10-01", 148)),
                         source="feed", actor="nurse.kim")


def test_the_database_refuses_a_second_current_version_of_a_resource(
    clinic: Clinic, engine: Engine
) -> None:
    _one_result_stored(clinic)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(_COPY.format(current="true")))
    # an earlier, no longer current version is what history is made of: accepted
    with engine.begin() as conn:
        conn.execute(text(_COPY.format(current="false")))
    assert _rows(engine, "SELECT count(*) FROM resources WHERE rid = 'plt-1'")[0][0] == 2


# ---- the store port: a lost race is a ConcurrentWrite, other integrity errors are not ---------


def _new_result(patient_id: int, rid: str) -> NewResource:
    from datetime import UTC, datetime

    return NewResource(
        patient_id=patient_id, rtype="Observation", rid=rid, full_url=None, version=1,
        meta_version=None, identifier_key=None, status="final", effective=date(2026, 11, 1),
        body={"resourceType": "Observation", "id": rid}, content_hash="0" * 64,
        source="test", batch_id=None, received_at=datetime(2026, 11, 12, 9, tzinfo=UTC))


def test_a_unit_of_work_that_loses_the_race_for_a_new_resource_raises_concurrent_write(
    clinic: Clinic, engine: Engine
) -> None:
    _one_result_stored(clinic)
    factory = sql_unit_of_work_factory(engine)
    with pytest.raises(ConcurrentWrite), factory() as slow:
        patient_record = slow.patients.by_fhir_id("t1")
        assert patient_record is not None
        assert {r.rid for r in slow.resources.current(patient_record.id)} == {"t1", "plt-1"}
        with factory() as fast:  # another worker stores the same new result first
            fast.resources.add_many([_new_result(patient_record.id, "plt-9")])
            fast.commit()
        slow.resources.add_many([_new_result(patient_record.id, "plt-9")])
        slow.commit()
    assert _rows(engine, "SELECT count(*) FROM resources WHERE rid = 'plt-9'")[0][0] == 1


def test_a_unit_of_work_that_loses_the_race_for_a_new_patient_raises_concurrent_write(
    engine: Engine,
) -> None:
    factory = sql_unit_of_work_factory(engine)
    with pytest.raises(ConcurrentWrite), factory() as slow:
        assert slow.patients.by_fhir_id("p-new") is None
        with factory() as fast:
            fast.patients.add("p-new", "Ada Testperson", "female", None)
            fast.commit()
        slow.patients.add("p-new", "Ada Testperson", "female", None)
        slow.commit()
    assert _rows(engine, "SELECT count(*) FROM patients WHERE fhir_id = 'p-new'")[0][0] == 1


def test_superseding_a_version_another_worker_already_superseded_raises_concurrent_write(
    clinic: Clinic, engine: Engine
) -> None:
    _one_result_stored(clinic)
    factory = sql_unit_of_work_factory(engine)
    with factory() as uow:
        pid = uow.patients.by_fhir_id("t1").id  # type: ignore[union-attr]
        (old,) = [r for r in uow.resources.current(pid) if r.rid == "plt-1"]
    with factory() as fast:
        fast.resources.retire([old.id])
        (new_id,) = fast.resources.add_many([_new_result(pid, "plt-1")])
        fast.resources.supersede(old.id, new_id)
        fast.commit()
    with pytest.raises(ConcurrentWrite), factory() as slow:
        slow.resources.retire([old.id])


def test_an_unbalanced_ledger_is_an_integrity_error_not_a_concurrent_write(
    engine: Engine,
) -> None:
    from datetime import UTC, datetime

    factory = sql_unit_of_work_factory(engine)
    with pytest.raises(IntegrityError), factory() as uow:
        pid = uow.patients.add("p-ledger", "Ada", "female", None).id
        batch = uow.imports.start(source="s", actor="a", at=datetime(2026, 11, 12, tzinfo=UTC))
        uow.imports.finish(batch, patient_id=pid, received=3, stored=1, unchanged=0,
                           superseded=0, rejected=[RejectedRecord("x", "y")], rejected_count=0)
        uow.commit()


# ---- the service: a lost race is retried, a bounded number of times ---------------------------


class _LosingUnitOfWork:
    """A real unit of work whose commit loses a race (as if another worker committed first)."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def __enter__(self) -> Self:
        self._inner.__enter__()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        raise ConcurrentWrite("resource Observation/plt-1 was stored by another worker")


def _clinic_losing(engine: Engine, losses: int) -> tuple[Clinic, Callable[[], int]]:
    real = sql_unit_of_work_factory(engine)
    made = [0]

    def factory() -> UnitOfWork:
        made[0] += 1
        uow = real()
        return _LosingUnitOfWork(uow) if made[0] <= losses else uow  # type: ignore[return-value]

    return Clinic(factory, clock=FakeClock(TODAY)), lambda: made[0]


def test_an_import_that_loses_a_race_is_retried_and_kept_once(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "PAUSE", 0.0)
    clinic, attempts = _clinic_losing(engine, losses=2)
    report = clinic.import_bundle(bundle(patient(), platelets("plt-1", "2026-10-01", 148)),
                                  source="feed", actor="nurse.kim")
    assert attempts() == 3
    assert (report.received, report.stored) == (2, 2)
    assert _rows(engine, "SELECT count(*) FROM import_batches")[0][0] == 1
    assert _rows(engine, "SELECT count(*) FROM resources")[0][0] == 2


def test_an_import_that_keeps_losing_gives_up_after_a_bounded_number_of_attempts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry, "PAUSE", 0.0)
    clinic, attempts = _clinic_losing(engine, losses=1000)
    with pytest.raises(ConcurrentWrite):
        clinic.import_bundle(bundle(patient()), source="feed", actor="nurse.kim")
    assert attempts() == retry.ATTEMPTS
    assert _rows(engine, "SELECT count(*) FROM patients")[0][0] == 0
    assert _rows(engine, "SELECT count(*) FROM import_batches")[0][0] == 0


# ---- migration 0007 on a database that already holds the race's damage -----------------------


def test_upgrading_keeps_the_newest_of_two_current_versions_and_supersedes_the_other(
    database_url: str,
) -> None:
    from datetime import UTC, datetime

    from alemtrack.store.sql.tables import Patient, Resource

    upgrade_database(database_url, "0006")
    eng = make_engine(database_url)
    at = datetime(2026, 11, 1, 9, tzinfo=UTC)
    try:
        with eng.begin() as conn:
            conn.execute(Patient.__table__.insert().values(
                id=1, fhir_id="t1", name="Ada", sex="female", created_at=at))
            row = {"patient_id": 1, "rtype": "Observation", "version": 1, "body": {},
                   "content_hash": "0" * 64, "current": True, "source": "s", "received_at": at}
            conn.execute(Resource.__table__.insert(), [
                {**row, "id": 1, "rid": "plt-1"}, {**row, "id": 2, "rid": "plt-1"},
                {**row, "id": 3, "rid": "plt-2"}])
        upgrade_database(database_url)
        rows = _rows(eng, "SELECT id, current, superseded_by FROM resources ORDER BY id")
        assert [(i, bool(c), s) for i, c, s in rows] == [
            (1, False, 2), (2, True, None), (3, True, None)]
    finally:
        eng.dispose()
