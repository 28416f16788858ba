"""`/paper channel show` names the next run of any schedule, stepping to it (never walking a
window of fire times, which for `* * * * *` would be half a million of them)."""

from datetime import timedelta

import pytest

from bot.app import App
from bot.commands.channel import ChannelCommands, CommandContext
from bot.digest.settings import DestinationSettings, Origin
from bot.models import Destination, Platform
from bot.store.destinations import SqlDestinationStore
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


async def test_show_names_each_stored_value_refused_since_with_its_fix(
    app: App, clock: FixedClock
) -> None:
    """A row saved before a check grew stricter (`0 9 30 2 *`, `localtime`) was shown as if
    fine: only a `set` of another setting said the stale values. `show` says the same lines, in
    the asker's language, and changes nothing; once fixed, the lines go."""
    stale = Destination(Platform.CONSOLE, "T1", "CHAT", timezone="localtime")
    stored = DestinationSettings(stale, schedule="0 9 30 2 *", origin=Origin.CHAT)
    store = SqlDestinationStore(app.engine)
    await store.save(stored, by="U0", now=clock.now())
    delivery, _ = wire(app, RecordingTransport(), clock)
    commands = ChannelCommands(delivery)
    admin = CommandContext(HERE, "U1", platform_admin=True)
    shown = await commands.show(admin)
    assert shown.ok
    assert said(shown).splitlines()[-2:] == [
        'Stored schedule "0 9 30 2 *" is refused now: /paper channel set schedule <value>.',
        'Stored timezone "localtime" is refused now: /paper channel set timezone <value>.',
    ]
    assert said(shown, "ko").splitlines()[-2:] == [
        '저장된 schedule "0 9 30 2 *" 는 이제 쓸 수 없습니다: '
        "/paper channel set schedule <값> 으로 바꾸세요.",
        '저장된 timezone "localtime" 는 이제 쓸 수 없습니다: '
        "/paper channel set timezone <값> 으로 바꾸세요.",
    ]
    kept = await delivery.catalog.get(HERE.key)
    assert kept is not None and (kept.schedule, kept.destination.timezone) == (
        "0 9 30 2 *",
        "localtime",
    )
    assert (await commands.set(admin, "timezone", "Asia/Seoul")).ok
    assert (await commands.set(admin, "schedule", '"0 9 * * *"')).ok
    fixed = said(await commands.show(admin))
    assert "Stored " not in fixed and "schedule: 0 9 * * * (Asia/Seoul)" in fixed
