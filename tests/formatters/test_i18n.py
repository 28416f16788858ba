"""The UI string catalogue: both locales complete, placeholders consistent, English fallback."""

from __future__ import annotations

import string

from formatters.i18n import LOCALES, Catalogue, catalogue


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_locale_has_the_same_keys() -> None:
    keys = {locale: catalogue().keys(locale) for locale in LOCALES}
    assert keys["ko"] == keys["en"]
    assert len(keys["en"]) > 20


def test_placeholders_match_across_locales() -> None:
    strings = catalogue()
    for key in strings.keys("en"):
        ko = strings._strings["ko"][key]
        en = strings._strings["en"][key]
        assert _fields(ko) == _fields(en), key


def test_unknown_locale_and_missing_key_fall_back_to_english() -> None:
    strings = Catalogue({"en": {"a": "A {n}"}, "ko": {}})
    assert strings.t("fr", "a", n=1) == "A 1"
    assert strings.t("ko", "a", n=2) == "A 2"
