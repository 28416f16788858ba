"""Subscriptions as `paperbot run` wires them: the `/paper` sub-commands, the reaction handler
that follows papers' tags, DM digests on the leader's scheduler, and `:react` at the terminal."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.console import ConsoleChannel
from bot.app import App
from bot.commands.paper import PaperCommand
from bot.commands.reactions import ReactionHandler
from bot.commands.subscribe import register_subscription_commands
from bot.delivery.service import Delivery
from bot.ingest.importer import IngestReport
from bot.models import Destination, MessageRef, Reaction
from bot.ports import Metrics
from bot.replies import Reply
from bot.scheduling.personal import PersonalScheduler
from bot.scheduling.runtime import DigestService
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.digests import PersonalDigests, personal_digests_for
from bot.subscriptions.parts import PartNotes
from bot.subscriptions.service import SubscriptionService

__all__ = ["Subscriptions", "wire_subscriptions"]


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """The subscription services of one process."""

    service: SubscriptionService
    reactions: ReactionHandler
    personal: PersonalDigests
    scheduler: PersonalScheduler

    async def after_ingest(self, report: IngestReport) -> None:
        """Instant DMs for what an ingest brought (the leader only)."""
        await self.scheduler.after_ingest(report)

    def serve_terminal(self, channel: ConsoleChannel, user: str) -> None:
        """`:react 🔔 <n>` at the prompt, as the person at the terminal."""

        async def react(ref: MessageRef, emoji: str, added: bool) -> Reply | None:
            result = await self.reactions.handle(Reaction(ref, user, emoji, added))
            return result.confirmation

        channel.react = react


def wire_subscriptions(
    app: App,
    delivery: Delivery,
    paper: PaperCommand,
    metrics: Metrics,
    digests: DigestService,
) -> Subscriptions:
    """Register `/paper subscribe|unsubscribe|subscriptions` and DM digests (call before the
    digest service starts: the DM jobs are a duty of its leader)."""
    store = SqlSubscriptionStore(app.engine)

    async def destination_of(key: str) -> Destination | None:
        settings = await delivery.catalog.get(key)
        return None if settings is None else settings.destination

    async def zone_of(key: str) -> str | None:
        found = await destination_of(key)
        return None if found is None else found.timezone

    service = SubscriptionService(store, app.clock, zone_of=zone_of)
    register_subscription_commands(paper, service)
    papers = PartNotes(app.engine, app.notes, lambda p: delivery.publisher.route(p).renderer)
    reactions = ReactionHandler(
        delivery.ledger,
        metrics,
        subscriptions=service,
        papers=papers,
        destination_of=destination_of,
        emoji=delivery.config.subscribe_emoji,
    )
    personal = personal_digests_for(delivery, store)
    scheduler = PersonalScheduler(
        personal,
        store,
        digests.scheduler,
        grace_seconds=delivery.config.misfire_grace_seconds,
    )
    digests.also_lead(scheduler.activate, scheduler.deactivate)
    return Subscriptions(service, reactions, personal, scheduler)
