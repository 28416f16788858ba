"""Ids that tie log lines together: a run id for every line of a digest run, a request id for
every line of a `/paper` command.

Context variables follow the asyncio task that set them (and the tasks it starts), so a line
logged deep in the store or an adapter carries the id without anyone passing it along; the
log formatter (bot/cli_logging.py) reads them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["current_ids", "request_scope", "run_scope"]

_run_id: ContextVar[str | None] = ContextVar("paperbot_run_id", default=None)
_request_id: ContextVar[str | None] = ContextVar("paperbot_request_id", default=None)


def _new_id() -> str:
    return uuid.uuid4().hex[:16]


@contextmanager
def request_scope() -> Iterator[str]:
    """Inside: a request id (the one already set by the platform edge, else a new one)."""
    existing = _request_id.get()
    if existing is not None:
        yield existing
        return
    token = _request_id.set(_new_id())
    try:
        yield _request_id.get() or ""
    finally:
        _request_id.reset(token)


@contextmanager
def run_scope() -> Iterator[str]:
    """Inside: a new run id, for one digest run of one destination."""
    token = _run_id.set(_new_id())
    try:
        yield _run_id.get() or ""
    finally:
        _run_id.reset(token)


def current_ids() -> dict[str, str]:
    """The ids set here and now (`run_id`, `request_id`), for a log line."""
    found = {"run_id": _run_id.get(), "request_id": _request_id.get()}
    return {key: value for key, value in found.items() if value is not None}
