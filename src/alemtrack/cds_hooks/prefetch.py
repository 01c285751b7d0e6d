"""Prefetch resolution: use what the client prefetched, fetch the rest, or give up with 412.

CDS Hooks 2.0 §Prefetch: a key whose value is ``null`` means the client has no data for it (it
is *not* fetched again); a key that is absent was not provided, so the service fetches it from
``fhirServer`` with ``fhirAuthorization``; when there is no ``fhirServer`` (or the fetch fails)
the service cannot be sure of its answer and says so with HTTP 412.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import CdsRequestError, PrefetchUnavailable
from .fetch import FhirClient, FhirFetchError

_TOKEN = re.compile(r"\{\{\s*([A-Za-z][\w.]*)\s*\}\}")
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}


class TemplateError(ValueError):
    """A prefetch token has no value in this request's context."""


def render_template(template: str, context: Mapping[str, Any]) -> str:
    """Replace ``{{context.x}}`` and the ``{{userXxxId}}`` tokens (CDS Hooks 2.0 §Prefetch
    tokens). Only first-level context fields that are strings (or numbers) can be tokens."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("context."):
            field = name.removeprefix("context.")
            found = context.get(field)
            if isinstance(found, str | int) and not isinstance(found, bool) and str(found):
                return str(found)
            raise TemplateError(f"context.{field} is missing or not a string")
        if name in _USER_TOKENS:
            user = context.get("userId")
            prefix = f"{_USER_TOKENS[name]}/"
            if isinstance(user, str) and user.startswith(prefix):
                return user.removeprefix(prefix)
            raise TemplateError(f"{name}: context.userId is not a {_USER_TOKENS[name]}")
        raise TemplateError(f"unknown prefetch token {{{{{name}}}}}")

    return _TOKEN.sub(value, template)


@dataclass(frozen=True, slots=True)
class PrefetchResult:
    """Each key's data (a resource, a Bundle, or None for "no data") and where it came from."""

    values: dict[str, dict[str, Any] | None]
    fetched: tuple[str, ...]  # keys read from fhirServer
    prefetched: tuple[str, ...]  # keys the client sent


def resolve_prefetch(
    templates: Mapping[str, str],
    context: Mapping[str, Any],
    prefetch: Mapping[str, Any],
    client: Callable[[], FhirClient | None],
) -> PrefetchResult:
    """Every key of ``templates``: from ``prefetch`` when present (``None`` kept as no data),
    otherwise fetched through ``client()``; ``PrefetchUnavailable`` when that is impossible
    (``client()`` returns None or raises ``FhirFetchError``, or a fetch fails)."""
    values: dict[str, dict[str, Any] | None] = {}
    missing: list[str] = []
    for key in templates:
        if key in prefetch:
            given = prefetch[key]
            if given is not None and not (isinstance(given, dict)
                                          and isinstance(given.get("resourceType"), str)):
                raise CdsRequestError(f"prefetch.{key} is neither null nor a FHIR resource")
            values[key] = given
        else:
            missing.append(key)
    if not missing:
        return PrefetchResult(values, (), tuple(values))
    try:
        fhir = client()
    except FhirFetchError as exc:  # e.g. a fhirServer outside the client's allow-list
        raise PrefetchUnavailable(tuple(missing), str(exc)) from exc
    if fhir is None:
        raise PrefetchUnavailable(tuple(missing), "not prefetched and no fhirServer to fetch from")
    for key in missing:
        try:
            query = render_template(templates[key], context)
        except TemplateError as exc:
            raise PrefetchUnavailable((key,), f"cannot build the query ({exc})") from exc
        try:
            values[key] = fhir.get(query)
        except FhirFetchError as exc:
            raise PrefetchUnavailable((key,), f"fetch failed ({exc})") from exc
    return PrefetchResult(values, tuple(missing),
                          tuple(k for k in templates if k not in missing))
