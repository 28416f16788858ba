"""Many workspaces through OAuth: two installs, a digest to a channel of each with its own token,
tokens unreadable in the database, and an uninstalled workspace forgotten and paused; the bot's
own tag-menu numbers are not taken for a person's, from their events or at the next start's
reconcile pass; a workspace that is gone does not stop the others' reconcile pass; a reinstall
resumes exactly what its uninstall paused (channels and people's DMs), with the gap's notes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.store.destinations import SqlDestinationStore
from bot.store.engine import make_engine
from tests.support import slack_service
from tests.support.real_delivery import Entry, notes_text
from tests.support.slack_api import SlackApi, slack_api
from tests.support.slack_calls import shown, to
from tests.support.slack_requests import reaction_event
from tests.support.slack_service import (
    EVERY_SECOND,
    SECRET,
    Bot,
    destination,
    eventually,
    running_bot,
    slack_env,
    wait_for,
)

KEY = Fernet.generate_key().decode()
T1_TOKEN = "xoxb-team-one-0123456789-abcdefABCDEF"
T2_TOKEN = "xoxb-team-two-9876543210-ZYXWVUzyxwvu"
T9_TOKEN = "xoxb-team-nine-1357924680-QwErTyqWeRtY"
GOV_AUTHORIZE = "https://slack-gov.com/oauth/v2/authorize"


@pytest.fixture
async def api() -> AsyncIterator[SlackApi]:
    async with slack_api() as api:
        api.oauth_codes["code-one"] = api.workspace(
            "T1", T1_TOKEN, bot_user="UBOT1", admins={"UADMIN1"}
        )
        api.oauth_codes["code-two"] = api.workspace(
            "T2", T2_TOKEN, bot_user="UBOT2", admins={"UADMIN2"}
        )
        yield api


def _oauth_env(api: SlackApi) -> dict[str, str]:
    env = slack_env(api, SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET="client-secret")
    del env["SLACK_BOT_TOKEN"]
    env["PAPERBOT_SECRET_KEY"] = f"{KEY},{Fernet.generate_key().decode()}"
    return env


def _watching(
    api: SlackApi, tmp_path: Path, database_url: str, config: str
) -> AbstractAsyncContextManager[Bot]:
    """paperbot with OAuth, reading its notes folder every 0.1 s (a day written is in at once)."""
    return running_bot(
        api,
        tmp_path,
        database_url,
        config=config,
        env=_oauth_env(api),
        ready="Slack: OAuth",
        extra_args=("--ingest-every", "0.1"),
    )


async def _install(
    bot: Bot, code: str, authorize: str = "https://slack.com/oauth/v2/authorize"
) -> str:
    """Open /slack/install (its link to Slack's `authorize` page), follow Slack's redirect back
    with `code`; the final page's text."""
    base = f"http://127.0.0.1:{bot.port}"
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/slack/install") as page:
            assert page.status == 200
            html = await page.text()
            cookie = page.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([\w-]+)", html)
        assert state is not None and "client_id=1111.2222" in html
        assert f'href="{authorize}?' in html
        scopes = "scope=chat:write,commands,im:write,reactions:read,reactions:write,users:read"
        assert scopes in html.replace("%3A", ":").replace("%2C", ",")
        back = f"{base}/slack/oauth_redirect?code={code}&state={state.group(1)}"
        async with session.get(back, headers={"Cookie": cookie}) as done:
            assert done.status == 200, await done.text()
            return await done.text()


async def test_two_workspaces_each_get_digests_with_their_own_token(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    config = (
        "[delivery]\npause_after_failures = 1000\n"
        + destination("C1", layout="inline")
        + destination("C2", layout="inline").replace('"T1"', '"T2"')
    )
    async with running_bot(
        api, tmp_path, database_url, config=config, env=_oauth_env(api), ready="Slack: OAuth"
    ) as bot:
        await _install(bot, "code-one")
        await _install(bot, "code-two")
        exchanges = api.called("oauth.v2.access")
        assert [c.args["code"] for c in exchanges] == ["code-one", "code-two"]
        assert all(c.args["client_id"] == "1111.2222" for c in exchanges)
        assert all(c.args["client_secret"] == "client-secret" for c in exchanges)

        def sent_to(channel: str) -> list[str]:
            posts = api.called("chat.postMessage")
            return [c.token for c in posts if c.args["channel"] == channel and c.answer.get("ok")]

        await wait_for(lambda: sent_to("C1") and sent_to("C2"))
        assert set(sent_to("C1")) == {T1_TOKEN} and set(sent_to("C2")) == {T2_TOKEN}

        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                stored = (await conn.execute(text("SELECT bot_token FROM slack_bots"))).all()
                installs = await conn.execute(text("SELECT team_id FROM slack_installations"))
                assert sorted(r[0] for r in installs) == ["T1", "T2"]
        finally:
            await engine.dispose()
        assert len(stored) == 2
        assert all(r[0].startswith("gAAAA") and "xoxb" not in r[0] for r in stored)
        if database_url.startswith("sqlite"):
            raw = b"".join(p.read_bytes() for p in tmp_path.glob("*.sqlite3*"))
            assert T1_TOKEN.encode() not in raw and T2_TOKEN.encode() not in raw

        asked = await slack_service.ask(
            api, bot.sender, "channel show", team="T2", channel="C2", user="UADMIN2"
        )
        assert asked["response_type"] == "ephemeral"
        (lookup,) = api.called("users.info")
        assert lookup.token == T2_TOKEN and lookup.args["user"] == "UADMIN2"

        uninstall = bot.sender.event_body({"type": "app_uninstalled"}, team="T2")
        assert (await bot.sender.send(uninstall, "application/json")).status == 200
        await wait_for(lambda: "Slack workspace T2: app_uninstalled" in bot.logged())
        engine = make_engine(database_url)
        try:
            async with engine.connect() as conn:
                teams = await conn.execute(text("SELECT team_id FROM slack_bots"))
                assert [r[0] for r in teams] == ["T1"]
                paused = await conn.execute(
                    text("SELECT key, paused, pause_reason FROM destination_state")
                )
                state = {r[0]: (r[1], r[2]) for r in paused}
        finally:
            await engine.dispose()
        assert state["slack:T2:C2"][0] and "app_uninstalled" in state["slack:T2:C2"][1]
        assert not state.get("slack:T1:C1", (False, ""))[0]
    assert api.problems == []
    assert SECRET not in bot.logged() and T1_TOKEN not in bot.logged() and KEY not in bot.logged()


async def test_the_bot_s_own_menu_numbers_are_not_a_person_s_after_a_restart(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    env = {**_oauth_env(api), "SLACK_AUTHORIZE_URL": GOV_AUTHORIZE}  # GovSlack's, say
    async with running_bot(api, tmp_path, database_url, env=env, ready="Slack: OAuth") as bot:
        await _install(bot, "code-one", GOV_AUTHORIZE)
        await slack_service.ask(
            api, bot.sender, "tags menu", team="T1", channel="C1", user="UADMIN1"
        )
        await wait_for(lambda: len(api.called("reactions.add")) == 4)
        ts = api.called("chat.postMessage")[0].answer["ts"]
        api.react("C1", ts, "two", "U7")  # (the stand-in lists the bot's numbers itself)
        for user, number in (("UBOT1", "one"), ("U7", "two")):  # Slack's events for both
            event = reaction_event(channel="C1", ts=ts, user=user, emoji=number)
            assert (await bot.sender.event(event, team="T1")).status == 200
        await wait_for(lambda: api.called("chat.postEphemeral"))
    assert [c.args["user"] for c in api.called("chat.postEphemeral")] == ["U7"]
    asked = len(api.called("auth.test"))
    async with running_bot(api, tmp_path, database_url, env=env, ready="Slack: OAuth") as bot:
        await bot.reconciled()
        assert "0 reactions added and 0 removed" in bot.logged()  # not its own four numbers
        assert len(api.called("auth.test")) == asked  # known from the installation, not asked
        listed = await slack_service.ask(
            api, bot.sender, "subscriptions", team="T1", channel="C1", user="UBOT1"
        )
        assert "구독 중인 것이 없습니다" in str(listed)
    assert api.called("reactions.get") and len(api.called("chat.postEphemeral")) == 1
    assert api.problems == []


@pytest.mark.parametrize("lost", ["uninstalled", "revoked while stopped"])
async def test_a_workspace_that_is_gone_does_not_stop_the_others_reconcile(
    api: SlackApi, tmp_path: Path, database_url: str, lost: str
) -> None:
    """T2 removed the app (its installation is forgotten), or revoked the token while paperbot
    was stopped (Slack answers `invalid_auth`): its recent digest cannot be read any more, which
    must not end the pass before T1's bell added while paperbot was stopped is found."""
    config = (
        "[delivery]\npause_after_failures = 1000\n"
        + destination("C2").replace('"T1"', '"T2"')
        + destination("C1")
    )  # a header and one reply per paper in each
    env = _oauth_env(api)
    async with running_bot(
        api, tmp_path, database_url, config=config, env=env, ready="Slack: OAuth"
    ) as bot:
        await _install(bot, "code-two")
        await _install(bot, "code-one")

        def posted(channel: str) -> list[str]:
            posts = api.called("chat.postMessage")
            return [
                c.answer["ts"] for c in posts if c.args["channel"] == channel and c.answer.get("ok")
            ]

        await wait_for(lambda: len(posted("C1")) == len(posted("C2")) == 4)
        if lost == "uninstalled":
            uninstall = bot.sender.event_body({"type": "app_uninstalled"}, team="T2")
            assert (await bot.sender.send(uninstall, "application/json")).status == 200
            await wait_for(lambda: "Slack workspace T2: app_uninstalled" in bot.logged())
    if lost == "revoked while stopped":
        del api.workspaces[T2_TOKEN]  # no tokens_revoked event reaches a stopped paperbot
    api.react("C1", posted("C1")[1], "bell", "U5")  # on the #rlhf paper, while stopped
    async with running_bot(
        api, tmp_path, database_url, config=config, env=env, ready="Slack: OAuth"
    ) as bot:
        await wait_for(lambda: "slack reconcile: " in bot.logged() or "pass failed" in bot.logged())
        assert "slack reconcile: 6 messages read (3 unreadable), 1 reactions added" in bot.logged()
        listed = await slack_service.ask(
            api, bot.sender, "subscriptions", team="T1", channel="C1", user="U5"
        )
        assert "tag:rlhf" in str(listed)
    assert api.problems == []


def _said(answer: dict[str, Any]) -> str:
    """A `/paper` answer's text as the Slack user reads it (its section blocks)."""
    return "\n".join(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")


DAYS = {
    day: (Entry(title, commentary="보상 모델.", tags=("rlhf",)),)
    for day, title in (
        ("2024-10-01", "Reward Models Before"),
        ("2024-10-02", "Reward Models While Gone"),
        ("2024-10-03", "Reward Models After"),
    )
}


@pytest.mark.parametrize(
    "event",
    [{"type": "app_uninstalled"}, {"type": "tokens_revoked", "tokens": {"bot": ["UBOT2"]}}],
    ids=["app_uninstalled", "tokens_revoked"],
)
async def test_a_reinstall_resumes_exactly_what_its_uninstall_paused(
    api: SlackApi, tmp_path: Path, database_url: str, event: dict[str, Any]
) -> None:
    """T2 removes the app and installs it again through the OAuth redirect: the channel (C2)
    and the DM digest (U5) its removal paused resume, with the notes of the gap once, U5's
    notice dropped, and the admin channel told once in its language; a channel paused by hand
    (C3), one paused by its own error (C4, `not_in_channel`) and a DM refused for the person's
    own reason (U7, `restricted_action`, still to tell at their next `/paper`) stay paused. A
    disabled channel (C5) is neither paused nor counted: it was, and the alert counted it."""
    code = event["type"]
    notes = tmp_path / "notes"
    config = '[delivery]\npause_after_failures = 1\nadmin_channel = "slack:T1:CADMIN"\n'
    async with _watching(api, tmp_path, database_url, config) as bot:
        await _install(bot, "code-one")
        await _install(bot, "code-two")
        engine = make_engine(database_url)
        try:  # no command pauses a channel: by hand is `set_paused` with no code
            await SqlDestinationStore(engine).set_paused(
                "slack:T2:C3", True, "paused by hand", datetime.now(UTC)
            )
        finally:
            await engine.dispose()
        api.fail("chat.postMessage", error="not_in_channel", channel="C4")
        api.fail("chat.postMessage", error="restricted_action", channel="DU7")

        async def ask(text: str, team: str, channel: str, user: str) -> None:
            await slack_service.ask(api, bot.sender, text, team=team, channel=channel, user=user)

        await ask("channel set disable", "T2", "C5", "UADMIN2")  # first: it never posts
        for channel in ("C2", "C3", "C4", "C5"):  # set from chat: one message, every second
            await ask("channel set layout inline", "T2", channel, "UADMIN2")
            await ask(f'channel set schedule "{EVERY_SECOND}"', "T2", channel, "UADMIN2")
        for team, user in (("T2", "U5"), ("T2", "U7"), ("T1", "U6")):
            for asked in ("subscribe tag:rlhf", "subscriptions cadence instant"):
                await ask(asked, team, f"C{team[1]}", user)

        def posts(channel: str, title: str = "") -> list[Any]:
            return [c for c in to(api, "chat.postMessage", channel) if title in shown(c)]

        def day(name: str) -> None:
            (notes / f"{name}.txt").write_text(notes_text(name, DAYS[name]), "utf-8")

        def replies(dm: str, title: str) -> list[Any]:  # a DM's header lists every title
            return [c for c in posts(dm, title) if c.args.get("thread_ts")]

        def sent_before() -> bool:  # each run done: C2's one message, U5's DM with its reply
            return bool(posts("C2", "Before") and replies("DU5", "Before"))

        day("2024-10-01")
        await wait_for(sent_before)

        async def own_pauses() -> bool:
            c4, u7 = [await _state(database_url, f"slack:T2:{k}") for k in ("C4", "@U7")]
            return c4 == (True, "not_in_channel") and u7 == (True, "restricted_action")

        await eventually(own_pauses)

        gone = bot.sender.event_body(event, team="T2")
        assert (await bot.sender.send(gone, "application/json")).status == 200
        await wait_for(lambda: "paused slack:T2: Slack workspace T2" in bot.logged())
        assert "(1 channels, the DM digests of 1 people)" in bot.logged()  # C2 and U5 only
        paused = {
            key: await _state(database_url, key)
            for key in (
                "slack:T2:C2",
                "slack:T2:C3",
                "slack:T2:C4",
                "slack:T2:C5",
                "slack:T2:@U5",
                "slack:T2:@U7",
            )
        }
        assert paused == {
            "slack:T2:C2": (True, code),
            "slack:T2:C3": (True, None),
            "slack:T2:C4": (True, "not_in_channel"),
            "slack:T2:C5": (False, None),  # disabled: neither paused nor counted
            "slack:T2:@U5": (True, code),
            "slack:T2:@U7": (True, "restricted_action"),
        }, paused
        day("2024-10-02")
        await wait_for(lambda: posts("DU6", "While Gone"))  # ingested: T1 has it

        api.oauth_codes["code-again"] = api.workspaces[T2_TOKEN]
        await _install(bot, "code-again")
        resumed = {key: await _state(database_url, key) for key in paused}
        assert resumed == {**paused, "slack:T2:C2": (False, None), "slack:T2:@U5": (False, None)}

        def told_back() -> list[str]:
            said = [shown(c) for c in to(api, "chat.postMessage", "CADMIN")]
            return [s for s in said if "다시 설치되어" in s]

        await wait_for(told_back)
        (alert,) = told_back()
        assert "slack:T2" in alert, alert
        assert "채널 1개와 1명의 DM 다이제스트를 다시 켰습니다" in alert
        await wait_for(lambda: posts("C2", "While Gone"))  # its next second
        day("2024-10-03")
        await wait_for(lambda: posts("C2", "After") and replies("DU5", "After"))
        assert len(posts("C2", "While Gone")) == len(replies("DU5", "While Gone")) == 1  # once
        assert posts("C3") == posts("C5") == [] and len(posts("C4")) == len(posts("DU7")) == 1

        await ask("tags", "T2", "C2", "U5")
        await ask("tags", "T2", "C2", "U7")

        def notices(user: str) -> list[str]:
            said = [c for c in to(api, "chat.postEphemeral", "C2") if c.args["user"] == user]
            return [shown(c) for c in said if "📭" in shown(c)]

        await wait_for(lambda: notices("U7"))  # U7's stays to tell: their DMs are still off
        assert notices("U5") == []  # U5's was dropped: their DMs are back
        assert len(told_back()) == 1
        assert {key: await _state(database_url, key) for key in paused} == resumed
    assert api.problems == []


@pytest.mark.parametrize("admin", ["T1", "T2"])
async def test_an_uninstall_pauses_its_peoples_dms_with_its_code_and_tries_no_dm(
    api: SlackApi, tmp_path: Path, database_url: str, admin: str
) -> None:
    """T2 removes the app: U5's DM digest there is paused at once with `app_uninstalled` (no
    DM is tried: the workspace cannot be reached), the admin channel is told why (when it is in
    T1: one in T2 cannot be reached either, and is not tried); T2's reinstall resumes U5's DMs
    with the note of the gap, unasked, and tells the admin channel (in T2 too: it is back).
    U6's DMs in T1 go on throughout."""
    notes = tmp_path / "notes"
    config = f'[delivery]\nadmin_channel = "slack:{admin}:CADMIN"\n'
    async with _watching(api, tmp_path, database_url, config) as bot:
        await _install(bot, "code-one")
        await _install(bot, "code-two")
        for team, user in (("T2", "U5"), ("T1", "U6")):
            for asked in ("subscribe tag:rlhf", "subscriptions cadence instant"):
                await slack_service.ask(
                    api, bot.sender, asked, team=team, channel=f"C{team[1]}", user=user
                )

        def dms(channel: str, title: str) -> list[Any]:
            return [c for c in to(api, "chat.postMessage", channel) if title in shown(c)]

        def day(name: str) -> None:
            (notes / f"{name}.txt").write_text(notes_text(name, DAYS[name]), "utf-8")

        day("2024-10-01")
        await wait_for(lambda: dms("DU5", "Before") and dms("DU6", "Before"))

        gone = bot.sender.event_body({"type": "app_uninstalled"}, team="T2")
        assert (await bot.sender.send(gone, "application/json")).status == 200
        await wait_for(lambda: "paused slack:T2: Slack workspace T2" in bot.logged())
        assert "(0 channels, the DM digests of 1 people)" in bot.logged()
        if admin == "T1":
            await wait_for(lambda: to(api, "chat.postMessage", "CADMIN"))
            (alert,) = to(api, "chat.postMessage", "CADMIN")
            assert alert.token == T1_TOKEN
            said = shown(alert)
            assert "slack:T2" in said and "[app_uninstalled]" in said, said
            assert "채널 0개와 1명의 DM 다이제스트를 멈췄습니다" in said, said
            assert "/slack/install" in said  # the admin's advice: reinstall
        t2_calls = len([c for c in api.calls if c.token == T2_TOKEN])

        day("2024-10-02")
        await wait_for(lambda: dms("DU6", "While Gone"))
        if admin == "T2":  # not tried: the admin channel is in the workspace that is gone
            assert to(api, "chat.postMessage", "CADMIN") == []
            assert "could not tell the admin channel" not in bot.logged()
        assert [c for c in api.calls if c.token == T2_TOKEN][t2_calls:] == []  # no DM tried
        state = await _state(database_url, "slack:T2:@U5")
        assert state == (True, "app_uninstalled"), state
        assert await _runs(database_url, "slack:T2:@U5") == 1  # the first DM only: none failed

        api.oauth_codes["code-again"] = api.workspaces[T2_TOKEN]
        await _install(bot, "code-again")
        assert await _state(database_url, "slack:T2:@U5") == (False, None)  # nothing to ask

        def told_back() -> list[Any]:
            return [c for c in to(api, "chat.postMessage", "CADMIN") if "다시 설치되어" in shown(c)]

        await wait_for(told_back)
        (back,) = told_back()  # T2's own admin channel can be reached again
        assert back.token == (T1_TOKEN if admin == "T1" else T2_TOKEN)
        assert "채널 0개와 1명의 DM 다이제스트를" in shown(back), shown(back)
        day("2024-10-03")
        await wait_for(lambda: [c for c in dms("DU5", "After") if c.args.get("thread_ts")])
        replies = [c for c in dms("DU5", "While Gone") if c.args.get("thread_ts")]  # no headers
        assert len(replies) == 1  # nothing lost: the note of the gap comes too, once
    assert api.problems == []


async def _state(database_url: str, key: str) -> tuple[bool, str | None]:
    """Whether `key` is paused, and the code (a destination that never ran: not paused)."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT paused, pause_code FROM destination_state WHERE key = :key"),
                    {"key": key},
                )
            ).first()
    finally:
        await engine.dispose()
    return (False, None) if row is None else (bool(row[0]), row[1])


async def _runs(database_url: str, key: str) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = text("SELECT count(*) FROM digest_runs WHERE destination_key = :key")
            return int((await conn.execute(query, {"key": key})).scalar_one())
    finally:
        await engine.dispose()


async def test_a_workspace_that_never_installed_the_app_is_paused_with_not_installed_until_it_does(
    api: SlackApi, tmp_path: Path, database_url: str
) -> None:
    """OAuth: C9 is declared in T9, which never installed the app (no installation stored, so
    no bot token). Its digests failed with no code: the pause kept none, the admin alert had no
    advice, and T9's install resumed nothing. Each run now fails with `not_installed`
    (permanent, nothing sent to Slack), the pause keeps that code, the admin channel is told
    the workspace and where to install the app, and T9's install resumes C9, whose digest comes
    with T9's own token."""
    admin = '[delivery]\npause_after_failures = 2\nadmin_channel = "slack:T1:CADMIN"\n'
    async with running_bot(
        api, tmp_path, database_url, config=admin, env=_oauth_env(api), ready="Slack: OAuth"
    ) as bot:
        await _install(bot, "code-one")  # the admin channel's workspace, before C9 is declared
    api.oauth_codes["code-nine"] = api.workspace("T9", T9_TOKEN, bot_user="UBOT9")
    config = admin + destination("C9", layout="inline").replace('"T1"', '"T9"')
    async with running_bot(
        api, tmp_path, database_url, config=config, env=_oauth_env(api), ready="Slack: OAuth"
    ) as bot:

        async def paused() -> bool:
            return await _state(database_url, "slack:T9:C9") == (True, "not_installed")

        await eventually(paused)
        errors = await _errors(database_url, "slack:T9:C9")
        assert len(errors) >= 2 and all(e.startswith("not_installed: ") for e in errors), errors
        assert "T9" in errors[0] and "/slack/install" in errors[0], errors
        await wait_for(lambda: to(api, "chat.postMessage", "CADMIN"))
        (alert,) = to(api, "chat.postMessage", "CADMIN")
        said = shown(alert)
        assert alert.token == T1_TOKEN and "slack:T9:C9" in said and "[not_installed]" in said
        assert "워크스페이스 T9 에 앱이 설치되어 있지 않습니다" in said, said  # its language
        assert "이 서비스의 `https://…/slack/install` 에서 앱을 설치하면" in said, said
        assert not [c for c in api.calls if c.args.get("channel") == "C9"]  # no token to try

        await _install(bot, "code-nine")
        assert await _state(database_url, "slack:T9:C9") == (False, None)
        await wait_for(lambda: [c for c in to(api, "chat.postMessage", "C9") if c.answer["ok"]])
        assert {c.token for c in to(api, "chat.postMessage", "C9")} == {T9_TOKEN}

        def told_back() -> list[str]:
            said = [shown(c) for c in to(api, "chat.postMessage", "CADMIN")]
            return [s for s in said if "다시 설치되어" in s]

        await wait_for(told_back)
        assert "slack:T9" in told_back()[0] and "채널 1개와" in told_back()[0], told_back()
    assert api.problems == []


async def _errors(database_url: str, key: str) -> list[str]:
    """The errors the ledger recorded for `key`'s failed runs, oldest first."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            query = text(
                "SELECT error FROM digest_runs WHERE destination_key = :key AND error != ''"
                " ORDER BY id"
            )
            return [str(r[0]) for r in await conn.execute(query, {"key": key})]
    finally:
        await engine.dispose()
