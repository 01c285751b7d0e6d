"""CDS Hooks 2.0: service definitions as data, prefetch resolution, finding -> card, JWT checks.

Nothing here knows the web framework or the store: the routes live in ``api/routes/cds_hooks.py``
and the use cases (facts from prefetch, assessment, stored feedback, replay cache) in
``services/cds.py``. ``docs/cds-hooks.md`` is the user's guide.
"""

from __future__ import annotations

from .cards import Card, CardSource, Link, OverrideReason, cards_response
from .definitions import PREFETCH, SERVICES, ServiceDefinition, discovery, service
from .errors import CdsAuthError, CdsError, CdsRequestError, PrefetchUnavailable
from .fetch import FhirClient, HttpResponse, HttpTransport, urllib_transport
from .jwt import JwksCache, JwtPolicy, TrustedIssuer, VerifiedClient, verify_jwt
from .prefetch import PrefetchResult, render_template, resolve_prefetch
from .request import HookRequest, parse_feedback, parse_request

__all__ = [
    "PREFETCH",
    "SERVICES",
    "Card",
    "CardSource",
    "CdsAuthError",
    "CdsError",
    "CdsRequestError",
    "FhirClient",
    "HookRequest",
    "HttpResponse",
    "HttpTransport",
    "JwksCache",
    "JwtPolicy",
    "Link",
    "OverrideReason",
    "PrefetchResult",
    "PrefetchUnavailable",
    "ServiceDefinition",
    "TrustedIssuer",
    "VerifiedClient",
    "cards_response",
    "discovery",
    "parse_feedback",
    "parse_request",
    "render_template",
    "resolve_prefetch",
    "service",
    "urllib_transport",
    "verify_jwt",
]
