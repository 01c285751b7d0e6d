"""The SQL unit of work: one ``Session``, one transaction, every repository on it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..cds_ports import CdsRepository
from ..ports import (
    AlertRepository,
    EvaluationRepository,
    ImportRepository,
    PatientRepository,
    ResourceRepository,
    UnitOfWorkFactory,
    ViewRepository,
)
from ..security_ports import AccountRepository
from .cds_repository import SqlCds
from .conflicts import concurrent_write
from .repositories import (
    SqlAlerts,
    SqlEvaluations,
    SqlImports,
    SqlPatients,
    SqlResources,
    SqlViews,
)
from .security_repository import SqlAccounts


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``. Leaving the block without a commit rolls back."""

    patients: PatientRepository
    resources: ResourceRepository
    evaluations: EvaluationRepository
    alerts: AlertRepository
    imports: ImportRepository
    views: ViewRepository
    accounts: AccountRepository
    cds: CdsRepository

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._factory = session_factory
        self._session: Session | None = None

    def __enter__(self) -> Self:
        session = self._factory()
        self._session = session
        self.patients = SqlPatients(session)
        self.resources = SqlResources(session)
        self.evaluations = SqlEvaluations(session)
        self.alerts = SqlAlerts(session)
        self.imports = SqlImports(session)
        self.views = SqlViews(session)
        self.accounts = SqlAccounts(session)
        self.cds = SqlCds(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._session
        if session is None:
            return
        try:
            session.rollback()  # no-op after a commit
        finally:
            session.close()
            self._session = None
        # A lost race on a uniqueness constraint, raised at a flush inside the block: the
        # services see the store's ConcurrentWrite (and may retry), never SQLAlchemy's error.
        lost = concurrent_write(exc) if exc is not None else None
        if lost is not None:
            raise lost from exc

    def commit(self) -> None:
        assert self._session is not None, "unit of work used outside its with-block"
        try:
            self._session.commit()
        except DBAPIError as exc:
            lost = concurrent_write(exc)
            if lost is None:
                raise
            raise lost from exc

    def rollback(self) -> None:
        assert self._session is not None, "unit of work used outside its with-block"
        self._session.rollback()


def sql_unit_of_work_factory(engine: Engine) -> UnitOfWorkFactory:
    """A factory of units of work on ``engine`` (what ``Clinic`` is given)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    return lambda: SqlUnitOfWork(factory)
