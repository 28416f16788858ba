"""`/paper channel show` names the next run of any schedule, stepping to it (never walking a
window of fire times, which for `* * * * *` would be half a million of them)."""

from datetime import timedelta

import pytest

from bot.app import App
from bot.commands.channel import ChannelCommands, CommandContext
from bot.models import Destination, Platform
from tests.bot.commands.words import said
from tests.support.clock import FixedClock
from tests.support.delivery import wire
from tests.support.transport import RecordingTransport

HERE = Destination(Platform.CONSOLE, "T1", "CHAT")


@pytest.mark.parametrize(
    ("schedule", "next_run"),
    [
        ("*/5 * * * *", "2024-09-20 09:05"),
        ("* * * * *", "2024-09-20 09:02"),
        ("30 8 * * 1-5", "2024-09-23 08:30"),  # Friday 09:01: next is Monday
    ],
)
async def test_show_names_the_next_run(
    app: App, clock: FixedClock, schedule: str, next_run: str
) -> None:
    delivery, _ = wire(app, RecordingTransport(), clock)
    commands = ChannelCommands(delivery)
    admin = CommandContext(HERE, "U1", platform_admin=True)
    assert (await commands.set(admin, "schedule", schedule)).ok
    clock.advance(timedelta(minutes=1, seconds=30))  # 2024-09-20 09:01:30 in Seoul
    shown = await commands.show(admin)
    assert f"next run: {next_run}" in said(shown).splitlines()
