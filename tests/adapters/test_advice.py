"""Every platform error code an adapter gives advice for has that sentence in every language."""

from __future__ import annotations

import pytest

from adapters.discord.errors import DM_ADVICE as DISCORD_DM_ADVICE
from adapters.discord.errors import PERMANENT
from adapters.slack.errors import DM_ADVICE, ERRORS
from formatters.i18n import LOCALES, catalogue

ADVISED = (
    {f"advice.slack.{code}" for code, kind in ERRORS.items() if kind.advice}
    | {f"advice.slack.dm.{code}" for code in DM_ADVICE}
    | {f"advice.discord.{code}" for code in PERMANENT}
    | {f"advice.discord.dm.{code}" for code in DISCORD_DM_ADVICE}
)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_advised_code_has_its_sentence_in_each_locale(locale: str) -> None:
    """A missing one would fall back to English in a Korean admin channel."""
    assert len(ADVISED) > 20
    assert ADVISED - catalogue().keys(locale) == set()


def test_no_advice_sentence_outlives_its_code() -> None:
    said = {key for key in catalogue().keys("en") if key.startswith("advice.")}
    assert said == ADVISED


def test_every_dm_sentence_stands_for_an_advised_code() -> None:
    """A person's sentence replaces a channel's: a code with none would say nothing in a DM."""
    assert DM_ADVICE and all(ERRORS[code].advice for code in DM_ADVICE)
    assert DISCORD_DM_ADVICE and PERMANENT.keys() >= DISCORD_DM_ADVICE
