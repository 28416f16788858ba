"""Chat platforms as the composition root sees them: one protocol for Slack and Discord alike.

`paperbot run` asks each platform's factory whether its variables are set; an active platform
contributes a route (renderer and transport) to delivery before the delivery service is built,
HTTP routes and readiness checks to the web server, and is started once the command core and
the delivery service exist. With no platform active the process is the terminal bot as before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from aiohttp import web

from bot.app import App
from bot.commands.follow import FollowButtons
from bot.commands.paper import PaperCommand
from bot.commands.reactions import ReactionHandler
from bot.delivery.publisher import Route
from bot.delivery.service import Delivery
from bot.models import Platform
from bot.ports import Metrics
from bot.subscriptions.digests import PersonalDigests
from bot.subscriptions.notices import DmNotices
from bot.subscriptions.reconcile import Reconciler

__all__ = [
    "ChatPlatform",
    "HealthCheck",
    "PlatformContext",
    "PlatformFactory",
    "Variable",
]

HealthCheck = Callable[[], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class PlatformContext:
    """What a started platform serves with: the core services of this process."""

    app: App
    paper: PaperCommand
    delivery: Delivery
    reactions: ReactionHandler
    metrics: Metrics
    templates_dir: Path | None = None
    http_port: int | None = None
    """The bound `--http` port; None when the HTTP server is off."""
    follow: FollowButtons | None = None
    """Answers the Follow button on each paper of a digest."""
    reconciler: Reconciler | None = None
    """The reconcile pass over recent messages' reactions (run at start and reconnect)."""
    notices: DmNotices | None = None
    """Who is to be told that their DM digest could not be sent (once)."""
    personal: PersonalDigests | None = None
    """People's DM digests (a lost workspace pauses them all: `pause_workspace`)."""


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable a platform reads: the settings model's platform part.

    Declared beside the code that reads it (its factory), so `paperbot config check`, the
    README's table and `config/.env.example` list it without the core knowing the platform.
    """

    name: str
    meaning: str
    default: str = "(none)"
    secret: bool = False
    """Never printed: `config check` shows `<set>` or `<unset>`."""


class ChatPlatform(Protocol):
    """One active chat platform of this process."""

    platform: Platform

    def route(self, app: App) -> Route:
        """The renderer and transport digests to this platform go through (built before
        delivery; must not connect yet)."""
        ...

    def mount(self, web_app: web.Application) -> None:
        """Add this platform's HTTP routes (Slack's request URLs); may add none."""
        ...

    def kept_connections(self, app: App) -> int:
        """Connections of `app.engine`'s pool this platform keeps checked out while it runs
        (Discord's shard claim on PostgreSQL), which the delivery bound leaves to it."""
        ...

    def checks(self) -> Mapping[str, HealthCheck]:
        """Named readiness checks for `/readyz` (e.g. the gateway is connected)."""
        ...

    async def start(self, context: PlatformContext) -> None:
        """Connect and serve (long-lived work goes in tasks this platform owns); returns
        promptly."""
        ...

    async def stop(self) -> None:
        """Close connections and cancel this platform's tasks."""
        ...


class PlatformFactory(Protocol):
    """Reads one platform's variables; cheap to import (SDKs are imported when used)."""

    platform: Platform
    credentials_hint: str
    """What to set to turn the platform on, for the error a destination without it gets."""
    variables: tuple[Variable, ...]
    """Every variable `from_env` reads."""

    def from_env(self, environ: Mapping[str, str]) -> ChatPlatform | None:
        """The platform when its variables are set, None when none of them is.

        Raises:
            ConfigError: a variable is set but others it needs are not, or a value is bad
                (named by variable, never showing a secret's value).
        """
        ...
