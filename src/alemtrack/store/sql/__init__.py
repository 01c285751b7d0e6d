"""SQLAlchemy 2 implementation of the store ports (SQLite file by default, PostgreSQL)."""

from .engine import make_engine
from .uow import SqlUnitOfWork, sql_unit_of_work_factory

__all__ = ["SqlUnitOfWork", "make_engine", "sql_unit_of_work_factory"]
