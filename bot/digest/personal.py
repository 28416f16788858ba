"""Personal digests: who a subscriber is, where their DM goes, when, and what it holds (pure).

A person is one platform user (`platform`, `workspace`, `user`); subscriptions and DM history are
stored per person, so the same human on Slack and Discord is two people. Their DM is a
destination like any channel, addressed `@<user id>` (`slack:T1:@U123`): a transport that sees a
channel starting with `@` opens (or reuses) the DM with that user and posts there, so the ledger,
retries, pauses and corrections work on DMs as on channels.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
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
    "Candidates",
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

    @property
    def any_of_tags(self) -> tuple[str, ...]:
        """Tags one of which every matching note has (empty: no such narrowing), so a digest
        run reads only those notes instead of every candidate."""
        ...

    def matches(self, note: Note) -> bool:
        """Whether the note is one this subscription asks for."""
        ...


class Candidates:
    """New notes (with when each was first stored), indexed by tag, and which of them each
    subscription text matches, worked out once per text: thousands of people follow the same
    few hundred filters (`tag:rlhf`), so a fan-out tests each filter against the notes once."""

    def __init__(self, notes: Iterable[tuple[Note, datetime]]) -> None:
        self.all = [pair for pair in notes if not pair[0].retracted]
        self._by_tag: dict[str, list[tuple[Note, datetime]]] = {}
        for pair in self.all:
            for tag in dict.fromkeys(pair[0].tags):
                self._by_tag.setdefault(tag, []).append(pair)
        self._matching: dict[str, list[tuple[Note, datetime]]] = {}

    def matching(self, sub: SubscriptionMatcher) -> list[tuple[Note, datetime]]:
        """The candidates `sub` matches (whenever it began), in candidate order."""
        found = self._matching.get(sub.text)
        if found is None:
            found = [pair for pair in self._pool(sub.any_of_tags) if sub.matches(pair[0])]
            self._matching[sub.text] = found
        return found

    def _pool(self, tags: tuple[str, ...]) -> Iterable[tuple[Note, datetime]]:
        """The candidates with one of `tags` (all of them when none is given)."""
        if not tags:
            return self.all
        if len(tags) == 1:
            return self._by_tag.get(tags[0], ())
        return dict.fromkeys(pair for tag in tags for pair in self._by_tag.get(tag, ()))


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
    candidates: Iterable[tuple[Note, datetime]] | Candidates,
    *,
    sent: Collection[str] = (),
    locale: str = "ko",
) -> PersonalDigest | None:
    """The person's digest of `candidates` (note, first stored at), or None when none matches.

    `key` is the run's digest key and starts with `dm:` (`PERSONAL_DIGEST_PREFIX`).

    Candidates are live new notes (selected in SQL); `sent` are the keys of those already sent
    to this person. A note is in it when a subscription matches it and the note was first stored
    at or after that subscription began: following a tag brings what is new from then on, not
    the back catalogue. Oldest day first, in file order, grouped by day; always the thread
    layout (one DM message per paper).
    """
    pool = candidates if isinstance(candidates, Candidates) else Candidates(candidates)
    found: dict[str, tuple[Note, list[str]]] = {}
    for sub in subscriptions:
        for note, stored_at in pool.matching(sub):
            if stored_at >= sub.since and note.key not in sent:
                reasons = found.setdefault(note.key, (note, []))[1]
                if sub.text not in reasons:
                    reasons.append(sub.text)
    if not found:
        return None
    kept = sorted((note for note, _ in found.values()), key=lambda n: (n.day, n.position, n.key))
    matched = {key: tuple(texts) for key, (_, texts) in found.items()}
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
