"""Leader election is PostgreSQL's (advisory locks) or SQLite's (one process): one backend
each, through `postgres_url` and `sqlite_url` (tests/conftest.py)."""
