"""Errors of the CDS Hooks adapter; the routes map them to HTTP (401, 400, 412)."""

from __future__ import annotations

from alemtrack.errors import AlemtrackError


class CdsError(AlemtrackError):
    """Base of the CDS Hooks errors."""


class CdsAuthError(CdsError):
    """The bearer JWT is missing, forged, expired, replayed or from an untrusted issuer (401).

    The message says which check failed; it never echoes the token.
    """


class CdsRequestError(CdsError):
    """The hook request or feedback body does not follow the specification (400)."""


class PrefetchUnavailable(CdsError):
    """Data the service needs was neither prefetched nor fetchable from ``fhirServer`` (412).

    ``keys`` names the prefetch keys that could not be had.
    """

    def __init__(self, keys: tuple[str, ...], reason: str) -> None:
        self.keys = keys
        super().__init__(f"{reason}: {', '.join(keys)}")
