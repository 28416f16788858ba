"""The terminal as a channel: the embedded default when no Slack or Discord token is set.

Digests are printed (in colour on a terminal); a prompt takes `/paper …` lines, hands them to the
injected command handler and prints the rendered reply. `:react 🔔 <n>` reacts on paper n of the
last digest shown (`:unreact 🔔 <n>` takes it back), and `:react 3️⃣ menu` on the last tag menu
shown, through the injected reaction handler, as a chat platform's reaction event would. A
person's DM digest (a destination `@<user>`) is printed under a `✉️ @<user>` line. Without a
terminal on standard input (a container, a pipe) it only prints. The renderer is injected:
adapters never import formatters.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import sys
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console

from bot.errors import not_utf8
from bot.models import Destination, Digest, MessageRef
from bot.payloads import ConsolePayload
from bot.ports import Renderer
from bot.replies import ErrorView, MessageView, Reply, msg
from bot.search.text import full_width_digits

__all__ = [
    "CommandHandler",
    "ConsoleChannel",
    "ConsoleTransport",
    "ReactHandler",
    "stdin_lines",
    "terminal_width",
]

log = logging.getLogger(__name__)

CommandHandler = Callable[[str], Awaitable[Reply]]
ReactHandler = Callable[[MessageRef, str, bool], Awaitable[Reply | None]]
"""A reaction (message, emoji, added) by the person at the terminal; the private answer, if any."""
PROMPT = "paper> "
THREAD_BAR = "  │ "
QUIT = {":q", ":quit", "quit", "exit"}


async def stdin_lines(prompt: str = PROMPT, stream: TextIO | None = None) -> AsyncIterator[str]:
    """Lines typed at the terminal (or read from `stream`); ends at EOF (Ctrl-D).

    Each line is read by a daemon thread, so a pending read never holds up shutdown
    (Ctrl-C ends the program at once instead of waiting for one more Enter). Standard input
    goes through `input()` (line editing, the prompt); another stream is read as it is.
    """
    _keep_undecodable(sys.stdin if stream is None else stream)
    loop = asyncio.get_running_loop()
    while True:
        line = await _read_line(loop, prompt, stream)
        if line is None:
            return
        yield line


def _keep_undecodable(stream: TextIO) -> None:
    """Bytes that are not UTF-8 (a Latin-1 paste) arrive as lone surrogates, answered as such:
    read strictly they raise UnicodeDecodeError, which `input()` callers take for the end of
    input (the prompt, and with it the bot, would stop)."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
        stream.reconfigure(errors="surrogateescape")


def _read_line(
    loop: asyncio.AbstractEventLoop, prompt: str, stream: TextIO | None
) -> asyncio.Future[str | None]:
    future: asyncio.Future[str | None] = loop.create_future()

    def deliver(line: str | None) -> None:
        if not future.done():
            future.set_result(line)

    def read() -> None:
        line: str | None = None
        try:
            if stream is None:
                line = input(prompt)
            elif raw := stream.readline():
                line = raw.rstrip("\r\n")
        except (EOFError, OSError, ValueError):  # end of input, or a closed or unreadable one
            line = None
        with contextlib.suppress(RuntimeError):  # the loop closed while we waited
            loop.call_soon_threadsafe(deliver, line)

    threading.Thread(target=read, name="console-stdin", daemon=True).start()
    return future


def terminal_width(cap: int, out: TextIO | None = None) -> int:
    """The columns of the terminal `out` (default: standard output) shows, less the thread bar
    replies get, at most `cap`; `cap` when it is not a terminal (a pipe or a log keeps full
    lines)."""
    stream = sys.stdout if out is None else out
    try:
        if stream.isatty():
            columns = os.get_terminal_size(stream.fileno()).columns - len(THREAD_BAR)
            return max(20, min(cap, columns))
    except (OSError, ValueError):  # no size to ask for (a closed or fake stream)
        pass
    return cap


def command_text(line: str) -> str | None:
    """The argument text of a `/paper …` line (a bare `tag:rl` works too); None for blank lines."""
    text = line.strip()
    if text.startswith("/paper"):
        text = text.removeprefix("/paper").strip() or "help"
    return text or None


@dataclass(slots=True)
class ConsoleChannel:
    """Prints payloads to `out`; colour when `out` is a terminal unless `colour` says otherwise."""

    renderer: Renderer[ConsolePayload]
    handler: CommandHandler | None = None
    out: TextIO = field(default_factory=lambda: sys.stdout)
    colour: bool | None = None
    locale: str = "ko"
    """The language of what the channel itself says (an internal error), unless `locale_of`
    is given."""
    locale_of: Callable[[], Awaitable[str]] | None = None
    """The terminal destination's current language (`/paper channel set locale` changes it)."""
    react: ReactHandler | None = None
    _console: Console = field(init=False)
    _papers: list[MessageRef] = field(init=False, default_factory=list)
    _before: tuple[MessageRef | None, list[MessageRef]] = field(init=False, default=(None, []))
    _menu: MessageRef | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        colour = self.out.isatty() if self.colour is None else self.colour
        self.colour = colour
        self._console = Console(
            file=self.out,
            force_terminal=colour,
            no_color=not colour,
            highlight=False,
            soft_wrap=True,
            emoji=False,
        )

    def show(self, payloads: Sequence[ConsolePayload]) -> None:
        """Print messages in order; thread replies are indented under a bar."""
        for payload in payloads:
            text = payload.rich if self.colour and payload.rich else payload.plain
            if payload.thread:
                text = "\n".join(THREAD_BAR + line for line in text.splitlines())
            if self.colour:
                self._console.print(text)
            else:
                self.out.write(text + "\n")
            self.out.write("\n")
        self.out.flush()

    def posted(self, destination: Destination, ref: MessageRef, *, reply: bool) -> None:
        """A digest message went out here: its papers are what `:react … <n>` numbers (the
        header starts a new digest; DMs are not counted)."""
        if destination.channel.startswith("@"):
            return
        if reply:
            self._papers.append(ref)
        else:
            self._before, self._papers = (ref, self._papers), []

    def bot_reacted(self, ref: MessageRef) -> None:
        """The bot put its numbers on `ref`: it is a tag menu (what `:react 3️⃣ menu` reacts
        on), not a digest's header, so the last digest's papers stay numbered."""
        before, papers = self._before
        if before == ref:
            self._papers, self._before = papers, (None, [])
        self._menu = ref

    def show_digest(self, digest: Digest) -> None:
        """Print a digest as the chat platforms would post it."""
        self.show(self.renderer.render_digest(digest))

    async def answer(self, line: str) -> ConsolePayload | None:
        """Run one prompt line through the handler and print the reply; None for blank lines."""
        if line.strip().startswith((":react", ":unreact")):
            return await self._reaction(line.split())
        text = command_text(line)
        if text is None or self.handler is None:
            return None
        if (what := not_utf8(text)) is not None:  # see `_keep_undecodable`
            return await self._say(ErrorView(msg("error.not_utf8", what=what)))
        try:
            reply = await self.handler(text)
        except Exception:  # the prompt must answer the person whatever the core did
            log.exception("console command failed: %r", text)
            reply = Reply(ErrorView(msg("error.internal")), locale=await self._locale())
        payload = self.renderer.render_reply(reply)
        self.show([payload])
        return payload

    async def _reaction(self, words: list[str]) -> ConsolePayload:
        """`:react <emoji> <n>` / `:unreact <emoji> <n>` on paper n of the last digest;
        `:react <emoji> menu` on the last tag menu."""
        if len(words) == 3 and words[2].lower() == "menu" and self.react is not None:
            if self._menu is None:
                return await self._say(ErrorView(msg("menu.no_menu")))
            return await self._react(self._menu, words[1], words[0] == ":react")
        typed = full_width_digits(words[2]) if len(words) == 3 else ""
        # 0-9 (or full width) only: int() reads `٢` as 2 and cannot read `²`
        if not (typed.isascii() and typed.isdecimal()) or self.react is None:
            return await self._say(ErrorView(msg("subs.react_usage")))
        digits = typed.lstrip("0")  # int() refuses 4,301 digits and more; no digest has 10**9
        number = int(digits) if 0 < len(digits) <= 9 else 0
        if not 1 <= number <= len(self._papers):
            return await self._say(ErrorView(msg("subs.react_no_paper", n=typed)))
        return await self._react(self._papers[number - 1], words[1], words[0] == ":react")

    async def _react(self, ref: MessageRef, emoji: str, added: bool) -> ConsolePayload:
        assert self.react is not None
        reply = await self.react(ref, emoji, added)
        if reply is None:
            return await self._say(MessageView(lines=(msg("subs.reaction_unchanged"),)))
        payload = self.renderer.render_reply(reply)
        self.show([payload])
        return payload

    async def _locale(self) -> str:
        return self.locale if self.locale_of is None else await self.locale_of()

    async def _say(self, view: ErrorView | MessageView) -> ConsolePayload:
        payload = self.renderer.render_reply(Reply(view, locale=await self._locale()))
        self.show([payload])
        return payload

    async def prompt(self, lines: AsyncIterator[str]) -> int:
        """Answer lines until `:quit` or the end of input; returns how many were answered."""
        answered = 0
        async for line in lines:
            if line.strip() in QUIT:
                break
            if await self.answer(line) is not None:
                answered += 1
        return answered

    async def run(self, digest: Digest | None, *, stdin: TextIO | None = None) -> None:
        """Print the digest, then take `/paper` lines from `stdin` (default: standard input)
        while it is a terminal."""
        if digest is not None:
            self.show_digest(digest)
        source = sys.stdin if stdin is None else stdin
        if self.handler is not None and source.isatty():
            await self.prompt(stdin_lines(stream=stdin))


@dataclass
class ConsoleTransport:
    """Posts to the terminal: the `Transport` the digest service uses for `console` destinations.

    Message ids are random, so a restarted process never reuses one the ledger already holds.
    """

    channel: ConsoleChannel

    async def post(
        self,
        destination: Destination,
        payload: ConsolePayload,
        *,
        thread: MessageRef | None = None,
        nonce: str | None = None,
    ) -> MessageRef:
        """Print the message; replies in a thread are indented under the header. A DM's first
        message is printed under `✉️ @<user>`."""
        if destination.channel.startswith("@") and thread is None:
            payload = ConsolePayload(
                f"✉️ {destination.channel}\n{payload.plain}",
                f"✉️ {destination.channel}\n{payload.rich}" if payload.rich else "",
                thread=payload.thread,
            )
        self.channel.show([payload])
        ref = MessageRef(
            destination.platform, destination.workspace, destination.channel, uuid.uuid4().hex[:16]
        )
        self.channel.posted(destination, ref, reply=thread is not None)
        return ref

    async def edit(self, ref: MessageRef, payload: ConsolePayload) -> None:
        """A terminal can't change printed text: print the corrected message again, marked ✏️
        (a mark, not a word, so it reads in either language; message ids are not for people)."""
        rich = f"✏️ {payload.rich}" if payload.rich else ""
        self.channel.show([ConsolePayload(f"✏️ {payload.plain}", rich, thread=payload.thread)])

    async def add_reaction(self, ref: MessageRef, emoji: str) -> None:
        """The bot's own reaction: nothing to print (the menu says how to react); it marks
        `ref` as the tag menu `:react … menu` reacts on."""
        self.channel.bot_reacted(ref)

    async def remove_reaction(self, ref: MessageRef, emoji: str) -> None:
        """Nothing to take off a printed message."""
