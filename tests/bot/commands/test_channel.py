"""Channel and digest commands: admin checks, config precedence, settings, preview and now."""

from datetime import date

from bot.app import App
from bot.commands.channel import ChannelCommands, CommandContext
from bot.delivery.config import DeliveryConfig
from bot.digest.settings import DestinationSettings, Origin
from bot.models import Destination, Platform
from bot.store.destinations import SqlDestinationStore
from tests.bot.commands.words import said
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)
HERE = Destination(Platform.CONSOLE, "T1", "CHAT")
DECLARED = dest("CFG")


def commands(app: App, clock: FixedClock) -> tuple[ChannelCommands, RecordingTransport, list[int]]:
    transport = RecordingTransport()
    config = DeliveryConfig(destinations=(DECLARED,), admin_user_ids=frozenset({"U-cfg"}))
    delivery, _ = wire(app, transport, clock, config=config)
    rebuilt: list[int] = []

    async def on_change() -> None:
        rebuilt.append(1)

    return ChannelCommands(delivery, on_change=on_change), transport, rebuilt


def admin(where: Destination = HERE) -> CommandContext:
    return CommandContext(where, "U1", platform_admin=True)


async def test_only_admins_change_or_run(app: App, clock: FixedClock) -> None:
    cmds, _, _ = commands(app, clock)
    user = CommandContext(HERE, "U2")
    for result in (
        await cmds.set(user, "enable"),
        await cmds.now(user),
        await cmds.show(user),
    ):
        assert not result.ok and "admin" in said(result)
    config_admin = CommandContext(HERE, "U-cfg")
    assert (await cmds.set(config_admin, "enable")).ok


async def test_set_from_chat_then_show(app: App, clock: FixedClock) -> None:
    cmds, _, rebuilt = commands(app, clock)
    assert (await cmds.set(admin(), "schedule", '"0 9 * * 1-5"')).ok
    assert (await cmds.set(admin(), "timezone", "Europe/Berlin")).ok
    assert (await cmds.set(admin(), "filter", "tag:rlhf -tag:survey")).ok
    assert (await cmds.set(admin(), "layout", "inline")).ok
    shown = await cmds.show(admin())
    assert "schedule: 0 9 * * 1-5 (Europe/Berlin)" in said(shown)
    assert "filter: tag:rlhf -tag:survey" in said(shown)
    assert "layout: inline" in said(shown)
    assert "set in: chat" in said(shown)
    assert "next run: 2024-09-20 09:00" in said(shown)
    assert len(rebuilt) == 4


async def test_bad_values_are_refused_with_the_reason(app: App, clock: FixedClock) -> None:
    cmds, _, _ = commands(app, clock)
    bad_tz = await cmds.set(admin(), "timezone", "Mars/Base")
    assert not bad_tz.ok and "IANA" in said(bad_tz)
    bad_filter = await cmds.set(admin(), "filter", "author:kim")
    assert not bad_filter.ok and "author:kim" in said(bad_filter)
    assert not (await cmds.set(admin(), "layout", "grid")).ok
    assert not (await cmds.set(admin(), "colour", "red")).ok


async def test_a_schedule_too_long_or_never_firing_is_refused_and_the_old_one_kept(
    app: App, clock: FixedClock
) -> None:
    """A valid cron over 100 characters overflowed `destinations.schedule` on PostgreSQL
    (SQLite stored it); `0 9 30 2 *` was stored and never ran ("next run: none")."""
    cmds, _, rebuilt = commands(app, clock)
    assert (await cmds.set(admin(), "schedule", '"0 9 * * 1-5"')).ok
    long = "0 9 * * " + ",".join(["1"] * 60)
    too_long = await cmds.set(admin(), "schedule", f'"{long}"')
    assert not too_long.ok
    assert said(too_long) == "Not changed: the schedule is 127 characters long; the limit is 100."
    assert "127" in said(too_long, "ko")
    never = await cmds.set(admin(), "schedule", '"0 9 30 2 *"')
    assert not never.ok and said(never).startswith('Not changed: "0 9 30 2 *" never fires')
    assert (await cmds.set(admin(), "schedule", '"0 9 29 2 *"')).ok  # a leap day fires
    assert len(rebuilt) == 2
    assert "schedule: 0 9 29 2 * (Asia/Seoul)" in said(await cmds.show(admin()))


async def test_a_folder_of_zones_or_an_overlong_name_is_not_a_time_zone(
    app: App, clock: FixedClock
) -> None:
    """`ZoneInfo("America")` raises IsADirectoryError and a 300-letter name OSError, not
    ZoneInfoNotFoundError: both used to escape as tracebacks. `localtime` (the server's own
    clock), `Factory` (tzdata's "-00") and `right/…` (leap-second copies) load as zones but name
    no place: they were accepted."""
    cmds, _, _ = commands(app, clock)
    for bad in ("America", "Europe", "a" * 300, "localtime", "Factory", "right/Asia/Seoul"):
        refused = await cmds.set(admin(), "timezone", bad)
        assert not refused.ok and said(refused).endswith(
            "is not an IANA time zone (e.g. Asia/Seoul)."
        )
    assert said(await cmds.show(admin())) == "This channel gets no digest."


async def test_a_stored_value_refused_since_is_named_and_the_change_still_made(
    app: App, clock: FixedClock
) -> None:
    """A row saved before a check grew stricter (`0 9 30 2 *`, `localtime`) made every later
    `set` fail as if its own value were bad (`set layout inline`: "inline is not a layout"),
    so no setting could be fixed while two were stale. The changed value alone is checked; each
    stored one refused now is named with its fix, and kept until changed."""
    stale = Destination(Platform.CONSOLE, "T1", "CHAT", timezone="localtime")
    stored = DestinationSettings(stale, schedule="0 9 30 2 *", origin=Origin.CHAT)
    await SqlDestinationStore(app.engine).save(stored, by="U0", now=clock.now())
    cmds, _, rebuilt = commands(app, clock)
    layout = await cmds.set(admin(), "layout", "inline")
    assert layout.ok, said(layout)
    assert said(layout).splitlines()[0] == "layout updated."
    notes = [line for line in said(layout).splitlines() if line.startswith("Stored ")]
    assert notes == [
        'Stored schedule "0 9 30 2 *" is refused now: /paper channel set schedule <value>.',
        'Stored timezone "localtime" is refused now: /paper channel set timezone <value>.',
    ]
    assert "timezone" in said(layout, "ko") and "/paper channel set schedule" in said(layout, "ko")
    zone = await cmds.set(admin(), "timezone", "Asia/Seoul")
    assert zone.ok and "Stored timezone" not in said(zone) and "Stored schedule" in said(zone)
    schedule = await cmds.set(admin(), "schedule", '"0 9 * * *"')
    assert schedule.ok and "Stored " not in said(schedule)
    shown = said(await cmds.show(admin()))
    assert "schedule: 0 9 * * * (Asia/Seoul)" in shown and "layout: inline" in shown
    assert len(rebuilt) == 3


async def test_config_declared_channel_is_read_only_from_chat(app: App, clock: FixedClock) -> None:
    cmds, _, _ = commands(app, clock)
    result = await cmds.set(admin(DECLARED.destination), "schedule", "0 8 * * *")
    assert not result.ok and "config" in said(result)
    assert "set in: the config file" in said(await cmds.show(admin(DECLARED.destination)))


async def test_preview_takes_nothing_and_now_goes_through_the_ledger(
    app: App, clock: FixedClock
) -> None:
    await put_day(app, DAY, [note(DAY, "a"), note(DAY, "b")])
    cmds, transport, _ = commands(app, clock)
    where = admin(DECLARED.destination)
    preview = await cmds.preview(where)
    assert preview.digest is not None and len(preview.digest.notes) == 2
    assert transport.sent == []
    assert (await cmds.now(where)).ok
    assert len(transport.sent) == 3
    again = await cmds.now(where)
    assert "Nothing new to post" in said(again) and len(transport.sent) == 3
    assert (await cmds.preview(where)).digest is None


async def test_show_gives_the_last_run_on_the_channels_clock(app: App, clock: FixedClock) -> None:
    """A `/paper digest now` (or start) run is keyed by its UTC instant: shown in the channel's
    time zone, like its schedule and next run (it used to read `2024-09-20 00:00:00+00:00`
    beside a next run in Asia/Seoul)."""
    await put_day(app, DAY, [note(DAY, "a")])
    cmds, _, _ = commands(app, clock)
    assert (await cmds.now(admin(DECLARED.destination))).ok
    shown = said(await cmds.show(admin(DECLARED.destination)))
    assert "last run: 2024-09-20 09:00 · " in shown, shown  # 00:00 UTC in Asia/Seoul
    assert "next run: 2024-09-21 09:00" in shown, shown  # the slot after this one
    assert "+00:00" not in shown, shown


async def test_enable_resumes_a_paused_channel(app: App, clock: FixedClock) -> None:
    cmds, _, _ = commands(app, clock)
    await cmds.set(admin(), "enable")
    store = cmds._delivery.destinations
    await store.set_paused(HERE.key, True, "channel_not_found", clock.now())
    assert "PAUSED: channel_not_found" in said(await cmds.show(admin()))
    await cmds.set(admin(), "enable")
    assert "PAUSED" not in said(await cmds.show(admin()))


async def test_enable_resumes_a_paused_config_declared_channel_and_changes_nothing_else(
    app: App, clock: FixedClock
) -> None:
    cmds, _, rebuilt = commands(app, clock)
    where = admin(DECLARED.destination)
    store = cmds._delivery.destinations
    await store.set_paused(DECLARED.key, True, "not_in_channel", clock.now())
    shown = said(await cmds.show(where))
    assert "PAUSED" in shown and "/paper channel set enable" in shown  # the advice it gives
    resumed = await cmds.set(where, "enable")
    assert resumed.ok and "Resumed" in said(resumed), said(resumed)
    assert not (await store.state(DECLARED.key)).paused
    assert "set in: the config file" in said(resumed) and rebuilt == [1]
    again = await cmds.set(where, "enable")  # not paused: the file's settings are the file's
    assert not again.ok and "config" in said(again)


async def test_a_schedule_in_other_digits_is_refused_naming_the_field(
    app: App, clock: FixedClock
) -> None:
    """APScheduler reads any script's digits: `0 ８ * * 1-5` was stored and ran at 8. A
    schedule is written 0-9 (docs/delivery.md): the field and the digit are named, in the
    asker's language, and the old schedule is kept. One stored before still fires, and `show`
    asks to change it."""
    stored = DestinationSettings(HERE, schedule="0 ８ * * 1-5", origin=Origin.CHAT)
    await SqlDestinationStore(app.engine).save(stored, by="U0", now=clock.now())
    cmds, _, rebuilt = commands(app, clock)
    shown = said(await cmds.show(admin()))
    assert 'Stored schedule "0 ８ * * 1-5" is refused now' in shown
    assert "next run: 2024-09-23 08:00" in shown
    assert (await cmds.set(admin(), "schedule", '"0 9 * * 1-5"')).ok
    hour = await cmds.set(admin(), "schedule", '"0 ８ * * 1-5"')
    assert not hour.ok
    assert said(hour) == (
        "Not changed: in \"0 ８ * * 1-5\", the hour field (field 2) holds '８', which is not an "
        "ASCII digit: write 8."
    )
    assert "2번째 칸" in said(hour, "ko") and "'８'" in said(hour, "ko")
    days = await cmds.set(admin(), "schedule", '"0 9 * * ١-٥"')
    assert not days.ok and "the day of week field (field 5) holds '١'" in said(days)
    assert len(rebuilt) == 1
    assert "schedule: 0 9 * * 1-5 (Asia/Seoul)" in said(await cmds.show(admin()))
