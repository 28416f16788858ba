"""Help content and example queries, in Korean and English."""

from __future__ import annotations

from bot.replies import HelpView

__all__ = ["EXAMPLE_QUERIES", "help_view"]

EXAMPLE_QUERIES = ("tag:rlhf", "가중치 평균", 'author:"Sanjeev Arora" since:2024-01')
"""Shown with every error: one filter, one Korean keyword search, one author and date."""

_TOPICS = (
    (
        "가중치 평균",
        "단어로 검색 (제목·태그 일치가 먼저)",
        "keywords, ranked (title and tag matches first)",
    ),
    ('"weight averaging"', "정확한 구절", "an exact phrase"),
    ("tag:rlhf  #rlhf", "태그로 거르기", "notes with a tag"),
    ("tag:rlhf,dpo", "둘 중 하나의 태그", "either tag"),
    ("-tag:survey", "태그 제외", "leave a tag out"),
    (
        'author:arora  author:"Sanjeev Arora"',
        "저자 (이름 일부도 가능)",
        "an author, any part of a name",
    ),
    ("since:2024-06  until:2024-06-30", "기간 (월 또는 날짜)", "a date range (month or day)"),
    ("date:2024-06-10", "특정 날짜 또는 달", "one day or month"),
    ("id:2024-02-29-llama-3", "한 항목 전체 보기", "one entry in full"),
    ("tags", "태그 목록과 개수", "every tag with its count"),
    ("help", "이 도움말", "this help"),
)


def help_view(locale: str) -> HelpView:
    """The grammar with what each form does, in `locale` (Korean unless it starts with `en`)."""
    english = locale.lower().startswith("en")
    return HelpView(
        examples=tuple(syntax for syntax, _, _ in _TOPICS),
        meanings=tuple(en if english else ko for _, ko, en in _TOPICS),
    )
