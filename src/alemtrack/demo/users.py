"""The demo clinic's users: one per role, with fresh random passwords at every start.

``alemtrack demo`` prints them; the demo needs a real login like any clinic (docs/security.md).
"""

from __future__ import annotations

from alemtrack.errors import NotFound
from alemtrack.services.accounts import ROLES, Accounts

DEMO_ACTOR = "alemtrack-demo"


def demo_user_name(role: str) -> str:
    return f"demo-{role}"


def ensure_demo_users(accounts: Accounts) -> dict[str, tuple[str, str]]:
    """Create (or re-enable and give a new password to) ``demo-<role>`` for every role;
    role -> (user name, password)."""
    out: dict[str, tuple[str, str]] = {}
    for role in ROLES:
        name = demo_user_name(role)
        try:
            user = accounts.user(name)
        except NotFound:
            password = accounts.add_user(name, role, by=DEMO_ACTOR)[1]
        else:
            if user.disabled:
                accounts.set_disabled(name, False, by=DEMO_ACTOR)
            if user.role != role:
                accounts.set_role(name, role, by=DEMO_ACTOR)
            password = accounts.reset_password(name, by=DEMO_ACTOR)
        out[role] = (name, password)
    return out
