"""The audit trail on SQLite and PostgreSQL: append-only for the application, hash-chained,
tamper-evident (``verify`` names the first changed, deleted or reordered entry), serialised
under concurrent writers, switchable only with a record of the switch."""

from __future__ import annotations

import itertools
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from alemtrack.bootstrap import build_clinic, upgrade_database
from alemtrack.config import Settings
from alemtrack.services.audit import AuditRecorder
from alemtrack.services.clinic import Clinic
from alemtrack.store.audit_ports import chain_hash
from alemtrack.store.sql import make_engine
from alemtrack.store.sql.audit_store import SqlAuditStore
from alemtrack.store.sql.audit_tables import postgres_app_role_grants
from audit_support import fill, superuser

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


class Ticker:
    """A clock that moves one second per call."""

    def __init__(self) -> None:
        self.at = T0

    def __call__(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


def recorder_on(clinic: Clinic) -> AuditRecorder:
    assert clinic.audit is not None
    return clinic.audit


def application_sql(url: str, sql: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture
def audited(database_url: str) -> Iterator[Clinic]:
    clinic = build_clinic(Settings(_env_file=None, database_url=database_url),  # type: ignore[call-arg]
                          now=Ticker())
    try:
        yield clinic
    finally:
        clinic.close()


# ---- the chain ---------------------------------------------------------------------------


def test_each_entry_is_chained_to_the_one_before_and_an_untouched_trail_verifies(
        audited: Clinic) -> None:
    recorder = recorder_on(audited)
    fill(recorder)
    entries = list(recorder.entries())
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    for entry in entries:
        assert chain_hash(entry.seq, entry.draft(), entry.prev_hash) == entry.hash
    report = recorder.verify()
    assert report.intact and report.checked == 5 and report.first_bad is None


def test_an_entry_records_who_what_patient_when_in_utc_and_from_where(audited: Clinic) -> None:
    recorder = recorder_on(audited)
    seq = recorder.record("patient.read", actor="nina", patient_id=42, source_ip="192.0.2.10",
                          detail={"method": "GET", "status": 200})
    (entry,) = [e for e in recorder.entries() if e.seq == seq]
    assert (entry.actor, entry.action, entry.patient_id, entry.source_ip, entry.outcome) == (
        "nina", "patient.read", 42, "192.0.2.10", "success")
    assert entry.at.tzinfo is not None and entry.at.utcoffset() == timedelta(0)
    assert entry.at == T0 + timedelta(seconds=1)


def test_measurements_are_refused_in_the_audit_detail(audited: Clinic) -> None:
    with pytest.raises(TypeError, match="no measurements"):
        recorder_on(audited).record("entry.lab", actor="nina", patient_id=1,
                                    detail={"value": 4.731})
    assert list(recorder_on(audited).entries()) == []


# ---- append-only for the application ------------------------------------------------------


def test_the_application_cannot_change_an_audit_entry(audited: Clinic, database_url: str) -> None:
    fill(recorder_on(audited), 2)
    with pytest.raises(DBAPIError, match="append-only"):
        application_sql(database_url, "UPDATE audit_entries SET actor = 'mallory' WHERE seq = 1")
    assert recorder_on(audited).verify().intact


def test_the_application_cannot_delete_audit_entries(audited: Clinic, database_url: str) -> None:
    fill(recorder_on(audited), 2)
    with pytest.raises(DBAPIError, match="append-only"):
        application_sql(database_url, "DELETE FROM audit_entries WHERE seq = 2")
    with pytest.raises(DBAPIError, match="append-only"):
        application_sql(database_url, "DELETE FROM audit_entries")
    assert recorder_on(audited).verify().checked == 2


# ---- tampering, as a superuser would -------------------------------------------------------


def test_verify_names_a_changed_entry(audited: Clinic, database_url: str) -> None:
    recorder = recorder_on(audited)
    fill(recorder)
    with superuser(database_url) as conn:
        conn.execute(text("UPDATE audit_entries SET patient_id = 99 WHERE seq = 3"))
    report = recorder.verify()
    assert not report.intact
    assert report.first_bad == 3 and report.checked == 2
    assert "entry 3" in (report.problem or "") and "changed" in (report.problem or "")


def test_verify_names_a_deleted_entry(audited: Clinic, database_url: str) -> None:
    recorder = recorder_on(audited)
    fill(recorder)
    with superuser(database_url) as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    report = recorder.verify()
    assert (report.intact, report.first_bad) == (False, 2)
    assert "missing" in (report.problem or "")


def test_verify_names_deleted_entries_at_the_end_of_the_trail(audited: Clinic,
                                                               database_url: str) -> None:
    recorder = recorder_on(audited)
    fill(recorder)
    with superuser(database_url) as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq >= 4"))
    report = recorder.verify()
    assert (report.intact, report.first_bad) == (False, 4)
    assert "4 to 5" in (report.problem or "")


def test_verify_names_reordered_entries(audited: Clinic, database_url: str) -> None:
    recorder = recorder_on(audited)
    fill(recorder)
    with superuser(database_url) as conn:  # swap the places of entries 2 and 3
        conn.execute(text("UPDATE audit_entries SET seq = -2 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_entries SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE audit_entries SET seq = 3 WHERE seq = -2"))
    report = recorder.verify()
    assert (report.intact, report.first_bad) == (False, 2)


def test_verify_names_the_break_when_a_changed_entry_was_given_a_fresh_hash(
        audited: Clinic, database_url: str) -> None:
    recorder = recorder_on(audited)
    fill(recorder)
    (third,) = [e for e in recorder.entries() if e.seq == 3]
    forged = third.draft().__class__(third.at, "someone-else", third.action, third.outcome,
                                     third.patient_id, third.source_ip, third.detail)
    with superuser(database_url) as conn:
        conn.execute(text("UPDATE audit_entries SET actor = 'someone-else', hash = :h "
                          "WHERE seq = 3"), {"h": chain_hash(3, forged, third.prev_hash)})
    report = recorder.verify()
    assert (report.intact, report.first_bad) == (False, 4)
    assert "does not follow entry 3" in (report.problem or "")


def test_the_triggers_are_back_after_the_tamper_helper(audited: Clinic, database_url: str) -> None:
    fill(recorder_on(audited), 1)
    with superuser(database_url):
        pass
    with pytest.raises(DBAPIError, match="append-only"):
        application_sql(database_url, "UPDATE audit_entries SET actor = 'x'")


# ---- PostgreSQL: the application runs as a role that does not own the tables ---------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_replication_mode_does_not_switch_the_triggers_off(
        audited: Clinic, database_url: str) -> None:
    fill(recorder_on(audited), 1)
    engine = make_engine(database_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE audit_entries SET actor = 'x'"))
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_entries"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_the_application_role_records_but_cannot_alter_the_trail(
        audited: Clinic, database_url: str) -> None:
    role = f"alemtrack_app_{uuid.uuid4().hex[:8]}"
    owner = make_engine(database_url)
    app_url = make_url(database_url).set(username=role).render_as_string(hide_password=False)
    try:
        with owner.begin() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            for statement in postgres_app_role_grants(role):
                conn.execute(text(statement))
        app = build_clinic(Settings(_env_file=None, database_url=app_url))  # type: ignore[call-arg]
        try:
            assert recorder_on(app).record("patient.read", actor="nina", patient_id=1) == 1
            for sql in ("UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_entries",
                        "TRUNCATE audit_entries",
                        "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"):
                with pytest.raises(DBAPIError, match=r"permission denied|must be owner"):
                    application_sql(app_url, sql)
            assert recorder_on(app).verify().intact
        finally:
            app.close()
    finally:
        with owner.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


# ---- concurrent writers ----------------------------------------------------------------------


def test_concurrent_writers_keep_one_unbroken_chain(database_url: str) -> None:
    upgrade_database(database_url)
    engines = [make_engine(database_url) for _ in range(4)]  # as four processes would
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        recorder = AuditRecorder(SqlAuditStore(engines[worker]))
        try:
            for i in range(20):
                recorder.record("patient.read", actor=f"w{worker}", patient_id=i + 1)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        recorder = AuditRecorder(SqlAuditStore(engines[0]))
        report = recorder.verify()
        assert report.intact and report.checked == 80 and report.head_seq == 80
    finally:
        for engine in engines:
            engine.dispose()


# ---- on by default; turning it off is recorded ---------------------------------------------


def test_audit_is_on_by_default_and_disabling_it_is_recorded_before_it_stops(
        audited: Clinic) -> None:
    recorder = recorder_on(audited)
    assert Settings(_env_file=None).audit_enabled  # type: ignore[call-arg]
    assert recorder.is_enabled()
    seq = recorder.disable(actor="admin", source_ip="10.0.0.1", reason="maintenance")
    assert recorder.record("patient.read", actor="nina", patient_id=1) is None
    assert not recorder.is_enabled()
    recorder.enable(actor="admin")
    assert recorder.record("patient.read", actor="nina", patient_id=1) == seq + 2
    actions = [(e.action, e.actor, dict(e.detail).get("reason")) for e in recorder.entries()]
    assert actions == [("audit.disable", "admin", "maintenance"), ("audit.enable", "admin", None),
                       ("patient.read", "nina", None)]
    assert recorder.verify().intact


def test_turning_audit_off_by_setting_is_recorded_and_nothing_after_it(database_url: str) -> None:
    off = build_clinic(Settings(_env_file=None, database_url=database_url,  # type: ignore[call-arg]
                                audit_enabled=False))
    try:
        assert recorder_on(off).record("patient.read", actor="nina", patient_id=1) is None
    finally:
        off.close()
    on = build_clinic(Settings(_env_file=None, database_url=database_url))  # type: ignore[call-arg]
    try:
        entries = list(recorder_on(on).entries())
        assert [(e.action, e.detail.get("by")) for e in entries] == [
            ("audit.disable", "setting ALEMTRACK_AUDIT_ENABLED=false")]
    finally:
        on.close()


def test_security_events_of_the_accounts_service_become_login_entries(audited: Clinic) -> None:
    recorder = recorder_on(audited)
    recorder.security_event("login", actor="nina", outcome="failed", address="198.51.100.4")
    recorder.security_event("login", actor="nina", outcome="locked", address="198.51.100.4")
    recorder.security_event("login", actor="nina", outcome="success", address="198.51.100.4")
    got = [(e.action, e.actor, e.outcome, e.source_ip) for e in recorder.entries()]
    assert got == [("user.login", "nina", "failure", "198.51.100.4"),
                   ("user.login", "nina", "denied", "198.51.100.4"),
                   ("user.login", "nina", "success", "198.51.100.4")]
