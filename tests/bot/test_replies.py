"""The neutral reply views: paging arithmetic the renderers rely on."""

from __future__ import annotations

import pytest

from bot.replies import Reply, SearchResultsView, TagListView


@pytest.mark.parametrize(
    ("total", "page", "size", "pages", "first"),
    [(0, 1, 5, 1, 1), (5, 1, 5, 1, 1), (12, 2, 5, 3, 6), (12, 3, 5, 3, 11), (7, 1, 0, 7, 1)],
)
def test_pages_and_first_number(total: int, page: int, size: int, pages: int, first: int) -> None:
    view = SearchResultsView("q", (), total, page=page, page_size=size)
    assert (view.pages, view.first_number) == (pages, first)


def test_replies_are_ephemeral_and_korean_by_default() -> None:
    reply = Reply(TagListView(()))
    assert (reply.ephemeral, reply.locale) == (True, "ko")
