"""Storage: ``ports`` (the protocols the services use), ``sql`` (SQLAlchemy 2 on SQLite or
PostgreSQL) and ``migrations`` (Alembic)."""
