"""The messages the ledger sent recently: what the reconcile pass reads reactions on. Channel
digests' and personal DM digests' alike: a DM's messages keep the ledger's channel `@<user id>`
(the reader opens the DM) and get no `thread_of`: Discord posts every part of a DM into the DM
itself, and Slack reads a thread reply by its channel and `ts` alone. A message the platform
posted in another channel than its digest's (`posted_in`: a Discord thread or forum post, whose
id is its starter message's) gets that as `thread_of`, so an inline part in a forum, which went
into the post made last there, is read in that post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.digest.personal import DM_PREFIX
from bot.models import Layout, MessageRef, Platform
from bot.store.deliveries import PostedMessage
from bot.store.delivery_schema import DeliveryRow, DigestRunRow
from bot.store.run_views import SENT

__all__ = ["SentMessage", "sent_since"]


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One sent part: where it is, what the ledger knows of it, and the header it replies to
    (a thread layout's part after the first)."""

    ref: MessageRef
    posted: PostedMessage
    thread_of: MessageRef | None


async def sent_since(engine: AsyncEngine, platform: Platform, since: datetime) -> list[SentMessage]:
    """Messages sent on `platform` at or after `since` (channels' and DMs'), oldest first."""
    d, r = DeliveryRow, DigestRunRow
    query = (
        select(d, r.note_keys, r.layout)
        .join(r, r.id == d.run_id)
        .where(
            d.platform == platform.value,
            d.status == SENT,
            d.message_id.is_not(None),
            d.sent_at >= since,
        )
        .order_by(d.run_id, d.part_no)
    )
    async with async_sessionmaker(engine)() as session:
        rows = list(await session.execute(query))
    headers = {row.run_id: row.message_id for row, _, _ in rows if row.part_no == 0}
    found = []
    for row, note_keys, layout in rows:
        ref = MessageRef(platform, row.workspace, row.channel, str(row.message_id))
        header = headers.get(row.run_id)
        in_dm = str(row.channel).startswith(DM_PREFIX)
        threaded = layout == Layout.THREAD.value and row.part_no > 0 and header is not None
        threaded = threaded and not in_dm
        thread_of = (
            MessageRef(platform, row.workspace, row.channel, str(header)) if threaded else None
        )
        if row.posted_in and not in_dm:  # where it went (an inline part in a forum's post)
            thread_of = MessageRef(platform, row.workspace, row.channel, str(row.posted_in))
        keys = tuple(str(k) for k in note_keys or ())
        posted = PostedMessage(row.destination_key, row.digest_key, row.part_no, row.run_id, keys)
        found.append(SentMessage(ref, posted, thread_of))
    return found
