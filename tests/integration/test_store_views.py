"""Set-based queries of the SQL store, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alemtrack.bootstrap import upgrade_database
from alemtrack.store.ports import DueRecord, StateRecord
from alemtrack.store.sql import make_engine, sql_unit_of_work_factory

DAY = date(2026, 11, 21)


def _state(pid: int, number: int, status: str, not_before: date | None, *,
           activity: bool = False, phase: str = "monitoring") -> StateRecord:
    return StateRecord(
        patient_id=pid, as_of=DAY, phase=phase, monitoring_until=date(2029, 4, 11),
        next_course_number=number, next_course_status=status, earliest_start=None,
        planned_start=None, planned_end=None, course_number=number - 1,
        course_first_day=date(2025, 4, 7), course_end=date(2025, 4, 11),
        activity_after_course=activity, next_course_not_before=not_before,
        creatinine_baseline=None, adherence_due=0,
        adherence_on_time=0, assessment={}, evaluated_at=datetime(2026, 11, 21, tzinfo=UTC),
    )


def test_decisions_list_course_2_within_30_days_of_its_12_month_date_and_retreatment_after_activity(
    database_url: str,
) -> None:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    uow_factory = sql_unit_of_work_factory(engine)
    try:
        cases = {
            "ready-since-a-month": _state(0, 2, "ready", date(2026, 10, 21)),
            "due-in-20-days": _state(0, 2, "blocked", date(2026, 12, 11)),
            "due-in-40-days": _state(0, 2, "blocked", date(2026, 12, 31)),
            "past-12-months-undated-hold": _state(0, 2, "on-hold", date(2026, 9, 1)),
            "course-2-not-eligible": _state(0, 2, "not-eligible", date(2026, 9, 1)),
            "course-3-active": _state(0, 3, "on-hold", date(2026, 1, 1), activity=True),
            "course-3-quiet": _state(0, 3, "ready", date(2026, 1, 1)),
            "course-3-blocked": _state(0, 3, "blocked", date(2026, 1, 1), activity=True),
        }
        with uow_factory() as uow:
            for name, state in cases.items():
                p = uow.patients.add(name, name, "female", None)
                uow.evaluations.save(
                    StateRecord(**{**_fields(state), "patient_id": p.id}),
                    [DueRecord("cbc", date(2026, 11, 1), "R-M1")], [], [])
            uow.commit()
        with uow_factory() as uow:
            rows = uow.views.decisions(course2_by=date(2026, 12, 21))
            overdue = uow.views.due_items(from_day=None, to_day=date(2026, 11, 13))
        assert sorted(r.patient_name for r in rows) == [
            "course-3-active", "due-in-20-days", "past-12-months-undated-hold",
            "ready-since-a-month"]
        assert len(overdue) == len(cases)
    finally:
        engine.dispose()


def _fields(state: StateRecord) -> dict[str, object]:
    return {name: getattr(state, name) for name in StateRecord.__dataclass_fields__}
