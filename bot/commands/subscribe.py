"""`/paper subscribe|unsubscribe|subscriptions …`: a person's own subscriptions, answered only to
them (ephemeral), each answer saying exactly what they follow now and when their DM comes.

`subscriptions cadence instant|daily|weekly [HH:MM] [time zone]` changes when it comes; a
time or zone left out keeps the current one. The list (`subscriptions`) offers a Remove button
per subscription; a click sends `subscriptions remove <filter>`, which stops exactly the
subscription stored as that filter, for the person who clicked, and answers with the list again.
"""

from __future__ import annotations

import re
from functools import partial

from bot.commands.paper import PaperCommand
from bot.commands.request import CommandRequest
from bot.digest.personal import Cadence, DeliveryPlan, Person
from bot.digest.settings import is_time_zone
from bot.errors import QuerySyntaxError
from bot.models import Destination
from bot.replies import ErrorView, MessageView, Reply, Text, msg
from bot.search.text import full_width_digits
from bot.subscriptions.filters import SubscriptionTextError
from bot.subscriptions.service import SubscriptionChange, SubscriptionService

__all__ = ["change_lines", "plan_line", "register_subscription_commands"]

SUBSCRIBE_USAGE = ("subscribe tag:rlhf", "subscribe tag:rlhf -tag:survey", "subscribe author:arora")
UNSUBSCRIBE_USAGE = ("unsubscribe tag:rlhf", "unsubscribe all")
CADENCE_USAGE = (
    "subscriptions cadence daily 09:00 Asia/Seoul",
    "subscriptions cadence weekly",
    "subscriptions cadence instant",
)
_TIME = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")


def register_subscription_commands(paper: PaperCommand, service: SubscriptionService) -> None:
    """Add `subscribe`, `unsubscribe` and `subscriptions` to `/paper`."""
    paper.register("subscribe", partial(_subscribe, service))
    paper.register("unsubscribe", partial(_unsubscribe, service))
    paper.register("subscriptions", partial(_subscriptions, service))


def person_of_request(request: CommandRequest) -> Person:
    """The asker as a subscriber: one platform user."""
    return Person(request.platform, request.workspace, request.user)


def _home(request: CommandRequest) -> Destination:
    """Where the person asked, in their language (its zone comes from the plan default)."""
    return Destination(request.platform, request.workspace, request.channel, locale=request.locale)


async def _subscribe(service: SubscriptionService, request: CommandRequest, rest: str) -> Reply:
    try:
        change = await service.subscribe(person_of_request(request), rest, _home(request))
    except (QuerySyntaxError, SubscriptionTextError) as exc:
        return _refused(request, exc, SUBSCRIBE_USAGE)
    return _answer(request, change_lines(change))


async def _unsubscribe(service: SubscriptionService, request: CommandRequest, rest: str) -> Reply:
    person = person_of_request(request)
    if rest.strip().lower() == "all":
        change = await service.unsubscribe_all(person)
        count = len(change.removed)
        line = msg("subs.all_removed", count=count) if count else msg("subs.all_none")
        return _answer(request, (line,))
    try:
        change = await service.unsubscribe(person, rest)
    except (QuerySyntaxError, SubscriptionTextError) as exc:
        return _refused(request, exc, UNSUBSCRIBE_USAGE)
    return _answer(request, change_lines(change, asked=rest))


async def _subscriptions(service: SubscriptionService, request: CommandRequest, rest: str) -> Reply:
    words = rest.split()
    person = person_of_request(request)
    if not words:
        subs = await service.following(person)
        stored = await service.store.plan(person)
        change = SubscriptionChange((), (), tuple(s.text for s in subs), stored)
        return _answer(request, change_lines(change), removable=change.following)
    if words[0].lower() == "remove":
        text = rest.strip()[len(words[0]) :].strip()
        change = await service.remove_exactly(person, text)
        return _answer(request, change_lines(change, asked=text), removable=change.following)
    if words[0].lower() != "cadence":
        problem = msg("error.unknown_command", typed=f"subscriptions {rest}".strip())
        return Reply(ErrorView(problem, CADENCE_USAGE), locale=request.locale)
    current = await service.plan_for(person, _home(request))
    plan = _read_plan(words[1:], current)
    if isinstance(plan, Text):
        return Reply(ErrorView(plan, CADENCE_USAGE), locale=request.locale)
    return _answer(request, change_lines(await service.set_plan(person, plan)))


def _read_plan(words: list[str], current: DeliveryPlan) -> DeliveryPlan | Text:
    """`instant|daily|weekly [HH:MM] [zone]` over the current plan, or what is wrong."""
    if not words:
        return msg("subs.bad_cadence", value="")
    try:
        cadence = Cadence(words[0].lower())
    except ValueError:
        return msg("subs.bad_cadence", value=words[0])
    at, zone = current.at, current.timezone
    for word in words[1:]:
        if (time := _TIME.fullmatch(full_width_digits(word))) is not None:
            at = f"{int(time[1]):02d}:{time[2]}"
        elif ":" in word and word[0].isdigit():
            return msg("subs.bad_time", value=word)
        elif is_time_zone(word):
            zone = word
        else:
            return msg("subs.bad_timezone", value=word)
    return DeliveryPlan(cadence, at, zone, current.locale)


def plan_line(plan: DeliveryPlan) -> Text:
    """When the DM digest comes, as one sentence."""
    return msg(f"subs.plan_{plan.cadence.value}", at=plan.at, timezone=plan.timezone)


def change_lines(change: SubscriptionChange, *, asked: str = "") -> tuple[Text, ...]:
    """What changed, then exactly what is followed now and when the DM comes."""
    lines: list[Text] = []
    if change.added:
        lines.append(msg("subs.added", filters=", ".join(change.added)))
    if change.removed:
        lines.append(msg("subs.removed", filters=", ".join(change.removed)))
    elif asked and not change.added:
        lines.append(msg("subs.not_following", filters=asked.strip()))
    if not change.following:
        lines.append(msg("subs.none"))
        return tuple(lines)
    lines.append(msg("subs.following", filters=", ".join(change.following)))
    if change.plan is not None:
        lines.append(plan_line(change.plan))
    return tuple(lines)


def _answer(
    request: CommandRequest, lines: tuple[Text, ...], *, removable: tuple[str, ...] = ()
) -> Reply:
    view = MessageView(lines=lines, removable=removable)
    return Reply(view, ephemeral=True, locale=request.locale)


def _refused(
    request: CommandRequest,
    exc: QuerySyntaxError | SubscriptionTextError,
    usage: tuple[str, ...],
) -> Reply:
    key = f"query.{exc.code}" if isinstance(exc, QuerySyntaxError) else exc.code
    return Reply(ErrorView(msg(key, **exc.params), usage), locale=request.locale)
