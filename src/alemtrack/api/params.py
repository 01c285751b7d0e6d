"""Query parameters are allow-listed: a request to ``/api/v1`` naming a query parameter its
route does not declare is refused with 422 in the one error shape, naming the parameter and the
ones the route accepts; so is a single-valued parameter given more than once.

Declared parameters are already checked by their types (enums as ``Literal``/``StrEnum``,
bounded ``limit``/``offset``, dates); this closes the other door: ``?sort=name;DROP TABLE``,
``?order_by=...`` or a misspelt filter silently ignored (and a list that looks filtered but
is not). The allowed names are those the OpenAPI document declares for the path and method (made
from each route's own signature), so the list cannot drift from the code.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import _send_json, error_payload


def _template(path: str) -> re.Pattern[str]:
    """``/api/v1/patients/{patient_id}`` -> a pattern matching the concrete paths."""
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
                      + "$")


def _is_list(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "array" or any(
        s.get("type") == "array" for s in schema.get("anyOf", []) if isinstance(s, dict))


class UnknownQueryParameters:
    """ASGI middleware: the query parameters the OpenAPI document declares for the request's
    path and method are the allowed ones; any other name is refused."""

    def __init__(self, app: ASGIApp, fastapi: FastAPI, prefix: str) -> None:
        self.app = app
        self.fastapi = fastapi
        self.prefix = prefix
        # (pattern, literal characters, method) -> allowed names; the most literal match wins.
        self._operations: list[tuple[re.Pattern[str], int, str, frozenset[str]]] | None = None
        self._lists: set[str] = set()  # names some route takes as a list (repeatable)

    def _load(self) -> list[tuple[re.Pattern[str], int, str, frozenset[str]]]:
        if self._operations is None:
            ops = []
            for path, item in self.fastapi.openapi().get("paths", {}).items():
                literal = len(re.sub(r"\{[^}]+\}", "", path))
                for method, op in item.items():
                    if not isinstance(op, dict):
                        continue
                    names = frozenset(p["name"] for p in op.get("parameters", [])
                                      if p.get("in") == "query")
                    for p in op.get("parameters", []):
                        if p.get("in") == "query" and _is_list(p.get("schema", {})):
                            self._lists.add(p["name"])
                    ops.append((_template(path), literal, method.upper(), names))
            ops.sort(key=lambda o: -o[1])
            self._operations = ops
        return self._operations

    def _allowed(self, path: str, method: str) -> frozenset[str] | None:
        if method == "HEAD":
            method = "GET"
        for pattern, _, op_method, names in self._load():
            if op_method == method and pattern.match(path):
                return names
        return None  # undocumented route, 404 or 405: the router answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"").decode("latin-1")
        given = [k for k, _ in parse_qsl(query, keep_blank_values=True)]
        names = set(given)
        if names:
            allowed = self._allowed(str(scope["path"]), str(scope.get("method", "GET")))
            unknown = sorted(names - allowed) if allowed is not None else []
            repeated = sorted(n for n in names if given.count(n) > 1 and n not in self._lists
                              and allowed is not None and n in allowed)
            if repeated and not unknown:
                # One value per parameter: ``?q=a&q=b`` would silently use the last one.
                details = [{"field": n, "message": f"given {given.count(n)} times; give it once"}
                           for n in repeated]
                await _send_json(send, 422, error_payload(
                    "validation_error", "query parameter(s) repeated: " + ", ".join(repeated),
                    details))
                return
            if unknown:
                accepted = ", ".join(sorted(allowed or ())) or "none"
                details = [{"field": n, "message": f"unknown query parameter; this route "
                                                   f"accepts: {accepted}"} for n in unknown]
                await _send_json(send, 422, error_payload(
                    "validation_error", "unknown query parameter(s): " + ", ".join(unknown),
                    details))
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, prefix: str) -> None:
    """Refuse undeclared query parameters on every route under ``prefix``."""
    app.add_middleware(UnknownQueryParameters, fastapi=app, prefix=prefix)
