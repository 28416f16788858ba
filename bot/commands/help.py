"""Help content and example queries; the words come from the UI catalogue in the user's language."""

from __future__ import annotations

from bot.replies import HelpView, Text, msg

__all__ = ["EXAMPLE_QUERIES", "example_queries", "help_view"]

_EXAMPLE_WORDS = {"ko": "가중치 평균", "en": "weight averaging"}
"""The keyword example in each language (a Korean one would be Hangul in an English reply)."""

_TOPICS = (
    ("{words}", "help.words"),
    ('"weight averaging"', "help.phrase"),
    ("tag:rlhf  #rlhf", "help.tag"),
    ("tag:rlhf,dpo", "help.either"),
    ("-tag:survey", "help.exclude"),
    ('author:arora  author:"Sanjeev Arora"', "help.author"),
    ("since:2024-06  until:2024-06-30", "help.dates"),
    ("date:2024-06-10", "help.date"),
    ("id:2024-02-29-llama-3", "help.id"),
    ("tags", "help.tags"),
    ("next  prev", "help.paging"),
    ("share id:2024-02-29-llama-3", "help.share"),
    ("subscribe tag:rlhf", "help.subscribe"),
    ("unsubscribe tag:rlhf  unsubscribe all", "help.unsubscribe"),
    ("subscriptions", "help.subscriptions"),
    ("subscriptions cadence weekly 09:00", "help.cadence"),
    ("help", "help.help"),
)


def _words(locale: str) -> str:
    return _EXAMPLE_WORDS["en" if locale.lower().startswith("en") else "ko"]


def example_queries(locale: str) -> tuple[str, ...]:
    """Shown with every error: one filter, one keyword search, one author and date."""
    return ("tag:rlhf", _words(locale), 'author:"Sanjeev Arora" since:2024-01')


EXAMPLE_QUERIES = example_queries("ko")
"""The examples `paperbot search` prints (Korean keywords show the bilingual search)."""


def help_view(locale: str) -> HelpView:
    """The grammar with what each form does (the meanings are said in the reply's locale)."""
    meanings: tuple[Text, ...] = tuple(msg(key) for _, key in _TOPICS)
    examples = tuple(syntax.format(words=_words(locale)) for syntax, _ in _TOPICS)
    return HelpView(examples=examples, meanings=meanings)
