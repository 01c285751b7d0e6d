"""The one module that pins the FHIR model release: ``fhir.resources`` R4B (FHIR 4.3.0).

R4B is the R4 structure with a few non-structural additions; the R4 resources alemtrack reads
(Patient, Observation, Condition, Medication*, Immunization, Consent, Procedure, …) have the
same elements, and the official R4 examples validate unchanged. The reader uses the models only
to *check* each resource (element types, date formats, cardinality); it then reads the JSON
itself, so a model quirk can never change a value.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from fhir.resources import R4B
from pydantic import ValidationError

__all__ = ["FHIR_VERSION", "Check", "check_resource"]

FHIR_VERSION = R4B.__fhir_version__


class Check:
    """Outcome of checking one resource: ``errors`` reject it, ``ignored`` are unknown
    elements (tolerated, reported as notes)."""

    __slots__ = ("errors", "ignored")

    def __init__(self, errors: list[tuple[str, str]], ignored: list[str]) -> None:
        self.errors = errors
        self.ignored = ignored


@lru_cache(maxsize=64)
def _model(resource_type: str) -> Any:
    try:
        return R4B.get_fhir_model_class(resource_type)
    except ValueError:
        return None


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(resource)"


def check_resource(resource: Mapping[str, Any]) -> Check | None:
    """Validate ``resource`` against the pinned model; None if its type has no model."""
    model = _model(str(resource.get("resourceType")))
    if model is None:
        return None
    try:
        model.model_validate(dict(resource))
    except ValidationError as exc:
        errors: list[tuple[str, str]] = []
        ignored: list[str] = []
        for err in exc.errors():
            path = _path(tuple(err["loc"]))
            if err["type"] == "extra_forbidden":
                ignored.append(path)
            else:
                errors.append((path, str(err["msg"]).removeprefix("Value error, ")))
        return Check(errors, ignored)
    return Check([], [])
