"""alemtrack's clinical core: pure functions from facts and an explicit date to findings.

Nothing in this package reads the clock, a file, a database or the network. The public entry
points are ``assess`` (interfaces.md §2) and ``plan_course`` (interfaces.md §3).
"""

from .engine import Assessment, assess
from .parameters import PROFILE_NAMES, PROFILES, Parameters

__all__ = ["PROFILES", "PROFILE_NAMES", "Assessment", "Parameters", "assess"]
