"""The tag menu at the terminal, as a real `paperbot run` process at a pty: `/paper tags menu`
prints the menu of the seeds' most used tags; `:react 2️⃣ menu` follows number 2's tag with one
confirmation, `:unreact 2️⃣ menu` takes it back, and `:react 🔔 2` still means paper 2 of the
start digest (a menu shown does not renumber it); an ingest that brings a new most used tag
prints the menu again, edited (✏️)."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from pathlib import Path

from tests.bot.subscriptions.test_terminal import NEWEST_LAST_ID, Output, _type
from tests.support.cli import REPO_ROOT

NEW_DAY = "2024-10-01\n" + "".join(
    f"Brand New Paper {n}\n새 태그 논문입니다.\n#brandnew\n" for n in range(15)
)


async def test_the_menu_at_the_terminal_follows_a_number_and_is_edited_after_an_ingest(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    config = tmp_path / "paperbot.toml"
    config.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"USER": "ann"}
    controller, terminal = os.openpty()
    log = tmp_path / "bot.log"
    try:
        with open(log, "wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", "--notes-dir", str(corpus),
                "--database-url", database_url, "--config", str(config), "--http", "off",
                "--ingest-every", "0.1", cwd=REPO_ROOT, env=env, stdin=terminal,
                stdout=asyncio.subprocess.PIPE, stderr=stderr,
            )  # fmt: skip
        assert process.stdout is not None
        out = Output(process.stdout)
        await out.wait_for(NEWEST_LAST_ID)
        menu = await _type(
            controller, out, "/paper tags menu", "태그 메뉴를 올렸습니다 (태그 10개)"
        )
        assert "태그 구독" in menu and "🔟" in menu
        second = re.search(r"2️⃣  #(\S+)", menu)
        assert second is not None
        tag = second[1]
        said = await _type(controller, out, ":react 2️⃣ menu", "구독 중:")
        assert said.count(f"🔔 이제 구독합니다: tag:{tag}.") == 1
        gone = await _type(controller, out, ":unreact 2️⃣ menu", "🔕")
        assert f"구독을 해지했습니다: tag:{tag}." in gone
        paper = await _type(controller, out, ":react 🔔 2", "구독 중:")  # the digest's paper 2
        assert "🔔 이제 구독합니다" in paper
        mark = len(out.text)
        (corpus / "2024-10-01.txt").write_text(NEW_DAY, encoding="utf-8")
        edited = await out.wait_for("#brandnew", mark)
        assert "✏️" in edited and "태그 구독" in edited
        os.write(controller, b":quit\n")
        async with asyncio.timeout(30):
            await process.wait()
            await out.reader
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 0, log.read_text()[-3000:]
