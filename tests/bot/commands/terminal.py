"""The terminal channel as `paperbot run` wires it: the real console channel, command core,
ledger and renderer, with the terminal as its one built-in destination."""

from __future__ import annotations

import io
from dataclasses import dataclass

from adapters.console import ConsoleChannel, ConsoleTransport
from bot.app import App, paper_command, terminal_handler
from bot.cli_run import TERMINAL, delivery_config
from bot.commands.admin import register_admin_commands
from bot.commands.channel import ChannelCommands
from bot.delivery.pacing import Pacer
from bot.delivery.publisher import Route
from bot.delivery.service import Delivery, build_delivery
from bot.models import Platform
from formatters.console_text import ConsoleRenderer
from tests.support.sleep import VirtualSleep


@dataclass
class TerminalSession:
    """What a person at the prompt sees (`out`) and the delivery behind it."""

    channel: ConsoleChannel
    out: io.StringIO
    delivery: Delivery

    async def type(self, *lines: str) -> str:
        """Answer each line at the prompt; what they printed."""
        start = len(self.out.getvalue())
        for line in lines:
            await self.channel.answer(line)
        return self.out.getvalue()[start:]


def terminal_session(app: App, locale: str, user: str = "me") -> TerminalSession:
    out = io.StringIO()
    paper = paper_command(app)
    channel = ConsoleChannel(
        ConsoleRenderer(), handler=terminal_handler(paper, TERMINAL, user, locale), out=out
    )
    route = Route(ConsoleRenderer(), ConsoleTransport(channel))
    delivery = build_delivery(
        app.engine,
        routes={Platform.CONSOLE: route},
        clock=app.clock,
        config=delivery_config(None),
        pacer=Pacer(app.clock, VirtualSleep(app.clock), unpaced=frozenset({Platform.CONSOLE})),
        notes=app.notes,
    )
    register_admin_commands(paper, ChannelCommands(delivery))
    return TerminalSession(channel, out, delivery)
