"""The one place that points discord.py at a REST base and a gateway (platforms.md §3.2).

discord.py has no option for either: `discord.http.Route.BASE` (every REST call, interaction
callbacks and webhooks included) and `DiscordWebSocket.DEFAULT_GATEWAY` (a plain client's
gateway, a sharded client's with a shard count, and where an invalidated session reconnects) are
class attributes. A rate-limit proxy or a test stand-in is set here, before any client logs in;
afterwards READY's `resume_gateway_url` decides where a session resumes, as on Discord.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord.gateway
import discord.http
import yarl

__all__ = ["DEFAULT_API_BASE", "DEFAULT_GATEWAY", "Endpoints", "apply_endpoints"]

DEFAULT_API_BASE = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"


@dataclass(frozen=True, slots=True)
class Endpoints:
    """`DISCORD_API_BASE_URL` (with the API version) and `DISCORD_GATEWAY_URL`."""

    api_base: str = DEFAULT_API_BASE
    gateway: str = DEFAULT_GATEWAY

    @property
    def custom_gateway(self) -> bool:
        """A gateway other than Discord's: sharded clients must not take `/gateway/bot`'s."""
        return self.gateway != DEFAULT_GATEWAY


def apply_endpoints(endpoints: Endpoints) -> None:
    """Set both class attributes; process-global, so one configuration per process."""
    discord.http.Route.BASE = endpoints.api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(endpoints.gateway)
