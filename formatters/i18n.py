"""One catalogue of UI strings in Korean and English (`locales/*.toml`, shipped as package data)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from bot.replies import MessageView, Text

__all__ = ["DEFAULT_LOCALE", "LOCALES", "Catalogue", "catalogue"]

DEFAULT_LOCALE = "ko"
LOCALES = ("ko", "en")


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


class Catalogue:
    """Dotted keys (`digest.title`) to format strings, per locale, with English as the fallback."""

    def __init__(self, strings: dict[str, dict[str, str]]) -> None:
        self._strings = strings

    @classmethod
    def load(cls) -> Catalogue:
        """Read every shipped locale file."""
        folder = resources.files("formatters") / "locales"
        strings = {
            locale: _flatten(tomllib.loads((folder / f"{locale}.toml").read_text("utf-8")))
            for locale in LOCALES
        }
        return cls(strings)

    def keys(self, locale: str) -> set[str]:
        """The keys one locale defines."""
        return set(self._strings.get(locale, {}))

    def t(self, locale: str, name: str, /, **params: object) -> str:
        """The string `name` in `locale` (else English), formatted with `params`."""
        table = self._strings.get(locale) or self._strings["en"]
        template = table.get(name) or self._strings["en"][name]
        return template.format(**params)

    def text(self, locale: str, message: Text, /) -> str:
        """A `Text` from the command core in `locale`; nested `Text` values are said first."""
        params = {
            name: self.text(locale, value) if isinstance(value, Text) else value
            for name, value in message.params.items()
        }
        return self.t(locale, message.key, **params)

    def message(self, locale: str, view: MessageView, /) -> str:
        """A `MessageView` as lines of text: its verbatim `text`, then its catalogue lines."""
        lines = [view.text] if view.text else []
        return "\n".join(lines + [self.text(locale, line) for line in view.lines])


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once per process."""
    return Catalogue.load()
