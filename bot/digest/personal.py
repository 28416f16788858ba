"""Personal digests: who a subscriber is, where their DM goes, when, and what it holds (pure).

A person is one platform user (`platform`, `workspace`, `user`); subscriptions and DM history are
stored per person, so the same human on Slack and Discord is two people. Their DM is a
destination like any channel, addressed `@<user id>` (`slack:T1:@U123`): a transport that sees a
channel starting with `@` opens (or reuses) the DM with that user and posts there, so the ledger,
retries, pauses and corrections work on DMs as on channels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby
from typing import Protocol
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.cron import latest_slot, make_trigger
from bot.models import Destination, Digest, DigestDay, Layout, Note, Platform

__all__ = [
    "DM_PREFIX",
    "Cadence",
    "DeliveryPlan",
    "Person",
    "PersonalDigest",
    "SubscriptionMatcher",
    "build_personal_digest",
    "is_personal",
    "person_of",
]

DM_PREFIX = "@"
"""A destination channel starting with this is a person's DM: `@<user id>`."""


class Cadence(StrEnum):
    """How often a person's DM digest comes: right after each ingest, every day, or Mondays."""

    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"


@dataclass(frozen=True, slots=True, order=True)
class Person:
    """One platform user: the owner of subscriptions and of a DM destination."""

    platform: Platform
    workspace: str
    user: str

    def destination(self, *, timezone: str = "Asia/Seoul", locale: str = "ko") -> Destination:
        """The person's DM as a destination (`@<user id>` in their workspace)."""
        channel = DM_PREFIX + self.user
        return Destination(self.platform, self.workspace, channel, self.user, timezone, locale)

    @property
    def key(self) -> str:
        """The DM destination's ledger key: `platform:workspace:@user`."""
        return f"{self.platform.value}:{self.workspace}:{DM_PREFIX}{self.user}"


def is_personal(destination: Destination) -> bool:
    """Whether a destination is someone's DM (transports open the DM for these)."""
    return destination.channel.startswith(DM_PREFIX)


def person_of(destination: Destination) -> Person | None:
    """The person whose DM `destination` is, or None for a channel."""
    if not is_personal(destination):
        return None
    return Person(destination.platform, destination.workspace, destination.channel[1:])


@dataclass(frozen=True, slots=True)
class DeliveryPlan:
    """When a person's DM digest comes: cadence, local time `HH:MM`, IANA time zone, language.

    Daily digests come every day at `at`; weekly ones on Mondays at `at`, as one roll-up of the
    week; instant ones right after the ingest that brought the notes (`at` unused).
    """

    cadence: Cadence = Cadence.DAILY
    at: str = "09:00"
    timezone: str = "Asia/Seoul"
    locale: str = "ko"

    def trigger(self) -> CronTrigger | None:
        """The cron trigger of a daily or weekly plan in its time zone; None for instant."""
        if self.cadence is Cadence.INSTANT:
            return None
        hour, minute = (int(part) for part in self.at.split(":"))
        days = "mon" if self.cadence is Cadence.WEEKLY else "*"
        return make_trigger(f"{minute} {hour} * * {days}", ZoneInfo(self.timezone))

    def due_slot(self, now: datetime, grace: timedelta) -> datetime | None:
        """The latest slot at or before `now` within `grace` (None: nothing due, or instant).

        Slots are wall-clock times in the plan's zone: a daylight-saving change neither skips a
        day nor repeats one (the repeated hour's two fire times name one slot).
        """
        trigger = self.trigger()
        return None if trigger is None else latest_slot(trigger, now, grace)


class SubscriptionMatcher(Protocol):
    """A stored subscription as the builder sees it: its text, when it began, a note test."""

    @property
    def text(self) -> str:
        """The subscription as shown (`tag:rlhf`, `author:arora -tag:survey`)."""
        ...

    @property
    def since(self) -> datetime:
        """When it was made: only notes first stored at or after it are new to it."""
        ...

    def matches(self, note: Note) -> bool:
        """Whether the note is one this subscription asks for."""
        ...


@dataclass(frozen=True, slots=True)
class PersonalDigest:
    """A DM digest for one person: the notes and, per note, the subscriptions that matched."""

    person: Person
    digest: Digest
    matched: Mapping[str, tuple[str, ...]]
    """Note key -> the texts of the subscriptions that brought it ("why you got this")."""


def build_personal_digest(
    person: Person,
    key: str,
    subscriptions: Iterable[SubscriptionMatcher],
    candidates: Iterable[tuple[Note, datetime]],
    *,
    locale: str = "ko",
) -> PersonalDigest | None:
    """The person's digest of `candidates` (note, first stored at), or None when none matches.

    `key` is the run's digest key and starts with `dm:` (`PERSONAL_DIGEST_PREFIX`).

    Candidates are live notes not yet sent to this person (selected in SQL). A note is in it when
    a subscription matches it and the note was first stored at or after that subscription began:
    following a tag brings what is new from then on, not the back catalogue. Oldest day first,
    in file order, grouped by day; always the thread layout (one DM message per paper).
    """
    subs = list(subscriptions)
    kept: list[Note] = []
    matched: dict[str, tuple[str, ...]] = {}
    for note, stored_at in candidates:
        why = tuple(dict.fromkeys(s.text for s in subs if s.since <= stored_at and s.matches(note)))
        if why and not note.retracted:
            kept.append(note)
            matched[note.key] = why
    if not kept:
        return None
    kept.sort(key=lambda n: (n.day, n.position, n.key))
    days = tuple(DigestDay(day, tuple(g)) for day, g in groupby(kept, key=lambda n: n.day))
    reasons = sorted({text for texts in matched.values() for text in texts})
    digest = Digest(
        key=key,
        days=days,
        filter_text=" · ".join(reasons),
        locale=locale,
        layout=Layout.THREAD,
        matched=tuple((n.key, " · ".join(matched[n.key])) for n in kept),
    )
    return PersonalDigest(person, digest, matched)
