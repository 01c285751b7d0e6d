"""The rule families of clinical-rules.md, one module each.

Every module declares ``RULES`` (its ``Rule`` objects: ID, title, output, source) and
``evaluate(ctx) -> Iterator[Output]``. The engine runs them in this order; the order does not
change the result, only the order of equal-ranked outputs before sorting.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from ..context import Context
from ..results import Output, Rule
from . import (
    course,
    haematology,
    hlh,
    infection,
    liver,
    monitoring,
    renal,
    screening,
    selection,
    special,
    thyroid,
    vaccination,
    washout,
)


class Family(Protocol):
    RULES: tuple[Rule, ...]

    def evaluate(self, ctx: Context) -> Iterator[Output]: ...


FAMILIES: tuple[Family, ...] = (
    selection,
    screening,
    vaccination,
    washout,
    course,
    monitoring,
    haematology,
    renal,
    thyroid,
    liver,
    hlh,
    infection,
    special,
)
