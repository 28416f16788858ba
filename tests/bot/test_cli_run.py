"""`paperbot run` as a process: start digest, scheduled digests through the ledger, readiness
while the start-up ingest runs, clean shutdown."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.support.cli import REPO_ROOT, run_cli

EVERY_SECOND = "* * * * * *"  # six fields: seconds first
LAB_EVERY_SECOND = f"""
[[destinations]]
platform = "console"
workspace = "local"
channel = "lab"
schedule = "{EVERY_SECOND}"
backfill = "all"
"""


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "paperbot.toml"
    path.write_text(body, encoding="utf-8")
    return path


async def _start(
    *args: str, log: Path | None = None, stdin: int = asyncio.subprocess.DEVNULL
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with open(log or os.devnull, "wb") as stderr:  # a file: a full pipe would block the bot
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *args,
            cwd=REPO_ROOT, env=env, stdin=stdin,
            stdout=asyncio.subprocess.PIPE, stderr=stderr,
        )  # fmt: skip


async def _start_lab(
    notes: Path, database_url: str, tmp_path: Path
) -> tuple[asyncio.subprocess.Process, Path]:
    """The bot with the lab channel digesting every second, health on any free port, -v log."""
    config, log = _config(tmp_path, LAB_EVERY_SECOND), tmp_path / "bot.log"
    process = await _start(
        "--notes-dir", str(notes), "--database-url", database_url, "--config", str(config),
        "--http", "127.0.0.1:0", "-v", log=log,
    )  # fmt: skip
    return process, log


def _messages(log: Path) -> str:
    """The messages of the child's log, one a line (its stderr is a file: JSON lines; the last
    one may be half written)."""
    messages = []
    for line in log.read_text().splitlines():
        try:
            messages.append(json.loads(line)["message"])
        except json.JSONDecodeError:
            continue
    return "\n".join(messages)


async def _logged(log: Path, pattern: str, limit: float = 90) -> re.Match[str]:
    """The first match of `pattern` in the child's log messages, once it is there."""
    async with asyncio.timeout(limit):
        while True:
            found = re.search(pattern, _messages(log))
            if found:
                return found
            await asyncio.sleep(0.05)  # polling the child's log file, not waiting on test time


async def _http_port(log: Path) -> int:
    """The port the bot announced for its health endpoints (it was asked for any free one)."""
    found = await _logged(log, r"health and metrics on http://127\.0\.0\.1:(\d+)/")
    return int(found.group(1))


async def _get(port: int, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


async def _read_until(stream: asyncio.StreamReader, marker: str, limit: float = 90) -> str:
    seen = ""
    async with asyncio.timeout(limit):
        while marker not in seen:
            line = await stream.readline()
            if not line:
                break
            seen += line.decode()
    return seen


async def _until_sent(database_url: str, limit: float = 90) -> list[list[str]]:
    """Poll `paperbot deliveries` until the lab channel's first digest is recorded as sent;
    returns the lab's sent runs as columns (date, time, destination, digest, status, parts,
    notes, tries), oldest first."""
    async with asyncio.timeout(limit):
        while True:
            listed = await run_cli("deliveries", "--database-url", database_url)
            sent = [
                line.split()
                for line in reversed(listed.out.splitlines())
                if "console:local:lab" in line and " sent " in line
            ]
            if sent:
                return sent


def _corpus_with_a_broken_file(tmp_path: Path, seeds_dir: Path) -> Path:
    corpus = tmp_path / "notes"
    shutil.copytree(seeds_dir, corpus)
    (corpus / "broken.txt").write_text("2024년 2월 30일\nTitle\n#x\n", encoding="utf-8")
    return corpus


NEWEST_LAST_ID = "id: 2024-09-20-language-models-learn-to-mislead-humans-via-rlhf"
NEWEST_TITLE = "Language Models Learn to Mislead Humans via RLHF"


async def test_once_shows_the_newest_day_and_exits(database_url: str, seeds_dir: Path) -> None:
    result = await run_cli(
        "run", "--once", "--notes-dir", str(seeds_dir), "--database-url", database_url
    )
    assert result.code == 0, result.err
    assert "Preview of the newest notes day (2024-09-20): nothing is recorded" in result.out
    assert NEWEST_TITLE in result.out
    listed = await run_cli("deliveries", "--database-url", database_url)
    assert listed.out.strip() == "no digest runs yet"


async def test_once_with_a_skipped_file_reports_it_once_and_exits_1(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = _corpus_with_a_broken_file(tmp_path, seeds_dir)
    result = await run_cli(
        "run", "--once", "--notes-dir", str(corpus), "--database-url", database_url
    )
    assert result.code == 1, result.err  # --once is an ingest: like `paperbot ingest`
    assert (result.out + result.err).count("broken.txt") == 1
    assert f"SKIPPED {corpus / 'broken.txt'}:1: 2024년 2월 30일 is not a real calendar date" in (
        result.out
    )


async def test_a_skipped_file_is_reported_once_and_sigterm_still_exits_0(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    corpus = _corpus_with_a_broken_file(tmp_path, seeds_dir)
    config = _config(tmp_path, "")
    log = tmp_path / "bot.log"
    process = await _start(
        "--notes-dir", str(corpus), "--database-url", database_url, "--config", str(config),
        "--http", "off", log=log,
    )  # fmt: skip
    assert process.stdout is not None
    shown = await _read_until(process.stdout, NEWEST_LAST_ID)
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        rest, _ = await process.communicate()
    assert process.returncode == 0, log.read_text()[-2000:]
    assert (shown + rest.decode() + log.read_text()).count("broken.txt") == 1


async def test_service_posts_scheduled_digests_once_and_stops_on_sigterm(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    process, log = await _start_lab(seeds_dir, database_url, tmp_path)
    assert process.stdout is not None
    # The preview, then the scheduled digest of all five days through the ledger.
    out = await _read_until(process.stdout, "2024-09-20 ·")
    out += await _read_until(process.stdout, "WARM: On the Benefits")
    await _until_sent(database_url)
    port = await _http_port(log)
    assert await _get(port, "/healthz") == (200, "ok\n")
    status, ready = await _get(port, "/readyz")
    assert status == 200 and '"database": true' in ready and '"scheduler": true' in ready
    assert (await _get(port, "/metrics"))[0] == 200
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        rest, _ = await process.communicate()
    assert process.returncode == 0, log.read_text()[-2000:]
    shown = out + rest.decode()
    assert shown.count("WARM: On the Benefits of Weight Averaged Reward Models") >= 1
    exported = await run_cli("export", "--database-url", database_url)
    assert len(exported.out.splitlines()) == 41
    # A restart that posts only what is new (exact counts) is pinned in
    # tests/bot/scheduling/test_processes.py (test_a_restarted_process_posts_what_is_new...).


async def test_a_taken_port_costs_the_endpoints_not_the_bot(
    seeds_dir: Path, tmp_path: Path
) -> None:
    """Another program holds the HTTP port: a warning names it and the bot serves on, digest and
    all, then stops cleanly."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        log = tmp_path / "bot.log"
        process = await _start(
            "--notes-dir", str(seeds_dir), "--database-url", f"sqlite:///{tmp_path / 'db'}",
            "--config", str(_config(tmp_path, "")), "--http", f"127.0.0.1:{taken}", log=log,
        )  # fmt: skip
        assert process.stdout is not None
        shown = await _read_until(process.stdout, NEWEST_LAST_ID)
        warned = await _logged(log, r"health and metrics endpoints off: cannot listen on [^\n]*")
        assert f"127.0.0.1:{taken}" in warned.group(0)
        assert process.returncode is None  # still serving
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.communicate()
    assert process.returncode == 0, log.read_text()[-2000:]
    assert NEWEST_LAST_ID in shown


async def test_bad_config_stops_before_anything_runs(database_url: str, tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        '[[destinations]]\nplatform = "console"\nworkspace = "w"\nchannel = "c"\n'
        'timezone = "Mars/Base"\n',
    )
    result = await run_cli("run", "--database-url", database_url, "--config", str(config))
    assert result.code == 2
    assert "destinations[0].timezone" in result.err and "Mars/Base" in result.err


def test_shipped_example_config_is_valid() -> None:
    from bot.cli_run import delivery_config

    config = delivery_config(REPO_ROOT / "config" / "paperbot.example.toml")
    assert [d.key for d in config.destinations] == ["console:local:terminal"]


NEW_DAY = """2024-10-01
A Paper Added While The Bot Was Down
새로 추가된 논문입니다.
#new
Another Paper Added While Down
또 하나의 논문입니다.
#new
"""


def _feed_fifo(fifo: Path, text: str) -> None:
    """Write the notes file into the FIFO (the bot reads each file once)."""
    with fifo.open("w", encoding="utf-8") as writer:  # blocks until the bot opens it
        writer.write(text)


async def test_ready_while_the_start_up_ingest_runs_and_digests_wait_for_it(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    """Ready meanwhile, on both engines: nobody leads yet (this replica contends for the lock
    once it has read the folder), but a replica in its start-up ingest counts as the coming
    leader."""
    stored = await run_cli("ingest", str(seeds_dir), "--database-url", database_url)
    assert stored.code == 0, stored.err
    # The notes "folder" is a FIFO: the start-up ingest blocks reading it until the test writes.
    fifo = tmp_path / "2024-10-01.txt"
    os.mkfifo(fifo)
    process, log = await _start_lab(fifo, database_url, tmp_path)
    assert process.stdout is not None
    output = asyncio.ensure_future(process.stdout.read())  # a full pipe would block the bot
    feeding: asyncio.Future[None] | None = None
    try:
        # The leader poll ran while the ingest was blocked, and did not take the lead ...
        await _logged(log, r'Job "LeaderElection\.tick[^\n]*executed successfully')
        assert "became scheduler leader" not in log.read_text()
        # ... yet the service is ready.
        status, ready = await _get(await _http_port(log), "/readyz")
        assert status == 200 and '"scheduler": true' in ready, ready
        feeding = asyncio.ensure_future(asyncio.to_thread(_feed_fifo, fifo, NEW_DAY))
        sent = await _until_sent(database_url)
        # The first digest holds the stored notes and the file read at start, in one run.
        assert sent[0][6] == "43", sent
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.wait()
        assert process.returncode == 0, log.read_text()[-2000:]
        assert "A Paper Added While The Bot Was Down" in (await output).decode()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if feeding is not None and not feeding.done():
            with open(fifo, "rb"):  # unblock the feeding thread's open()
                pass
            await feeding


async def _start_run_sent(database_url: str) -> bool:
    listed = await run_cli("deliveries", "--database-url", database_url)
    runs = [line.split() for line in listed.out.splitlines()[1:]]
    return any(run[3].startswith("start:") and run[4] == "sent" for run in runs if len(run) > 4)


async def test_the_terminal_start_digest_is_the_digest_so_digest_now_shows_nothing_again(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    """At a real terminal (stdin a pty): the start digest goes through the ledger."""
    corpus = _corpus_with_a_broken_file(tmp_path, seeds_dir)
    config = _config(tmp_path, "")  # no destinations: the terminal is the one
    log = tmp_path / "bot.log"
    controller, terminal = os.openpty()
    try:
        process = await _start(
            "--notes-dir", str(corpus), "--database-url", database_url, "--config", str(config),
            "--http", "off", log=log, stdin=terminal,
        )  # fmt: skip
        assert process.stdout is not None
        shown = await _read_until(process.stdout, NEWEST_LAST_ID)
        start_count = shown.count(NEWEST_TITLE)
        assert start_count >= 1
        os.write(controller, b"/paper digest now\n/paper id:2024-02-29-llama-3\n")
        shown += await _read_until(process.stdout, "The Information에서 Llama 3가")
        # the start run's last message is on screen before the ledger closes the run: quit once
        # it is closed (a quit before that hands the run back, as documented, and it stays
        # pending; on a loaded machine that window is wide)
        async with asyncio.timeout(120):
            while not await _start_run_sent(database_url):  # noqa: ASYNC110 - another process
                await asyncio.sleep(0.2)
        os.write(controller, b":quit\n")
        async with asyncio.timeout(30):
            rest, _ = await process.communicate()
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 0, log.read_text()[-2000:]  # a skipped file is no failure
    shown += rest.decode()
    assert shown.count(NEWEST_TITLE) == start_count  # digest now did not show them again
    assert (shown + log.read_text()).count("broken.txt") == 1
    listed = await run_cli("deliveries", "--database-url", database_url)
    runs = [line.split() for line in listed.out.splitlines()[1:]]
    seen = sorted((run[3].split(":")[0], run[4], run[6]) for run in runs)
    assert [run for run in seen if run[0] != "slot"] == [
        ("now", "empty", "0"),
        ("start", "sent", "8"),
    ]
    # Started within the misfire grace of the default slot (09:00 Asia/Seoul, grace 6 h: 00:00 to
    # 06:00 UTC) the leader also catches that slot up; the start run holds its notes: it is empty.
    assert all(run[1:] == ("empty", "0") for run in seen if run[0] == "slot")


async def test_digests_use_the_teams_template_overrides(
    database_url: str, seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`PAPERBOT_TEMPLATES_DIR` reaches the digests `paperbot run` posts, not only previews."""
    templates = tmp_path / "templates" / "console"
    templates.mkdir(parents=True)
    (templates / "header.j2").write_text("TEAM HEADER {{ title }}\n", encoding="utf-8")
    monkeypatch.setenv("PAPERBOT_TEMPLATES_DIR", str(tmp_path / "templates"))
    config = _config(tmp_path, "")  # no destinations: the terminal is the one
    process = await _start(
        "--notes-dir", str(seeds_dir), "--database-url", database_url, "--config", str(config),
        "--http", "off",
    )  # fmt: skip
    assert process.stdout is not None
    try:
        shown = await _read_until(process.stdout, "TEAM HEADER")
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.communicate()
    assert "TEAM HEADER" in shown
    listed = await run_cli("deliveries", "--database-url", database_url)
    assert "start" in listed.out  # it was the ledger's start digest, not a preview


async def test_the_terminal_prompt_speaks_the_language_set_from_chat(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    """`/paper channel set locale en` at the prompt: the next replies, the grammar's errors and
    the channel's own words (`:react` usage) are English, not only the digest."""
    config = _config(tmp_path, "")  # no destinations: the terminal is the one
    controller, terminal = os.openpty()
    try:
        process = await _start(
            "--notes-dir", str(seeds_dir), "--database-url", database_url, "--config", str(config),
            "--http", "off", log=tmp_path / "bot.log", stdin=terminal,
        )  # fmt: skip
        assert process.stdout is not None
        await _read_until(process.stdout, NEWEST_LAST_ID)
        os.write(controller, b"/paper tag:\n")
        korean = await _read_until(process.stdout, "뒤에 값이 필요합니다")
        os.write(controller, b"/paper channel set locale en\n/paper tag:\n")
        english = await _read_until(process.stdout, "needs a value")
        os.write(controller, b":react\n")
        english += await _read_until(process.stdout, "to follow the tags of paper n")
        os.write(controller, b":quit\n")
        async with asyncio.timeout(30):
            await process.communicate()
    finally:
        os.close(controller)
        os.close(terminal)
    assert process.returncode == 0
    assert "뒤에 값이 필요합니다" in korean
    assert "needs a value" in english and "to follow the tags of paper n" in english
    assert "뒤에 값이 필요합니다" not in english


async def test_the_re_ingest_timer_reads_what_no_watcher_saw(
    database_url: str, tmp_path: Path
) -> None:
    """A notes folder missing at start has no watcher (re-ingests still run): the file put there
    later is read by the `--ingest-every` timer alone."""
    notes, log = tmp_path / "notes", tmp_path / "bot.log"
    process = await _start(
        "--notes-dir", str(notes), "--database-url", database_url,
        "--config", str(_config(tmp_path, "")), "--http", "off", "--ingest-every", "0.1", "-v",
        log=log,
    )  # fmt: skip
    try:
        await _logged(log, "notes watcher off")
        await _logged(log, "start-up ingest of")
        notes.mkdir()
        hidden = notes / ".2024-10-01.txt"  # written aside, then moved in whole
        hidden.write_text("2024-10-01\nA Timed Paper\n코멘트\n#new\n", encoding="utf-8")
        hidden.rename(notes / "2024-10-01.txt")
        await _logged(log, r"ingested \S+notes: 1 new")
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.communicate()
    assert process.returncode == 0, log.read_text()[-2000:]


async def test_a_notes_file_deleted_while_running_is_retracted_and_named(
    database_url: str, seeds_dir: Path, tmp_path: Path
) -> None:
    """README, notes format: deleting a notes file retracts its notes at the next re-ingest of
    `paperbot run`, and the report names the file."""
    notes = tmp_path / "notes"
    shutil.copytree(seeds_dir, notes)
    process = await _start(
        "--notes-dir", str(notes), "--database-url", database_url,
        "--config", str(_config(tmp_path, "")), "--http", "off", "--ingest-every", "0.1",
        log=tmp_path / "bot.log",
    )  # fmt: skip
    assert process.stdout is not None
    try:
        await _read_until(process.stdout, NEWEST_LAST_ID)  # the start-up ingest is done
        gone = notes / "002_79b7e80049c25ed0.txt"  # the 2024-06-10 notes
        gone.unlink()
        shown = await _read_until(process.stdout, "notes retracted")
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            await process.communicate()
    assert f"gone    {gone}: the file is gone: 10 notes retracted" in shown
    exported = await run_cli("export", "--database-url", database_url)
    rows = [json.loads(line) for line in exported.out.splitlines()]
    retracted = {row["date"] for row in rows if row["retracted"]}
    assert retracted == {"2024-06-10"} and len(rows) == 41
