"""Dependencies shared by the routers: the clinic, the settings and who is acting.

``current_actor`` is the one seam for authentication: today it trusts the ``X-Alemtrack-User``
header (default ``demo``); a later issue replaces its body with real authentication, and no
route changes.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from alemtrack.config import Settings
from alemtrack.errors import FieldError, ValidationError
from alemtrack.services.clinic import Clinic

DEFAULT_ACTOR = "demo"
_ACTOR = re.compile(r"[\w.@+-]{1,64}")


def get_clinic(request: Request) -> Clinic:
    """The application's ``Clinic`` (set by ``create_app``)."""
    clinic: Clinic = request.app.state.clinic
    return clinic


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def current_actor(
    x_alemtrack_user: Annotated[
        str | None,
        Header(description="Who is acting (user name); `demo` when absent. "
                           "Placeholder until real authentication."),
    ] = None,
) -> str:
    """Who performs the request: recorded on acknowledgements, entries and imports."""
    if x_alemtrack_user is None or not x_alemtrack_user.strip():
        return DEFAULT_ACTOR
    actor = x_alemtrack_user.strip()
    if not _ACTOR.fullmatch(actor):
        raise ValidationError([FieldError(
            "X-Alemtrack-User", "1-64 letters, digits or . @ + - _ (a user name)")])
    return actor


ClinicDep = Annotated[Clinic, Depends(get_clinic)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ActorDep = Annotated[str, Depends(current_actor)]
