"""Alembic environment: always handed a live connection by `bot.store.migrate`."""

from __future__ import annotations

from alembic import context

from bot.store import (  # noqa: F401  (register their tables)
    command_hashes,
    delivery_schema,
    menu_schema,
    slack_schema,
    subscription_schema,
)
from bot.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
