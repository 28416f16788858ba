"""The tag menu at the terminal, as a real `paperbot run` process at a pty: `/paper tags menu`
prints the menu of the seeds' most used tags; `:react 🔔 2` after it still means paper 2 of the
start digest (a menu shown does not renumber it); an ingest that brings a new most used tag
prints the menu again, edited (✏️). A number followed and unfollowed: the terminal's story,
`test_terminal.py`."""

from __future__ import annotations

from pathlib import Path

from tests.support.terminal import at_the_terminal

NEW_DAY = "2024-10-01\n" + "".join(
    f"Brand New Paper {n}\n새 태그 논문입니다.\n#brandnew\n" for n in range(15)
)


async def test_the_menu_at_the_terminal_leaves_the_digest_alone_and_is_edited_after_an_ingest(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    async with at_the_terminal(database_url, seeds_dir, tmp_path) as at:
        menu = await at.type("/paper tags menu", "태그 메뉴를 올렸습니다 (태그 10개)")
        assert "태그 구독" in menu and "🔟" in menu and "#scaling" not in menu
        paper = await at.type(":react 🔔 2", "구독 중:")  # the digest's paper 2
        assert "🔔 이제 구독합니다: tag:scaling." in paper
        mark = len(at.out.text)
        (at.corpus / "2024-10-01.txt").write_text(NEW_DAY, encoding="utf-8")
        edited = await at.out.wait_for("#brandnew", mark)
        assert "✏️" in edited and "태그 구독" in edited
