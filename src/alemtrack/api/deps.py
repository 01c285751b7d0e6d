"""Dependencies shared by the routers: the clinic and the settings. Who is acting comes from
``security.authorize(action)`` (authentication and the role x action matrix)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from alemtrack.config import Settings
from alemtrack.services.clinic import Clinic


def get_clinic(request: Request) -> Clinic:
    """The application's ``Clinic`` (set by ``create_app``)."""
    clinic: Clinic = request.app.state.clinic
    return clinic


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


ClinicDep = Annotated[Clinic, Depends(get_clinic)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
