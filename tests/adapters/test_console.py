"""The terminal channel: prints digests, answers `/paper` lines, only prompts on a terminal."""

from __future__ import annotations

import fcntl
import io
import os
import struct
import termios
from collections.abc import AsyncIterator, Iterable

import pytest

from adapters.console import (
    ConsoleChannel,
    ConsoleTransport,
    command_text,
    stdin_lines,
    terminal_width,
)
from bot.models import Destination, Platform
from bot.payloads import ConsolePayload
from bot.replies import ErrorView, HelpView, Reply, msg
from formatters.console_text import ConsoleRenderer
from tests.support.digests import crafted_digest, crafted_note


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


async def _lines(items: Iterable[str]) -> AsyncIterator[str]:
    for item in items:
        yield item


def _channel(out: io.StringIO, asked: list[str] | None = None) -> ConsoleChannel:
    async def handler(text: str) -> Reply:
        if asked is not None:
            asked.append(text)
        if text == "boom":
            raise RuntimeError("core failed")
        return Reply(HelpView((f"/paper {text}",)), locale="en")

    return ConsoleChannel(ConsoleRenderer(), handler=handler, out=out)


def test_digest_prints_plain_with_thread_replies_indented() -> None:
    out = io.StringIO()
    _channel(out).show_digest(crafted_digest([crafted_note(1)]))
    text = out.getvalue()
    assert "\x1b[" not in text
    assert " 1. Paper 1  #rl #reasoning" in text
    assert "  │  1. Paper 1" in text


def test_colour_on_a_terminal() -> None:
    out = _Tty()
    _channel(out).show_digest(crafted_digest([crafted_note(1)]))
    assert "\x1b[1m" in out.getvalue()


async def test_prompt_answers_paper_lines_and_stops_at_quit() -> None:
    out, asked = io.StringIO(), []
    channel = _channel(out, asked)
    answered = await channel.prompt(_lines(["/paper tag:rl", "", "  ", "tags", ":quit", "x"]))
    assert answered == 2
    assert asked == ["tag:rl", "tags"]
    assert "/paper tag:rl" in out.getvalue()


async def test_a_failing_handler_still_answers_the_person() -> None:
    out = io.StringIO()
    payload = await _channel(out).answer("/paper boom")
    assert payload is not None
    assert "내부 오류가 났습니다" in out.getvalue()  # in the channel's language (Korean default)
    english = _channel(out)
    english.locale = "en"
    await english.answer("/paper boom")
    assert "Something went wrong on our side" in out.getvalue()
    assert "Only you can see this." in out.getvalue()


async def test_without_a_terminal_on_stdin_it_only_prints() -> None:
    out, asked = io.StringIO(), []
    await _channel(out, asked).run(crafted_digest([crafted_note(1)]), stdin=io.StringIO("help\n"))
    assert "Paper 1" in out.getvalue()
    assert asked == []


def test_command_text_strips_the_command_and_defaults_to_help() -> None:
    assert command_text("/paper  tag:rl ") == "tag:rl"
    assert command_text("/paper") == "help"
    assert command_text("   ") is None


async def test_error_replies_render_in_red_on_a_terminal() -> None:
    out = _Tty()

    async def handler(text: str) -> Reply:
        return Reply(ErrorView(msg("error.unknown_command", typed=text)), locale="en")

    await ConsoleChannel(ConsoleRenderer(), handler=handler, out=out).answer("/paper x")
    assert "\x1b[1;31m" in out.getvalue()


async def test_stdin_lines_yields_typed_lines_until_eof(monkeypatch: pytest.MonkeyPatch) -> None:
    typed = iter(["/paper tags", "help"])

    def fake_input(prompt: str) -> str:
        assert prompt == "paper> "
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    assert [line async for line in stdin_lines()] == ["/paper tags", "help"]


class _TtyInput(io.StringIO):
    def isatty(self) -> bool:
        return True


async def test_run_reads_the_stream_it_is_given() -> None:
    out, asked = io.StringIO(), []
    typed = _TtyInput("/paper tags\n\nhelp\n:quit\n/paper never\n")
    await _channel(out, asked).run(None, stdin=typed)
    assert asked == ["tags", "help"]


async def test_an_edit_reprints_the_message_marked_without_internal_ids() -> None:
    out = io.StringIO()
    transport = ConsoleTransport(_channel(out))
    where = Destination(Platform.CONSOLE, "local", "terminal")
    ref = await transport.post(where, ConsolePayload("1. Paper 1", thread=True))
    await transport.edit(ref, ConsolePayload(" 1. Paper 1 (fixed)", thread=True))
    edited = out.getvalue().split("\n\n")[1]
    assert edited == "  │ ✏️  1. Paper 1 (fixed)"
    assert ref.message_id not in out.getvalue()


def test_terminal_width_is_the_terminals_capped_and_full_in_a_pipe() -> None:
    leader, follower = os.openpty()
    try:
        with os.fdopen(follower, "w", closefd=False) as tty:
            for columns, expected in ((70, 66), (200, 96)):  # room for the thread bar
                size = struct.pack("HHHH", 24, columns, 0, 0)
                fcntl.ioctl(follower, termios.TIOCSWINSZ, size)
                assert terminal_width(96, tty) == expected
    finally:
        os.close(leader)
        os.close(follower)
    assert terminal_width(96, io.StringIO()) == 96


async def test_a_line_that_is_not_utf8_is_answered_and_the_prompt_goes_on() -> None:
    """A Latin-1 paste (`caf\\xe9`) raised UnicodeDecodeError in the reading thread, taken
    for the end of input: the prompt ended, and `paperbot run` with it, without a word."""
    out, asked = io.StringIO(), []
    raw = io.BytesIO(b"/paper tags\n/paper caf\xe9\n/paper help\n")
    typed = io.TextIOWrapper(raw, encoding="utf-8")
    lines = [line async for line in stdin_lines(stream=typed)]
    assert lines == ["/paper tags", "/paper caf\udce9", "/paper help"]
    channel = _channel(out, asked)
    channel.locale = "en"
    assert await channel.prompt(_lines(lines)) == 3
    assert asked == ["tags", "help"]
    assert "The line is not valid UTF-8 (byte 0xe9): type it again in UTF-8." in out.getvalue()


@pytest.mark.parametrize(
    ("number", "answer"),
    [("²", "Type :react 🔔 <n>"), ("³", "Type :react 🔔 <n>"), ("0", "has no paper 0."),
     ("99999999999999999999", "has no paper 99999999999999999999.")],
)  # fmt: skip
async def test_a_react_number_that_is_no_paper_is_answered_not_raised(
    number: str, answer: str
) -> None:
    """`²` passed str.isdigit() and then int() raised ValueError out of the prompt."""
    out = io.StringIO()

    async def react(ref: object, emoji: str, added: bool) -> Reply | None:
        raise AssertionError("no paper to react on")

    channel = ConsoleChannel(ConsoleRenderer(), react=react, out=out, locale="en")
    assert await channel.answer(f":react 🔔 {number}") is not None
    assert answer in out.getvalue()
