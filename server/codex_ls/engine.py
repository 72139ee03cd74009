"""The completion pipeline: document + cursor → window → FIM request → stream → suggestion.

Pure steps (window, decision, post-processing) around one streamed model call.
The stream is read only as far as needed: single-line requests end at the first
line break, multi-line requests end where the cursor's block ends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from dataclasses import dataclass

from .backends.base import Backend, Delta, GenerationRequest
from .config import Config
from .context.fim import FimTemplate
from .context.window import Window, window
from .postprocess import postprocess, trim_block

log = logging.getLogger(__name__)

_CLOSERS = set(")]}\"'`;,:")


@dataclass(frozen=True)
class CompletionContext:
    uri: str
    text: str
    offset: int
    language_id: str = ""
    path: str = ""
    version: int | None = None
    manual: bool = False


@dataclass(frozen=True)
class Suggestion:
    text: str
    #: Characters after the cursor that ``text`` replaces (auto-closed brackets).
    replace_suffix: int = 0
    finish_reason: str | None = None


@dataclass(frozen=True)
class Outcome:
    suggestions: list[Suggestion]
    window: Window
    multiline: bool
    backend_seconds: float = 0.0


def decide_multiline(prefix: str, suffix: str) -> bool | None:
    """Single line, multi-line, or nothing (``None``) from the text around the cursor.

    Mid-word → nothing; text before the cursor on its line → single line; an
    empty line (or only indentation) → multi-line.
    """
    rest = suffix.split("\n", 1)[0].rstrip("\r")
    if rest.strip() and (rest[0].isalnum() or rest[0] == "_"):
        return None
    line = prefix.rsplit("\n", 1)[-1]
    return not line.strip() and not rest.strip(" \t" + "".join(_CLOSERS))


class CompletionEngine:
    def __init__(self, config: Config, backend: Backend, template: FimTemplate) -> None:
        self.config = config
        self.backend = backend
        self.template = template

    def request_for(self, win: Window, multiline: bool) -> GenerationRequest:
        c = self.config.completion
        stop = self.template.stop if multiline else ("\n", *self.template.stop)
        return GenerationRequest(
            prefix=win.prefix,
            suffix=win.suffix,
            prompt=self.template.render(win.prefix, win.suffix),
            stop=stop,
            max_tokens=c.multiline_max_tokens if multiline else c.max_tokens,
            temperature=c.temperature,
        )

    async def complete(self, ctx: CompletionContext) -> Outcome:
        c = self.config.completion
        budget = int(c.context_tokens * c.chars_per_token)
        win = window(ctx.text, ctx.offset, budget, c.prefix_ratio)
        multiline = decide_multiline(win.prefix, win.suffix)
        if multiline is None:
            return Outcome([], win, False)
        request = self.request_for(win, multiline)
        started = time.perf_counter()
        text, finish = await read_until_done(self.backend.stream(request), win.prefix, multiline)
        elapsed = time.perf_counter() - started
        result = postprocess(win.prefix, win.suffix, text, multiline=multiline, stop_tokens=self.template.stop)
        log.debug("completion %s: %d chars raw, finish=%s, %.0f ms", ctx.uri, len(text), finish, elapsed * 1000)
        if result is None:
            return Outcome([], win, multiline, elapsed)
        return Outcome([Suggestion(result.text, result.replace_suffix, finish)], win, multiline, elapsed)


async def read_until_done(deltas: AsyncGenerator[Delta, None], prefix: str, multiline: bool) -> tuple[str, str | None]:
    """Collect choice 0; stop reading (closing the stream) once the block is complete."""
    parts: list[str] = []
    finish: str | None = None
    async with aclosing(deltas):
        async for delta in deltas:
            if delta.index != 0:
                continue
            parts.append(delta.text)
            if delta.finish_reason is not None:
                finish = delta.finish_reason
                break
            if multiline and "\n" in delta.text and _block_closed(prefix, "".join(parts)):
                finish = "stop"
                break
    return "".join(parts), finish


def _block_closed(prefix: str, text: str) -> bool:
    """True when a completed line of ``text`` already left the cursor's block."""
    complete = text[: text.rfind("\n")]
    return len(trim_block(prefix, complete)) < len(complete.rstrip("\n"))
