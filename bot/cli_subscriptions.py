"""Subscriptions as `paperbot run` wires them: the `/paper` sub-commands, the reaction handler
that follows papers' tags, the Follow button, the tag menu, DM digests on the leader's
scheduler, and `:react` at the terminal."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import cast

from adapters.console import ConsoleChannel
from bot.app import App, search_service
from bot.commands.follow import FollowButtons
from bot.commands.menu import register_menu_command
from bot.commands.paper import PaperCommand
from bot.commands.reactions import ReactionHandler
from bot.commands.subscribe import register_subscription_commands
from bot.delivery.advice import PauseAdvice
from bot.delivery.service import Delivery
from bot.errors import DeliveryError
from bot.ingest.importer import IngestReport
from bot.models import Destination, MessageRef, Platform, Reaction
from bot.ports import Metrics
from bot.replies import Reply
from bot.scheduling.personal import PersonalScheduler
from bot.scheduling.runtime import DigestService
from bot.store.dm_notices import SqlDmNotices
from bot.store.menus import SqlMenuStore
from bot.store.reaction_marks import SqlReactionMarks
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.digests import PersonalDigests, personal_digests_for
from bot.subscriptions.menu import MenuChannel, MenuTransport, TagMenus
from bot.subscriptions.menu_messages import MenuMessages
from bot.subscriptions.notices import DmNotices
from bot.subscriptions.paper_messages import PaperMessages
from bot.subscriptions.parts import PartNotes
from bot.subscriptions.reconcile import Reconciler
from bot.subscriptions.service import SubscriptionService

__all__ = ["Subscriptions", "wire_subscriptions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscriptions:
    """The subscription services of one process (built by name: eight services in a row are
    too easy to swap)."""

    service: SubscriptionService
    reactions: ReactionHandler
    follow: FollowButtons
    personal: PersonalDigests
    scheduler: PersonalScheduler
    menus: TagMenus
    reconciler: Reconciler
    notices: DmNotices
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def after_ingest(self, report: IngestReport) -> None:
        """Instant DMs for what an ingest brought, and tag menus edited when the most used tags
        changed (the leader only: one process edits each menu)."""
        await self.scheduler.after_ingest(report)
        if self.scheduler.leading:
            await self.refresh_menus()

    async def lead_menus(self) -> None:
        """At leadership (the start, a takeover): the menus catch up with what changed
        meanwhile, in the background (a platform may still be logging in)."""
        task = asyncio.create_task(self.refresh_menus(), name="tag-menus")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def refresh_menus(self) -> None:
        """Edit the tag menus whose numbers no longer show the most used tags."""
        try:
            edited = await self.menus.refresh()
        except Exception:  # boundary: menus are edited at the next ingest
            log.exception("editing the tag menus failed")
            return
        if edited:
            log.info("tag menus edited: %d", edited)

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
    menus = tag_menus(app, delivery)
    register_menu_command(paper, menus, delivery.config.admin_user_ids)
    marks = SqlReactionMarks(app.engine)
    reactions = ReactionHandler(
        delivery.ledger,
        metrics,
        subscriptions=service,
        papers=papers,
        destination_of=destination_of,
        emoji=delivery.config.subscribe_emoji,
        menus=menus,
        marks=marks,
    )
    reconciler = Reconciler(
        marks,
        [PaperMessages(app.engine, papers, delivery.config.subscribe_emoji), MenuMessages(menus)],
        app.clock,
        days=delivery.config.subscriptions.reconcile_days,
        ignored=reactions.ignores,
    )
    personal = personal_digests_for(delivery, store)
    pauses = PauseAdvice(delivery.destinations, delivery.publisher)
    notices = DmNotices(SqlDmNotices(app.engine), store, app.clock, pauses)
    personal.on_unreachable = notices.failed
    personal.on_paused = notices.noted
    scheduler = PersonalScheduler(
        personal,
        store,
        digests.scheduler,
        grace_seconds=delivery.config.misfire_grace_seconds,
    )
    digests.also_lead(scheduler.activate, scheduler.deactivate)
    follow = FollowButtons(service, app.notes, delivery.ledger, destination_of)
    subscriptions = Subscriptions(
        service=service,
        reactions=reactions,
        follow=follow,
        personal=personal,
        scheduler=scheduler,
        menus=menus,
        reconciler=reconciler,
        notices=notices,
    )
    digests.also_lead(subscriptions.lead_menus, lambda: None)
    return subscriptions


def tag_menus(app: App, delivery: Delivery) -> TagMenus:
    """Menus of the most used tags, sent through each platform's delivery route (whose
    transports also add and remove the bot's reactions)."""
    search = search_service(app)

    async def top_tags() -> list[str]:
        return [found.tag for found in await search.tags()]

    def channel(platform: Platform) -> MenuChannel | None:
        try:
            route = delivery.publisher.route(platform)
        except DeliveryError:
            return None
        return MenuChannel(route.renderer, cast(MenuTransport, route.transport))

    return TagMenus(SqlMenuStore(app.engine), top_tags, channel, app.clock)
