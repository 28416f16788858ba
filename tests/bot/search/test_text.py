import pytest

from bot.search.index_terms import text_terms
from bot.search.text import fold, hangul_terms, split_words, stem, strip_particles


@pytest.mark.parametrize(
    ("word", "stem_"),
    [
        ("평가를", "평가"),
        ("데이터셋이", "데이터셋"),
        ("오토인코더가", "오토인코더"),
        ("모델들이", "모델"),
        ("방법들에서", "방법"),  # two stacked suffixes: 에서, then 들
        ("모델들의", "모델"),
    ],
)
def test_particles_come_off_korean_words(word: str, stem_: str) -> None:
    assert strip_particles(word) == stem_


@pytest.mark.parametrize("word", ["평가", "편향", "정렬", "보상"])
def test_two_syllable_words_stay_whole(word: str) -> None:
    assert strip_particles(word) == word


def test_hangul_is_indexed_as_first_syllable_and_bigrams() -> None:
    assert hangul_terms("평가를") == ["평", "평가", "가를"]
    assert "평가" in text_terms("모델의 평가를 진행")


def test_latin_and_hangul_split_where_they_touch() -> None:
    assert split_words("MoE의 RLHF를") == ["moe", "의", "rlhf", "를"]


def test_folding_removes_case_and_accents_but_keeps_hangul() -> None:
    assert fold("Ramé ÉCOLE 평가") == "rame ecole 평가"


@pytest.mark.parametrize(
    ("words", "common"),
    [
        (["averaging", "averaged", "average"], "averag"),
        (["models", "model"], "model"),
        (["autoencoders", "autoencoder"], "autoencoder"),
    ],
)
def test_stemming_merges_inflections(words: list[str], common: str) -> None:
    assert {stem(w) for w in words} == {common}


def test_stopwords_and_single_letters_are_not_indexed() -> None:
    assert text_terms("the a of Transformers") == ["transformer"]
