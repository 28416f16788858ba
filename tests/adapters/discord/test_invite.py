"""The README's invite: its permissions integer is the permissions it names, and it grants every
permission a paused destination's alert may ask for (an invited bot is never told to get more)."""

from __future__ import annotations

import re

import discord

from adapters.discord.errors import PERMISSIONS
from tests.support.cli import REPO_ROOT


def _invite() -> str:
    readme = (REPO_ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## Discord\n", 1)[1].split("\n## ", 1)[0]
    bullet = section.split("- **Invite**", 1)[1].split("\n- **", 1)[0]
    return " ".join(bullet.split())


def _flag(name: str) -> str:
    """`Send Messages (Create Posts)` (a forum's word for it) → `send_messages`."""
    return re.sub(r" \(.*\)$", "", name).lower().replace(" ", "_")


def _value(names: set[str]) -> int:
    return discord.Permissions(**dict.fromkeys(map(_flag, names), True)).value


def test_the_invites_integer_and_url_are_the_permissions_it_names() -> None:
    invite = _invite()
    found = re.search(r"permissions \*\*(\d+)\*\* \(([^)]*)\)", invite)
    assert found is not None, invite
    named = {re.sub(r" for .*", "", n) for n in found.group(2).split(", ")}
    assert int(found.group(1)) == _value(named)
    url = re.search(r"`(https://discord\.com/oauth2/authorize\?[^`]+)`", invite)
    assert url is not None and url.group(1).endswith(
        f"&scope=bot+applications.commands&permissions={found.group(1)}"
    )
    assert "scopes `bot applications.commands`" in invite


def test_every_permission_an_alert_asks_for_is_in_the_invite() -> None:
    granted = int(re.findall(r"permissions=(\d+)", _invite())[0])
    asked = {name for names in PERMISSIONS.values() for name in names}
    assert discord.Permissions(granted) >= discord.Permissions(_value(asked))
