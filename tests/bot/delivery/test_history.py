"""`paperbot deliveries` lists runs with status and errors, per destination if asked."""

import asyncio
from datetime import date
from pathlib import Path

import pytest

from bot.app import App
from bot.cli import main
from tests.support.clock import FixedClock
from tests.support.delivery import dest, note, put_day, wire
from tests.support.transport import RecordingTransport

DAY = date(2024, 9, 20)


async def test_deliveries_lists_runs_with_errors(
    app: App, clock: FixedClock, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await put_day(app, DAY, [note(DAY, "a")])
    transport = RecordingTransport()
    transport.fail_always("console:T1:BAD", "channel_not_found")
    delivery, _ = wire(app, transport, clock)
    await delivery.runner.run(dest("OK"), "slot:2024-09-20T09:00")
    await delivery.runner.run(dest("BAD"), "slot:2024-09-20T09:00")

    assert await _cli(["deliveries", "--database-url", database_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("started (UTC)")
    lines = {line.split()[2]: line for line in out[1:]}
    assert "sent" in lines["console:T1:OK"] and "2/2" in lines["console:T1:OK"]
    assert "failed" in lines["console:T1:BAD"] and "channel_not_found" in lines["console:T1:BAD"]

    assert (
        await _cli(["deliveries", "--database-url", database_url, "--destination", "console:T1:OK"])
        == 0
    )
    only = capsys.readouterr().out.splitlines()
    assert len(only) == 2 and "console:T1:OK" in only[1]


async def _cli(argv: list[str]) -> int:
    return await asyncio.to_thread(main, argv)


async def test_an_unknown_destination_is_refused_naming_the_option_and_the_known_keys(
    app: App,
    clock: FixedClock,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A typo is exit 2 with the keys it could have meant; a known destination that has not run
    yet (declared in the config file) is not an error, only "no runs yet"."""
    config = tmp_path / "paperbot.toml"
    config.write_text(
        '[[destinations]]\nplatform = "console"\nworkspace = "T1"\nchannel = "QUIET"\n', "utf-8"
    )
    monkeypatch.setenv("PAPERBOT_CONFIG", str(config))
    await put_day(app, DAY, [note(DAY, "a")])
    delivery, _ = wire(app, RecordingTransport(), clock)
    await delivery.runner.run(dest("OK"), "slot:2024-09-20T09:00")

    typo = ["deliveries", "--database-url", database_url, "--destination", "console:T1:O"]
    assert await _cli(typo) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "paperbot: --destination: 'console:T1:O' is not a destination here (known: "
        "console:T1:OK, console:T1:QUIET; a key is platform:workspace:channel)\n"
    )

    quiet = ["deliveries", "--database-url", database_url, "--destination", "console:T1:QUIET"]
    assert await _cli(quiet) == 0
    assert capsys.readouterr().out == "no digest runs yet for console:T1:QUIET\n"
