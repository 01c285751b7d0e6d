"""Typed settings, read from ``ALEMTRACK_*`` environment variables (or a ``.env`` file).

Each setting has a description and a safe default; nothing here is read at import time by the
clinical core. ``Settings()`` is built once by the entry points and passed to ``bootstrap``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ALEMTRACK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        "sqlite:///alemtrack.db",
        description="SQLAlchemy URL. SQLite file by default; PostgreSQL with "
        "postgresql+psycopg://user:password@host/db.",
    )
    profile: Literal["eu", "us", "es2019"] = Field(
        "eu", description="Protocol profile used to evaluate patients."
    )
    demo: bool = Field(False, description="Demo mode: synthetic clinic, relaxed security.")
    max_body_bytes: int = Field(
        10 * 1024 * 1024, description="Largest request body accepted (bytes); larger gets 413."
    )
    site_name: str = Field("MS Centre", description="Name shown on screens and printed sheets.")
