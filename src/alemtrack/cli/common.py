"""What every ``alemtrack`` command shares: option types, date parsing, reading a bundle, and
the one way to fail on unusable input (exit 2, the reason on stderr)."""

from __future__ import annotations

import getpass
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer

from alemtrack import bootstrap
from alemtrack.config import Settings
from alemtrack.errors import AlemtrackError, UsageError
from alemtrack.interop.fhir import BundleReading, read_bundle_file
from alemtrack.services.clinic import Clinic


class Profile(StrEnum):
    eu = "eu"
    us = "us"
    es2019 = "es2019"


def fail(message: str) -> NoReturn:
    """Unusable input: say what to fix on stderr and exit 2 (interfaces.md §2)."""
    sys.stderr.write(f"alemtrack: error: {message}\n")
    raise typer.Exit(2)


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r} is not a date; use YYYY-MM-DD") from None


def load(bundle: Path, *, strict: bool = False) -> BundleReading:
    """Read a FHIR bundle, reporting unit conversions and rejected resources on stderr."""
    reading = read_bundle_file(bundle)
    for note in reading.notes:
        sys.stderr.write(f"note: {note}\n")
    for rejected in reading.rejected:
        sys.stderr.write(f"rejected: {rejected}\n")
    if strict and reading.rejected:
        raise UsageError(f"{len(reading.rejected)} resource(s) rejected and --strict given")
    return reading


def default_actor() -> str:
    """Who runs a command, as recorded in ledgers and the audit trail: ``cli:<OS user>``."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name for this uid (containers)
        return "cli"


def open_clinic(settings: Settings | None = None) -> Clinic:
    """The clinic on the configured database (settings from the environment), or exit 2 with
    the reason. The caller closes it."""
    try:
        return bootstrap.build_clinic(settings or Settings())
    except AlemtrackError as exc:
        fail(str(exc))
