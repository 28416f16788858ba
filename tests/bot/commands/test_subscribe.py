"""`/paper subscribe|unsubscribe|subscriptions` through the real command core and store: every
answer is ephemeral and says exactly what the person follows now, on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.app import App, paper_command
from bot.commands.paper import PaperCommand
from bot.commands.request import CommandRequest
from bot.commands.subscribe import register_subscription_commands
from bot.models import Platform
from bot.replies import ErrorView, MessageView, Reply
from bot.store.subscriptions import SqlSubscriptionStore
from bot.subscriptions.service import SubscriptionService
from formatters.i18n import catalogue


async def _zone(key: str) -> str | None:
    return "Europe/Berlin" if key == "slack:T1:C-berlin" else None


def _paper(app: App) -> PaperCommand:
    paper = paper_command(app)
    service = SubscriptionService(SqlSubscriptionStore(app.engine), app.clock, zone_of=_zone)
    register_subscription_commands(paper, service)
    return paper


async def _ask(paper: PaperCommand, text: str, user: str = "U1", channel: str = "C1") -> Reply:
    return await paper.handle(CommandRequest(Platform.SLACK, "T1", channel, user, text, "en"))


def _said(reply: Reply) -> str:
    view = reply.view
    if isinstance(view, ErrorView):
        return "ERROR " + catalogue().text("en", view.message)
    assert isinstance(view, MessageView)
    return catalogue().message("en", view)


async def test_subscribe_answers_privately_with_what_is_followed_now(app: App) -> None:
    paper = _paper(app)
    reply = await _ask(paper, "subscribe tag:rlhf #Alignment")
    assert reply.ephemeral
    assert _said(reply) == (
        "Now following: tag:rlhf, tag:alignment.\n"
        "You follow: tag:rlhf, tag:alignment.\n"
        "New matching notes come by DM every day at 09:00 (Asia/Seoul)."
    )
    again = await _ask(paper, "subscribe tag:RLHF")
    assert _said(again).splitlines()[0] == "You follow: tag:rlhf, tag:alignment."


async def test_any_other_filter_is_one_subscription_in_one_spelling(app: App) -> None:
    paper = _paper(app)
    await _ask(paper, "subscribe -tag:survey tag:rlhf")
    reply = await _ask(paper, 'subscribe author:"Sanjeev Arora" since:2024-06')
    assert 'You follow: tag:rlhf -tag:survey, author:"sanjeev arora" since:2024-06-01.' in _said(
        reply
    )
    assert "Now following" not in _said(await _ask(paper, "subscribe tag:rlhf -tag:survey"))


async def test_keywords_and_bad_queries_are_refused_with_examples(app: App) -> None:
    paper = _paper(app)
    words = await _ask(paper, "subscribe reward model")
    assert isinstance(words.view, ErrorView) and words.view.examples
    assert _said(words).startswith("ERROR reward model is not a filter")
    assert _said(await _ask(paper, "subscribe since:2024-13")).startswith(
        "ERROR since:2024-13 is not a date"
    )
    assert _said(await _ask(paper, "subscribe")).startswith("ERROR Follow what?")
    assert _said(await _ask(paper, "subscriptions")).startswith("You follow nothing.")


async def test_unsubscribe_one_then_all(app: App) -> None:
    paper = _paper(app)
    await _ask(paper, "subscribe tag:rlhf tag:dpo")
    await _ask(paper, "subscribe tag:x", user="U2")
    assert _said(await _ask(paper, "unsubscribe #dpo")).splitlines()[:2] == [
        "No longer following: tag:dpo.",
        "You follow: tag:rlhf.",
    ]
    assert _said(await _ask(paper, "unsubscribe tag:dpo")).startswith(
        "You did not follow tag:dpo; nothing changed."
    )
    assert _said(await _ask(paper, "unsubscribe all")) == (
        "Unsubscribed from your 1 subscription; your DM history is deleted."
    )
    assert _said(await _ask(paper, "unsubscribe all")).startswith("You followed nothing")
    assert _said(await _ask(paper, "subscriptions", user="U2")).startswith("You follow: tag:x.")


async def test_the_plan_defaults_to_the_channels_zone_and_cadence_changes_it(app: App) -> None:
    paper = _paper(app)
    first = await _ask(paper, "subscribe tag:rl", channel="C-berlin")
    assert _said(first).endswith("every day at 09:00 (Europe/Berlin).")
    weekly = await _ask(paper, "subscriptions cadence weekly 7:30 Asia/Tokyo")
    assert _said(weekly).endswith("every Monday at 07:30 (Asia/Tokyo), as one roll-up of the week.")
    instant = await _ask(paper, "subscriptions cadence instant")
    assert _said(instant).endswith("right after the notes are read in.")
    daily = await _ask(paper, "subscriptions cadence daily")
    assert _said(daily).endswith("every day at 07:30 (Asia/Tokyo).")  # time and zone kept
    for bad, said in (
        ("subscriptions cadence hourly", "ERROR Not changed: “hourly” is not a cadence"),
        ("subscriptions cadence daily 25:00", "ERROR Not changed: 25:00 is not a time of day"),
        ("subscriptions cadence daily Mars/Base", "ERROR Not changed: Mars/Base is not an IANA"),
        ("subscriptions frobnicate", "ERROR Unknown command: subscriptions frobnicate"),
    ):
        assert _said(await _ask(paper, bad)).startswith(said)
    assert _said(await _ask(paper, "subscriptions")).endswith("every day at 07:30 (Asia/Tokyo).")


async def test_a_time_in_full_width_digits_is_read_and_other_digits_refused(app: App) -> None:
    """docs/subscriptions.md: a Korean IME's full-width `０８:３０` is 08:30 (it was refused,
    while `８:３０` was stored as `08:３０`); Arabic-Indic digits stay no time of day."""
    paper = _paper(app)
    await _ask(paper, "subscribe tag:rl")
    daily = await _ask(paper, "subscriptions cadence daily ０８:３０ Asia/Seoul")
    assert _said(daily).endswith("every day at 08:30 (Asia/Seoul).")
    refused = await _ask(paper, "subscriptions cadence daily ٩:٠٠")
    assert _said(refused).startswith("ERROR Not changed: ٩:٠٠ is not a time of day")
    assert _said(await _ask(paper, "subscriptions")).endswith("every day at 08:30 (Asia/Seoul).")


async def test_a_nul_character_subscribes_to_nothing(app: App) -> None:
    """PostgreSQL text cannot hold a NUL: the asker is told, and nothing is stored."""
    paper = _paper(app)
    for text in ("subscribe tag:rlhf\x00", "subscriptions remove tag:rlhf\x00"):
        assert _said(await _ask(paper, text)).startswith("ERROR The command holds a NUL")
    assert _said(await _ask(paper, "subscriptions")).startswith("You follow nothing.")


async def test_a_lone_surrogate_subscribes_to_nothing(app: App) -> None:
    """UTF-8 cannot encode half of a UTF-16 pair: the asker is told, and nothing is stored."""
    paper = _paper(app)
    for text in ("subscribe tag:rlhf\ud800", "subscriptions remove \udfff"):
        assert _said(await _ask(paper, text)).startswith("ERROR The command holds a broken")
    assert _said(await _ask(paper, "subscriptions")).startswith("You follow nothing.")


async def test_a_filter_too_long_once_written_out_is_refused_on_every_engine(app: App) -> None:
    """NFKC writes `ﷺ` out as 18 characters: a short typed filter can fold past what the
    grammar reads back (and PostgreSQL's varchar(500) holds). Said; nothing is stored."""
    paper = _paper(app)
    for text in ("subscribe author:" + "\ufdfa" * 28, "subscribe tag:a,b,c," + "\ufdfa" * 28):
        said = _said(await _ask(paper, text))
        assert said.startswith("ERROR Written out in full, that filter is ")
        assert said.endswith("the limit is 500.")
    assert _said(await _ask(paper, "subscribe tag:" + "\ufdfa" * 28)).startswith("ERROR Written")
    assert _said(await _ask(paper, "subscriptions")).startswith("You follow nothing.")
    kept = _said(await _ask(paper, "subscribe author:" + "\ufdfa" * 26))  # 26 × 18 + 7 = 475
    assert kept.startswith("Now following: author:")


async def test_a_folder_of_zones_is_not_a_time_zone_for_the_dm_plan(app: App) -> None:
    """`Asia` is a folder of zones (IsADirectoryError, which escaped as a traceback)."""
    paper = _paper(app)
    await _ask(paper, "subscribe tag:rlhf")
    for bad in ("Asia", "a" * 300):
        said = _said(await _ask(paper, f"subscriptions cadence daily 07:30 {bad}"))
        assert said == f"ERROR Not changed: {bad} is not an IANA time zone (e.g. Asia/Seoul)."
    assert _said(await _ask(paper, "subscriptions")).endswith("every day at 09:00 (Asia/Seoul).")
