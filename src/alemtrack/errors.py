"""alemtrack's one exception tree. Adapters raise these; entry points map them to exit codes
(CLI: 2 for unusable input) and, later, to HTTP statuses in one place.

    AlemtrackError
    └── InputError              the input cannot be used as given (exit 2 / HTTP 422)
        ├── FhirInputError      a FHIR resource or field is malformed or unsupported
        │   └── UnitError       a quantity's unit cannot be converted, or its value is implausible
        └── UsageError          a command-line or request parameter is wrong
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


class UsageError(InputError):
    """A command-line option or request parameter is wrong."""
