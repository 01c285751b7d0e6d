"""alemtrack's one exception tree. Adapters raise these; entry points map them to exit codes
(CLI: 2 for unusable input) and, later, to HTTP statuses in one place.

    AlemtrackError
    ├── InputError              the input cannot be used as given (exit 2 / HTTP 422)
    │   ├── FhirInputError      a FHIR resource or field is malformed or unsupported
    │   │   └── UnitError       a quantity's unit cannot be converted, or its value is implausible
    │   ├── Hl7InputError       an HL7 v2 message cannot be read as ORU^R01 (answered with AR)
    │   ├── CsvInputError       a lab-result CSV file cannot be read (header, encoding)
    │   ├── ValidationError     one or more fields of a form or request are wrong (HTTP 422)
    │   └── UsageError          a command-line or request parameter is wrong
    ├── NotFound                no such patient, alert or record (HTTP 404)
    ├── Conflict                the action does not fit the record's state (HTTP 409)
    │   └── ConcurrentWrite     another unit of work wrote the same record first (retry it)
    └── AccessDenied            authentication or authorization refused
        ├── Unauthenticated     no valid credentials: unknown, expired or revoked (HTTP 401)
        └── Forbidden           authenticated, but the role may not do this (HTTP 403)
"""

from __future__ import annotations


class AlemtrackError(Exception):
    """Base of every error alemtrack raises on purpose."""


class InputError(AlemtrackError):
    """The input cannot be used as given; the message says what to fix."""


class FhirInputError(InputError):
    """A FHIR resource or one of its fields cannot be read.

    ``resource`` is ``"Observation/abc"`` (type/id) and ``field`` the path within it, so the
    message names exactly what to fix.
    """

    def __init__(self, resource: str, field: str | None, message: str) -> None:
        self.resource = resource
        self.field = field
        where = f"{resource}: {field} " if field else f"{resource}: "
        super().__init__(f"{where}{message}")


class UnitError(FhirInputError):
    """A value whose unit cannot be converted to the analyte's unit, or that is implausible."""


class FieldError:
    """One wrong field: its name (as in the form or request body) and what to fix."""

    __slots__ = ("field", "message")

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}

    def __repr__(self) -> str:
        return f"FieldError({self.field!r}, {self.message!r})"


class ValidationError(InputError):
    """Fields of a form or request are wrong; ``errors`` names each field and what to fix."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


class NotFound(AlemtrackError):
    """No such patient, alert or record."""


class Conflict(AlemtrackError):
    """The action does not fit the record's current state (e.g. resolving a resolved alert)."""


class ConcurrentWrite(Conflict):
    """Another unit of work committed the same record first (a new patient, or the current
    version of a resource: the database keeps one): the whole unit of work was rolled back and
    may be retried from the start. Raised by the store; services retry a bounded number of
    times, then let it surface (HTTP 409)."""


class Hl7InputError(InputError):
    """An HL7 v2 message that cannot be read at all (framing, MSH, message type, version).

    ``hl7_code`` is the HL7 table 0357 error code for the ERR segment of the rejecting ACK;
    ``location`` names the segment and field (``MSH-9``) when known.
    """

    def __init__(self, message: str, *, hl7_code: str = "100", location: str | None = None
                 ) -> None:
        self.hl7_code = hl7_code
        self.location = location
        super().__init__(f"{location}: {message}" if location else message)


class CsvInputError(InputError):
    """A lab-result CSV file that cannot be read as a whole (encoding, header, columns);
    ``line`` is the 1-based line number. Problems of single rows are reported per row."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


class UsageError(InputError):
    """A command-line option or request parameter is wrong."""


class AccessDenied(AlemtrackError):
    """Authentication or authorization refused; the message never says which part was wrong
    (user name or password)."""

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        self.retry_after = retry_after  # seconds, when throttled
        super().__init__(message)


class Unauthenticated(AccessDenied):
    """No valid credentials: missing, wrong, expired, revoked, disabled or throttled."""


class Forbidden(AccessDenied):
    """The caller is known but its role may not perform the action."""
