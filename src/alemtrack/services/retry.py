"""Run a whole unit of work again when it lost a race (``errors.ConcurrentWrite``).

The store raises ``ConcurrentWrite`` when another unit of work committed the same record first
(a new patient, the current version of a resource); everything the loser did was rolled back,
so running it again from the start is safe, and it then finds what the winner stored. The
number of attempts is bounded: a unit of work that keeps losing surfaces the error (HTTP 409).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from alemtrack.errors import ConcurrentWrite

T = TypeVar("T")

ATTEMPTS = 5  # the first try and up to four retries
PAUSE = 0.02  # seconds; the n-th retry waits up to n * PAUSE (jittered, so losers spread out)


def retry_concurrent(unit_of_work: Callable[[], T]) -> T:
    """``unit_of_work()``, run again (up to ``ATTEMPTS`` in all) while it raises
    ``ConcurrentWrite``; it must open, and commit, its own unit of work."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return unit_of_work()
        except ConcurrentWrite:
            if attempt >= ATTEMPTS:
                raise
            time.sleep(random.uniform(0, attempt * PAUSE))
    raise AssertionError("unreachable")  # ATTEMPTS >= 1
