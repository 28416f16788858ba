"""Pacing in virtual time: one message per second per channel, and workspace holds."""

from datetime import timedelta

from bot.delivery.pacing import Pacer
from tests.support.clock import FixedClock
from tests.support.delivery import dest
from tests.support.sleep import VirtualSleep


async def test_one_message_per_second_per_channel() -> None:
    clock = FixedClock()
    sleep = VirtualSleep(clock)
    pacer = Pacer(clock, sleep)
    a, b = dest("A").destination, dest("B").destination
    start = clock.now()
    await pacer.wait_turn(a)
    await pacer.wait_turn(b)  # another channel does not wait
    assert clock.now() == start
    await pacer.wait_turn(a)
    assert clock.now() == start + timedelta(seconds=1)


async def test_retry_after_holds_the_whole_workspace() -> None:
    clock = FixedClock()
    pacer = Pacer(clock, VirtualSleep(clock))
    a, b = dest("A").destination, dest("B").destination
    other = dest("X", workspace="T2").destination
    start = clock.now()
    pacer.hold_workspace(a, 5)
    await pacer.wait_turn(other)
    assert clock.now() == start
    await pacer.wait_turn(b)
    assert clock.now() == start + timedelta(seconds=5)


async def test_configured_workspace_rate_spaces_channels() -> None:
    clock = FixedClock()
    sleep = VirtualSleep(clock)
    pacer = Pacer(clock, sleep, workspace_interval=0.5)
    for channel in ("A", "B", "C"):
        await pacer.wait_turn(dest(channel).destination)
    assert sleep.waits == [0.5, 0.5]
