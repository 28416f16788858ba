"""Every sample day on every platform and layout matches its reviewed golden file and is valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.models import Layout, Platform
from tests.formatters.renderers import RENDERERS
from tests.support.digests import seed_digest, seed_files
from tests.support.discord_validation import discord_payload_errors
from tests.support.golden import GOLDEN_DIR, check_golden
from tests.support.slack_validation import slack_payload_errors

VALIDATORS = {
    Platform.SLACK: slack_payload_errors,
    Platform.DISCORD: discord_payload_errors,
    Platform.CONSOLE: lambda payload: [] if payload["text"].strip() else ["empty text"],
}


@pytest.mark.parametrize("layout", list(Layout))
@pytest.mark.parametrize("seed", seed_files(), ids=lambda p: p.stem)
@pytest.mark.parametrize("platform", list(Platform))
def test_sample_day_matches_golden_and_is_valid(
    platform: Platform, seed: Path, layout: Layout, update_golden: bool
) -> None:
    digest = seed_digest(seed, layout=layout)
    payloads = [p.to_json() for p in RENDERERS[platform].render_digest(digest)]
    for number, payload in enumerate(payloads):
        assert VALIDATORS[platform](payload) == [], f"message {number}"
    day = digest.days[0].day.isoformat()
    check_golden(
        GOLDEN_DIR / platform.value / f"{day}.{layout.value}.json", payloads, update=update_golden
    )


def test_golden_files_exist_for_every_sample_day() -> None:
    days = {seed_digest(seed).days[0].day.isoformat() for seed in seed_files()}
    assert len(days) == 5
    for platform in Platform:
        names = {p.name for p in (GOLDEN_DIR / platform.value).glob("*.json")}
        assert names == {f"{d}.{layout.value}.json" for d in days for layout in Layout}


@pytest.mark.parametrize("platform", [Platform.SLACK, Platform.DISCORD])
def test_the_readmes_example_digests_are_what_is_sent(platform: Platform) -> None:
    """README, Formatting: docs/example-*-2024-09-20.json are "the whole 2024-09-20 digest"."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    example = json.loads((docs / f"example-{platform.value}-2024-09-20.json").read_text("utf-8"))
    golden = GOLDEN_DIR / platform.value / "2024-09-20.thread.json"
    assert example == json.loads(golden.read_text("utf-8"))
