"""Rule family placeholder: filled in by its implementation."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..results import Output, Rule

RULES: tuple[Rule, ...] = ()


def evaluate(ctx: Context) -> Iterator[Output]:
    yield from ()
