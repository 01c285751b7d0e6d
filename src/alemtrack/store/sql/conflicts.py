"""Which database errors mean "another unit of work wrote the same record first".

Only these become ``errors.ConcurrentWrite`` (the services retry the whole unit of work); every
other integrity error (an unbalanced import ledger, a dangling foreign key) is a bug and stays
what it is. The constraints are those that make concurrent imports safe:

- ``patients.fhir_id`` unique: two imports of the same new patient;
- ``uq_resources_current`` (migration 0007): two current versions of one resource;

plus PostgreSQL's own transient concurrency failures (deadlock, serialization failure).
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError

from alemtrack.errors import ConcurrentWrite

# PostgreSQL names the constraint; SQLite names the columns ("UNIQUE constraint failed: ...").
_PATIENT = "another unit of work stored the same new patient first"
_RESOURCE = "another unit of work stored a version of the same resource first"
_PG_CONSTRAINTS = {"patients_fhir_id_key": _PATIENT, "uq_resources_current": _RESOURCE}
_SQLITE_COLUMNS = {
    "patients.fhir_id": _PATIENT,
    "resources.patient_id, resources.rtype, resources.rid": _RESOURCE,
}
_PG_TRANSIENT = {
    "40001": "a concurrent transaction made this one fail (serialization failure)",
    "40P01": "a concurrent transaction made this one fail (deadlock)",
}
_UNIQUE_VIOLATION = "23505"


def concurrent_write(exc: BaseException) -> ConcurrentWrite | None:
    """The ``ConcurrentWrite`` that ``exc`` means, or None when it is something else."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    what: str | None = None
    if sqlstate == _UNIQUE_VIOLATION:
        diag = getattr(orig, "diag", None)
        what = _PG_CONSTRAINTS.get(getattr(diag, "constraint_name", None) or "")
    elif sqlstate in _PG_TRANSIENT:
        what = _PG_TRANSIENT[sqlstate]
    elif isinstance(orig, sqlite3.IntegrityError):
        message = str(orig)
        prefix = "UNIQUE constraint failed: "
        if message.startswith(prefix):
            what = _SQLITE_COLUMNS.get(message[len(prefix):].strip())
    if what is None:
        return None
    return ConcurrentWrite(f"{what}; try again")
