"""The care team's web UI: server-rendered pages (Jinja2, autoescaped) and printable sheets.

``mount(app, clinic, settings)`` adds the HTML routes and the static files (all shipped in the
package: no CDN, system fonts) to the FastAPI application built by ``alemtrack.api.app``.
``alemtrack.web.sheets`` renders the printable sheets and is also used by the CLI, so this
package imports FastAPI only when ``mount`` is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from alemtrack.config import Settings
    from alemtrack.services.clinic import Clinic

__all__ = ["mount"]


def mount(app: FastAPI, clinic: Clinic, settings: Settings) -> None:
    """Add the web UI (``/``, ``/patients``, forms, printables, ``/static``) to ``app``."""
    from .pages import install

    install(app, clinic, settings)
