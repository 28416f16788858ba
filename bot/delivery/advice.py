"""Why a destination is paused, in the reader's language: the pause keeps the platform's error
code, and the platform's adapter (its route's `advise`) says its advice again from it, with its
own markup (a channel mention) for the reader's renderer to keep. A pause with no code, or a
code the adapter has no advice for, says the platform's English reason as it was stored."""

from __future__ import annotations

from bot.delivery.publisher import Publisher
from bot.models import Destination
from bot.replies import Text, msg
from bot.store.destinations import DestinationState, SqlDestinationStore

__all__ = ["PauseAdvice"]


class PauseAdvice:
    """Reads a destination's pause and says what to do about it."""

    def __init__(self, destinations: SqlDestinationStore, publisher: Publisher) -> None:
        self._destinations, self._publisher = destinations, publisher

    def advice(self, destination: Destination, state: DestinationState) -> Text | None:
        """The platform's advice for the code that paused `destination` (None: not paused by
        a code the platform advises on)."""
        if not state.paused or state.pause_code is None:
            return None
        return self._publisher.advice(destination, state.pause_code)

    def line(self, destination: Destination, state: DestinationState) -> Text:
        """`/paper channel show`'s line for a paused destination: the advice with its code in
        brackets, else the stored reason."""
        advice = self.advice(destination, state)
        if advice is None or state.pause_code is None:
            return msg("channel.paused", reason=state.pause_reason)
        return msg("channel.paused_advice", code=state.pause_code.code, advice=advice)

    async def reason(self, destination: Destination, fallback: str) -> Text | str:
        """What to do about `destination`'s pause now, else `fallback` (its English reason)."""
        advice = self.advice(destination, await self._destinations.state(destination.key))
        return fallback if advice is None else advice
