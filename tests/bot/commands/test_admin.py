"""`/paper digest …` and `/paper channel …` through the real command core, ledger and renderer."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.console import ConsoleChannel, ConsoleTransport
from bot.app import App, paper_command
from bot.cli_run import admin_message, delivery_config
from bot.commands.admin import register_admin_commands
from bot.commands.channel import ChannelCommands
from bot.commands.request import CommandRequest
from bot.delivery.alerts import paused_alert
from bot.delivery.publisher import Route
from bot.delivery.service import build_delivery
from bot.errors import ConfigError
from bot.ingest.importer import ingest_paths
from bot.models import Platform
from bot.replies import ErrorView, Text, msg
from formatters.console_text import ConsoleRenderer
from tests.bot.commands.terminal import terminal_session
from tests.bot.commands.words import said


@pytest.fixture
async def terminal(app: App, seeds_dir: Path) -> tuple[ConsoleChannel, io.StringIO]:
    await ingest_paths([seeds_dir], app.notes, app.clock)
    session = terminal_session(app, "en")
    return session.channel, session.out


async def test_preview_then_now_posts_once(terminal: tuple[ConsoleChannel, io.StringIO]) -> None:
    channel, out = terminal
    await channel.answer("/paper digest preview")
    assert "The next digest here holds 8 notes." in out.getvalue()
    await channel.answer("/paper digest now")
    first = out.getvalue()
    assert "Digest posted." in first
    assert first.count("Language Models Learn to Mislead Humans via RLHF") >= 2  # list + reply
    await channel.answer("/paper digest now")
    assert out.getvalue()[len(first) :].count("Language Models Learn to Mislead") == 0


async def test_channel_show_and_read_only_config(
    terminal: tuple[ConsoleChannel, io.StringIO],
) -> None:
    channel, out = terminal
    await channel.answer("/paper channel show")
    assert "schedule: 0 9 * * * (Asia/Seoul)" in out.getvalue()
    await channel.answer("/paper channel frobnicate")
    assert "Unknown command: channel frobnicate" in out.getvalue()


async def test_non_admins_are_refused(app: App, seeds_dir: Path) -> None:
    paper = paper_command(app)
    delivery = build_delivery(
        app.engine, routes={}, clock=app.clock, config=delivery_config(None), notes=app.notes
    )
    register_admin_commands(paper, ChannelCommands(delivery))
    request = CommandRequest(Platform.CONSOLE, "local", "terminal", "guest", "digest now")
    reply = await paper.handle(request)
    assert isinstance(reply.view, ErrorView) and "admins" in said(reply.view.message)


def _console_routes(out: io.StringIO) -> dict[Platform, Route]:
    channel = ConsoleChannel(ConsoleRenderer(), out=out)
    return {Platform.CONSOLE: Route(ConsoleRenderer(), ConsoleTransport(channel))}


async def _told(alert: Text, locale: str) -> str:
    """What a console admin channel in `locale` shows for `alert`."""
    out = io.StringIO()
    post = admin_message("console:local:admins", _console_routes(out), locale)
    assert post is not None
    await post(alert)
    return out.getvalue()


async def test_admin_alerts_go_to_the_admin_channel() -> None:
    alert = msg("alert.paused", destination="slack:T1:C1", failures=3, reason="channel_not_found")
    told = {"en": "paperbot paused digests to slack:T1:C1", "ko": "slack:T1:C1 채널의 다이제스트를"}
    for locale, expected in told.items():
        shown = await _told(alert, locale)
        assert expected in shown and "channel_not_found" in shown
    with pytest.raises(ConfigError, match="admin_channel"):
        admin_message("slack:T1", _console_routes(io.StringIO()))


async def test_a_pause_alert_says_the_platforms_advice_in_the_channels_language() -> None:
    english = "not_in_channel: invite @paperbot to #ml (/invite @paperbot)"  # the log's
    advice = msg("advice.slack.not_in_channel", channel="#ml")
    alert = paused_alert("slack:T1:C1", english, 3, code="not_in_channel", advice=advice)
    told = {
        "en": "paperbot is not in #ml: invite it there with /invite @paperbot",
        "ko": "봇이 #ml 채널에 없습니다: 그 채널에서 `/invite @paperbot` 으로 초대하세요",
    }
    for locale, expected in told.items():
        shown = await _told(alert, locale)
        assert expected in shown and "[not_in_channel]" in shown and english not in shown
    assert paused_alert("slack:T1:C1", "odd", 3) == msg(
        "alert.paused", destination="slack:T1:C1", failures=3, reason="odd"
    )


HINTS = {"slack": "set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN"}


def test_a_chat_destination_needs_its_platform_active(tmp_path: Path) -> None:
    path = tmp_path / "paperbot.toml"
    path.write_text('[[destinations]]\nplatform = "slack"\nworkspace = "T"\nchannel = "C"\n')
    with pytest.raises(ConfigError, match=r"destinations\[0\]\.platform.*SLACK_BOT_TOKEN"):
        delivery_config(path, frozenset(), HINTS)
    with pytest.raises(ConfigError, match=r"destinations\[0\]\.platform.*not available"):
        delivery_config(path, frozenset(), {})
    declared = delivery_config(path, frozenset({Platform.SLACK}), HINTS).destinations
    assert [d.destination.platform for d in declared] == [Platform.SLACK]


def test_the_admin_channel_needs_its_platform_active(tmp_path: Path) -> None:
    path = tmp_path / "paperbot.toml"
    path.write_text('[delivery]\nadmin_channel = "slack:T:C"\n')
    with pytest.raises(ConfigError, match=r"admin_channel.*SLACK_SIGNING_SECRET"):
        delivery_config(path, frozenset(), HINTS)
    assert delivery_config(path, frozenset({Platform.SLACK}), HINTS).admin_channel == "slack:T:C"
    path.write_text('[delivery]\nadmin_channel = "slack:T"\n')
    with pytest.raises(ConfigError, match="PLATFORM:WORKSPACE:CHANNEL"):
        delivery_config(path, frozenset({Platform.SLACK}), HINTS)
