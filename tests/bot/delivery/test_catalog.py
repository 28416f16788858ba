"""Config-declared destinations win over chat-set rows for the same channel."""

from bot.app import App
from bot.delivery.catalog import DestinationCatalog
from bot.delivery.config import DeliveryConfig
from bot.digest.settings import Origin
from bot.store.destinations import SqlDestinationStore
from tests.support.clock import FixedClock
from tests.support.delivery import dest


async def test_config_wins_and_chat_rows_fill_in(app: App, clock: FixedClock) -> None:
    store = SqlDestinationStore(app.engine)
    declared = dest("BOTH", schedule="0 8 * * *")
    await store.save(
        dest("BOTH", schedule="0 20 * * *", origin=Origin.CHAT), by="U1", now=clock.now()
    )
    await store.save(
        dest("CHAT", filter_text="tag:rl", origin=Origin.CHAT), by="U1", now=clock.now()
    )
    catalog = DestinationCatalog(DeliveryConfig(destinations=(declared,)), store)

    everything = {d.key: d for d in await catalog.all()}
    assert set(everything) == {"console:T1:BOTH", "console:T1:CHAT"}
    assert everything["console:T1:BOTH"].schedule == "0 8 * * *"
    assert everything["console:T1:BOTH"].origin is Origin.CONFIG
    chat = await catalog.get("console:T1:CHAT")
    assert chat is not None and chat.filter_text == "tag:rl" and chat.origin is Origin.CHAT
    assert await catalog.get("console:T1:NONE") is None
