"""Telling a person once why their DM digest stopped: they cannot be DMed (Discord 50007,
Slack `cannot_dm_bot`, a closed DM), so the DM itself cannot say it.

A permanent DM failure pauses the person's DM destination (`PersonalDigests`) and records a
notice here (one per person, `SqlDmNotices`). A platform that can reach the person privately
without a DM tells them at once (Slack: an ephemeral message in the channel where they last
reacted to subscribe); otherwise, or when that fails, the notice waits for the person's next
`/paper` and is said then, privately, with that answer. Either way it is said once: it is
marked told in the same statement that reads it, and untold again when saying it failed (so
a failed send never loses it). Asking for DMs again (`subscribe`, `cadence`) or
`unsubscribe all` clears it, so a later failure is told again. The notice says the platform's
advice for the error code the pause kept, in the person's language and spoken to them (the
adapter's sentence for a DM, `PauseAdvice`); the stored English reason where there is none. A
DM paused where nothing can reach the person (their workspace lost the app) is `noted`: kept
for their next `/paper`, nothing tried at once; the app's reinstall resumes the DM and drops the
notice (`PersonalDigests.resume_workspace`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.delivery.advice import PauseAdvice
from bot.digest.personal import Person
from bot.models import Platform
from bot.ports import Clock
from bot.replies import MessageView, Reply, Text, msg
from bot.store.dm_notices import SqlDmNotices
from bot.store.subscriptions import SqlSubscriptionStore

__all__ = ["DmNotices", "Say", "TellNow", "notice_reply"]

log = logging.getLogger(__name__)

TellNow = Callable[[Person, str, Reply], Awaitable[bool]]
"""Say `reply` privately to the person in channel `str`; True when it was said."""

Say = Callable[[Reply], Awaitable[bool]]
"""Say `reply` privately to the person just answered; True when it was said."""


def notice_reply(reason: str | Text, locale: str) -> Reply:
    """The private message saying why DMs stopped and how to get them again: the platform's
    advice to the person (`Text`: it says what they can do), else the stored reason with the
    generic "allow DMs" hint."""
    if isinstance(reason, Text):
        line = msg("subs.dm_paused", advice=reason)
    else:
        line = msg("subs.dm_unreachable", reason=reason)
    return Reply(MessageView(lines=(line,)), ephemeral=True, locale=locale)


class DmNotices:
    """Records DM failures and says each once, at once where a platform can."""

    def __init__(
        self,
        notices: SqlDmNotices,
        subscriptions: SqlSubscriptionStore,
        clock: Clock,
        pauses: PauseAdvice | None = None,
    ) -> None:
        self._notices, self._subs, self._clock = notices, subscriptions, clock
        self._pauses = pauses
        self._tellers: dict[Platform, TellNow] = {}

    def tell_with(self, platform: Platform, tell: TellNow) -> None:
        """How `platform` says a notice at once (none: at the person's next `/paper`)."""
        self._tellers[platform] = tell

    async def failed(self, person: Person, reason: str) -> None:
        """The person's DM failed for good: keep the reason, and say it now if possible."""
        if not await self._notices.record(person, reason, self._clock.now()):
            return  # already noted (told, or waiting to be told)
        log.info("%s cannot be DMed: %s", person.key, reason)
        tell = self._tellers.get(person.platform)
        channel = await self._home(person) if tell is not None else None
        if tell is None or channel is None:
            return
        plan = await self._subs.plan(person)
        said = await self._reason(person, reason)
        reply = notice_reply(said, plan.locale if plan is not None else "ko")
        try:
            told = await tell(person, channel, reply)
        except Exception:  # boundary: the next /paper says it instead
            log.warning("could not tell %s why DMs stopped", person.key, exc_info=True)
            return
        if told:
            await self._notices.claim_untold(person, self._clock.now())

    async def noted(self, person: Person, reason: str) -> None:
        """The person's DM was paused where nothing can reach them now (their workspace lost
        the app): keep the notice for their next `/paper`, and try nothing at once."""
        if await self._notices.record(person, reason, self._clock.now()):
            log.info("%s: DMs paused, told at their next /paper: %s", person.key, reason)

    async def say_pending(self, person: Person, locale: str, say: Say) -> None:
        """Say the notice still to say with `say` (True when said); one that could not be said
        (False, or an error, which is raised) waits for the person's next answer, so a failed
        send never loses it, while two answers at once still say it once (the claim)."""
        claimed_at = self._clock.now()
        reason = await self._notices.claim_untold(person, claimed_at)
        if reason is None:
            return
        said = False
        try:
            said = await say(notice_reply(await self._reason(person, reason), locale))
        finally:
            if not said:
                await self._notices.release(person, claimed_at)

    async def _reason(self, person: Person, stored: str) -> Text | str:
        """The advice for the code that paused the person's DM, else the stored reason."""
        if self._pauses is None:
            return stored
        return await self._pauses.reason(person.destination(), stored)

    async def _home(self, person: Person) -> str | None:
        """The channel of the person's latest 🔔 subscription (a DM's is not a channel)."""
        channels = [
            parts[3]
            for sub in await self._subs.for_person(person)
            for origin in sub.origins
            if len(parts := origin.split(":")) == 5 and parts[0] == "reaction"
            if not parts[3].startswith("@")
        ]
        return channels[-1] if channels else None
