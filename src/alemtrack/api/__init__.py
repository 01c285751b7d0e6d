"""REST API (``/api/v1``) and the application factory ``create_app``."""

from .app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
