"""Which FHIR servers alemtrack may read for a CDS client: its allow-list of base URLs.

A hook request names ``fhirServer`` and hands over an access token for it; without a list a
trusted client (or anyone who stole its signing key) could make alemtrack send requests, and
that token, anywhere it likes. Each trusted issuer therefore lists the FHIR base URLs it may
name (``fhir_servers``); an entry allows that base and every URL under it.

Matching is on parsed URLs, never on raw string prefixes: the scheme, the host and the port
(default ports made explicit) must be equal, and the path must start with the entry's path
segment by segment, so ``https://ehr.example.org/fhir`` allows ``.../fhir`` and
``.../fhir/tenant-a`` but neither ``https://ehr.example.org.evil.net/fhir``,
``https://ehr.example.org@evil.net/fhir``, ``https://ehr.example.org/fhir-other`` nor
``https://ehr.example.org/fhir/../admin``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Percent-encoded dot, slash or backslash: a server may decode them into a path change.
_ENCODED = re.compile(r"%(2e|2f|5c)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class FhirBase:
    """A parsed FHIR base URL (or a URL under one)."""

    scheme: str
    host: str
    port: int
    segments: tuple[str, ...]

    def contains(self, other: FhirBase) -> bool:
        return (other.scheme, other.host, other.port) == (self.scheme, self.host, self.port) \
            and other.segments[:len(self.segments)] == self.segments


def parse_fhir_url(url: str, *, base: bool = True) -> FhirBase | None:
    """The parts of an http(s) URL, or None when it cannot be matched safely: another scheme,
    no host, user info, a bad port, dot segments, empty segments, encoded dots or slashes,
    a backslash; a ``base`` URL may have no query or fragment either."""
    if not isinstance(url, str) or any(ch.isspace() or ord(ch) < 32 for ch in url) \
            or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or "@" in parts.netloc:
        return None
    if parts.fragment or (base and parts.query):
        return None
    if _ENCODED.search(parts.path):
        return None
    segments = tuple(parts.path.split("/")[1:]) if parts.path else ()
    if segments and segments[-1] == "":
        segments = segments[:-1]  # one trailing slash: the same base
    if any(s in ("", ".", "..") for s in segments):
        return None
    return FhirBase(scheme, parts.hostname.lower().rstrip("."), port or _DEFAULT_PORTS[scheme],
                    segments)


def fhir_server_allowed(url: str, allowed: Iterable[str], *, base: bool = True) -> bool:
    """Whether ``url`` is one of the ``allowed`` FHIR bases or under one (``base=False``: a
    request URL, which may carry a query)."""
    target = parse_fhir_url(url, base=base)
    if target is None:
        return False
    for entry in allowed:
        parsed = parse_fhir_url(entry)
        if parsed is not None and parsed.contains(target):
            return True
    return False


def check_allow_list_entry(entry: str) -> str:
    """``entry`` when it is usable as an allowed FHIR base; ``ValueError`` otherwise."""
    if parse_fhir_url(entry) is None:
        raise ValueError(f"{entry!r} is not an http(s) FHIR base URL (no user info, query, "
                         "fragment, dot segments or encoded slashes)")
    return entry


__all__ = ["FhirBase", "check_allow_list_entry", "fhir_server_allowed", "parse_fhir_url"]
