"""The demo clinic: a seeded synthetic clinic (``generator``) and the database built from it
through the real import path (``builder``), served by ``alemtrack demo``."""

from .generator import DEFAULT_PATIENTS, DEFAULT_SEED, DemoPatient, generate_clinic

__all__ = ["DEFAULT_PATIENTS", "DEFAULT_SEED", "DemoPatient", "generate_clinic"]
