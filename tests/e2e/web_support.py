"""What the web UI tests share: a real Clinic on a temporary SQLite file (bootstrap, fixed
clock), a few example bundles imported, and the whole application (``create_app``, which mounts
the web UI) served by uvicorn on a free loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fastapi import FastAPI

from alemtrack import bootstrap
from alemtrack.api import create_app
from alemtrack.services.clinic import Clinic
from tests.e2e.api_support import EXAMPLES, serve, settings_for

TODAY = date(2026, 11, 21)
SITE = "St Elsewhere MS Centre"
# 06: urgent platelet alert (R-H4); 13: overdue monitoring; 07: creatinine rise; 01: candidate.
STEMS = (
    "01-treatment-naive-ready-to-start",
    "06-itp-month-19",
    "07-anti-gbm-creatinine-rise-haematuria",
    "13-overdue-monitoring",
)


@dataclass
class WebClinic:
    app: FastAPI
    clinic: Clinic
    patients: dict[str, int]  # example stem -> patient id


def build(db: Path, stems: tuple[str, ...] = STEMS, today: date = TODAY) -> WebClinic:
    settings = settings_for(db, site_name=SITE)
    clinic = bootstrap.build_clinic(settings, clock=lambda: today)
    patients = {}
    for stem in stems:
        bundle = json.loads((EXAMPLES / f"{stem}.bundle.json").read_text("utf-8"))
        patients[stem] = clinic.import_bundle(bundle, source=stem, actor="setup").patient_id
    return WebClinic(create_app(clinic, settings), clinic, patients)


@contextmanager
def served(db: Path, stems: tuple[str, ...] = STEMS) -> Iterator[tuple[str, WebClinic]]:
    """The base URL of the running application and what it was built from."""
    web = build(db, stems)
    with serve(web.app) as base_url:
        yield base_url, web
