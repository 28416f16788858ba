"""The chat platforms this build knows, and which of them the environment turns on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from bot.models import Platform
from bot.wiring import ChatPlatform, PlatformFactory
from bot.wiring.discord import DiscordFactory
from bot.wiring.slack import SlackFactory

__all__ = [
    "PLATFORM_FACTORIES",
    "ChecksAddresses",
    "address_problems",
    "configured_platforms",
    "credentials_hints",
]

PLATFORM_FACTORIES: tuple[PlatformFactory, ...] = (SlackFactory(), DiscordFactory())


def configured_platforms(
    environ: Mapping[str, str], factories: tuple[PlatformFactory, ...] | None = None
) -> list[ChatPlatform]:
    """The platforms whose variables are set, in the registry's order.

    Raises:
        ConfigError: a platform's variables are set in part or badly.
    """
    chosen = PLATFORM_FACTORIES if factories is None else factories
    return [p for p in (f.from_env(environ) for f in chosen) if p is not None]


def credentials_hints(factories: tuple[PlatformFactory, ...] | None = None) -> dict[str, str]:
    """Platform name → what to set to turn it on."""
    chosen = PLATFORM_FACTORIES if factories is None else factories
    return {f.platform.value: f.credentials_hint for f in chosen}


@runtime_checkable
class ChecksAddresses(Protocol):
    """A factory that knows its platform's ids: what a workspace or channel must look like."""

    platform: Platform

    def address_problems(self, workspace: str, channel: str) -> list[tuple[str, str]]:
        """(key, problem) for each of `workspace`, `channel` the platform cannot address."""
        ...


def address_problems(
    platform: Platform,
    workspace: str,
    channel: str,
    factories: tuple[PlatformFactory, ...] | None = None,
) -> list[tuple[str, str]]:
    """What `platform`'s factory says is wrong with the address (none: it checks none)."""
    chosen = PLATFORM_FACTORIES if factories is None else factories
    for factory in chosen:
        if factory.platform is platform and isinstance(factory, ChecksAddresses):
            return factory.address_problems(workspace, channel)
    return []
