"""What every platform hands the command core: who asked, where, what they typed, in which
language. No platform types: adapters translate their payloads into this."""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Platform

__all__ = ["CommandRequest"]


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """One `/paper` invocation; `text` is everything after `/paper`."""

    platform: Platform
    workspace: str
    channel: str
    user: str
    text: str
    locale: str = "ko"
    platform_admin: bool = False
    """The platform calls this user an admin (Slack admin/owner, Discord Manage Server)."""
    user_name: str = ""
    """How people see the user (Slack `user_name`, Discord display name); `user` if empty."""

    @property
    def asker(self) -> tuple[str, str, str, str]:
        """One person in one channel: the scope of what `/paper next` remembers."""
        return (self.platform.value, self.workspace, self.channel, self.user)
