"""The three renderers, by platform name, for tests that run on each platform."""

from __future__ import annotations

from typing import Any

from bot.models import Platform
from formatters.console_text import ConsoleRenderer
from formatters.discord_embeds import DiscordRenderer
from formatters.slack_blocks import SlackRenderer

RENDERERS: dict[Platform, Any] = {
    Platform.SLACK: SlackRenderer(),
    Platform.DISCORD: DiscordRenderer(),
    Platform.CONSOLE: ConsoleRenderer(),
}
