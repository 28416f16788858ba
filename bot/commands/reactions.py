"""The one entry point for reactions from every platform: is the message one of our digests?

Adapters translate their events (Slack `reaction_added`, Discord raw reactions) into a
`Reaction` and hand it here; they decide nothing. What a reaction on a digest *does*
(subscribing to the note's tags) belongs to subscriptions; this layer finds what was reacted to
and counts it, so that every platform's plumbing is exercised the same way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.models import MessageRef, Reaction
from bot.ports import Metrics
from bot.store.deliveries import PostedMessage

__all__ = ["MessageLookup", "ReactionHandler", "ReactionOutcome", "ReactionResult"]

log = logging.getLogger(__name__)

REACTIONS_METRIC = "paperbot_reactions_total"


class MessageLookup(Protocol):
    """The ledger's view of posted messages (`SqlDeliveryLedger`)."""

    async def find_message(self, ref: MessageRef) -> PostedMessage | None:
        """The digest message `ref` names, or None."""
        ...


class ReactionOutcome(StrEnum):
    """What became of one reaction."""

    IGNORED = "ignored"  # not a message of ours: someone else's post, a reply, a DM
    RECORDED = "recorded"  # a digest message of ours


@dataclass(frozen=True, slots=True)
class ReactionResult:
    """The outcome, and the digest message reacted to when it is ours."""

    outcome: ReactionOutcome
    posted: PostedMessage | None = None


class ReactionHandler:
    """Looks reactions up in the ledger and counts them by platform and outcome."""

    def __init__(self, ledger: MessageLookup, metrics: Metrics) -> None:
        self._ledger, self._metrics = ledger, metrics

    async def handle(self, reaction: Reaction) -> ReactionResult:
        """Find the digest message of `reaction`; never raises for a message that is not ours."""
        posted = await self._ledger.find_message(reaction.message)
        outcome = ReactionOutcome.IGNORED if posted is None else ReactionOutcome.RECORDED
        self._metrics.inc(
            REACTIONS_METRIC, platform=reaction.message.platform.value, outcome=outcome.value
        )
        log.debug(
            "reaction %s %s by %s on %s: %s",
            "added" if reaction.added else "removed",
            reaction.emoji,
            reaction.user,
            reaction.message,
            outcome.value,
        )
        return ReactionResult(outcome, posted)
