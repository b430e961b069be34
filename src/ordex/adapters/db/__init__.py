"""Relational storage with SQLAlchemy Core (SQLite embedded, PostgreSQL in production)."""
