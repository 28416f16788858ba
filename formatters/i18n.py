"""One catalogue of UI strings in Korean and English (`locales/*.toml`, shipped as package data)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from functools import cache
from importlib import resources
from string import Formatter

from bot.models import Platform
from bot.replies import Markup, MessageView, Text

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
        return self._template(locale, name).format(**params)

    def text(
        self,
        locale: str,
        message: Text,
        /,
        escape: Callable[[str], str] | None = None,
        platform: Platform | None = None,
    ) -> str:
        """A `Text` from the command core in `locale`; nested `Text` values are said first.

        With `escape` (a renderer's), the sentence and each value are escaped one by one, so a
        `Markup` value of `platform` is said as it is: escaping the whole sentence would show
        the adapter's mention and code spans literally. Without, the raw text (`Markup` too)."""
        if escape is None:
            return self._raw(locale, message)
        template = self._template(locale, message.key)
        said: list[str] = []
        for literal, name, spec, conversion in Formatter().parse(template):
            said.append(escape(literal))
            if name is None:
                continue
            value = message.params[name]
            if isinstance(value, Text):
                said.append(self.text(locale, value, escape, platform))
            elif isinstance(value, Markup):
                said.append(value.text if value.platform == platform else escape(value.text))
            else:
                shown = Formatter().convert_field(value, conversion)
                said.append(escape(format(shown, spec or "")))
        return "".join(said)

    def _raw(self, locale: str, message: Text) -> str:
        params = {
            name: self._raw(locale, value)
            if isinstance(value, Text)
            else value.text
            if isinstance(value, Markup)
            else value
            for name, value in message.params.items()
        }
        return self.t(locale, message.key, **params)

    def _template(self, locale: str, name: str) -> str:
        table = self._strings.get(locale) or self._strings["en"]
        return table.get(name) or self._strings["en"][name]

    def message(
        self,
        locale: str,
        view: MessageView,
        /,
        escape: Callable[[str], str] | None = None,
        platform: Platform | None = None,
    ) -> str:
        """A `MessageView` as lines of text: its verbatim `text`, then its catalogue lines
        (escaped as `text` says, when an `escape` is given)."""
        lines = [view.text] if view.text else []
        if escape is not None:
            lines = [escape(line) for line in lines]
        return "\n".join(lines + [self.text(locale, line, escape, platform) for line in view.lines])


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once per process."""
    return Catalogue.load()
