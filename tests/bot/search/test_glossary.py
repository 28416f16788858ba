from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.search.glossary import Glossary, load_glossary
from tests.support.search import project_glossary


def test_project_glossary_has_bilingual_groups_and_abbreviations() -> None:
    glossary = project_glossary()
    for abbreviation in ("moe", "sae", "peft", "kd"):
        group = glossary.synonyms([abbreviation])
        assert group is not None and len(group) >= 2, abbreviation
    assert "weight averaging" in (glossary.synonyms(["가중치", "평균"]) or ())


def test_korean_entries_match_with_or_without_spaces() -> None:
    glossary = Glossary.build([["reinforcement learning", "강화 학습"]])
    assert glossary.synonyms(["강화학습"]) == glossary.synonyms(["강화", "학습"])


def test_a_word_in_two_groups_gets_both() -> None:
    glossary = Glossary.build([["inference", "추론"], ["reasoning", "추론"]])
    assert set(glossary.synonyms(["추론"]) or ()) == {"inference", "reasoning", "추론"}


def test_tag_aliases_are_normalized_and_grouped() -> None:
    glossary = Glossary.build([], [["rlhf", "Preference_Optimization", "#선호최적화"]])
    assert glossary.tag_aliases("preference-optimization") == (
        "preference-optimization",
        "rlhf",
        "선호최적화",
    )
    assert glossary.canonical_tag("선호최적화") == "rlhf"
    assert glossary.tag_aliases("other") == ("other",)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[[synonyms]]\nterms = []\n", "synonyms #1.terms"),
        ("[[synonyms]]\nwords = ['a']\n", "synonyms #1"),
        ("[tag_aliases]\nrlhf = 'dpo'\n", "tag_aliases.rlhf"),
        ("colours = 1\n", "'colours'"),
        ("[[synonyms]\n", "not valid TOML"),
    ],
)
def test_bad_glossary_names_the_key(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_glossary(path)
    assert named in str(caught.value) and str(path) in str(caught.value)


def test_missing_explicit_glossary_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_glossary(tmp_path / "nope.toml")
