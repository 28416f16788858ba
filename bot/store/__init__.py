"""Persistence: SQLAlchemy 2.x async on SQLite (embedded default) or PostgreSQL."""

__all__: list[str] = []
