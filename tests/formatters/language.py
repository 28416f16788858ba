"""Whether a text a person reads is in one language: no Hangul in English, and in Korean no Latin
word outside what is not language (commands, query keys, tags, ids, codes, quoted examples)."""

from __future__ import annotations

import re

from bot.search.query import KEYS

HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_NOT_LANGUAGE = re.compile(
    "|".join(
        [
            r"https?://\S+",
            r"`[^`]*`",
            r'"[^"]*"',  # quoted examples: "0 9 * * 1-5", "weight averaging"
            r"paperbot deliveries",
            rf"-?\b(?:{'|'.join(KEYS)}):\S*",  # query keys and values: tag:rlhf, id:<id>, since:
            r"-?#\S+",  # tags
            r"\b\d{4}-\d{2}(?:-\d{2})?(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:\d{2})?)?",
            r"/paper\b",  # a command: its words are in ALLOWED_LATIN
        ]
    )
)
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z/_-]*[A-Za-z]")
ALLOWED_LATIN = frozenset(
    {
        # codes and names that are the same in every language
        "YYYY-MM",
        "YYYY-MM-DD",
        "IANA",
        "cron",
        "Asia/Seoul",
        "thread",
        "inline",
        "ko",
        "en",
        "id",
        # /paper sub-commands and channel settings, typed as they are
        "help",
        "tags",
        "next",
        "prev",
        "share",
        "digest",
        "preview",
        "now",
        "channel",
        "show",
        "set",
        "enable",
        "disable",
        "schedule",
        "timezone",
        "filter",
        "layout",
        "locale",
        # subscription sub-commands and cadences (bot/commands/subscribe.py)
        "subscribe",
        "unsubscribe",
        "subscriptions",
        "cadence",
        "instant",
        "daily",
        "weekly",
        "all",
        "DM",
    }
)


def foreign_words(text: str, locale: str) -> list[str]:
    """What in `text` is not in `locale`'s language (empty when it is one language)."""
    if locale == "en":
        return HANGUL.findall(text)
    rest = _NOT_LANGUAGE.sub(" ", text)
    return [w for w in _LATIN_WORD.findall(rest) if w not in ALLOWED_LATIN]
