"""A person who cannot be DMed, and `/paper unsubscribe all`, on Discord, end to end with the
real `paperbot run` process against the stand-in. Ana refuses DMs (50007): her DM digest fails
once, is paused and not tried again, and her next `/paper` answer is followed by one ephemeral
message saying why (Discord cannot reach her otherwise), once; when Discord refuses that
follow-up, the notice comes with her answer after it (a failed send loses none). Then
`unsubscribe all` leaves nothing of her in any subscription or DM-history table, while Bea's
rows stay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.discord_paper import texts
from tests.support.discord_service import (
    ANA,
    BEA,
    FIRST,
    LATER,
    MATCHING,
    deployment,
    rows_of,
    serving,
)
from tests.support.discord_standin import DiscordStandIn, Interaction
from tests.support.real_delivery import write_notes

NOTICE = "📭 Your DM digest could not be sent"
FOLLOWUP = r"/webhooks/\d+/[^/]+"


def _digest_tries(standin: DiscordStandIn, dm: str) -> list[Any]:
    """Posts of a DM digest into Ana's DM (her 🔔's confirmation left out)."""
    titles = [e.title for e in (*MATCHING, LATER)]
    sent = standin.sent("POST", rf"/channels/{dm}/messages")
    return [r for r in sent if any(t in str(r.body) for t in titles) or "for you" in str(r.body)]


def _refused(standin: DiscordStandIn) -> list[Any]:
    """Follow-ups holding the notice that Discord answered with an error."""
    sent = standin.sent("POST", FOLLOWUP)
    return [r for r in sent if r.status >= 400 and NOTICE in json.dumps(r.body, ensure_ascii=False)]


def _after_answer(asked: Interaction) -> list[dict[str, Any]]:
    """The follow-ups sent after the answer (where a notice goes). An answer the core took
    longer than `defer_after` (1 s) to write was deferred, and its own follow-up is the first;
    a loaded machine does that to `tags` too, so both ways are taken."""
    deferred = any(c.get("type") == 5 for c in asked.callbacks)
    return asked.followups[1:] if deferred else list(asked.followups)


def _said(followups: list[dict[str, Any]]) -> list[str]:
    return [texts(f) for f in followups]


async def test_a_person_who_refuses_dms_is_told_once_and_unsubscribe_all_forgets_them(
    standin: DiscordStandIn, database_url: str, tmp_path: Path
) -> None:
    setup = deployment(standin, database_url, tmp_path, [FIRST])
    guild, notes = setup.guild, setup.notes
    log = tmp_path / "bot.log"
    async with serving(setup, log) as service:
        _, paper = await service.first_digest()
        standin.closed_dms.add(ANA)
        standin.react(paper["id"], "🔔", ANA)
        await service.react(ANA, paper)  # a 🔔 too: its origin and its mark are Ana's rows
        for user in (ANA, BEA):
            await service.ask(user, "subscribe tag:rl")
            await service.ask(user, "subscriptions cadence instant")

        write_notes(notes, [FIRST, *MATCHING])
        await standin.wait_for(lambda: MATCHING[0].title in service.dm_titles(BEA), 90)
        # her run is over and its notice kept (the two runs go out side by side, and the
        # notice is recorded after the pause): only then has the next answer one to say
        await service.logged("cannot be DMed")
        dm = standin.dms[ANA]
        tries = len(_digest_tries(standin, dm))
        assert tries >= 1

        standin.fail_next("POST", FOLLOWUP, 404, code=10015, containing=NOTICE)  # Unknown Webhook
        refused = await service.ask(ANA, "tags")
        await standin.wait_for(lambda: _refused(standin), 30)
        await service.logged("could not send a notice to")  # the send failed, and is over
        assert _after_answer(refused) == []
        told = await service.ask(ANA, "tags")  # the next answer brings it
        await standin.wait_for(lambda: _after_answer(told), 30)
        (said,) = _said(_after_answer(told))
        assert NOTICE in said and "/paper subscribe" in said
        # the advice for the code that paused her DM (50007), rebuilt from the catalogue and
        # spoken to her (what she can turn on), not the admin's sentence about her
        assert "Discord does not let paperbot send you DMs: turn on Direct Messages" in said
        assert "Privacy Settings" in said and "/paper subscriptions cadence" in said
        assert f"<@{ANA}>" not in said and "their DM digests" not in said, said

        write_notes(notes, [FIRST, *MATCHING, LATER])
        await standin.wait_for(lambda: LATER.title in service.dm_titles(BEA), 90)
        await service.instant_passes(2)  # her run of this pass is over too (skipped)
        assert len(_digest_tries(standin, dm)) == tries  # paused
        again = await service.ask(ANA, "tags")

        assert sum((await rows_of(database_url, guild, ANA)).values()) > 0
        gone = await service.ask(ANA, "unsubscribe all")
        assert "Unsubscribed from all" in texts(gone.message())
        assert _after_answer(again) == []  # told once
    left = await rows_of(database_url, guild, ANA)
    assert left == dict.fromkeys(left, 0), left
    kept = await rows_of(database_url, guild, BEA)
    assert kept["subscriptions"] and kept["digest_runs"] and kept["deliveries"]
    assert standin.problems == []
