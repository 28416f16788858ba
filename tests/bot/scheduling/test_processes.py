"""Real processes on one database: a kill mid fan-out, a restart, two replicas over several slots,
and a takeover after the leader's database session is killed.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from bot.app import open_app
from bot.store.engine import make_engine
from tests.conftest import REPO_ROOT
from tests.support.delivery import note, put_day
from tests.support.leader import kill_leader_session

DAY, NEXT_DAY = date(2024, 9, 20), date(2024, 9, 21)
NOTES_PER_DAY = 4
DESTINATIONS = 20
LOADED = 180  # seconds: an overall bound on a wait for an event, ample on a loaded machine


def spawn(database_url: str, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "tests.support.digest_worker",
        "--database-url",
        database_url,
        "--out",
        str(out),
        *extra,
    ]
    with open(out.with_suffix(f".{time.monotonic_ns()}.log"), "wb") as log:
        return subprocess.Popen(command, cwd=REPO_ROOT, stderr=log)


def records(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines() if line.strip()]


def wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)  # polling a child process's output file, not waiting on test time
    return False


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


async def test_killed_mid_fan_out_then_restarted(database_url: str, tmp_path: Path) -> None:
    async with open_app(database_url) as app:
        await put_day(app, DAY, [note(DAY, f"paper {i}") for i in range(NOTES_PER_DAY)])
    out = tmp_path / "posts.jsonl"
    common = ["--destinations", str(DESTINATIONS), "--post-delay", "0.03"]
    common += ["--duration", "600"]  # a bound, not a wait: each is killed or stopped before
    expected = DESTINATIONS * (1 + NOTES_PER_DAY)

    # SIGKILL (no cleanup) in the middle of the fan-out: the worker kills itself right after
    # its post number expected // 3, before the ledger records it, however slow the machine
    first = spawn(database_url, out, *common, "--kill-after", str(expected // 3))
    try:
        assert first.wait(timeout=LOADED) == -signal.SIGKILL, "no fan-out started"
    finally:
        if first.poll() is None:
            first.kill()
    posted_before_kill = len(records(out))
    assert posted_before_kill == expected // 3

    second = spawn(database_url, out, *common)
    try:
        done = wait_for(
            lambda: len({(r["dest"], r["text"]) for r in records(out)}) >= expected, LOADED
        )
    finally:
        stop(second)
    sent = Counter((r["dest"], r["text"]) for r in records(out))
    assert done and len(sent) == expected, "a message was lost"
    duplicates = Counter(dest for (dest, _), n in sent.items() for _ in range(n - 1))
    # the documented bound: at most one message per destination (the one in flight) repeats
    print(
        f"kill: {posted_before_kill}/{expected} posted before, {sum(duplicates.values())} repeated"
    )
    assert all(n <= 1 for n in duplicates.values()), duplicates
    assert sum(duplicates.values()) <= DESTINATIONS


async def until_runs_sent(database_url: str, count: int, limit: float = 30) -> None:
    """Wait until the ledger has `count` sent runs (the last post is recorded, not only made)."""
    async with open_app(database_url) as app, asyncio.timeout(limit):
        while True:
            runs = await app_ledger(app).recent_runs(limit=100)
            if sum(r.status == "sent" for r in runs) >= count:
                return
            await asyncio.sleep(0.1)  # polling the ledger the processes write


def app_ledger(app: Any) -> Any:
    from bot.store.deliveries import SqlDeliveryLedger

    return SqlDeliveryLedger(app.engine)


async def test_a_restarted_process_posts_what_is_new_and_nothing_again(
    database_url: str, tmp_path: Path
) -> None:
    """The second process really runs its service: it posts the new notes, exactly once."""
    async with open_app(database_url) as app:
        await put_day(app, DAY, [note(DAY, f"paper {i}") for i in range(NOTES_PER_DAY)])
    out = tmp_path / "posts.jsonl"
    common = ["--destinations", "5", "--schedule", "*/2 * * * * *", "--grace", "60"]
    common += ["--duration", "60"]  # a bound, not a wait: stop() ends each with SIGTERM
    first = spawn(database_url, out, *common)
    try:
        assert wait_for(lambda: len(records(out)) >= 5 * (1 + NOTES_PER_DAY), 40), "no digest"
        await until_runs_sent(database_url, 5)
    finally:
        stop(first)
    async with open_app(database_url) as app:
        await put_day(app, NEXT_DAY, [note(NEXT_DAY, "late one"), note(NEXT_DAY, "late two")])

    second = spawn(database_url, out, *common)
    try:
        assert wait_for(lambda: sum(r["pid"] == second.pid for r in records(out)) >= 5 * 3, 40)
        await until_runs_sent(database_url, 10)
    finally:
        stop(second)
    rows = records(out)
    assert Counter(r["pid"] for r in rows) == {first.pid: 5 * (1 + NOTES_PER_DAY), second.pid: 15}
    assert max(Counter((r["dest"], r["text"]) for r in rows).values()) == 1
    late = Counter(r["text"] for r in rows if r["pid"] == second.pid and "|" in r["text"])
    assert late == {"2024-09-21-late-one | late one": 5, "2024-09-21-late-two | late two": 5}


async def test_two_processes_post_each_slot_once(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "posts.jsonl"
    common = [
        "--destinations",
        "5",
        "--schedule",
        "*/2 * * * * *",
        "--grace",
        "60",
        "--empty-message",
        "--poll",
        "1",
        "--duration",
        "90",  # a bound, not a wait: stop() ends both with SIGTERM
    ]
    a, b = spawn(database_url, out, *common), spawn(database_url, out, *common)
    try:
        assert wait_for(lambda: len({r["text"] for r in records(out)}) >= 3, 40), "no slots ran"
        posters = Counter(r["pid"] for r in records(out))
        leader = a if a.pid in posters and (posters[a.pid] >= posters.get(b.pid, 0)) else b
        follower = b if leader is a else a
        leader.kill()
        killed_at = len(records(out))

        def follower_slots() -> set[str]:
            return {r["text"] for r in records(out)[killed_at:] if r["pid"] == follower.pid}

        # The issue asks for a takeover within 30 s; the poll is 1 s here, the rest is load.
        assert wait_for(lambda: follower_slots(), 30), "nobody took over within 30 s"
        assert wait_for(lambda: len(follower_slots()) >= 2, 20), "the new leader stopped"
    finally:
        for process in (a, b):
            stop(process)
    rows = records(out)
    per_slot = Counter((r["dest"], r["text"]) for r in rows)
    repeated = [key for key, n in per_slot.items() if n > 1]
    # The only repeats allowed are the crash bound: the killed leader's in-flight message,
    # sent again by the survivor; so at most one per destination, all from one slot.
    assert all(per_slot[key] == 2 for key in repeated)
    assert len({dest for dest, _ in repeated}) == len(repeated)
    assert len({text for _, text in repeated}) <= 1
    for key in repeated:
        pids = {r["pid"] for r in rows if (r["dest"], r["text"]) == key}
        assert pids == {leader.pid, follower.pid}
    slots = {r["text"] for r in rows}
    assert len(slots) >= 4
    assert {r["dest"] for r in rows} == {f"console:T1:C{i:03d}" for i in range(5)}
    if "postgresql" in database_url:  # one leader at a time: before the kill only it posted
        before = [r["pid"] for r in rows[:killed_at]]
        assert len(set(before)) == 1


POLL = 10.0  # the default leader poll (`DigestService(poll_seconds=10)`)
SLOT = 2.0


async def test_takeover_after_the_leaders_database_session_is_killed(
    postgres_url: str, tmp_path: Path
) -> None:
    """pg_terminate_backend on the leader's lock session while the leader process lives on.

    The follower takes the lock at its next poll and posts the following slot; the old leader
    drops its jobs at its own next poll. Both alive, so no slot and no message is posted twice.
    """
    out = tmp_path / "posts.jsonl"
    common = ["--destinations", "3", "--schedule", "*/2 * * * * *", "--grace", "60"]
    common += ["--empty-message", "--poll", str(POLL), "--duration", "120"]
    a, b = spawn(postgres_url, out, *common), spawn(postgres_url, out, *common)
    engine = make_engine(postgres_url)
    try:
        assert wait_for(lambda: len({r["text"] for r in records(out)}) >= 2, 40), "no slots ran"
        leader_pid = records(out)[-1]["pid"]
        follower = b if leader_pid == a.pid else a
        killed_at = time.time()
        await kill_leader_session(engine)

        def follower_posts() -> list[dict[str, Any]]:
            return [r for r in records(out) if r["pid"] == follower.pid]

        assert wait_for(lambda: follower_posts(), POLL + SLOT + 20), "nobody took over"
        took_over = min(r["at"] for r in follower_posts()) - killed_at
        assert wait_for(lambda: len({r["text"] for r in follower_posts()}) >= 3, 20)
    finally:
        await engine.dispose()
        for process in (a, b):
            stop(process)
    rows = records(out)
    print(f"takeover after the leader's session was killed: {took_over:.1f} s")
    # the bound: the follower's next poll (POLL), then the next slot (SLOT); 3 s for load
    assert took_over <= POLL + SLOT + 3
    assert max(Counter((r["dest"], r["text"]) for r in rows).values()) == 1
    last_old = max(r["at"] for r in rows if r["pid"] == leader_pid)
    assert last_old <= killed_at + POLL + SLOT + 3, "the old leader kept posting"
