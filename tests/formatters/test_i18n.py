"""The UI string catalogue: both locales complete, placeholders consistent, English fallback."""

from __future__ import annotations

import string

from bot.replies import msg
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


def test_one_thing_is_counted_in_the_singular_in_english() -> None:
    strings = catalogue()
    assert strings.t("en", "digest.title", days="2024-09-20", count=1).endswith("· 1 paper")
    assert strings.t("en", "digest.title", days="2024-09-20", count=2).endswith("· 2 papers")
    assert strings.t("ko", "digest.title", days="2024-09-20", count=1).endswith("· 1편")
    assert strings.t("en", "menu.posted", count=1) == "Tag menu posted with 1 tag."
    said = strings.text("en", msg("channel.preview", count=1))  # the command core's path
    assert said == "The next digest here holds 1 note."
    for key in strings.keys("en"):  # a singular has its plural, with the same placeholders
        if key.endswith("_one"):
            plural = strings._strings["en"][key.removesuffix("_one")]
            assert _fields(plural) == _fields(strings._strings["en"][key]), key
