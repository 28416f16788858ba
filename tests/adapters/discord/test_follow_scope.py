"""The guild a DM digest's Follow button carries: added once, read back, within 100 characters."""

from __future__ import annotations

from adapters.discord.follow_scope import follow_state, scoped_follow_rows

GUILD = "123456789012345678"


def _row(*custom_ids: str) -> dict[str, object]:
    return {"type": 1, "components": [{"type": 2, "custom_id": c} for c in custom_ids]}


def test_follow_buttons_get_the_guild_and_other_buttons_stay_as_they_are() -> None:
    rows = scoped_follow_rows([_row("paper:follow:2024-09-20-a", "paper:page:x")], GUILD)
    ids = [b["custom_id"] for b in rows[0]["components"]]  # type: ignore[index]
    assert ids == [f"paper:follow:2024-09-20-a:{GUILD}", "paper:page:x"]
    assert scoped_follow_rows(rows, GUILD) == rows  # already scoped: unchanged (an edit)


def test_a_button_whose_scoped_id_would_pass_100_characters_is_left_out() -> None:
    long = "paper:follow:2024-09-20-" + "x" * 70
    assert len(long) <= 100 < len(f"{long}:{GUILD}")
    assert scoped_follow_rows([_row(long)], GUILD) == []


def test_the_state_names_the_note_and_the_guild_or_only_the_note_for_old_buttons() -> None:
    assert follow_state(f"2024-09-20-a:{GUILD}") == ("2024-09-20-a", GUILD)
    assert follow_state("2024-09-20-a") == ("2024-09-20-a", None)
