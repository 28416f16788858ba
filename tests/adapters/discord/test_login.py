"""Login, gateway handshake and command sync against the stand-in, with the real discord.py."""

from __future__ import annotations

from adapters.discord.client import ClientParts
from tests.support.discord_bot import MemoryHashes, no_services, running
from tests.support.discord_standin import APP_ID, DiscordStandIn

GUILDS_AND_REACTIONS = (1 << 0) | (1 << 10) | (1 << 13)


async def test_login_identifies_with_least_intents_and_syncs_commands_once(
    standin: DiscordStandIn,
) -> None:
    hashes = MemoryHashes()
    async with running(ClientParts(no_services(), hashes)) as client:
        assert client.user is not None and str(client.user.id) == "900000000000000002"
    (identify,) = standin.identifies
    assert identify["intents"] == GUILDS_AND_REACTIONS
    (put,) = standin.sent("PUT", rf"/applications/{APP_ID}/commands")
    assert [c["name"] for c in put.body] == ["paper"]
    assert put.body[0]["options"][0]["autocomplete"] is True
    assert standin.problems == []
    assert put.headers["Authorization"] == "Bot test-token.abc"

    async with running(ClientParts(no_services(), hashes)):
        pass
    assert len(standin.sent("PUT", rf"/applications/{APP_ID}/commands")) == 1
    assert len(standin.identifies) == 2
