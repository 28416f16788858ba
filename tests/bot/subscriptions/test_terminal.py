"""Issue 12's "Done when" on the terminal channel as one story: a real `paperbot run` process
at a pty (`tests/support/terminal.py`), the person at it `ann`.

1. The start digest is shown.
2. `:react 🔔 2` follows the second paper's tags (`#scaling`) with exactly one confirmation.
3. With `instant` cadence, the next ingest brings two matching notes and one that does not:
   ann's DM (printed under `✉️ @ann`) holds exactly the two, once.
4. `:unreact 🔔 2` takes it back: the next matching note brings no DM.
5. The tag menu both ways: `:react 2️⃣ menu` follows number 2's tag, `:unreact 2️⃣ menu`
   unfollows it, each confirmed once.
6. `/paper unsubscribe all` leaves no row of ann in any table that holds a person
   (`bot.store.subscriptions.person_rows`, what the command deletes).

The terminal has no Follow button (`:react 🔔 <n>` is its way, above); Slack's and Discord's
are in their stories. The menu edited after an ingest, and a menu shown leaving the digest's
numbering alone: `test_terminal_menu.py`. Restarts and retried events are Slack's and Discord's
(`tests/adapters/slack/test_subscription_story.py`): the terminal has no events to retry.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.digest.personal import Person
from bot.models import Platform
from tests.support.person_rows import rows_of
from tests.support.terminal import at_the_terminal

NEXT_DAY = """2024-10-01
Scaling Laws For Subscriptions
구독 테스트 논문입니다.
#scaling
Vision Paper Nobody Follows
비전 논문입니다.
#vision
Scaling Reinforcement Learning
또 하나의 논문입니다.
#rl #scaling
"""
LATER_DAY = """2024-10-02
Scaling Once More
한 번 더.
#scaling
"""


async def test_react_a_dm_of_the_matching_notes_the_menu_and_unsubscribe_all_at_the_terminal(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    async with at_the_terminal(database_url, seeds_dir, tmp_path) as at:
        confirmed = await at.type(":react 🔔 2", "구독 중:")
        assert confirmed.count("🔔 이제 구독합니다: tag:scaling.") == 1
        await at.type("/paper subscriptions cadence instant", "즉시 DM으로")

        mark = len(at.out.text)
        (at.corpus / "2024-10-01.txt").write_text(NEXT_DAY, encoding="utf-8")
        dm = await at.out.wait_for("또 하나의 논문입니다", mark)  # the DM's last paper
        dm = dm[dm.index("✉️ @ann") :]
        assert "Scaling Laws For Subscriptions" in dm and "Scaling Reinforcement" in dm
        assert "Vision Paper" not in dm

        gone = await at.type(":unreact 🔔 2", "🔕")
        assert "구독을 해지했습니다: tag:scaling." in gone
        unreacted = len(at.out.text)
        (at.corpus / "2024-10-02.txt").write_text(LATER_DAY, encoding="utf-8")
        await at.ask_until("/paper id:2024-10-02-scaling-once-more", "한 번 더")
        await at.ask_until("/paper tags", "#vision")  # one more ingest at least
        after_unreact = at.out.text[unreacted:]

        menu = await at.type("/paper tags menu", "태그 메뉴를 올렸습니다 (태그 10개)")
        second = re.search(r"2️⃣  #(\S+)", menu)
        assert second is not None
        said = await at.type(":react 2️⃣ menu", "구독 중:")
        assert said.count(f"🔔 이제 구독합니다: tag:{second[1]}.") == 1
        said = await at.type(":unreact 2️⃣ menu", "🔕")
        assert said.count(f"구독을 해지했습니다: tag:{second[1]}.") == 1

        ann = Person(Platform.CONSOLE, "local", "ann")
        await at.type("/paper subscribe tag:rl", "구독 중:")
        held = await rows_of(database_url, ann)
        assert all(held[t] for t in ("subscriptions", "subscribers", "digest_runs", "deliveries"))
        said = await at.type("/paper unsubscribe all", "DM 기록을 지웠습니다")
        assert "구독 1개를 모두 해지" in said
        left = await rows_of(database_url, ann)
        assert left == dict.fromkeys(left, 0), left
    assert "✉️" not in after_unreact  # no DM after the 🔔 came off
    assert at.out.text.count("✉️ @ann") == 1  # one DM, shown once


@pytest.mark.parametrize(
    ("user", "said"), [("u" * 101, "over 100 characters"), ("caf\udce9", "not UTF-8")]
)
async def test_a_user_variable_no_id_can_hold_makes_the_person_terminal(
    database_url: str, seeds_dir: Path, tmp_path: Path, user: str, said: str
) -> None:
    """`$USER` is the terminal person's id, stored in `subscriptions.user_id` (100 characters).
    One longer, or not UTF-8 (here Latin-1 `café`), failed the subscribe before (PostgreSQL
    refused the length, both engines the undecodable byte) while SQLite stored a long one: the
    person is `terminal` instead, as with no `$USER`, and the log says why, naming USER."""
    async with at_the_terminal(database_url, seeds_dir, tmp_path, user=user) as at:
        await at.type("/paper subscribe tag:rl", "구독 중:")
    held = await rows_of(database_url, Person(Platform.CONSOLE, "local", "terminal"))
    assert held["subscriptions"] == 1
    log = (tmp_path / "bot.log").read_text("utf-8")
    assert f"USER is {said}: the person at the terminal is known as 'terminal'" in log, log


async def test_a_paper_number_of_any_length_or_script_is_answered_at_the_prompt(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    """int() refuses 4,301 digits and more (ValueError: it left the prompt, outside the
    handler's guard) and reads `٢` as 2; a full-width `２` is a 2, as for `/paper share`."""
    async with at_the_terminal(database_url, seeds_dir, tmp_path) as at:
        huge = "9" * 5000
        said = await at.type(f":react 🔔 {huge}", "번째 논문이 없습니다")
        assert "Traceback" not in said
        said = await at.type(":react 🔔 ٢", "`:react 🔔 <n>` 을 입력하면")
        assert "구독 중:" not in said
        confirmed = await at.type(":react 🔔 ２", "구독 중:")  # the prompt still answers
        assert confirmed.count("🔔 이제 구독합니다: tag:scaling.") == 1
