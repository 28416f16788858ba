"""Config-declared destinations win over chat-set rows; chat rows are read once, not per lookup."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.commands.channel import ChannelCommands, CommandContext
from bot.delivery.catalog import DestinationCatalog
from bot.delivery.config import DeliveryConfig
from bot.digest.settings import Origin
from bot.store.destinations import SqlDestinationStore
from tests.support.clock import FixedClock
from tests.support.delivery import dest, wire
from tests.support.transport import RecordingTransport


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def test_config_wins_and_chat_rows_fill_in(app: App, clock: FixedClock) -> None:
    store = SqlDestinationStore(app.engine)
    declared = dest("BOTH", schedule="0 8 * * *")
    await store.save(
        dest("BOTH", schedule="0 20 * * *", origin=Origin.CHAT), by="U1", now=clock.now()
    )
    await store.save(
        dest("CHAT", filter_text="tag:rl", origin=Origin.CHAT), by="U1", now=clock.now()
    )
    catalog = DestinationCatalog(DeliveryConfig(destinations=(declared,)), store, clock=clock)

    everything = {d.key: d for d in await catalog.all()}
    assert set(everything) == {"console:T1:BOTH", "console:T1:CHAT"}
    assert everything["console:T1:BOTH"].schedule == "0 8 * * *"
    assert everything["console:T1:BOTH"].origin is Origin.CONFIG
    chat = await catalog.get("console:T1:CHAT")
    assert chat is not None and chat.filter_text == "tag:rl" and chat.origin is Origin.CHAT
    assert await catalog.get("console:T1:NONE") is None


async def test_lookups_read_the_rows_once_and_a_chat_change_is_seen(
    app: App, clock: FixedClock
) -> None:
    delivery, _ = wire(app, RecordingTransport(), clock)
    commands = ChannelCommands(delivery)
    admin = CommandContext(dest("CHAT").destination, "U1", platform_admin=True)
    assert (await commands.set(admin, "filter", "tag:rl")).ok
    catalog = delivery.catalog

    with statements(app.engine) as seen:
        for _ in range(50):
            found = await catalog.get("console:T1:CHAT")
            assert found is not None and found.filter_text == "tag:rl"
            assert await catalog.get("console:T1:NONE") is None
            assert [d.key for d in await catalog.all()] == ["console:T1:CHAT"]
    assert len(seen) == 1  # the one read after the change, not one per lookup

    assert (await commands.set(admin, "filter", "tag:survey")).ok
    found = await catalog.get("console:T1:CHAT")
    assert found is not None and found.filter_text == "tag:survey"  # seen at once


async def test_rows_written_by_another_process_are_seen_within_max_age(
    app: App, clock: FixedClock
) -> None:
    store = SqlDestinationStore(app.engine)
    catalog = DestinationCatalog(DeliveryConfig(), store, clock=clock, max_age=timedelta(minutes=1))
    assert await catalog.all() == []
    await store.save(dest("ELSEWHERE", origin=Origin.CHAT), by="U9", now=clock.now())
    assert await catalog.get("console:T1:ELSEWHERE") is None  # still the copy read just now
    clock.advance(timedelta(minutes=1))
    assert await catalog.get("console:T1:ELSEWHERE") is not None
