"""Tables of the security part (see its revision under migrations/versions/).

Models share ``tables.Base``; ``schema.metadata`` gathers every table module so that Alembic
and the schema test see them all.
"""

from __future__ import annotations

from .tables import Base

__all__ = ["Base"]
