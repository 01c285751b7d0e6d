"""Reading the CDS client's FHIR server (``fhirServer`` with ``fhirAuthorization``).

The HTTP transport is injected (``HttpTransport``: a GET returning status and body), so tests and
other deployments can replace it; ``urllib_transport`` is the standard-library default. Searches
follow ``Bundle.link[next]`` up to ``max_pages``; every failure is a ``FhirFetchError`` with a
reason that names the query but never the token.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from .errors import CdsError
from .servers import fhir_server_allowed


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes


# (url, headers, timeout seconds) -> response. Raises OSError when the server cannot be reached.
HttpTransport = Callable[[str, Mapping[str, str], float], HttpResponse]

_MAX_BYTES = 50 * 1024 * 1024


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would resend the Authorization header to wherever a redirect points: refuse."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def urllib_transport(url: str, headers: Mapping[str, str], timeout: float) -> HttpResponse:
    """GET ``url`` with the standard library; redirects are answered, not followed."""
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResponse(response.status, response.read(_MAX_BYTES + 1))
    except urllib.error.HTTPError as exc:
        return HttpResponse(exc.code, exc.read(_MAX_BYTES + 1) if exc.fp else b"")


class FhirFetchError(CdsError):
    """A FHIR read or search failed (unreachable, refused, not JSON, not FHIR)."""


class FhirClient:
    """GETs against one FHIR server with a bearer access token."""

    def __init__(self, base_url: str, access_token: str | None, transport: HttpTransport,
                 *, timeout: float = 10.0, max_pages: int = 20,
                 allowed: Sequence[str] | None = None) -> None:
        scheme = urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise FhirFetchError(f"fhirServer {base_url!r} is not an http(s) URL")
        self.base_url = base_url.rstrip("/") + "/"
        # The client's allowed FHIR bases (servers.py), checked before every GET, next pages
        # included; None: no list (direct use of this class).
        self._allowed = tuple(allowed) if allowed is not None else None
        self._token = access_token
        self._transport = transport
        self._timeout = timeout
        self._max_pages = max_pages

    def _get(self, url: str, what: str) -> dict[str, Any] | None:
        if self._allowed is not None and not fhir_server_allowed(url, self._allowed, base=False):
            raise FhirFetchError(f"{what}: {urlsplit(url)._replace(query='').geturl()} is not "
                                 "under an allowed FHIR server of this client; not fetched")
        headers = {"Accept": "application/fhir+json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._transport(url, headers, self._timeout)
        except OSError as exc:
            raise FhirFetchError(f"{what}: fhirServer unreachable ({exc.__class__.__name__})") \
                from exc
        if response.status == 404:
            return None
        if response.status != 200:
            raise FhirFetchError(f"{what}: fhirServer answered HTTP {response.status}")
        if len(response.body) > _MAX_BYTES:
            raise FhirFetchError(f"{what}: response larger than {_MAX_BYTES} bytes")
        try:
            data = json.loads(response.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FhirFetchError(f"{what}: fhirServer answer is not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FhirFetchError(f"{what}: fhirServer answer is not a FHIR resource")
        return data

    def get(self, query: str) -> dict[str, Any] | None:
        """A read (``Patient/1``) or a search (``Observation?patient=1``), all pages of a search
        gathered in one searchset Bundle. None when the server has no such resource (404)."""
        first = self._get(urljoin(self.base_url, query), query)
        if first is None or first.get("resourceType") != "Bundle":
            return first
        entries = list(first.get("entry") or [])
        page = first
        pages = 1
        while (next_url := _next_link(page)) is not None:
            if pages >= self._max_pages:
                raise FhirFetchError(f"{query}: more than {self._max_pages} pages")
            target = urljoin(self.base_url, next_url)
            if urlsplit(target).netloc != urlsplit(self.base_url).netloc:
                # Never send the access token to another host.
                raise FhirFetchError(f"{query}: next page on another host; not followed")
            fetched = self._get(target, query)
            if fetched is None:
                break
            page = fetched
            pages += 1
            entries.extend(page.get("entry") or [])
        return {**first, "entry": entries, "link": []}


def _next_link(bundle: Mapping[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None
