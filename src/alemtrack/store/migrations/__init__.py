"""Alembic migrations, configured in code (``alemtrack.bootstrap.upgrade_database``)."""
