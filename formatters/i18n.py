"""One catalogue of UI strings in Korean and English (`locales/*.toml`, shipped as package data)."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from string import Formatter

from bot.models import Platform
from bot.replies import Markup, MessageView, Text

__all__ = ["DEFAULT_LOCALE", "LOCALES", "Catalogue", "catalogue"]

DEFAULT_LOCALE = "ko"
LOCALES = ("ko", "en")

_FIELDS = Formatter()
"""Splits a catalogue sentence into its words and `{fields}`, as `str.format` reads it."""


def _as_is(text: str) -> str:
    """No escaping: the raw text (for the terminal, logs and renderers that escape the whole)."""
    return text


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
        return self._template(locale, self._form(name, params)).format(**params)

    def text(
        self,
        locale: str,
        message: Text,
        /,
        escape: Callable[[str], str] = _as_is,
        platform: Platform | None = None,
    ) -> str:
        """A `Text` from the command core in `locale`; nested `Text` values are said first.

        The sentence and each value are escaped one by one with `escape` (a renderer's), so a
        `Markup` value of `platform` is said as it is: escaping the whole sentence would show
        the adapter's mention and code spans literally. Without an escape, the raw text."""
        said: list[str] = []
        template = self._template(locale, self._form(message.key, message.params))
        for literal, name, spec, conversion in _FIELDS.parse(template):
            said.append(escape(literal))
            if name is None:
                continue
            value = message.params[name]
            if isinstance(value, Text):
                said.append(self.text(locale, value, escape, platform))
            elif isinstance(value, Markup):
                said.append(value.text if value.platform == platform else escape(value.text))
            else:
                said.append(escape(format(_FIELDS.convert_field(value, conversion), spec or "")))
        return "".join(said)

    def _form(self, name: str, params: Mapping[str, object]) -> str:
        """`name_one` when the sentence counts exactly one thing (`count=1`) and English has
        a singular for it ("1 paper"); the key itself otherwise (Korean has no plural)."""
        singular = f"{name}_one"
        if params.get("count") == 1 and singular in self._strings["en"]:
            return singular
        return name

    def _template(self, locale: str, name: str) -> str:
        table = self._strings.get(locale) or self._strings["en"]
        return table.get(name) or self._strings["en"][name]

    def message(
        self,
        locale: str,
        view: MessageView,
        /,
        escape: Callable[[str], str] = _as_is,
        platform: Platform | None = None,
    ) -> str:
        """A `MessageView` as lines of text: its verbatim `text`, then its catalogue lines
        (escaped as `text` says)."""
        lines = [escape(view.text)] if view.text else []
        return "\n".join(lines + [self.text(locale, line, escape, platform) for line in view.lines])


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once per process."""
    return Catalogue.load()
