from datetime import date

import pytest

from bot.digest.filters import parse_tag_filter
from bot.errors import ConfigError
from tests.support.delivery import note

DAY = date(2024, 9, 20)


@pytest.mark.parametrize(
    ("text", "tags", "expected"),
    [
        ("", ("any",), True),
        ("tag:rlhf,alignment", ("alignment",), True),
        ("tag:rlhf,alignment", ("survey",), False),
        ("tag:rlhf,alignment -tag:survey", ("rlhf", "survey"), False),
        ("-tag:survey", ("rl",), True),
        ("tag:rl tag:reasoning", ("rl",), False),
        ("tag:rl tag:reasoning", ("rl", "reasoning"), True),
        ("tag:#RLHF", ("rlhf",), True),
        # Tags are keys (README, notes format): a filter spells them as notes and searches do.
        ("tag:Reward_Model", ("reward-model",), True),
        ("tag:rlhf -tag:Efficient_Training", ("rlhf", "efficient-training"), False),
        ("tag:ｒｌｈｆ", ("rlhf",), True),
    ],
)
def test_tag_filter_matches(text: str, tags: tuple[str, ...], expected: bool) -> None:
    assert parse_tag_filter(text).matches(note(DAY, "x", *tags)) is expected


@pytest.mark.parametrize("text", ["author:kim", "reward", "tag:", "since:2024-01"])
def test_unsupported_terms_are_clear_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="filter"):
        parse_tag_filter(text)
